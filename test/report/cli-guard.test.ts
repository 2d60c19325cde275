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
  // 10k-clients: ramp of 1,000 ms, 20 records at 1,000/s, RTT 0.2 ms: a connection lives 3 x 0.2 + 1 + 20 ms
  const alive = Math.ceil((10_000 * (c.handshakeRtts * 0.2 + 1 + 20)) / 1000);
  assert.is(e.alive, alive);
  assert.is(e.memoryBytes, c.baseBytes + 10_000 * (c.bytesPerClient + 20 * c.bytesPerRecord) + alive * c.bytesPerConnection);
  assert.ok(Math.abs(e.wallSeconds - (e.events * c.usPerEvent) / 1e6) < 1e-9);
  assert.not.ok(checkRun(sc, { bytes: 1e9, what: 'x' }).refusal);
  assert.match(checkRun(sc, { bytes: 1e8, what: 'the test limit' }).refusal ?? '', 'more than the test limit');
});

test('connections alive at once: a long ramp of long-lived connections, all at once, never closed', () => {
  const base = parseScenario(readFileSync(tenK, 'utf8'), tenK);
  const c = ESTIMATE_COEFFICIENTS;
  // a fleet: 10^6 devices over a 100 s ramp, 7 records at 0.1/s (70 s), RTT 0.2 ms, 200 s simulated
  const fleet = {
    ...base,
    clients: { ...base.clients, count: 1_000_000, arrival: { kind: 'ramp' as const, duration_ms: 100_000 } },
    traffic: { ...base.traffic, records_per_client: 7, rate: { process: 'constant' as const, records_per_s: 0.1 } },
    sim: { ...base.sim, end_ms: 200_000 },
  };
  const life = c.handshakeRtts * 0.2 + 1 + 70_000;
  assert.is(estimateRun(fleet).alive, Math.ceil((1_000_000 * life) / 100_000));
  // the same fleet arriving over 10 s: every device is connected at once
  const fast = { ...fleet, clients: { ...fleet.clients, arrival: { kind: 'ramp' as const, duration_ms: 10_000 } } };
  assert.is(estimateRun(fast).alive, 1_000_000);
  // connections capped by the simulated time: 5 s of a 100 s ramp of 70 s connections
  const short = { ...fleet, sim: { ...fleet.sim, end_ms: 5_000 } };
  assert.is(estimateRun(short).alive, Math.ceil((1_000_000 * 5_000) / 100_000));
  // never closed: all of them
  assert.is(estimateRun({ ...fleet, traffic: { ...fleet.traffic, close: false } }).alive, 1_000_000);
  // all at once
  assert.is(estimateRun({ ...fleet, clients: { ...fleet.clients, arrival: { kind: 'all_at_once' as const } } }).alive, 1_000_000);
  // the slow fleet needs less memory than clients.count live connections would
  assert.ok(estimateRun(fleet).memoryBytes < c.baseBytes + 1_000_000 * c.bytesPerConnection);
  // every live connection at the same figure, sparse traffic or not (RSS, GC headroom included; estimate.ts)
  assert.is(estimateRun(fast).memoryBytes, c.baseBytes + 1_000_000 * (c.bytesPerClient + 7 * c.bytesPerRecord) + 1_000_000 * c.bytesPerConnection);
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
