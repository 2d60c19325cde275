// Issue 12 item 8: the memory/time estimate before a run, refusal (exit 2) unless --force, the "setting up" line.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/sim.ts';
import { checkRun } from '../../src/cli/guard.ts';
import { ESTIMATE_COEFFICIENTS, estimateRun } from '../../src/workload/estimate.ts';
import { parseScenario } from '../../src/workload/config/index.ts';
import { makeFixture } from './fixture.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tenK = join(root, 'scenarios', '10k-clients.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'sim-guard-'));

function sink() {
  let s = '';
  return { write: (x: string) => ((s += x), true), isTTY: false, columns: 100, get text() { return s; } };
}

test('estimate: linear in clients and records, from the documented coefficients', () => {
  const sc = parseScenario(readFileSync(tenK, 'utf8'), tenK);
  const e = estimateRun(sc);
  const c = ESTIMATE_COEFFICIENTS;
  assert.is(e.clients, 10_000);
  assert.is(e.recordsPerClient, 20);
  assert.is(e.events, 10_000 * (c.eventsPerHandshake + 20 * c.eventsPerRecord));
  assert.is(e.memoryBytes, c.baseBytes + 10_000 * c.bytesPerClient);
  assert.ok(Math.abs(e.wallSeconds - (e.events * c.usPerEvent) / 1e6) < 1e-9);
  assert.not.ok(checkRun(sc, { bytes: 1e9, what: 'x' }).refusal);
  assert.match(checkRun(sc, { bytes: 1e8, what: 'the test limit' }).refusal ?? '', 'more than the test limit');
});

test('10 million clients: refused in under 2 s with the estimate, exit 2, nothing run', async () => {
  const stderr = sink();
  let ran = false;
  const t0 = performance.now();
  const code = await main([tenK, '--set', 'clients.count=10000000'], { stdout: sink(), stderr }, () => {
    ran = true;
    return makeFixture({ rows: 2, handshakes: 2 });
  });
  assert.ok(performance.now() - t0 < 2000, 'under 2 s');
  assert.is(code, 2);
  assert.not.ok(ran);
  assert.match(stderr.text, 'refusing to run: estimated 10,000,000 clients');
  assert.match(stderr.text, 'GB of memory');
  assert.match(stderr.text, '--force');
});

test('--force proceeds past the check; the setting-up line comes first', async () => {
  const stderr = sink();
  let ranWith = 0;
  const code = await main(
    [tenK, '--set', 'clients.count=10000000', '--force', '--no-charts', '--out', join(tmp, 'forced')],
    { stdout: sink(), stderr },
    (a) => {
      ranWith = a.scenario.clients.count;
      return makeFixture({ rows: 2, handshakes: 2 });
    },
    { bytes: 1e9, what: 'the test limit' },
  );
  assert.is(code, 0, stderr.text);
  assert.is(ranWith, 10_000_000);
  assert.ok(stderr.text.startsWith('setting up 10,000,000 clients (estimated'), stderr.text);
  assert.match(stderr.text, '--force given despite the estimate');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
