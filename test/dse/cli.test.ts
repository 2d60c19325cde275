// CLI input errors: a malformed sweep file gives `file:line:col field: message` and exit status 2; so do bad
// options. The shipped sweeps parse and every one of their points is a valid configuration.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSweep } from '../../src/dse/load.ts';
import { buildPlan } from '../../src/dse/plan.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/dse.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 30_000 });

test('malformed sweep file: file:line:col errors, exit 2, nothing run', () => {
  const r = cli('test/dse/fixtures/bad.yaml', '--out', '/tmp/dse-should-not-exist-xyz');
  assert.is(r.status, 2, r.stderr);
  assert.match(r.stderr, 'test/dse/fixtures/bad.yaml:5:35 parameters.1.lin: must be [min, max, steps] with max >= min');
  assert.match(r.stderr, /test\/dse\/fixtures\/bad\.yaml:6:\d+ strategy\.n: required field is missing/);
});

test('bad options and missing files: exit 2', () => {
  assert.is(cli('test/dse/fixtures/grid.yaml', '--shard', '3/3').status, 2);
  assert.is(cli('test/dse/fixtures/grid.yaml', '--jobs', '0').status, 2);
  assert.is(cli('no/such/sweep.yaml').status, 2);
  assert.is(cli('merge', '/tmp/no-such-dse-dir-xyz').status, 2);
});

test('--timeout with the real worker pool: runs over the limit are skipped, reported, exit 1, nothing stored', () => {
  const out = `/tmp/dse-timeout-test-${process.pid}`;
  const r = cli('test/dse/fixtures/grid.yaml', '--out', out, '--timeout', '0.001', '--jobs', '1', '--quiet', '--no-png');
  assert.is(r.status, 1, r.stderr);
  assert.match(r.stderr, '12 run(s) timed out and were not stored');
  assert.equal(readdirSync(out).includes('points') ? readdirSync(`${out}/points`) : [], []);
  rmSync(out, { recursive: true, force: true });
});

test('shipped sweeps: parse, and every point materialises to a valid scenario + model', () => {
  const sizes: Record<string, number> = {
    'sweeps/aead-sizing.yaml': 20,
    'sweeps/full-accelerator.yaml': 64,
    'sweeps/bench/bench-16.yaml': 16,
    'sweeps/examples/aead-sizing-500.yaml': 20,
  };
  for (const [f, n] of Object.entries(sizes)) {
    const l = loadSweep(path.join(root, f), (p) => readFileSync(p, 'utf8'));
    const { plan, configs } = buildPlan(l.sweep, { name: l.name, codeVersion: 'v', materialize: l.materialize });
    assert.is(plan.points.length, n, f);
    assert.equal(plan.points.filter((p) => p.error).map((p) => p.error), [], f);
    assert.is(configs.size, n);
    // The parameters really reach the model.
    const p3 = plan.points[3]!;
    const model = configs.get(3)!.model as { aead: { instances: number } };
    assert.is(model.aead.instances, p3.params['aead.instances']);
  }
});

test.run();
