// How irregular the real demo server's service is, from its own account of its event-loop turns and garbage
// collections under the calibration batches (`--turn-stats`, src/cli/demo-turns.ts). Two sources, each a model
// parameter (docs/models.md):
//   garbage collection   the minor collections (scavenges) that start inside the batches: their mean pause
//                        (cpu.gc_pause_us) and the server's CPU time per collection (cpu.gc_every_cycles: the
//                        allocation that triggers a scavenge grows with the work done, so the model pauses after
//                        every so many cycles of work). Major collections (mark-compact) are counted and reported;
//                        none is modelled when the batches had none.
//   per-turn variation   the coefficient of variation of the CPU time of the server's handshake turn (the one that
//                        receives the ClientHello with its cookie and sends the whole server flight, the first
//                        such turn per client: the most expensive turn, ~1/2 of a handshake's CPU; a resent flight
//                        is cheap and left out), over the turns during which no collection
//                        started (cpu.service_cv; the spread within each batch, pooled): the same work on the same code, timed by the server itself, varies
//                        with caches, branch predictors, the JIT and the hypervisor's other guests.
import { readFileSync } from 'node:fs';
import type { TurnStatsFile } from '../demo-turns.ts';

export interface Window {
  startEpochMs: number;
  endEpochMs: number;
  /** The server's CPU time over the window (kernel accounting, all threads), s. */
  cpuS: number;
}

export interface Variability {
  minorGcs: number;
  majorGcs: number;
  /** Mean, median and 90th percentile pause of the minor collections, us. */
  minorPauseUs: number;
  minorPauseP50Us: number;
  minorPauseP90Us: number;
  majorPauseUs: number;
  /** Server CPU time per minor collection, ms (the windows' CPU / their minor collections). */
  cpuMsPerMinorGc: number;
  /** Handshake (flight) turns used, their mean CPU time (us) and its coefficient of variation (the standard
   *  deviation within each batch, pooled, over the mean of all). */
  flightTurns: number;
  flightCpuUs: number;
  flightCv: number;
  /** Percentiles 10, 50, 90, 99 of those turns' CPU time, us. */
  flightQuantilesUs: [number, number, number, number];
  /** Flight turns left out because a collection started during them. */
  flightTurnsWithGc: number;
}

const inAny = (t: number, ws: readonly Window[]) => ws.some((w) => t >= w.startEpochMs && t <= w.endEpochMs);

function quantile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/** Whether a collection started within [t0, t1] (epoch ms), over the given collection starts. */
export function gcWithin(starts: readonly number[]): (t0: number, t1: number) => boolean {
  const gcStarts = [...starts].sort((a, b) => a - b);
  return (t0, t1) => {
    // binary search for the first collection at or after t0
    let lo = 0;
    let hi = gcStarts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (gcStarts[mid]! < t0) lo = mid + 1;
      else hi = mid;
    }
    return lo < gcStarts.length && gcStarts[lo]! <= t1;
  };
}

export function analyseTurns(data: TurnStatsFile, windows: readonly Window[]): Variability {
  const gcs = data.gcs.filter((g) => inAny(g[0], windows));
  const minor = gcs.filter((g) => g[2] === 'minor').map((g) => g[1] * 1000).sort((a, b) => a - b);
  const major = gcs.filter((g) => g[2] === 'major').map((g) => g[1] * 1000);
  const startsWithin = gcWithin(gcs.map((g) => g[0]));
  const isFlight = (t: TurnStatsFile['turns'][number]) => t[5] === 1;
  const flights = data.turns.filter((t) => isFlight(t) && inAny(t[0], windows));
  const clean = flights.filter((t) => !startsWithin(t[0], t[0] + t[1] / 1000));
  const cpu = clean.map((t) => t[2]);
  const mean = cpu.length ? cpu.reduce((s, x) => s + x, 0) / cpu.length : Number.NaN;
  // spread within each batch (pooled): the batches' means differ with their rates (the model's wake-up cost and its
  // refill with the sleep account for that), so the spread of their means is not the turn-to-turn variation
  let ss = 0;
  for (const w of windows) {
    const xs = clean.filter((t) => t[0] >= w.startEpochMs && t[0] <= w.endEpochMs).map((t) => t[2]);
    const m = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
    ss += xs.reduce((a, x) => a + (x - m) ** 2, 0);
  }
  const sd = cpu.length ? Math.sqrt(ss / cpu.length) : Number.NaN;
  const cpuMs = windows.reduce((s, w) => s + w.cpuS, 0) * 1000;
  const avg = (xs: readonly number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  return {
    minorGcs: minor.length,
    majorGcs: major.length,
    minorPauseUs: avg(minor),
    minorPauseP50Us: quantile(minor, 0.5),
    minorPauseP90Us: quantile(minor, 0.9),
    majorPauseUs: avg(major),
    cpuMsPerMinorGc: minor.length ? cpuMs / minor.length : Number.POSITIVE_INFINITY,
    flightTurns: clean.length,
    flightCpuUs: mean,
    flightCv: sd / mean,
    flightQuantilesUs: ((q) => [quantile(q, 0.1), quantile(q, 0.5), quantile(q, 0.9), quantile(q, 0.99)] as [number, number, number, number])([...cpu].sort((a, b) => a - b)),
    flightTurnsWithGc: flights.length - clean.length,
  };
}

export function readTurnStats(file: string): TurnStatsFile {
  return JSON.parse(readFileSync(file, 'utf8')) as TurnStatsFile;
}
