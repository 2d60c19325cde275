// Flights: our handshake messages and KeyUpdate on their way out (RFC 9147 5.5, 5.8, 7). message_seq numbering,
// fragmentation to the MTU (and the peer's record_size_limit), packing of consecutive fragments into one record,
// the retransmission timer (RFC 9147 5.8.2: initial value, doubling, cap, floor from the measured RTT, give-up
// count; all from the endpoint config) and the bookkeeping that lets an ACK acknowledge single records (record
// number -> fragments) with retransmission of the fragments an ACK gap shows lost.
import { AlertError, Writer } from '../handshake/bytes.ts';
import { AlertDescription, ContentType } from '../handshake/constants.ts';
import { type RecordNumber, DTLS_HS_HEADER, writeFragment } from '../handshake/messages.ts';
import type { ResolvedCommon } from './config.ts';
import type { Connection } from './connection.ts';
import type { Datagrams } from './datagrams.ts';
import type { EndpointStats } from './events.ts';
import { type RecordIO, countDrop } from './records.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

export interface OutMessage {
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
export interface Flight {
  frags: OutFragment[];
  unacked: number;
  recordKeys: string[];
  firstSentAt: number;
  lastSentAt: number;
  retransmitted: boolean;
  deadline: number;
  expiries: number;
  /** Called once every fragment has been acknowledged (explicitly, or implicitly via the peer's next flight). */
  onAcked?: ((now: number) => void) | undefined;
}

export class Flights {
  private readonly owner: Connection;
  private readonly cfg: ResolvedCommon;
  private readonly rec: RecordIO;
  private readonly out: Datagrams;
  private readonly stats: EndpointStats;
  /** Pending handshake flight (until acknowledged, explicitly or implicitly). */
  hs: Flight | undefined;
  /** Pending KeyUpdate (until acknowledged). */
  ku: Flight | undefined;
  /** Fragments carried by each unacknowledged record ("epoch/seq"); created on demand, dropped once empty. */
  private sentRecords: Map<string, OutFragment[]> | undefined;
  /** Records sent so far (orders fragments for ACK-gap retransmission). */
  private sendIndex = 0;
  /** message_seq of our next handshake message. */
  sendSeq = 0;
  /** Current retransmission timeout (ms). */
  rto: number;
  /** Latest time given to the endpoint with a datagram, timer or send (times a KeyUpdate started from send()). */
  lastNow = 0;

  constructor(owner: Connection, cfg: ResolvedCommon, rec: RecordIO, out: Datagrams, stats: EndpointStats) {
    this.owner = owner;
    this.cfg = cfg;
    this.rec = rec;
    this.out = out;
    this.stats = stats;
    this.rto = cfg.initialRetransmitMs;
  }

  /** Earliest retransmission deadline, or Infinity. */
  deadline(): number {
    let t = Infinity;
    if (this.hs) t = this.hs.deadline;
    if (this.ku && this.ku.deadline < t) t = this.ku.deadline;
    return t;
  }

  heldBytes(): number {
    let n = 0;
    if (this.hs) for (const fr of this.hs.frags) n += fr.len;
    if (this.ku) for (const fr of this.ku.frags) n += fr.len;
    return n;
  }

  /** Nothing in flight, nothing tracked (a dormant connection keeps only the counters: ./dormant.ts). */
  get quiet(): boolean {
    return this.hs === undefined && this.ku === undefined && this.sentRecords === undefined;
  }
  pack(w: PackWriter): void {
    w.uint(this.sendIndex).uint(this.sendSeq).num(this.rto).num(this.lastNow);
  }
  unpack(r: PackReader): void {
    this.sendIndex = r.uint();
    this.sendSeq = r.uint();
    this.rto = r.n();
    this.lastNow = r.n();
  }

  /** Connection closed: nothing is retransmitted or tracked any more. */
  clear(): void {
    this.hs = undefined;
    this.ku = undefined;
    this.sentRecords = undefined;
  }

  newMessage(epoch: number, msgType: number, body: Uint8Array): OutMessage {
    this.stats.handshakeMessagesSent++;
    return { epoch, msgType, seq: this.sendSeq++, body };
  }

  /** Splits `msgs` into fragments that fit one record each. */
  make(msgs: OutMessage[], now: number): Flight {
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

  /** Sends a new handshake flight (the caller has retired the previous one). `needsAckOrResponse` false: sent
   *  once, not tracked (a stateful HelloRetryRequest). */
  startHandshake(msgs: OutMessage[], now: number, needsAckOrResponse: boolean, onAcked: ((now: number) => void) | undefined): void {
    const fl = this.make(msgs, now);
    fl.onAcked = onAcked;
    if (needsAckOrResponse) this.hs = fl;
    this.transmit(fl, now, false, Infinity);
    if (!needsAckOrResponse) this.forgetRecords(fl);
  }

  /** Transmits the unacknowledged fragments of a flight whose sentIndex is below `before`. Consecutive fragments
   *  of the same epoch share a record while it fits the MTU (fewer records: fewer AEAD and mask operations). */
  transmit(fl: Flight, now: number, retransmit: boolean, before: number): void {
    this.lastNow = now;
    // one scratch buffer serves every record of this call: each payload is sealed (copied into the record) at once
    let w: Writer | undefined;
    let group: OutFragment[] = [];
    let epoch = -1;
    let room = 0;
    for (const fr of fl.frags) {
      if (fr.acked || fr.sentIndex >= before) continue;
      const need = fr.len + DTLS_HS_HEADER;
      if (w && group.length > 0 && (fr.msg.epoch !== epoch || w.pos + need > room || this.out.ampLimited)) {
        this.sendRecord(fl, epoch, w, group, retransmit);
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
    if (w && group.length > 0) this.sendRecord(fl, epoch, w, group, retransmit);
    w?.release();
    if (retransmit) fl.retransmitted = true;
    fl.lastSentAt = now;
    fl.deadline = now + this.rto;
  }

  /** Seals the fragments written in `w` as one record (then empties `w`) and records them for ACK tracking. */
  private sendRecord(fl: Flight, epoch: number, w: Writer, group: OutFragment[], retransmit: boolean): void {
    const seq = this.out.record(epoch, ContentType.handshake, w.view());
    w.reset();
    const key = epoch + '/' + seq;
    if (this.owner.state !== 'closed') (this.sentRecords ??= new Map()).set(key, group);
    fl.recordKeys.push(key);
    for (const fr of group) {
      fr.sentIndex = this.sendIndex;
      if (retransmit) this.stats.retransmissions++;
    }
    this.sendIndex++;
  }

  /** A timer expiry of `fl` at `now`. Returns false when the flight has exhausted its retransmissions (the
   *  connection times out). `connected`: a complete handshake keeps the connection (see below). */
  expire(fl: Flight, now: number, connected: boolean): boolean {
    this.stats.timeouts++;
    fl.expiries++;
    if (fl.expiries > this.cfg.maxRetransmissions) {
      if (fl !== this.hs || !connected) return false;
      // the client's final flight was never ACKed, yet the client holds a complete handshake: stop retransmitting
      // and keep the connection (a server that missed the Finished resends its flight, which makes the client
      // resend its final flight once more). The flight (and its epoch-2 keys) stays, without a timer.
      countDrop(this.stats, 'final_flight_unacknowledged');
      fl.deadline = Infinity;
      return true;
    }
    this.backOff();
    if (this.out.holding) {
      fl.deadline = now + this.rto; // still waiting for anti-amplification budget: do not queue more copies
      return true;
    }
    this.transmit(fl, now, true, Infinity);
    return true;
  }

  /** Doubles the retransmission timeout, up to the configured cap. */
  backOff(): void {
    this.rto = Math.min(this.rto * 2, this.cfg.maxRetransmitMs);
  }

  /** An ACK record from the peer, under `ackEpoch`; `fresh`: see Acks.isFresh. */
  onAck(records: RecordNumber[], now: number, ackEpoch = 3, fresh = true): void {
    this.stats.acksReceived++;
    if (this.owner.state === 'closed') return;
    // an empty ACK: the peer got records it cannot use yet (our ServerHello or our Finished was lost, RFC 9147
    // 7.1): resend the unacknowledged part of the pending flight now instead of waiting for the timer
    if (records.length === 0) this.resend(now, fresh);
    else this.ack(records, now, ackEpoch);
  }

  /** The peer's record numbers `records` (from an ACK under `ackEpoch`) acknowledge what they carried. */
  private ack(records: RecordNumber[], now: number, ackEpoch: number): void {
    let maxIndex = -1;
    for (const rn of records) {
      // during the handshake an ACK never covers a higher epoch than its own (RFC 9147 7); an unauthenticated
      // epoch-0 ACK is therefore only trusted for epoch-0 records
      if (ackEpoch === 0 && rn.epoch > 0) continue;
      const key = rn.epoch + '/' + rn.seq;
      const m = this.sentRecords;
      const frags = m?.get(key);
      if (!m || !frags) continue;
      m.delete(key);
      for (const fr of frags) {
        if (fr.acked) continue;
        fr.acked = true;
        if (fr.sentIndex > maxIndex) maxIndex = fr.sentIndex;
        const fl = this.flightOf(fr);
        if (fl) fl.unacked--;
      }
    }
    for (let i = 0; i < 2; i++) {
      const fl = i === 0 ? this.hs : this.ku;
      if (!fl) continue;
      if (fl.unacked === 0) this.done(fl, now);
      else if (maxIndex >= 0 && !this.out.holding) {
        // fragments sent before an acknowledged record are presumed lost: resend them now. Not while datagrams are
        // still held back by the anti-amplification limit: those fragments were never sent (a smaller, later
        // datagram may have fitted the budget and been acknowledged first); they go out as the budget grows, and
        // resending them too would put every one of them on the wire twice.
        this.transmit(fl, now, true, maxIndex);
      }
    }
  }

  private flightOf(fr: OutFragment): Flight | undefined {
    if (this.hs && this.hs.frags.includes(fr)) return this.hs;
    if (this.ku && this.ku.frags.includes(fr)) return this.ku;
    return undefined;
  }

  /** `fl` is acknowledged: derive the timer from its round trip (if never retransmitted), stop tracking it. */
  done(fl: Flight, now: number): void {
    if (!fl.retransmitted) {
      this.rto = Math.min(Math.max(1.5 * (now - fl.firstSentAt), this.cfg.minRetransmitMs), this.cfg.maxRetransmitMs);
    }
    this.forgetRecords(fl);
    if (fl === this.hs) this.hs = undefined;
    if (fl === this.ku) this.ku = undefined;
    fl.onAcked?.(now);
  }

  /** True if the pending handshake flight has a fragment sent under `epoch` (its retransmissions need its keys). */
  usesEpoch(epoch: number): boolean {
    const fl = this.hs;
    if (!fl) return false;
    for (const fr of fl.frags) if (fr.msg.epoch === epoch) return true;
    return false;
  }

  /** The peer's next flight started: our pending handshake flight is implicitly acknowledged. */
  implicitAck(now: number): void {
    if (this.hs) this.done(this.hs, now);
  }

  /** The records of `fl` need no ACK bookkeeping any more; the map goes once empty. */
  private forgetRecords(fl: Flight): void {
    const m = this.sentRecords;
    if (!m) return;
    for (const k of fl.recordKeys) m.delete(k);
    if (m.size === 0) this.sentRecords = undefined;
  }

  /** The peer sent its previous flight again (or an empty ACK), so ours was probably lost (RFC 9147 5.8.1). Only a
   *  fresh record counts (see Acks.isFresh): network duplicates and late reordered copies do not. */
  resend(now: number, fresh: boolean): void {
    const fl = this.hs;
    if (fl && fresh) this.transmit(fl, now, true, Infinity);
  }
}
