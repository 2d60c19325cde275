import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNobleProvider, createNodeProvider, seededRandom, cert } from '../../src/dtls/index.ts';
import { buildChain, clientChains } from '../../src/workload/certs.ts';

const NOW = Date.UTC(2030, 0, 1);

for (const type of ['ecdsa-p256', 'ed25519', 'rsa-2048', 'rsa-3072'] as const) {
  for (const length of [1, 2, 3]) {
    test(`${type} chain of ${length} parses and verifies with src/dtls/cert`, () => {
      const p = createNobleProvider(seededRandom(7));
      const c = buildChain(p, type, length);
      assert.is(c.chain.length, length);
      for (const der of [...c.chain, c.root]) assert.ok(cert.parseCertificate(der).ok);
      const r = cert.verifyChain(c.chain, { trustAnchors: [c.root], nowMs: NOW, serverName: 'localhost', provider: createNodeProvider(seededRandom(1)) });
      assert.ok(r.ok, JSON.stringify(r));
      const wrongName = cert.verifyChain(c.chain, { trustAnchors: [c.root], nowMs: NOW, serverName: 'example.com', provider: p });
      assert.not.ok(wrongName.ok);
    });
  }
}

test('chain is deterministic for a seed (noble signs with RFC 6979)', () => {
  const a = buildChain(createNobleProvider(seededRandom(3)), 'ecdsa-p256', 2);
  const b = buildChain(createNobleProvider(seededRandom(3)), 'ecdsa-p256', 2);
  assert.equal(a.chain, b.chain);
  assert.ok(a.chain[0]!.length > 300 && a.chain[0]!.length < 500, `leaf ${a.chain[0]!.length} B`);
});

test('a tampered certificate signature is rejected', () => {
  const p = createNobleProvider(seededRandom(5));
  const c = buildChain(p, 'ed25519', 2);
  const leaf = c.chain[0]!.slice();
  leaf[leaf.length - 5]! ^= 1;
  const r = cert.verifyChain([leaf, c.chain[1]!], { trustAnchors: [c.root], nowMs: NOW, serverName: 'localhost', provider: p });
  assert.not.ok(r.ok);
});
test('RSA chains: RSASSA-PSS certificates over fixed keys of the right size, CertificateVerify scheme rsa_pss_rsae_sha256', () => {
  for (const bits of [2048, 3072] as const) {
    const c = buildChain(createNobleProvider(seededRandom(2)), `rsa-${bits}`, 3);
    assert.is(c.scheme, 'rsa_pss_rsae_sha256');
    const leaf = cert.parseCertificate(c.chain[0]!);
    assert.ok(leaf.ok);
    if (leaf.ok) {
      const k = leaf.cert.publicKey;
      assert.is(k.kind, 'rsa');
      if (k.kind === 'rsa') assert.is(k.modulusBits, bits);
    }
    // the leaf key signs and the certificate's key verifies it (node provider, independent of the noble one)
    const node = createNodeProvider(seededRandom(4));
    const msg = new Uint8Array([1, 2, 3]);
    const sig = node.sign('rsa_pss_rsae_sha256', c.leafKey, msg);
    assert.is(sig.length, bits / 8);
    assert.ok(node.verify('rsa_pss_rsae_sha256', node.publicKeyOf(c.leafKey), msg, sig));
  }
  // same seed, same bytes (the PSS salt comes from the seeded source)
  const a = buildChain(createNobleProvider(seededRandom(9)), 'rsa-2048', 2);
  const b = buildChain(createNobleProvider(seededRandom(9)), 'rsa-2048', 2);
  assert.equal(a.chain, b.chain);
});

test('client chains verify for purpose client, not as a server chain for localhost', () => {
  const [ec, rsa] = clientChains(5, ['ecdsa-p256', 'rsa-2048'], 2);
  for (const c of [ec!, rsa!]) {
    const p = createNodeProvider(seededRandom(1));
    const ok = cert.verifyChain(c.chain, { trustAnchors: [c.root], nowMs: NOW, provider: p, purpose: 'client' });
    assert.ok(ok.ok, JSON.stringify(ok));
    assert.not.ok(cert.verifyChain(c.chain, { trustAnchors: [c.root], nowMs: NOW, serverName: 'localhost', provider: p }).ok);
  }
});
test.run();
