// npm run validate -- loopback: the comparison figures and their spread over repetitions (by hand), the predicted
// side's scenario (same arrival instants, core shares) and its CPU time per handshake independent of the share.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { fig, pair, realFigures, spread } from '../../src/cli/validate/loopback.ts';
import type { LoadRun } from '../../src/cli/loopback/measure.ts';
import { clientCostsFrom, loopStallOf, predict, scenarioYaml, type PredictInput } from '../../src/cli/loopback/predict.ts';
import type { MicroResults } from '../../src/cli/calibrate/micro.ts';
import { cpuAt } from '../../src/cli/loopback/measure.ts';
import { parseScenario } from '../../src/workload/config/index.ts';

const lin = (fixedNs: number, perUnitNs: number) => ({ fixedNs, perUnitNs, how: 'test' });
const micro: MicroResults = {
  aead: { aes_128_gcm: lin(1000, 2), aes_256_gcm: lin(1100, 3), chacha20_poly1305: lin(900, 4), aes_128_ccm: lin(1200, 5) },
  snMaskNs: 300,
  hash: { sha256: lin(500, 100), sha384: lin(600, 200) },
  pkeNs: { x25519_keygen: 50_000, x25519_derive: 60_000, p256_keygen: 70_000, p256_derive: 80_000, ed25519_sign: 40_000, ed25519_verify: 90_000, ecdsa_p256_sign: 45_000, ecdsa_p256_verify: 95_000 },
};

test('fig and spread: relative error, medians and range over repetitions (hand-computed)', () => {
  assert.equal(fig(10, 12), { measured: 10, predicted: 12, rel_error: 0.2 });
  const s = spread([fig(10, 12), fig(20, 18), fig(8, 8)]);
  assert.is(s.measured, 10);
  assert.is(s.predicted, 12);
  assert.is(s.rel_error, 0); // errors +0.2, -0.1, 0
  assert.is(s.rel_error_min, -0.1);
  assert.ok(Math.abs(s.rel_error_max - 0.2) < 1e-12);
});

test('--repeat: a real run against the same load run again, figure by figure (hand-made runs)', () => {
  const run = (cpuMs: number, util: number, p50: number): LoadRun => ({
    summary: {
      arrival_window: { handshakes_per_s: 100 }, throughput: { handshakes_per_s: 99 },
      handshake_latency_ms: { p50, p99: 3 * p50 }, record_rtt_us: { p50: 500 },
    },
    serverCpuS: 1, serverCpuMsPerHandshake: cpuMs, serverUtilization: util, wakeupsPerHandshake: 2, runQueueWaitMsPerHandshake: 0,
    otherLoadServerCore: 0, otherLoadGeneratorCore: 0, generatorUtilization: 0.2, serverCoreShare: 1, serverCoreShareAllThreads: 1,
    generatorCoreShare: 1, generatorCoreShareAllThreads: 1, generatorCoreShareOthers: 1, serverUtilizationArrivalWindow: util, receiveBufferDrops: 0,
  }) as unknown as LoadRun;
  const r = pair(realFigures(run(4, 0.4, 5)), realFigures(run(5, 0.5, 4)));
  assert.equal(r.server_cpu_ms_per_handshake, { measured: 4, predicted: 5, rel_error: 0.25 });
  assert.ok(Math.abs(r.server_utilization!.rel_error - 0.25) < 1e-12 && r.server_utilization!.measured === 0.4);
  assert.equal(r.handshake_p50_ms, { measured: 5, predicted: 4, rel_error: -0.2 });
  assert.equal(r.handshakes_per_s, { measured: 100, predicted: 100, rel_error: 0 });
  // every figure the comparison with the model reports
  assert.equal(Object.keys(r), ['server_utilization', 'server_cpu_ms_per_handshake', 'wakeups_per_handshake', 'handshakes_per_s',
    'server_utilization_whole_run', 'handshakes_per_s_whole_run', 'handshake_p50_ms', 'handshake_p99_ms', 'record_rtt_p50_us']);
});

test('clientCostsFrom: crypto from the micro figures, protocol from the model (us)', () => {
  const c = clientCostsFrom(micro, { clock_ghz: 2, cycles_per_handshake_message: 100_000, cycles_per_record: 10_000, cycles_per_datagram: 6_000 });
  assert.is(c.handshake_message_us, 50);
  assert.is(c.record_us, 8); // (10,000 + 6,000) / 2 GHz
  assert.is(c.aead_op_us, 1);
  assert.is(c.hash_block_ns, 350); // 100 + 500 / 2
  assert.is(c.kx_derive_us, 60);
  assert.is(c.verify_us, 95);
});

const base = (over: Partial<PredictInput> = {}): PredictInput => ({
  modelFile: join(ROOT, 'models/host.yaml'), clients: 4, rate: 2, records: 1, size: 100, cookie: true, seed: 1, oneWayMs: 0.01,
  clientCosts: clientCostsFrom(micro, { clock_ghz: 2, cycles_per_handshake_message: 100_000, cycles_per_record: 10_000, cycles_per_datagram: 6_000 }),
  arrival: 'constant', coreShare: 1, clientShare: 1, ...over,
});

test('scenarioYaml: constant arrivals are a ramp over clients / rate; shares slow the core and the clients', () => {
  const sc = parseScenario(scenarioYaml(base({ coreShare: 0.5, clientShare: 0.25 })), 'x.yaml');
  assert.equal(sc.clients.arrival, { kind: 'ramp', duration_ms: 2000 }); // 4 clients at 2/s: starts 0, 500, 1000, 1500 ms
  assert.is(sc.model.overrides.length, 1);
  assert.match(sc.model.overrides[0]!, /^cpu\.clock_ghz=1\.048$/); // host.yaml's 2.096 GHz x 0.5
  assert.is(sc.clients.costs.handshake_message_us, 200); // 50 us / 0.25
  const dedicated = parseScenario(scenarioYaml(base()), 'y.yaml');
  assert.equal(dedicated.model.overrides, []);
  assert.equal(parseScenario(scenarioYaml(base({ arrival: 'poisson' })), 'z.yaml').clients.arrival, { kind: 'poisson', rate_per_s: 2 });
});

test('scenarioYaml: the generator\'s actual starts replayed as a trace (a client that never started at its scheduled instant, an early one at 0)', () => {
  const sc = parseScenario(scenarioYaml(base({ arrivalsMs: [-0.4, 512.25, null, 1490] })), 'x.yaml');
  // 4 clients at 2/s: the third's scheduled start is 2 / 2 s = 1000 ms
  assert.equal(sc.clients.arrival, { kind: 'trace', at_ms: [0, 512.25, 1000, 1490] });
  assert.throws(() => scenarioYaml(base({ arrivalsMs: [0, 1] })), /2 entries for 4 clients/);
});

test('loopStallOf: the generator\'s pauses from its clients\' own time per handshake; in the scenario with the shared loop only (hand-computed)', () => {
  // 200/s, mean 1.5 ms against a median of 1.2: 200 x 0.3 ms = 60 ms of loop time a second; one stall p99 - p50 = 6 ms
  assert.equal(loopStallOf(200, { mean: 1.5, p50: 1.2, p99: 7.2 }), { share: 0.06, us: 6000 });
  assert.equal(loopStallOf(1e4, { mean: 1.5, p50: 1.2, p99: 1.25 }), { share: 0.9, us: 100 }); // bounds
  assert.is(loopStallOf(200, { mean: 1.2, p50: 1.2, p99: 3 }), undefined);
  assert.is(loopStallOf(200, undefined), undefined);
  const sc = parseScenario(scenarioYaml(base({ loopStall: { share: 0.06, us: 6000 } })), 'x.yaml');
  assert.is(sc.clients.costs.loop_stall_share, 0.06);
  assert.is(sc.clients.costs.loop_stall_us, 6000);
  // a processor per client: no loop to stall (the scenario would refuse the keys)
  assert.is(parseScenario(scenarioYaml(base({ loopStall: { share: 0.06, us: 6000 }, clientProcessors: 0 })), 'y.yaml').clients.costs.loop_stall_share, 0);
});

test('scenarioYaml: the simulated endpoints use the generator\'s and the demo server\'s timers (the DTLS core defaults)', () => {
  // RFC 9147 5.8.2 initial 1000 ms, cap 60 s; the core's floor 10 ms and 10 expiries (src/dtls/endpoint/config.ts)
  const sc = parseScenario(scenarioYaml(base()), 'x.yaml');
  assert.equal(sc.dtls.timers, { initial_rto_ms: 1000, max_rto_ms: 60000, rto_floor_ms: 10, max_retransmissions: 10 });
});

test('cpuAt: server CPU time interpolated between samples at an epoch instant', () => {
  const smp = [{ epochMs: 100, cpuS: 1 }, { epochMs: 200, cpuS: 2 }, { epochMs: 400, cpuS: 2.5 }];
  assert.is(cpuAt(smp, 50), 1);
  assert.is(cpuAt(smp, 150), 1.5);
  assert.is(cpuAt(smp, 300), 2.25);
  assert.is(cpuAt(smp, 900), 2.5);
});

test('predict: CPU time per handshake does not depend on the core share at a light load', () => {
  const a = predict(base());
  const b = predict(base({ coreShare: 0.9 }));
  assert.is(a.result.summary.handshakes.completed, 4);
  assert.ok(a.cpuMsPerHandshake > 0);
  assert.ok(Math.abs(b.cpuMsPerHandshake - a.cpuMsPerHandshake) / a.cpuMsPerHandshake < 1e-6, `${a.cpuMsPerHandshake} vs ${b.cpuMsPerHandshake}`);
  // the slower core takes longer
  assert.ok(b.handshakeP50Ms > a.handshakeP50Ms);
  assert.ok(a.wakeupsPerHandshake > 0);
});

test('predict: a host slowdown of 2 doubles the CPU time per handshake at a light load', () => {
  const a = predict(base());
  const b = predict(base({ hostSlowdown: 2 }));
  assert.ok(Math.abs(b.cpuMsPerHandshake / a.cpuMsPerHandshake - 2) < 1e-6, `${a.cpuMsPerHandshake} vs ${b.cpuMsPerHandshake}`);
  assert.ok(b.handshakeP50Ms > a.handshakeP50Ms);
  // and the clock is scaled by share / slowdown together
  const y = scenarioYaml(base({ coreShare: 0.5, hostSlowdown: 2 }));
  const clock = (s: string) => Number(/cpu\.clock_ghz=([\d.e+-]+)/.exec(s)![1]);
  assert.ok(Math.abs(clock(y) / clock(scenarioYaml(base({ coreShare: 0.5 }))) - 0.5) < 1e-12);
  assert.not.match(scenarioYaml(base({ coreShare: 1, hostSlowdown: 1 })), /clock_ghz/);
});

test.run();
