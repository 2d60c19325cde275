// What a run counts: latencies, bytes, records, drops, and the per-component time ("where the time goes").
// Everything before the end of warm-up is excluded (`active` is false until then).
import { Histogram, PS_PER_S, type Ps } from '../sim/index.ts';
import { DatagramLedger } from './conservation.ts';

export interface StageTotals {
  waitPs: number;
  servicePs: number;
}

export class Accounts {
  active = true;
  /** Per-connection data phase: first record handed over, last record delivered, payload bytes delivered. */
  private readonly first: Float64Array;
  private readonly last: Float64Array;
  private readonly bytes: Float64Array;
  /** Data time of a client's earlier sessions (clients.resumption), ps; created at the first reconnection. */
  private span: Float64Array | undefined;

  constructor(connections: number) {
    this.first = new Float64Array(connections).fill(-1);
    this.last = new Float64Array(connections);
    this.bytes = new Float64Array(connections);
  }

  readonly handshakeLatency = new Histogram(); // ps
  readonly recordLatency = new Histogram(); // ps
  readonly drops = new Map<string, number>();
  /** Every datagram of the run, warm-up included: sent, delivered, dropped by cause, in flight (conservation.ts). */
  readonly datagramLedger = new DatagramLedger();
  /**
   * Time of completed handshakes (`handshake`) and of delivered records (`data`) attributed to each server block,
   * queueing and service apart, summed (filled at the end of the run by the breakdown probe, probe.ts).
   */
  readonly stages = { handshake: new Map<string, StageTotals>(), data: new Map<string, StageTotals>() };
  /** Handshakes: time attributed to client processing, to the network, and to nothing (timer waits). */
  clientHsPs = 0;
  networkHsPs = 0;
  timerHsPs = 0;
  /** Delivered records: time attributed to client processing, client queueing, the network and nothing (their
   *  path logs, see probe.ts), summed. */
  clientRecWaitPs = 0;
  idleRecPs = 0;
  clientRecPs = 0;
  networkRecPs = 0;

  handshakesOffered = 0;
  /** Completed after warm-up (the summary's figure). */
  handshakesCompleted = 0;
  /** Completed over the whole run, warm-up included (a fleet connects during its warm-up: the bench's work done). */
  handshakesCompletedAll = 0;
  handshakesFailed = 0;
  recordsSent = 0;
  recordsReceived = 0;
  payloadDelivered = 0; // bytes
  /** Wire bytes (framing included, network framing) of the datagrams delivered to an endpoint, both directions:
   *  the traffic the payload figures count, so that byte overhead compares like with like. */
  wireBytes = 0;
  datagrams = 0;
  /** Wire bytes of a datagram with this UDP payload (set by the run to its network's framing). */
  framing: (payload: number) => number = (p) => p;
  firstSend: Ps = -1;
  lastDelivery: Ps = 0;

  // current time-series interval
  intervalPayload = 0;
  intervalHandshakes = 0;

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  recordSent(now: Ps, conn: number): void {
    if (!this.active) return;
    this.recordsSent++;
    if (this.firstSend < 0) this.firstSend = now;
    if (this.first[conn]! < 0) this.first[conn] = now;
  }

  recordDelivered(latencyPs: Ps, bytes: number, now: Ps, conn: number): void {
    if (!this.active) return;
    this.recordsReceived++;
    this.last[conn] = now;
    this.bytes[conn]! += bytes;
    this.recordLatency.add(latencyPs);
    this.payloadDelivered += bytes;
    this.intervalPayload += bytes;
    this.lastDelivery = now;
  }

  handshakeDone(latencyPs: Ps): void {
    if (!this.active) return;
    this.handshakesCompleted++;
    this.intervalHandshakes++;
    this.handshakeLatency.add(latencyPs);
  }

  /** A datagram with `payload` UDP payload bytes was delivered to its endpoint (wire bytes counted after warm-up). */
  wireDelivered(payload: number): void {
    if (!this.active) return;
    this.wireBytes += this.framing(payload);
    this.datagrams++;
  }

  /** As wireDelivered, and the datagram leaves the ledger as delivered (DTLS run). */
  datagramDelivered(payload: number): void {
    this.datagramLedger.deliver();
    this.wireDelivered(payload);
  }

  /** Client `conn`'s session ended and another will start (clients.resumption): its data window so far is kept,
   *  the next session's opens at its own first record (the reconnect delay is not data time). */
  sessionEnded(conn: number): void {
    const f = this.first[conn]!;
    if (f < 0) return;
    const l = this.last[conn]!;
    if (l > f) (this.span ??= new Float64Array(this.first.length))[conn]! += l - f;
    this.first[conn] = -1;
  }

  /**
   * Per-connection goodput, bit/s: payload delivered / time from each connection's first record handed over to its
   * last record delivered (per session: the windows of a resuming client's sessions add up), summed over
   * connections. Unlike the aggregate figure it does not depend on when each
   * connection started (a handshake that completes late after losses does not stretch everyone's window), and it
   * still falls when a saturated block makes every connection's records wait.
   */
  connectionGoodputBps(): number {
    let b = 0;
    let t = 0;
    const span = this.span;
    for (let i = 0; i < this.first.length; i++) {
      const f = this.first[i]!;
      const l = this.last[i]!;
      const w = (f >= 0 && l > f ? l - f : 0) + (span ? span[i]! : 0);
      if (w > 0 && this.bytes[i]! > 0) {
        b += this.bytes[i]!;
        t += w;
      }
    }
    return t > 0 ? (b * 8) / (t / PS_PER_S) : 0;
  }

  /** Goodput window: first record sent to last record delivered, ps. */
  dataWindowPs(): number {
    return this.firstSend >= 0 && this.lastDelivery > this.firstSend ? this.lastDelivery - this.firstSend : 0;
  }
}
