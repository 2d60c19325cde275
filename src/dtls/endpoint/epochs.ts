// Epochs: which keys protect what (RFC 9147 4, 6.1, 8). Epoch 0 plaintext, 2 handshake, 3 the first application
// keys, each KeyUpdate one more. Holds the negotiated suite and key schedule, the application traffic secrets (for
// KeyUpdate) and the exporter inputs, installs and drops keys in the record layer, and counts application records
// against the AEAD confidentiality limit (RFC 9147 4.5.3) that triggers an automatic KeyUpdate.
import { type CipherSuite, suiteByCode } from '../crypto/suites.ts';
import type { KeySchedule } from '../keyschedule.ts';
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, HandshakeType } from '../handshake/constants.ts';
import { decodeKeyUpdate, encodeKeyUpdate } from '../handshake/messages.ts';
import type { ResolvedCommon } from './config.ts';
import type { EventQueue } from './events.ts';
import type { Flights } from './flights.ts';
import type { RecordIO } from './records.ts';
import { bytesOf, latin1 } from '../record/latin1.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';
import { PackError } from '../record/pack.ts';
import { scheduleFor } from './common.ts';

/** The negotiated suite and its key schedule (set when the ServerHello is sent or processed). */
export interface Negotiated {
  suite: CipherSuite;
  ks: KeySchedule;
}

export class Epochs {
  private readonly rec: RecordIO;
  private readonly client: boolean;
  private readonly flights: Flights;
  private readonly events: EventQueue;
  /** Suite and key schedule, once negotiated. */
  keys: Negotiated | undefined;
  /** Epoch used for new handshake records / ACKs / alerts / data. */
  write = 0;
  /** Highest epoch whose read keys are installed. */
  read = 0;
  /** Once application keys exist, 4 x Hash.length bytes in one string (../record/latin1.ts: one character per byte,
   *  ~150 B of heap where a Uint8Array of 128 B takes ~330 B): our current application traffic secret (KeyUpdate),
   *  the peer's, then the exporter inputs (master secret, transcript hash to the server Finished). One copy: the
   *  arrays the key schedule returned (and anything keyed by them) can go. */
  secrets: string | undefined;
  /** Read epoch kept after a KeyUpdate until a record authenticates under the new one. */
  private oldRead = -1;
  /** Application records sent under the current write key, and the KeyUpdate threshold. */
  appRecords = 0;
  rekeyAfter = Infinity;
  /** The peer asked for our KeyUpdate (update_requested): sent after the ACK of its KeyUpdate. */
  private pendingReply = false;
  /** A write epoch kept after our KeyUpdate rolled past it, because a post-handshake flight sent under it (a
   *  NewSessionTicket) is still unacknowledged: its retransmissions must use the same epoch and keys (RFC 9147
   *  4.2.1). The peer can ACK our KeyUpdate before that flight when the flight was lost and the KeyUpdate arrived
   *  out of order (RFC 9147 7 lets it acknowledge buffered records). Dropped once no flight uses it
   *  (afterAck); -1: none. */
  private staleWrite = -1;

  constructor(rec: RecordIO, role: 'client' | 'server', flights: Flights, events: EventQueue) {
    this.rec = rec;
    this.client = role === 'client';
    this.flights = flights;
    this.events = events;
  }

  /** No KeyUpdate reply pending (./dormant.ts). */
  get quiet(): boolean {
    return !this.pendingReply && this.staleWrite < 0;
  }
  /** The write and read epochs come first (a dormant connection answers sendEpoch / receiveEpoch from them). */
  pack(w: PackWriter): void {
    w.uint(this.write).uint(this.read).uint(this.keys ? this.keys.suite.code : 0);
    if (this.secrets === undefined) w.u8(0);
    else w.u8(1).str(this.secrets);
    w.num(this.oldRead).uint(this.appRecords).num(this.rekeyAfter);
  }
  unpack(r: PackReader): void {
    this.write = r.uint();
    this.read = r.uint();
    const code = r.uint();
    if (code !== 0) {
      const suite = suiteByCode(code);
      if (!suite) throw new PackError(`unknown suite 0x${code.toString(16)}`);
      this.keys = { suite, ks: scheduleFor(this.rec.layer.provider, suite.hash) };
    }
    if (r.u8() === 1) this.secrets = r.str();
    this.oldRead = r.n();
    this.appRecords = r.uint();
    this.rekeyAfter = r.n();
  }

  /** Installs epoch 2 in both directions and switches to it. */
  installHandshake(keys: Negotiated, clientSecret: Uint8Array, serverSecret: Uint8Array): void {
    this.keys = keys;
    const [mine, theirs] = this.client ? [clientSecret, serverSecret] : [serverSecret, clientSecret];
    this.rec.installWrite(2, keys.ks.epochKeys(mine, keys.suite));
    this.rec.installRead(2, keys.ks.epochKeys(theirs, keys.suite));
    this.write = 2;
    this.read = 2;
  }

  /** Installs epoch 3 keys in both directions (the write epoch switches to 3 in complete()) and keeps the
   *  application traffic secrets (for KeyUpdate) and the exporter inputs. */
  installApp(keys: Negotiated, clientSecret: Uint8Array, serverSecret: Uint8Array, master: Uint8Array, th: Uint8Array): void {
    const [mine, theirs] = this.client ? [clientSecret, serverSecret] : [serverSecret, clientSecret];
    this.secrets = latin1(mine, theirs, master, th);
    this.rec.installWrite(3, keys.ks.epochKeys(mine, keys.suite));
    this.rec.installRead(3, keys.ks.epochKeys(theirs, keys.suite));
    this.read = 3;
  }

  /** Handshake complete: send under epoch 3, arm the automatic KeyUpdate. */
  complete(cfg: ResolvedCommon, suite: CipherSuite): void {
    this.write = 3;
    this.rekeyAfter = cfg.keyUpdateAfterRecords ?? Math.floor(0.9 * suite.confidentialityLimit);
  }

  /** Our final flight was acknowledged: epoch 2 keys are no longer needed. */
  dropHandshake(): void {
    this.rec.dropWrite(2);
    this.rec.dropRead(2);
  }

  /** Sends a KeyUpdate (RFC 9147 8) as a flight of its own; the sending epoch rolls once it is acknowledged. */
  startKeyUpdate(requestPeer: boolean, now: number): void {
    const fl = this.flights;
    const ku = (fl.ku = fl.make([fl.newMessage(this.write, HandshakeType.key_update, encodeKeyUpdate(requestPeer))], now));
    ku.onAcked = () => {
      // roll the sending epoch only now (RFC 9147 8)
      if (!this.rollWrite()) throw new AlertError(AlertDescription.internal_error, 'no application secrets');
      fl.ku = undefined;
      this.events.emit({ type: 'keyupdate', direction: 'send', epoch: this.write });
    };
    fl.transmit(ku, now, false, Infinity);
  }

  /** The peer's KeyUpdate, received under `epoch` (its record is already queued for our ACK). */
  onKeyUpdate(body: Uint8Array, epoch: number): void {
    const requested = decodeKeyUpdate(body);
    if (epoch !== this.read) throw new AlertError(AlertDescription.unexpected_message, 'KeyUpdate in old epoch');
    if (!this.rollRead()) throw new AlertError(AlertDescription.internal_error, 'no application secrets');
    this.events.emit({ type: 'keyupdate', direction: 'receive', epoch: this.read });
    // answer after the ACK so the ACK goes out first
    if (requested && !this.flights.ku) this.pendingReply = true;
  }

  /** An ACK just went out: send the KeyUpdate the peer asked for, if any (only while `connected`). */
  replyIfRequested(connected: boolean): void {
    if (!this.pendingReply) return;
    this.pendingReply = false;
    if (!this.flights.ku && connected) this.startKeyUpdate(false, this.flights.lastNow);
  }

  /** Our KeyUpdate was acknowledged: roll the sending epoch (RFC 9147 8). False without application keys. */
  private rollWrite(): boolean {
    const next = this.nextAppSecret(0);
    const keys = this.keys;
    if (!next || !keys) return false;
    const old = this.write;
    this.write++;
    this.rec.installWrite(this.write, keys.ks.epochKeys(next, keys.suite));
    if (this.staleWrite < 0 && this.flights.usesEpoch(old)) this.staleWrite = old;
    else this.rec.dropWrite(old);
    this.appRecords = 0;
    return true;
  }

  /** An ACK was processed: the write epoch kept for an unacknowledged flight goes once no flight uses it. */
  afterAck(): void {
    if (this.staleWrite >= 0 && !this.flights.usesEpoch(this.staleWrite)) {
      this.rec.dropWrite(this.staleWrite);
      this.staleWrite = -1;
    }
  }

  /** The peer's KeyUpdate: install the next read epoch; the current one stays until a record authenticates under
   *  the new one. False without application keys. */
  private rollRead(): boolean {
    const next = this.nextAppSecret(1);
    const keys = this.keys;
    if (!next || !keys) return false;
    this.oldRead = this.read;
    this.read++;
    this.rec.installRead(this.read, keys.ks.epochKeys(next, keys.suite));
    return true;
  }

  /** A record authenticated under `epoch`: once that is the epoch after a KeyUpdate, the old keys go. */
  onRecordEpoch(epoch: number): void {
    if (epoch === this.oldRead + 1 && this.oldRead >= 3) {
      this.rec.dropRead(this.oldRead);
      this.oldRead = -1;
    }
  }

  /** KeyUpdate: replaces our (0) or the peer's (1) application traffic secret by the next one and returns it. */
  private nextAppSecret(which: 0 | 1): Uint8Array | undefined {
    const s = this.secrets;
    const keys = this.keys;
    if (!s || !keys) return undefined;
    const h = keys.ks.hashLength;
    const next = keys.ks.nextTrafficSecret(bytesOf(s, which * h, (which + 1) * h));
    // rebuilt flat (string + would leave a rope of cons strings on the connection)
    this.secrets = latin1(which === 0 ? next : bytesOf(s, 0, h), which === 1 ? next : bytesOf(s, h, 2 * h), bytesOf(s, 2 * h));
    return next;
  }

  /** Exporter master secret (RFC 8446 7.5) once application keys exist, derived on first use. */
  exporterSecret(): Uint8Array | undefined {
    const s = this.secrets;
    const keys = this.keys;
    if (!s || !keys) return undefined;
    const h = keys.ks.hashLength;
    return keys.ks.exporterMasterSecret(bytesOf(s, 2 * h, 3 * h), bytesOf(s, 3 * h, 4 * h));
  }
}
