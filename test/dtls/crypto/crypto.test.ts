// noble vs node: identical bytes for every deterministic operation (fast-check, fixed seeds), failure behaviour,
// key formats, and the operation trace (block counts, observer on/off).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import * as nc from 'node:crypto';
import {
  createNobleProvider, createNodeProvider, seededRandom, hashBlocks, hmacBlocks, hkdfExpandBlocks,
  parsePkcs8, parseSpki, signingKeyFromPkcs8, verifyKeyFromSpki, pkcs8FromRaw, spkiFromRaw, KeyFormatError,
  type AeadAlg, type CryptoOp, type HashAlg,
} from '../../../src/dtls/crypto/index.ts';
import { hex } from '../util.ts';

const noble = createNobleProvider(seededRandom('x'));
const node = createNodeProvider(seededRandom('x'));
const nodeOssl = createNodeProvider(seededRandom('x'), { opensslMasks: true });
const KEYLEN: Record<AeadAlg, number> = { 'AES-128-GCM': 16, 'AES-256-GCM': 32, 'CHACHA20-POLY1305': 32, 'AES-128-CCM': 16, 'AES-128-CCM-8': 16 };
const ALGS = Object.keys(KEYLEN) as AeadAlg[];
const bytes = (min: number, max: number) => fc.uint8Array({ minLength: min, maxLength: max });
// lengths 0..2^14, biased to small values and the edges
const ptArb = fc.oneof(bytes(0, 64), bytes(0, 2000), fc.integer({ min: 16000, max: 16384 }).map((n) => new Uint8Array(n).map((_, i) => (i * 31) & 0xff)));

for (const alg of ALGS) {
  test(`AEAD ${alg}: noble and node seal identically and open each other's output`, () => {
    fc.assert(
      fc.property(bytes(KEYLEN[alg], KEYLEN[alg]), bytes(12, 12), bytes(0, 40), ptArb, (key, nonce, aad, pt) => {
        const a = noble.aead(alg, key).seal(nonce, aad, pt);
        const b = node.aead(alg, key).seal(nonce, aad, pt);
        assert.is(hex(a), hex(b));
        assert.is(a.length, pt.length + (alg === 'AES-128-CCM-8' ? 8 : 16));
        assert.is(hex(node.aead(alg, key).open(nonce, aad, a)!), hex(pt));
        assert.is(hex(noble.aead(alg, key).open(nonce, aad, b)!), hex(pt));
        // any single-bit change is rejected by both, without throwing
        const bad = a.slice();
        bad[(pt.length * 7) % bad.length]! ^= 0x40;
        assert.is(noble.aead(alg, key).open(nonce, aad, bad), null);
        assert.is(node.aead(alg, key).open(nonce, aad, bad), null);
        const badAad = new Uint8Array([...aad, 1]);
        assert.is(node.aead(alg, key).open(nonce, badAad, a), null);
        assert.is(noble.aead(alg, key).open(nonce, badAad, a), null);
      }),
      { seed: 7, numRuns: alg.startsWith('AES-128-CCM') ? 25 : 40 },
    );
  });
}

// Both providers' CCM is JS (./ccm.ts); OpenSSL's aes-128-ccm is the independent reference here, including the
// node provider's in-place sealInto path the record layer uses.
for (const alg of ['AES-128-CCM', 'AES-128-CCM-8'] as const) {
  test(`AEAD ${alg}: the node provider's seal, sealInto and open agree with OpenSSL aes-128-ccm`, () => {
    const t = alg === 'AES-128-CCM-8' ? 8 : 16;
    fc.assert(
      fc.property(bytes(16, 16), bytes(12, 12), bytes(0, 40), bytes(0, 300), (key, nonce, aad, pt) => {
        const c = nc.createCipheriv('aes-128-ccm', key, nonce, { authTagLength: t });
        c.setAAD(aad, { plaintextLength: pt.length });
        const ref = hex(Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]));
        const k = node.aead(alg, key);
        assert.is(hex(k.seal(nonce, aad, pt)), ref);
        const out = new Uint8Array(3 + pt.length + t);
        assert.is(k.sealInto(nonce, aad, pt.subarray(0, 5), pt.subarray(5), out, 3), pt.length + t);
        assert.is(hex(out.subarray(3)), ref);
        assert.is(hex(k.open(nonce, aad, out.subarray(3))!), hex(pt));
      }),
      { seed: 11, numRuns: 60 },
    );
  });
}

test('AEAD: short inputs return null; in-place seal with out buffer', () => {
  for (const p of [noble, node]) {
    const k = p.aead('AES-128-GCM', new Uint8Array(16));
    assert.is(k.open(new Uint8Array(12), new Uint8Array(0), new Uint8Array(15)), null);
    const buf = new Uint8Array(5 + 10 + 16);
    buf.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5);
    const ref = k.seal(new Uint8Array(12), new Uint8Array(0), buf.slice(5, 15));
    k.seal(new Uint8Array(12), new Uint8Array(0), buf.subarray(5, 15), buf.subarray(5));
    assert.is(hex(buf.subarray(5)), hex(ref));
  }
});

test('record-number masks: AES-ECB and ChaCha20 identical (incl. counter 0xffffffff); ChaCha20 matches RFC 8439 layout', () => {
  fc.assert(
    fc.property(bytes(32, 32), bytes(16, 16), fc.boolean(), (key, sample, edge) => {
      if (edge) sample.set([0xff, 0xff, 0xff, 0xff]);
      for (const [alg, k] of [['AES-128-GCM', key.subarray(0, 16)], ['AES-256-GCM', key], ['CHACHA20-POLY1305', key]] as const) {
        assert.is(hex(noble.snMasker(alg, k).mask(sample)), hex(node.snMasker(alg, k).mask(sample)), alg);
      }
      // independent references: OpenSSL chacha20 (IV = LE counter || nonce = the sample) and AES-ECB
      const cc = nc.createCipheriv('chacha20', key, sample).update(new Uint8Array(16));
      assert.is(hex(node.snMasker('CHACHA20-POLY1305', key).mask(sample)), hex(cc));
      assert.is(hex(nodeOssl.snMasker('CHACHA20-POLY1305', key).mask(sample)), hex(cc));
      const ecb = nc.createCipheriv('aes-128-ecb', key.subarray(0, 16), null).setAutoPadding(false).update(sample);
      assert.is(hex(node.snMasker('AES-128-CCM', key.subarray(0, 16)).mask(sample)), hex(ecb));
      assert.is(hex(nodeOssl.snMasker('AES-128-CCM', key.subarray(0, 16)).mask(sample)), hex(ecb));
      const ecb256 = nc.createCipheriv('aes-256-ecb', key, null).setAutoPadding(false).update(sample);
      assert.is(hex(node.snMasker('AES-256-GCM', key).mask(sample)), hex(ecb256));
      assert.is(hex(nodeOssl.snMasker('AES-256-GCM', key).mask(sample)), hex(ecb256));
    }),
    { seed: 11, numRuns: 500 },
  );
});

const HASHES: HashAlg[] = ['SHA-256', 'SHA-384'];
test('hash, transcript (incremental, clone), HMAC, HKDF identical across providers', () => {
  fc.assert(
    fc.property(fc.array(bytes(0, 300), { maxLength: 6 }), bytes(0, 200), bytes(0, 80), fc.integer({ min: 0, max: 255 * 32 }), (parts, key, info, len) => {
      for (const h of HASHES) {
        const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of parts) { all.set(p, o); o += p.length; }
        const ref = nc.createHash(h === 'SHA-256' ? 'sha256' : 'sha384').update(all).digest('hex');
        assert.is(hex(noble.hash(h, all)), ref);
        assert.is(hex(node.hash(h, all)), ref);
        for (const p of [noble, node]) {
          const t = p.transcript(h);
          for (const part of parts) { t.update(part); t.digest(); }
          const c = t.clone();
          assert.is(hex(t.digest()), ref);
          c.update(new Uint8Array([1]));
          assert.is(hex(t.digest()), ref, 'clone independent');
          assert.is.not(hex(c.digest()), ref);
        }
        const hm = nc.createHmac(h === 'SHA-256' ? 'sha256' : 'sha384', key).update(all).digest('hex');
        assert.is(hex(noble.hmac(h, key, all)), hm);
        assert.is(hex(node.hmac(h, key, all)), hm);
        const prk = noble.hkdfExtract(h, key, all);
        assert.is(hex(prk), hex(node.hkdfExtract(h, key, all)));
        const l = Math.min(len, 255 * (h === 'SHA-256' ? 32 : 48));
        const ex = noble.hkdfExpand(h, prk, info, l);
        assert.is(hex(ex), hex(node.hkdfExpand(h, prk, info, l)));
        if (l > 0) assert.is(hex(ex), Buffer.from(nc.hkdfSync(h === 'SHA-256' ? 'sha256' : 'sha384', all, key, info, l)).toString('hex'));
      }
    }),
    { seed: 3, numRuns: 60 },
  );
});

test('key exchange: same RNG -> same key pairs in both providers; cross-derive equal; bad shares -> null', () => {
  for (let i = 0; i < 6; i++) {
    const a = createNobleProvider(seededRandom(i));
    const b = createNodeProvider(seededRandom(i));
    for (const g of ['x25519', 'secp256r1'] as const) {
      const ka = a.kxGenerate(g);
      const kb = b.kxGenerate(g);
      assert.is(hex(ka.publicKey), hex(kb.publicKey), g);
      assert.is(ka.publicKey.length, g === 'x25519' ? 32 : 65);
      const peer = createNodeProvider(seededRandom(`peer${i}`)).kxGenerate(g);
      const s1 = a.kxDerive(g, ka.privateKey, peer.publicKey)!;
      const s2 = b.kxDerive(g, peer.privateKey, ka.publicKey)!;
      assert.is(hex(s1), hex(s2));
      assert.is(s1.length, 32);
      for (const p of [a, b]) {
        assert.is(p.kxDerive(g, ka.privateKey, new Uint8Array(7)), null);
        if (g === 'secp256r1') {
          const off = peer.publicKey.slice();
          off[64]! ^= 1; // not on the curve
          assert.is(p.kxDerive(g, ka.privateKey, off), null);
        } else {
          assert.is(p.kxDerive(g, ka.privateKey, new Uint8Array(32)), null, 'all-zero shared secret rejected');
        }
      }
    }
  }
});

test('signatures: Ed25519 identical bytes; ECDSA P-256 cross-verifies (DER); garbage never throws', () => {
  const msgs = [new Uint8Array(0), new Uint8Array(100).fill(3), new Uint8Array(5000).fill(9)];
  for (let i = 0; i < 4; i++) {
    const a = createNobleProvider(seededRandom(`s${i}`));
    const b = createNodeProvider(seededRandom(`s${i}`));
    const ed = a.generateSigningKey('ed25519');
    const ec = a.generateSigningKey('p256');
    assert.is(hex(b.generateSigningKey('ed25519').raw), hex(ed.raw));
    assert.is(hex(b.generateSigningKey('p256').raw), hex(ec.raw));
    const edPub = a.publicKeyOf(ed);
    const ecPub = a.publicKeyOf(ec);
    assert.is(hex(b.publicKeyOf(ed).raw), hex(edPub.raw));
    assert.is(hex(b.publicKeyOf(ec).raw), hex(ecPub.raw));
    for (const m of msgs) {
      const s1 = a.sign('ed25519', ed, m);
      assert.is(hex(s1), hex(b.sign('ed25519', ed, m)));
      assert.ok(b.verify('ed25519', edPub, m, s1));
      const e1 = a.sign('ecdsa_secp256r1_sha256', ec, m);
      assert.is(hex(e1), hex(a.sign('ecdsa_secp256r1_sha256', ec, m)), 'noble ECDSA deterministic (RFC 6979)');
      const e2 = b.sign('ecdsa_secp256r1_sha256', ec, m);
      assert.is(e1[0], 0x30);
      assert.ok(b.verify('ecdsa_secp256r1_sha256', ecPub, m, e1));
      assert.ok(a.verify('ecdsa_secp256r1_sha256', ecPub, m, e2));
      const other = new Uint8Array([...m, 1]);
      for (const p of [a, b]) {
        assert.not.ok(p.verify('ecdsa_secp256r1_sha256', ecPub, other, e1));
        assert.not.ok(p.verify('ed25519', edPub, other, s1));
        assert.not.ok(p.verify('ed25519', ecPub, m, s1), 'wrong key kind');
        assert.not.ok(p.verify('ecdsa_secp256r1_sha256', ecPub, m, new Uint8Array([0x30, 0x02, 0xff])));
        assert.not.ok(p.verify('ecdsa_secp256r1_sha256', { kind: 'p256', raw: new Uint8Array(65) }, m, e1));
        assert.not.ok(p.verify('ed25519', { kind: 'ed25519', raw: new Uint8Array(5) }, m, s1));
      }
    }
  }
  fc.assert(
    fc.property(bytes(0, 80), bytes(0, 80), (sig, pub) => {
      for (const p of [noble, node]) {
        assert.not.ok(p.verify('ecdsa_secp256r1_sha256', { kind: 'p256', raw: pub }, sig, sig));
        assert.not.ok(p.verify('ed25519', { kind: 'ed25519', raw: pub }, sig, sig));
      }
    }),
    { seed: 5, numRuns: 100 },
  );
});

test('key formats: PKCS#8 / SPKI from node:crypto parse to the canonical raw form and back', () => {
  for (const [type, kind, opts] of [['ed25519', 'ed25519', {}], ['ec', 'p256', { namedCurve: 'P-256' }], ['x25519', 'x25519', {}]] as const) {
    const { privateKey, publicKey } = nc.generateKeyPairSync(type as 'ec', opts as { namedCurve: string });
    const p8 = new Uint8Array(privateKey.export({ format: 'der', type: 'pkcs8' }));
    const spki = new Uint8Array(publicKey.export({ format: 'der', type: 'spki' }));
    const priv = parsePkcs8(p8);
    const pub = parseSpki(spki);
    assert.is(priv.alg, kind);
    assert.is(pub.alg, kind);
    assert.is(hex(spkiFromRaw(kind, pub.raw)), hex(spki));
    const back = nc.createPrivateKey({ key: Buffer.from(pkcs8FromRaw(kind, priv.raw)), format: 'der', type: 'pkcs8' });
    assert.is(hex(nc.createPublicKey(back).export({ format: 'der', type: 'spki' })), hex(spki));
    if (kind !== 'x25519') {
      const sk = signingKeyFromPkcs8(p8);
      const vk = verifyKeyFromSpki(spki);
      for (const p of [noble, node]) {
        assert.is(hex(p.publicKeyOf(sk).raw), hex(vk.raw));
        const scheme = kind === 'ed25519' ? 'ed25519' : 'ecdsa_secp256r1_sha256';
        const sig = new Uint8Array(nc.sign(kind === 'ed25519' ? null : 'sha256', Buffer.from('hi'), privateKey));
        assert.ok(p.verify(scheme, vk, new TextEncoder().encode('hi'), sig));
      }
    }
  }
  assert.throws(() => parsePkcs8(new Uint8Array([0x30, 0x05, 1])), (e: unknown) => e instanceof KeyFormatError);
  assert.throws(() => parseSpki(new Uint8Array(0)), (e: unknown) => e instanceof KeyFormatError);
});

test('operation trace: block counts from lengths, transcript updates+digest == one-shot, observer detach', () => {
  assert.is(hashBlocks('SHA-256', 0), 1);
  assert.is(hashBlocks('SHA-256', 55), 1);
  assert.is(hashBlocks('SHA-256', 56), 2);
  assert.is(hashBlocks('SHA-384', 111), 1);
  assert.is(hashBlocks('SHA-384', 112), 2);
  assert.is(hmacBlocks('SHA-256', 32, 32), 4);
  assert.is(hmacBlocks('SHA-256', 100, 0), 2 + 2 + 2);
  assert.is(hkdfExpandBlocks('SHA-256', 32, 10, 32), hmacBlocks('SHA-256', 32, 11));
  assert.is(hkdfExpandBlocks('SHA-256', 32, 10, 33), hmacBlocks('SHA-256', 32, 11) + hmacBlocks('SHA-256', 32, 43));
  for (const p of [noble, node]) {
    const ops: CryptoOp[] = [];
    p.observer = (o) => ops.push(o);
    for (const h of HASHES) {
      for (const sizes of [[0], [10, 60, 1], [64, 64, 64], [200, 7, 300, 55]]) {
        ops.length = 0;
        const t = p.transcript(h);
        let total = 0;
        for (const s of sizes) { t.update(new Uint8Array(s)); total += s; }
        t.digest();
        const sum = ops.reduce((n, o) => n + (o.blocks ?? 0), 0);
        assert.is(sum, hashBlocks(h, total), `${p.name} ${h} ${sizes}`);
        assert.ok(ops.every((o) => o.op === 'hash' && o.alg === h));
      }
    }
    ops.length = 0;
    const k = p.aead('AES-128-GCM', new Uint8Array(16));
    const ct = k.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(100));
    k.open(new Uint8Array(12), new Uint8Array(5), ct);
    k.open(new Uint8Array(12), new Uint8Array(4), ct);
    p.hkdfExpand('SHA-256', new Uint8Array(32), new Uint8Array(10), 40);
    p.snMasker('AES-128-GCM', new Uint8Array(16)).mask(new Uint8Array(16));
    assert.equal(ops, [
      { op: 'aead-seal', alg: 'AES-128-GCM', inputBytes: 100, outputBytes: 116, aadBytes: 5 },
      { op: 'aead-open', alg: 'AES-128-GCM', inputBytes: 116, outputBytes: 100, aadBytes: 5, ok: true },
      { op: 'aead-open', alg: 'AES-128-GCM', inputBytes: 116, outputBytes: 0, aadBytes: 4, ok: false },
      { op: 'hkdf-expand', alg: 'HKDF-SHA-256', inputBytes: 10, outputBytes: 40, blocks: hkdfExpandBlocks('SHA-256', 32, 10, 40) },
      { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 },
    ]);
    p.observer = undefined;
    p.hash('SHA-256', new Uint8Array(3));
    assert.is(ops.length, 5);
  }
});

test.run();
