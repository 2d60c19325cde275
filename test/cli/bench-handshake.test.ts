// npm run bench -- handshake: the rows' presence and shape (no timing asserted): a full and an rsa-2048 row per
// provider, the RSA row counting the asymmetric operations of an RSA-2048 <- 3072 <- 4096 chain; --key rsa makes the
// full row RSA without a second one; a handshake that cannot complete gives a row with the refusal reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { addSplits, handshakeRows, measureFull } from '../../src/cli/bench/handshake.ts';
import { CallClock } from '../../src/cli/bench/handshake-split.ts';
import { loadSetup, pooledRandom, replay, type Call } from '../../src/cli/bench/handshake-world.ts';
import type { CryptoProvider } from '../../src/dtls/index.ts';

// Per full handshake, counted from RFC 8446 rather than from the code: one key share generated and one shared secret
// derived on each side; one CertificateVerify signature (server); the client verifies that signature and, walking
// leaf -> intermediate -> trust anchor, the signatures of the leaf and of the intermediate.
const FULL_OPS = { kxGenerate: 2, kxDerive: 2, sign: 1, verify: 3 };

test('default rows: full (ECDSA) and rsa-2048 per provider, with figures and their own ratio', () => {
  const rows = handshakeRows(['--n', '3', '--no-psk']);
  assert.equal(rows.map((r) => `${r.provider} ${r.handshake}`), ['node full', 'node rsa-2048', 'noble full', 'noble rsa-2048']);
  for (const r of rows) {
    assert.is(r.refused, undefined, `${r.provider} ${r.handshake}: ${String(r.refused)}`);
    assert.is(r.signature, r.handshake === 'rsa-2048' ? 'rsa_pss_rsae_sha256' : 'ecdsa_secp256r1_sha256');
    assert.equal(r.asym_ops_per_handshake, FULL_OPS);
    assert.is(r.handshakes, 5); // at least 5 rounds of at least one handshake
    for (const k of ['handshakes_per_s', 'wall_ms_per_handshake', 'asym_ms_per_handshake', 'ratio_wall_to_asym', 'protocol_only_ms_per_handshake']) {
      assert.ok(typeof r[k] === 'number' && (r[k] as number) > 0, `${r.provider} ${r.handshake} ${k}`);
    }
    // the 1.5 target is the node full handshake's
    assert.is(r.target_ratio, r.provider === 'node' && r.handshake === 'full' ? 1.5 : undefined);
  }
});

test('replay derives from the key pair the replaying provider generated, as the live handshake did (not from foreign key bytes)', () => {
  const seen: unknown[][] = [];
  let n = 0;
  const fake = {
    kxGenerate: () => ({ privateKey: new Uint8Array([++n]), publicKey: new Uint8Array([100 + n]) }),
    kxDerive: (...a: unknown[]) => { seen.push(a); return new Uint8Array(32); },
    sign: () => new Uint8Array(64),
    verify: () => true,
  } as unknown as CryptoProvider;
  const livePriv = new Uint8Array([42]);
  const foreign = new Uint8Array([7]);
  const peer = new Uint8Array([9]);
  const calls: Call[] = [
    { m: 'kxGenerate', args: ['x25519'], result: { privateKey: livePriv, publicKey: new Uint8Array([43]) } },
    { m: 'kxDerive', args: ['x25519', livePriv, peer] },
    { m: 'kxDerive', args: ['x25519', foreign, peer] }, // a key the replay never generated: passed as recorded
  ];
  replay(fake, calls);
  assert.is(seen.length, 2);
  assert.equal(seen[0], ['x25519', new Uint8Array([1]), peer]);
  assert.ok(seen[1]![1] === foreign);
});

test('--key rsa: the full row is RSA and no second rsa-2048 row; --no-rsa drops it', () => {
  const rsa = handshakeRows(['--provider', 'node', '--n', '2', '--no-psk', '--key', 'rsa']);
  assert.equal(rsa.map((r) => [r.handshake, r.signature]), [['full', 'rsa_pss_rsae_sha256']]);
  const none = handshakeRows(['--provider', 'node', '--n', '2', '--no-psk', '--no-rsa']);
  assert.equal(none.map((r) => r.handshake), ['full']);
});

test('a handshake that cannot complete: the row says why instead of timing anything', () => {
  // the RSA server chain against the ECDSA trust anchor: the client's verifier rejects it
  const bad = { ...loadSetup('rsa'), anchors: loadSetup('ecdsa').anchors };
  const row = measureFull('node', pooledRandom(), bad, { n: 2, cookie: true, group: 'x25519', suite: 'TLS_AES_128_GCM_SHA256' }, 'rsa-2048');
  assert.is(row.handshake, 'rsa-2048');
  assert.match(String(row.refused), /did not complete \(client sent \w+/);
  assert.is(row.handshakes_per_s, undefined);
});

test('--split: each completed full row gets the split, its per-method parts counting the calls of every kind', async () => {
  const rows = handshakeRows(['--provider', 'node', '--n', '2', '--no-psk']);
  await addSplits(rows, ['--provider', 'node', '--n', '2', '--no-psk']);
  const [full, rsa] = rows;
  assert.is(rsa!.split, undefined); // only the full row
  const s = full!.split as Record<string, unknown>;
  assert.is(s.rounds, 5);
  for (const k of ['live_wall_ms', 'live_asym_calls_ms', 'replay_ms', 'replay_interleaved_ms', 'stub_ms']) {
    assert.ok(typeof s[k] === 'number' && (s[k] as number) > 0, k);
  }
  const per = s.per_method_ms as Record<string, Record<string, number>>;
  assert.equal(Object.keys(per).sort(), ['kxDerive', 'kxGenerate', 'sign', 'verify']);
  for (const m of Object.values(per)) for (const v of Object.values(m)) assert.ok(v > 0);
});

test('CallClock times and counts the asymmetric calls only, and passes results and other methods through', () => {
  const clock = new CallClock();
  const sig = new Uint8Array([1, 2]);
  const base = { sign: () => sig, verify: () => true, kxGenerate: () => 'kp', kxDerive: () => null, hash: () => 'h' };
  const p = clock.timed(base as unknown as CryptoProvider) as unknown as typeof base;
  assert.ok(p.sign() === sig);
  assert.is(p.verify(), true);
  assert.is(p.verify(), true);
  assert.is(p.hash(), 'h');
  assert.equal(clock.calls, { kxGenerate: 0, kxDerive: 0, sign: 1, verify: 2 });
  assert.ok(clock.total >= 0 && Math.abs(clock.total - (clock.byMethod.sign + clock.byMethod.verify)) < 1e-9);
  clock.reset();
  assert.equal(clock.calls, { kxGenerate: 0, kxDerive: 0, sign: 0, verify: 0 });
  assert.is(clock.total, 0);
});

test.run();
