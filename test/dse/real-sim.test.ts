// DSE properties on the real simulator (src/workload runScenario in the DSE worker pool, 30 s limit per run (runs take 0.1-2 s) so a
// hung simulation fails the test instead of blocking the suite):
// - more AEAD instances never worsen p99 record latency on the same seeds, within the CI;
// - the recommended configuration meets every SLA when re-run alone on fresh seeds.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSweepCli } from '../../src/cli/dse.ts';
import { loadSweep } from '../../src/dse/load.ts';
import { pointOverrides, replicationSeeds } from '../../src/dse/plan.ts';
import { poolEvaluator } from '../../src/dse/pool.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const tmp = mkdtempSync(path.join(tmpdir(), 'dse-real-'));
const V = 'real-sim-test';
const pool = poolEvaluator(2, 30);
const inProcess = pool.evaluate;

test('more AEAD instances never worsen p99 record latency (same seeds, within the 95% CI)', async () => {
  const r = await runSweepCli(path.join(here, 'fixtures', 'aead-mono.yaml'), { out: path.join(tmp, 'mono'), evaluate: inProcess, jobs: 2, quiet: true, png: false, codeVersion: V });
  const pts = r.result!.points;
  assert.equal(r.timedOut, [], 'a simulation did not finish within 30 s');
  assert.equal(pts.map((p) => p.error), [undefined, undefined, undefined, undefined]);
  const p99 = pts.map((p) => p.metrics['record_latency_us.p99']!);
  const util = pts.map((p) => p.metrics['blocks.aead.utilization']!.mean);
  for (let i = 1; i < pts.length; i++) {
    assert.ok(p99[i]!.mean <= p99[i - 1]!.high + 1e-9, `instances ${pts[i]!.params['aead.instances']}: p99 ${p99[i]!.mean} > CI high ${p99[i - 1]!.high} of ${pts[i - 1]!.params['aead.instances']}`);
    assert.ok(util[i]! <= util[i - 1]! + 1e-9, 'per-instance AEAD utilisation falls with more instances');
  }
  // The scenario is AEAD-bound at 100 MHz: going from 1 to 8 engines must really help.
  // (The upper end of the 8-engine interval lies below the 1-engine mean.)
  assert.ok(p99[3]!.high < p99[0]!.mean, `p99 with 8 engines ${p99[3]!.mean} (CI high ${p99[3]!.high}) not below 1 engine ${p99[0]!.mean}`);
  // Area grows with the instance count (cost comes from the model's per-block table).
  const area = pts.map((p) => p.metrics['cost.area_mm2']!.mean);
  for (let i = 1; i < area.length; i++) assert.ok(area[i]! > area[i - 1]!);
});

test('the recommended configuration meets every SLA when re-run alone on fresh seeds', async () => {
  const file = path.join(here, 'fixtures', 'recommend.yaml');
  const r = await runSweepCli(file, { out: path.join(tmp, 'rec'), evaluate: inProcess, jobs: 2, quiet: true, png: false, codeVersion: V });
  assert.equal(r.timedOut, [], 'a simulation did not finish within 30 s');
  const rec = r.result!.recommendation;
  assert.ok(rec, `no recommendation: ${r.result!.noRecommendation}`);
  // Not trivially the most expensive point: some cheaper points fail the SLA.
  const cheaperFailing = r.result!.points.filter((p) => !p.sla_pass && (p.metrics['cost.area_mm2']?.mean ?? Infinity) < rec!.cost);
  assert.ok(cheaperFailing.length > 0, 'the SLA should rule out some cheaper points');
  const loaded = loadSweep(file, (p) => readFileSync(p, 'utf8'));
  const cfg = loaded.materialize(pointOverrides(loaded.sweep, rec!.params));
  const fresh = replicationSeeds(987_654, 4);
  assert.not.ok(fresh.some((s) => r.plan.seeds.includes(s)));
  const outcomes = await Promise.all(
    fresh.map((seed) =>
      inProcess({ key: 'fresh', pointIndex: rec!.point, replication: 0, seed, params: rec!.params, crypto: 'node', scenario: cfg.scenario, model: cfg.model }).catch((e: Error) => {
        throw new Error(`fresh seed ${seed}: ${e.message} (the simulator did not finish)`);
      }),
    ),
  );
  for (const [i, o] of outcomes.entries()) {
    const seed = fresh[i]!;
    assert.is(o.error, undefined);
    for (const s of o.sla) assert.ok(s.pass, `seed ${seed}: scenario SLA ${s.name} ${s.op} ${s.target} failed with ${s.value}`);
    for (const t of loaded.sweep.constraints.sla) {
      const v = o.metrics[t.metric]!;
      if ('max' in t) assert.ok(v <= t.max, `seed ${seed}: ${t.metric} = ${v} > ${t.max}`);
      else assert.ok(v >= t.min, `seed ${seed}: ${t.metric} = ${v} < ${t.min}`);
    }
  }
  const text = readFileSync(path.join(tmp, 'rec', 'recommendation.txt'), 'utf8');
  assert.match(text, 'bottleneck block:');
});

test.after(async () => {
  await pool.close();
  rmSync(tmp, { recursive: true, force: true });
});
test.run();
