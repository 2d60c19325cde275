// Protocol cost of the real server, measured on the real server: the demo server pinned to one core, driven by the
// loadtest generator on the other at light loads, its CPU time read from the kernel (src/cli/loopback/measure.ts).
// CPU time, not wall time: other processes on the machine delay the server but do not add to its CPU time (they
// only cool its caches, which is what the wake-up cost captures). Every repetition's batches enter the fit.
//
// Four kinds of batch, repeated `reps` times after a warm-up (JIT, V8 inline caches, young generation; WARMUP):
//   A  handshakes with one echoed record each, at a light rate          -> CPU/handshake, wake-ups/handshake
//   B  the same clients with `echoes` more records each                 -> CPU per extra echo
//   C  handshakes with one record at a higher rate                      -> with A and D: CPU per wake-up
//   D  handshakes with one record in bursts (k clients at one instant)  -> few wake-ups per handshake
//   E  the same in larger bursts (40 every 0.25 s, since 2026-12-07     -> the fewest slept turns: the line's
//      16:20)                                                              intercept measured, not extrapolated
// The fit (fitServer): a least-squares line through the A, C, D and E batches, CPU per handshake = H + W x wake-ups
// per handshake (each batch's own wake-ups: they vary with the rate and with how other processes delay the server),
// then the extra echoes of B: E = (mean B - mean A) / echoes, all included, and the wake-ups they added per echo.
// The wake-up cost is taken from handshake batches only: echoes that wake the server cost far less than W (a
// record touches little code, a handshake flight the whole public-key and protocol path), so a single plane
// through A, B and C (tried first) mixed the two and left an echo costing less than its own crypto.
// Identifiability: on an idle machine A (20/s) and C (80/s) both had ~3 wake-ups per handshake (each flight finds
// the server asleep), so the slope through them was noise (2026-12-05: the model then charged 6.9 ms per
// handshake where the server spent 4.5). D's bursts share wake-ups between k handshakes; the fit is refused
// (FitError) unless the batches' wake-ups per handshake span at least MIN_WAKEUP_SPREAD and the slope is positive.
// Running the batches on a server and reading its turn statistics: ./rounds.ts.
import { join } from 'node:path';
import type { OffpathFit, PenaltyBin, PenaltyFit, WakeupPenalty } from './offpath.ts';
import type { Variability } from './variability.ts';

export interface BatchFigures {
  cpuMsPerHandshake: number;
  wakeupsPerHandshake: number;
  retransmissionsPerHandshake: number;
  otherLoadServerCore: number;
  /** The server's share of its core against other processes (measure.ts). */
  coreShare: number;
  /** Mean time asleep per wake-up, ms: (the generator's window - server CPU time - run-queue wait) / wake-ups;
   *  absent: the refill time constant is not fitted. */
  sleepMsPerWakeup?: number;
  /** Handshakes completed in the batch. */
  handshakes?: number;
  /** CPU time inside the server's event-loop turns per handshake, ms, and turns after a sleep per handshake
   *  (offpath.ts; absent without turn statistics). */
  inTurnMsPerHandshake?: number;
  sleptTurnsPerHandshake?: number;
  /** The batch's datagram turns after a sleep per handshake, each weighted by 1 - exp(-its sleep / tau), for each tau
   *  of ON_PATH_TAUS_MS (offpath.ts sleptRefillByTau; absent without turn statistics). */
  sleptRefillPerHandshake?: number[];
  /** Of the in-turn CPU, what the turns after a sleep paid for it per handshake (offpath.ts wakeupCpuInTurns), ms. */
  inTurnWakeupMsPerHandshake?: number;
  /** Of the off-turn CPU, what the gap-by-gap fit books for the batch's wake-ups per handshake (offpath.ts
   *  offpathCpuInGaps), ms (absent: turn statistics without the process CPU field). */
  offWakeupMsPerHandshake?: number;
}

export interface ServerMeasurement {
  crypto: 'node' | 'noble';
  reps: number;
  a: { clients: number; rate: number; batches: BatchFigures[] };
  b: { clients: number; rate: number; echoes: number; batches: BatchFigures[] };
  c: { clients: number; rate: number; batches: BatchFigures[] };
  d: { clients: number; rate: number; burst: number; batches: BatchFigures[] };
  /** The saturating bursts (absent in measurements made before 2026-12-07 16:10). */
  e?: { clients: number; rate: number; burst: number; batches: BatchFigures[] };
  /** The server's garbage collections and the variation of its handshake turn over all batches (variability.ts);
   *  absent when the server wrote no turn statistics. */
  variability?: Variability;
  /** Extra CPU of a turn after a sleep, from the turns themselves (offpath.ts); absent without turn statistics. */
  penalty?: WakeupPenalty;
  /** The penalty per bin of the sleep before the turn, and W and tau fitted through them (offpath.ts). */
  profile?: Omit<PenaltyBin, 'gapsUs'>[];
  penaltyFit?: PenaltyFit;
  /** The pooled penalty of every turn after more than the linger, us (reported, not used). */
  pooledPenaltyUs?: number;
  /** The off-path CPU of a wake-up against the gap before it, from the CPU between turns (offpath.ts). */
  offpathFit?: OffpathFit;
  /** The host's speed during the batches: the server's speed-probe kernel, median time over the batches' windows,
   *  us, and its sample count (src/cli/speed-probe.ts); absent when the server ran without the probe. */
  probe?: { us: number; n: number };
}

/** Smallest span of wake-ups per handshake over the fitted batches for the wake-up cost to be identifiable. */
export const MIN_WAKEUP_SPREAD = 1;

/** Exit code of `npm run calibrate` when it refuses the batches (a FitError); validate loopback measures them again
 *  (src/cli/loopback/retry.ts). */
export const REFUSED = 3;

/** The wake-up fit is not identifiable from these batches (calibrate refuses to write a model). */
export class FitError extends Error {
  override readonly name = 'FitError';
}

export interface ServerFit {
  /** Batches of A and C used for the line. */
  batches: number;
  /** CPU ms of one wake-up of a handshaking server (0 when the fitted slope is not positive: then H is the mean). */
  wakeupMs: number;
  /** CPU ms of a handshake with its one echo, wake-ups excluded. */
  handshakeMs: number;
  /** CPU ms of one extra echo (receive + send back), its wake-ups included, and the wake-ups per extra echo. */
  echoMs: number;
  echoWakeups: number;
  /** Time constant of the wake-up cost against the sleep before it (cpu.wakeup_refill_ms), ms; 0: not fitted. */
  refillMs: number;
  /** Root-mean-square residual of the line, ms per handshake. */
  rmsMs: number;
  /** Smallest and largest wake-ups per handshake over the fitted batches. */
  wakeupsMin: number;
  wakeupsMax: number;
  /** With the server's turn statistics: the CPU split into on-path (inside turns) and off-path (the rest); then
   *  refillMs is the turn penalty's time constant (offpath.ts fitPenalty), wakeupMs and handshakeMs - offHandshakeMs
   *  the on-path line through the batches' in-turn CPU (onPathLine; the penalty's own figures when it is refused),
   *  and `total` keeps the batch-total line for reference. */
  split?: {
    /** Off-path CPU per wake-up (cpu.offpath_cycles_per_wakeup) and per handshake (kept on the path), ms; the
     *  line's rms residual, ms per handshake. */
    offWakeupMs: number;
    offHandshakeMs: number;
    offRmsMs: number;
    /** cpu.offpath_refill_ms: the turn penalty's time constant when the line on refill-weighted wake-ups left the
     *  smaller residual (each wake-up's off-path work then grows with its sleep), else 0; the plain line's rms. */
    offRefillMs: number;
    offPlainRmsMs: number;
    /** Where O and offRefillMs come from: 'gaps', the off-turn CPU gap by gap against the gap's length (turn
     *  statistics since 2026-12-07: offpath.ts fitOffpath; a = the batches' off-turn CPU per handshake less what
     *  that fit books for their wake-ups), or 'line', the batch totals' line above. */
    offFrom: 'gaps' | 'line';
    /** In-turn CPU per handshake less its wake-ups, ms: the intercept of onPathLine (`onFrom` 'line'), or, when
     *  that line is refused, the mean over the batches of in-turn CPU less the turn penalty's wake-ups ('penalty'). */
    onHandshakeMs: number;
    onFrom: 'line' | 'penalty';
    /** Where the on-path time constant comes from: the line's own search over the candidates ('line': the batches
     *  carried their weighted slept turns), or the turn penalty's fit ('penalty'). */
    onRefillFrom: 'line' | 'penalty';
    /** The turn penalty's estimate (reported beside the line): in-turn CPU less its wake-ups, and its W. */
    penalty: { handshakeMs: number; wakeupMs: number };
    total: { handshakeMs: number; wakeupMs: number; refillMs: number; rmsMs: number };
  };
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Least squares: coefficients c minimising |X c - y|^2 (normal equations, Gaussian elimination with pivoting). */
export function leastSquares(X: readonly number[][], y: readonly number[]): number[] {
  const n = X[0]!.length;
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) => {
    let s = 0;
    for (let r = 0; r < X.length; r++) s += X[r]![i]! * (j < n ? X[r]![j]! : y[r]!);
    return s;
  }));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    const p = A[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new RangeError('leastSquares: singular system (the batches do not separate the unknowns)');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / p;
      for (let j = col; j <= n; j++) A[r]![j]! -= f * A[col]![j]!;
    }
  }
  return A.map((row, i) => row[n]! / row[i]!);
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Candidate time constants of the wake-up cost (cpu.wakeup_refill_ms), ms: 0.25 to 64, steps of sqrt(2). */
export const REFILL_GRID_MS: readonly number[] = Array.from({ length: 17 }, (_, i) => Number((0.25 * 2 ** (i / 2)).toPrecision(3)));

/** Share of the full wake-up cost after sleeping `sleepMs` (tau 0: all of it), as the model's cpu charges it. */
export function refillFactor(sleepMs: number, tauMs: number): number {
  return tauMs > 0 ? 1 - Math.exp(-sleepMs / tauMs) : 1;
}

export function fitServer(m: ServerMeasurement): ServerFit {
  const pts = [...m.a.batches, ...m.c.batches, ...m.d.batches, ...(m.e?.batches ?? [])];
  const y = pts.map((p) => p.cpuMsPerHandshake);
  const wk = pts.map((p) => p.wakeupsPerHandshake);
  const wakeupsMin = Math.min(...wk);
  const wakeupsMax = Math.max(...wk);
  const range = `wake-ups per handshake ${wakeupsMin.toFixed(2)}..${wakeupsMax.toFixed(2)} over ${pts.length} batches`;
  if (!(wakeupsMax - wakeupsMin >= MIN_WAKEUP_SPREAD)) {
    throw new FitError(`${range}: a spread below ${MIN_WAKEUP_SPREAD} leaves the cost of a wake-up unidentifiable (the burst batch did not cut the wake-ups)`);
  }
  // CPU per handshake = H + W x sum over its wake-ups of (1 - exp(-sleep / tau)), each batch's wake-ups taken at
  // its mean sleep; tau from the grid with the smallest residual (0: every wake-up costs W), H and W by least squares
  const sleeps = pts.map((p) => p.sleepMsPerWakeup);
  const taus = sleeps.every((x) => x !== undefined && x > 0) ? [0, ...REFILL_GRID_MS] : [0];
  const fits = taus.map((tau) => {
    const x = pts.map((p) => p.wakeupsPerHandshake * refillFactor(p.sleepMsPerWakeup ?? 0, tau));
    const [h, w] = leastSquares(x.map((xi) => [1, xi]), y) as [number, number];
    const rms = Math.sqrt(x.reduce((s, xi, i) => s + (h + w * xi - y[i]!) ** 2, 0) / pts.length);
    return { tau, h, w, rms };
  });
  const best = fits.filter((f) => f.w > 0).sort((p, q) => p.rms - q.rms)[0];
  if (best === undefined) throw new FitError(`${range}: CPU per handshake does not rise with the wake-ups (slope ${(fits[0]!.w * 1000).toFixed(1)} us per wake-up)`);
  const { h, w, rms, tau } = best;
  const cpu = (b: BatchFigures[]) => mean(b.map((x) => x.cpuMsPerHandshake));
  const wake = (b: BatchFigures[]) => mean(b.map((x) => x.wakeupsPerHandshake));
  const echoMs = (cpu(m.b.batches) - cpu(m.a.batches)) / m.b.echoes;
  const echoWakeups = (wake(m.b.batches) - wake(m.a.batches)) / m.b.echoes;
  const fit: ServerFit = { batches: pts.length, wakeupMs: w, handshakeMs: h, echoMs, echoWakeups, refillMs: tau, rmsMs: rms, wakeupsMin, wakeupsMax };
  return m.penaltyFit !== undefined && pts.every((p) => p.inTurnMsPerHandshake !== undefined && p.inTurnWakeupMsPerHandshake !== undefined) ? splitFit(fit, pts, m.penaltyFit.wakeupUs / 1000, m.penaltyFit.refillMs, m.offpathFit) : fit;
}

/** On-path and off-path (ServerFit.split): off-path per handshake = a + O x wake-ups per handshake (offpathLine),
 *  each wake-up weighted by the share its sleep earns when that fits better (offRefillMs); on-path: onPathLine. */
export function splitFit(total: ServerFit, pts: readonly BatchFigures[], onWakeupMs: number, refillMs: number, gapFit?: OffpathFit): ServerFit {
  const wk = pts.map((p) => p.wakeupsPerHandshake);
  const off = pts.map((p) => p.cpuMsPerHandshake - p.inTurnMsPerHandshake!);
  // the gap-by-gap fit, when the turns carry the process's CPU: O and tau from the gaps, a what is left per handshake
  const gaps = gapFit && pts.every((p) => p.offWakeupMsPerHandshake !== undefined) ? gapFit : undefined;
  // each wake-up at its full off-path cost, or at the share its sleep earns (1 - exp(-sleep / refillMs), the mean
  // over the batch's slept turns: the penalty's wake-up CPU per handshake / its W / slept turns per handshake): the
  // line with the smaller residual
  const share = pts.map((p) => (p.sleptTurnsPerHandshake ?? 0) > 0 && onWakeupMs > 0 ? refillWeightedSlept(p, onWakeupMs) / p.sleptTurnsPerHandshake! : 1);
  const plain = offpathLine(wk, off);
  const refilled = refillMs > 0 ? offpathLine(wk.map((x, i) => x * share[i]!), off) : undefined;
  const useRefill = refilled !== undefined && refilled.rms < plain.rms;
  const fromGaps = gaps ? gapLine(pts, off, gaps) : undefined;
  const { a, o, rms: offRmsMs } = fromGaps ?? (useRefill ? refilled : plain);
  const offRefillMs = gaps ? gaps.refillMs : useRefill ? refillMs : 0;
  const onPenaltyHandshakeMs = mean(pts.map((p) => p.inTurnMsPerHandshake! - p.inTurnWakeupMsPerHandshake!));
  const line = onPathLine(pts, onWakeupMs, refillMs);
  const on = line ?? { handshakeMs: onPenaltyHandshakeMs, wakeupMs: onWakeupMs, refillMs, refillFrom: 'penalty' as const };
  return {
    ...total, wakeupMs: on.wakeupMs, refillMs: on.refillMs, handshakeMs: on.handshakeMs + a,
    split: {
      offWakeupMs: o, offHandshakeMs: a, offRmsMs, offRefillMs, offPlainRmsMs: plain.rms, offFrom: gaps ? 'gaps' : 'line', onHandshakeMs: on.handshakeMs, onFrom: line ? 'line' : 'penalty',
      onRefillFrom: on.refillFrom,
      penalty: { handshakeMs: onPenaltyHandshakeMs, wakeupMs: onWakeupMs },
      total: { handshakeMs: total.handshakeMs, wakeupMs: total.wakeupMs, refillMs: total.refillMs, rmsMs: total.rmsMs },
    },
  };
}

/** Off-path from the gaps: O and tau as fitted gap by gap, a = each batch's off-turn CPU per handshake less what
 *  the fit books for its wake-ups, the mean over the batches (0 if negative); rms over the batches. */
function gapLine(pts: readonly BatchFigures[], off: readonly number[], f: OffpathFit): { a: number; o: number; rms: number } {
  const booked = pts.map((p) => p.offWakeupMsPerHandshake!);
  const a = Math.max(0, mean(off.map((x, i) => x - booked[i]!)));
  return { a, o: f.offUs / 1000, rms: Math.sqrt(mean(off.map((x, i) => (a + booked[i]! - x) ** 2))) };
}

/** Off-path CPU per handshake = a + O x `x` (wake-ups per handshake, plain or refill-weighted) by least squares;
 *  O = 0 and a the mean if the slope is not positive; a = 0 and the line through the origin if a < 0. */
export function offpathLine(x: readonly number[], off: readonly number[]): { a: number; o: number; rms: number } {
  let [a, o] = leastSquares(x.map((xi) => [1, xi]), off) as [number, number];
  if (!(o > 0)) [a, o] = [mean(off), 0];
  else if (a < 0) [a, o] = [0, x.reduce((s, xi, i) => s + xi * off[i]!, 0) / x.reduce((s, xi) => s + xi * xi, 0)];
  return { a, o, rms: Math.sqrt(x.reduce((s, xi, i) => s + (a + o * xi - off[i]!) ** 2, 0) / x.length) };
}

/** A batch's slept turns per handshake, each weighted by 1 - exp(-its sleep / tau): the turn penalty's wake-up CPU
 *  in the turns per handshake (offpath.ts wakeupCpuInTurns) over its W. */
function refillWeightedSlept(p: BatchFigures, penaltyWakeupMs: number): number {
  return p.inTurnWakeupMsPerHandshake! / penaltyWakeupMs;
}

/** Smallest spread of the refill-weighted slept turns per handshake over the batches for onPathLine's slope. */
export const MIN_SLEPT_SPREAD = 1;
/** The same for a candidate time constant of the on-path line's own search (weights below 1 shrink every batch's
 *  figure: A ~1.2, D ~0.3 at 6 ms). */
export const MIN_WEIGHTED_SPREAD = 0.5;
/** Candidate time constants of the on-path wake-up cost (cpu.wakeup_refill_ms), ms: 0 and REFILL_GRID_MS. */
export const ON_PATH_TAUS_MS: readonly number[] = [0, ...REFILL_GRID_MS];

/** On-path CPU per handshake and per wake-up by least squares over the batches: in-turn CPU per handshake =
 *  H + W x s, s the batch's slept turns per handshake each weighted by 1 - exp(-its sleep / tau). The burst batch
 *  (~0.3 slept turns per handshake against ~2) puts H within a short extrapolation of a measured point. Why not the
 *  penalty alone (H = mean in-turn less the penalty's wake-up CPU, kept as the fallback): its W comes from comparing
 *  single turns and was noisy (loopback-21, 2026-12-06: 309 to 692 us between repetitions of the same server), and a
 *  batch's H then moved by ~2 slept turns x that error; H decides the saturated rate.
 *  tau: when the batches carry their weighted slept turns for every candidate (sleptRefillPerHandshake), the
 *  candidate whose line leaves the smallest residual (since 2026-12-07 14:00); else the turn penalty's `penaltyTauMs`
 *  (s = the penalty's in-turn wake-up CPU / its W). Why: the penalty's fit chose 0-1.4 ms, its short-sleep bins
 *  inflated by the first of a burst of datagrams, and the model then charged a full wake-up after every short
 *  sleep: the real server's CPU per handshake fell by 1.5 ms from 66 to 131/s (loopback-38) where the model's fell
 *  by 0.4, the 0.5 x load over-predicted by +28 % (loopback-37, -38); predicted again with a 6 ms time constant,
 *  +0 / +9 %. Undefined (use the penalty) when no candidate's batches span their minimum spread (MIN_SLEPT_SPREAD
 *  for the penalty's weights, MIN_WEIGHTED_SPREAD for a candidate's), or the slope or the intercept is not positive. */
export function onPathLine(pts: readonly BatchFigures[], penaltyWakeupMs: number, penaltyTauMs = 0): OnPathLine | undefined {
  const y = pts.map((p) => p.inTurnMsPerHandshake!);
  if (pts.length > 0 && pts.every((p) => p.sleptRefillPerHandshake?.length === ON_PATH_TAUS_MS.length)) {
    let best: OnPathLine | undefined;
    ON_PATH_TAUS_MS.forEach((tau, k) => {
      const f = lineThrough(pts.map((p) => p.sleptRefillPerHandshake![k]!), y, MIN_WEIGHTED_SPREAD);
      if (f && (best === undefined || f.rmsMs < best.rmsMs)) best = { ...f, refillMs: tau, refillFrom: 'line' };
    });
    return best;
  }
  if (!(penaltyWakeupMs > 0)) return undefined;
  const f = lineThrough(pts.map((p) => refillWeightedSlept(p, penaltyWakeupMs)), y, MIN_SLEPT_SPREAD);
  return f ? { ...f, refillMs: penaltyTauMs, refillFrom: 'penalty' } : undefined;
}

/** onPathLine's H, W, residual and time constant, and where the time constant came from (ServerFit.split.onRefillFrom). */
export interface OnPathLine { handshakeMs: number; wakeupMs: number; rmsMs: number; refillMs: number; refillFrom: 'line' | 'penalty' }

/** y = H + W x s by least squares; undefined unless s spans `minSpread` and H and W are positive. */
function lineThrough(s: readonly number[], y: readonly number[], minSpread: number): { handshakeMs: number; wakeupMs: number; rmsMs: number } | undefined {
  if (!(Math.max(...s) - Math.min(...s) >= minSpread)) return undefined;
  const [h, w] = leastSquares(s.map((x) => [1, x]), y) as [number, number];
  if (!(w > 0) || !(h > 0)) return undefined;
  const rmsMs = Math.sqrt(s.reduce((acc, x, i) => acc + (h + w * x - y[i]!) ** 2, 0) / s.length);
  return { handshakeMs: h, wakeupMs: w, rmsMs };
}

export const certPaths = (root: string) => {
  const d = join(root, 'test/fixtures/certs/ecdsa');
  return { cert: join(d, 'server-chain.pem'), key: join(d, 'server.key'), ca: join(d, 'ca.pem') };
};
