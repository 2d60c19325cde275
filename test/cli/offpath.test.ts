// The real server's CPU split into on-path (inside its event-loop turns) and off-path (the rest of the kernel's
// total), and the on-path wake-up cost from the turns themselves (src/cli/calibrate/offpath.ts, splitFit in
// src/cli/calibrate/server.ts). Expectations by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AWAKE_GAP_US, fitOffpath, fitPenalty, gapsBefore, offpathCpuInGaps, offpathProfile, penaltyProfile, turnKind, wakeupCpuInTurns, wakeupPenalty, windowTurns } from '../../src/cli/calibrate/offpath.ts';
import { MIN_SLEPT_SPREAD, ON_PATH_TAUS_MS, REFILL_GRID_MS, offpathLine, onPathLine, splitFit, type BatchFigures, type ServerFit } from '../../src/cli/calibrate/server.ts';
import type { TurnStatsFile } from '../../src/cli/demo-turns.ts';
import type { Window } from '../../src/cli/calibrate/variability.ts';

type Turn = TurnStatsFile['turns'][number];
const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

// one batch [1000, 2000] epoch ms. Turns [start ms, wall us, cpu us, bytes in, bytes out, flight]:
//   1100.000: flight kind, first turn (gap infinite: slept), 300 us CPU, wall 300 us (ends 1100.300)
//   1100.310: 'X' kind (200 in / 100 out), gap 10 us (awake), 100 us CPU, wall 100 (ends 1100.410)
//   1105.410: 'X', gap 5000 us (slept), 250 us CPU, wall 250 (ends 1105.660)
//   1105.680: flight, gap 20 us (awake), 200 us CPU, wall 200 (ends 1105.880)
//   1106.080: 'X', gap 200 us (neither side of the 1 ms / 30 us split), 130 us CPU, wall 130
//   1200.000: a timer turn (0 bytes in): no kind, 50 us CPU
//   3000.000: outside the batch
const turns: Turn[] = [
  [1100, 300, 300, 250, 900, 1],
  [1100.31, 100, 100, 200, 100, 0],
  [1105.41, 250, 250, 200, 100, 0],
  [1105.68, 200, 200, 250, 900, 1],
  [1106.08, 130, 130, 200, 100, 0],
  [1200, 50, 50, 0, 80, 0],
  [3000, 999, 999, 200, 100, 0],
];
const windows: Window[] = [{ startEpochMs: 1000, endEpochMs: 2000, cpuS: 0.002 }];

test('turnKind and gapsBefore', () => {
  assert.is(turnKind(turns[0]!), 'flight');
  assert.is(turnKind(turns[1]!), '200/100');
  assert.is(turnKind(turns[5]!), undefined);
  const g = gapsBefore(turns);
  assert.is(g[0], Number.POSITIVE_INFINITY);
  near(g[1]!, 10, 'gap 1');
  near(g[2]!, 5000, 'gap 2');
  near(g[3]!, 20, 'gap 3');
  near(g[4]!, 200, 'gap 4');
});

test('windowTurns: CPU inside the turns of the batch, and the turns after a sleep of at least 1 ms', () => {
  const [w] = windowTurns(turns, windows);
  near(w!.inTurnMs, (300 + 100 + 250 + 200 + 130 + 50) / 1000, 'in-turn ms');
  assert.is(w!.turns, 6);
  assert.is(w!.sleptTurns, 3); // the first turn, the one after 5 ms and the timer (94 ms after the turn before)
});

test('wakeupPenalty: slept minus awake turns of the same kind, pooled nS nA / (nS + nA)', () => {
  // flight: slept [300], awake [200] -> +100, weight 1/2; 'X': slept [250], awake [100] -> +150, weight 1/2
  const p = wakeupPenalty(turns, windows);
  near(p.penaltyUs, 125, 'penalty');
  assert.is(p.cells, 2);
  assert.is(p.sleptTurns, 2);
  assert.is(p.awakeTurns, 2);
  // a collection starting inside the 'X' slept turn leaves that cell out: flight alone, +100
  near(wakeupPenalty(turns, windows, (t0) => t0 > 1105 && t0 < 1105.5).penaltyUs, 100, 'without the GC turn');
  assert.ok(AWAKE_GAP_US < 200);
  // every turn after more than 80 us (the model's wake-ups past its linger; what calibrate charges per wake-up):
  // flight [300] vs [200]: +100, weight 1/2; 'X' after 5 ms and 200 us [250, 130] (mean 190) vs [100]: +90,
  // weight 2 x 1 / 3 = 2/3; pooled (50 + 60) / (7/6)
  const past = wakeupPenalty(turns, windows, undefined, 80);
  near(past.penaltyUs, 110 / (7 / 6), 'pooled past the linger');
  assert.is(past.sleptTurns, 3);
});

test('penaltyProfile and fitPenalty: W (1 - exp(-gap / tau)) through the bins by the sleep', () => {
  const bins = penaltyProfile(turns, windows);
  // 'X' after 200 us: +30 over the awake 100 (bin 100..300); 'X' after 5 ms: +150 (bin 3000..10000); the first
  // flight (infinite gap): +100 (last bin)
  assert.equal(bins.map((b) => [b.loUs, b.penaltyUs, b.sleptTurns]), [[100, 30, 1], [3000, 150, 1], [10_000, 100, 1]]);
  // tau 0: every bin at W, W = the weighted mean of the penalties (weights 1): 280 / 3
  const f0 = fitPenalty(bins, [0])!;
  near(f0.wakeupUs, 280 / 3, 'W at tau 0');
  // tau 1 ms: shares r = 1 - e^-0.2, 1 - e^-5, 1; W = sum(p r) / sum(r^2)
  const r = [1 - Math.exp(-0.2), 1 - Math.exp(-5), 1];
  const p = [30, 150, 100];
  const f1 = fitPenalty(bins, [1])!;
  near(f1.wakeupUs, (p[0]! * r[0]! + p[1]! * r[1]! + p[2]! * r[2]!) / (r[0]! ** 2 + r[1]! ** 2 + r[2]! ** 2), 'W at tau 1');
  // of the two, the smaller residual wins
  const pick = fitPenalty(bins, [0, 1])!;
  assert.is(pick.refillMs, f1.rmsUs < f0.rmsUs ? 1 : 0);
  assert.is(fitPenalty([], [0]), undefined);
  // on-path wake-up CPU in the turns: datagram turns after gaps above 79 us: the first (infinite: W), 5 ms, 200 us
  const w = wakeupCpuInTurns(turns, windows, { wakeupUs: 100, refillMs: 1, rmsUs: 0, bins: 3 }, 79);
  near(w[0]!, (100 + 100 * (1 - Math.exp(-5)) + 100 * (1 - Math.exp(-0.2))) / 1000, 'wake-up ms in turns');
});

const b = (cpu: number, inTurn: number, wk: number, inTurnWakeup: number): BatchFigures =>
  ({ cpuMsPerHandshake: cpu, inTurnMsPerHandshake: inTurn, wakeupsPerHandshake: wk, inTurnWakeupMsPerHandshake: inTurnWakeup, retransmissionsPerHandshake: 0, otherLoadServerCore: 0, coreShare: 1 });
const total: ServerFit = { batches: 3, wakeupMs: 0.5, handshakeMs: 3, echoMs: 0.3, echoWakeups: 1, refillMs: 2, rmsMs: 0.1, wakeupsMin: 1, wakeupsMax: 3 };

test('splitFit: off-path = a + O x wake-ups; on-path per handshake = in-turn less its wake-ups, a added', () => {
  // in turns 3.2 ms + 0.15 per wake-up; outside 0.1 + 0.3 per wake-up, at 1, 2 and 3 wake-ups
  const pts = [1, 2, 3].map((w) => b(3.2 + 0.15 * w + 0.1 + 0.3 * w, 3.2 + 0.15 * w, w, 0.15 * w));
  const f = splitFit(total, pts, 0.15, 1);
  near(f.split!.offWakeupMs, 0.3, 'O');
  near(f.split!.offHandshakeMs, 0.1, 'a');
  near(f.split!.onHandshakeMs, 3.2, 'H on');
  near(f.handshakeMs, 3.3, 'H on + a');
  near(f.wakeupMs, 0.15, 'W on'); assert.is(f.split!.onFrom, 'line');
  assert.is(f.refillMs, 1);
  assert.is(f.split!.total.wakeupMs, 0.5);
  near(f.split!.offRmsMs, 0, 'rms');
  // a negative intercept: the line through the origin, O = sum(x y) / sum(x^2)
  const neg = [1, 2, 3].map((w) => b(3 + (0.4 * w - 0.2), 3, w, 0));
  const g = splitFit(total, neg, 0.1, 0);
  assert.is(g.split!.offHandshakeMs, 0);
  near(g.split!.offWakeupMs, (1 * 0.2 + 2 * 0.6 + 3 * 1.0) / (1 + 4 + 9), 'O through the origin');
  // off-path falling with the wake-ups: none per wake-up, a = the mean
  const fall = [1, 2, 3].map((w) => b(3 + (1 - 0.1 * w), 3, w, 0));
  const h = splitFit(total, fall, 0.1, 0);
  assert.is(h.split!.offWakeupMs, 0);
  near(h.split!.offHandshakeMs, 0.8, 'a = mean');
});

test('splitFit: the on-path line through the batches, not the turn penalty, sets H and W; the penalty when the line is refused', () => {
  // in-turn CPU per handshake 3.3 + 0.25 x slept turns at 0.3, 2 and 2.1 slept turns; the penalty says 0.4 ms per
  // slept turn (inTurnWakeup = 0.4 s): it would leave H = mean(3.3 + 0.25 s - 0.4 s) = 3.3 - 0.15 x mean(s)
  const slept = [0.3, 2, 2.1];
  const pts = slept.map((s) => b(3.3 + 0.25 * s + 0.2 + 0.3 * s, 3.3 + 0.25 * s, s, 0.4 * s));
  const f = splitFit(total, pts, 0.4, 1);
  assert.is(f.split!.onFrom, 'line');
  near(f.split!.onHandshakeMs, 3.3, 'H on from the line');
  near(f.wakeupMs, 0.25, 'W on from the line');
  near(f.split!.penalty.handshakeMs, 3.3 - 0.15 * (0.3 + 2 + 2.1) / 3, 'the penalty estimate, reported');
  assert.is(f.split!.penalty.wakeupMs, 0.4);
  near(f.handshakeMs, 3.3 + 0.2, 'H on + a');
  const line = onPathLine(pts, 0.4)!;
  near(line.rmsMs, 0, 'rms');
  // slept turns spanning less than MIN_SLEPT_SPREAD: refused, the penalty's figures
  const narrow = [1.9, 2, 2.1].map((s) => b(3.3 + 0.25 * s + 0.2 + 0.3 * s, 3.3 + 0.25 * s, s, 0.4 * s));
  assert.ok(2.1 - 1.9 < MIN_SLEPT_SPREAD);
  const g = splitFit(total, narrow, 0.4, 1);
  assert.is(g.split!.onFrom, 'penalty');
  assert.is(g.wakeupMs, 0.4);
  near(g.split!.onHandshakeMs, 3.3 - 0.15 * 2, 'H on from the penalty');
  // in-turn CPU falling with the slept turns: refused
  assert.is(onPathLine(slept.map((s) => b(4, 4 - 0.1 * s, s, 0.4 * s)), 0.4), undefined);
  // no penalty W: nothing to weight the slept turns with
  assert.is(onPathLine(pts, 0), undefined);
});

test('onPathLine: with every candidate tau\'s weighted slept turns, the tau whose line fits the batches best, and its H and W', () => {
  // five batches, each handshake's slept turns after these sleeps (ms); bursts: one slept turn per 10 handshakes
  // after 250 ms, written as a fraction. In-turn CPU per handshake = 2.8 + 0.5 x sum of 1 - exp(-sleep / 5.66 ms).
  const sleeps: [number, number][][] = [
    [[50, 1], [1.5, 1], [1.5, 1]], [[25, 1], [1.5, 1], [1.5, 1]], [[12, 1], [1.5, 1], [1.5, 1]],
    [[6, 1], [1.2, 1], [1.2, 1]], [[250, 0.1], [0.5, 0.3]],
  ];
  const w = (sl: number, tau: number) => (tau > 0 ? 1 - Math.exp(-sl / tau) : 1);
  const trueTau = REFILL_GRID_MS[9]!;
  assert.is(trueTau, 5.66);
  const pts = sleeps.map((bs): BatchFigures => ({
    ...b(0, 2.8 + 0.5 * bs.reduce((acc, [sl, n]) => acc + n * w(sl, trueTau), 0), bs.reduce((acc, [, n]) => acc + n, 0), 0),
    sleptRefillPerHandshake: ON_PATH_TAUS_MS.map((tau) => bs.reduce((acc, [sl, n]) => acc + n * w(sl, tau), 0)),
  }));
  const f = onPathLine(pts, 0.4, 0)!;
  assert.is(f.refillMs, trueTau);
  near(f.wakeupMs, 0.5, 'W');
  near(f.handshakeMs, 2.8, 'H');
  near(f.rmsMs, 0, 'rms');
  // splitFit takes the line's tau for cpu.wakeup_refill_ms, not the penalty's
  const g = splitFit(total, pts.map((p) => ({ ...p, cpuMsPerHandshake: p.inTurnMsPerHandshake! + 0.3, inTurnWakeupMsPerHandshake: 0.2 })), 0.4, 1);
  assert.is(g.split!.onFrom, 'line');
  assert.is(g.refillMs, trueTau);
  // every candidate's batches within MIN_WEIGHTED_SPREAD of one another: refused (the penalty's figures then)
  const flat = pts.map((p) => ({ ...p, sleptRefillPerHandshake: ON_PATH_TAUS_MS.map(() => 1) }));
  assert.is(onPathLine(flat, 0.4, 0), undefined);
});

test('splitFit: off-path per wake-up weighted by the share its sleep earns when that line fits better (offpath_refill_ms)', () => {
  // three batches: 3 wake-ups after long sleeps (share 1), 3 after short ones (share 0.4), 1 (share 1); 2 slept
  // turns per handshake in each (the penalty's wake-up CPU = 0.2 ms x 2 x share); off-path = 0.3 + 0.35 x wake-ups x share
  const rows = [[3, 1], [3, 0.4], [1, 1]] as const;
  const pts = rows.map(([wk, sh]) => ({ ...b(3.5 + 0.3 + 0.35 * wk * sh, 3.5, wk, 0.2 * 2 * sh), sleptTurnsPerHandshake: 2 }));
  const f = splitFit(total, pts, 0.2, 2.5);
  assert.is(f.split!.offRefillMs, 2.5);
  near(f.split!.offWakeupMs, 0.35, 'O');
  near(f.split!.offHandshakeMs, 0.3, 'a');
  near(f.split!.offRmsMs, 0, 'rms');
  assert.ok(f.split!.offPlainRmsMs > 0.05, `every wake-up at the full cost leaves ${f.split!.offPlainRmsMs}`);
  // off-path following the plain wake-ups: no refill
  const plain = rows.map(([wk, sh]) => ({ ...b(3.5 + 0.3 + 0.35 * wk, 3.5, wk, 0.2 * 2 * sh), sleptTurnsPerHandshake: 2 }));
  const g = splitFit(total, plain, 0.2, 2.5);
  assert.is(g.split!.offRefillMs, 0);
  near(g.split!.offWakeupMs, 0.35, 'O plain');
  // no refill time constant: nothing to weight with
  assert.is(splitFit(total, pts, 0.2, 0).split!.offRefillMs, 0);
  near(offpathLine([1, 2, 3], [0.5, 0.7, 0.9]).o, 0.2, 'offpathLine slope');
});

test('offpathProfile and fitOffpath: the CPU between turns gap by gap, base + O (1 - exp(-gap / tau)) recovered (synthetic, exact)', () => {
  // turns of 100 us wall and 80 us CPU; gaps cycling through 50 (below the 79 us linger), 200, 600, 1500, 5000 and
  // 20,000 us; the process's CPU between two turns = 40 us + 300 us x (1 - exp(-gap / 2 ms)) past the linger
  const gapsUs = [50, 200, 600, 1500, 5000, 20_000];
  const offOf = (g: number) => (g <= 79 ? 40 : 40 + 300 * (1 - Math.exp(-g / 1000 / 2)));
  const ts: Turn[] = [];
  let startMs = 1000;
  let cpu = 0;
  for (let i = 0; i < 60; i++) {
    ts.push([startMs, 100, 80, 200, 100, 0, cpu]);
    const g = gapsUs[i % gapsUs.length]!;
    cpu += 80 + offOf(g);
    startMs += (100 + g) / 1000;
  }
  const win: Window[] = [{ startEpochMs: 1000, endEpochMs: startMs + 1, cpuS: 0 }];
  const prof = offpathProfile(ts, win, 79)!;
  near(prof.base.offUs, 40, 'base');
  assert.is(prof.base.gaps, 10); // the gap before turns 1, 7, ...: every sixth gap is 50 us (59 gaps in all)
  assert.equal(prof.bins.map((x) => [x.loUs, x.hiUs, x.gaps]), [[79, 300, 10], [300, 1000, 10], [1000, 3000, 10], [3000, 10_000, 10], [10_000, Number.POSITIVE_INFINITY, 9]]);
  const f = fitOffpath(prof, [0, ...REFILL_GRID_MS])!;
  assert.is(f.refillMs, 2);
  near(f.offUs, 300, 'O');
  near(f.rmsUs, 0, 'rms');
  // what the fit books for the gaps past the linger in the window: 300 us x the refill share of each, summed
  let want = 0;
  for (let i = 1; i < ts.length; i++) {
    const g = gapsUs[(i - 1) % gapsUs.length]!;
    if (g > 79) want += 300 * (1 - Math.exp(-g / 1000 / 2));
  }
  near(offpathCpuInGaps(ts, win, f, 79)[0]!, want / 1000, 'booked ms');
  // turn statistics written before the process CPU field: no profile
  assert.is(offpathProfile(turns, win, 79), undefined);
});

test('splitFit: with the gap-by-gap fit, O and its tau from the gaps, a = off-turn CPU less what the fit books', () => {
  // off-turn CPU per handshake 1.0, 0.7, 0.5 ms; the gap fit books 0.75, 0.45, 0.25 ms for their wake-ups: a = 0.25
  const pts = [[1.0, 0.75, 3], [0.7, 0.45, 3], [0.5, 0.25, 1]].map(([off, booked, wk]) => ({ ...b(3.5 + off!, 3.5, wk!, 0.4), sleptTurnsPerHandshake: 2, offWakeupMsPerHandshake: booked }));
  const gap = { offUs: 320, refillMs: 2.83, baseUs: 40, rmsUs: 5, bins: 5 };
  const f = splitFit(total, pts, 0.2, 0.5, gap);
  assert.is(f.split!.offFrom, 'gaps');
  assert.is(f.split!.offRefillMs, 2.83);
  near(f.split!.offWakeupMs, 0.32, 'O');
  near(f.split!.offHandshakeMs, 0.25, 'a');
  near(f.split!.offRmsMs, 0, 'rms');
  // without the per-batch bookings (old turn statistics): the batch totals' line
  assert.is(splitFit(total, pts.map(({ offWakeupMsPerHandshake: _, ...p }) => p), 0.2, 0.5, gap).split!.offFrom, 'line');
});

test.run();
