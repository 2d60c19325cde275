// Hello floods (scenario `attack:`, src/workload/attack.ts; issue 14 item 5): scenarios/hello-flood.yaml floods at
// 10x the server's handshake capacity (recomputed here from the model with src/hw/capacity.ts); with cookies on
// the spoofed hellos leave no server state and the legitimate handshakes' p99 stays within 2x of the same run
// without the attack; with cookies off the half-open cap holds. Runs are shortened (the attack's rate is kept).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pkeOpsPerS } from '../../src/hw/capacity.ts';
import { runCosim } from '../../src/workload/cosim.ts';
import { runScenario } from '../../src/workload/index.ts';
import { applyScenarioOverrides, ConfigError, type Scenario } from '../../src/workload/config/index.ts';
import type { AttackSummary } from '../../src/workload/attack.ts';
import { load } from './helpers.ts';

const SHORT = ['clients.count=100', 'clients.arrival.duration_ms=40', 'attack.duration_ms=40', 'baseline_udp=false'];

test('hello-flood.yaml floods at 10x the full-handshake capacity of its model', () => {
  const { scenario, model } = load('scenarios/hello-flood.yaml');
  // a full ECDHE + ECDSA handshake on the server: X25519 keygen + derive + ECDSA P-256 sign on the shared engines
  const perHandshakeS = 1 / pkeOpsPerS(model, 'x25519_keygen') + 1 / pkeOpsPerS(model, 'x25519_derive') + 1 / pkeOpsPerS(model, 'ecdsa_p256_sign');
  const capacity = 1 / perHandshakeS;
  assert.ok(Math.abs(capacity - 2e6 / 39.3) < 1e-6, `capacity ${capacity}`);
  const rate = scenario.attack!.hello_rate_per_s;
  assert.ok(rate >= 10 * capacity && rate < 10.01 * capacity, `rate ${rate} vs capacity ${capacity}`);
});

function attackOf(s: Scenario, model: ReturnType<typeof load>['model']) {
  const r = runCosim({ scenario: s, model, seed: 1, crypto: 'node' });
  return { r, a: r.attack!.summary() as AttackSummary };
}

test('cookies on: no server state per spoofed hello, every hello answered statelessly, legitimate p99 within 2x', () => {
  const { scenario, model } = load('scenarios/hello-flood.yaml', SHORT);
  assert.ok(scenario.clients.cookie);
  const { r, a } = attackOf(scenario, model);
  const sent = a.hellos.sent;
  assert.ok(sent >= 0.04 * 509000 - 1, `hellos sent ${sent}`);
  assert.is(a.server_state.connections_created, 0);
  assert.is(a.server_state.peak_connections, 0);
  assert.is(a.server_state.peak_bytes, 0);
  assert.is(a.server_state.bytes_per_connection, 0);
  // one stateless HelloRetryRequest per spoofed hello (none dropped: the port queue keeps up at this rate)
  assert.is(a.hellos.answered, sent);
  assert.is(a.replies.datagrams, sent);
  assert.is(a.garbage.answered, 0);
  assert.ok(a.garbage.sent > 0);
  assert.is(r.acc.handshakesCompleted, 100);
  const withFlood = r.acc.handshakeLatency.quantile(0.99);
  const quiet = runCosim({ scenario: { ...scenario, attack: undefined }, model, seed: 1, crypto: 'node' });
  assert.is(quiet.acc.handshakesCompleted, 100);
  const without = quiet.acc.handshakeLatency.quantile(0.99);
  assert.ok(withFlood <= 2 * without, `p99 ${withFlood / 1e9} ms under the flood vs ${without / 1e9} ms without`);
  // the flood's cost shows in the server's blocks: host CPU and the SHA engine (cookie MAC)
  const util = (run: typeof r, name: string) => run.blockStats.find((b) => b.name === name)!.utilization;
  assert.ok(util(r, 'cpu') > 5 * util(quiet, 'cpu'), `cpu ${util(r, 'cpu')} vs ${util(quiet, 'cpu')}`);
  assert.ok(a.service_by_stage.cpu!.total_us > 0 && a.service_by_stage.hash!.total_us > 0);
});

test('cookies off: the half-open cap holds while the flood evicts, and every spoofed hello created a connection', () => {
  const { scenario, model } = load('scenarios/hello-flood.yaml', [...SHORT, 'clients.cookie=false', 'dtls.half_open.max=128', 'attack.duration_ms=10', 'sim.end_ms=300']);
  const { r, a } = attackOf(scenario, model);
  const s = a.server_state;
  assert.is(s.half_open_cap, 128);
  assert.ok(s.peak_half_open <= 128 && s.peak_half_open > 100, `peak half-open ${s.peak_half_open}`);
  assert.ok(s.peak_connections <= 128, `peak attack connections ${s.peak_connections}`);
  assert.ok(s.half_open_evicted > 0);
  assert.is(s.connections_created, a.hellos.sent);
  assert.ok(s.peak_bytes > 0 && s.bytes_per_connection > 0);
  // the server answered with (amplification-limited) flights
  assert.ok(a.replies.datagrams >= a.hellos.sent);
  assert.ok(r.blockStats.find((b) => b.name === 'pke')!.served > a.hellos.sent);
});

test('hello-flood summary: attack figures present, conservation holds, deterministic (byte-identical summary)', () => {
  const { scenario, model } = load('scenarios/hello-flood.yaml', ['clients.count=40', 'clients.arrival.duration_ms=10', 'attack.duration_ms=10']);
  const a = runScenario({ scenario, model });
  const b = runScenario({ scenario, model });
  assert.is(JSON.stringify(b.summary), JSON.stringify(a.summary));
  const c = a.summary.conservation.dtls;
  let dropped = 0;
  for (const v of Object.values(c.dropped)) dropped += v;
  assert.is(c.sent, c.delivered + dropped + c.in_flight);
  assert.is(c.dropped.attack_reply, a.summary.attack!.replies.datagrams);
});

test('attack: validated', () => {
  const { scenario } = load('scenarios/hello-flood.yaml');
  for (const bad of ['attack.duration_ms=0', 'attack.hello_rate_per_s=-1', 'attack.garbage_bytes=0', 'dtls.half_open.max=0']) {
    assert.throws(() => applyScenarioOverrides(scenario, [bad]), (e: unknown) => e instanceof ConfigError, bad);
  }
  assert.throws(
    () => applyScenarioOverrides(scenario, ['attack.hello_rate_per_s=0', 'attack.garbage_rate_per_s=0']),
    (e: unknown) => e instanceof ConfigError && /hello_rate_per_s/.test(e.message),
  );
});

test('half_open_dropped counts handshakes abandoned by the timeout as well as those evicted by a cap', () => {
  // cookies off, 2,500 spoofed hellos (50,000/s for 50 ms: under the half-open cap) and a 20 ms handshake timeout:
  // spoofed hellos never complete, so they time out
  const { scenario, model } = load('scenarios/hello-flood.yaml', [
    'clients.count=50', 'clients.arrival.duration_ms=50', 'attack.hello_rate_per_s=50000', 'attack.duration_ms=50', 'baseline_udp=false',
    'clients.cookie=false', 'dtls.half_open.handshake_timeout_ms=20', 'sim.end_ms=400',
  ]);
  const s = runScenario({ scenario, model }).summary;
  const st = (s.attack as AttackSummary).server_state;
  assert.ok(st.handshake_timeouts > 0, 'some spoofed handshakes timed out');
  // the summary's figure is every dispatcher's evictions + timeouts (the flood is on the only dispatcher)
  assert.is(s.handshakes.half_open_dropped, st.half_open_evicted + st.handshake_timeouts);
});

test.run();
