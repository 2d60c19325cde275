// What a run counts: latencies, bytes, records, drops, and the per-component time ("where the time goes").
// Everything before the end of warm-up is excluded (`active` is false until then).
import { Histogram, type Ps } from '../sim/index.ts';

export interface StageTotals {
  waitPs: number;
  servicePs: number;
}

export class Accounts {
  active = true;
  readonly handshakeLatency = new Histogram(); // ps
  readonly recordLatency = new Histogram(); // ps
  readonly drops = new Map<string, number>();
  /** Server-side block time by phase and component, summed over jobs. */
  readonly stages = { handshake: new Map<string, StageTotals>(), data: new Map<string, StageTotals>() };
  /** Client processing and network time, summed: handshake phase and per delivered record. */
  clientHsPs = 0;
  networkHsPs = 0;
  clientRecPs = 0;
  networkRecPs = 0;

  handshakesOffered = 0;
  handshakesCompleted = 0;
  handshakesFailed = 0;
  recordsSent = 0;
  recordsReceived = 0;
  payloadDelivered = 0; // bytes
  wireBytes = 0; // bytes on the wire, both directions, framing included (server port side)
  datagrams = 0;
  firstSend: Ps = -1;
  lastDelivery: Ps = 0;

  // current time-series interval
  intervalPayload = 0;
  intervalHandshakes = 0;

  drop(reason: string): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  stage(phase: 'handshake' | 'data', stage: string, waitPs: number, servicePs: number): void {
    if (!this.active) return;
    const m = this.stages[phase];
    let t = m.get(stage);
    if (!t) m.set(stage, (t = { waitPs: 0, servicePs: 0 }));
    t.waitPs += waitPs;
    t.servicePs += servicePs;
  }

  recordSent(now: Ps): void {
    if (!this.active) return;
    this.recordsSent++;
    if (this.firstSend < 0) this.firstSend = now;
  }

  recordDelivered(latencyPs: Ps, bytes: number, now: Ps): void {
    if (!this.active) return;
    this.recordsReceived++;
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

  wire(bytes: number): void {
    if (!this.active) return;
    this.wireBytes += bytes;
    this.datagrams++;
  }

  /** Goodput window: first record sent to last record delivered, ps. */
  dataWindowPs(): number {
    return this.firstSend >= 0 && this.lastDelivery > this.firstSend ? this.lastDelivery - this.firstSend : 0;
  }
}
