// Connection: the role-independent half of a DTLS 1.3 endpoint (sans-IO): the public API and dormancy. The
// message layer is split into one part per concern:
//   ./records.ts     records in/out (an adapter over src/dtls/record)
//   ./reassembly.ts  the peer's handshake fragments -> complete messages in message_seq order (RFC 9147 5.5)
//   ./flights.ts     our messages -> fragments -> records, the retransmission timer, ACK processing (5.8, 7)
//   ./acks.ts        the ACKs we send, the partial-flight ACK timer, fresh vs duplicate peer records (7, 7.1)
//   ./datagrams.ts   record packing into datagrams, the 3x anti-amplification limit (5.1)
//   ./epochs.ts      suite and key schedule, key installation, KeyUpdate epochs, the exporter secret (8)
//   ./early-data.ts  epoch-3 data before the peer's Finished (5.8.1); ./post-handshake.ts post-handshake messages
//   ./events.ts      event, stats and state types, the event queue
// State, role hooks, the error guard and the dispatch of received records: ./connection-core.ts. Dormant
// connections (sleep(); every public entry point wakes them first): ./dormant.ts. The role-specific handshake
// state machines live in ./client.ts and ./server.ts.
//
// Errors: the handshake code throws AlertError; receive(), handleTimeout(), send() and keyUpdate() catch it, send
// the fatal alert and close. Nothing thrown inside ever escapes them (other exceptions become internal_error).
import { AlertDescription, AlertLevel, ContentType } from '../handshake/constants.ts';
import { AlertError } from '../handshake/bytes.ts';
import { PackReader, PackWriter } from '../record/pack.ts';
import type { SlotRef } from '../record/pack-store.ts';
import { Acks } from './acks.ts';
import type { ResolvedCommon } from './config.ts';
import { ConnectionCore } from './connection-core.ts';
import { Datagrams } from './datagrams.ts';
import { type Parts, RELEASED, packParts, packedEpoch, quiescent, unpackParts } from './dormant.ts';
import { EarlyData } from './early-data.ts';
import { Epochs } from './epochs.ts';
import { type CloseReason, type EndpointEvent, EventQueue } from './events.ts';
import { Flights } from './flights.ts';
import { Reassembly } from './reassembly.ts';
import { type OpenedRecord, RecordIO } from './records.ts';

export type { CloseReason, ConnectionState, EndpointEvent, EndpointStats } from './events.ts';

const MAX_PLAINTEXT = 1 << 14;
/** The slot of every connection that never slept (see Connection.slot). */
const AWAKE: SlotRef = { handle: -1 }; // not frozen: the same hidden class as every own slot object
export { EARLY_DATA_RECORDS } from './early-data.ts';

export abstract class Connection extends ConnectionCore {
  /** The slot of the packed state in cfg.packStore while dormant (./dormant.ts), else -1. Its own object from the
   *  first sleep on (the store's finaliser frees the slot of a connection dropped while dormant); until then the
   *  shared AWAKE, never written. */
  private slot: SlotRef = AWAKE;
  /** Public calls of this connection in progress (a sink may call sleep() from inside one: refused). */
  private busy = 0;

  /** The connection whose datagram is being opened (a stack through `outer` in receive(): a sink may deliver to
   *  another connection synchronously). One shared record callback instead of a closure per connection. */
  private static receiving: Connection | undefined;
  private static readonly onOpened = (r: OpenedRecord): boolean => {
    const c = Connection.receiving!;
    c.stats.recordsReceived++;
    c.onRecord(r, c.nowRx);
    return c.state !== 'closed';
  };

  protected constructor(role: 'client' | 'server', cfg: ResolvedCommon) {
    super(role, cfg);
    this.build();
  }

  /** Builds the sub-objects (at construction, and when a dormant connection wakes). */
  private build(): void {
    const cfg = this.cfg;
    this.rec = new RecordIO(cfg.crypto, this.stats, cfg.aeadForgeryLimit, cfg.recordKeys);
    this.out = new Datagrams(this, this.rec, this.stats, cfg.mtu);
    this.reasm = new Reassembly(this.stats);
    this.flights = new Flights(this, cfg, this.rec, this.out, this.stats);
    this.events = new EventQueue(this);
    this.epochs = new Epochs(this.rec, this.role, this.flights, this.events);
    this.acks = new Acks(this, cfg, this.out, this.epochs, this.flights);
    this.early = new EarlyData(this.stats, this.events, this.acks, this.flights);
  }

  private parts(): Parts {
    return { rec: this.rec, out: this.out, reasm: this.reasm, flights: this.flights, acks: this.acks, epochs: this.epochs, events: this.events, early: this.early };
  }

  // ------------------------------------------------------------------ dormancy (./dormant.ts)
  /** True while the connection sleeps (its state packed into a slot of cfg.packStore, its sub-objects released). */
  get isDormant(): boolean {
    return this.slot.handle >= 0;
  }

  /** Packs the state of a connected, quiescent connection into a slot of cfg.packStore and releases its sub-objects; any
   *  public entry point wakes it again, transparently. Returns false (and changes nothing) when the connection is
   *  not connected or not quiescent: a flight unacknowledged, an ACK pending or timed, datagrams or events queued
   *  (no sink set), fragments or early data buffered, a KeyUpdate reply pending, or called from a sink while this
   *  connection is processing a call. True if already dormant. */
  sleep(): boolean {
    if (this.slot.handle >= 0) return true;
    if (this.busy > 0 || this.state !== 'connected' || !quiescent(this.parts()) || !this.quietRole()) return false;
    const store = this.cfg.packStore;
    let handle: number;
    try {
      const w = new PackWriter();
      packParts(this.parts(), w);
      this.packRole(w);
      handle = w.finishInto(store);
    } catch {
      return false; // a value the format cannot carry: stay awake
    }
    if (handle < 0) return false; // longer than a slot: stay awake
    if (this.slot === AWAKE) store.track(this, (this.slot = { handle }));
    else this.slot.handle = handle;
    this.rec = this.out = this.reasm = this.flights = this.acks = this.epochs = this.events = this.early = RELEASED;
    this.releaseRole();
    return true;
  }

  /** Rebuilds the sub-objects of a dormant connection and restores its packed state. */
  private wake(): void {
    const handle = this.slot.handle;
    const store = this.cfg.packStore;
    this.build();
    const r = PackReader.ofSlot(store, handle);
    unpackParts(this.parts(), r, this.ownedReadCid());
    this.unpackRole(r);
    store.release(handle);
    this.slot.handle = -1;
  }

  /** Role: no handshake state left that cannot be packed. */
  protected quietRole(): boolean {
    return true;
  }
  /** Role: packs its own heap state (after the common parts) and releases it in releaseRole(). */
  protected packRole(_w: PackWriter): void {}
  protected releaseRole(): void {}
  protected unpackRole(_r: PackReader): void {}
  /** Role: the read CID array the record layer may keep instead of a copy (never changed by anyone). */
  protected ownedReadCid(): Uint8Array | undefined {
    return undefined;
  }

  // ------------------------------------------------------------------ public API
  // A dormant connection answers the read-only calls it can (nothing queued, no timer, nothing held) without
  // waking; every other entry point wakes it first.
  pollTransmit(): Uint8Array | undefined {
    if (this.slot.handle >= 0) return undefined;
    return this.out.poll();
  }
  pollEvent(): EndpointEvent | undefined {
    if (this.slot.handle >= 0) return undefined;
    return this.events.poll();
  }
  /** Absolute time (ms) of the next timer, or undefined when none is armed. */
  nextTimeout(): number | undefined {
    if (this.slot.handle >= 0) return undefined;
    let t = this.flights.deadline();
    const a = this.acks.deadline;
    if (a !== undefined && a < t) t = a;
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
    if (this.slot.handle >= 0) return packedEpoch(this.cfg.packStore, this.slot.handle, 0);
    return this.epochs.write;
  }
  get receiveEpoch(): number {
    if (this.slot.handle >= 0) return packedEpoch(this.cfg.packStore, this.slot.handle, 1);
    return this.epochs.read;
  }
  /** Exporter master secret (RFC 8446 7.5) once application keys exist, derived on first use. */
  get exporterSecret(): Uint8Array | undefined {
    if (this.slot.handle >= 0) this.wake();
    return this.epochs.exporterSecret();
  }

  /** Process one datagram. Never throws: bad input is dropped (counted) or answered with an alert. */
  receive(datagram: Uint8Array, nowMs: number): void {
    if (this.state === 'closed') return;
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      this.stats.datagramsReceived++;
      this.stats.bytesReceived += datagram.length;
      this.nowRx = nowMs;
      if (nowMs > this.flights.lastNow) this.flights.lastNow = nowMs;
      try {
        if (this.out.everHeld) this.out.release(); // more anti-amplification budget
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
        if (!this.out.ampLimited && this.out.holding) this.out.release(); // address just validated
      } catch (e) {
        this.caught(e);
      }
      this.out.flush();
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  handleTimeout(nowMs: number): void {
    if (this.state === 'closed') return;
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      if (nowMs > this.flights.lastNow) this.flights.lastNow = nowMs;
      try {
        this.onTimer(nowMs);
      } catch (e) {
        this.caught(e);
      }
      this.out.flush();
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  /** Send application data (split into records of at most 2^14 bytes, or the peer's record_size_limit). Returns
   *  false when not connected. `nowMs` (optional) times a KeyUpdate that the AEAD limit may trigger. */
  send(data: Uint8Array, nowMs?: number): boolean {
    if (this.state !== 'connected') return false;
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      const fl = this.flights;
      const ep = this.epochs;
      if (nowMs !== undefined && nowMs > fl.lastNow) fl.lastNow = nowMs;
      const max = Math.min(MAX_PLAINTEXT, this.rec.layer.maxPayload);
      for (let off = 0; off < data.length || off === 0; off += max) {
        this.out.record(ep.write, ContentType.application_data, data.subarray(off, off + max));
        ep.appRecords++;
        if (data.length === 0) break;
      }
      if (ep.appRecords >= ep.rekeyAfter && !fl.ku) {
        // AEAD confidentiality limit ahead (RFC 9147 4.5.3): rekey; the counter restarts with the new epoch
        try {
          ep.startKeyUpdate(false, fl.lastNow);
        } catch (e) {
          this.caught(e);
        }
      }
      this.out.flush();
      return true;
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  /** Start a KeyUpdate (RFC 9147 8); `requestPeer` sets update_requested. Returns false if not connected or one is
   *  still unacknowledged. */
  keyUpdate(requestPeer: boolean, nowMs: number): boolean {
    if (this.state !== 'connected') return false;
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      if (this.flights.ku) return false;
      let ok = false;
      try {
        this.epochs.startKeyUpdate(requestPeer, nowMs);
        ok = true;
      } catch (e) {
        this.caught(e);
      }
      this.out.flush();
      return ok;
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  /** Send close_notify and close. */
  close(): void {
    if (this.state === 'closed') return;
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      this.sendAlert(AlertLevel.warning, AlertDescription.close_notify);
      this.out.flush();
      this.terminate('local');
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  /** Closes without sending anything. */
  abandon(reason: CloseReason): void {
    if (this.slot.handle >= 0) this.wake();
    this.busy++;
    try {
      this.terminate(reason);
    } finally {
      this.busy--;
      this.cfg.called?.(this);
    }
  }

  /** Approximate bytes held by this connection's buffers (for the memory budget). */
  heldBytes(): number {
    if (this.slot.handle >= 0) return 0;
    return this.reasm.heldBytes() + this.flights.heldBytes() + this.out.queuedBytes();
  }
}
