// RecordLayer.seal against an independent, straight-from-RFC 9147 reference built on node:crypto only (no provider
// code): unified header, AEAD nonce = iv XOR seq, AAD = header with plaintext sequence bits, record-number mask
// (AES-ECB of the first 16 ciphertext bytes; ChaCha20 with counter = LE uint32 of bytes 0..3, nonce = bytes 4..15).
// Every suite x S/L form x CID, both providers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'node:crypto';
import { SUITES, SUITE_NAMES, type CipherSuite } from '../../../src/dtls/crypto/index.ts';
import { deriveEpochKeys, type EpochKeys } from '../../../src/dtls/keyschedule.ts';
import { RecordLayer } from '../../../src/dtls/record/index.ts';
import { hex, provider } from '../util.ts';

const CIPHER: Record<string, string> = {
  'AES-128-GCM': 'aes-128-gcm', 'AES-256-GCM': 'aes-256-gcm', 'CHACHA20-POLY1305': 'chacha20-poly1305', 'AES-128-CCM': 'aes-128-ccm',
  'AES-128-CCM-8': 'aes-128-ccm',
};

function refSeal(suite: CipherSuite, k: EpochKeys, epoch: number, seq: number, type: number, payload: Uint8Array,
  s16: boolean, withLen: boolean, cid: Uint8Array | undefined, pad: number): Uint8Array {
  const tagLen = suite.aead === 'AES-128-CCM-8' ? 8 : 16;
  // RFC 9147 4.2.3: senders pad short plaintexts so the ciphertext has the 16 bytes the record-number mask samples
  const inner = Buffer.concat([payload, Buffer.from([type]), Buffer.alloc(Math.max(pad, 16 - tagLen - payload.length - 1))]);
  const ctLen = inner.length + tagLen;
  const hdr: number[] = [0x20 | (cid ? 0x10 : 0) | (s16 ? 0x08 : 0) | (withLen ? 0x04 : 0) | (epoch & 3)];
  if (cid) hdr.push(...cid);
  const seqPos = hdr.length;
  if (s16) hdr.push((seq >> 8) & 0xff, seq & 0xff); else hdr.push(seq & 0xff);
  if (withLen) hdr.push(ctLen >> 8, ctLen & 0xff);
  const aad = Buffer.from(hdr);
  const nonce = Buffer.from(k.iv);
  const seq64 = Buffer.alloc(8);
  seq64.writeBigUInt64BE(BigInt(seq));
  for (let i = 0; i < 8; i++) nonce[4 + i]! ^= seq64[i]!;
  const c = nc.createCipheriv(CIPHER[suite.aead] as 'aes-128-gcm', k.key, nonce, { authTagLength: tagLen });
  if (suite.aead.startsWith('AES-128-CCM')) c.setAAD(aad, { plaintextLength: inner.length }); else c.setAAD(aad);
  const ct = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  const sample = ct.subarray(0, 16);
  const mask = suite.aead === 'CHACHA20-POLY1305'
    ? nc.createCipheriv('chacha20', k.snKey, sample).update(Buffer.alloc(16)) // OpenSSL IV = LE counter || nonce
    : nc.createCipheriv(k.snKey.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', k.snKey, null).setAutoPadding(false).update(sample);
  const wire = Buffer.from(aad);
  wire[seqPos]! ^= mask[0]!;
  if (s16) wire[seqPos + 1]! ^= mask[1]!;
  return new Uint8Array(Buffer.concat([wire, ct]));
}

for (const kind of ['node', 'noble'] as const) {
  test(`[${kind}] RecordLayer.seal == RFC 9147 reference for every suite x S/L x CID; open accepts the reference`, () => {
    const p = provider(kind);
    for (const name of SUITE_NAMES) {
      const suite = SUITES[name];
      const keys = deriveEpochKeys(p, suite, new Uint8Array(suite.hashLength).fill(0x42));
      for (const cid of [undefined, Uint8Array.of(0xaa, 0xbb, 0xcc)]) {
        const tx = new RecordLayer({ provider: p });
        const rx = new RecordLayer({ provider: p });
        tx.installWriteKeys(6, keys);
        rx.installReadKeys(6, keys);
        if (cid) { tx.setCid({ write: cid }); rx.setCid({ read: cid }); }
        let seq = 0;
        for (const s16 of [false, true]) {
          for (const withLen of [false, true]) {
            for (const [n, pad] of [[0, 0], [3, 0], [100, 7], [1300, 0]] as const) {
              const payload = new Uint8Array(n).map((_, i) => (i * 13 + seq) & 0xff);
              const got = tx.seal(22, 6, payload, { seqLength: s16 ? 2 : 1, length: withLen, padding: { kind: 'size', to: n + 1 + pad } });
              const want = refSeal(suite, keys, 6, seq, 22, payload, s16, withLen, cid, pad);
              assert.is(hex(got), hex(want), `${name} cid=${!!cid} S=${s16} L=${withLen} n=${n}`);
              const o = rx.open(want);
              assert.is(o.length, 1);
              assert.is(o[0]!.seq, seq);
              assert.is(o[0]!.paddingLength, suite.tagLength === 8 ? Math.max(pad, 7 - n) : pad);
              seq++;
            }
          }
        }
      }
    }
  });
}

test('reference with a large sequence number (> 2^32) and epoch bits', () => {
  const p = provider('node');
  const suite = SUITES.TLS_CHACHA20_POLY1305_SHA256;
  const keys = deriveEpochKeys(p, suite, new Uint8Array(32).fill(7));
  const tx = new RecordLayer({ provider: p });
  tx.installWriteKeys(9, keys);
  const seq = 2 ** 40 + 12345;
  const got = tx.seal(23, 9, Uint8Array.of(1, 2, 3), { seq });
  assert.is(hex(got), hex(refSeal(suite, keys, 9, seq, 23, Uint8Array.of(1, 2, 3), true, true, undefined, 0)));
  assert.is(tx.nextWriteSeq(9), seq + 1);
});

test.run();
