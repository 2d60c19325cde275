// The host-speed probe (src/cli/speed-probe.ts): its interval, its window medians and the slowdown it gives the
// prediction, on samples written by hand; and the demo server's refusal of --speed-probe without --turn-stats.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PROBE_RUNS, SpeedProbe, probeKernel, probeMedianUs, slowdown, speedSchedule, type SpeedSample } from '../../src/cli/speed-probe.ts';
import { start } from '../../src/cli/demo-server.ts';
import { certPaths } from '../../src/cli/calibrate/server.ts';
import { ROOT } from '../interop/harness.ts';
import { readTurnStats } from '../../src/cli/calibrate/variability.ts';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('speedSchedule: window medians over the load\'s, carried over thin windows, merged when equal', () => {
  const t0 = 1_000_000;
  // windows of 250 ms from t0: [20, 20, 20] -> 1; [30, 30] -> 1.5; one sample (thin) -> keeps 1.5; [20, 22, 20] -> 1
  // (median 20); [10, 10] -> 0.5; the load's median (the normaliser) given as 20 us
  const s: SpeedSample[] = [
    [t0 - 5, 99], // before the load: ignored
    [t0 + 10, 20], [t0 + 100, 20], [t0 + 200, 20],
    [t0 + 260, 30], [t0 + 400, 30],
    [t0 + 600, 40],
    [t0 + 760, 20], [t0 + 800, 22], [t0 + 900, 20],
    [t0 + 1010, 10], [t0 + 1100, 10],
    [t0 + 1300, 99], // after the load's end: ignored
  ];
  assert.equal(speedSchedule(s, t0, t0 + 1200, 20), [[250, 1.5], [750, 1], [1000, 0.5]]);
  // a steady load gives no entry; fewer than 5 samples or no normaliser: none
  assert.equal(speedSchedule(s.slice(1, 4).concat(s.slice(7, 10)), t0, t0 + 1000, 20), []);
  assert.equal(speedSchedule(s.slice(1, 4), t0, t0 + 1200, 20), []);
  assert.equal(speedSchedule(s, t0, t0 + 1200, Number.NaN), []);
});

test('SpeedProbe: runs at most once per interval, stamps the epoch time of the run', () => {
  let t = 1000;
  const samples: SpeedSample[] = [];
  const p = new SpeedProbe(100, samples, () => t, (x) => 5e12 + x);
  p.maybe(); // first: runs
  t = 1050;
  p.maybe(); // 50 ms later: not yet
  t = 1100;
  p.maybe(); // 100 ms after the first: runs
  t = 1150;
  p.maybe();
  assert.equal(samples.map((s) => s[0]), [5e12 + 1000, 5e12 + 1100]);
  // the fake clock did not move during the kernel: 0 us each
  assert.equal(samples.map((s) => s[1]), [0, 0]);
  assert.throws(() => new SpeedProbe(0, samples, () => 0, (x) => x), /interval must be > 0/);
});

test('SpeedProbe: a sample is the fastest of the runs after the first (which refills the caches)', () => {
  // the clock read before the runs and after each: runs take 9, 4, 3, 5 ms -> 3 ms (the first, 9, not counted)
  const reads = [0, 9, 13, 16, 21];
  assert.is(reads.length, PROBE_RUNS + 1);
  let i = 0;
  const samples: SpeedSample[] = [];
  const p = new SpeedProbe(100, samples, () => reads[Math.min(i++, reads.length - 1)]!, (x) => x);
  p.maybe();
  assert.equal(samples, [[0, 3000]]);
});

test('probeKernel: takes measurable time (the JIT cannot drop it)', () => {
  const t0 = performance.now();
  for (let i = 0; i < 200; i++) probeKernel();
  assert.ok(performance.now() - t0 > 0.2, 'the kernel did no work');
});

test('probeMedianUs and slowdown: medians within each window, the ratio load / reference', () => {
  // reference window 0..1000: 10, 11, 12, 13, 50 (one interrupted sample) -> median 12
  // load window 2000..3000: 18, 18, 19, 20, 90, 17 -> sorted 17 18 18 19 20 90 -> median 18.5
  const s: SpeedSample[] = [[0, 10], [200, 13], [400, 50], [600, 11], [1000, 12], [1500, 99], [2000, 18], [2200, 18], [2400, 19], [2600, 20], [2800, 90], [3000, 17], [3001, 1]];
  assert.equal(probeMedianUs(s, 0, 1000), { us: 12, n: 5 });
  assert.equal(probeMedianUs(s, 2000, 3000), { us: 18.5, n: 6 });
  assert.equal(probeMedianUs(s, 5000, 6000), { us: Number.NaN, n: 0 });
  const d = slowdown(s, { startEpochMs: 0, endEpochMs: 1000 }, { startEpochMs: 2000, endEpochMs: 3000 });
  assert.is(d.factor, 18.5 / 12);
  assert.is(d.referenceN, 5);
  assert.is(d.loadN, 6);
  // too few samples in a window: no figure, the model runs as calibrated
  assert.is(slowdown(s, { startEpochMs: 0, endEpochMs: 1000 }, { startEpochMs: 2000, endEpochMs: 2500 }).factor, 1);
  assert.is(slowdown(s, { startEpochMs: 0, endEpochMs: 1000 }, { startEpochMs: 2000, endEpochMs: 3000 }, 6).factor, 1);
});

test('demo server: --speed-probe needs --turn-stats and a whole number of ms', async () => {
  const c = certPaths(ROOT);
  let e = '';
  const code = await start(['--port', '0', '--cert', c.cert, '--key', c.key, '--speed-probe', '100'], () => {}, (s) => void (e += s));
  assert.is(code, 1);
  assert.match(e, /--speed-probe needs --turn-stats/);
  e = '';
  const code2 = await start(['--port', '0', '--cert', c.cert, '--key', c.key, '--turn-stats', '/nonexistent/x.json', '--speed-probe', '0'], () => {}, (s) => void (e += s));
  assert.is(code2, 1);
  assert.match(e, /--speed-probe/);
});

test('demo server: with --turn-stats and --speed-probe, a probe sample follows a datagram\'s turn, at most one per interval', async () => {
  const c = certPaths(ROOT);
  const dir = mkdtempSync(join(tmpdir(), 'probe-'));
  const file = join(dir, 'turns.json');
  const r = await start(['--port', '0', '--cert', c.cert, '--key', c.key, '--turn-stats', file, '--speed-probe', '10000'], () => {}, () => {});
  if (typeof r === 'number') throw new Error(`server exited ${r}`);
  const sock = dgram.createSocket('udp4');
  try {
    for (let i = 0; i < 3; i++) {
      // garbage: a turn of the server's (it drops the datagram)
      await new Promise<void>((res) => sock.send(Buffer.from([0x16, 0xfe, 0xfd, i]), r.port, '127.0.0.1', () => res()));
      await new Promise((res) => setTimeout(res, 20));
    }
    const t0 = Date.now();
    for (;;) {
      r.writeTurns();
      const f = readTurnStats(file);
      if (f.turns.length >= 3 || Date.now() - t0 > 5000) {
        assert.is(f.turns.length, 3);
        // 3 datagrams within 60 ms, one probe per 10 s: one sample, after the first turn began
        assert.is(f.probes?.length, 1);
        assert.ok(f.probes![0]![0] >= f.turns[0]![0]);
        assert.ok(f.probes![0]![1] > 0);
        break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
  } finally {
    sock.close();
    await r.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
