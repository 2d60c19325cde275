// Session resumption in the co-simulation (clients.resumption, src/workload/resumption.ts): the public-key engine's
// utilisation falls as more clients resume, and equals operations x latency / (instances x time) computed here
// from the model's latency table and the run's operation counts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCosim } from '../../src/workload/cosim.ts';
import { PS_PER_US } from '../../src/sim/index.ts';
import { applyScenarioOverrides, ConfigError, parseScenario, type Scenario } from '../../src/workload/config/index.ts';
import { load } from './helpers.ts';

function withResumption(s: Scenario, fraction: number, early = 0): Scenario {
  return { ...s, clients: { ...s.clients, resumption: { fraction, sessions_per_client: 1, reconnect_delay_ms: 1, early_data_records: early } } };
}

const base = load('scenarios/10k-clients.yaml', ['clients.count=40', 'traffic.records_per_client=2', 'clients.arrival.duration_ms=20']);

test('pke utilisation falls monotonically with the resumption fraction and equals ops x latency / time', () => {
  const utils: number[] = [];
  for (const f of [0, 0.25, 0.5, 0.75, 0.9]) {
    const r = runCosim({ scenario: withResumption(base.scenario, f), model: base.model, seed: 7, crypto: 'node' });
    const pke = r.blockStats.find((b) => b.name === 'pke')!;
    // by hand: every operation's fixed latency (model table), over the engine's instances and the run's time
    let busyUs = 0;
    const lat = base.model.pke!.latency_us as Record<string, number>;
    for (const [op, n] of Object.entries(pke.ops)) {
      assert.ok(lat[op] !== undefined, `unknown pke op ${op}`);
      busyUs += n * lat[op]!;
    }
    const want = (busyUs * PS_PER_US) / (base.model.pke!.instances * (r.endPs - r.warmupPs));
    assert.ok(Math.abs(pke.utilization - want) <= 0.01 * want, `f=${f}: utilisation ${pke.utilization} vs by hand ${want}`);
    assert.is(r.acc.handshakesCompleted, 80, `f=${f}: 2 sessions x 40 clients`);
    const kinds = r.handshakeKinds!;
    assert.is(kinds.count('full') + kinds.count('resumed'), 80);
    if (f === 0) assert.is(kinds.count('resumed'), 0);
    else assert.ok(kinds.count('resumed') > 0, `f=${f}: some resumed`);
    utils.push(pke.utilization);
  }
  for (let i = 1; i < utils.length; i++) assert.ok(utils[i]! < utils[i - 1]!, `utilisation not falling: ${utils.join(', ')}`);
});

test('resumed sessions with 0-RTT: the early record is accepted and echoed; same run twice is identical', () => {
  // no jitter: with jitter the 0-RTT record may overtake its ClientHello and be discarded by the server (no
  // connection yet; 0-RTT data is not retransmitted, RFC 9147 / RFC 8446 E.5), and the client waits for its echo
  const sc = withResumption({ ...base.scenario, network: { ...base.scenario.network, jitter_ms: 0 } }, 1, 1);
  const a = runCosim({ scenario: sc, model: base.model, seed: 3, crypto: 'node' });
  const k = a.handshakeKinds!;
  assert.is(k.count('full'), 40);
  // client public-key operations: full = key share + shared secret + CertificateVerify + 2 certificate signatures
  // (chain_length 2); resumed psk_dhe_ke = key share + shared secret (no certificate, no signature)
  assert.is(k.clientPke.get('full'), 40 * 5);
  assert.is(k.clientPke.get('resumed_0rtt'), 40 * 2);
  assert.is(k.count('resumed_0rtt'), 40, JSON.stringify([...k.latency].map(([n, h]) => [n, h.count])));
  // the server echoes each 0-RTT record once its side of the handshake completes: every record arrives
  assert.is(a.acc.recordsSent, 40 * 2 * 2 * 2, 'echo: 2 records each way per session');
  assert.is(a.acc.recordsReceived, a.acc.recordsSent);
  const b = runCosim({ scenario: sc, model: base.model, seed: 3, crypto: 'node' });
  assert.is(JSON.stringify(b.blockStats), JSON.stringify(a.blockStats));
  assert.is(b.events, a.events);
});

test('download (direction down) with reconnecting clients: every session gets its records, every client ends', () => {
  const d = load('scenarios/10k-clients.yaml', ['clients.count=30', 'traffic.records_per_client=3', 'traffic.direction=down']);
  const sc: Scenario = { ...d.scenario, clients: { ...d.scenario.clients, resumption: { fraction: 0.5, sessions_per_client: 2, reconnect_delay_ms: 5, early_data_records: 1 } } };
  const r = runCosim({ scenario: sc, model: d.model, seed: 2, crypto: 'node' });
  assert.is(r.acc.handshakesCompleted, 90);
  assert.is(r.acc.recordsReceived, 90 * 3);
  assert.is(r.clientsDone, 30);
  assert.ok(r.handshakeKinds!.count('resumed') > 0);
});

test('per-connection goodput counts each session\'s own data window: the reconnect delay is not data time', () => {
  // one client, one record echoed, then a second session after 100 ms: the per-connection goodput (the
  // throughput_ratio's numerator) is the bytes of both sessions over the two sessions' windows, not over the span
  // from the first session's record to the second's (which holds the 100 ms delay and the second handshake)
  const one = load('scenarios/single-client.yaml', ['traffic.records_per_client=1']);
  const plain = runCosim({ scenario: one.scenario, model: one.model, seed: 3, crypto: 'node' });
  const twice = { ...one.scenario, clients: { ...one.scenario.clients, resumption: { fraction: 1, sessions_per_client: 1, reconnect_delay_ms: 100, early_data_records: 0 } } };
  const r = runCosim({ scenario: twice, model: one.model, seed: 3, crypto: 'node' });
  assert.is(r.acc.recordsReceived, 2 * plain.acc.recordsReceived);
  const g1 = plain.acc.connectionGoodputBps();
  const g2 = r.acc.connectionGoodputBps();
  // the two sessions' windows are alike (the second resumes: a shorter handshake, the same record path), so the
  // goodput stays within a few per cent of one session's; over the whole span it was below a tenth of it
  assert.ok(Math.abs(g2 / g1 - 1) < 0.05, `two sessions ${g2} vs one ${g1}`);
  const span = (r.acc.dataWindowPs() / 1e12);
  assert.ok(span > 0.1, `the aggregate window spans the reconnect delay (${span} s)`);
});

test('clients.resumption: validated, overridable, absent by default (config.json of older scenarios unchanged)', () => {
  assert.is(base.scenario.clients.resumption, undefined);
  const web = load('scenarios/web-resumption.yaml');
  assert.equal(web.scenario.clients.resumption, { fraction: 0.7, sessions_per_client: 1, reconnect_delay_ms: 100, early_data_records: 1 });
  const off = applyScenarioOverrides(web.scenario, ['clients.resumption.fraction=0']);
  assert.is(off.clients.resumption!.fraction, 0);
  for (const bad of ['clients.resumption.fraction=1.5', 'clients.resumption.early_data_records=2', 'clients.resumption.sessions_per_client=0']) {
    assert.throws(() => applyScenarioOverrides(web.scenario, [bad]), (e: unknown) => e instanceof ConfigError, bad);
  }
  const text = 'model: { file: m.yaml }\nclients:\n  count: 2\n  resumption: { sessions_per_client: 2 }\n';
  assert.throws(() => parseScenario(text, 'x.yaml'), (e: unknown) => e instanceof ConfigError && /resumption\.fraction/.test(e.message));
});

test.run();
