// The generator's clients at their measured speed. The model's clients are charged the node:crypto micro-measured
// costs (predict.ts clientCostsFrom) over the generator's core share; in the real generator a client's own time per
// handshake was larger at light loads (2026-12-07 13:00, docs/data/flight-timeline-2026-12-07.mts: 1.3-1.6 ms at
// 67/s, 1.1-1.4 at 133/s, 0.8-1.0 at 213/s against the model's 0.92-1.01 ms): a cold client, socket creation and
// bind, which a hot-loop micro-measurement does not see. The generator now reports its clients' own time in their
// handshakes (loadtest `handshake_client_ms`), and each load is predicted with the client costs scaled so that the
// model's client time per handshake (the breakdown's `client` entry) equals its median (the model's clients take
// the same time in every handshake; the generator's mean carries its garbage-collection outliers: 1.66 against a
// median of 1.29 ms at 67/s). Like the core shares, it is a measured property of the load generator, not of the
// server the validation is about.
import type { Prediction } from './predict.ts';

/** The model's client time per handshake, ms: the breakdown's `client` entry (waiting + service). */
export function predictedClientMs(p: Prediction): number {
  const e = p.result.breakdown.handshake.find((x) => x.component === 'client');
  return e ? (e.waiting_us + e.service_us) / 1000 : Number.NaN;
}

/** The client share that makes the model's client time `measuredMs`, given that `share` gave `predictedMs` (the
 *  client costs are divided by the share, so the client time is inversely proportional to it); `share` unchanged
 *  when either figure is missing or not positive. */
export function clientShareFor(share: number, predictedMs: number, measuredMs: number): number {
  if (!(predictedMs > 0) || !(measuredMs > 0) || !Number.isFinite(predictedMs) || !Number.isFinite(measuredMs)) return share;
  return (share * predictedMs) / measuredMs;
}
