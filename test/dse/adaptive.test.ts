// Adaptive search (successive halving, src/dse/adaptive.ts) on a synthetic objective with a known optimum:
// a closed-form record p99 latency of (AEAD instances, clock) with seeded noise that grows as the run gets
// shorter (fewer clients), an area that grows with instances x clock, and one SLA on the p99. The optimum is
// computed here from the formula, independently of the DSE code; the grid sweep and the adaptive search must both
// find it, the adaptive one for at most 30 % of the grid's cost. Also: schedule arithmetic, resume after a crash,
// and concurrent shards sharing one store.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aggregate } from '../../src/dse/aggregate.ts';
import { candidateCount, candidatePoints, fidelityOverrides, rankPoints, rungShapes, runAdaptive, scheduleCost } from '../../src/dse/adaptive.ts';
import type { PointResult } from '../../src/dse/aggregate.ts';
import { loadSweep } from '../../src/dse/load.ts';
import type { RunOutcome } from '../../src/dse/metrics.ts';
import { buildPlan, pointOverrides, splitOverrides } from '../../src/dse/plan.ts';
import { runPlan } from '../../src/dse/run.ts';
import type { EvalTask, Evaluator } from '../../src/dse/run.ts';
import { memoryStore } from '../../src/dse/store.ts';
import type { Sweep } from '../../src/dse/sweep.ts';
import type { Scenario } from '../../src/workload/config/index.ts';
import { Rng } from '../../src/sim/random.ts';

const FILE = 'test/dse/fixtures/adaptive-synthetic.yaml';
const LIMIT_US = 80; // the fixture's SLA
const BASE_CLIENTS = 81; // the fixture's override: rungs at 1/81 ... 1 of it have 1, 3, 9, 27, 81 clients

/** Noise-free p99 (us) of the synthetic model. */
function p99(n: number, clk: number): number {
  const service = 900 / clk;
  const util = Math.min(0.99, 320 / (n * clk));
  return service * (1 + util / (1 - util)) + 50;
}
const area = (n: number, clk: number) => 0.5 + 0.05 * n * (clk / 1000);

function outcome(task: EvalTask): RunOutcome {
  const m = task.model as { aead: { instances: number; clock_mhz: number } };
  const clients = (task.scenario as { clients: { count: number } }).clients.count;
  const { instances: n, clock_mhz: clk } = m.aead;
  // +-2 % at full length (81 clients), wider on shorter runs: +-2 % x sqrt(81 / clients), +-18 % on 1 client
  const amp = 0.04 * Math.sqrt(BASE_CLIENTS / clients);
  const u = new Rng(task.seed).stream(`adaptive-test/${n}/${clk}/${clients}`).next();
  return {
    metrics: { 'record_latency_us.p99': p99(n, clk) * (1 + amp * (u - 0.5)), 'cost.area_mm2': area(n, clk), 'sim_clients': clients },
    sla: [],
    waits: {},
  };
}

function counting(failAfter = Infinity): { evaluate: Evaluator; runs: EvalTask[] } {
  const runs: EvalTask[] = [];
  return {
    runs,
    evaluate: async (t) => {
      if (runs.length >= failAfter) throw new Error('simulated crash');
      runs.push(t);
      await new Promise((r) => setImmediate(r));
      return outcome(t);
    },
  };
}

const loaded = loadSweep(FILE, (p) => readFileSync(p, 'utf8'));
const withStrategy = (strategy: Sweep['strategy']): Sweep => ({ ...loaded.sweep, strategy });
const opts = (sweep: Sweep) => ({ sweep, name: 'adaptive-synthetic', codeVersion: 'test', materialize: loaded.materialize, jobs: 2 });

/** The known optimum: the cheapest grid point whose p99 stays below the limit even with noise and a 3-run CI. */
function knownOptimum(): { n: number; clk: number } {
  const clocks = [...new Set(Array.from({ length: 12 }, (_, k) => Math.round(130 * (1700 / 130) ** (k / 11))))];
  let best: { n: number; clk: number; cost: number } | undefined;
  for (let n = 1; n <= 16; n++) {
    for (const clk of clocks) {
      const v = p99(n, clk);
      // 3 replications of +-1 %: the 95 % CI's upper end stays within +4 % of the noise-free value. Points between
      // -1 % and +4 % of the limit would make the answer depend on the seeds: the limit is chosen so there are none.
      assert.ok(v * 1.04 <= LIMIT_US || v * 0.99 > LIMIT_US, `(${n}, ${clk}) too close to the limit`);
      if (v * 1.04 <= LIMIT_US && (!best || area(n, clk) < best.cost)) best = { n, clk, cost: area(n, clk) };
    }
  }
  return best!;
}

test('schedule: rung sizes shrink by eta down to the finalists, fidelity eta^(r-R), cost in full-length runs', () => {
  const s = { eta: 3, finalists: 3, scaled: true };
  const shapes = rungShapes(20, s, 3);
  assert.equal(shapes.map((r) => r.points), [20, 7, 3]);
  assert.equal(shapes.map((r) => r.replications), [1, 1, 3]);
  assert.equal(shapes.map((r) => r.fidelity), [1 / 9, 1 / 3, 1]);
  assert.ok(Math.abs(scheduleCost(shapes) - (20 / 9 + 7 / 3 + 9)) < 1e-12);
  assert.equal(rungShapes(2, s, 3), [{ points: 2, fidelity: 1, replications: 3 }]);
  // Without fidelity fields every rung runs full length: 20 + 7 + 9 = 36 > 18, so the budget cuts candidates.
  const plain = { eta: 3, finalists: 3, scaled: false };
  assert.is(scheduleCost(rungShapes(20, plain, 3)), 36);
  const n = candidateCount(20, 18, plain, 3);
  assert.ok(scheduleCost(rungShapes(n, plain, 3)) <= 18 && scheduleCost(rungShapes(n + 1, plain, 3)) > 18);
  assert.equal(rungShapes(1, plain, 3), [{ points: 1, fidelity: 1, replications: 3 }]);
  assert.is(candidateCount(20, 2.9, plain, 3), 0, 'one point x 3 replications cost 3 > 2.9');
});

test('candidates: a budget below the grid draws distinct grid points (Latin hypercube over each axis)', () => {
  const pts = candidatePoints(loaded.sweep, 50, 192);
  assert.is(pts.length, 50);
  assert.is(new Set(pts.map((p) => JSON.stringify(p))).size, 50);
  const clocks = new Set([130, 164, 207, 262, 331, 418, 528, 667, 843, 1065, 1346, 1700]);
  for (const p of pts) assert.ok(clocks.has(p['aead.clock_mhz'] as number) && Number.isInteger(p['aead.instances']));
  assert.equal(candidatePoints(loaded.sweep, 50, 192), pts, 'same seed, same candidates');
});

test('synthetic objective: grid and adaptive both find the known optimum; adaptive for <= 30 % of the grid cost', async () => {
  const opt = knownOptimum();
  // The grid: every point, every replication.
  const grid = buildPlan(withStrategy({ kind: 'grid' }), opts(loaded.sweep));
  const gstore = memoryStore();
  const g = counting();
  await runPlan({ plan: grid.plan, configs: grid.configs, evaluate: g.evaluate, store: gstore, jobs: 2 });
  const gridRuns = g.runs.length;
  assert.is(gridRuns, 192 * 3);
  const gridRec = aggregate(grid.plan, gstore).recommendation!;
  assert.equal(gridRec.params, { 'aead.instances': opt.n, 'aead.clock_mhz': opt.clk });

  const sweep = withStrategy({ kind: 'adaptive', budget: 0.3 * gridRuns, eta: 3, fidelity: [{ param: 'scenario.clients.count', integer: true }] });
  const a = counting();
  const store = memoryStore();
  const r = await runAdaptive({ ...opts(sweep), store, evaluate: a.evaluate });
  const rec = aggregate(r.plan, store).recommendation!;
  assert.equal(rec.params, gridRec.params);
  // cost: a run on c of the 81 clients counts c / 81 of a full-length run (the fidelity the schedule assumed)
  const cost = a.runs.reduce((s, t) => s + (t.scenario as { clients: { count: number } }).clients.count / BASE_CLIENTS, 0);
  assert.ok(cost <= 0.3 * gridRuns, `cost ${cost}`);
  assert.is(a.runs.length, r.plan.adaptive.runs);
  assert.is(r.plan.adaptive.candidates.length, 192, 'the budget allowed every grid point in rung 0');
  assert.equal(r.plan.adaptive.rungs.map((x) => x.ranking.length), [192, 64, 22, 8, 3]);
  assert.is(r.plan.points.length, 3);
  for (const p of r.plan.points) assert.is(p.runs.length, 3);
  // The finalists' full-length runs have the grid's keys (results are shared between strategies).
  const gridKeys = new Set(grid.plan.points.flatMap((p) => p.runs.map((x) => x.key)));
  for (const p of r.plan.points) for (const x of p.runs) assert.ok(gridKeys.has(x.key));
});

test('budget without fidelity fields: fewer candidates, cost within budget, still a feasible recommendation', async () => {
  const sweep = withStrategy({ kind: 'adaptive', budget: 60, eta: 3, fidelity: [] });
  const a = counting();
  const store = memoryStore();
  const r = await runAdaptive({ ...opts(sweep), store, evaluate: a.evaluate });
  assert.ok(a.runs.length <= 60, `${a.runs.length} runs`);
  assert.ok(r.plan.adaptive.candidates.length < 192);
  const rec = aggregate(r.plan, store).recommendation!;
  assert.ok(p99(rec.params['aead.instances'] as number, rec.params['aead.clock_mhz'] as number) * 1.04 <= LIMIT_US);
});

test('resume: a crash mid-search, then the same search again: only missing runs simulated, same outcome', async () => {
  const sweep = withStrategy({ kind: 'adaptive', budget: 172.8, eta: 3, fidelity: [{ param: 'scenario.clients.count', integer: true }] });
  const ref = counting();
  const refStore = memoryStore();
  const whole = await runAdaptive({ ...opts(sweep), store: refStore, evaluate: ref.evaluate });
  const store = memoryStore();
  const first = counting(250); // dies in rung 1
  try {
    await runAdaptive({ ...opts(sweep), store, evaluate: first.evaluate });
    assert.unreachable('should have crashed');
  } catch (e) {
    assert.match((e as Error).message, /simulated crash/);
  }
  const second = counting();
  const again = await runAdaptive({ ...opts(sweep), store, evaluate: second.evaluate });
  assert.is(first.runs.length + second.runs.length, ref.runs.length);
  assert.is(again.reused, 250);
  assert.equal(again.plan, whole.plan);
  assert.equal(aggregate(again.plan, store).recommendation, aggregate(whole.plan, refStore).recommendation);
});

test('shards: two shards at once on one shared store split each rung and agree with the unsharded search', async () => {
  const sweep = withStrategy({ kind: 'adaptive', budget: 172.8, eta: 3, fidelity: [{ param: 'scenario.clients.count', integer: true }] });
  const ref = counting();
  const whole = await runAdaptive({ ...opts(sweep), store: memoryStore(), evaluate: ref.evaluate });
  const store = memoryStore();
  const s0 = counting();
  const s1 = counting();
  const [a, b] = await Promise.all([
    runAdaptive({ ...opts(sweep), store, evaluate: s0.evaluate, shard: { index: 0, count: 2 } }),
    runAdaptive({ ...opts(sweep), store, evaluate: s1.evaluate, shard: { index: 1, count: 2 } }),
  ]);
  assert.equal(a.plan, whole.plan);
  assert.equal(b.plan, whole.plan);
  assert.ok(s0.runs.length > 0 && s1.runs.length > 0, 'both shards worked');
  // Each simulates its share; a run is duplicated only when a shard helps with a run the other has not stored yet.
  assert.ok(s0.runs.length + s1.runs.length < 1.5 * ref.runs.length, `${s0.runs.length} + ${s1.runs.length} vs ${ref.runs.length}`);
  assert.is(store.keys().length, ref.runs.length);
});

test('ranking failing points: smallest total violation first, a failing target-0 check counting 1, in any input order', () => {
  // violations by hand: index 0 misses by 50 %, index 1 fails a check with target 0 (no relative margin: 1),
  // index 2 misses by 1 %: order 2, 0, 1 whatever the order given (a NaN made the sort depend on it)
  const point = (index: number, margin: number): PointResult => ({
    index, params: {}, replications: 1, planned: 1, metrics: {}, sla_pass: false,
    sla: [{ name: 'x', op: '<=', target: Number.isNaN(margin) ? 0 : 1, unit: '', source: 'sweep', value: { mean: 0, low: 0, high: 0, n: 1, sd: 0 }, pass: false, margin }],
  } as unknown as PointResult);
  const pts = [point(0, -0.5), point(1, NaN), point(2, -0.01)];
  for (const order of [[0, 1, 2], [1, 2, 0], [2, 1, 0]]) {
    assert.equal(rankPoints(order.map((i) => pts[i]!), 'cost.area_mm2').map((p) => p.index), [2, 0, 1], `input ${order}`);
  }
});

test('a budget too small for the final rung is a configuration error', async () => {
  const sweep = withStrategy({ kind: 'adaptive', budget: 2, eta: 3, fidelity: [] });
  try {
    await runAdaptive({ ...opts(sweep), store: memoryStore(), evaluate: counting().evaluate });
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).name, 'ConfigError');
    assert.match((e as Error).message, /strategy\.budget: budget 2 is below the cost of the final rung \(3 full-length runs\)/);
  }
});

test('shipped adaptive sweeps: the whole grid in rung 0, cost <= 30 % of the grid runs, shortened runs keep the arrival rate', () => {
  for (const [f, gridRuns] of [['sweeps/aead-sizing-adaptive.yaml', 60], ['sweeps/examples/aead-sizing-500-adaptive.yaml', 40]] as const) {
    const l = loadSweep(f, (p) => readFileSync(p, 'utf8'));
    const st = l.sweep.strategy;
    assert.is(st.kind, 'adaptive', f);
    if (st.kind !== 'adaptive') continue;
    const s = { eta: st.eta, finalists: st.finalists ?? st.eta, scaled: st.fidelity.length > 0 };
    assert.is(candidateCount(20, st.budget, s, l.sweep.replications), 20, f);
    const shapes = rungShapes(20, s, l.sweep.replications);
    assert.equal(shapes.map((r) => r.points), [20, 7, 3], f);
    assert.ok(st.budget <= 0.3 * gridRuns && scheduleCost(shapes) <= st.budget, f);
    // rung 0 of the first point: clients and ramp scaled by 1/9 together, a valid configuration
    const full = l.materialize(pointOverrides(l.sweep, { 'aead.instances': 1, 'aead.clock_mhz': 250 }));
    const ov = fidelityOverrides(st.fidelity, full, 1 / 9);
    const short = l.materialize(splitOverrides([...l.sweep.overrides, 'aead.instances=1', 'aead.clock_mhz=250', ...ov])).scenario as Scenario;
    const base = full.scenario as Scenario;
    assert.is(short.clients.count, Math.round(base.clients.count / 9), f);
    const rate = (sc: Scenario) => sc.clients.count / (sc.clients.arrival as { duration_ms: number }).duration_ms;
    assert.ok(Math.abs(rate(short) / rate(base) - 1) < 0.01, `${f}: arrival rate kept`);
  }
});

test.run();
