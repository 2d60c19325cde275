// Client certificates and RSA chains in scenarios (issue 14 item 1): clients.client_auth makes the server request
// and verify client certificates of the configured key types; clients.certificate.type rsa-2048/3072 gives the
// server an RSA chain. The server's public-key operations per handshake kind are counted from what its DTLS core
// did (handshake_kinds.<kind>.server_pke_ops_per_handshake) and checked here against the protocol: a full
// ECDHE handshake is one key share, one shared secret and one CertificateVerify signature; a mutual one adds one
// verification per client certificate plus the client's CertificateVerify.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { applyScenarioOverrides, ConfigError } from '../../src/workload/config/index.ts';
import { load } from './helpers.ts';

const SMALL = ['clients.count=30', 'clients.arrival.duration_ms=30', 'baseline_udp=false'];

test('gateway-mutual-auth: every handshake mutual, server verifies chain + CertificateVerify, by key type', () => {
  for (const [kt, verifyOp] of [['ecdsa-p256', 'ecdsa_p256_verify'], ['ed25519', 'ed25519_verify'], ['rsa-2048', 'rsa2048_verify']] as const) {
    const { scenario, model } = load('scenarios/gateway-mutual-auth.yaml', [...SMALL, `clients.client_auth.key_types={"${kt}":1}`]);
    const r = runScenario({ scenario, model });
    const k = r.summary.handshake_kinds!;
    assert.is(k.mutual!.count, 30, kt);
    assert.is(k.full!.count, 0);
    const chain = scenario.clients.client_auth!.chain_length;
    assert.equal(k.mutual!.server_pke_ops_per_handshake, { sign: 1, verify: chain + 1, keygen: 1, derive: 1, total: chain + 4 }, kt);
    assert.is(k.mutual!.server_handshakes, 30);
    const pke = r.blocks.find((b) => b.name === 'pke')!;
    assert.is(pke.ops[verifyOp], 30 * (chain + 1), `${kt}: ${JSON.stringify(pke.ops)}`);
    // the client signs its CertificateVerify: one more client operation than a full handshake (5 with a chain of 2)
    assert.is(k.mutual!.client_pke_ops_per_handshake, 6);
  }
});

test('client_auth request with half the clients holding a certificate: mutual and full kinds; require refuses', () => {
  const { scenario, model } = load('scenarios/gateway-mutual-auth.yaml', [...SMALL, 'clients.client_auth.mode=request', 'clients.client_auth.fraction=0.5']);
  const r = runScenario({ scenario, model });
  const k = r.summary.handshake_kinds!;
  assert.is(k.mutual!.count + k.full!.count, 30);
  assert.ok(k.mutual!.count > 5 && k.full!.count > 5, `${k.mutual!.count} mutual, ${k.full!.count} full`);
  assert.is(k.full!.server_pke_ops_per_handshake!.verify, 0);
  assert.is(k.full!.server_pke_ops_per_handshake!.total, 3);
  // require: the clients without a certificate are refused by the server (never connected on its side)
  const req = load('scenarios/gateway-mutual-auth.yaml', [...SMALL, 'clients.client_auth.fraction=0.5']);
  const q = runScenario({ scenario: req.scenario, model: req.model });
  const qk = q.summary.handshake_kinds!;
  assert.is(qk.mutual!.server_handshakes, qk.mutual!.count);
  assert.is(qk.full!.server_handshakes, 0, 'the server completed no unauthenticated handshake');
});

test('RSA server chains: full handshakes sign with the RSA key on the public-key engine, by modulus size', () => {
  for (const bits of [2048, 3072]) {
    const { scenario, model } = load('scenarios/10k-clients.yaml', [...SMALL, `clients.certificate.type=rsa-${bits}`, 'clients.mix.signatures={"rsa_pss_rsae_sha256":1}', 'traffic.records_per_client=1']);
    const r = runScenario({ scenario, model });
    assert.is(r.summary.handshakes.completed, 30);
    const pke = r.blocks.find((b) => b.name === 'pke')!;
    assert.is(pke.ops[`rsa${bits}_sign`], 30, JSON.stringify(pke.ops));
    assert.is(pke.ops.ecdsa_p256_sign, undefined);
  }
});

test('web-resumption uses an RSA-2048 chain; handshake kinds carry the server operations', () => {
  const { scenario, model } = load('scenarios/web-resumption.yaml', ['clients.count=20', 'baseline_udp=false']);
  assert.is(scenario.clients.certificate.type, 'rsa-2048');
  const r = runScenario({ scenario, model });
  const k = r.summary.handshake_kinds!;
  assert.equal(k.full!.server_pke_ops_per_handshake, { sign: 1, verify: 0, keygen: 1, derive: 1, total: 3 });
  assert.equal(k.resumed_0rtt!.server_pke_ops_per_handshake, { sign: 0, verify: 0, keygen: 1, derive: 1, total: 2 });
  assert.is(k.full!.count + k.resumed_0rtt!.count + k.resumed!.count, 40);
  const pke = r.blocks.find((b) => b.name === 'pke')!;
  assert.is(pke.ops.rsa2048_sign, k.full!.server_handshakes);
});

test('gateway-mutual-auth is deterministic (byte-identical summary, reduced count)', () => {
  const { scenario, model } = load('scenarios/gateway-mutual-auth.yaml', ['clients.count=40', 'clients.arrival.duration_ms=40']);
  const a = runScenario({ scenario, model });
  const b = runScenario({ scenario, model });
  assert.is(JSON.stringify(b.summary), JSON.stringify(a.summary));
});

test('client_auth and certificate types: validated', () => {
  const { scenario } = load('scenarios/gateway-mutual-auth.yaml');
  for (const bad of ['clients.client_auth.fraction=2', 'clients.client_auth.mode=always', 'clients.client_auth.key_types={"rsa-4096":1}', 'clients.client_auth.chain_length=0', 'clients.certificate.type=rsa-1024', 'clients.client_auth.key_types={"ed25519":0}']) {
    assert.throws(() => applyScenarioOverrides(scenario, [bad]), (e: unknown) => e instanceof ConfigError, bad);
  }
  assert.is(load('scenarios/10k-clients.yaml').scenario.clients.client_auth, undefined);
});

test.run();
