// Client certificate authentication (RFC 8446 4.3.2, 4.4.2, 4.4.2.4, 4.4.3): server modes none / request /
// require, the client's credential, chain validation against the client trust anchors, the empty-Certificate
// cases, the operation trace of a mutual-auth handshake (client sign + server verify), RSA client and server
// certificates in both providers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { type CryptoOp, type CryptoProvider, pemToDer } from '../../../src/dtls/crypto/index.ts';
import { CertificateVerifier, loadCredential } from '../../../src/dtls/cert/index.ts';
import type { ClientAuthMode, ClientConfig, ServerConfig, ServerCredential } from '../../../src/dtls/index.ts';
import { AlertDescription } from '../../../src/dtls/handshake/constants.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fx = (p: string) => readFileSync(join(root, 'test/fixtures/certs', p), 'utf8');
const NOW = Date.UTC(2030, 0, 1);
const PROVIDERS = ['node', 'noble'] as const;

function cred(chain: string, key: string): ServerCredential {
  const r = loadCredential(fx(chain), fx(key));
  if (!r.ok) throw new Error(r.detail);
  return { chain: r.credential.chain, privateKey: r.credential.privateKey, scheme: r.credential.scheme };
}
const ECDSA_CLIENT = cred('ecdsa/client-chain.pem', 'ecdsa/client.key');
const RSA_CLIENT = cred('rsa/client-chain.pem', 'rsa/client.key');
const RSA_SERVER = cred('rsa/server-chain.pem', 'rsa/server.key');

function clientVerifier(p: CryptoProvider): CertificateVerifier {
  return new CertificateVerifier({
    trustAnchors: [pemToDer(fx('ecdsa/ca.pem')), pemToDer(fx('rsa/ca.pem'))], provider: p, purpose: 'client', clock: NOW,
  });
}

interface Run { p: Pair; clientOps: CryptoOp[]; serverOps: CryptoOp[] }
function run(kind: 'node' | 'noble', mode: ClientAuthMode, clientCred: ServerCredential | undefined,
  more: { client?: Partial<ClientConfig>; server?: Partial<ServerConfig> } = {}): Run {
  const { c, s } = providers(kind, `auth-${mode}`);
  const clientOps: CryptoOp[] = [], serverOps: CryptoOp[] = [];
  c.observer = (o) => { if (o.op === 'sign' || o.op === 'verify') clientOps.push(o); };
  s.observer = (o) => { if (o.op === 'sign' || o.op === 'verify') serverOps.push(o); };
  const rsaTrust = new CertificateVerifier({ trustAnchors: [pemToDer(fx('rsa/ca.pem'))], provider: c, clock: NOW });
  const p = new Pair(
    { crypto: c, serverName: 'localhost', verifier: more.client?.signatureSchemes ? rsaTrust : verifier(c), ...(clientCred ? { credential: clientCred } : {}), ...more.client },
    { crypto: s, credential: credential('ecdsa'), clientAuth: mode, clientVerifier: clientVerifier(s), ...more.server },
  );
  p.connect();
  return { p, clientOps, serverOps };
}
const serverConnected = (p: Pair) => p.serverEvents.find((e) => e.type === 'connected');
const ops = (l: CryptoOp[]) => l.map((o) => `${o.op}:${o.alg}${o.keyBits ? `/${o.keyBits}` : ''}${o.op === 'verify' ? `:${o.ok}` : ''}`);

for (const kind of PROVIDERS) {
  test(`[${kind}] require + ECDSA client chain: mutual authentication; trace has the client's sign and the server's verifies`, () => {
    const r = run(kind, 'require', ECDSA_CLIENT);
    assert.ok(r.p.bothConnected());
    const ev = serverConnected(r.p);
    assert.ok(ev && ev.type === 'connected' && ev.peerChain);
    if (ev?.type === 'connected') assert.equal(ev.peerChain, ECDSA_CLIENT.chain);
    // server: its own CertificateVerify, then the client chain (leaf <- intermediate, intermediate <- root) and the
    // client's CertificateVerify; client: the server chain's two certificate signatures, the server's
    // CertificateVerify, then its own CertificateVerify
    assert.equal(ops(r.serverOps), ['sign:ecdsa_secp256r1_sha256', 'verify:ecdsa_secp256r1_sha256:true',
      'verify:ecdsa_secp256r1_sha256:true', 'verify:ecdsa_secp256r1_sha256:true']);
    assert.equal(ops(r.clientOps), ['verify:ecdsa_secp256r1_sha256:true', 'verify:ecdsa_secp256r1_sha256:true',
      'verify:ecdsa_secp256r1_sha256:true', 'sign:ecdsa_secp256r1_sha256']);
    // data flows both ways afterwards
    r.p.client.send(new TextEncoder().encode('hi'), r.p.now);
    r.p.settle(1000);
    assert.ok(r.p.serverEvents.some((e) => e.type === 'data'));
  });

  test(`[${kind}] request without a client credential: empty Certificate, the handshake continues unauthenticated`, () => {
    const r = run(kind, 'request', undefined);
    assert.ok(r.p.bothConnected());
    const ev = serverConnected(r.p);
    assert.is(ev?.type === 'connected' ? ev.peerChain : 'x', undefined);
    assert.equal(r.clientOps.filter((o) => o.op === 'sign').length, 0);
  });

  test(`[${kind}] require without a client credential: certificate_required alert`, () => {
    const r = run(kind, 'require', undefined);
    assert.not.ok(r.p.bothConnected());
    const sent = r.p.serverEvents.find((e) => e.type === 'alert');
    assert.ok(sent && sent.type === 'alert' && sent.sent && sent.description === AlertDescription.certificate_required);
    r.p.settle(1000);
    const got = r.p.clientEvents.find((e) => e.type === 'alert');
    assert.ok(got && got.type === 'alert' && !got.sent && got.description === 116);
  });

  test(`[${kind}] a client chain not issued for clientAuth (the server's own) or from an unknown CA is refused`, () => {
    const r = run(kind, 'require', credential('ecdsa'));
    assert.not.ok(r.p.bothConnected());
    const a = r.p.serverEvents.find((e) => e.type === 'alert');
    assert.ok(a && a.type === 'alert' && a.sent, 'server alert');
    const r2 = run(kind, 'request', credential('ed25519'));
    assert.not.ok(r2.p.bothConnected(), 'unknown CA under request: a presented chain must validate');
  });

  test(`[${kind}] none (default): no CertificateRequest, a configured client credential is not used`, () => {
    const r = run(kind, 'none', ECDSA_CLIENT);
    assert.ok(r.p.bothConnected());
    assert.equal(r.clientOps.filter((o) => o.op === 'sign').length, 0);
  });

  test(`[${kind}] RSA-2048 client certificate and RSA-2048 server certificate (rsa_pss_rsae_sha256 both ways)`, () => {
    const r = run(kind, 'require', RSA_CLIENT, {
      client: { signatureSchemes: ['rsa_pss_rsae_sha256', 'ecdsa_secp256r1_sha256'] },
      server: { credential: RSA_SERVER },
    });
    assert.ok(r.p.bothConnected());
    const ev = r.p.clientEvents.find((e) => e.type === 'connected');
    assert.is(ev?.type === 'connected' ? ev.signatureScheme : '', 'rsa_pss_rsae_sha256');
    assert.equal(ops(r.clientOps).slice(-1), ['sign:rsa_pss_rsae_sha256/2048']);
    // the chain is checked from the leaf up: leaf <- RSA-3072 intermediate (sha256WithRSA), intermediate <- RSA-4096
    // root (sha384WithRSA), then the client's CertificateVerify
    assert.equal(ops(r.serverOps), ['sign:rsa_pss_rsae_sha256/2048', 'verify:rsa_pkcs1_sha256/3072:true',
      'verify:rsa_pkcs1_sha384/4096:true', 'verify:rsa_pss_rsae_sha256/2048:true']);
  });

  test(`[${kind}] an RSA client key signs with rsa_pss_rsae_sha384 when the request lists only that`, () => {
    const r = run(kind, 'require', RSA_CLIENT, { server: { signatureSchemes: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha384'] } });
    assert.ok(r.p.bothConnected());
    assert.equal(ops(r.clientOps).slice(-1), ['sign:rsa_pss_rsae_sha384/2048']);
  });
}

test('clientAuth other than none needs a clientVerifier; unknown modes are refused', () => {
  const { s } = providers('node', 'cfg');
  assert.throws(() => new Pair({ crypto: s, verifier: verifier(s) }, { crypto: s, credential: credential('ecdsa'), clientAuth: 'require' }), /clientVerifier/);
  assert.throws(() => new Pair({ crypto: s, verifier: verifier(s) },
    { crypto: s, credential: credential('ecdsa'), clientAuth: 'maybe' as ClientAuthMode, clientVerifier: clientVerifier(s) }), /not none/);
});

test('mutual-auth handshakes are byte-identical between providers and runs (same seeds)', () => {
  const capture = (kind: 'node' | 'noble') => {
    const { c, s } = providers(kind, 'bytes');
    const out: string[] = [];
    const p = new Pair(
      { crypto: c, serverName: 'localhost', verifier: verifier(c), credential: ECDSA_CLIENT },
      { crypto: s, credential: credential('ecdsa'), clientAuth: 'require', clientVerifier: clientVerifier(s) },
      { tap: (dir, d) => { out.push(`${dir}:${Buffer.from(d).toString('hex')}`); return d; } },
    );
    assert.ok(p.connect());
    return out;
  };
  const a = capture('node');
  assert.equal(capture('node'), a);
  assert.equal(capture('noble'), a);
});

test('mutual authentication completes over a lossy, reordering link (client flight Certificate, CertificateVerify, Finished retransmitted)', () => {
  for (let seed = 1; seed <= 6; seed++) {
    const { c, s } = providers('node', `lossy${seed}`);
    const p = new Pair(
      { crypto: c, serverName: 'localhost', verifier: verifier(c), credential: ECDSA_CLIENT, mtu: 400 },
      { crypto: s, credential: credential('ecdsa'), clientAuth: 'require', clientVerifier: clientVerifier(s), mtu: 400 },
      { seed, loss: 0.25, reorder: 0.3, duplicate: 0.1 },
    );
    assert.ok(p.connect(), `seed ${seed}`);
    p.settle(120_000);
    assert.ok(!p.client.isClosed && p.serverConn && !p.serverConn.isClosed, `seed ${seed}: both stay open`);
  }
});

test.run();
