// ConnectionCore: the state and the message-layer dispatch of a DTLS 1.3 endpoint, under Connection (./connection.ts,
// the public API and dormancy). The sub-objects (one per concern, listed in ./connection.ts) are built by
// Connection.build(): at construction and again when a dormant connection wakes (./dormant.ts).
//
// Errors: the handshake code throws AlertError; the public entry points catch it (caught()), send the fatal alert
// and close. Nothing thrown inside ever escapes them (other exceptions become internal_error).
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, AlertLevel, ContentType, HandshakeType, alertName } from '../handshake/constants.ts';
import { type RecordNumber, decodeAck, decodeAlert, decodeFragments, encodeAlert } from '../handshake/messages.ts';
import type { CryptoProvider } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import type { Acks } from './acks.ts';
import type { ResolvedCommon } from './config.ts';
import type { Connection } from './connection.ts';
import type { Datagrams } from './datagrams.ts';
import type { EarlyData } from './early-data.ts';
import type { Epochs } from './epochs.ts';
import type { CloseReason, ConnectionState, EndpointEvent, EndpointStats, EventQueue } from './events.ts';
import type { OutMessage, Flights } from './flights.ts';
import { onPostHandshake } from './post-handshake.ts';
import type { Reassembly } from './reassembly.ts';
import { NO_DROPS, type OpenedRecord, type RecordIO, countDrop } from './records.ts';

export abstract class ConnectionCore {
  readonly role: 'client' | 'server';
  state: ConnectionState = 'idle';
  readonly stats: EndpointStats = {
    datagramsSent: 0, datagramsReceived: 0, bytesSent: 0, bytesReceived: 0, recordsSent: 0, recordsReceived: 0,
    handshakeMessagesSent: 0, handshakeMessagesReceived: 0, retransmissions: 0, timeouts: 0, acksSent: 0, acksReceived: 0, drops: 0, dropsByReason: NO_DROPS,
  };
  /** Called for each datagram to send (when set); otherwise datagrams queue for pollTransmit(). The second
   *  argument is this connection (so that one sink can serve many connections without a closure each). */
  transmitSink: ((datagram: Uint8Array, from: Connection) => void) | undefined;
  /** Called for each event (when set); otherwise events queue for pollEvent(). Second argument: this connection. */
  eventSink: ((event: EndpointEvent, from: Connection) => void) | undefined;

  protected readonly cfg: ResolvedCommon;
  protected readonly crypto: CryptoProvider;
  // Sub-objects, built by Connection.build(); released (./dormant.ts RELEASED) while the connection is dormant.
  protected rec!: RecordIO;
  protected out!: Datagrams;
  protected reasm!: Reassembly;
  protected flights!: Flights;
  protected acks!: Acks;
  protected epochs!: Epochs;
  protected events!: EventQueue;
  protected early!: EarlyData;
  /** Time of the datagram being processed. */
  protected nowRx = 0;

  protected constructor(role: 'client' | 'server', cfg: ResolvedCommon) {
    this.role = role;
    this.cfg = cfg;
    this.crypto = cfg.crypto;
  }

  // ------------------------------------------------------------------ role hooks
  /** A complete handshake message during the handshake (in message_seq order). */
  protected abstract onHandshakeMessage(msgType: number, body: Uint8Array, epoch: number, now: number): void;
  /** The datagram's first record is protected under epoch bits `bits` for which no read keys are installed. */
  protected onUndecryptable(_bits: number): void {}
  /** 0-RTT application data under epoch 1 (server). */
  protected onEarlyData(_payload: Uint8Array): void {
    countDrop(this.stats, 'early_application_data');
  }
  /** A NewSessionTicket after the handshake (client; the server gets unexpected_message). */
  protected onNewSessionTicket(_body: Uint8Array, _now: number): void {
    throw new AlertError(AlertDescription.unexpected_message, 'NewSessionTicket to a server');
  }
  /** A record authenticated under `epoch` (> 0) with sequence number `seq`. */
  protected onAuthenticated(_epoch: number, _seq: number): void {}
  /** True once a connection_id was negotiated (NewConnectionId / RequestConnectionId are then allowed). */
  protected cidNegotiated(): boolean {
    return false;
  }
  /** Drop handshake-only state (transcript, key shares, ...). */
  protected releaseHandshakeState(): void {}

  // ------------------------------------------------------------------ error guard, closing, events
  protected caught(e: unknown): void {
    this.fail(e instanceof AlertError ? e.alert : AlertDescription.internal_error, e instanceof Error ? e.message : undefined);
  }

  /** Fatal alert (`reason`: why, reported with the 'alert' event), then closed. */
  protected fail(description: number, reason?: string): void {
    if (this.state === 'closed') return;
    this.sendAlert(AlertLevel.fatal, description, reason);
    this.out.flush();
    this.terminate('alert');
  }

  protected terminate(reason: CloseReason): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.early.clear();
    this.flights.clear();
    this.acks.deadline = undefined;
    this.releaseHandshakeState();
    this.rec.clear();
    this.events.emit({ type: 'closed', reason });
  }

  protected sendAlert(level: number, description: number, reason?: string): void {
    try {
      this.out.record(this.epochs.write, ContentType.alert, encodeAlert(level, description));
      this.events.emit({ type: 'alert', level, description, name: alertName(description), sent: true, ...(reason === undefined ? {} : { reason }) });
    } catch {
      // no usable write keys: nothing can be sent
    }
  }

  // ------------------------------------------------------------------ timers
  protected onTimer(now: number): void {
    const fl = this.flights;
    const ackAt = this.acks.deadline;
    if (ackAt !== undefined && now >= ackAt && !this.acks.expire(now)) {
      this.terminate('timeout');
      return;
    }
    const hs = fl.hs;
    const ku = fl.ku;
    if ((hs && now >= hs.deadline && !fl.expire(hs, now, this.state === 'connected')) ||
      (ku && now >= ku.deadline && !fl.expire(ku, now, this.state === 'connected'))) {
      this.terminate('timeout');
    }
  }

  // ------------------------------------------------------------------ records in
  protected onRecord(r: OpenedRecord, now: number): void {
    if (r.epoch > 0) this.onAuthenticated(r.epoch, r.seq);
    this.epochs.onRecordEpoch(r.epoch);
    if (r.epoch === 0 && this.state === 'connected' && !this.lateFirstFlight(r)) {
      // after the handshake an unauthenticated record can only be spoofed (RFC 9147 4.5.2: invalid records are
      // discarded, the association kept), unless it is a late copy of a first flight (lateFirstFlight)
      countDrop(this.stats, 'plaintext_after_handshake');
      return;
    }
    switch (r.contentType) {
      case ContentType.handshake:
        this.onHandshakeRecord(r, now);
        return;
      case ContentType.ack:
        this.flights.onAck(decodeAck(r.payload), now, r.epoch, this.acks.isFresh({ epoch: r.epoch, seq: r.seq }));
        this.epochs.afterAck();
        return;
      case ContentType.alert:
        this.onAlert(r.payload);
        return;
      case ContentType.application_data:
        if (r.epoch === 1) {
          this.onEarlyData(r.payload); // 0-RTT (only a server that accepted it has epoch-1 read keys)
          return;
        }
        if (this.state === 'connected' && r.epoch >= 3) {
          this.events.emit({ type: 'data', data: r.payload });
          return;
        }
        // epoch-3 data before the peer's Finished: its Finished was lost or reordered
        if (this.state === 'handshaking' && r.epoch >= 3) this.early.add(r.payload, now);
        else countDrop(this.stats, 'early_application_data');
        return;
      default:
        countDrop(this.stats, 'content_type');
    }
  }

  /** A plaintext record reaching a connected endpoint is processed only as a late copy of a first flight (a
   *  ClientHello or ServerHello retransmitted before the peer saw our reply; the client answers the latter by
   *  re-sending its final flight): a well-formed handshake record whose every fragment belongs to the completed
   *  handshake, so that nothing in it is buffered or can fail. Anything else (a malformed or new message, an
   *  alert, an ACK) could only be spoofed: it must neither close the connection nor enter its reassembly. */
  private lateFirstFlight(r: OpenedRecord): boolean {
    if (r.contentType !== ContentType.handshake) return false;
    let frags;
    try {
      frags = decodeFragments(r.payload);
    } catch (e) {
      if (e instanceof AlertError) return false;
      throw e;
    }
    for (const f of frags) if (!this.reasm.isHandshakeSeq(f.messageSeq)) return false;
    return true;
  }

  private onAlert(payload: Uint8Array): void {
    const a = decodeAlert(payload);
    this.events.emit({ type: 'alert', level: a.level, description: a.description, name: alertName(a.description), sent: false });
    if (a.description === AlertDescription.close_notify) this.terminate('close_notify');
    else if (a.description !== AlertDescription.user_canceled) this.terminate('alert');
  }

  private onHandshakeRecord(r: OpenedRecord, now: number): void {
    const frags = decodeFragments(r.payload);
    const rn: RecordNumber = { epoch: r.epoch, seq: r.seq };
    const acks = this.acks;
    const fl = this.flights;
    const fresh = acks.isFresh(rn);
    let buffered = false;
    let duplicate = false;
    let disruption = false;
    let handshakeSeqs = true; // every fragment belongs to the completed handshake
    for (const f of frags) {
      const res = this.reasm.add(f, r.epoch);
      if (res === 'dup') duplicate = true;
      else if (res === 'buffered' || res === 'ooo') {
        buffered = true;
        if (res === 'ooo') disruption = true;
      }
      if (!this.reasm.isHandshakeSeq(f.messageSeq)) handshakeSeqs = false;
    }
    if (this.state === 'connected') {
      // post-handshake: ACK every processed handshake record, duplicates included (RFC 9147 7);
      // handshake-phase retransmissions from the peer: client re-sends its final flight, server re-ACKs.
      if (duplicate && handshakeSeqs) {
        // the client re-sends its final flight if it is still unacknowledged; the server ignores late copies of
        // the client's first flights (its epoch-2 copies are answered through the stored ACK, see server.ts)
        if (this.role === 'client') fl.resend(now, fresh);
      } else if ((buffered || duplicate) && r.epoch >= 3) {
        acks.list.push(rn);
      }
      this.processMessages(now);
      if (acks.list.length && this.state === 'connected') this.acks.send();
      return;
    }
    if (buffered) acks.list.push(rn);
    const before = this.reasm.recvSeq;
    this.processMessages(now);
    if (this.state === 'closed') return;
    acks.afterHandshakeRecord(now, duplicate && this.reasm.recvSeq === before, disruption, fresh);
  }

  private processMessages(now: number): void {
    while (this.state !== 'closed') {
      const connected = this.state === 'connected';
      const m = this.reasm.next(connected);
      if (!m) return;
      if (connected && m.msgType === HandshakeType.new_session_ticket && m.epoch >= 3) this.onNewSessionTicket(m.buf, now);
      else if (connected) onPostHandshake(this.epochs, this.cidNegotiated(), m.msgType, m.buf, m.epoch);
      else this.onHandshakeMessage(m.msgType, m.buf, m.epoch, now);
    }
  }

  // ------------------------------------------------------------------ for the role state machines
  /** Send a new handshake flight; the previous one is implicitly acknowledged. */
  protected sendHandshakeFlight(msgs: OutMessage[], now: number, needsAckOrResponse = true,
    onAcked?: (now: number) => void): void {
    this.flights.implicitAck(now);
    this.acks.reset();
    this.flights.startHandshake(msgs, now, needsAckOrResponse, onAcked);
  }

  /** Handshake complete: switch sending to epoch 3, drop reassembly buffers and handshake state. */
  protected completeHandshake(now: number, suite: CipherSuite): void {
    this.epochs.complete(this.cfg, suite);
    this.state = 'connected';
    this.reasm.complete();
    this.flights.lastNow = now;
    this.releaseHandshakeState();
  }
}
