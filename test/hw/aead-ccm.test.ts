// The AEAD engine charges CCM (and CCM_8) its two AES passes per payload block (CBC-MAC + CTR) against GCM's one,
// and an AES-128-CCM-8 open strips an 8-byte tag, not 16 (records of TLS_AES_128_CCM_8_SHA256). Expectations are
// computed by hand from models/baseline.yaml (aes_128_gcm 11 cycles per block, aes_128_ccm 22, setup 40).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { aeadOpCycles, aeadPayloadBytes, type HwCryptoOp } from '../../src/hw/index.ts';
import { loadModel } from './helpers.ts';

const aead = loadModel('baseline').aead!;
const op = (o: 'aead-seal' | 'aead-open', alg: string, inputBytes: number, aadBytes: number): HwCryptoOp =>
  ({ op: o, alg, inputBytes, outputBytes: 0, aadBytes });

test('baseline: one AES pass = 11 cycles per block; CCM is charged two (22)', () => {
  assert.is(aead.cycles_per_block.aes_128_gcm, 11);
  assert.is(aead.cycles_per_block.aes_128_ccm, 2 * 11);
  assert.is(aead.setup_cycles, 40);
});

test('CCM costs twice GCM per payload block (the marginal cost of 71 more blocks: 1200 B vs 64 B)', () => {
  const gcm = (n: number) => aeadOpCycles(aead, op('aead-seal', 'AES-128-GCM', n, 5));
  const ccm = (n: number) => aeadOpCycles(aead, op('aead-seal', 'AES-128-CCM', n, 5));
  assert.is(gcm(1200) - gcm(64), 71 * 11);
  assert.is(ccm(1200) - ccm(64), 71 * 22);
  // 64 B, 9 B of AAD (a 4-byte CID in the header): setup 40 + 4 payload blocks x 22 + (B0 + 1 AAD block) x 11
  assert.is(aeadOpCycles(aead, op('aead-seal', 'AES-128-CCM-8', 64, 9)), 40 + 88 + 22);
});

test('AES-128-CCM-8 open: 8-byte tag stripped (same cycles as the seal of the same plaintext)', () => {
  assert.is(aeadPayloadBytes(op('aead-open', 'AES-128-CCM-8', 64 + 8, 9)), 64);
  assert.is(aeadPayloadBytes(op('aead-open', 'AES-128-CCM', 64 + 16, 9)), 64);
  assert.is(aeadPayloadBytes(op('aead-open', 'AES-128-GCM', 64 + 16, 9)), 64);
  assert.is(aeadOpCycles(aead, op('aead-open', 'AES-128-CCM-8', 72, 9)), aeadOpCycles(aead, op('aead-seal', 'AES-128-CCM-8', 64, 9)));
  // 17 B + 8-byte tag: 2 payload blocks (a 16-byte tag would have left 9 B, 1 block); B0 + 1 AAD block: 2 x 11
  assert.is(aeadOpCycles(aead, op('aead-open', 'AES-128-CCM-8', 25, 5)), 40 + 2 * 22 + 22);
});

test.run();
