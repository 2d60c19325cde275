// Sweep machinery with an injected (synthetic) evaluator: resume after a crash, shards + merge, outputs.
// The same properties on the real simulator: resume-real.test.ts, shards-real.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeCli, runSweepCli } from '../../src/cli/dse.ts';
import { countingEvaluator } from './synthetic.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const sweep = path.join(here, 'fixtures', 'grid.yaml');
const tmp = mkdtempSync(path.join(tmpdir(), 'dse-mach-'));
const V = 'test-version';

const pointsIn = (dir: string) => readdirSync(path.join(dir, 'points')).filter((f) => f.endsWith('.json')).length;

test('uninterrupted run: 6 points x 2 replications, outputs written', async () => {
  const ev = countingEvaluator();
  const r = await runSweepCli(sweep, { out: path.join(tmp, 'whole'), evaluate: ev.evaluate, jobs: 3, quiet: true, png: false, codeVersion: V });
  assert.is(ev.count(), 12);
  assert.is(r.evaluated, 12);
  for (const f of ['dse.csv', 'pareto.json', 'recommendation.json', 'report.html', 'plan.json', 'charts/pareto_cost_latency.svg', 'charts/pareto_cost_throughput.svg']) {
    assert.ok(existsSync(path.join(tmp, 'whole', f)), f);
  }
  const csv = readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8').trim().split('\n');
  assert.is(csv.length, 7);
  assert.ok(csv[0]!.startsWith('point,aead.instances,aead.clock_mhz,replications,'));
  // Second run of the same command: nothing simulated again.
  const ev2 = countingEvaluator();
  const r2 = await runSweepCli(sweep, { out: path.join(tmp, 'whole'), evaluate: ev2.evaluate, jobs: 3, quiet: true, png: false, codeVersion: V });
  assert.is(ev2.count(), 0);
  assert.is(r2.reused, 12);
  // A different code version does not reuse results.
  const ev3 = countingEvaluator();
  await runSweepCli(sweep, { out: path.join(tmp, 'v2'), evaluate: ev3.evaluate, jobs: 2, quiet: true, png: false, codeVersion: 'other' });
  assert.is(ev3.count(), 12);
});

test('recommendation: cheapest point meeting every SLA, with margin and bottleneck', () => {
  const rec = JSON.parse(readFileSync(path.join(tmp, 'whole', 'recommendation.json'), 'utf8'));
  const csv = readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  const h = csv[0]!;
  const rows = csv.slice(1);
  const col = (n: string) => h.indexOf(n);
  const passing = rows.filter((r) => r[col('sla_pass')] === '1');
  assert.ok(passing.length > 0 && passing.length < rows.length, 'some points pass, some fail');
  const cheapest = passing.reduce((a, b) => (Number(b[col('cost.area_mm2')]) < Number(a[col('cost.area_mm2')]) ? b : a));
  assert.is(rec.recommendation.point, Number(cheapest[0]));
  assert.ok(rec.recommendation.margin >= 0);
  assert.is(rec.recommendation.bottleneck.block, Number(cheapest[col('blocks.aead.utilization')]) > 0.3 ? 'aead' : 'pke');
  assert.ok(['record_latency_us.p99', 'handshakes.completed'].includes(rec.recommendation.tightest_sla));
  // the deciding trade-off: the dearest failing point cheaper than the recommendation, the next passing point
  const cost = (r: string[]) => Number(r[col('cost.area_mm2')]);
  const cheaperFailing = rows.filter((r) => r[col('sla_pass')] === '0' && cost(r) < cost(cheapest)).sort((a, b) => cost(b) - cost(a))[0];
  if (cheaperFailing) assert.is(rec.recommendation.cheaper_failing.point, Number(cheaperFailing[0]));
  const next = passing.filter((r) => r !== cheapest && cost(r) >= cost(cheapest)).sort((a, b) => cost(a) - cost(b))[0];
  if (next) assert.is(rec.recommendation.next_feasible.point, Number(next[0]));
  assert.ok(cheaperFailing || next, 'the fixture has a trade-off to state');
  const text = readFileSync(path.join(tmp, 'whole', 'recommendation.txt'), 'utf8');
  assert.match(text, 'deciding trade-off:');
});

test('resume: a crash after k runs loses nothing and re-runs nothing; dse.csv equals the uninterrupted run', async () => {
  const out = path.join(tmp, 'crash');
  const k = 5;
  const crashing = countingEvaluator(k);
  let threw = false;
  try {
    await runSweepCli(sweep, { out, evaluate: crashing.evaluate, jobs: 1, quiet: true, png: false, codeVersion: V });
  } catch (e) {
    threw = (e as Error).message === 'simulated crash';
  }
  assert.ok(threw);
  assert.is(pointsIn(out), k);
  assert.not.ok(existsSync(path.join(out, 'dse.csv')));
  const resumed = countingEvaluator();
  await runSweepCli(sweep, { out, evaluate: resumed.evaluate, jobs: 2, quiet: true, png: false, codeVersion: V });
  assert.is(resumed.count(), 12 - k);
  for (const key of crashing.keys) assert.not.ok(resumed.keys.includes(key), 'finished run simulated again');
  assert.is(readFileSync(path.join(out, 'dse.csv'), 'utf8'), readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8'));
});

test('resume: a half-written (truncated) result file counts as missing and is redone', async () => {
  const out = path.join(tmp, 'trunc');
  await runSweepCli(sweep, { out, evaluate: countingEvaluator().evaluate, jobs: 2, quiet: true, png: false, codeVersion: V });
  const f = readdirSync(path.join(out, 'points'))[0]!;
  const { writeFileSync } = await import('node:fs');
  writeFileSync(path.join(out, 'points', f), '{"key":"');
  const ev = countingEvaluator();
  await runSweepCli(sweep, { out, evaluate: ev.evaluate, jobs: 2, quiet: true, png: false, codeVersion: V });
  assert.is(ev.count(), 1);
  assert.is(readFileSync(path.join(out, 'dse.csv'), 'utf8'), readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8'));
});

test('shards: 3 shards merged == the whole run (byte-identical dse.csv, pareto.json)', async () => {
  const dirs: string[] = [];
  let total = 0;
  for (let i = 0; i < 3; i++) {
    const out = path.join(tmp, `shard${i}`);
    dirs.push(out);
    const ev = countingEvaluator();
    const r = await runSweepCli(sweep, { out, shard: { index: i, count: 3 }, evaluate: ev.evaluate, jobs: 2, quiet: true, png: false, codeVersion: V });
    assert.is(r.result, undefined);
    assert.is(ev.count(), 4, 'each shard runs 2 of the 6 points');
    total += ev.count();
  }
  assert.is(total, 12);
  const merged = path.join(tmp, 'merged');
  const m = await mergeCli(dirs, { out: merged, png: false });
  assert.is(m.result.missingRuns, 0);
  assert.is(m.copied, 12);
  for (const f of ['dse.csv', 'pareto.json', 'recommendation.json']) {
    assert.is(readFileSync(path.join(merged, f), 'utf8'), readFileSync(path.join(tmp, 'whole', f), 'utf8'), f);
  }
  // Merging only two shards reports the missing runs.
  const partial = await mergeCli(dirs.slice(0, 2), { out: path.join(tmp, 'partial'), png: false });
  assert.is(partial.result.missingRuns, 4);
});

test('merge applies the whole run\'s checks: every point failed is SweepFailed, as unsharded', async () => {
  const { SweepFailed } = await import('../../src/dse/check.ts');
  const failing = async () => ({ metrics: {}, sla: [], waits: {}, error: 'override "x" rejected' });
  const dirs: string[] = [];
  for (let i = 0; i < 2; i++) {
    const out = path.join(tmp, `fail${i}`);
    dirs.push(out);
    await runSweepCli(sweep, { out, shard: { index: i, count: 2 }, evaluate: failing, jobs: 1, quiet: true, png: false, codeVersion: V });
  }
  try {
    await mergeCli(dirs, { out: path.join(tmp, 'fail-merged'), png: false });
    assert.unreachable('merge of failed points succeeded');
  } catch (e) {
    assert.ok(e instanceof SweepFailed, String(e));
  }
  try {
    await runSweepCli(sweep, { out: path.join(tmp, 'fail-whole'), evaluate: failing, jobs: 1, quiet: true, png: false, codeVersion: V });
    assert.unreachable('unsharded run of failed points succeeded');
  } catch (e) {
    assert.ok(e instanceof SweepFailed, String(e));
  }
});

test('timeouts: a run over the limit is not stored, the rest completes, the next invocation retries it', async () => {
  const { RunTimeoutError } = await import('../../src/dse/run.ts');
  const out = path.join(tmp, 'timeout');
  const base = countingEvaluator();
  let victim: string | undefined;
  const r = await runSweepCli(sweep, {
    out,
    jobs: 2,
    quiet: true,
    png: false,
    codeVersion: V,
    evaluate: async (t) => {
      if (t.pointIndex === 4 && t.replication === 1) {
        victim = t.key;
        throw new RunTimeoutError('too slow');
      }
      return base.evaluate(t);
    },
  });
  assert.is(r.timedOut.length, 1);
  assert.is(r.timedOut[0]!.key, victim);
  assert.is(base.count(), 11);
  assert.is(pointsIn(out), 11);
  assert.is(r.result!.missingRuns, 1);
  assert.is(r.result!.points[4]!.replications, 1);
  assert.not.ok(r.result!.points[4]!.sla_pass, 'an incomplete point never passes');
  assert.not.ok(r.result!.pareto.includes(4), 'an incomplete point is not on the Pareto front');
  const again = countingEvaluator();
  await runSweepCli(sweep, { out, evaluate: again.evaluate, jobs: 2, quiet: true, png: false, codeVersion: V });
  assert.equal(again.keys, [victim]);
  assert.is(readFileSync(path.join(out, 'dse.csv'), 'utf8'), readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8'));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
