// AES-CCM and AES-CCM-8: known-answer vectors (NIST SP 800-38C Appendix C, RFC 3610 section 8; copied into
// test/fixtures/vectors/ccm.json with their sources), each also confirmed by OpenSSL; the providers' AES-128-CCM-8
// on the one vector with the TLS shape (12-byte nonce, 8-byte tag); a TLS_AES_128_CCM_8_SHA256 record round trip
// (RFC 9147 4.2.3 padding to a 16-byte ciphertext) across providers; the operation trace; and a handshake that
// negotiates each CCM suite in both providers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'node:crypto';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { AesCcm } from '../../src/dtls/crypto/ccm.ts';
import { SUITES, type CryptoOp } from '../../src/dtls/crypto/index.ts';
import { deriveEpochKeys } from '../../src/dtls/keyschedule.ts';
import { RecordLayer } from '../../src/dtls/record/index.ts';
import { hex, unhex, PROVIDERS, provider } from './util.ts';
import { Pair, credential, verifier } from './endpoint/harness.ts';

interface Vector { name: string; key: string; nonce: string; aad?: string; aadPattern?: string; plaintext: string; ciphertext: string; tag: string }
const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const VECTORS = (JSON.parse(readFileSync(join(root, 'test/fixtures/vectors/ccm.json'), 'utf8')) as { vectors: Vector[] }).vectors;
const aadOf = (v: Vector): Uint8Array => (v.aad !== undefined ? unhex(v.aad) : new Uint8Array(65536).map((_, i) => i & 0xff));

test('fixture: 15 vectors (SP 800-38C C.1-C.4, RFC 3610 #1-#11), each confirmed by OpenSSL aes-128-ccm', () => {
  assert.is(VECTORS.length, 15);
  for (const v of VECTORS) {
    const t = v.tag.length / 2;
    const c = nc.createCipheriv('aes-128-ccm', unhex(v.key), unhex(v.nonce), { authTagLength: t });
    const pt = unhex(v.plaintext);
    c.setAAD(aadOf(v), { plaintextLength: pt.length });
    const ct = Buffer.concat([c.update(pt), c.final()]);
    assert.is(ct.toString('hex'), v.ciphertext, v.name);
    assert.is(c.getAuthTag().toString('hex'), v.tag, v.name);
  }
});

test('AesCcm (on ./aes-block.ts) reproduces every vector; opens it; rejects a flipped bit in ciphertext, tag or AAD', () => {
  for (const v of VECTORS) {
    const ccm = new AesCcm(unhex(v.key), v.tag.length / 2);
    const nonce = unhex(v.nonce);
    const aad = aadOf(v);
    const sealed = ccm.seal(nonce, aad, unhex(v.plaintext));
    assert.is(hex(sealed), v.ciphertext + v.tag, v.name);
    assert.is(hex(ccm.open(nonce, aad, sealed)!), v.plaintext, v.name);
    for (const i of [0, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      assert.is(ccm.open(nonce, aad, bad), null, `${v.name} byte ${i}`);
    }
    const badAad = aad.slice();
    badAad[0]! ^= 0x80;
    assert.is(ccm.open(nonce, badAad, sealed), null, `${v.name} aad`);
    assert.is(ccm.open(nonce, aad, sealed.subarray(0, v.tag.length / 2 - 1)), null, 'shorter than the tag');
  }
});

test('AesCcm: in-place sealing (out aliases the plaintext) equals sealing into a fresh buffer; empty plaintext', () => {
  const ccm = new AesCcm(new Uint8Array(16).fill(9), 8);
  const nonce = new Uint8Array(12).fill(3);
  for (const n of [0, 1, 15, 16, 17, 100]) {
    const pt = new Uint8Array(n).map((_, i) => i * 7);
    const ref = ccm.seal(nonce, Uint8Array.of(1, 2), pt);
    const buf = new Uint8Array(4 + n + 8);
    buf.set(pt, 4);
    assert.is(ccm.sealTo(nonce, Uint8Array.of(1, 2), buf.subarray(4, 4 + n), buf, 4), n + 8);
    assert.is(hex(buf.subarray(4)), hex(ref), `n=${n}`);
  }
});

const C3 = VECTORS.find((v) => v.name.startsWith('SP 800-38C C.3'))!;
for (const kind of PROVIDERS) {
  test(`[${kind}] provider AES-128-CCM-8 == SP 800-38C C.3 (12-byte nonce, 8-byte tag); trace names the AEAD`, () => {
    const p = provider(kind);
    const ops: CryptoOp[] = [];
    p.observer = (o) => ops.push(o);
    const k = p.aead('AES-128-CCM-8', unhex(C3.key));
    assert.is(k.tagLength, 8);
    const sealed = k.seal(unhex(C3.nonce), unhex(C3.aad!), unhex(C3.plaintext));
    assert.is(hex(sealed), C3.ciphertext + C3.tag);
    assert.is(hex(k.open(unhex(C3.nonce), unhex(C3.aad!), sealed)!), C3.plaintext);
    const bad = sealed.slice();
    bad[bad.length - 1]! ^= 1;
    assert.is(k.open(unhex(C3.nonce), unhex(C3.aad!), bad), null);
    assert.equal(ops[0], { op: 'aead-seal', alg: 'AES-128-CCM-8', inputBytes: 24, outputBytes: 32, aadBytes: 20 });
    assert.equal(ops[1], { op: 'aead-open', alg: 'AES-128-CCM-8', inputBytes: 32, outputBytes: 24, aadBytes: 20, ok: true });
    assert.is(ops[2]!.ok, false);
    assert.is(p.aead('AES-128-CCM', new Uint8Array(16)).tagLength, 16);
  });
}

test('TLS_AES_128_CCM_8_SHA256 records: sealed by one provider, opened by the other; short records padded to a 16-byte ciphertext', () => {
  const suite = SUITES.TLS_AES_128_CCM_8_SHA256;
  assert.is(suite.code, 0x1305);
  assert.is(suite.tagLength, 8);
  for (const [a, b] of [['node', 'noble'], ['noble', 'node']] as const) {
    const pa = provider(a), pb = provider(b);
    const keys = deriveEpochKeys(pa, suite, new Uint8Array(32).fill(0x55));
    const tx = new RecordLayer({ provider: pa });
    const rx = new RecordLayer({ provider: pb });
    tx.installWriteKeys(3, keys);
    rx.installReadKeys(3, deriveEpochKeys(pb, suite, new Uint8Array(32).fill(0x55)));
    assert.is(tx.overhead(3), 5 + 1 + 8); // header (S=1, L=1, no CID) + type + 8-byte tag
    for (const n of [0, 1, 6, 7, 8, 100, 1200]) {
      const payload = new Uint8Array(n).map((_, i) => i ^ n);
      const rec = tx.seal(23, 3, payload);
      const ctLen = rec.length - 5;
      assert.is(ctLen, Math.max(16, n + 1 + 8), `${a}->${b} n=${n}`);
      const o = rx.open(rec);
      assert.is(o.length, 1, `${a}->${b} n=${n}`);
      assert.is(hex(o[0]!.payload), hex(payload));
      assert.is(o[0]!.paddingLength, Math.max(0, 7 - n));
    }
    // a forged tag is dropped as auth-failed
    const rec = tx.seal(23, 3, new Uint8Array(40));
    rec[rec.length - 1]! ^= 1;
    assert.is(rx.open(rec).length, 0);
    assert.is(rx.drops['auth-failed'], 1);
  }
});

test('CCM_8 suite limits (RFC 9147 4.5.3, B.3): forgery limit 2^7, confidentiality limit 2^23', () => {
  assert.is(SUITES.TLS_AES_128_CCM_8_SHA256.forgeryLimit, 128);
  assert.is(SUITES.TLS_AES_128_CCM_8_SHA256.confidentialityLimit, 2 ** 23);
});

for (const kind of PROVIDERS) {
  for (const suite of ['TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'] as const) {
    test(`[${kind}] client and server negotiate ${suite} (offered after a GCM suite the server lacks) and exchange data`, () => {
      const c = provider(kind, 'c'), s = provider(kind, 's');
      const aeads = new Set<string>();
      s.observer = (o) => { if (o.op === 'aead-seal' || o.op === 'aead-open') aeads.add(o.alg); };
      const p = new Pair(
        { crypto: c, verifier: verifier(c), serverName: 'localhost', suites: ['TLS_AES_256_GCM_SHA384', suite] },
        { crypto: s, credential: credential('ecdsa'), suites: [suite], cookie: { enabled: false } },
      );
      assert.ok(p.connect(), 'connected');
      const ce = p.clientEvents.find((e) => e.type === 'connected');
      assert.is(ce && ce.type === 'connected' ? ce.suite : undefined, suite);
      p.client.send(new TextEncoder().encode('hello ccm'));
      p.settle(100);
      const got = p.serverEvents.find((e) => e.type === 'data');
      assert.is(got && got.type === 'data' ? new TextDecoder().decode(got.data) : undefined, 'hello ccm');
      assert.equal([...aeads], [SUITES[suite].aead]);
    });
  }
}

test('AesCcm: instances with different keys interleaved (one shared round-key schedule) each reproduce their vector', () => {
  const vs = VECTORS.filter((v, i) => v.aad !== undefined && VECTORS.findIndex((w) => w.key === v.key && w.aad !== undefined) === i);
  const ccms = vs.map((v) => new AesCcm(unhex(v.key), v.tag.length / 2));
  for (let round = 0; round < 2; round++) {
    vs.forEach((v, i) => {
      assert.is(hex(ccms[i]!.seal(unhex(v.nonce), unhex(v.aad!), unhex(v.plaintext))), v.ciphertext + v.tag, v.name);
    });
  }
  assert.ok(new Set(vs.map((v) => v.key)).size > 1, 'the vectors use more than one key');
});

test('AesCcm agrees with OpenSSL aes-128-ccm on random nonces (7..13 bytes), AAD, plaintexts (partial blocks), tags 4..16', () => {
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.integer({ min: 7, max: 13 }), fc.uint8Array({ maxLength: 40 }),
    fc.uint8Array({ maxLength: 200 }), fc.constantFrom(4, 8, 12, 16), fc.integer({ min: 0, max: 2 ** 31 }),
    (key, nl, aad, pt, tag, seed) => {
      const nonce = new Uint8Array(nl).map((_, i) => (seed >>> (i % 24)) & 0xff);
      const c = nc.createCipheriv('aes-128-ccm', key, nonce, { authTagLength: tag });
      c.setAAD(aad, { plaintextLength: pt.length });
      const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      const ccm = new AesCcm(key.slice(), tag);
      const sealed = ccm.seal(nonce, aad, pt);
      assert.is(hex(sealed), want.toString('hex'));
      const opened = ccm.open(nonce, aad, sealed);
      assert.ok(opened !== null);
      assert.is(hex(opened), hex(pt));
      if (sealed.length > 0) {
        const bad = sealed.slice();
        bad[seed % bad.length]! ^= 1;
        assert.is(ccm.open(nonce, aad, bad), null);
      }
    },
  ), { numRuns: 300, seed: 14 });
});

test.run();
