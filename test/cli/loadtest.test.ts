// The real UDP load generator (npm run loadtest) against the project's demo server over loopback, and its summary
// arithmetic against hand-computed values.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { CERTS, ROOT, spawnPeer } from '../interop/harness.ts';
import { main } from '../../src/cli/loadtest.ts';
import { arrivalTimes } from '../../src/cli/loadtest/generator.ts';
import { arrivalWindowMs, latency, nearestRank, startsByIndex, summarize } from '../../src/cli/loadtest/summary.ts';
import { emptySamples, type LoadSpec } from '../../src/cli/loadtest/generator.ts';

const EC = join(CERTS, 'ecdsa');

test('summary: nearest-rank percentiles and mean, by hand', () => {
  // 1..10: p50 = 5th smallest, p90 = 9th, p99 = ceil(9.9) = 10th
  const l = latency([10, 3, 1, 2, 4, 5, 6, 7, 8, 9]);
  assert.equal([l.count, l.mean, l.p50, l.p90, l.p99, l.max], [10, 5.5, 5, 9, 10, 10]);
  assert.ok(Number.isNaN(nearestRank([], 0.5)));
  assert.is(nearestRank([7], 0.01), 7);
});

test('arrivals: constant spacing exact; poisson mean gap near 1/rate and identical for one seed', () => {
  const c = arrivalTimes(5, 200, 'constant', 1);
  assert.equal(Array.from(c), [0, 5, 10, 15, 20]);
  const a = arrivalTimes(20000, 1000, 'poisson', 7);
  const b = arrivalTimes(20000, 1000, 'poisson', 7);
  assert.equal(Array.from(a), Array.from(b));
  const meanGapMs = a[a.length - 1]! / (a.length - 1);
  assert.ok(Math.abs(meanGapMs - 1) < 0.03, `mean gap ${meanGapMs} ms (expected 1 ms +- 3 %)`);
});

test('arrivals: bursts of k clients at one instant, groups at rate / k', () => {
  // 5 clients in bursts of 2 at 100/s: a group every 20 ms
  assert.equal(Array.from(arrivalTimes(5, 100, 'burst', 1, 2)), [0, 0, 20, 20, 40]);
});

test('arrival window: first to last arrival rounded down to 10 ms; handshakes completed in it (by hand)', () => {
  assert.is(arrivalWindowMs(39.99), 30);
  assert.is(arrivalWindowMs(40), 40);
  assert.is(arrivalWindowMs(3), 10);
  // 5 clients at 200/s: arrivals 0..20 ms, window [0, 20] ms; handshakes ending at 5, 19, 20 are in it, 21 and 50 not
  const spec: LoadSpec = { host: '127.0.0.1', port: 1, clients: 5, rate: 200, arrival: 'constant', records: 0, size: 1, clientTimeoutMs: 1000, seed: 1, shard: 0, shards: 1 };
  const smp = { ...emptySamples(), handshakeMs: [1, 1, 1, 1, 1], handshakeEndMs: [5, 19, 20, 21, 50], firstStartMs: 0, lastEndMs: 60, t0EpochMs: 1000 };
  const w = summarize(spec, smp, 1).arrival_window;
  assert.equal(w, { start_epoch_ms: 1000, end_epoch_ms: 1020, s: 0.02, handshakes_completed: 3, handshakes_per_s: 150 });
});

test('start lateness and arrivals: actual start - scheduled, by client index (by hand)', () => {
  // 4 clients at 100/s: scheduled 0, 10, 20, 30 ms; started 0.5, 10, 27 ms (client 3 never started)
  const spec: LoadSpec = { host: '127.0.0.1', port: 1, clients: 4, rate: 100, arrival: 'constant', records: 0, size: 1, clientTimeoutMs: 1000, seed: 1, shard: 0, shards: 1 };
  const smp = { ...emptySamples(), startedMs: [2, 27, 0, 0.5, 1, 10], firstStartMs: 0.5, lastEndMs: 60, t0EpochMs: 0 };
  assert.equal(startsByIndex(4, smp.startedMs), [0.5, 10, 27, null]);
  const r = summarize(spec, smp, 1, true);
  assert.equal([r.start_lateness_ms.count, r.start_lateness_ms.p50, r.start_lateness_ms.max], [3, 0.5, 7]);
  assert.equal(r.arrivals_ms, [0.5, 10, 27, null]);
  assert.is(summarize(spec, smp, 1).arrivals_ms, undefined);
});

test('loadtest against the demo server: every client handshakes and gets every echo, in 1 and 2 processes', async () => {
  const server = spawnPeer(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/demo-server.ts'), '--port', '0',
    '--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key')], { cwd: ROOT, limitMs: 60000 });
  try {
    assert.ok(await server.waitFor(/listening 127\.0\.0\.1:(\d+)/, 15000), server.output());
    const port = /listening 127\.0\.0\.1:(\d+)/.exec(server.output())![1]!;
    for (const procs of ['1', '2']) {
      let out = '';
      let err = '';
      const code = await main(['--port', port, '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--clients', '6',
        '--rate', '200', '--records', '3', '--size', '300', '--procs', procs, '--json'], (s) => (out += s), (s) => (err += s));
      assert.is(code, 0, `${out}\n${err}`);
      const r = JSON.parse(out);
      assert.is(r.handshakes.offered, 6);
      assert.is(r.handshakes.completed, 6);
      assert.is(r.handshakes.failed, 0);
      assert.is(r.clients_failed, 0);
      assert.equal(r.records, { sent: 18, received: 18, lost: 0 });
      assert.is(r.record_rtt_us.count, 18);
      assert.is(r.handshake_latency_ms.count, 6);
      assert.ok(r.handshake_latency_ms.p50 > 0 && r.handshake_latency_ms.p50 <= r.handshake_latency_ms.max);
      // the clients' own time: one per handshake, positive, and within each handshake's latency (so every
      // order statistic of it is at most the latency's)
      assert.is(r.handshake_client_ms.count, 6);
      assert.ok(r.handshake_client_ms.p50 > 0);
      // every client's start against its schedule, in both modes (how late is the machine's: with 2 processes the
      // children's start-up alone made it 1.0 s under CI's load; the arithmetic is checked by hand above)
      assert.is(r.start_lateness_ms.count, 6);
      assert.ok(Number.isFinite(r.start_lateness_ms.max), `${r.start_lateness_ms.max}`);
      for (const k of ['p50', 'p90', 'max']) assert.ok(r.handshake_client_ms[k] <= r.handshake_latency_ms[k], k);
      // goodput = echoed payload bytes x 8 / window
      assert.ok(Math.abs(r.throughput.goodput_gbps - (18 * 300 * 8) / r.window_s / 1e9) < 1e-12);
    }
    // bad arguments: exit 2 with a message
    let err = '';
    assert.is(await main(['--port', port, '--insecure', '--arrival', 'bursty'], () => {}, (s) => (err += s)), 2);
    assert.match(err, /--arrival must be poisson, constant or burst/);
  } finally {
    server.kill();
    await server.exited;
  }
});

test.run();
