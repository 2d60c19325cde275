// RSA: key formats (PKCS#1, PKCS#8, SPKI), rsa_pss_rsae_sha256/384 signatures in both providers checked by
// OpenSSL (node:crypto.verify, independent of our EMSA-PSS code) and byte-identical across providers with the salt
// taken from the RandomSource; Wycheproof RSASSA-PSS vectors (subset copied into test/fixtures/vectors with its
// licence); rsa_pkcs1 certificate signatures; RSA chain validation and credentials (test/fixtures/certs/rsa, made
// by gen-certs.sh); the operation trace (keyBits); an RSA-2048 handshake in both providers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  CryptoError, createProvider, seededRandom, signingKeyFromPkcs8, verifyKeyFromSpki, pemToDer, parsePkcs8, KeyFormatError,
  type CryptoOp, type SignatureScheme, type SigningKey, type VerifyKey,
} from '../../src/dtls/crypto/index.ts';
import { CertificateVerifier, loadCredential, parseCertificate, parsePrivateKeyPem, verifyChain } from '../../src/dtls/cert/index.ts';
import { hex, unhex, PROVIDERS, provider } from './util.ts';
import { Pair } from './endpoint/harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fx = (p: string) => readFileSync(join(root, 'test/fixtures', p), 'utf8');
const der = (p: string) => pemToDer(fx(p));
const NOW = Date.UTC(2030, 0, 1);

const keyOf = (p: string): SigningKey => {
  const r = parsePrivateKeyPem(fx(p));
  if (!r.ok) throw new Error(`${p}: ${r.detail}`);
  return r.key;
};
const SERVER = keyOf('certs/rsa/server.key'); // RSA-2048
const INT = keyOf('certs/rsa/int.key'); // RSA-3072
const CA = keyOf('certs/rsa/ca.key'); // RSA-4096
/** node KeyObject of our canonical public key (PKCS#1 RSAPublicKey DER). */
const nodePub = (k: VerifyKey) => nc.createPublicKey({ key: Buffer.from(k.raw), format: 'der', type: 'pkcs1' });

test('keys: PKCS#8 and PKCS#1 PEM give the same PKCS#1 key; public key = the certificate SPKI; RSA-1024 refused', () => {
  const pkcs1 = keyOf('certs/rsa/server.pkcs1.key');
  assert.is(SERVER.kind, 'rsa');
  assert.is(hex(pkcs1.raw), hex(SERVER.raw));
  assert.is(hex(signingKeyFromPkcs8(der('certs/rsa/server.key')).raw), hex(SERVER.raw));
  // SPKI of the leaf, extracted with OpenSSL independently of our parser
  const cert = new nc.X509Certificate(fx('certs/rsa/server.pem'));
  const spki = new Uint8Array(cert.publicKey.export({ format: 'der', type: 'spki' }));
  const vk = verifyKeyFromSpki(spki);
  assert.is(vk.kind, 'rsa');
  assert.is(hex(vk.raw), hex(new Uint8Array(cert.publicKey.export({ format: 'der', type: 'pkcs1' }))));
  for (const kind of PROVIDERS) assert.is(hex(provider(kind).publicKeyOf(SERVER).raw), hex(vk.raw), kind);
  const weak = parsePrivateKeyPem(fx('certs/rsa/weak-1024.key'));
  assert.is(weak.ok ? 'ok' : weak.reason, 'unsupported');
  assert.throws(() => parsePkcs8(der('certs/rsa/weak-1024.key')), (e: unknown) => e instanceof KeyFormatError);
  // corrupted CRT parameter: refused, never a wrong signature
  const bad = SERVER.raw.slice();
  bad[bad.length - 5]! ^= 1;
  for (const kind of PROVIDERS) {
    assert.throws(() => provider(kind).sign('rsa_pss_rsae_sha256', { kind: 'rsa', raw: bad }, new Uint8Array(1)), (e: unknown) => e instanceof CryptoError);
    assert.throws(() => provider(kind).generateSigningKey('rsa'), (e: unknown) => e instanceof CryptoError);
  }
});

const SIZES: [string, SigningKey, number][] = [['RSA-2048', SERVER, 2048], ['RSA-3072', INT, 3072], ['RSA-4096', CA, 4096]];
const PSS: SignatureScheme[] = ['rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384'];

test('rsa_pss_rsae_sha256/384 x 2048/3072/4096: node and noble sign byte-identically; OpenSSL verifies (salt = hash length)', () => {
  const msg = new TextEncoder().encode('TLS 1.3, server CertificateVerify');
  for (const [name, key, bits] of SIZES) {
    for (const scheme of PSS) {
      const seed = `${name}/${scheme}`;
      const sigs = PROVIDERS.map((k) => createProvider(k, seededRandom(seed)).sign(scheme, key, msg));
      assert.is(hex(sigs[0]!), hex(sigs[1]!), `${name} ${scheme}: providers differ`);
      assert.is(sigs[0]!.length, bits / 8);
      const pub = nodePub(provider('node').publicKeyOf(key));
      const h = scheme.endsWith('256') ? 'sha256' : 'sha384';
      assert.ok(nc.verify(h, msg, { key: pub, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: h === 'sha256' ? 32 : 48 }, sigs[0]!), `${name} ${scheme}`);
      // a different seed gives a different salt and so a different signature
      assert.is.not(hex(createProvider('node', seededRandom(seed + 'x')).sign(scheme, key, msg)), hex(sigs[0]!));
    }
  }
});

test('the PSS salt is the next hash-length bytes of the RandomSource (recovered with the raw public operation)', () => {
  const msg = Uint8Array.of(1, 2, 3);
  const sig = createProvider('noble', seededRandom('salt')).sign('rsa_pss_rsae_sha256', SERVER, msg);
  const expected = new Uint8Array(32);
  seededRandom('salt').fill(expected);
  const pub = nodePub(provider('node').publicKeyOf(SERVER));
  const em = nc.publicEncrypt({ key: pub, padding: nc.constants.RSA_NO_PADDING }, sig); // RSAVP1, k bytes
  // EM = maskedDB || H || 0xbc (emLen = 256 for a 2048-bit modulus: modBits - 1 = 2047 bits)
  const H = em.subarray(256 - 33, 256 - 1);
  const dbLen = 256 - 33;
  const mask = Buffer.alloc(dbLen);
  for (let c = 0, pos = 0; pos < dbLen; c++, pos += 32) {
    const t = nc.createHash('sha256').update(H).update(Buffer.from([0, 0, 0, c])).digest();
    t.copy(mask, pos, 0, Math.min(32, dbLen - pos));
  }
  const db = Buffer.from(em.subarray(0, dbLen).map((b, i) => b ^ mask[i]!));
  db[0]! &= 0x7f;
  assert.is(db[dbLen - 33], 1);
  assert.is(hex(db.subarray(dbLen - 32)), hex(expected));
});

test('both providers verify each other and OpenSSL-made PSS signatures; reject tampering, wrong scheme, wrong length, wrong key', () => {
  const msg = new TextEncoder().encode('abc');
  const pubKey = provider('node').publicKeyOf(SERVER);
  const osslSig = new Uint8Array(nc.sign('sha256', msg, { key: nc.createPrivateKey(fx('certs/rsa/server.key')), padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }));
  for (const kind of PROVIDERS) {
    const p = provider(kind);
    assert.ok(p.verify('rsa_pss_rsae_sha256', pubKey, msg, osslSig), `${kind} OpenSSL sig`);
    const own = provider(kind === 'node' ? 'noble' : 'node').sign('rsa_pss_rsae_sha384', SERVER, msg);
    assert.ok(p.verify('rsa_pss_rsae_sha384', pubKey, msg, own), `${kind} cross`);
    assert.not.ok(p.verify('rsa_pss_rsae_sha256', pubKey, msg, own), `${kind}: sha384 sig as sha256`);
    assert.not.ok(p.verify('rsa_pkcs1_sha384', pubKey, msg, own), `${kind}: PSS sig as PKCS#1`);
    const bad = own.slice();
    bad[100]! ^= 1;
    assert.not.ok(p.verify('rsa_pss_rsae_sha384', pubKey, msg, bad));
    assert.not.ok(p.verify('rsa_pss_rsae_sha384', pubKey, msg, own.subarray(1)), 'short');
    assert.not.ok(p.verify('rsa_pss_rsae_sha384', pubKey, msg, new Uint8Array(256).fill(0xff)), 's >= n');
    assert.not.ok(p.verify('rsa_pss_rsae_sha384', p.publicKeyOf(INT), msg, own), 'other key');
    assert.not.ok(p.verify('rsa_pss_rsae_sha256', { kind: 'rsa', raw: Uint8Array.of(0x30, 0) }, msg, own), 'garbage key');
    assert.not.ok(p.verify('ecdsa_secp256r1_sha256', pubKey, msg, own), 'key kind mismatch');
    assert.throws(() => p.sign('rsa_pkcs1_sha256', SERVER, msg), (e: unknown) => e instanceof CryptoError);
    assert.throws(() => p.sign('ecdsa_secp256r1_sha256', SERVER, msg), (e: unknown) => e instanceof CryptoError);
  }
});

interface Wp { publicKeyAsn: string; tests: { tcId: number; msg: string; sig: string; result: string }[] }
const WP = JSON.parse(fx('vectors/wycheproof-rsa-pss-2048-sha256.json')) as Wp;
for (const kind of PROVIDERS) {
  test(`[${kind}] Wycheproof RSASSA-PSS 2048/SHA-256/salt 32: valid accepted, invalid rejected`, () => {
    const p = provider(kind);
    const key: VerifyKey = { kind: 'rsa', raw: unhex(WP.publicKeyAsn) };
    assert.is(WP.tests.length, 13);
    for (const t of WP.tests) assert.is(p.verify('rsa_pss_rsae_sha256', key, unhex(t.msg), unhex(t.sig)), t.result === 'valid', `tcId ${t.tcId}`);
  });
}

test('rsa_pkcs1_sha256/384: OpenSSL PKCS#1 v1.5 signatures verify in both providers (certificates only)', () => {
  const msg = new TextEncoder().encode('tbsCertificate');
  const priv = nc.createPrivateKey(fx('certs/rsa/int.key'));
  for (const [scheme, h] of [['rsa_pkcs1_sha256', 'sha256'], ['rsa_pkcs1_sha384', 'sha384']] as const) {
    const sig = new Uint8Array(nc.sign(h, msg, { key: priv, padding: nc.constants.RSA_PKCS1_PADDING }));
    for (const kind of PROVIDERS) {
      const p = provider(kind);
      const pub = p.publicKeyOf(INT);
      assert.ok(p.verify(scheme, pub, msg, sig), `${kind} ${scheme}`);
      assert.not.ok(p.verify(scheme === 'rsa_pkcs1_sha256' ? 'rsa_pkcs1_sha384' : 'rsa_pkcs1_sha256', pub, msg, sig));
      assert.not.ok(p.verify(scheme === 'rsa_pkcs1_sha256' ? 'rsa_pss_rsae_sha256' : 'rsa_pss_rsae_sha384', pub, msg, sig), 'PKCS#1 sig as PSS');
    }
  }
});

test('trace: RSA sign / verify report the scheme and keyBits', () => {
  for (const kind of PROVIDERS) {
    const p = provider(kind);
    const ops: CryptoOp[] = [];
    p.observer = (o) => ops.push(o);
    const sig = p.sign('rsa_pss_rsae_sha256', INT, new Uint8Array(130));
    p.verify('rsa_pss_rsae_sha256', p.publicKeyOf(INT), new Uint8Array(130), sig);
    assert.equal(ops, [
      { op: 'sign', alg: 'rsa_pss_rsae_sha256', inputBytes: 130, outputBytes: 384, keyBits: 3072 },
      { op: 'verify', alg: 'rsa_pss_rsae_sha256', inputBytes: 130, outputBytes: 0, ok: true, keyBits: 3072 },
    ], kind);
  }
});

const chain = () => fx('certs/rsa/server-chain.pem').split(/(?=-----BEGIN)/).map((b) => pemToDer(b));
test('chain: RSA-2048 leaf <- RSA-3072 (sha256WithRSA) <- RSA-4096 root (sha384WithRSA) validates in both providers', () => {
  for (const kind of PROVIDERS) {
    const p = provider(kind);
    const ops: CryptoOp[] = [];
    p.observer = (o) => ops.push(o);
    const r = verifyChain(chain(), { trustAnchors: [der('certs/rsa/ca.pem')], nowMs: NOW, serverName: 'localhost', provider: p });
    assert.ok(r.ok, r.ok ? '' : r.detail);
    if (!r.ok) continue;
    assert.is(r.path.length, 3);
    assert.is(r.scheme, 'rsa_pss_rsae_sha256');
    assert.is(r.publicKey.kind, 'rsa');
    assert.equal(ops.map((o) => [o.alg, o.keyBits, o.ok]), [['rsa_pkcs1_sha256', 3072, true], ['rsa_pkcs1_sha384', 4096, true]]);
    // a wrong anchor, and a tampered signature
    const other = verifyChain(chain(), { trustAnchors: [der('certs/ecdsa/ca.pem')], nowMs: NOW, serverName: 'localhost', provider: p });
    assert.is(other.ok ? 'ok' : other.reason, 'unknown-issuer');
    const c = chain();
    const leaf = c[0]!.slice();
    leaf[leaf.length - 3]! ^= 1;
    const bad = verifyChain([leaf, c[1]!], { trustAnchors: [der('certs/rsa/ca.pem')], nowMs: NOW, serverName: 'localhost', provider: p });
    assert.is(bad.ok ? 'ok' : bad.reason, 'bad-signature');
  }
  // OpenSSL agrees on the same chain
  const store = [new nc.X509Certificate(fx('certs/rsa/ca.pem')), new nc.X509Certificate(fx('certs/rsa/int.pem'))];
  const leaf = new nc.X509Certificate(fx('certs/rsa/server.pem'));
  assert.ok(leaf.verify(store[1]!.publicKey) && store[1]!.verify(store[0]!.publicKey));
});

test('chain: RSASSA-PSS-signed leaves (SHA-256 / SHA-384, salt = hash length) validate as rsa_pss_rsae_*; other PSS parameters are unsupported', () => {
  for (const [file, scheme, hash] of [['server-pss256.pem', 'rsa_pss_rsae_sha256', 'SHA-256'], ['server-pss384.pem', 'rsa_pss_rsae_sha384', 'SHA-384']] as const) {
    const leafDer = der(`certs/rsa/${file}`);
    const parsed = parseCertificate(leafDer);
    assert.ok(parsed.ok);
    if (parsed.ok) {
      assert.is(parsed.cert.signatureAlgorithm.name, 'RSASSA-PSS');
      assert.equal(parsed.cert.signatureAlgorithm.pss, { hash, mgfHash: hash, saltLength: hash === 'SHA-256' ? 32 : 48, trailerField: 1 });
    }
    for (const kind of PROVIDERS) {
      const p = provider(kind);
      const ops: CryptoOp[] = [];
      p.observer = (o) => ops.push(o);
      const r = verifyChain([leafDer, der('certs/rsa/int.pem')], { trustAnchors: [der('certs/rsa/ca.pem')], nowMs: NOW, serverName: 'localhost', provider: p });
      assert.ok(r.ok, r.ok ? '' : r.detail);
      assert.equal(ops.map((o) => [o.alg, o.keyBits, o.ok]), [[scheme, 3072, true], ['rsa_pkcs1_sha384', 4096, true]], `${kind} ${file}`);
    }
    // OpenSSL agrees
    assert.ok(new nc.X509Certificate(fx(`certs/rsa/${file}`)).verify(new nc.X509Certificate(fx('certs/rsa/int.pem')).publicKey));
  }
  // salt length 33 instead of 32 (both copies of the AlgorithmIdentifier rewritten): unsupported, not a crash
  const h = hex(der('certs/rsa/server-pss256.pem'));
  assert.is(h.split('a203020120').length, 3);
  const odd = unhex(h.split('a203020120').join('a203020121'));
  const r = verifyChain([odd, der('certs/rsa/int.pem')], { trustAnchors: [der('certs/rsa/ca.pem')], nowMs: NOW, provider: provider('node') });
  assert.is(r.ok ? 'ok' : r.reason, 'unsupported');
});

test('credential: RSA chain + PKCS#8 or PKCS#1 key loads (scheme rsa_pss_rsae_sha256); mismatched keys are refused', () => {
  for (const keyFile of ['server.key', 'server.pkcs1.key']) {
    for (const kind of PROVIDERS) {
      const r = loadCredential(fx('certs/rsa/server-chain.pem'), fx(`certs/rsa/${keyFile}`), provider(kind));
      assert.ok(r.ok, r.ok ? '' : r.detail);
      if (r.ok) {
        assert.is(r.credential.scheme, 'rsa_pss_rsae_sha256');
        assert.is(r.credential.privateKey.kind, 'rsa');
      }
    }
  }
  const m1 = loadCredential(fx('certs/rsa/server-chain.pem'), fx('certs/rsa/int.key'));
  assert.is(m1.ok ? 'ok' : m1.reason, 'key-mismatch');
  const m2 = loadCredential(fx('certs/ecdsa/server-chain.pem'), fx('certs/rsa/server.key'));
  assert.is(m2.ok ? 'ok' : m2.reason, 'key-mismatch');
});

test('malformed RSA keys and signatures (truncations, bit flips) give CryptoError / false, never another exception', () => {
  const pub = provider('node').publicKeyOf(SERVER);
  const sig = provider('node').sign('rsa_pss_rsae_sha256', SERVER, Uint8Array.of(9));
  let rnd = 12345;
  const next = () => (rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0);
  for (let i = 0; i < 200; i++) {
    for (const [name, raw] of [['private', SERVER.raw], ['public', pub.raw]] as const) {
      const m = next() % 3 === 0 ? raw.subarray(0, next() % raw.length) : raw.slice();
      if (m === raw || m.length === raw.length) { const j = next() % m.length; (m as Uint8Array)[j]! ^= 1 << (next() % 8); }
      for (const kind of PROVIDERS) {
        const p = provider(kind);
        if (name === 'private') {
          try { p.sign('rsa_pss_rsae_sha256', { kind: 'rsa', raw: m }, Uint8Array.of(9)); } catch (e) { assert.ok(e instanceof CryptoError, `${kind}: ${String(e)}`); }
        } else {
          assert.not.ok(p.verify('rsa_pss_rsae_sha256', { kind: 'rsa', raw: m }, Uint8Array.of(9), sig), `${kind} altered key ${i}`);
        }
      }
    }
  }
});

function rsaHandshake(kind: 'node' | 'noble', seed: string): { p: Pair; datagrams: string[]; serverOps: CryptoOp[]; clientOps: CryptoOp[] } {
  const c = createProvider(kind, seededRandom(`c${seed}`));
  const s = createProvider(kind, seededRandom(`s${seed}`));
  const serverOps: CryptoOp[] = [], clientOps: CryptoOp[] = [];
  s.observer = (o) => { if (o.op === 'sign' || o.op === 'verify') serverOps.push(o); };
  c.observer = (o) => { if (o.op === 'sign' || o.op === 'verify') clientOps.push(o); };
  const cred = loadCredential(fx('certs/rsa/server-chain.pem'), fx('certs/rsa/server.key'));
  if (!cred.ok) throw new Error(cred.detail);
  const datagrams: string[] = [];
  const p = new Pair(
    {
      crypto: c, serverName: 'localhost', signatureSchemes: ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256'],
      verifier: new CertificateVerifier({ trustAnchors: [der('certs/rsa/ca.pem')], provider: c, clock: NOW }),
    },
    {
      crypto: s, signatureSchemes: ['rsa_pss_rsae_sha256', 'ecdsa_secp256r1_sha256'],
      credential: { chain: cred.credential.chain, privateKey: cred.credential.privateKey, scheme: cred.credential.scheme },
    },
    { tap: (dir, d) => { datagrams.push(`${dir}:${hex(d)}`); return d; } },
  );
  assert.ok(p.connect(), `${kind}: RSA handshake did not complete`);
  return { p, datagrams, serverOps, clientOps };
}

test('handshake with an RSA-2048 server certificate (rsa_pss_rsae_sha256 CertificateVerify) in both providers; byte-identical runs', () => {
  const runs = PROVIDERS.map((k) => rsaHandshake(k, 'rsa'));
  for (const [i, r] of runs.entries()) {
    const ce = r.p.clientEvents.find((e) => e.type === 'connected');
    assert.is(ce && ce.type === 'connected' ? ce.signatureScheme : undefined, 'rsa_pss_rsae_sha256', PROVIDERS[i]);
    assert.equal(r.serverOps.map((o) => [o.op, o.alg, o.keyBits]), [['sign', 'rsa_pss_rsae_sha256', 2048]]);
    assert.equal(r.clientOps.map((o) => [o.op, o.alg, o.keyBits, o.ok]), [
      ['verify', 'rsa_pkcs1_sha256', 3072, true], ['verify', 'rsa_pkcs1_sha384', 4096, true], ['verify', 'rsa_pss_rsae_sha256', 2048, true],
    ]);
  }
  // same seeds: node and noble produce the same datagrams (the PSS salt comes from the RandomSource)
  assert.equal(runs[0]!.datagrams, runs[1]!.datagrams);
  assert.equal(rsaHandshake('node', 'rsa').datagrams, runs[0]!.datagrams);
});

test.run();
