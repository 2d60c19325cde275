// Allocation-free RFC 8439 2.3 ChaCha20 block function returning the first 16 keystream bytes, for DTLS 1.3
// record-number masks (RFC 9147 4.2.3: counter = LE uint32 of sample[0..3], nonce = sample[4..15]).
// Used by the node provider (one OpenSSL createCipheriv per mask costs ~2.5 us, this ~0.3 us) and by the noble
// provider for the one counter value (0xffffffff) noble's chacha20 refuses. Checked against node:crypto's
// 'chacha20' and noble's chacha20 in test/dtls/crypto/crypto.test.ts.

/** Expand a 32-byte key into 8 little-endian words (done once per sn_key). */
export function chachaKeyWords(key: Uint8Array): Int32Array {
  const k = new Int32Array(8);
  for (let i = 0; i < 8; i++) k[i] = key[i * 4]! | (key[i * 4 + 1]! << 8) | (key[i * 4 + 2]! << 16) | (key[i * 4 + 3]! << 24);
  return k;
}

/** out[0..16) = first 16 bytes of ChaCha20(key, counter = LE32(sample[0..3]), nonce = sample[4..15]). */
export function chachaMask16(k: Int32Array, sample: Uint8Array, out: Uint8Array): Uint8Array {
  const j0 = 0x61707865, j1 = 0x3320646e, j2 = 0x79622d32, j3 = 0x6b206574;
  const j4 = k[0]!, j5 = k[1]!, j6 = k[2]!, j7 = k[3]!;
  const j8 = k[4]!, j9 = k[5]!, j10 = k[6]!, j11 = k[7]!;
  const s = sample;
  const j12 = s[0]! | (s[1]! << 8) | (s[2]! << 16) | (s[3]! << 24);
  const j13 = s[4]! | (s[5]! << 8) | (s[6]! << 16) | (s[7]! << 24);
  const j14 = s[8]! | (s[9]! << 8) | (s[10]! << 16) | (s[11]! << 24);
  const j15 = s[12]! | (s[13]! << 8) | (s[14]! << 16) | (s[15]! << 24);
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  for (let i = 0; i < 10; i++) {
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 16) | (x12 >>> 16);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 12) | (x4 >>> 20);
    x0 = (x0 + x4) | 0; x12 ^= x0; x12 = (x12 << 8) | (x12 >>> 24);
    x8 = (x8 + x12) | 0; x4 ^= x8; x4 = (x4 << 7) | (x4 >>> 25);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 16) | (x13 >>> 16);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 12) | (x5 >>> 20);
    x1 = (x1 + x5) | 0; x13 ^= x1; x13 = (x13 << 8) | (x13 >>> 24);
    x9 = (x9 + x13) | 0; x5 ^= x9; x5 = (x5 << 7) | (x5 >>> 25);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 16) | (x14 >>> 16);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 12) | (x6 >>> 20);
    x2 = (x2 + x6) | 0; x14 ^= x2; x14 = (x14 << 8) | (x14 >>> 24);
    x10 = (x10 + x14) | 0; x6 ^= x10; x6 = (x6 << 7) | (x6 >>> 25);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 16) | (x15 >>> 16);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 12) | (x7 >>> 20);
    x3 = (x3 + x7) | 0; x15 ^= x3; x15 = (x15 << 8) | (x15 >>> 24);
    x11 = (x11 + x15) | 0; x7 ^= x11; x7 = (x7 << 7) | (x7 >>> 25);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 16) | (x15 >>> 16);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 12) | (x5 >>> 20);
    x0 = (x0 + x5) | 0; x15 ^= x0; x15 = (x15 << 8) | (x15 >>> 24);
    x10 = (x10 + x15) | 0; x5 ^= x10; x5 = (x5 << 7) | (x5 >>> 25);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 16) | (x12 >>> 16);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 12) | (x6 >>> 20);
    x1 = (x1 + x6) | 0; x12 ^= x1; x12 = (x12 << 8) | (x12 >>> 24);
    x11 = (x11 + x12) | 0; x6 ^= x11; x6 = (x6 << 7) | (x6 >>> 25);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 16) | (x13 >>> 16);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 12) | (x7 >>> 20);
    x2 = (x2 + x7) | 0; x13 ^= x2; x13 = (x13 << 8) | (x13 >>> 24);
    x8 = (x8 + x13) | 0; x7 ^= x8; x7 = (x7 << 7) | (x7 >>> 25);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 16) | (x14 >>> 16);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 12) | (x4 >>> 20);
    x3 = (x3 + x4) | 0; x14 ^= x3; x14 = (x14 << 8) | (x14 >>> 24);
    x9 = (x9 + x14) | 0; x4 ^= x9; x4 = (x4 << 7) | (x4 >>> 25);
  }
  x0 = (x0 + j0) | 0; x1 = (x1 + j1) | 0; x2 = (x2 + j2) | 0; x3 = (x3 + j3) | 0;
  out[0] = x0; out[1] = x0 >>> 8; out[2] = x0 >>> 16; out[3] = x0 >>> 24;
  out[4] = x1; out[5] = x1 >>> 8; out[6] = x1 >>> 16; out[7] = x1 >>> 24;
  out[8] = x2; out[9] = x2 >>> 8; out[10] = x2 >>> 16; out[11] = x2 >>> 24;
  out[12] = x3; out[13] = x3 >>> 8; out[14] = x3 >>> 16; out[15] = x3 >>> 24;
  return out;
}
