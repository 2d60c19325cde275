// Scenario `dtls.timers` (RFC 9147 5.8.2 retransmission timer): defaults equal the DTLS core's own, bad values
// are errors at their position, and the settings reach every endpoint. The expected retransmission counts follow
// from the RFC's rule (initial timeout, doubled on each expiry up to the cap, give up after N expiries) with
// every datagram lost, independently of the simulator's code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createProvider, resolveClient, seededRandom } from '../../src/dtls/index.ts';
import { ConfigError, endpointTimers, parseScenario } from '../../src/workload/config/index.ts';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

test('defaults: a scenario without dtls: gets the core defaults except the floor (1 ms vs 10 ms), and config dumps them', () => {
  const s = parseScenario('model: { file: m.yaml }\nclients: { count: 1 }\n', 'x.yaml');
  assert.equal(s.dtls, {
    timers: { initial_rto_ms: 1000, max_rto_ms: 60000, rto_floor_ms: 1, max_retransmissions: 10 },
    // the core's half-open caps (src/dtls/endpoint/half-open.ts HALF_OPEN_DEFAULTS), written out here
    half_open: { max: 4096, max_per_source: 256, handshake_timeout_ms: 60000 },
  });
  const core = resolveClient({ crypto: createProvider('node', seededRandom('unused')), verifier: { verify: () => ({ ok: false, alert: 42, reason: 'unused' }) } });
  const t = endpointTimers(s.dtls);
  assert.equal(t, {
    initialRetransmitMs: core.initialRetransmitMs,
    maxRetransmitMs: core.maxRetransmitMs,
    minRetransmitMs: 1,
    maxRetransmissions: core.maxRetransmissions,
  });
  assert.is(core.minRetransmitMs, 10);
});

test('validation: positions and fields', () => {
  const text = 'model: { file: m.yaml }\nclients: { count: 1 }\ndtls:\n  timers:\n    initial_rto_ms: 100\n    max_rto_ms: 50\n    max_retransmissions: -1\n';
  try {
    parseScenario(text, 'x.yaml');
    assert.unreachable('must throw');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.equal((e as ConfigError).message.split('\n'), [
      'x.yaml:7:26 dtls.timers.max_retransmissions: must be >= 0',
      'x.yaml:5:21 dtls.timers.initial_rto_ms: must be <= max_rto_ms (50)',
    ]);
  }
});

/** One client, every datagram lost: only the client's ClientHello timer runs. */
function lostHandshake(endMs: number, timers: string[]) {
  const { scenario, model } = load('scenarios/single-client.yaml', ['network.loss=1', 'baseline_udp=false', `sim.end_ms=${endMs}`, ...timers.map((t) => `dtls.timers.${t}`)]);
  return runScenario({ scenario, model, crypto: 'node' }).summary.handshakes;
}

test('initial_rto_ms and max_rto_ms reach the client: expiries at 10, 30, 70 ms (doubling) or every 10 ms (capped)', () => {
  // first ClientHello leaves at ~0.07 ms (client key generation); the windows end between expiries
  assert.is(lostHandshake(45, ['initial_rto_ms=10', 'max_rto_ms=60000']).retransmissions, 2); // 10, 30
  assert.is(lostHandshake(45, ['initial_rto_ms=10', 'max_rto_ms=10']).retransmissions, 4); // 10, 20, 30, 40
  assert.is(lostHandshake(45, ['initial_rto_ms=5', 'max_rto_ms=60000']).retransmissions, 3); // 5, 15, 35
});

test('max_retransmissions: the handshake fails after that many retransmissions', () => {
  for (const n of [0, 2, 5]) {
    const h = lostHandshake(1000, ['initial_rto_ms=1', 'max_rto_ms=4', `max_retransmissions=${n}`]);
    assert.is(h.retransmissions, n, `n=${n}`);
    assert.is(h.failed, 1, `n=${n}`);
  }
});

test.run();
