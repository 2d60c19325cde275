// npm run calibrate: the fit of the real server's CPU time (wake-up slope, per-echo cost) and its split into the
// model's protocol figures (by hand), the kernel counters' parsing, the rendered model validates against the model
// schema, and the shipped calibrated model (models/host.yaml) runs every shipped scenario.
import { test } from 'uvu';
import { main as calibrateMain } from '../../src/cli/calibrate.ts';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { FitError, MIN_WAKEUP_SPREAD, REFILL_GRID_MS, fitServer, leastSquares, median, type BatchFigures, type ServerMeasurement } from '../../src/cli/calibrate/server.ts';
import { sleepPerWakeupMs } from '../../src/cli/calibrate/rounds.ts';
import { countsOf, splitProtocol } from '../../src/cli/calibrate/split.ts';
import { parseCoreBusy, parseRcvbufErrors, parseSchedstat, parseVoluntarySwitches } from '../../src/cli/loopback/measure.ts';
import { renderHostModel } from '../../src/cli/calibrate/render.ts';
import type { MicroResults } from '../../src/cli/calibrate/micro.ts';
import { parseModel, parseScenario, applyScenarioOverrides } from '../../src/workload/config/index.ts';
import { runScenario } from '../../src/workload/index.ts';

const lin = (fixedNs: number, perUnitNs: number) => ({ fixedNs, perUnitNs, how: 'test' });
const micro: MicroResults = {
  aead: { aes_128_gcm: lin(1000, 2), aes_256_gcm: lin(1100, 3), chacha20_poly1305: lin(900, 4), aes_128_ccm: lin(1200, 5) },
  snMaskNs: 300,
  hash: { sha256: lin(500, 100), sha384: lin(600, 200) },
  pkeNs: { x25519_keygen: 50_000, x25519_derive: 60_000, p256_keygen: 70_000, p256_derive: 80_000, ed25519_sign: 40_000, ed25519_verify: 90_000, ecdsa_p256_sign: 45_000, ecdsa_p256_verify: 95_000 },
};

const batch = (cpuMsPerHandshake: number, wakeupsPerHandshake: number): BatchFigures => ({ cpuMsPerHandshake, wakeupsPerHandshake, retransmissionsPerHandshake: 0, otherLoadServerCore: 0, coreShare: 1 });

test('median: odd and even counts', () => {
  assert.is(median([3, 1, 2]), 2);
  assert.is(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('leastSquares: exact line and plane recovered', () => {
  const c = leastSquares([[1, 0], [1, 1], [1, 2]], [1, 3, 5]);
  assert.ok(Math.abs(c[0]! - 1) < 1e-12 && Math.abs(c[1]! - 2) < 1e-12);
  assert.throws(() => leastSquares([[1, 1], [2, 2]], [1, 2]), /singular/);
});

test('fitServer: CPU = H + W x wake-ups through A, C and D; echoes from B, their wake-ups counted (synthetic, exact)', () => {
  // H 4.5 ms, W 0.5 ms per wake-up; wake-ups differ from batch to batch. B: 10 more echoes at 0.2 ms each plus
  // 0.6 more wake-ups per echo costing 0.1 ms each (cheaper than a handshake's)
  const hs = (w: number) => batch(4.5 + 0.5 * w, w);
  const m: ServerMeasurement = {
    crypto: 'noble', reps: 2,
    a: { clients: 60, rate: 20, batches: [hs(3), hs(2.5)] },
    b: { clients: 30, rate: 20, echoes: 10, batches: [batch(4.5 + 0.5 * 2.75 + 10 * (0.2 + 0.6 * 0.1), 2.75 + 6)] },
    c: { clients: 160, rate: 80, batches: [hs(1.5), hs(1)] },
    d: { clients: 80, rate: 40, burst: 10, batches: [hs(0.4)] },
  };
  const f = fitServer(m);
  assert.is(f.batches, 5);
  assert.is(f.wakeupsMin, 0.4);
  assert.is(f.wakeupsMax, 3);
  assert.ok(Math.abs(f.handshakeMs - 4.5) < 1e-9);
  assert.ok(Math.abs(f.wakeupMs - 0.5) < 1e-9);
  assert.ok(f.rmsMs < 1e-9);
  // echo: everything B added per extra echo, and the wake-ups it added
  assert.ok(Math.abs(f.echoMs - 0.26) < 1e-9);
  assert.ok(Math.abs(f.echoWakeups - 0.6) < 1e-9);
  // more wake-ups costing less: no positive slope, refused
  assert.throws(() => fitServer({ ...m, a: { ...m.a, batches: [batch(4, 3)] }, c: { ...m.c, batches: [batch(6, 1)] }, d: { ...m.d, batches: [] } }), (e: unknown) => e instanceof FitError && /does not rise/.test((e as Error).message));
});

test('fitServer: the wake-up cost against the sleep before it, CPU = H + W x wake-ups x (1 - exp(-sleep / tau)) (synthetic, exact)', () => {
  // H 3.5 ms, W 0.8 ms, tau 4 ms (on the grid); each batch: (wake-ups per handshake, mean sleep per wake-up in ms)
  const hs = (k: number, sleepMs: number): BatchFigures => ({ ...batch(3.5 + 0.8 * k * (1 - Math.exp(-sleepMs / 4)), k), sleepMsPerWakeup: sleepMs });
  const m: ServerMeasurement = {
    crypto: 'noble', reps: 1,
    a: { clients: 60, rate: 20, batches: [hs(3.1, 14)] },
    b: { clients: 30, rate: 20, echoes: 10, batches: [hs(3.1, 14)] },
    c: { clients: 160, rate: 80, batches: [hs(2.6, 3), hs(2, 1.5)] },
    d: { clients: 80, rate: 40, burst: 10, batches: [hs(0.6, 35)] },
  };
  const f = fitServer(m);
  assert.is(f.refillMs, 4);
  assert.ok(Math.abs(f.handshakeMs - 3.5) < 1e-9);
  assert.ok(Math.abs(f.wakeupMs - 0.8) < 1e-9);
  assert.ok(f.rmsMs < 1e-9);
  // without sleeps (older measurements) the plain line: tau 0
  const plain = fitServer({ ...m, a: { ...m.a, batches: [batch(5, 3)] }, c: { ...m.c, batches: [batch(4, 2)] }, d: { ...m.d, batches: [batch(3, 1)] } });
  assert.is(plain.refillMs, 0);
  assert.ok(Math.abs(plain.wakeupMs - 1) < 1e-9);
});

test('sleepPerWakeupMs: (window - CPU - run-queue wait) / wake-ups; the refill grid', () => {
  // 1 s window, 10 handshakes, 0.2 s CPU, 10 ms wait each (0.1 s), 3 wake-ups each: 0.7 s asleep over 30 wake-ups
  const run = { summary: { window_s: 1, handshakes: { completed: 10 } }, serverCpuS: 0.2, runQueueWaitMsPerHandshake: 10, wakeupsPerHandshake: 3 };
  assert.ok(Math.abs(sleepPerWakeupMs(run as unknown as Parameters<typeof sleepPerWakeupMs>[0]) - 700 / 30) < 1e-9);
  assert.is(sleepPerWakeupMs({ ...run, wakeupsPerHandshake: 0 } as unknown as Parameters<typeof sleepPerWakeupMs>[0]), 0);
  assert.equal([REFILL_GRID_MS[0], REFILL_GRID_MS[2], REFILL_GRID_MS[8], REFILL_GRID_MS[16]], [0.25, 0.5, 4, 64]);
});

test('fitServer refuses batches whose wake-ups per handshake barely differ (the idle-machine case of 2026-12-05)', () => {
  // rep 1 of that calibration: A 3.92 ms at 3.20 wake-ups, C 3.49 ms at 3.19: a slope of 43 ms per wake-up
  const m: ServerMeasurement = {
    crypto: 'noble', reps: 1,
    a: { clients: 60, rate: 20, batches: [batch(3.92, 3.2)] },
    b: { clients: 30, rate: 20, echoes: 10, batches: [batch(6.89, 5)] },
    c: { clients: 160, rate: 80, batches: [batch(3.49, 3.19)] },
    d: { clients: 80, rate: 40, burst: 10, batches: [batch(3.6, 3.2 - MIN_WAKEUP_SPREAD + 0.01)] },
  };
  assert.throws(() => fitServer(m), (e: unknown) => e instanceof FitError && /spread below 1/.test((e as Error).message));
  // a burst batch just past MIN_WAKEUP_SPREAD is accepted
  const ok = fitServer({ ...m, d: { ...m.d, batches: [batch(3.0, 3.2 - MIN_WAKEUP_SPREAD - 1e-9)] } });
  assert.ok(ok.wakeupMs > 0);
});

test('splitProtocol: per record from the echo, per message from the rest (hand-computed)', () => {
  const fit = { batches: 3, rmsMs: 0, refillMs: 0, wakeupMs: 0.1, handshakeMs: 4, echoMs: 0.25, echoWakeups: 0.5, wakeupsMin: 0.5, wakeupsMax: 3 };
  const a = { cryptoCycles: 5e6, datagrams: 10, messages: 9, records: 12 };
  // 10 echoes: +100k crypto cycles, +20 datagrams, +20 records
  const b = { cryptoCycles: 5.1e6, datagrams: 30, messages: 9, records: 32 };
  // at 2 GHz: echo 0.25 ms less 0.5 wake-ups x 0.1 ms = 0.2 ms = 400k cycles; per echo 10k crypto, 2 datagrams x 20k, 2 records -> (400k - 10k - 40k) / 2 = 175k
  // handshake 4 ms = 8M cycles - 5M crypto - 10 x 20k - 12 x 175k = 700k over 9 messages
  const p = splitProtocol(fit, a, b, 10, 2, 20_000);
  assert.ok(Math.abs(p.recordCycles - 175_000) < 1e-6);
  assert.ok(Math.abs(p.messageCycles - 700_000 / 9) < 1e-6);
  assert.ok(Math.abs(p.wakeupCycles - 200_000) < 1e-6);
  // a negative residual is clamped and said so
  const q = splitProtocol({ ...fit, handshakeMs: 1 }, a, b, 10, 2, 20_000);
  assert.is(q.messageCycles, 0);
  assert.match(q.messageHow, /clamped/);
});

test('countsOf: per handshake from the cpu block', () => {
  const c = countsOf({ ops: { datagram: 40, 'handshake-message': 18, 'handshake-record': 20, record: 4 }, counters: { crypto_cycles: 1000 } }, 2);
  assert.equal(c, { cryptoCycles: 500, datagrams: 20, messages: 9, records: 12 });
});

test('kernel counters: schedstat, voluntary switches, per-core busy time', () => {
  assert.equal(parseSchedstat('123456789 2000 17\n'), { runNs: 123456789, waitNs: 2000 });
  assert.is(parseVoluntarySwitches('Name:\tnode\nvoluntary_ctxt_switches:\t4242\nnonvoluntary_ctxt_switches:\t7\n'), 4242);
  // user nice system idle iowait irq softirq steal: busy = user + nice + system + irq + softirq + steal
  const stat = 'cpu  1 1 1 1 1 1 1 1 0 0\ncpu0 100 10 50 900 5 1 2 3 0 0\ncpu1 200 0 100 700 0 0 0 0 0 0\nintr 1\n';
  assert.equal(parseCoreBusy(stat), [1.66, 3]);
  const snmp = 'Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors SndbufErrors\nUdp: 10 1 7 12 6 0\nUdpLite: InDatagrams\nUdpLite: 0\n';
  assert.is(parseRcvbufErrors(snmp), 6);
});

test('the rendered host model validates and runs a small scenario', () => {
  const yaml = renderHostModel(
    { cpuModel: 'test CPU', clockGhz: 2, node: 'v20', crypto: 'node', date: '2026-12-04T00:00:00Z', command: 'npm run calibrate' },
    micro,
    { messageCycles: 48_000, recordCycles: 12_000, wakeupCycles: 30_000, refillMs: 2.83, offpathCycles: 41_000.4, offpathRefillMs: 2.83, offpathHow: 'test', messageHow: 'test', recordHow: 'test', wakeupHow: 'test' },
    { perDatagramNs: 10_000, how: 'test' },
  );
  const m = parseModel(yaml, 'host.yaml');
  // cycles = ns x GHz
  assert.is(m.cpu.cycles_per_record, 12_000);
  assert.is(m.cpu.cycles_per_handshake_message, 48_000);
  assert.is(m.cpu.cycles_per_datagram, 20_000);
  assert.is(m.cpu.cycles_per_wakeup, 30_000);
  assert.is(m.cpu.wakeup_refill_ms, 2.83);
  assert.is(m.cpu.offpath_cycles_per_wakeup, 41_000);
  assert.is(m.cpu.offpath_refill_ms, 2.83);
  assert.ok(m.cpu.wakeup_linger_us > 0);
  assert.is(m.cpu.software.pke_cycles.ecdsa_p256_sign, 90_000);
  assert.is(m.cpu.cores, 1);
});

test('models/host.yaml (shipped calibration) validates and runs every shipped scenario (10 clients)', () => {
  const model = parseModel(readFileSync(join(ROOT, 'models/host.yaml'), 'utf8'), 'models/host.yaml');
  for (const f of readdirSync(join(ROOT, 'scenarios')).filter((x) => x.endsWith('.yaml'))) {
    let sc = parseScenario(readFileSync(join(ROOT, 'scenarios', f), 'utf8'), f);
    sc = applyScenarioOverrides(sc, ['clients.count=10', 'sim.warmup_ms=0']);
    // hello-flood sizes its flood at 10x an accelerator's handshake capacity (509k hellos/s): a one-core software
    // host drowns in it, as it would for real. Scaled to the host (100 hellos/s) legitimate handshakes must finish.
    if (sc.attack) sc = applyScenarioOverrides(sc, ['attack.hello_rate_per_s=100', 'attack.garbage_rate_per_s=100']);
    const r = runScenario({ scenario: sc, model, seed: 1, crypto: 'node' });
    assert.ok(r.summary.handshakes.completed > 0, `${f}: no handshake completed on the host model`);
    const cpu = r.blocks.find((b) => b.name === 'cpu')!;
    assert.ok(cpu.utilization > 0, `${f}: host cpu idle`);
  }
});

test('bad options are refused before anything is measured: exit status 2, one line', async () => {
  for (const [args, msg] of [
    [['--reps', '-3'], 'calibrate: --reps must be an integer in [1, 50]\n'],
    [['--reps', 'x'], 'calibrate: --reps must be an integer in [1, 50]\n'],
    [['--cert', '/nonexistent/cert.pem'], /^calibrate: cannot read certificate \/nonexistent\/cert\.pem: ENOENT/],
  ] as const) {
    let err = '';
    const code = await calibrateMain([...args], () => {}, (s: string) => { err += s; });
    assert.is(code, 2, args.join(' '));
    if (typeof msg === 'string') assert.is(err, msg);
    else assert.match(err, msg);
  }
});

test.run();
