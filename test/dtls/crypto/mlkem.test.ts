// ML-KEM-768 (FIPS 203) known-answer tests and the MLKEM768 / X25519MLKEM768 groups, through the provider interface
// in both providers. Expectations come from the vectors in test/fixtures/mlkem (NIST ACVP key generation and
// decapsulation, deterministic encapsulation vectors; see its README) and RFC 8448 section 3 (X25519), never from
// the code under test. Randomness is scripted: the provider must draw exactly d || z (64 bytes) for a key pair and
// m (32 bytes) for an encapsulation, then the X25519 private key for the hybrid (src/dtls/crypto/pq.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createProvider, seededRandom, type CryptoOp, type CryptoProvider, type ProviderKind, type RandomSource } from '../../../src/dtls/crypto/index.ts';
import { hex, unhex, PROVIDERS } from '../util.ts';

const DIR = join(import.meta.dirname, '../../fixtures/mlkem');

type Entry = Record<string, string>;
/** BoringSSL FileTest format: blank-line separated blocks of `key: value` / `key = value` lines, `[key: value]`
 *  instructions apply to the blocks after them, `#` comments. */
function load(name: string): Entry[] {
  const out: Entry[] = [];
  const instr: Entry = {};
  for (const block of readFileSync(join(DIR, name), 'utf8').split(/\n\s*\n/)) {
    const e: Entry = { ...instr };
    let any = false;
    for (const line of block.split('\n')) {
      const ins = /^\[(\w+): ([0-9A-Fa-f]*)\]$/.exec(line.trim());
      if (ins) { instr[ins[1]!] = ins[2]!; continue; }
      const m = /^(\w+)\s*[:=]\s*(.*)$/.exec(line.trim());
      if (m && !line.startsWith('#')) { e[m[1]!] = m[2]!.trim(); any = true; }
    }
    if (any) out.push(e);
  }
  return out;
}

const keygen = load('mlkem768_nist_keygen_tests.txt');
const decap = load('mlkem768_nist_decap_tests.txt');
const encap = load('mlkem768_encap_tests.txt');

/** A RandomSource that hands out the given chunks in order and fails on any other draw. */
function scripted(...chunks: Uint8Array[]): RandomSource & { left(): number } {
  const q = chunks.slice();
  return {
    fill(b: Uint8Array) {
      const c = q.shift();
      if (!c || c.length !== b.length) throw new Error(`unexpected draw of ${b.length} bytes (next scripted: ${c?.length})`);
      b.set(c);
    },
    left: () => q.length,
  };
}

function traced(kind: ProviderKind, rng: RandomSource): { p: CryptoProvider; ops: CryptoOp[] } {
  const p = createProvider(kind, rng);
  const ops: CryptoOp[] = [];
  p.observer = (o) => ops.push(o);
  return { p, ops };
}
const kinds = (ops: CryptoOp[]) => ops.map((o) => `${o.op}:${o.alg}`).join(',');
const cat = (...a: Uint8Array[]) => new Uint8Array(Buffer.concat(a));

// RFC 8448 section 3 (Simple 1-RTT Handshake): the client's and server's ephemeral X25519 keys and their shared
// secret (the handshake-secret IKM).
const X_CLIENT_PRIV = unhex('49af42ba7f7994852d713ef2784bcbcaa7911de26adc5642cb634540e7ea5005');
const X_CLIENT_PUB = unhex('99381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c');
const X_SERVER_PRIV = unhex('b1580eeadf6dd589b8ef4f2d5652578cc810e9980191ec8d058308cea216a21e');
const X_SERVER_PUB = unhex('c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1b04e751f0f');
const X_SHARED = unhex('8bd4054fb55b9d63fdfbacf9f04b9f0d35e6d63f537563efd46272900f89492d');

test('fixtures: the expected numbers of vectors were read', () => {
  assert.is(keygen.length, 5);
  assert.is(decap.length, 10);
  assert.ok(decap.every((e) => e.dk && e.dk.length === 4800));
  assert.is(encap.filter((e) => e.result === 'pass').length, 5);
  assert.is(encap.filter((e) => e.result === 'fail').length, 3);
});

for (const kind of PROVIDERS) {
  test(`${kind}: FIPS 203 ML-KEM-768 key generation (NIST ACVP vectors), draw order d || z`, () => {
    for (const v of keygen) {
      const rng = scripted(cat(unhex(v.d!), unhex(v.z!)));
      const { p, ops } = traced(kind, rng);
      const kp = p.kxGenerate('MLKEM768');
      assert.is(hex(kp.publicKey), v.ek!.toLowerCase());
      assert.is(hex(kp.privateKey), v.dk!.toLowerCase());
      assert.is(rng.left(), 0);
      assert.equal(ops, [{ op: 'kem-keygen', alg: 'ML-KEM-768', inputBytes: 0, outputBytes: 1184 }]);
      // the encapsulation key is recovered from the decapsulation key
      assert.is(hex(p.kxFromPrivate('MLKEM768', unhex(v.dk!)).publicKey), v.ek!.toLowerCase());
    }
  });

  test(`${kind}: FIPS 203 ML-KEM-768 decapsulation (NIST ACVP vectors, incl. implicit rejection)`, () => {
    const { p, ops } = traced(kind, scripted());
    for (const v of decap) {
      const k = p.kxDerive('MLKEM768', unhex(v.dk!), unhex(v.c!));
      assert.ok(k);
      assert.is(hex(k), v.k!.toLowerCase());
    }
    assert.is(ops.length, decap.length);
    assert.ok(ops.every((o) => o.op === 'kem-decaps' && o.inputBytes === 1088 && o.outputBytes === 32 && o.ok === true));
  });

  test(`${kind}: ML-KEM-768 encapsulation with fixed m (deterministic vectors), modulus check rejects`, () => {
    for (const v of encap) {
      const rng = scripted(unhex(v.entropy!));
      const { p, ops } = traced(kind, rng);
      const r = p.kxEncapsulate('MLKEM768', unhex(v.public_key!));
      assert.is(rng.left(), 0);
      if (v.result === 'pass') {
        assert.ok(r);
        assert.is(hex(r.share), v.ciphertext!.toLowerCase());
        assert.is(hex(r.secret), v.shared_secret!.toLowerCase());
        assert.equal(ops, [{ op: 'kem-encaps', alg: 'ML-KEM-768', inputBytes: 1184, outputBytes: 1088, ok: true }]);
      } else {
        assert.is(r, null); // "Public key not reduced": FIPS 203 7.2 modulus check
        assert.equal(ops, [{ op: 'kem-encaps', alg: 'ML-KEM-768', inputBytes: 1184, outputBytes: 0, ok: false }]);
      }
    }
  });

  test(`${kind}: X25519MLKEM768 client share = ek || X25519 public (1216 B), ML-KEM drawn first`, () => {
    const v = keygen[0]!;
    const rng = scripted(cat(unhex(v.d!), unhex(v.z!)), X_CLIENT_PRIV);
    const { p, ops } = traced(kind, rng);
    const kp = p.kxGenerate('X25519MLKEM768');
    assert.is(kp.publicKey.length, 1216);
    assert.is(hex(kp.publicKey), v.ek!.toLowerCase() + hex(X_CLIENT_PUB));
    assert.is(hex(kp.privateKey), v.dk!.toLowerCase() + hex(X_CLIENT_PRIV));
    assert.is(kinds(ops), 'kem-keygen:ML-KEM-768,kx-keygen:X25519');
    assert.is(hex(p.kxFromPrivate('X25519MLKEM768', kp.privateKey).publicKey), hex(kp.publicKey));
  });

  test(`${kind}: X25519MLKEM768 server share = ciphertext || X25519 public (1120 B), secret = K || X25519 (64 B)`, () => {
    const v = encap[0]!;
    const rng = scripted(unhex(v.entropy!), X_SERVER_PRIV);
    const { p, ops } = traced(kind, rng);
    const r = p.kxEncapsulate('X25519MLKEM768', cat(unhex(v.public_key!), X_CLIENT_PUB));
    assert.ok(r);
    assert.is(r.share.length, 1120);
    assert.is(hex(r.share), v.ciphertext!.toLowerCase() + hex(X_SERVER_PUB));
    assert.is(hex(r.secret), v.shared_secret!.toLowerCase() + hex(X_SHARED));
    assert.is(kinds(ops), 'kem-encaps:ML-KEM-768,kx-keygen:X25519,kx-derive:X25519');
  });

  test(`${kind}: X25519MLKEM768 client derive = decapsulation || X25519 (NIST dk + RFC 8448 keys)`, () => {
    const v = decap[0]!;
    const { p, ops } = traced(kind, scripted());
    const s = p.kxDerive('X25519MLKEM768', cat(unhex(v.dk!), X_CLIENT_PRIV), cat(unhex(v.c!), X_SERVER_PUB));
    assert.ok(s);
    assert.is(hex(s), v.k!.toLowerCase() + hex(X_SHARED));
    assert.is(kinds(ops), 'kem-decaps:ML-KEM-768,kx-derive:X25519');
  });

  test(`${kind}: malformed hybrid / ML-KEM shares give null, never an exception`, () => {
    const p = createProvider(kind, seededRandom('bad'));
    const kp = p.kxGenerate('X25519MLKEM768');
    const ok = p.kxEncapsulate('X25519MLKEM768', kp.publicKey)!;
    for (const n of [0, 32, 1184, 1215, 1217]) assert.is(p.kxEncapsulate('X25519MLKEM768', new Uint8Array(n)), null, `client share ${n}`);
    assert.is(p.kxEncapsulate('MLKEM768', new Uint8Array(1183)), null);
    for (const n of [0, 32, 1088, 1119, 1121]) assert.is(p.kxDerive('X25519MLKEM768', kp.privateKey, new Uint8Array(n)), null, `server share ${n}`);
    // X25519 half all zero (low-order point): rejected both ways (RFC 8446 7.4.2)
    const zeroX = cat(kp.publicKey.subarray(0, 1184), new Uint8Array(32));
    assert.is(p.kxEncapsulate('X25519MLKEM768', zeroX), null);
    assert.is(p.kxDerive('X25519MLKEM768', kp.privateKey, cat(ok.share.subarray(0, 1088), new Uint8Array(32))), null);
    // an ek that fails the modulus check (first 12-bit coefficient set to 4095 >= q)
    const bad = kp.publicKey.slice();
    bad[0] = 0xff;
    bad[1] |= 0x0f;
    assert.is(p.kxEncapsulate('X25519MLKEM768', bad), null);
    // a tampered ciphertext still decapsulates (implicit rejection), to a different secret
    const t = ok.share.slice();
    t[5] ^= 1;
    const s = p.kxDerive('X25519MLKEM768', kp.privateKey, t);
    assert.ok(s && s.length === 64 && hex(s) !== hex(ok.secret));
    assert.throws(() => p.kxFromPrivate('MLKEM768', new Uint8Array(2400)), /hash check/);
    assert.throws(() => p.kxFromPrivate('X25519MLKEM768', new Uint8Array(2400)), /2432 bytes/);
  });
}

test('random peer bytes of the right sizes never throw (both providers, both PQ groups)', () => {
  const bytes = seededRandom('pq-fuzz');
  for (const kind of PROVIDERS) {
    const p = createProvider(kind, seededRandom('pq-fuzz-' + kind));
    for (const g of ['X25519MLKEM768', 'MLKEM768'] as const) {
      const kp = p.kxGenerate(g);
      const extra = g === 'MLKEM768' ? 0 : 32;
      for (let i = 0; i < 8; i++) {
        const ek = new Uint8Array(1184 + extra);
        bytes.fill(ek);
        const r = p.kxEncapsulate(g, ek); // random ek: almost surely fails the modulus check
        assert.ok(r === null || r.share.length === 1088 + extra);
        const ct = new Uint8Array(1088 + extra);
        bytes.fill(ct);
        const s = p.kxDerive(g, kp.privateKey, ct); // implicit rejection: a secret, unless the X25519 half is 0
        assert.ok(s === null || s.length === 32 + extra);
      }
    }
  }
});

test('node and noble: identical bytes and traces for hybrid and ML-KEM exchanges from one seed', () => {
  const run = (kind: ProviderKind) => {
    const { p, ops } = traced(kind, seededRandom('pq-same'));
    const out: string[] = [];
    for (const g of ['X25519MLKEM768', 'MLKEM768', 'x25519', 'secp256r1'] as const) {
      const c = p.kxGenerate(g);
      const s = p.kxEncapsulate(g, c.publicKey)!;
      const k = p.kxDerive(g, c.privateKey, s.share)!;
      assert.is(hex(k), hex(s.secret), `${kind} ${g}`);
      out.push(g, hex(c.publicKey), hex(s.share), hex(k));
    }
    return { out: out.join('\n'), ops: JSON.stringify(ops) };
  };
  const a = run('node');
  const b = run('noble');
  assert.is(a.out, b.out);
  assert.is(a.ops, b.ops);
});

test('kxEncapsulate for ECDHE groups = kxGenerate then kxDerive: same draws, bytes and trace', () => {
  for (const kind of PROVIDERS) {
    for (const g of ['x25519', 'secp256r1'] as const) {
      const peer = createProvider(kind, seededRandom('peer')).kxGenerate(g).publicKey;
      const a = traced(kind, seededRandom('srv'));
      const r = a.p.kxEncapsulate(g, peer)!;
      const b = traced(kind, seededRandom('srv'));
      const kp = b.p.kxGenerate(g);
      const s = b.p.kxDerive(g, kp.privateKey, peer)!;
      assert.is(hex(r.share), hex(kp.publicKey));
      assert.is(hex(r.secret), hex(s));
      assert.equal(a.ops, b.ops);
    }
  }
});

test.run();
