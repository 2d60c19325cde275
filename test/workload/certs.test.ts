import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createNobleProvider, createNodeProvider, seededRandom, cert } from '../../src/dtls/index.ts';
import { buildChain } from '../../src/workload/certs.ts';

const NOW = Date.UTC(2030, 0, 1);

for (const type of ['ecdsa-p256', 'ed25519'] as const) {
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
test.run();
