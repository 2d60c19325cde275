// node provider fast paths: deterministic ECDSA P-256 (RFC 6979 A.2.5 vectors, byte equality with noble, verifies
// under OpenSSL and noble), and the KeyObject caches (kx keys reused from kxGenerate, content-keyed verify keys)
// giving the same answers as uncached computation, including after in-place mutation and for bad peer bytes;
// the JS SHA-256 / HMAC-SHA256 behind the node provider's short HMACs and HKDF against OpenSSL; its JS SHA-256
// transcripts and short one-shot hashes against createHash, with the same observer reports as the noble provider.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as nc from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import {
  createNobleProvider, createNodeProvider, seededRandom, spkiFromRaw, type KxGroup,
} from '../../src/dtls/crypto/index.ts';
import { isValidP256Scalar } from '../../src/dtls/crypto/common.ts';
import { rfc6979SignP256, derEcdsaSignature } from '../../src/dtls/crypto/ecdsa-p256.ts';
import { hmacSha256, hmacSha256Key, sha256Into } from '../../src/dtls/crypto/sha256-block.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const big = (s: string): bigint => BigInt('0x' + s);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

// RFC 6979 appendix A.2.5 (ECDSA, 256 bits, prime field, NIST P-256), SHA-256 signatures.
const A25 = {
  x: 'C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721',
  Ux: '60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6',
  Uy: '7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299',
  sigs: [
    {
      message: 'sample',
      k: 'A6E3C57DD01ABE90086538398355DD4C3B17AA873382B0F24D6129493D8AAD60',
      r: 'EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716',
      s: 'F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8',
    },
    {
      message: 'test',
      k: 'D16B6AE827F17175E040871A1C7EC3500192C4C92677336EC2537ACAEE0008E0',
      r: 'F1ABB023518351CD71D881567B1EA663ED3EFCF6C5132B354F28D3B0B7D38367',
      s: '019F4113742A2B14BD25926B49C649155F267E60D3814B4C0CC84250E46F0083',
    },
  ],
};

const osslVerify = (pub: Uint8Array, msg: Uint8Array, der: Uint8Array): boolean =>
  nc.verify('sha256', msg, nc.createPublicKey({ key: Buffer.from(spkiFromRaw('p256', pub)), format: 'der', type: 'spki' }), der);

test('RFC 6979 A.2.5 P-256/SHA-256: k, r, s as published; provider emits the low-S form; all verifiers accept', () => {
  const node = createNodeProvider(seededRandom(1));
  const noble = createNobleProvider(seededRandom(1));
  const key = { kind: 'p256' as const, raw: unhex(A25.x) };
  const pub = node.publicKeyOf(key);
  assert.is(hex(pub.raw), ('04' + A25.Ux + A25.Uy).toLowerCase());
  const ecdh = nc.createECDH('prime256v1');
  for (const v of A25.sigs) {
    const m = utf8(v.message);
    const got = rfc6979SignP256(key.raw, m, ecdh);
    assert.is(got.k, big(v.k), `${v.message}: k`);
    assert.is(got.r, big(v.r), `${v.message}: r`);
    assert.is(got.s, big(v.s), `${v.message}: s`);
    const lowS = big(v.s) > N >> 1n ? N - big(v.s) : big(v.s);
    const sig = node.sign('ecdsa_secp256r1_sha256', key, m);
    assert.is(hex(sig), hex(derEcdsaSignature(big(v.r), lowS)), `${v.message}: DER, low-S`);
    assert.is(hex(sig), hex(noble.sign('ecdsa_secp256r1_sha256', key, m)), `${v.message}: == noble`);
    assert.ok(osslVerify(pub.raw, m, sig));
    assert.ok(p256.verify(sig, m, pub.raw, { format: 'der', prehash: true })); // noble default: low-S required
    // the published (high-S for "sample") form verifies too where high-S is allowed
    const published = derEcdsaSignature(big(v.r), big(v.s));
    assert.ok(osslVerify(pub.raw, m, published));
    assert.ok(node.verify('ecdsa_secp256r1_sha256', pub, m, published));
    assert.ok(noble.verify('ecdsa_secp256r1_sha256', pub, m, published));
  }
  // "sample" has a high s in the RFC: the normalization is exercised, not vacuous
  assert.ok(big(A25.sigs[0]!.s) > N >> 1n);
});

test('ECDSA P-256: node and noble signatures byte-identical over random keys and messages; verify everywhere', () => {
  const node = createNodeProvider(seededRandom(2));
  const noble = createNobleProvider(seededRandom(2));
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 32, maxLength: 32 }).filter(isValidP256Scalar),
      fc.uint8Array({ minLength: 0, maxLength: 300 }),
      (raw, m) => {
        const key = { kind: 'p256' as const, raw };
        const a = node.sign('ecdsa_secp256r1_sha256', key, m);
        const b = noble.sign('ecdsa_secp256r1_sha256', key, m);
        assert.is(hex(a), hex(b));
        assert.is(hex(node.sign('ecdsa_secp256r1_sha256', { kind: 'p256', raw: raw.slice() }, m)), hex(a), 'deterministic');
        const pub = node.publicKeyOf(key);
        assert.is(hex(pub.raw), hex(noble.publicKeyOf(key).raw));
        assert.ok(osslVerify(pub.raw, m, a));
        assert.ok(node.verify('ecdsa_secp256r1_sha256', pub, m, a));
        assert.ok(p256.verify(a, m, pub.raw, { format: 'der', prehash: true }));
        assert.not.ok(node.verify('ecdsa_secp256r1_sha256', pub, new Uint8Array([...m, 0]), a));
      },
    ),
    { seed: 6979, numRuns: 150 },
  );
});

test('ECDSA P-256: edge keys (d = 1, d = n - 1) and a bad key type still throw CryptoError', () => {
  const node = createNodeProvider(seededRandom(3));
  const noble = createNobleProvider(seededRandom(3));
  const nm1 = unhex((N - 1n).toString(16));
  const one = new Uint8Array(32);
  one[31] = 1;
  for (const raw of [one, nm1]) {
    const key = { kind: 'p256' as const, raw };
    const m = utf8('edge');
    assert.is(hex(node.sign('ecdsa_secp256r1_sha256', key, m)), hex(noble.sign('ecdsa_secp256r1_sha256', key, m)));
  }
  assert.throws(() => node.sign('ecdsa_secp256r1_sha256', { kind: 'p256', raw: unhex(N.toString(16)) }, utf8('x')), (e: Error) => e.name === 'CryptoError');
  assert.throws(() => node.sign('ecdsa_secp256r1_sha256', { kind: 'p256', raw: new Uint8Array(31) }, utf8('x')), (e: Error) => e.name === 'CryptoError');
});

for (const g of ['x25519', 'secp256r1'] as KxGroup[]) {
  test(`kx ${g}: cached keygen->derive equals uncached derive and noble; mutation and copies honoured; bad peers -> null`, () => {
    const node = createNodeProvider(seededRandom('kx-' + g));
    const noble = createNobleProvider(seededRandom('kx-' + g));
    const fresh = createNodeProvider(seededRandom('other'));
    for (let i = 0; i < 20; i++) {
      const a = node.kxGenerate(g);
      const b = noble.kxGenerate(g);
      assert.is(hex(a.privateKey), hex(b.privateKey), 'same RNG, same key');
      assert.is(hex(a.publicKey), hex(b.publicKey));
      const peer = node.kxGenerate(g).publicKey;
      assert.is(hex(noble.kxGenerate(g).publicKey), hex(peer));
      const want = hex(noble.kxDerive(g, b.privateKey, peer)!);
      assert.is(hex(node.kxDerive(g, a.privateKey, peer)!), want, 'cached');
      assert.is(hex(fresh.kxDerive(g, a.privateKey.slice(), peer)!), want, 'uncached');
      // in-place mutation of the returned private key: the cache must not answer for the old bytes
      const mutated = a.privateKey;
      mutated[5]! ^= 1;
      assert.is(hex(node.kxDerive(g, mutated, peer) ?? new Uint8Array(0)), hex(noble.kxDerive(g, mutated, peer) ?? new Uint8Array(0)));
    }
    const kp = node.kxGenerate(g);
    const len = g === 'x25519' ? 32 : 65;
    const bad: Uint8Array[] = [new Uint8Array(0), new Uint8Array(len - 1), new Uint8Array(len + 1), new Uint8Array(len)];
    if (g === 'secp256r1') {
      const off = new Uint8Array(65).fill(0xff);
      off[0] = 4;
      bad.push(off); // coordinates >= p
      const notOnCurve = kp.publicKey.slice();
      notOnCurve[64]! ^= 1;
      bad.push(notOnCurve);
    }
    for (const p of bad) assert.is(node.kxDerive(g, kp.privateKey, p), null, `bad peer of ${p.length} bytes`);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70 }), (p) => {
        const r = node.kxDerive(g, kp.privateKey, p);
        const q = noble.kxDerive(g, kp.privateKey, p);
        assert.is(r === null ? null : hex(r), q === null ? null : hex(q));
      }),
      { seed: 7748, numRuns: 200 },
    );
  });
}

test('verify-key cache: keyed by content (fresh arrays hit, other keys miss, mutated arrays re-imported)', () => {
  const node = createNodeProvider(seededRandom(5));
  const m = utf8('cache');
  for (const kind of ['ed25519', 'p256'] as const) {
    const scheme = kind === 'ed25519' ? 'ed25519' : 'ecdsa_secp256r1_sha256';
    const k1 = node.generateSigningKey(kind);
    const k2 = node.generateSigningKey(kind);
    const s1 = node.sign(scheme, k1, m);
    const pub1 = node.publicKeyOf(k1);
    const pub2 = node.publicKeyOf(k2);
    assert.ok(node.verify(scheme, { kind, raw: pub1.raw.slice() }, m, s1));
    assert.ok(node.verify(scheme, { kind, raw: pub1.raw.slice() }, m, s1));
    assert.not.ok(node.verify(scheme, pub2, m, s1));
    const arr = pub1.raw.slice();
    assert.ok(node.verify(scheme, { kind, raw: arr }, m, s1));
    arr.set(pub2.raw);
    assert.not.ok(node.verify(scheme, { kind, raw: arr }, m, s1), 'same array, new content');
    arr[arr.length - 1]! ^= 0x55; // likely not a valid key at all: false, no throw
    assert.not.ok(node.verify(scheme, { kind, raw: arr }, m, s1));
  }
});

test('JS SHA-256 and HMAC-SHA256 (sha256-block.ts) equal OpenSSL for every length and split', () => {
  const out = new Uint8Array(40);
  for (let n = 0; n <= 300; n++) {
    const m = new Uint8Array(nc.randomBytes(n));
    const k = new Uint8Array(nc.randomBytes((n * 7) % 150)); // keys shorter and longer than the 64-byte block
    const split = (n * 13) % (n + 1);
    const parts = [m.subarray(0, split), m.subarray(split, split + ((n * 5) % (n - split + 1))), m.subarray(split + ((n * 5) % (n - split + 1)))];
    hmacSha256(hmacSha256Key(k), parts[0]!, parts[1], parts[2], out, 3);
    assert.is(hex(out.subarray(3, 35)), nc.createHmac('sha256', k).update(m).digest('hex'), `hmac n=${n}`);
    sha256Into(parts, out, 8);
    assert.is(hex(out.subarray(8, 40)), nc.createHash('sha256').update(m).digest('hex'), `sha256 n=${n}`);
  }
});

test('node provider HMAC / HKDF (JS key states for SHA-256) equal OpenSSL and noble; key arrays mutated in place', () => {
  const node = createNodeProvider(seededRandom(9));
  const noble = createNobleProvider(seededRandom(9));
  fc.assert(fc.property(
    fc.uint8Array({ minLength: 0, maxLength: 100 }), fc.uint8Array({ minLength: 0, maxLength: 400 }),
    fc.integer({ min: 1, max: 255 }), fc.constantFrom('SHA-256' as const, 'SHA-384' as const),
    (key, data, len, alg) => {
      const h = alg === 'SHA-256' ? 'sha256' : 'sha384';
      const ref = nc.createHmac(h, key).update(data).digest('hex');
      assert.is(hex(node.hmac(alg, key, data)), ref);
      assert.is(hex(node.hkdfExtract(alg, key, data)), ref);
      key[0] = (key[0] ?? 0) ^ 0xff; // same array, new bytes: the cached key state must not be reused
      assert.is(hex(node.hmac(alg, key, data)), nc.createHmac(h, key).update(data).digest('hex'));
      const hl = alg === 'SHA-256' ? 32 : 48;
      const prk = key.length >= hl ? key : new Uint8Array(nc.randomBytes(hl));
      const info = data.subarray(0, 255);
      const L = Math.min(len * 3, 255 * hl);
      // RFC 5869 HKDF-Expand from OpenSSL's HMAC
      let t = Buffer.alloc(0);
      let okm = Buffer.alloc(0);
      for (let i = 1; okm.length < L; i++) {
        t = nc.createHmac(h, prk).update(t).update(info).update(Uint8Array.of(i)).digest();
        okm = Buffer.concat([okm, t]);
      }
      const got = node.hkdfExpand(alg, prk, info, L);
      assert.is(hex(got), okm.subarray(0, L).toString('hex'));
      assert.is(hex(got), hex(noble.hkdfExpand(alg, prk, info, L)));
    },
  ), { numRuns: 300 });
});

test('node provider SHA-256 transcript (JS) and hash(): digests at every point, clones, observer reports = noble', () => {
  const node = createNodeProvider(seededRandom(10));
  const noble = createNobleProvider(seededRandom(10));
  fc.assert(fc.property(
    fc.array(fc.uint8Array({ minLength: 0, maxLength: 300 }), { minLength: 0, maxLength: 12 }), fc.nat(11),
    (chunks, cloneAt) => {
      const seen: { node: unknown[]; noble: unknown[] } = { node: [], noble: [] };
      node.observer = (op) => seen.node.push(op);
      noble.observer = (op) => seen.noble.push(op);
      const a = node.transcript('SHA-256');
      const b = noble.transcript('SHA-256');
      const ref = nc.createHash('sha256');
      let clone: { t: ReturnType<typeof a.clone>; u: ReturnType<typeof b.clone>; ref: nc.Hash } | undefined;
      chunks.forEach((c, i) => {
        a.update(c);
        b.update(c);
        ref.update(c);
        assert.is(hex(a.digest()), ref.copy().digest('hex'), `after chunk ${i}`);
        assert.is(hex(b.digest()), ref.copy().digest('hex'));
        if (i === cloneAt) clone = { t: a.clone(), u: b.clone(), ref: ref.copy() };
      });
      if (clone) {
        // the clone goes on independently of the original
        for (const t of [clone.t, clone.u]) t.update(Uint8Array.of(1, 2, 3));
        clone.ref.update(Uint8Array.of(1, 2, 3));
        const want = clone.ref.digest('hex');
        assert.is(hex(clone.t.digest()), want);
        assert.is(hex(clone.u.digest()), want);
        assert.is(hex(a.digest()), ref.copy().digest('hex'));
        assert.is(hex(b.digest()), ref.copy().digest('hex'));
      }
      const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
      chunks.reduce((off, c) => (all.set(c, off), off + c.length), 0);
      assert.is(hex(node.hash('SHA-256', all)), nc.createHash('sha256').update(all).digest('hex'));
      assert.is(hex(noble.hash('SHA-256', all)), nc.createHash('sha256').update(all).digest('hex'));
      node.observer = undefined;
      noble.observer = undefined;
      assert.equal(seen.node, seen.noble);
    },
  ), { seed: 2026, numRuns: 300 });
});

test.run();
