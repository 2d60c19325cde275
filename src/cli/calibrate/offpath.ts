// Where the real demo server's CPU time goes relative to its event-loop turns (its own account, `--turn-stats`,
// src/cli/demo-turns.ts, beside the kernel's count of all its threads, src/cli/loopback/measure.ts):
//   on-path    the CPU time inside the turns (process.cpuUsage around each receive or timer callback): the work a
//              datagram waits for before the server's answer leaves
//   off-path   the rest of the kernel's total: the event loop between turns (libuv's loop phases, entering and
//              leaving epoll_wait, the context switches), V8's helper threads while the main thread sleeps (GC
//              marking, the compiler), the socket's kernel work outside the send and receive calls. It takes the
//              core's time, not the turns' (cpu.offpath_cycles_per_wakeup, docs/models.md).
// And how much more a turn costs when the server slept before it (the cold caches, TLB and branch predictors a
// wake-up finds, cpu.cycles_per_wakeup): turns of the same kind (same bytes in and out, so the same message and the
// same answer; the handshake flight as its own kind) in the same batch, those that began after the event loop had
// been idle at least SLEPT_GAP_US against those that began within AWAKE_GAP_US of the previous turn's end (the same
// loop iteration or the next poll: no sleep between). Comparing within one batch keeps the drift of the machine
// (the server's CPU per handshake moved >10 % within a minute, docs/validation.md) out of the difference, and the
// batch totals, whose split between wake-ups and work was not identifiable, out of the wake-up cost.
import type { TurnStatsFile } from '../demo-turns.ts';
import type { Window } from './variability.ts';

/** A turn started at least this long after the previous one ended follows a sleep (the perf-measured linger before
 *  the event loop blocks is 45-137 us, docs/models.md). */
export const SLEPT_GAP_US = 1000;
/** A turn started within this of the previous one's end followed it without a sleep. */
export const AWAKE_GAP_US = 30;

export interface WindowTurns {
  /** CPU time inside the turns that started in the window, ms. */
  inTurnMs: number;
  turns: number;
  /** Turns that followed a gap of at least SLEPT_GAP_US. */
  sleptTurns: number;
}

export interface WakeupPenalty {
  /** Pooled extra CPU of a turn after a sleep over the same kind of turn without one, us (NaN: no pair). */
  penaltyUs: number;
  /** Kinds x batches with both sorts of turn, and the turns in them. */
  cells: number;
  sleptTurns: number;
  awakeTurns: number;
}

type Turn = TurnStatsFile['turns'][number];

/** The kind of a turn: the handshake flight, else its bytes in and out (timers: undefined, left out). */
export function turnKind(t: Turn): string | undefined {
  if (t[3] === 0) return undefined;
  return t[5] === 1 ? 'flight' : `${t[3]}/${t[4]}`;
}

/** Gaps before each turn (us; the first turn's: +infinity), turns in start order. */
export function gapsBefore(turns: readonly Turn[]): number[] {
  return turns.map((t, i) => (i === 0 ? Number.POSITIVE_INFINITY : (t[0] - turns[i - 1]![0]) * 1000 - turns[i - 1]![1]));
}

const inWin = (t: number, w: Window) => t >= w.startEpochMs && t <= w.endEpochMs;

/** In-turn CPU per window (turns in start order). */
export function windowTurns(turns: readonly Turn[], windows: readonly Window[]): WindowTurns[] {
  const gaps = gapsBefore(turns);
  return windows.map((w) => {
    let inTurnUs = 0;
    let n = 0;
    let slept = 0;
    turns.forEach((t, i) => {
      if (!inWin(t[0], w)) return;
      inTurnUs += t[2];
      n++;
      if (gaps[i]! >= SLEPT_GAP_US) slept++;
    });
    return { inTurnMs: inTurnUs / 1000, turns: n, sleptTurns: slept };
  });
}

/** The extra CPU of a turn after a sleep of loUs <= gap < hiUs (see the header), turns in start order;
 *  `hasGc(start, end)`: a collection started within the turn (left out: its pause is cpu.gc_*). Cells (a kind in
 *  a batch) pooled with weights nS nA / (nS + nA). Also the gaps of the slept turns used. */
export function wakeupPenalty(
  turns: readonly Turn[], windows: readonly Window[], hasGc: (t0: number, t1: number) => boolean = () => false, loUs = SLEPT_GAP_US, hiUs = Number.POSITIVE_INFINITY,
): WakeupPenalty & { gapsUs: number[] } {
  const gaps = gapsBefore(turns);
  let num = 0;
  let den = 0;
  let cells = 0;
  let nSlept = 0;
  let nAwake = 0;
  const used: number[] = [];
  for (const w of windows) {
    const groups = new Map<string, { s: number[]; a: number[]; g: number[] }>();
    turns.forEach((t, i) => {
      const kind = turnKind(t);
      if (kind === undefined || !inWin(t[0], w) || hasGc(t[0], t[0] + t[1] / 1000)) return;
      const g = gaps[i]!;
      const side = g <= AWAKE_GAP_US ? 'a' : g >= loUs && (g < hiUs || hiUs === Number.POSITIVE_INFINITY) ? 's' : undefined;
      if (side === undefined) return;
      let e = groups.get(kind);
      if (e === undefined) groups.set(kind, (e = { s: [], a: [], g: [] }));
      e[side].push(t[2]);
      if (side === 's') e.g.push(g);
    });
    for (const { s, a, g } of groups.values()) {
      if (s.length === 0 || a.length === 0) continue;
      const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
      const wt = (s.length * a.length) / (s.length + a.length);
      num += wt * (mean(s) - mean(a));
      den += wt;
      cells++;
      nSlept += s.length;
      nAwake += a.length;
      used.push(...g);
    }
  }
  return { penaltyUs: den > 0 ? num / den : Number.NaN, cells, sleptTurns: nSlept, awakeTurns: nAwake, gapsUs: used };
}

/** Bins of the sleep before a turn for the penalty profile, us: [30, 100), [100, 300), ... [10 ms, infinity). */
export const GAP_BINS_US: readonly number[] = [AWAKE_GAP_US, 100, 300, 1000, 3000, 10_000, Number.POSITIVE_INFINITY];

export interface PenaltyBin {
  loUs: number;
  hiUs: number;
  penaltyUs: number;
  /** Weight of the bin in the fit: the pooled weights of its cells (sum of nS nA / (nS + nA)). */
  weight: number;
  sleptTurns: number;
  gapsUs: number[];
}

/** The penalty of a turn after a sleep, per bin of the sleep's length. */
export function penaltyProfile(turns: readonly Turn[], windows: readonly Window[], hasGc?: (t0: number, t1: number) => boolean): PenaltyBin[] {
  const out: PenaltyBin[] = [];
  for (let i = 0; i + 1 < GAP_BINS_US.length; i++) {
    const lo = GAP_BINS_US[i]! + (i === 0 ? 1e-9 : 0);
    const hi = GAP_BINS_US[i + 1]!;
    const p = wakeupPenalty(turns, windows, hasGc, lo, hi);
    if (p.cells === 0) continue;
    // the pooled weight: cells' nS nA / (nS + nA) is not returned; the slept turns stand in for it
    out.push({ loUs: GAP_BINS_US[i]!, hiUs: hi, penaltyUs: p.penaltyUs, weight: p.sleptTurns, sleptTurns: p.sleptTurns, gapsUs: p.gapsUs });
  }
  return out;
}

/** Share of the full wake-up cost after a sleep of gapUs (tau 0: all of it), as the model's cpu charges it. */
const refill = (gapUs: number, tauMs: number) => (tauMs > 0 && Number.isFinite(gapUs) ? 1 - Math.exp(-gapUs / 1000 / tauMs) : 1);

export interface PenaltyFit {
  /** The full on-path cost of a wake-up (cpu.cycles_per_wakeup), us, and its time constant (wakeup_refill_ms). */
  wakeupUs: number;
  refillMs: number;
  /** Weighted rms residual of the bins, us; the bins used. */
  rmsUs: number;
  bins: number;
}

/** y(bin) = W r(bin) through the origin, r the mean over the bin's gaps of 1 - exp(-gap / tau): for each tau of
 *  `taus`, W by weighted least squares, the tau with the smallest weighted rms residual among those with W > 0
 *  (fitPenalty and fitOffpath). Undefined when none has. */
function fitRefill(ys: readonly number[], weights: readonly number[], gaps: readonly (readonly number[])[], taus: readonly number[]): { w: number; tau: number; rms: number } | undefined {
  let best: { w: number; tau: number; rms: number } | undefined;
  for (const tau of taus) {
    const r = gaps.map((g) => g.reduce((s, x) => s + refill(x, tau), 0) / Math.max(1, g.length));
    let sxy = 0;
    let sxx = 0;
    let sw = 0;
    ys.forEach((y, i) => {
      sxy += weights[i]! * y * r[i]!;
      sxx += weights[i]! * r[i]! * r[i]!;
      sw += weights[i]!;
    });
    if (sxx <= 0) continue;
    const w = sxy / sxx;
    if (!(w > 0)) continue;
    const rms = Math.sqrt(ys.reduce((s, y, i) => s + weights[i]! * (y - w * r[i]!) ** 2, 0) / sw);
    if (best === undefined || rms < best.rms - 1e-9) best = { w, tau, rms };
  }
  return best;
}

/** penalty(gap) = W (1 - exp(-gap / tau)) through the bins (fitRefill, each bin weighted by its pooled weight).
 *  Undefined when no bin has a positive penalty. */
export function fitPenalty(bins: readonly PenaltyBin[], taus: readonly number[]): PenaltyFit | undefined {
  const f = fitRefill(bins.map((b) => b.penaltyUs), bins.map((b) => b.weight), bins.map((b) => b.gapsUs), taus);
  return f && { wakeupUs: f.w, refillMs: f.tau, rmsUs: f.rms, bins: bins.length };
}

/** Per window, ms: `usOf(gap)` summed over the turns that start in it after a gap above `asleepUs` (the model's
 *  wake-ups; `datagramsOnly`: received datagrams' turns only, not timers). */
function afterGaps(turns: readonly Turn[], windows: readonly Window[], asleepUs: number, datagramsOnly: boolean, usOf: (gapUs: number) => number): number[] {
  const gaps = gapsBefore(turns);
  return windows.map((w) => {
    let us = 0;
    turns.forEach((t, i) => {
      if (inWin(t[0], w) && (!datagramsOnly || t[3] !== 0) && gaps[i]! > asleepUs) us += usOf(gaps[i]!);
    });
    return us / 1000;
  });
}

/** On-path wake-up CPU inside the turns of each window, ms: every datagram's turn after a gap above `asleepUs`
 *  (the model's wake-up: cpu.wakeup_linger_us) pays W (1 - exp(-gap / tau)) (the first turn recorded: all of W). */
export function wakeupCpuInTurns(turns: readonly Turn[], windows: readonly Window[], f: PenaltyFit, asleepUs: number): number[] {
  return afterGaps(turns, windows, asleepUs, true, (g) => f.wakeupUs * refill(g, f.refillMs));
}

/** Per window, its datagram turns after a gap above `asleepUs`, each weighted by 1 - exp(-gap / tau), for every tau
 *  of `taus` (0: every such turn counts 1): [window][tau]. The on-path line's candidate regressors (server.ts
 *  onPathLine picks the tau whose line fits the batches best). */
export function sleptRefillByTau(turns: readonly Turn[], windows: readonly Window[], asleepUs: number, taus: readonly number[]): number[][] {
  const per = taus.map((tau) => afterGaps(turns, windows, asleepUs, true, (g) => 1000 * refill(g, tau)));
  return windows.map((_, i) => per.map((p) => p[i]!));
}

/** Turns in start order (the server records them in order; sorted defensively). */
export function sortedTurns(data: TurnStatsFile): Turn[] {
  return [...data.turns].sort((a, b) => a[0] - b[0]);
}

// ---- off-path CPU gap by gap (turn statistics written since 2026-12-07 carry the process's CPU at each turn's
// start): what the process spent between one turn's end and the next turn's start (the event loop, epoll, V8's
// helper threads running while the main thread sleeps), against the length of that gap. The batch totals' line
// (splitFit's offpathLine) could not tell how this grows with the sleep: every batch sleeps ~3 ms or more between
// handshakes, and the validation's middle loads sleep ~1-2 ms (docs/validation.md, "Real server", loopback-33).

/** Bins of the gap for the off-path profile above the model's linger, us. */
export const OFF_GAP_BINS_US: readonly number[] = [300, 1000, 3000, 10_000, Number.POSITIVE_INFINITY];

export interface OffpathBin {
  loUs: number;
  hiUs: number;
  /** Mean off-turn CPU per gap in the bin, us, over `gaps` gaps; the gaps themselves. */
  offUs: number;
  gaps: number;
  gapsUs: number[];
}

export interface OffpathProfile {
  /** Gaps up to the linger (no wake-up in the model): their mean off-turn CPU, us, and count. */
  base: { offUs: number; gaps: number };
  bins: OffpathBin[];
}

/** Off-turn CPU per gap before each turn that starts in a window (turns in start order), by bin of the gap above
 *  `asleepUs` (the model's linger); undefined when the turns lack the process CPU field. */
export function offpathProfile(turns: readonly Turn[], windows: readonly Window[], asleepUs: number): OffpathProfile | undefined {
  if (turns.length < 2 || turns.some((t) => t[6] === undefined)) return undefined;
  const edges = [asleepUs, ...OFF_GAP_BINS_US.filter((b) => b > asleepUs)];
  const bins: OffpathBin[] = edges.slice(0, -1).map((lo, i) => ({ loUs: lo, hiUs: edges[i + 1]!, offUs: 0, gaps: 0, gapsUs: [] }));
  let baseSum = 0;
  let baseN = 0;
  for (let i = 1; i < turns.length; i++) {
    const t = turns[i]!;
    if (!windows.some((w) => inWin(t[0], w))) continue;
    const p = turns[i - 1]!;
    const gapUs = (t[0] - p[0]) * 1000 - p[1];
    const offUs = t[6]! - p[6]! - p[2];
    if (gapUs <= asleepUs) {
      baseSum += offUs;
      baseN++;
      continue;
    }
    const b = bins.find((x) => gapUs < x.hiUs)!;
    b.offUs += offUs;
    b.gaps++;
    b.gapsUs.push(gapUs);
  }
  for (const b of bins) if (b.gaps > 0) b.offUs /= b.gaps;
  return { base: { offUs: baseN > 0 ? baseSum / baseN : 0, gaps: baseN }, bins: bins.filter((b) => b.gaps > 0) };
}

export interface OffpathFit {
  /** The full off-path cost of a wake-up (cpu.offpath_cycles_per_wakeup), us, and its time constant
   *  (cpu.offpath_refill_ms): a gap of g past the linger costs base + offUs (1 - exp(-g / refillMs)). */
  offUs: number;
  refillMs: number;
  /** Off-turn CPU of a gap without a sleep, us (left on the path, per handshake). */
  baseUs: number;
  /** Gap-weighted rms residual of the bins, us; the bins used. */
  rmsUs: number;
  bins: number;
}

/** (off - base) = O (1 - exp(-gap / tau)) through the bins (fitRefill, each bin weighted by its gaps). Undefined
 *  when no tau gives O > 0. */
export function fitOffpath(p: OffpathProfile, taus: readonly number[]): OffpathFit | undefined {
  const base = p.base.offUs;
  const f = fitRefill(p.bins.map((b) => b.offUs - base), p.bins.map((b) => b.gaps), p.bins.map((b) => b.gapsUs), taus);
  return f && { offUs: f.w, refillMs: f.tau, baseUs: base, rmsUs: f.rms, bins: p.bins.length };
}

/** Per window, ms: the off-path CPU the fit books for the gaps past `asleepUs` before its turns (the model's
 *  wake-ups), O (1 - exp(-gap / tau)) each (the first turn recorded has no gap measured: nothing). */
export function offpathCpuInGaps(turns: readonly Turn[], windows: readonly Window[], f: OffpathFit, asleepUs: number): number[] {
  return afterGaps(turns, windows, asleepUs, false, (g) => (Number.isFinite(g) ? f.offUs * refill(g, f.refillMs) : 0));
}
