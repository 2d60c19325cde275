// One round of the calibration batches A, B, C, D (./server.ts) on a running server, and the measurement the fit
// reads from any set of rounds: their batch figures and, from the server's turn statistics over exactly their time
// windows, the variability, the turn penalty after a sleep and its fit. Rounds are kept apart so that a caller can
// fit from rounds run at different times on one server: `npm run validate -- loopback --bracket` fits each load from
// the rounds just before and just after it (src/cli/validate/loopback.ts).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WARMUP, runLoadAgainst, startServer, warmUp, type LoadRun, type Priority, type ServerHandle } from '../loopback/measure.ts';
import { AWAKE_GAP_US, fitOffpath, fitPenalty, offpathCpuInGaps, offpathProfile, penaltyProfile, sleptRefillByTau, sortedTurns, wakeupCpuInTurns, wakeupPenalty, windowTurns } from './offpath.ts';
import { ON_PATH_TAUS_MS, REFILL_GRID_MS, type BatchFigures, type ServerMeasurement } from './server.ts';
import { analyseTurns, gcWithin, readTurnStats, type Window } from './variability.ts';
import { SPEED_PROBE_MS, probeMedianUs } from '../speed-probe.ts';

export const figures = (r: LoadRun): BatchFigures => ({
  handshakes: r.summary.handshakes.completed,
  sleepMsPerWakeup: sleepPerWakeupMs(r),
  cpuMsPerHandshake: r.serverCpuMsPerHandshake,
  wakeupsPerHandshake: r.wakeupsPerHandshake,
  retransmissionsPerHandshake: r.summary.handshakes.retransmissions / Math.max(1, r.summary.handshakes.completed),
  otherLoadServerCore: r.otherLoadServerCore,
  coreShare: r.serverCoreShare,
});

/** Mean time the server slept per wake-up over a run, ms (NaN-free: 0 without wake-ups). */
export function sleepPerWakeupMs(r: LoadRun): number {
  const hs = Math.max(1, r.summary.handshakes.completed);
  const wakeups = r.wakeupsPerHandshake * hs;
  const asleepS = r.summary.window_s - r.serverCpuS - (r.runQueueWaitMsPerHandshake * hs) / 1000;
  return wakeups > 0 ? Math.max(0, (asleepS * 1000) / wakeups) : 0;
}

/** `asleepUs`: the model's linger (cpu.wakeup_linger_us): a turn after a longer gap is one of its wake-ups. */
export interface BatchOptions { reps: number; log: (s: string) => void; ca: string; priority?: Priority; asleepUs?: number }

/** Starts a server, warms it up, measures the batches on it (runBatches), stops it. */
export async function measureServer(
  root: string, crypto: 'node' | 'noble', opts: BatchOptions & { cert: string; key: string },
): Promise<ServerMeasurement> {
  const priority = opts.priority ?? 'none';
  const tmp = mkdtempSync(join(tmpdir(), 'calibrate-turns-'));
  const turnStats = join(tmp, 'turns.json');
  // the speed probe on: the batches' host speed (ServerMeasurement.probe), which `validate -- loopback` compares with
  // each repetition's to price the crypto at the repetition's speed
  const server = await startServer({ root, crypto, cookie: true, serverCore: 0, cert: opts.cert, key: opts.key, priority, turnStats, speedProbeMs: SPEED_PROBE_MS });
  try {
    opts.log(`warm-up of the server (${WARMUP.clients} handshakes at ${WARMUP.rate}/s)`);
    await warmUp(root, server, { ca: opts.ca, priority });
    return await runBatches(root, crypto, server, turnStats, opts);
  } finally {
    await server.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Asks a running server (started with `turnStats`) for its turn statistics so far (SIGUSR2) and waits for them. */
export async function requestTurnStats(server: ServerHandle, turnStats: string, timeoutMs = 20000): Promise<void> {
  rmSync(turnStats, { force: true });
  server.child.kill('SIGUSR2');
  const t0 = performance.now();
  while (!existsSync(turnStats)) {
    if (performance.now() - t0 > timeoutMs) throw new Error('the server wrote no turn statistics');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The calibration batches on a running, warm server that records its turns to `turnStats`. */
export async function runBatches(root: string, crypto: 'node' | 'noble', server: ServerHandle, turnStats: string, opts: BatchOptions): Promise<ServerMeasurement> {
  const rounds: Round[] = [];
  for (let rep = 0; rep < opts.reps; rep++) rounds.push(await runRound(root, server, opts, rep + 1, `rep ${rep + 1}/${opts.reps}`));
  return await analyseRounds(crypto, rounds, server, turnStats, opts);
}

/** The four batches (see ./server.ts). */
export const BATCHES = {
  a: { clients: 60, rate: 20 },
  b: { clients: 30, rate: 20, echoes: 10 },
  c: { clients: 160, rate: 80 },
  d: { clients: 80, rate: 40, burst: 10 },
  // a burst of 40 every 0.25 s keeps a ~300/s server busy for about half of each 250 ms: 0.06-0.24 slept turns per
  // handshake against 0.17-0.33 in D (loopback-44; its kernel wake-ups 0.8-1.7, the generator trickling the later
  // flights in): a point near the on-path line's intercept, which sets the model's saturated rate, instead of an
  // extrapolation from D (loopback-43: the saturated server's CPU per handshake 3.04-3.36 ms, the model's
  // 3.05-3.19, D's 3.45-4.02)
  e: { clients: 160, rate: 160, burst: 40 },
} as const;

/** One round: each batch's figures and its time window on the server (the server's CPU time in it). */
export interface Round {
  a: BatchFigures;
  b: BatchFigures;
  c: BatchFigures;
  d: BatchFigures;
  e: BatchFigures;
  /** Windows of a, b, c, d, e in that order. */
  windows: Window[];
}

/** Runs A, B, C, D, E once (clients seeded with `seed`) and logs the round under `label`. */
export async function runRound(root: string, server: ServerHandle, opts: BatchOptions, seed: number, label: string): Promise<Round> {
  const { a, b, c, d, e } = BATCHES;
  const priority = opts.priority ?? 'none';
  const windows: Window[] = [];
  const run = async (clients: number, rate: number, records: number, burst = 0) => {
    const startEpochMs = performance.timeOrigin + performance.now();
    const r = await runLoadAgainst(root, server, 1, 0, { clients, rate, records, size: 100, ca: opts.ca, seed, arrival: burst > 0 ? 'burst' : 'constant', burst: Math.max(1, burst), priority });
    windows.push({ startEpochMs, endEpochMs: performance.timeOrigin + performance.now(), cpuS: r.serverCpuS });
    return figures(r);
  };
  const ra = await run(a.clients, a.rate, 1);
  const rb = await run(b.clients, b.rate, 1 + b.echoes);
  const rc = await run(c.clients, c.rate, 1);
  const rd = await run(d.clients, d.rate, 1, d.burst);
  const re = await run(e.clients, e.rate, 1, e.burst);
  opts.log(`${label}: ${ra.cpuMsPerHandshake.toFixed(2)} ms/handshake (${ra.wakeupsPerHandshake.toFixed(2)} wake-ups) at ${a.rate}/s; ` +
    `${rb.cpuMsPerHandshake.toFixed(2)} with ${b.echoes} more echoes; ${rc.cpuMsPerHandshake.toFixed(2)} (${rc.wakeupsPerHandshake.toFixed(2)} wake-ups) at ${c.rate}/s; ` +
    `${rd.cpuMsPerHandshake.toFixed(2)} (${rd.wakeupsPerHandshake.toFixed(2)} wake-ups) in bursts of ${d.burst} at ${d.rate}/s (server core share ${rd.coreShare.toFixed(2)}); ` +
    `${re.cpuMsPerHandshake.toFixed(2)} (${re.wakeupsPerHandshake.toFixed(2)} wake-ups) in bursts of ${e.burst} at ${e.rate}/s`);
  return { a: ra, b: rb, c: rc, d: rd, e: re, windows };
}

/**
 * The measurement of `rounds` (in the order run): their batch figures, copied (a round may enter several
 * measurements, and the turn figures below depend on the set), and the server's turn statistics, fetched now, over
 * their windows only. Without turn statistics the measurement has the batch figures alone (logged).
 */
export async function analyseRounds(crypto: 'node' | 'noble', rounds: readonly Round[], server: ServerHandle, turnStats: string, opts: BatchOptions): Promise<ServerMeasurement> {
  const { a, b, c, d, e } = BATCHES;
  const copy = (f: BatchFigures): BatchFigures => ({ ...f });
  const m: ServerMeasurement = {
    crypto, reps: rounds.length,
    a: { ...a, batches: rounds.map((r) => copy(r.a)) }, b: { ...b, batches: rounds.map((r) => copy(r.b)) },
    c: { ...c, batches: rounds.map((r) => copy(r.c)) }, d: { ...d, batches: rounds.map((r) => copy(r.d)) },
    e: { ...e, batches: rounds.map((r) => copy(r.e)) },
  };
  // batches and windows in the order run
  const batches: BatchFigures[] = rounds.flatMap((_, i) => [m.a.batches[i]!, m.b.batches[i]!, m.c.batches[i]!, m.d.batches[i]!, m.e!.batches[i]!]);
  const windows: Window[] = rounds.flatMap((r) => r.windows);
  try {
    await requestTurnStats(server, turnStats);
    const data = readTurnStats(turnStats);
    m.variability = analyseTurns(data, windows);
    const inBatches = (data.probes ?? []).filter((s) => windows.some((w) => s[0] >= w.startEpochMs && s[0] <= w.endEpochMs));
    if (inBatches.length > 0) m.probe = probeMedianUs(inBatches, -Infinity, Infinity);
    const v = m.variability;
    opts.log(`server variability: ${v.minorGcs} scavenges (mean pause ${(v.minorPauseUs / 1000).toFixed(2)} ms, one per ${v.cpuMsPerMinorGc.toFixed(1)} ms CPU), ${v.majorGcs} mark-compacts; ` +
      `handshake turn ${(v.flightCpuUs / 1000).toFixed(2)} ms CPU (p10/50/90/99 ${v.flightQuantilesUs.map((x) => (x / 1000).toFixed(2)).join('/')}), cv within batches ${v.flightCv.toFixed(2)} over ${v.flightTurns} turns without a collection`);
    const turns = sortedTurns(data);
    const sleptByTau = sleptRefillByTau(turns, windows, opts.asleepUs ?? 0, ON_PATH_TAUS_MS);
    windowTurns(turns, windows).forEach((w, i) => {
      const hs = Math.max(1, batches[i]!.handshakes ?? 0);
      batches[i]!.inTurnMsPerHandshake = w.inTurnMs / hs;
      batches[i]!.sleptTurnsPerHandshake = w.sleptTurns / hs;
      batches[i]!.sleptRefillPerHandshake = sleptByTau[i]!.map((x) => x / hs);
    });
    const gc = gcWithin(data.gcs.map((g) => g[0]));
    m.penalty = wakeupPenalty(turns, windows, gc);
    const bins = penaltyProfile(turns, windows, gc);
    m.profile = bins.map(({ gapsUs: _, ...bin }) => bin);
    // the model's wake-up cost: W (1 - exp(-gap / tau)) through the bins of the sleep before the turn (the penalty
    // grows with the sleep: 2026-12-05 12:23-12:56, 35-110 us after 30-300 us, 190-280 us after more than 3 ms).
    // The pooled penalty of every turn past the linger (one cost, tau 0) is reported beside it: dominated by the
    // many short gaps, it left the long sleeps' cost in the handshake figure (3.18 ms in turns vs 3.0 saturated)
    m.penaltyFit = fitPenalty(bins, [0, ...REFILL_GRID_MS]);
    const asleep = wakeupPenalty(turns, windows, gc, Math.max(AWAKE_GAP_US + 1, opts.asleepUs ?? 0));
    if (m.penaltyFit !== undefined) {
      wakeupCpuInTurns(turns, windows, m.penaltyFit, opts.asleepUs ?? 0).forEach((ms, i) => (batches[i]!.inTurnWakeupMsPerHandshake = ms / Math.max(1, batches[i]!.handshakes ?? 0)));
    }
    opts.log(`turn penalty after a sleep by its length: ${bins.map((x) => `${x.loUs}..${x.hiUs} us ${x.penaltyUs.toFixed(0)} (${x.sleptTurns})`).join(', ')}; ` +
      (m.penaltyFit ? `through them W ${m.penaltyFit.wakeupUs.toFixed(1)} us, tau ${m.penaltyFit.refillMs} ms (rms ${m.penaltyFit.rmsUs.toFixed(1)} us)` : 'no fit') +
      `; every turn after more than the linger pooled: ${asleep.penaltyUs.toFixed(1)} us (${asleep.cells} cells, ${asleep.sleptTurns}/${asleep.awakeTurns} turns; reported only)`);
    m.pooledPenaltyUs = asleep.penaltyUs;
    // the off-path CPU gap by gap (the process's CPU between turns), against the length of the gap
    const op = offpathProfile(turns, windows, opts.asleepUs ?? 0);
    if (op) {
      m.offpathFit = fitOffpath(op, [0, ...REFILL_GRID_MS]);
      const f = m.offpathFit;
      if (f) offpathCpuInGaps(turns, windows, f, opts.asleepUs ?? 0).forEach((ms, i) => (batches[i]!.offWakeupMsPerHandshake = ms / Math.max(1, batches[i]!.handshakes ?? 0)));
      opts.log(`off-turn CPU per gap by its length: up to the linger ${op.base.offUs.toFixed(0)} us (${op.base.gaps}), ${op.bins.map((x) => `${x.loUs}..${x.hiUs} us ${x.offUs.toFixed(0)} (${x.gaps})`).join(', ')}; ` +
        (f ? `through them ${f.offUs.toFixed(1)} us per wake-up above the ${f.baseUs.toFixed(1)} us of any gap, tau ${f.refillMs} ms (rms ${f.rmsUs.toFixed(1)} us)` : 'no fit'));
    }
    opts.log(`turns: in-turn CPU per handshake ${batches.map((x) => `${x.inTurnMsPerHandshake!.toFixed(2)}/${x.cpuMsPerHandshake.toFixed(2)} (${x.sleptTurnsPerHandshake!.toFixed(2)}/${x.wakeupsPerHandshake.toFixed(2)})`).join(' ')} [in turns/all ms (slept turns/wake-ups)]; ` +
      `a turn after a sleep costs ${m.penalty.penaltyUs.toFixed(1)} us more (${m.penalty.cells} cells, ${m.penalty.sleptTurns}/${m.penalty.awakeTurns} turns)`);
  } catch (e) {
    opts.log(`no turn statistics from the server: ${(e as Error).message}`);
  }
  return m;
}
