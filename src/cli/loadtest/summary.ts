// Summary of a load-generator run, with the simulator's summary.json field names where the figure is the same.
// Percentiles are exact nearest-rank over every sample (the generator keeps them all).
import type { Dist } from '../../sim/stats.ts';
import { arrivalTimes, type LoadSamples, type LoadSpec } from './generator.ts';

/** Same shape as the kernel's Dist (count, mean, p50, p90, p99, max), in the unit of the field holding it. */
export type LatencySummary = Dist;

export interface LoadSummary {
  offered_rate_per_s: number;
  clients: number;
  /** First client start to last client end, seconds (the window the rates are taken over). */
  window_s: number;
  wall_time_s: number;
  handshakes: { offered: number; completed: number; failed: number; retransmissions: number };
  /** Clients that did not finish (handshake or records), by cause. */
  clients_failed: number;
  failures: Record<string, number>;
  handshake_latency_ms: LatencySummary;
  /** The clients' own time in their handshakes, ms (generator.ts LoadSamples.handshakeClientMs): the generator's
   *  share of the handshake latency (the simulator's counterpart: the breakdown's `client` entry). */
  handshake_client_ms: LatencySummary;
  /** How late the clients started against the arrival schedule, ms (actual start - scheduled start, every started
   *  client): the generator's timers fire late while its core is busy, which bunches the arrivals the server sees. */
  start_lateness_ms: LatencySummary;
  /** With --arrivals: every client's actual start, ms after the schedule's t0, by client index (null: not started):
   *  the arrival process the server really saw, which `npm run validate -- loopback` replays in the model. */
  arrivals_ms?: (number | null)[];
  /** Echo round trip of one record: send() to the echoed record's delivery, microseconds. */
  record_rtt_us: LatencySummary;
  throughput: { goodput_gbps: number; records_per_s: number; handshakes_per_s: number };
  records: { sent: number; received: number; lost: number };
  datagrams: { sent: number; received: number };
  /** The arrival window [first arrival, last arrival rounded down to 10 ms] (epoch clock, ms) and the handshakes
   *  completed in it: at saturation, the rate the server sustains while clients keep arriving, whatever becomes of
   *  the backlog afterwards (the simulator's side: src/cli/loopback/predict.ts, the same window). */
  arrival_window: { start_epoch_ms: number; end_epoch_ms: number; s: number; handshakes_completed: number; handshakes_per_s: number };
}

/** End of the arrival window of a run whose last client starts `lastArrivalMs` after the first: rounded down to
 *  10 ms (the simulator's time-series interval), at least 10 ms. */
export function arrivalWindowMs(lastArrivalMs: number): number {
  return Math.max(10, Math.floor(lastArrivalMs / 10 + 1e-9) * 10);
}

/** Nearest-rank quantile of sorted samples (q in (0, 1]). */
export function nearestRank(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const k = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[k - 1]!;
}

export function latency(samples: readonly number[]): LatencySummary {
  const s = Float64Array.from(samples).sort();
  let sum = 0;
  for (const x of s) sum += x;
  return {
    count: s.length,
    mean: s.length ? sum / s.length : Number.NaN,
    p50: nearestRank(s, 0.5),
    p90: nearestRank(s, 0.9),
    p99: nearestRank(s, 0.99),
    max: s.length ? s[s.length - 1]! : Number.NaN,
  };
}

/** Actual start of each client by index (null: never started) from LoadSamples.startedMs. */
export function startsByIndex(n: number, startedMs: readonly number[]): (number | null)[] {
  const out: (number | null)[] = new Array<number | null>(n).fill(null);
  for (let k = 0; k + 1 < startedMs.length; k += 2) {
    const i = startedMs[k]!;
    if (i >= 0 && i < n) out[i] = startedMs[k + 1]!;
  }
  return out;
}

export function summarize(spec: LoadSpec, s: LoadSamples, wallS: number, withArrivals = false): LoadSummary {
  const windowS = s.lastEndMs > s.firstStartMs ? (s.lastEndMs - s.firstStartMs) / 1000 : Number.NaN;
  const starts = arrivalTimes(spec.clients, spec.rate, spec.arrival, spec.seed, spec.burst ?? 1);
  const awMs = arrivalWindowMs((starts[starts.length - 1] ?? 0) - (starts[0] ?? 0));
  const aw0 = starts[0] ?? 0;
  let inWindow = 0;
  for (const t of s.handshakeEndMs) if (t >= aw0 && t <= aw0 + awMs) inWindow++;
  const actual = startsByIndex(spec.clients, s.startedMs);
  const late: number[] = [];
  actual.forEach((t, i) => {
    if (t !== null) late.push(t - starts[i]!);
  });
  return {
    offered_rate_per_s: spec.rate,
    clients: spec.clients,
    window_s: windowS,
    wall_time_s: wallS,
    handshakes: { offered: s.offered, completed: s.handshakeMs.length, failed: s.handshakesFailed, retransmissions: s.retransmissions },
    clients_failed: s.failed,
    failures: s.failures,
    handshake_latency_ms: latency(s.handshakeMs),
    handshake_client_ms: latency(s.handshakeClientMs),
    start_lateness_ms: latency(late),
    ...(withArrivals ? { arrivals_ms: actual.map((t) => (t === null ? null : Math.round(t * 1000) / 1000)) } : {}),
    record_rtt_us: latency(s.recordRttUs),
    throughput: {
      goodput_gbps: (s.payloadBytesReceived * 8) / windowS / 1e9,
      records_per_s: s.recordsReceived / windowS,
      handshakes_per_s: s.handshakeMs.length / windowS,
    },
    records: { sent: s.recordsSent, received: s.recordsReceived, lost: s.recordsSent - s.recordsReceived },
    datagrams: { sent: s.datagramsSent, received: s.datagramsReceived },
    arrival_window: {
      start_epoch_ms: s.t0EpochMs + aw0, end_epoch_ms: s.t0EpochMs + aw0 + awMs, s: awMs / 1000,
      handshakes_completed: inWindow, handshakes_per_s: inWindow / (awMs / 1000),
    },
  };
}

const f = (x: number, d = 3) => (Number.isFinite(x) ? x.toFixed(d) : '-');

export function renderText(r: LoadSummary): string {
  const h = r.handshake_latency_ms;
  const rt = r.record_rtt_us;
  const lines = [
    `clients ${r.clients} at ${r.offered_rate_per_s}/s  window ${f(r.window_s)} s  wall ${f(r.wall_time_s, 2)} s`,
    `handshakes: offered ${r.handshakes.offered}  completed ${r.handshakes.completed}  failed ${r.handshakes.failed}` +
      `  retransmissions ${r.handshakes.retransmissions}` +
      (r.clients_failed ? `  clients failed ${r.clients_failed}` : '') +
      (Object.keys(r.failures).length ? `  (${Object.entries(r.failures).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''),
    `handshake (ms)     mean ${f(h.mean)}  p50 ${f(h.p50)}  p90 ${f(h.p90)}  p99 ${f(h.p99)}  max ${f(h.max)}`,
    `client's own (ms)  mean ${f(r.handshake_client_ms.mean)}  p50 ${f(r.handshake_client_ms.p50)}  p90 ${f(r.handshake_client_ms.p90)}`,
    `start late (ms)    mean ${f(r.start_lateness_ms.mean)}  p50 ${f(r.start_lateness_ms.p50)}  p99 ${f(r.start_lateness_ms.p99)}  max ${f(r.start_lateness_ms.max)}`,
    `record rtt (us)    mean ${f(rt.mean, 1)}  p50 ${f(rt.p50, 1)}  p90 ${f(rt.p90, 1)}  p99 ${f(rt.p99, 1)}  max ${f(rt.max, 1)}`,
    `throughput: handshakes/s ${f(r.throughput.handshakes_per_s, 1)}  records/s ${f(r.throughput.records_per_s, 1)}` +
      `  goodput ${f(r.throughput.goodput_gbps, 6)} Gbit/s`,
    `records: sent ${r.records.sent}  received ${r.records.received}  lost ${r.records.lost}`,
  ];
  return `${lines.join('\n')}\n`;
}
