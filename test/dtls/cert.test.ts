// X.509 parsing, chain validation and credential loading against the generated PKI in test/fixtures/certs
// (test/fixtures/gen-certs.sh) and the RSA certificate of the illustrated-dtls vectors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createProvider, seededRandom, type CryptoProvider } from '../../src/dtls/crypto/index.ts';
import {
  CertificateVerifier,
  loadCredential,
  matchHostname,
  parseCertificate,
  parseCertificatesPem,
  parsePem,
  verifyChain,
  type Certificate,
  type ChainResult,
} from '../../src/dtls/cert/index.ts';

const here = dirname(fileURLToPath(import.meta.url));
const FIX = join(here, '../fixtures/certs');
const read = (p: string) => readFileSync(join(FIX, p), 'utf8');
// RSA-2048 certificate and key of the illustrated-dtls vectors (MIT, test/fixtures/illustrated-dtls/README.md)
const RSA_CRT = join(here, '../fixtures/illustrated-dtls/keys/server.crt');
const RSA_KEY = join(here, '../fixtures/illustrated-dtls/keys/server.key');
const ders = (p: string): Uint8Array[] => {
  const r = parseCertificatesPem(read(p));
  if (!r.ok) throw new Error(r.detail);
  return r.der;
};
const one = (p: string): Uint8Array => ders(p)[0]!;
const cert = (der: Uint8Array): Certificate => {
  const r = parseCertificate(der);
  if (!r.ok) throw new Error(r.detail);
  return r.cert;
};

const noble = createProvider('noble', seededRandom(1));
const node = createProvider('node', seededRandom(2));
const T2030 = Date.UTC(2030, 0, 1);

const ecChain = ders('ecdsa/server-chain.pem');
const ecCa = one('ecdsa/ca.pem');
const edChain = ders('ed25519/server-chain.pem');
const edCa = one('ed25519/ca.pem');

function expectFail(r: ChainResult, reason: string, depth?: number): void {
  assert.is(r.ok, false, `expected ${reason}, got ok`);
  if (!r.ok) {
    assert.is(r.reason, reason, r.detail);
    if (depth !== undefined) assert.is(r.depth, depth, r.detail);
  }
}

test('PEM: chain file has two certificates; garbage gives none', () => {
  assert.is(ecChain.length, 2);
  assert.is(parsePem('nothing here').blocks.length, 0);
  assert.is(parsePem('-----BEGIN CERTIFICATE-----\n@@@\n-----END CERTIFICATE-----').errors.length, 1);
  assert.is(parsePem('-----BEGIN CERTIFICATE-----\nAAAA\n-----END X-----').blocks.length, 0);
});

test('parse ECDSA leaf: names, validity, key, extensions', () => {
  const c = cert(ecChain[0]!);
  assert.is(c.version, 3);
  assert.is(c.serialHex, '3000');
  assert.is(c.signatureAlgorithm.name, 'ecdsa-with-SHA256');
  assert.is(c.subject.attributes.find((a) => a.type === 'CN')?.value, 'localhost');
  assert.is(c.issuer.attributes.find((a) => a.type === 'CN')?.value, 'Test ECDSA Intermediate CA');
  assert.is(c.notBefore, Date.UTC(2020, 0, 1));
  assert.is(c.notAfter, Date.UTC(2099, 11, 31, 23, 59, 59)); // GeneralizedTime (after 2049)
  assert.is(c.publicKey.kind, 'p256');
  if (c.publicKey.kind === 'p256') assert.is(c.publicKey.key.length, 65);
  assert.equal(c.extensions.basicConstraints, { ca: false, critical: true });
  assert.is(c.extensions.keyUsage?.digitalSignature, true);
  assert.is(c.extensions.keyUsage?.keyCertSign, false);
  assert.equal(c.extensions.subjectAltName?.dns, ['localhost']);
  assert.equal([...(c.extensions.subjectAltName?.ip[0] ?? [])], [127, 0, 0, 1]);
  assert.equal(c.extensions.extKeyUsage, ['1.3.6.1.5.5.7.3.1']);
  const i = cert(ecChain[1]!);
  assert.equal(i.extensions.basicConstraints, { ca: true, pathLen: 0, critical: true });
  assert.is(i.extensions.keyUsage?.keyCertSign, true);
  assert.is(cert(ecCa).notBefore, Date.UTC(2020, 0, 1)); // UTCTime
});

test('parse Ed25519 leaf', () => {
  const c = cert(edChain[0]!);
  assert.is(c.signatureAlgorithm.name, 'Ed25519');
  assert.is(c.publicKey.kind, 'ed25519');
});

test('RSA certificate (illustrated-dtls server.crt) parses; its issuer is unknown; pinned, it validates as an RSA key', () => {
  const r = parseCertificatesPem(readFileSync(RSA_CRT, 'utf8'));
  assert.ok(r.ok);
  if (!r.ok) return;
  const c = cert(r.der[0]!);
  assert.is(c.publicKey.kind, 'rsa');
  if (c.publicKey.kind === 'rsa') assert.is(c.publicKey.modulusBits, 2048);
  assert.is(c.signatureAlgorithm.name, 'sha256WithRSAEncryption');
  expectFail(verifyChain(r.der, { trustAnchors: [ecCa], nowMs: T2030, provider: noble }), 'unknown-issuer', 0);
  const pinned = verifyChain(r.der, { trustAnchors: [r.der[0]!], nowMs: Date.UTC(2019, 0, 1), provider: noble, purpose: 'server' });
  assert.ok(pinned.ok, pinned.ok ? '' : pinned.detail);
  if (pinned.ok) assert.equal([pinned.publicKey.kind, pinned.scheme], ['rsa', 'rsa_pss_rsae_sha256']);
});

for (const [name, provider] of [
  ['noble', noble],
  ['node', node],
] as [string, CryptoProvider][]) {
  test(`valid chains verify (${name} provider)`, () => {
    const r = verifyChain(ecChain, { trustAnchors: [ecCa], nowMs: T2030, serverName: 'localhost', provider });
    assert.ok(r.ok, r.ok ? '' : r.detail);
    if (r.ok) {
      assert.is(r.path.length, 3);
      assert.is(r.scheme, 'ecdsa_secp256r1_sha256');
      assert.is(r.publicKey.raw.length, 65);
    }
    const e = verifyChain(edChain, { trustAnchors: [edCa], nowMs: T2030, serverName: 'localhost', provider });
    assert.ok(e.ok, e.ok ? '' : e.detail);
    if (e.ok) assert.is(e.scheme, 'ed25519');
  });
}

test('chain order does not matter; IP SAN matches; pinned leaf is accepted', () => {
  const rev = [ecChain[0]!, ...ecChain.slice(1).reverse(), one('ed25519/ca.pem')];
  assert.ok(verifyChain(rev, { trustAnchors: [ecCa], nowMs: T2030, serverName: '127.0.0.1', provider: noble }).ok);
  expectFail(verifyChain(ecChain, { trustAnchors: [ecCa], nowMs: T2030, serverName: '127.0.0.2', provider: noble }), 'name-mismatch');
  assert.ok(verifyChain([ecChain[0]!], { trustAnchors: [ecChain[0]!], nowMs: T2030, provider: noble }).ok);
});

test('validity: expired and not yet valid (caller clock)', () => {
  const o = { trustAnchors: [ecCa], serverName: 'localhost', provider: noble };
  expectFail(verifyChain(ecChain, { ...o, nowMs: Date.UTC(2100, 0, 1) }), 'expired', 0);
  expectFail(verifyChain(ecChain, { ...o, nowMs: Date.UTC(2019, 11, 31) }), 'not-yet-valid', 0);
  assert.ok(verifyChain(ecChain, { ...o, nowMs: Date.UTC(2020, 0, 1) }).ok); // inclusive bound
  assert.ok(verifyChain(ecChain, { ...o, nowMs: Date.UTC(2099, 11, 31, 23, 59, 59) }).ok);
});

test('wrong name, unknown issuer, missing intermediate', () => {
  expectFail(verifyChain(ecChain, { trustAnchors: [ecCa], nowMs: T2030, serverName: 'example.com', provider: noble }), 'name-mismatch', 0);
  expectFail(verifyChain(ecChain, { trustAnchors: [edCa], nowMs: T2030, provider: noble }), 'unknown-issuer', 1);
  expectFail(verifyChain([ecChain[0]!], { trustAnchors: [ecCa], nowMs: T2030, provider: noble }), 'unknown-issuer', 0);
  expectFail(verifyChain([], { trustAnchors: [ecCa], nowMs: T2030, provider: noble }), 'empty-chain');
});

test('non-CA issuer is rejected', () => {
  const chain = ders('neg/under-leaf-chain.pem');
  assert.is(chain.length, 3);
  expectFail(verifyChain(chain, { trustAnchors: [ecCa], nowMs: T2030, serverName: 'localhost', provider: noble }), 'not-ca', 1);
});

test('bad signature: flipped bit in the leaf signature and in the signed part', () => {
  const leaf = ecChain[0]!.slice();
  leaf[leaf.length - 5]! ^= 0x01; // inside the ECDSA s INTEGER
  const r = verifyChain([leaf, ecChain[1]!], { trustAnchors: [ecCa], nowMs: T2030, provider: noble });
  expectFail(r, 'bad-signature', 0);
  const ed = edChain[0]!.slice();
  ed[ed.length - 1]! ^= 0x80;
  expectFail(verifyChain([ed], { trustAnchors: [edCa], nowMs: T2030, provider: node }), 'bad-signature', 0);
  // Change one character of the subject CN ("localhost" -> "localhosT") inside tbsCertificate.
  const t = edChain[0]!.slice();
  const idx = Buffer.from(t).lastIndexOf(Buffer.from('localhost'));
  assert.ok(idx > 0);
  t[idx + 8] = 'T'.charCodeAt(0);
  expectFail(verifyChain([t], { trustAnchors: [edCa], nowMs: T2030, provider: noble }), 'bad-signature', 0);
});

test('wildcard SAN rules', () => {
  const chain = ders('neg/wildcard-chain.pem');
  const o = { trustAnchors: [ecCa], nowMs: T2030, provider: noble };
  assert.ok(verifyChain(chain, { ...o, serverName: 'a.example.test' }).ok);
  assert.ok(verifyChain(chain, { ...o, serverName: 'A.Example.Test.' }).ok);
  expectFail(verifyChain(chain, { ...o, serverName: 'example.test' }), 'name-mismatch');
  expectFail(verifyChain(chain, { ...o, serverName: 'a.b.example.test' }), 'name-mismatch');
  expectFail(verifyChain(chain, { ...o, serverName: 'wildcard' }), 'name-mismatch'); // CN ignored when SAN present
  assert.ok(matchHostname('*.a.b', 'x.a.b'));
  assert.not.ok(matchHostname('*.com', 'x.com'));
  assert.not.ok(matchHostname('f*.a.b', 'foo.a.b'));
  assert.not.ok(matchHostname('x.*.b', 'x.a.b'));
  assert.not.ok(matchHostname('*.a.b', '.a.b'));
  assert.not.ok(matchHostname('*.a.b', 'xn--bcher-kva.a.b'));
});

test('CertificateVerifier: endpoint interface, anchors, default name, clock mapping, alerts', () => {
  const v = new CertificateVerifier({ trustAnchors: [ecCa, edCa, new Uint8Array([1, 2, 3])], provider: noble, serverName: 'localhost' });
  assert.is(v.anchors.length, 2);
  assert.is(v.rejectedAnchors.length, 1);
  const ok = v.verify(ecChain, { nowMs: T2030 });
  assert.ok(ok.ok);
  if (ok.ok) assert.is(ok.scheme, 'ecdsa_secp256r1_sha256');
  assert.ok(v.verify(edChain, { nowMs: T2030, serverName: undefined }).ok);
  const bad = v.verify(edChain, { nowMs: T2030, serverName: 'other.test' });
  assert.is(bad.ok, false);
  if (!bad.ok) {
    assert.is(bad.failure, 'name-mismatch');
    assert.is(bad.alert, 46);
    assert.match(bad.reason, /^name-mismatch: /);
  }
  const expired = v.verify(ecChain, { nowMs: Date.UTC(2100, 0, 1) });
  assert.is(expired.ok ? 0 : expired.alert, 45);
  // Simulated time starting at 0 mapped to a wall clock.
  const sim = new CertificateVerifier({ trustAnchors: [ecCa], provider: noble, clock: (t) => T2030 + t });
  assert.ok(sim.verify(ecChain, { nowMs: 0, serverName: 'localhost' }).ok);
  const epoch0 = new CertificateVerifier({ trustAnchors: [ecCa], provider: noble });
  assert.is(epoch0.check(ecChain, 0).ok ? '' : (epoch0.check(ecChain, 0) as { reason: string }).reason, 'not-yet-valid');
  // client certificate: EKU clientAuth, no name check
  const cv = new CertificateVerifier({ trustAnchors: [ecCa], provider: noble, purpose: 'client', clock: T2030 });
  assert.ok(cv.verify(ders('ecdsa/client-chain.pem'), { nowMs: 0 }).ok);
  const eku = cv.verify(ecChain, { nowMs: 0 });
  assert.is(eku.ok ? '' : eku.failure, 'bad-key-usage');
  const unk = cv.verify(edChain, { nowMs: 0 });
  assert.is(unk.ok ? 0 : unk.alert, 48);
});

test('loadCredential: PKCS#8 ECDSA and Ed25519, SEC1, mismatches', () => {
  const ec = loadCredential(read('ecdsa/server-chain.pem'), read('ecdsa/server.key'), noble);
  assert.ok(ec.ok, ec.ok ? '' : ec.detail);
  if (ec.ok) {
    assert.is(ec.credential.chain.length, 2);
    assert.is(ec.credential.scheme, 'ecdsa_secp256r1_sha256');
    assert.is(ec.credential.privateKey.kind, 'p256');
    const msg = new TextEncoder().encode('CertificateVerify content');
    const sig = node.sign(ec.credential.scheme, ec.credential.privateKey, msg);
    assert.ok(noble.verify(ec.credential.scheme, ec.credential.publicKey, msg, sig));
  }
  const ed = loadCredential(read('ed25519/server-chain.pem'), read('ed25519/server.key'), node);
  assert.ok(ed.ok, ed.ok ? '' : ed.detail);
  if (ed.ok) assert.is(ed.credential.scheme, 'ed25519');
  const sec1 = loadCredential(read('ecdsa/server-chain.pem'), read('ecdsa/server.sec1.key'), noble);
  assert.ok(sec1.ok, sec1.ok ? '' : sec1.detail);
  if (sec1.ok && ec.ok) assert.equal(sec1.credential.privateKey.raw, ec.credential.privateKey.raw);
  const wrong = loadCredential(read('ecdsa/server-chain.pem'), read('ecdsa/client.key'), noble);
  assert.is(wrong.ok ? 'ok' : wrong.reason, 'key-mismatch');
  const kind = loadCredential(read('ecdsa/server-chain.pem'), read('ed25519/server.key'));
  assert.is(kind.ok ? 'ok' : kind.reason, 'key-mismatch');
  const none = loadCredential('', read('ecdsa/server.key'));
  assert.is(none.ok ? 'ok' : none.reason, 'no-certificate');
  const nokey = loadCredential(read('ecdsa/server-chain.pem'), read('ecdsa/server.pem'));
  assert.is(nokey.ok ? 'ok' : nokey.reason, 'no-key');
  // RSA-2048 PKCS#1 key from another source (illustrated-dtls): loads and matches its certificate
  const rsa = loadCredential(readFileSync(RSA_CRT, 'utf8'), readFileSync(RSA_KEY, 'utf8'), node);
  assert.is(rsa.ok ? rsa.credential.scheme : rsa.reason, 'rsa_pss_rsae_sha256');
});

test.run();
