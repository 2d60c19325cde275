// Work done once per sweep (per worker thread): the plain-UDP baseline and the server's certificate chains depend
// only on inputs a sweep of the crypto blocks does not vary, so they are computed once and reused. Reuse must not
// change a single number: a point evaluated after others (warm) equals the same point evaluated cold.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalJson } from '../../src/dse/key.ts';
import { loadSweep } from '../../src/dse/load.ts';
import { buildPlan } from '../../src/dse/plan.ts';
import type { EvalTask } from '../../src/dse/run.ts';
import evaluateTask, { clearSharedBaselines, sharedUdpBaseline } from '../../src/dse/worker.ts';
import type { ModelConfig, Scenario } from '../../src/workload/config/index.ts';
import { clearChainMemo, runScenario, udpBaselineInputs } from '../../src/workload/index.ts';

// tiny-grid: aead.instances x aead.clock_mhz on the tiny scenario (baseline_udp on by default), 2 replications.
const loaded = loadSweep('test/dse/fixtures/grid.yaml', (p) => readFileSync(p, 'utf8'));
const { plan, configs } = buildPlan(loaded.sweep, { name: 'g', codeVersion: 'test', materialize: loaded.materialize });
const task = (point: number, rep: number): EvalTask => {
  const p = plan.points[point]!;
  const c = configs.get(point)!;
  return { key: p.runs[rep]!.key, pointIndex: point, replication: rep, seed: p.runs[rep]!.seed, params: p.params, crypto: 'node', scenario: c.scenario, model: c.model };
};
const cold = (t: EvalTask) => {
  clearSharedBaselines();
  clearChainMemo();
  return evaluateTask(t);
};

test('the baseline inputs leave out the crypto blocks a sweep varies, and nothing the UDP path reads', () => {
  const a = task(0, 0);
  const b = task(5, 0);
  assert.not.equal((a.model as ModelConfig).aead, (b.model as ModelConfig).aead, 'points 0 and 5 differ in the AEAD block');
  assert.is(canonicalJson(udpBaselineInputs(a.scenario as Scenario, a.model as ModelConfig, a.seed)), canonicalJson(udpBaselineInputs(b.scenario as Scenario, b.model as ModelConfig, b.seed)));
  assert.not.equal(canonicalJson(udpBaselineInputs(a.scenario as Scenario, a.model as ModelConfig, a.seed)), canonicalJson(udpBaselineInputs(a.scenario as Scenario, a.model as ModelConfig, task(0, 1).seed)), 'the seed matters');
  // Independently of the key: the baseline computed under each model is the same.
  const ua = runScenario({ scenario: a.scenario as Scenario, model: a.model as ModelConfig, seed: a.seed }).summary.udp_baseline;
  const ub = runScenario({ scenario: b.scenario as Scenario, model: b.model as ModelConfig, seed: b.seed }).summary.udp_baseline;
  assert.equal(ua, ub);
});

test('one baseline per seed and thread: the same object is handed to every point', () => {
  clearSharedBaselines();
  const a = task(0, 0);
  const b = task(3, 0);
  const ua = sharedUdpBaseline(a.scenario as Scenario, a.model as ModelConfig, a.seed);
  assert.ok(sharedUdpBaseline(b.scenario as Scenario, b.model as ModelConfig, b.seed) === ua);
  assert.ok(sharedUdpBaseline(a.scenario as Scenario, a.model as ModelConfig, task(0, 1).seed) !== ua);
});

test('warm (baseline and chains reused) == cold, for every run of the sweep', () => {
  const coldOut = plan.points.flatMap((p) => p.runs.map((_, r) => cold(task(p.index, r))));
  clearSharedBaselines();
  clearChainMemo();
  // warm: in reverse order, so each run after the first reuses what earlier points computed
  const warm = plan.points.flatMap((p) => p.runs.map((_, r) => ({ p: p.index, r }))).reverse().map(({ p, r }) => evaluateTask(task(p, r))).reverse();
  assert.equal(warm, coldOut);
  for (const o of warm) assert.is(o.error, undefined);
});

test.run();
