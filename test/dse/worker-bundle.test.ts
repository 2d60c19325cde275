// How `npm run dse` runs its workers:
// - package.json's "dse" script carries exactly the V8 options of DSE_NODE_FLAGS (the bench re-runs itself with
//   them, so the two must not drift apart);
// - the bundled JavaScript worker (src/cli/dse.ts workerBundle) loads in a worker thread without the TypeScript
//   loader and returns the same outcome as the simulator run in this process; its file is removed afterwards,
//   and bundles left by dead processes are cleaned up.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';
import { DSE_NODE_FLAGS, workerBundle } from '../../src/cli/dse.ts';
import { loadInput } from '../../src/cli/sim.ts';
import { poolEvaluator } from '../../src/dse/pool.ts';
import evaluateTask from '../../src/dse/worker.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('package.json "dse" runs node with DSE_NODE_FLAGS', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  assert.is(pkg.scripts['dse'], `node ${DSE_NODE_FLAGS.join(' ')} --import tsx src/cli/dse.ts`);
});

test('bundled worker: no TypeScript loader, same outcome as in-process, file removed after dispose', async () => {
  const b = workerBundle(true);
  assert.ok(b, 'bundling failed');
  const file = fileURLToPath(b!.entry.filename);
  assert.ok(existsSync(file));
  assert.ok(file.endsWith('.mjs'));
  assert.equal(b!.entry.execArgv, []);
  const { scenario, model } = loadInput(path.join(root, 'test/dse/fixtures/tiny.yaml'), { set: [] });
  const task = { key: 'bundle', pointIndex: 0, replication: 0, seed: 11, params: {}, crypto: 'node' as const, scenario, model };
  const pool = poolEvaluator(1, 30, b!.entry);
  try {
    const viaBundle = await pool.evaluate(task);
    const inProcess = evaluateTask(task);
    assert.is(viaBundle.error, undefined);
    assert.is(viaBundle.metrics['handshakes.completed'], 8);
    assert.equal(viaBundle, inProcess);
  } finally {
    await pool.close();
    b!.dispose();
  }
  assert.not.ok(existsSync(file));
});

test('bundles (and half-written copies) left by dead processes of this host are removed; live or other hosts\' kept', () => {
  const dir = path.join(root, 'node_modules', '.cache', 'dtls-accel-sim');
  mkdirSync(dir, { recursive: true });
  const host = hostname().replace(/[^A-Za-z0-9._]/g, '_') || 'host';
  // pid_max on Linux is at most 4194304, so this process id cannot exist.
  const stale = path.join(dir, `dse-worker-${host}-4194305-0.mjs`);
  const staleTmp = path.join(dir, `dse-worker-${host}-4194305-1.mjs.tmp-4194305-2`);
  const otherHost = path.join(dir, 'dse-worker-some-other-node-4194305-0.mjs'); // cannot be checked from here
  const live = path.join(dir, `dse-worker-${host}-${process.ppid}-0.mjs`); // the test runner: alive
  for (const f of [stale, staleTmp, otherHost, live]) writeFileSync(f, '// test\n');
  const b = workerBundle(true);
  try {
    assert.ok(b);
    assert.match(path.basename(fileURLToPath(b!.entry.filename)), new RegExp(`^dse-worker-${host.replace(/\./g, '\\.')}-${process.pid}-\\d+\\.mjs$`));
    assert.not.ok(existsSync(stale));
    assert.not.ok(existsSync(staleTmp));
    assert.ok(existsSync(otherHost));
    assert.ok(existsSync(live));
  } finally {
    b?.dispose();
    rmSync(live, { force: true });
    rmSync(otherHost, { force: true });
  }
});

test.run();
