// Connection: the role-independent half of a DTLS 1.3 endpoint (sans-IO).
//
// - records in/out through RecordIO (./records.ts, an adapter over src/dtls/record)
// - handshake reliability (RFC 9147 5.5, 5.8, 7): message_seq, fragmentation to the MTU, reassembly of
//   out-of-order / duplicate / overlapping fragments, flights with a retransmission timer, ACK generation and
//   processing with partial-flight retransmission
// - post-handshake: KeyUpdate (RFC 9147 8) with its ACK and epoch rollover, NewSessionTicket (ACKed, ignored),
//   application data, close_notify, alerts
// The role-specific handshake state machines live in ./client.ts and ./server.ts.
//
// Errors: the handshake code throws AlertError; receive()/handleTimeout() catch it, send the fatal alert and
// close. Nothing thrown inside ever escapes those two methods (other exceptions become internal_error).
import type { CryptoProvider } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import type { KeySchedule } from '../keyschedule.ts';
import { AlertError, Writer } from '../handshake/bytes.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, alertName } from '../handshake/constants.ts';
import {
  type HandshakeFragment, type RecordNumber, DTLS_HS_HEADER, decodeAck, decodeAlert, decodeFragments,
  decodeKeyUpdate, decodeNewConnectionId, decodeNewSessionTicket, decodeRequestConnectionId, encodeAck,
  encodeAlert, encodeKeyUpdate, writeFragment,
} from '../handshake/messages.ts';
import type { ResolvedCommon } from './config.ts';
import { type OpenedRecord, RecordIO } from './records.ts';

export type EndpointEvent =
  | {
    type: 'connected';
    suite: string;
    group: string;
    signatureScheme: string;
    helloRetry: boolean;
    /** CID we put in records we send (peer-chosen), CID we expect in records we receive (our choice). */
    sendCid: Uint8Array | undefined;
    recvCid: Uint8Array | undefined;
  }
  | { type: 'data'; data: Uint8Array }
  | { type: 'alert'; level: number; description: number; name: string; sent: boolean }
  | { type: 'keyupdate'; direction: 'send' | 'receive'; epoch: number }
  | { type: 'closed'; reason: CloseReason };

/** 'replaced': the server abandoned this association for a new handshake from the same address (RFC 9147 5.11). */
export type CloseReason = 'close_notify' | 'alert' | 'timeout' | 'local' | 'replaced';

export interface EndpointStats {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  recordsSent: number;
  recordsReceived: number;
  /** Handshake messages (including post-handshake ones such as KeyUpdate) built to send; retransmissions excluded. */
  handshakeMessagesSent: number;
  /** Complete handshake messages (including post-handshake ones) processed, in order. */
  handshakeMessagesReceived: number;
  /** Handshake/post-handshake records sent again (by timer, ACK gap or peer retransmission). */
  retransmissions: number;
  /** Retransmission timer expiries. */
  timeouts: number;
  acksSent: number;
  acksReceived: number;
  /** Records or fragments dropped: by the record layer (bad header, failed authentication, replay, unknown epoch)
   *  and by the endpoint (application data before Finished, stale/out-of-window handshake fragments). */
  drops: number;
  dropsByReason: Record<string, number>;
}

export type ConnectionState = 'idle' | 'handshaking' | 'connected' | 'closed';

interface OutMessage {
  epoch: number;
  msgType: number;
  seq: number;
  body: Uint8Array;
}
interface OutFragment {
  msg: OutMessage;
  offset: number;
  len: number;
  acked: boolean;
  /** Send index of the latest record carrying this fragment (for ACK-gap retransmission). */
  sentIndex: number;
}
interface Flight {
  frags: OutFragment[];
  unacked: number;
  recordKeys: string[];
  firstSentAt: number;
  lastSentAt: number;
  retransmitted: boolean;
  deadline: number;
  expiries: number;
  /** Called once every fragment has been acknowledged (explicitly, or implicitly via completeFlight). */
  onAcked?: ((now: number) => void) | undefined;
}
interface InMessage {
  msgType: number;
  length: number;
  epoch: number;
  buf: Uint8Array;
  have: Uint8Array | undefined; // per-byte bitmap while incomplete
  got: number;
}

const MAX_PLAINTEXT = 1 << 14;
/** Application records from the peer held until its Finished arrives. */
export const EARLY_DATA_RECORDS = 8;
const REASSEMBLY_WINDOW = 8;

export abstract class Connection {
  readonly role: 'client' | 'server';
  state: ConnectionState = 'idle';
  readonly stats: EndpointStats = {
    datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, bytesReceived: 0, recordsSent: 0, recordsReceived: 0,
    handshakeMessagesSent: 0, handshakeMessagesReceived: 0, retransmissions: 0, timeouts: 0, acksSent: 0, acksReceived: 0, drops: 0, dropsByReason: {},
  };
  /** Called for each datagram to send (when set); otherwise datagrams queue for pollTransmit(). The second
   *  argument is this connection (so that one sink can serve many connections without a closure each). */
  transmitSink: ((datagram: Uint8Array, from: Connection) => void) | undefined;
  /** Called for each event (when set); otherwise events queue for pollEvent(). Second argument: this connection. */
  eventSink: ((event: EndpointEvent, from: Connection) => void) | undefined;

  protected readonly cfg: ResolvedCommon;
  protected readonly crypto: CryptoProvider;
  protected rec: RecordIO;
  protected suite: CipherSuite | undefined;
  protected ks: KeySchedule | undefined;

  // handshake message sequencing
  protected sendMsgSeq = 0;
  protected recvMsgSeq = 0;
  /** recvMsgSeq when the handshake completed: lower message_seq values are handshake retransmissions. */
  private hsRecvEnd = -1;
  /** Incomplete / not yet processed handshake messages by message_seq; created on demand, dropped when the
   *  handshake completes. */
  private inMsgs: Map<number, InMessage> | undefined;

  // flights
  private hsFlight: Flight | undefined;
  private kuFlight: Flight | undefined;
  /** Fragments carried by each unacknowledged handshake record ("epoch/seq"); created on demand, dropped once empty. */
  private sentRecords: Map<string, OutFragment[]> | undefined;
  private sendIndex = 0;
  protected rto: number;
  private ackList: RecordNumber[] = [];
  private ackDeadline: number | undefined;

  // epochs
  /** Epoch used for new handshake records / ACKs / alerts / data. */
  protected writeEpoch = 0;
  /** Highest epoch whose read keys are installed. */
  protected readEpoch = 0;
  /** Once application keys exist, one buffer of 4 x Hash.length bytes: our current application traffic secret
   *  (KeyUpdate), the peer's, then the exporter inputs (master secret, transcript hash to the server Finished).
   *  One copy in one array: the arrays the key schedule returned (and anything keyed by them) can go. */
  private secrets: Uint8Array | undefined;
  /** Read epoch kept after a KeyUpdate until a record authenticates under the new one. */
  private oldReadEpoch = -1;

  // output packing
  private dgramParts: Uint8Array[] = [];
  private dgramLen = 0;
  private outQueue: Uint8Array[] = [];
  private events: EndpointEvent[] = [];

  // anti-amplification (server before address validation)
  protected ampLimited = false;
  private ampHeld: Uint8Array[] | undefined;

  protected constructor(role: 'client' | 'server', cfg: ResolvedCommon) {
    this.role = role;
    this.cfg = cfg;
    this.crypto = cfg.crypto;
    this.rec = new RecordIO(cfg.crypto, this.stats, cfg.aeadForgeryLimit);
    this.rto = cfg.initialRetransmitMs;
  }

  // ------------------------------------------------------------------ public API
  pollTransmit(): Uint8Array | undefined {
    const q = this.outQueue;
    const d = q.shift();
    if (q.length === 0) q.length = 0; // drained: give back the backing store (length = 0 releases it in V8)
    return d;
  }
  pollEvent(): EndpointEvent | undefined {
    const q = this.events;
    const e = q.shift();
    if (q.length === 0) q.length = 0;
    return e;
  }
  /** Absolute time (ms) of the next timer, or undefined when none is armed. */
  nextTimeout(): number | undefined {
    let t = Infinity;
    if (this.hsFlight) t = this.hsFlight.deadline;
    if (this.kuFlight && this.kuFlight.deadline < t) t = this.kuFlight.deadline;
    if (this.ackDeadline !== undefined && this.ackDeadline < t) t = this.ackDeadline;
    return t === Infinity ? undefined : t;
  }
  get isConnected(): boolean {
    return this.state === 'connected';
  }
  get isClosed(): boolean {
    return this.state === 'closed';
  }
  /** Current sending epoch (3 after the handshake, +1 per acknowledged KeyUpdate). */
  get sendEpoch(): number {
    return this.writeEpoch;
  }
  get receiveEpoch(): number {
    return this.readEpoch;
  }

  /** Process one datagram. Never throws: bad input is dropped (counted) or answered with an alert. */
  receive(datagram: Uint8Array, nowMs: number): void {
    if (this.state === 'closed') return;
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += datagram.length;
    this.nowRx = nowMs;
    if (nowMs > this.lastNow) this.lastNow = nowMs;
    try {
      if (this.ampHeld) this.onBytesReceived();
      const outer = Connection.receiving;
      Connection.receiving = this;
      let unknownEpochBits: number;
      try {
        unknownEpochBits = this.rec.open(datagram, Connection.onOpened);
      } finally {
        Connection.receiving = outer;
      }
      if (unknownEpochBits >= 0) this.onUndecryptable(unknownEpochBits);
      if (this.rec.layer.forgeryLimitReached) {
        // too many records failed authentication under one key (RFC 9147 4.5.3): close
        throw new AlertError(AlertDescription.bad_record_mac, 'AEAD forgery limit reached');
      }
      if (!this.ampLimited && this.ampHeld && this.ampHeld.length) this.onBytesReceived(); // address just validated
    } catch (e) {
      this.fail(e instanceof AlertError ? e.alert : AlertDescription.internal_error);
    }
    this.flushDatagram();
  }
  /** Time of the datagram being processed. */
  protected nowRx = 0;
  /** The connection whose datagram is being opened (a stack through `outer` in receive(): a sink may deliver to
   *  another connection synchronously). One shared record callback instead of a closure per connection. */
  private static receiving: Connection | undefined;
  private static readonly onOpened = (r: OpenedRecord): boolean => {
    const c = Connection.receiving!;
    c.stats.recordsReceived++;
    c.onRecord(r, c.nowRx);
    return c.state !== 'closed';
  };

  handleTimeout(nowMs: number): void {
    if (this.state === 'closed') return;
    if (nowMs > this.lastNow) this.lastNow = nowMs;
    this.guard(() => {
      if (this.ackDeadline !== undefined && nowMs >= this.ackDeadline) {
        this.ackDeadline = undefined;
        if (this.state === 'handshaking' && !this.hsFlight) {
          // waiting for the rest of the peer's flight with nothing of ours outstanding: keep ACKing what we have
          // (with back-off) so that the peer learns what is missing and an amplification-limited server gets budget
          this.stats.timeouts++;
          if (++this.partialAcks > this.cfg.maxRetransmissions) {
            this.terminate('timeout');
            return;
          }
          this.sendAck(this.lastReceived);
          this.rto = Math.min(this.rto * 2, this.cfg.maxRetransmitMs);
          this.ackDeadline = nowMs + this.rto;
        } else if (this.ackList.length > 0) this.sendAck();
      }
      for (const f of [this.hsFlight, this.kuFlight]) {
        if (!f || nowMs < f.deadline) continue;
        this.stats.timeouts++;
        f.expiries++;
        if (f.expiries > this.cfg.maxRetransmissions) {
          if (f === this.hsFlight && this.state === 'connected') {
            // the client's final flight was never ACKed, yet the client holds a complete handshake: stop
            // retransmitting and keep the connection (a server that missed the Finished resends its flight,
            // which makes the client resend its final flight once more)
            this.giveUpFinalFlight();
            continue;
          }
          this.terminate('timeout');
          return;
        }
        this.rto = Math.min(this.rto * 2, this.cfg.maxRetransmitMs);
        if (this.ampHeld && this.ampHeld.length) {
          f.deadline = nowMs + this.rto; // still waiting for budget: do not queue more copies
          continue;
        }
        this.transmitFlight(f, nowMs, true, Infinity);
      }
    });
    this.flushDatagram();
  }

  /** Send application data (split into records of at most 2^14 bytes, or the peer's record_size_limit). Returns
   *  false when not connected. `nowMs` (optional) times a KeyUpdate that the AEAD limit may trigger. */
  send(data: Uint8Array, nowMs?: number): boolean {
    if (this.state !== 'connected') return false;
    if (nowMs !== undefined && nowMs > this.lastNow) this.lastNow = nowMs;
    const max = Math.min(MAX_PLAINTEXT, this.rec.layer.maxPayload);
    for (let off = 0; off < data.length || off === 0; off += max) {
      this.emitRecord(this.writeEpoch, ContentType.application_data, data.subarray(off, off + max));
      this.appRecords++;
      if (data.length === 0) break;
    }
    if (this.appRecords >= this.rekeyAfter && !this.kuFlight) {
      // AEAD confidentiality limit ahead (RFC 9147 4.5.3): rekey; the counter restarts with the new epoch
      this.guard(() => this.startKeyUpdate(false, this.lastNow));
    }
    this.flushDatagram();
    return true;
  }

  /** Start a KeyUpdate (RFC 9147 8). Returns false if not connected or one is still unacknowledged. */
  keyUpdate(requestPeer: boolean, nowMs: number): boolean {
    if (this.state !== 'connected' || this.kuFlight) return false;
    let ok = false;
    this.guard(() => {
      this.startKeyUpdate(requestPeer, nowMs);
      ok = true;
    });
    this.flushDatagram();
    return ok;
  }

  /** Send close_notify and close. */
  close(): void {
    if (this.state === 'closed') return;
    this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
    this.flushDatagram();
    this.terminate('local');
  }

  /** Approximate bytes held by this connection's buffers (for the memory budget). */
  heldBytes(): number {
    let n = 0;
    if (this.inMsgs) for (const m of this.inMsgs.values()) n += m.buf.length + (m.have ? m.have.length : 0);
    for (const f of [this.hsFlight, this.kuFlight]) if (f) for (const fr of f.frags) n += fr.len;
    for (const d of this.outQueue) n += d.length;
    return n;
  }

  // ------------------------------------------------------------------ role hooks
  /** A complete handshake message during the handshake (in message_seq order). */
  protected abstract onHandshakeMessage(msgType: number, body: Uint8Array, epoch: number, now: number): void;
  /** Bytes arrived (server: anti-amplification budget). */
  protected onBytesReceived(): void {
    const held = this.ampHeld;
    if (!held || held.length === 0) return;
    // release in order while the budget allows (output() re-holds the rest, still in order)
    this.ampHeld = [];
    for (const d of held) this.output(d);
  }
  /** The datagram's first record is protected under epoch bits `bits` for which no read keys are installed. */
  protected onUndecryptable(_bits: number): void {}
  /** A record authenticated under `epoch` (> 0). */
  protected onAuthenticated(_epoch: number): void {}

  // ------------------------------------------------------------------ error guard
  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e instanceof AlertError ? e.alert : AlertDescription.internal_error);
    }
  }

  protected fail(description: number): void {
    if (this.state === 'closed') return;
    this.sendAlert(AlertLevel.fatal, description);
    this.flushDatagram();
    this.terminate('alert');
  }

  /** Closes without sending anything. */
  abandon(reason: CloseReason): void {
    this.terminate(reason);
  }

  protected terminate(reason: CloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.earlyData = undefined;
    this.hsFlight = undefined;
    this.kuFlight = undefined;
    this.ackDeadline = undefined;
    this.releaseHandshakeState();
    this.sentRecords = undefined;
    this.rec.clear();
    this.emit({ type: 'closed', reason });
  }

  protected emit(ev: EndpointEvent): void {
    if (this.eventSink) this.eventSink(ev, this);
    else this.events.push(ev);
  }

  protected countDrop(reason: string): void {
    this.stats.drops++;
    this.stats.dropsByReason[reason] = (this.stats.dropsByReason[reason] ?? 0) + 1;
  }

  // ------------------------------------------------------------------ records in
  private onRecord(r: OpenedRecord, now: number): void {
    if (r.epoch > 0) this.onAuthenticated(r.epoch);
    if (r.epoch === this.oldReadEpoch + 1 && this.oldReadEpoch >= 3) {
      // a record authenticated under the new read epoch: the pre-update keys can go (RFC 9147 8)
      this.rec.dropRead(this.oldReadEpoch);
      this.oldReadEpoch = -1;
    }
    if (r.epoch === 0 && this.state === 'connected' && r.contentType !== ContentType.handshake) {
      // after the handshake an unauthenticated alert or ACK can only be spoofed
      this.countDrop('plaintext_after_handshake');
      return;
    }
    switch (r.contentType) {
      case ContentType.handshake:
        this.onHandshakeRecord(r, now);
        return;
      case ContentType.ack:
        this.onAck(decodeAck(r.payload), now, r.epoch, this.isFreshPeerRecord({ epoch: r.epoch, seq: r.seq }));
        return;
      case ContentType.alert:
        this.onAlert(r.payload);
        return;
      case ContentType.application_data:
        if (this.state === 'connected' && r.epoch >= 3) {
          this.emit({ type: 'data', data: r.payload });
          return;
        }
        if (this.state === 'handshaking' && r.epoch >= 3) {
          // epoch-3 data before the peer's Finished (RFC 9147 5.8.1): the Finished was lost or reordered. Keep a
          // little of it for delivery after the Finished, and send an empty ACK so that the peer resends its final
          // flight now rather than waiting for its timer (at most once per half timer period).
          if (!this.earlyData) this.earlyData = [];
          if (this.earlyData.length < EARLY_DATA_RECORDS) this.earlyData.push(r.payload);
          else this.countDrop('early_application_data');
          if (now - this.earlyDataAckAt >= this.rto / 2) {
            this.earlyDataAckAt = now;
            this.sendEmptyAck();
          }
          return;
        }
        this.countDrop('early_application_data');
        return;
      default:
        this.countDrop('content_type');
    }
  }

  private onAlert(payload: Uint8Array): void {
    const a = decodeAlert(payload);
    this.emit({ type: 'alert', level: a.level, description: a.description, name: alertName(a.description), sent: false });
    if (a.description === AlertDescription.close_notify) this.terminate('close_notify');
    else if (a.description !== AlertDescription.user_canceled) this.terminate('alert');
  }

  private onHandshakeRecord(r: OpenedRecord, now: number): void {
    const frags = decodeFragments(r.payload);
    const rn: RecordNumber = { epoch: r.epoch, seq: r.seq };
    const fresh = this.isFreshPeerRecord(rn);
    let buffered = false;
    let duplicate = false;
    let disruption = false;
    for (const f of frags) {
      const res = this.onFragment(f, r.epoch);
      if (res === 'dup') duplicate = true;
      else if (res === 'buffered' || res === 'ooo') {
        buffered = true;
        if (res === 'ooo') disruption = true;
      }
    }
    if (this.state === 'connected') {
      // post-handshake: ACK every processed handshake record, duplicates included (RFC 9147 7);
      // handshake-phase retransmissions from the peer: client re-sends its final flight, server re-ACKs.
      const handshakeDup = duplicate && frags.every((f) => f.messageSeq < this.hsRecvEnd);
      if (handshakeDup) {
        // the client re-sends its final flight if it is still unacknowledged; the server ignores late copies of
        // the client's first flights (its epoch-2 copies are answered through the stored ACK, see server.ts)
        if (this.role === 'client') this.resendOnPeerRetransmission(now, fresh);
      } else if ((buffered || duplicate) && r.epoch >= 3) {
        this.ackList.push(rn);
      }
      this.processMessages(now);
      if (this.ackList.length && this.state === 'connected') this.sendAck();
      return;
    }
    if (buffered) this.ackList.push(rn);
    const before = this.recvMsgSeq;
    this.processMessages(now);
    if (this.state === 'closed') return;
    if (duplicate && this.recvMsgSeq === before) {
      // the peer retransmitted its previous flight: ours was probably lost (RFC 9147 5.8.1 case 3)
      if (this.hsFlight) this.resendOnPeerRetransmission(now, fresh);
      else if (this.ackList.length) this.sendAck();
    } else if (disruption && !this.hsFlight) {
      if (this.ackList.length) this.sendAck();
    }
    if (this.state === 'handshaking' && !this.hsFlight && this.ackDeadline === undefined &&
      (this.ackList.length || this.lastReceived.length)) {
      // partial flight: ACK after 1/4 of the retransmission timer if the rest does not arrive (RFC 9147 7.1)
      this.ackDeadline = now + this.rto / 4;
    }
  }

  /** The peer sent its previous flight again (or an empty ACK), so ours was probably lost (RFC 9147 5.8.1). Only a
   *  fresh record counts (see isFreshPeerRecord): network duplicates and late reordered copies do not. */
  private resendOnPeerRetransmission(now: number, fresh: boolean): void {
    const fl = this.hsFlight;
    if (fl && fresh) this.transmitFlight(fl, now, true, Infinity);
  }
  /** Highest record number seen per epoch (handshake and ACK records), as [epoch, seq, epoch, seq, ...]: a few
   *  epochs per connection, kept for its whole life (a Map would cost several times more). */
  private newestPeerRecord: number[] = [];
  /** True if `rn` is newer than every handshake/ACK record seen so far in its epoch (and records it): the peer's
   *  own retransmissions carry new record numbers, network duplicates and late copies repeat or precede old ones. */
  private isFreshPeerRecord(rn: RecordNumber): boolean {
    const a = this.newestPeerRecord;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] !== rn.epoch) continue;
      if (rn.seq <= a[i + 1]!) return false;
      a[i + 1] = rn.seq;
      return true;
    }
    this.newestPeerRecord = a.concat(rn.epoch, rn.seq); // exact length (push and spread leave room to grow)
    return true;
  }

  /** Buffers one fragment. Returns 'dup' (old message), 'buffered', 'ooo' (buffered, out of order) or 'drop'. */
  private onFragment(f: HandshakeFragment, epoch: number): 'dup' | 'buffered' | 'ooo' | 'drop' {
    if (f.messageSeq < this.recvMsgSeq) return 'dup';
    if (f.messageSeq >= this.recvMsgSeq + REASSEMBLY_WINDOW) {
      this.countDrop('handshake_window');
      return 'drop';
    }
    const inMsgs = (this.inMsgs ??= new Map());
    let m = inMsgs.get(f.messageSeq);
    if (!m && f.fragmentOffset === 0 && f.fragment.length === f.length) {
      // whole message in one fragment (the common case): no bitmap, one copy
      if (f.length > 0x10000 + 1024) throw new AlertError(AlertDescription.illegal_parameter, 'handshake message too large');
      inMsgs.set(f.messageSeq, { msgType: f.msgType, length: f.length, epoch, buf: f.fragment.slice(), have: undefined, got: f.length });
      return f.messageSeq !== this.recvMsgSeq ? 'ooo' : 'buffered';
    }
    if (!m) {
      if (f.length > 0x10000 + 1024) throw new AlertError(AlertDescription.illegal_parameter, 'handshake message too large');
      m = { msgType: f.msgType, length: f.length, epoch, buf: new Uint8Array(f.length), have: f.length ? new Uint8Array(f.length) : undefined, got: 0 };
      inMsgs.set(f.messageSeq, m);
    } else if (m.msgType !== f.msgType || m.length !== f.length) {
      throw new AlertError(AlertDescription.illegal_parameter, 'fragment type/length differs from earlier fragment');
    } else if (m.epoch !== epoch) {
      this.countDrop('fragment_epoch');
      return 'drop';
    }
    const ooo = f.messageSeq !== this.recvMsgSeq || (m.have !== undefined && f.fragmentOffset > 0 && m.have[f.fragmentOffset - 1] === 0);
    if (m.have) {
      const have = m.have;
      const buf = m.buf;
      const frag = f.fragment;
      const off = f.fragmentOffset;
      for (let i = 0; i < frag.length; i++) {
        const j = off + i;
        if (have[j]) {
          if (buf[j] !== frag[i]) throw new AlertError(AlertDescription.illegal_parameter, 'retransmitted bytes differ');
        } else {
          have[j] = 1;
          buf[j] = frag[i]!;
          m.got++;
        }
      }
      if (m.got === m.length) m.have = undefined;
    }
    return ooo ? 'ooo' : 'buffered';
  }

  private processMessages(now: number): void {
    while (this.inMsgs && this.state !== 'closed') {
      const m = this.inMsgs.get(this.recvMsgSeq);
      if (!m || m.have !== undefined) return;
      this.inMsgs.delete(this.recvMsgSeq);
      this.recvMsgSeq++;
      this.stats.handshakeMessagesReceived++;
      // after the handshake the reassembly map lives only while a post-handshake message is pending (KeyUpdate)
      if (this.state === 'connected' && this.inMsgs.size === 0) this.inMsgs = undefined;
      if (this.state === 'connected') this.onPostHandshake(m.msgType, m.buf, m.epoch, now);
      else this.onHandshakeMessage(m.msgType, m.buf, m.epoch, now);
    }
  }

  // ------------------------------------------------------------------ post-handshake messages
  private onPostHandshake(msgType: number, body: Uint8Array, epoch: number, now: number): void {
    if (epoch < 3) throw new AlertError(AlertDescription.unexpected_message, 'post-handshake message below epoch 3');
    switch (msgType) {
      case HandshakeType.key_update: {
        const requested = decodeKeyUpdate(body);
        if (epoch !== this.readEpoch) throw new AlertError(AlertDescription.unexpected_message, 'KeyUpdate in old epoch');
        // ACK this record now in the current epoch (already queued by the caller), then roll the read epoch.
        const ks = this.ks!;
        const next = this.nextAppSecret(1);
        this.oldReadEpoch = this.readEpoch;
        this.readEpoch++;
        this.rec.installRead(this.readEpoch, ks.epochKeys(next, this.suite!));
        this.emit({ type: 'keyupdate', direction: 'receive', epoch: this.readEpoch });
        if (requested && !this.kuFlight) {
          // answer after the ACK so the ACK goes out first
          this.pendingKuReply = true;
        }
        return;
      }
      case HandshakeType.new_session_ticket:
        decodeNewSessionTicket(body); // resumption not implemented: validated, ACKed, dropped
        return;
      case HandshakeType.new_connection_id:
        if (!this.cidNegotiated()) throw new AlertError(AlertDescription.unexpected_message, 'NewConnectionId without CID');
        decodeNewConnectionId(body);
        return;
      case HandshakeType.request_connection_id:
        if (!this.cidNegotiated()) throw new AlertError(AlertDescription.unexpected_message, 'RequestConnectionId without CID');
        decodeRequestConnectionId(body);
        return;
      default:
        throw new AlertError(AlertDescription.unexpected_message, `post-handshake message type ${msgType}`);
    }
  }
  private pendingKuReply = false;

  protected cidNegotiated(): boolean {
    return false;
  }

  /** Application records sent under the current write key, and the KeyUpdate threshold. */
  private appRecords = 0;
  private rekeyAfter = Infinity;

  private startKeyUpdate(requestPeer: boolean, now: number): void {
    const msg = this.newMessage(this.writeEpoch, HandshakeType.key_update, encodeKeyUpdate(requestPeer));
    this.kuFlight = this.makeFlight([msg], now);
    this.kuFlight.onAcked = () => {
      // roll the sending epoch only now (RFC 9147 8)
      const ks = this.ks!;
      const old = this.writeEpoch;
      const next = this.nextAppSecret(0);
      this.writeEpoch++;
      this.rec.installWrite(this.writeEpoch, ks.epochKeys(next, this.suite!));
      this.rec.dropWrite(old);
      this.appRecords = 0;
      this.kuFlight = undefined;
      this.emit({ type: 'keyupdate', direction: 'send', epoch: this.writeEpoch });
    };
    this.transmitFlight(this.kuFlight, now, false, Infinity);
  }

  // ------------------------------------------------------------------ ACKs
  private onAck(records: RecordNumber[], now: number, ackEpoch = 3, fresh = true): void {
    this.stats.acksReceived++;
    if (this.state === 'closed') return;
    if (records.length === 0) {
      // an empty ACK: the peer got records it cannot use yet (our ServerHello or our Finished was lost, RFC 9147
      // 7.1): resend the unacknowledged part of the pending flight now instead of waiting for the timer
      this.resendOnPeerRetransmission(now, fresh);
      return;
    }
    let maxIndex = -1;
    for (const rn of records) {
      // during the handshake an ACK never covers a higher epoch than its own (RFC 9147 7); an unauthenticated
      // epoch-0 ACK is therefore only trusted for epoch-0 records
      if (ackEpoch === 0 && rn.epoch > 0) continue;
      const key = rn.epoch + '/' + rn.seq;
      const frags = this.sentRecords?.get(key);
      if (!frags) continue;
      this.sentRecords!.delete(key);
      for (const fr of frags) {
        if (fr.acked) continue;
        fr.acked = true;
        if (fr.sentIndex > maxIndex) maxIndex = fr.sentIndex;
        const fl = this.flightOf(fr);
        if (fl) fl.unacked--;
      }
    }
    for (const fl of [this.hsFlight, this.kuFlight]) {
      if (!fl) continue;
      if (fl.unacked === 0) this.flightDone(fl, now);
      else if (maxIndex >= 0 && !(this.ampHeld && this.ampHeld.length)) {
        // fragments sent before an acknowledged record are presumed lost: resend them now. Not while datagrams are
        // still held back by the anti-amplification limit: those fragments were never sent (a smaller, later
        // datagram may have fitted the budget and been acknowledged first); they go out as the budget grows, and
        // resending them too would put every one of them on the wire twice.
        this.transmitFlight(fl, now, true, maxIndex);
      }
    }
  }

  private flightOf(fr: OutFragment): Flight | undefined {
    if (this.hsFlight && this.hsFlight.frags.includes(fr)) return this.hsFlight;
    if (this.kuFlight && this.kuFlight.frags.includes(fr)) return this.kuFlight;
    return undefined;
  }

  private flightDone(fl: Flight, now: number): void {
    if (!fl.retransmitted) {
      this.rto = Math.min(Math.max(1.5 * (now - fl.firstSentAt), this.cfg.minRetransmitMs), this.cfg.maxRetransmitMs);
    }
    this.forgetRecords(fl);
    if (fl === this.hsFlight) this.hsFlight = undefined;
    if (fl === this.kuFlight) this.kuFlight = undefined;
    fl.onAcked?.(now);
  }

  /** The records of `fl` need no ACK bookkeeping any more; the map goes once empty. */
  private forgetRecords(fl: Flight): void {
    const m = this.sentRecords;
    if (!m) return;
    for (const k of fl.recordKeys) m.delete(k);
    if (m.size === 0) this.sentRecords = undefined;
  }

  private giveUpFinalFlight(): void {
    const fl = this.hsFlight;
    if (!fl) return;
    this.countDrop('final_flight_unacknowledged');
    // keep the flight (and its epoch-2 keys) for a resend on a peer retransmission, but without a timer
    fl.deadline = Infinity;
  }

  /** The peer's next flight started: our pending handshake flight is implicitly acknowledged. */
  protected implicitAck(now: number): void {
    if (this.hsFlight) this.flightDone(this.hsFlight, now);
  }

  private earlyData: Uint8Array[] | undefined;
  private earlyDataAckAt = -Infinity;
  /** Delivers application data that arrived before the handshake completed (call after the 'connected' event). */
  protected releaseEarlyData(): void {
    const held = this.earlyData;
    this.earlyData = undefined;
    if (held) for (const data of held) this.emit({ type: 'data', data });
  }

  /** An ACK with no record numbers, in the current sending epoch. */
  protected sendEmptyAck(): void {
    this.emitRecord(this.writeEpoch, ContentType.ack, encodeAck([]));
    this.stats.acksSent++;
  }

  private partialAcks = 0;
  /** Records of the peer's current flight received so far (re-ACKed by the partial-flight timer). */
  private lastReceived: RecordNumber[] = [];

  /** Sends an ACK of the pending record numbers (or of `again`); returns the record numbers it carried (the server
   *  keeps those of its ACK of the client's final flight, to re-send it for a late copy of that flight). */
  protected sendAck(again?: RecordNumber[]): RecordNumber[] | undefined {
    if (again && this.ackList.length === 0) this.ackList = again.slice();
    if (this.ackList.length === 0) return undefined;
    if (this.state === 'handshaking') {
      for (const rn of this.ackList) if (!this.lastReceived.some((x) => x.epoch === rn.epoch && x.seq === rn.seq)) this.lastReceived.push(rn);
    }
    const list = this.ackList;
    this.ackList = [];
    this.ackDeadline = undefined;
    list.sort((a, b) => a.epoch - b.epoch || a.seq - b.seq);
    // at most (mtu - overhead) / 16 record numbers; keep the newest
    const max = Math.max(1, Math.floor((this.cfg.mtu - 64) / 16));
    const rns = list.length > max ? list.slice(list.length - max) : list;
    this.emitRecord(this.writeEpoch, ContentType.ack, encodeAck(rns));
    this.stats.acksSent++;
    if (this.pendingKuReply) {
      this.pendingKuReply = false;
      if (!this.kuFlight && this.state === 'connected') this.startKeyUpdate(false, this.lastNow);
    }
    return rns;
  }
  protected lastNow = 0;

  // ------------------------------------------------------------------ flights out
  protected newMessage(epoch: number, msgType: number, body: Uint8Array): OutMessage {
    this.stats.handshakeMessagesSent++;
    return { epoch, msgType, seq: this.sendMsgSeq++, body };
  }

  private makeFlight(msgs: OutMessage[], now: number): Flight {
    const frags: OutFragment[] = [];
    for (const m of msgs) {
      let room = this.cfg.mtu - this.rec.overhead(m.epoch);
      if (m.epoch > 0) room = Math.min(room, this.rec.layer.maxPayload); // peer's record_size_limit (RFC 8449)
      room -= DTLS_HS_HEADER;
      if (room < 32) throw new AlertError(AlertDescription.internal_error, 'MTU too small');
      let off = 0;
      do {
        const len = Math.min(room, m.body.length - off);
        frags.push({ msg: m, offset: off, len, acked: false, sentIndex: -1 });
        off += len;
      } while (off < m.body.length);
    }
    return { frags, unacked: frags.length, recordKeys: [], firstSentAt: now, lastSentAt: now, retransmitted: false, deadline: Infinity, expiries: 0 };
  }

  /** Send a new handshake flight; the previous one is implicitly acknowledged. */
  protected sendHandshakeFlight(msgs: OutMessage[], now: number, needsAckOrResponse = true,
    onAcked?: (now: number) => void): void {
    if (this.hsFlight) this.flightDone(this.hsFlight, now);
    this.ackList = [];
    this.ackDeadline = undefined;
    this.lastReceived = [];
    this.partialAcks = 0;
    const fl = this.makeFlight(msgs, now);
    fl.onAcked = onAcked;
    if (needsAckOrResponse) this.hsFlight = fl;
    this.transmitFlight(fl, now, false, Infinity);
    if (!needsAckOrResponse) this.forgetRecords(fl);
  }

  /** Transmits the unacknowledged fragments of a flight whose sentIndex is below `before`. Consecutive fragments
   *  of the same epoch share a record while it fits the MTU (fewer records: fewer AEAD and mask operations). */
  private transmitFlight(fl: Flight, now: number, retransmit: boolean, before: number): void {
    this.lastNow = now;
    // one scratch buffer serves every record of this call: each payload is sealed (copied into the record) at once
    let w: Writer | undefined;
    let group: OutFragment[] = [];
    let epoch = -1;
    let room = 0;
    for (const fr of fl.frags) {
      if (fr.acked || fr.sentIndex >= before) continue;
      const need = fr.len + DTLS_HS_HEADER;
      if (w && group.length > 0 && (fr.msg.epoch !== epoch || w.pos + need > room || this.ampLimited)) {
        this.sendFlightRecord(fl, epoch, w, group, retransmit);
        group = [];
      }
      if (!w) w = new Writer(2048);
      if (group.length === 0) {
        epoch = fr.msg.epoch;
        room = this.cfg.mtu - this.rec.overhead(epoch);
        if (epoch > 0) room = Math.min(room, this.rec.layer.maxPayload);
      }
      writeFragment(w, fr.msg.msgType, fr.msg.body.length, fr.msg.seq, fr.offset, fr.msg.body.subarray(fr.offset, fr.offset + fr.len));
      group.push(fr);
    }
    if (w && group.length > 0) this.sendFlightRecord(fl, epoch, w, group, retransmit);
    w?.release();
    if (retransmit) fl.retransmitted = true;
    fl.lastSentAt = now;
    fl.deadline = now + this.rto;
  }

  /** Seals the fragments written in `w` as one record (then empties `w`) and records them for ACK tracking. */
  private sendFlightRecord(fl: Flight, epoch: number, w: Writer, group: OutFragment[], retransmit: boolean): void {
    const seq = this.emitRecord(epoch, ContentType.handshake, w.view());
    w.reset();
    const key = epoch + '/' + seq;
    if (this.state !== 'closed') (this.sentRecords ??= new Map()).set(key, group);
    fl.recordKeys.push(key);
    for (const fr of group) {
      fr.sentIndex = this.sendIndex;
      if (retransmit) this.stats.retransmissions++;
    }
    this.sendIndex++;
  }

  protected sendAlert(level: number, description: number): void {
    try {
      this.emitRecord(this.writeEpoch, ContentType.alert, encodeAlert(level, description));
      this.emit({ type: 'alert', level, description, name: alertName(description), sent: true });
    } catch {
      // no usable write keys: nothing can be sent
    }
  }

  /** Protects one record and packs it into the datagram being built. Returns the record sequence number. */
  protected emitRecord(epoch: number, type: number, payload: Uint8Array): number {
    const { bytes, seq } = this.rec.seal(epoch, type, payload);
    this.stats.recordsSent++;
    if (this.dgramLen + bytes.length > this.cfg.mtu) this.flushDatagram();
    this.dgramParts.push(bytes);
    this.dgramLen += bytes.length;
    // before address validation send one record per datagram so the 3x budget can release a partial flight
    if (this.ampLimited) this.flushDatagram();
    return seq;
  }

  protected flushDatagram(): void {
    if (this.dgramLen === 0) return;
    let d: Uint8Array;
    if (this.dgramParts.length === 1) d = this.dgramParts[0]!;
    else {
      d = new Uint8Array(this.dgramLen);
      let o = 0;
      for (const p of this.dgramParts) {
        d.set(p, o);
        o += p.length;
      }
    }
    this.dgramParts = [];
    this.dgramLen = 0;
    this.output(d);
  }

  private output(d: Uint8Array): void {
    // anti-amplification (RFC 9147 5.1): at most 3x the bytes received until the address is validated. Held
    // datagrams leave in order: a later, smaller datagram must not overtake them, or the peer would acknowledge a
    // record sent after fragments it never received and those would be presumed lost and sent twice.
    if (this.ampLimited && ((this.ampHeld !== undefined && this.ampHeld.length > 0) ||
      this.stats.bytesSent + d.length > 3 * this.stats.bytesReceived)) {
      (this.ampHeld ??= []).push(d);
      return;
    }
    this.stats.datagramsSent++;
    this.stats.bytesSent += d.length;
    if (this.transmitSink) this.transmitSink(d, this);
    else this.outQueue.push(d);
  }

  // ------------------------------------------------------------------ key installation helpers
  protected installHandshakeKeys(clientSecret: Uint8Array, serverSecret: Uint8Array): void {
    const ks = this.ks!;
    const suite = this.suite!;
    const [mine, theirs] = this.role === 'client' ? [clientSecret, serverSecret] : [serverSecret, clientSecret];
    this.rec.installWrite(2, ks.epochKeys(mine, suite));
    this.rec.installRead(2, ks.epochKeys(theirs, suite));
    this.writeEpoch = 2;
    this.readEpoch = 2;
  }

  /** Installs epoch 3 keys in both directions (the write epoch switches to 3 in completeHandshake) and keeps the
   *  application traffic secrets (for KeyUpdate) and the exporter inputs. */
  protected installAppKeys(clientSecret: Uint8Array, serverSecret: Uint8Array, master: Uint8Array, th: Uint8Array): void {
    const ks = this.ks!;
    const suite = this.suite!;
    const [mine, theirs] = this.role === 'client' ? [clientSecret, serverSecret] : [serverSecret, clientSecret];
    const h = ks.hashLength;
    const s = new Uint8Array(4 * h);
    s.set(mine, 0);
    s.set(theirs, h);
    s.set(master, 2 * h);
    s.set(th, 3 * h);
    this.secrets = s;
    this.rec.installWrite(3, ks.epochKeys(mine, suite));
    this.rec.installRead(3, ks.epochKeys(theirs, suite));
    this.readEpoch = 3;
  }

  /** KeyUpdate: replaces our (0) or the peer's (1) application traffic secret by the next one and returns it. */
  private nextAppSecret(which: 0 | 1): Uint8Array {
    const s = this.secrets!;
    const h = this.ks!.hashLength;
    const next = this.ks!.nextTrafficSecret(s.subarray(which * h, (which + 1) * h));
    s.set(next, which * h);
    return next;
  }

  /** Exporter master secret (RFC 8446 7.5) once application keys exist, derived on first use. */
  get exporterSecret(): Uint8Array | undefined {
    const s = this.secrets;
    const ks = this.ks;
    if (!s || !ks) return undefined;
    const h = ks.hashLength;
    return ks.exporterMasterSecret(s.subarray(2 * h, 3 * h), s.subarray(3 * h, 4 * h));
  }

  /** Handshake complete: switch sending to epoch 3, drop reassembly buffers and transcripts. */
  protected completeHandshake(now: number): void {
    this.writeEpoch = 3;
    this.rekeyAfter = this.cfg.keyUpdateAfterRecords ?? Math.floor(0.9 * this.suite!.confidentialityLimit);
    this.state = 'connected';
    this.hsRecvEnd = this.recvMsgSeq;
    this.inMsgs = undefined;
    this.lastNow = now;
    this.releaseHandshakeState();
  }

  /** Drop handshake-only state (transcript, key shares, ...). Subclasses extend. */
  protected releaseHandshakeState(): void {}

  /** Our final flight was acknowledged: epoch 2 keys are no longer needed. */
  protected dropHandshakeEpoch(): void {
    this.rec.dropWrite(2);
    this.rec.dropRead(2);
  }

}
