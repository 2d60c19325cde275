// Resume and shards with the real simulator through the real CLI process and worker pool:
// - kill -9 the CLI after k runs are stored, run it again: the k runs are not simulated again, and the final
//   dse.csv equals an uninterrupted run's;
// - the same sweep as 3 shards + merge equals the whole run (byte-identical dse.csv and pareto.json).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DSE_NODE_FLAGS } from '../../src/cli/dse.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const sweep = 'test/dse/fixtures/grid.yaml'; // 6 points x 2 replications = 12 runs
const tmp = mkdtempSync(path.join(tmpdir(), 'dse-resume-'));
// --timeout: a hung simulation makes the CLI exit 1 (test fails) instead of blocking the suite.
// The CLI runs as `npm run dse` does: with DSE_NODE_FLAGS (V8 single-threaded) and its bundled worker.
const args = (out: string, ...more: string[]) => [...DSE_NODE_FLAGS, '--import', 'tsx', 'src/cli/dse.ts', sweep, '--out', out, '--no-png', '--quiet', '--timeout', '30', ...more];
// A fixed code version: the hash of src/ would change if the working tree is edited while the test runs.
const env = { ...process.env, DSE_CODE_VERSION: `resume-real-test-${process.pid}` };
const runCli = (...a: string[]) => spawnSync(process.execPath, a, { cwd: root, encoding: 'utf8', timeout: 120_000, env });
const stored = (dir: string) => (existsSync(path.join(dir, 'points')) ? readdirSync(path.join(dir, 'points')).filter((f) => /^[0-9a-f]{32}\.json$/.test(f)).length : 0);
const simulated = (stdout: string) => Number(/(\d+) runs simulated, (\d+) reused/.exec(stdout)?.[1] ?? NaN);

test('whole run', () => {
  const r = runCli(...args(path.join(tmp, 'whole'), '--jobs', '2'));
  assert.is(r.status, 0, r.stderr);
  assert.is(simulated(r.stdout), 12);
});

test('kill -9 after k stored runs, then resume: nothing lost, nothing redone, same dse.csv', async () => {
  const out = path.join(tmp, 'killed');
  const child = spawn(process.execPath, args(out, '--jobs', '1'), { cwd: root, stdio: 'ignore', env });
  const k = await new Promise<number>((resolve, reject) => {
    const t = setInterval(() => {
      const n = stored(out);
      if (n >= 3) {
        clearInterval(t);
        child.kill('SIGKILL');
        child.once('exit', () => resolve(stored(out)));
      }
    }, 5);
    child.once('exit', (code) => {
      clearInterval(t);
      if (code !== null) reject(new Error(`CLI finished (exit ${code}) before it could be killed`));
    });
  });
  assert.ok(k >= 3 && k < 12, `killed after ${k} runs`);
  assert.not.ok(existsSync(path.join(out, 'dse.csv')));
  // No temporary file is mistaken for a result; every stored file parses.
  for (const f of readdirSync(path.join(out, 'points')).filter((x) => x.endsWith('.json'))) JSON.parse(readFileSync(path.join(out, 'points', f), 'utf8'));
  const r = runCli(...args(out, '--jobs', '2'));
  assert.is(r.status, 0, r.stderr);
  assert.is(simulated(r.stdout), 12 - k, r.stdout);
  assert.is(readFileSync(path.join(out, 'dse.csv'), 'utf8'), readFileSync(path.join(tmp, 'whole', 'dse.csv'), 'utf8'));
});

test('Ctrl-C (SIGINT): runs in progress are finished and stored, exit 130, no outputs', async () => {
  const out = path.join(tmp, 'sigint');
  const child = spawn(process.execPath, args(out, '--jobs', '1'), { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => {
    const t = setInterval(() => {
      if (stored(out) >= 2) {
        clearInterval(t);
        child.kill('SIGINT');
      }
    }, 5);
    child.once('exit', (c) => {
      clearInterval(t);
      resolve(c);
    });
  });
  assert.is(code, 130, stderr);
  assert.match(stderr, 'run the same command again to resume');
  const n = stored(out);
  assert.ok(n >= 2 && n < 12, `stored ${n}`);
  assert.not.ok(existsSync(path.join(out, 'dse.csv')));
});

test('3 shards + merge == whole run (byte-identical dse.csv and pareto.json)', () => {
  const dirs = [0, 1, 2].map((i) => path.join(tmp, `shard-${i}`));
  dirs.forEach((d, i) => {
    const r = runCli(...args(d, '--jobs', '1', '--shard', `${i}/3`));
    assert.is(r.status, 0, r.stderr);
    assert.is(simulated(r.stdout), 4);
  });
  const m = runCli('--import', 'tsx', 'src/cli/dse.ts', 'merge', ...dirs, '--out', path.join(tmp, 'merged'), '--no-png');
  assert.is(m.status, 0, m.stderr);
  for (const f of ['dse.csv', 'pareto.json', 'recommendation.json']) {
    assert.is(readFileSync(path.join(tmp, 'merged', f), 'utf8'), readFileSync(path.join(tmp, 'whole', f), 'utf8'), f);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
