// Validation of the device-fleet keys (docs/scenarios.md "Device fleets"): clients.psk, clients.connection_id_length,
// clients.churn_per_min, network.nat_rebinding_per_min. Every bad value is a ConfigError naming the field at its
// position; the defaults leave a scenario as it was.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, formatIssue, parseScenario, applyScenarioOverrides } from '../../src/workload/config/index.ts';

const base = (extraClients = '', extraTop = '') => `model: { file: ../models/baseline.yaml }
clients:
  count: 10
${extraClients}${extraTop}`;

function errors(text: string): string[] {
  try {
    parseScenario(text, 'x.yaml');
  } catch (e) {
    if (e instanceof ConfigError) return e.issues.map(formatIssue);
    throw e;
  }
  return [];
}

test('defaults: no PSK, no CID, no churn, no rebinding', () => {
  const s = parseScenario(base(), 'x.yaml');
  assert.is(s.clients.psk, undefined);
  assert.is(s.clients.connection_id_length, 0);
  assert.is(s.clients.churn_per_min, 0);
  assert.is(s.network.nat_rebinding_per_min, 0);
  const p = parseScenario(base('  psk: {}\n'), 'x.yaml');
  assert.equal(p.clients.psk, { mode: 'psk_ke' });
});

test('clients.psk: mode psk_ke | psk_dhe_ke, no other key', () => {
  assert.equal(parseScenario(base('  psk: { mode: psk_dhe_ke }\n'), 'x.yaml').clients.psk, { mode: 'psk_dhe_ke' });
  assert.equal(errors(base('  psk: { mode: psk }\n')), ['x.yaml:4:16 clients.psk.mode: must be one of "psk_ke", "psk_dhe_ke"']);
  assert.equal(errors(base('  psk: { mode: psk_ke, identity: a }\n')), ['x.yaml:4:24 clients.psk.identity: unknown key']);
});

test('clients.connection_id_length: integer 0..255', () => {
  assert.is(parseScenario(base('  connection_id_length: 8\n'), 'x.yaml').clients.connection_id_length, 8);
  for (const bad of ['-1', '256', '2.5', 'yes']) {
    const e = errors(base(`  connection_id_length: ${bad}\n`));
    assert.is(e.length, 1, bad);
    assert.match(e[0]!, /^x\.yaml:4:25 clients\.connection_id_length: /, bad);
  }
});

test('clients.churn_per_min and network.nat_rebinding_per_min: fractions in [0, 1]', () => {
  for (const bad of ['-0.1', '1.5', 'often']) {
    const e = errors(base(`  churn_per_min: ${bad}\n`));
    assert.is(e.length, 1, bad);
    assert.match(e[0]!, /^x\.yaml:4:18 clients\.churn_per_min: /, bad);
    const n = errors(base('', `network: { nat_rebinding_per_min: ${bad} }\n`));
    assert.is(n.length, 1, bad);
    assert.match(n[0]!, /^x\.yaml:4:35 network\.nat_rebinding_per_min: /, bad);
  }
  assert.is(parseScenario(base('  churn_per_min: 0.25\n'), 'x.yaml').clients.churn_per_min, 0.25);
});

test('NAT rebinding without CIDs needs echo traffic (the only way a rebound client notices)', () => {
  const up = errors(base('', 'traffic: { direction: up }\nnetwork: { nat_rebinding_per_min: 0.01 }\n'));
  assert.is(up.length, 1);
  assert.match(up[0]!, /^x\.yaml:5:\d+ network\.nat_rebinding_per_min: without connection IDs .* needs traffic\.direction echo$/);
  // with CIDs the server keeps the connection: any direction
  assert.equal(errors(base('  connection_id_length: 4\n', 'traffic: { direction: up }\nnetwork: { nat_rebinding_per_min: 0.01 }\n')), []);
  assert.equal(errors(base('', 'network: { nat_rebinding_per_min: 0.01 }\n')), []);
});

test('churn needs the clients to send (up or echo): a server download is not resumed on the new association', () => {
  const e = errors(base('  churn_per_min: 0.1\n', 'traffic: { direction: down }\n'));
  assert.equal(e, ['x.yaml:4:18 clients.churn_per_min: not modelled with traffic.direction down (use up or echo)']);
  assert.equal(errors(base('  churn_per_min: 0.1\n', 'traffic: { direction: up }\n')), []);
});

test('overrides of the new keys are validated too', () => {
  const s = parseScenario(base(), 'x.yaml');
  assert.is(applyScenarioOverrides(s, ['clients.connection_id_length=4']).clients.connection_id_length, 4);
  assert.throws(() => applyScenarioOverrides(s, ['clients.churn_per_min=2']), /clients\.churn_per_min/);
  assert.throws(() => applyScenarioOverrides(s, ['clients.psk.mode=psk_foo']), /clients\.psk/);
});

test.run();
