// CryptoProvider.aead / snMasker keep their own copy of the key: the record layer prepares per-record keys from a
// shared scratch array (src/dtls/record/epoch-state.ts) and overwrites it for the next key. Overwriting the array
// after preparing a key must change nothing the key object computes; expectations from node:crypto directly.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'node:crypto';
import { createProvider, seededRandom, type AeadAlg } from '../../../src/dtls/index.ts';
import { hex } from '../util.ts';

const ALGS: [AeadAlg, string, number, number][] = [
  ['AES-128-GCM', 'aes-128-gcm', 16, 16], ['AES-256-GCM', 'aes-256-gcm', 32, 16],
  ['CHACHA20-POLY1305', 'chacha20-poly1305', 32, 16], ['AES-128-CCM', 'aes-128-ccm', 16, 16], ['AES-128-CCM-8', 'aes-128-ccm', 16, 8],
];

for (const kind of ['node', 'noble'] as const) {
  test(`${kind}: an AEAD key and a masker keep their own copy of the key bytes`, () => {
    const p = createProvider(kind, seededRandom(1));
    const nonce = new Uint8Array(12).fill(3), aad = new Uint8Array(13).fill(4), pt = new Uint8Array(65).fill(5);
    for (const [alg, name, len, tag] of ALGS) {
      const key = new Uint8Array(len).fill(9);
      const k = p.aead(alg, key);
      key.fill(0xaa); // the caller reuses its array
      const c = nc.createCipheriv(name as 'aes-128-gcm', new Uint8Array(len).fill(9), nonce, { authTagLength: tag } as never);
      c.setAAD(aad, { plaintextLength: pt.length });
      const want = Buffer.concat([c.update(pt), c.final(), c.getAuthTag()]);
      assert.is(hex(k.seal(nonce, aad, pt)), want.toString('hex'), alg);
    }
    const snKey = new Uint8Array(16).fill(7);
    const m = p.snMasker('AES-128-GCM', snKey);
    snKey.fill(0);
    const sample = new Uint8Array(16).fill(1);
    const e = nc.createCipheriv('aes-128-ecb', new Uint8Array(16).fill(7), null).setAutoPadding(false);
    assert.is(hex(m.mask(sample)), e.update(sample).toString('hex'));
  });
}

test.run();
