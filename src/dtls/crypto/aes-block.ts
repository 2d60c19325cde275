// Single-block AES-128/256 encryption (FIPS 197, T-table form) for DTLS 1.3 record-number masks
// (RFC 9147 4.2.3: mask = AES-ECB(sn_key, ciphertext[0..15])). The node provider uses it by default because one
// OpenSSL cipher update per mask (a native call, ~0.6 us, plus a Buffer) costs more than this on the record path;
// `createNodeProvider(rng, { opensslMasks: true })` switches back to OpenSSL. Property-tested against OpenSSL's
// aes-128-ecb / aes-256-ecb and noble's ecb in test/dtls/crypto/crypto.test.ts. Not constant-time (table lookups):
// acceptable for masks of public ciphertext under a per-epoch key in this model; noted in docs/protocol.md.

const SBOX = new Uint8Array(256);
const TE0 = new Uint32Array(256), TE1 = new Uint32Array(256), TE2 = new Uint32Array(256), TE3 = new Uint32Array(256);
(() => {
  // S-box from the multiplicative inverse in GF(2^8) and the affine map
  const mul = (a: number, b: number) => { let r = 0; while (b) { if (b & 1) r ^= a; a = (a << 1) ^ (a & 0x80 ? 0x11b : 0); b >>= 1; } return r & 0xff; };
  const inv = new Uint8Array(256);
  for (let a = 1; a < 256; a++) for (let b = 1; b < 256; b++) if (mul(a, b) === 1) { inv[a] = b; break; }
  for (let i = 0; i < 256; i++) {
    let x = inv[i]!;
    let s = x;
    for (let k = 0; k < 4; k++) { x = ((x << 1) | (x >>> 7)) & 0xff; s ^= x; }
    SBOX[i] = s ^ 0x63;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i]!;
    const s2 = mul(s, 2), s3 = mul(s, 3);
    const t = ((s2 << 24) | (s << 16) | (s << 8) | s3) >>> 0;
    TE0[i] = t;
    TE1[i] = ((t >>> 8) | (t << 24)) >>> 0;
    TE2[i] = ((t >>> 16) | (t << 16)) >>> 0;
    TE3[i] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

export interface AesKey {
  readonly rounds: number;
  readonly w: Uint32Array; // 4 * (rounds + 1) big-endian round-key words
}

/** SubWord (FIPS 197 5.2). */
function sub(t: number): number {
  return ((SBOX[t >>> 24]! << 24) | (SBOX[(t >>> 16) & 0xff]! << 16) | (SBOX[(t >>> 8) & 0xff]! << 8) | SBOX[t & 0xff]!) >>> 0;
}

export function aesExpandKey(key: Uint8Array): AesKey {
  if (key.length !== 16 && key.length !== 32) throw new RangeError('AES key must be 16 or 32 bytes');
  const w = new Uint32Array(4 * (key.length / 4 + 7));
  return { rounds: expandInto(key, w), w };
}

/** The one schedule aesScheduleOf hands out (AES-256 size), and the key it holds. */
const SHARED: { rounds: number; w: Uint32Array } = { rounds: 0, w: new Uint32Array(60) };
let sharedKey: Uint8Array | null = null;

/**
 * The round keys of `key` in a schedule shared by every caller: valid until the next aesScheduleOf call for another
 * key, so only for use within one synchronous operation (a mask, a CCM seal or open). `key` must not change while
 * it may still be the cached one (the callers pass private copies). A new Uint32Array per schedule is an off-heap
 * backing store per record with per-record keys; the expansion itself costs about one block encryption, and a
 * long-lived key no longer keeps its 176-240 bytes of round keys.
 */
export function aesScheduleOf(key: Uint8Array): AesKey {
  if (key !== sharedKey) {
    if (key.length !== 16 && key.length !== 32) throw new RangeError('AES key must be 16 or 32 bytes');
    SHARED.rounds = expandInto(key, SHARED.w);
    sharedKey = key;
  }
  return SHARED;
}

/** FIPS 197 5.2 key expansion of `key` into w[0 .. 4 * (rounds + 1)); returns the rounds. */
function expandInto(key: Uint8Array, w: Uint32Array): number {
  const nk = key.length / 4;
  const rounds = nk + 6;
  const end = 4 * (rounds + 1);
  for (let i = 0; i < nk; i++) w[i] = ((key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!) >>> 0;
  let rcon = 1;
  for (let i = nk; i < end; i++) {
    let t = w[i - 1]!;
    if (i % nk === 0) {
      t = (sub(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24)) >>> 0;
      rcon = (rcon << 1) ^ (rcon & 0x80 ? 0x11b : 0);
    } else if (nk > 6 && i % nk === 4) {
      t = sub(t);
    }
    w[i] = (w[i - nk]! ^ t) >>> 0;
  }
  return rounds;
}

/** out[0..16) = AES_k(input[0..16)). */
export function aesEncryptBlock(k: AesKey, input: Uint8Array, out: Uint8Array): Uint8Array {
  aesEncryptWords(k,
    (input[0]! << 24) | (input[1]! << 16) | (input[2]! << 8) | input[3]!,
    (input[4]! << 24) | (input[5]! << 16) | (input[6]! << 8) | input[7]!,
    (input[8]! << 24) | (input[9]! << 16) | (input[10]! << 8) | input[11]!,
    (input[12]! << 24) | (input[13]! << 16) | (input[14]! << 8) | input[15]!);
  const o = AES_OUT;
  const o0 = o[0]!, o1 = o[1]!, o2 = o[2]!, o3 = o[3]!;
  out[0] = o0 >>> 24; out[1] = (o0 >>> 16) & 0xff; out[2] = (o0 >>> 8) & 0xff; out[3] = o0 & 0xff;
  out[4] = o1 >>> 24; out[5] = (o1 >>> 16) & 0xff; out[6] = (o1 >>> 8) & 0xff; out[7] = o1 & 0xff;
  out[8] = o2 >>> 24; out[9] = (o2 >>> 16) & 0xff; out[10] = (o2 >>> 8) & 0xff; out[11] = o2 & 0xff;
  out[12] = o3 >>> 24; out[13] = (o3 >>> 16) & 0xff; out[14] = (o3 >>> 8) & 0xff; out[15] = o3 & 0xff;
  return out;
}

/** The output of aesEncryptWords: four big-endian words, valid until the next call. */
export const AES_OUT = new Int32Array(4);

/**
 * AES_OUT = AES_k(block), the block given as four big-endian words (s0 = bytes 0..3). Chained modes (CCM's CBC-MAC
 * and counter blocks, ./ccm.ts) keep their state in words and skip the byte packing of aesEncryptBlock.
 */
export function aesEncryptWords(k: AesKey, s0: number, s1: number, s2: number, s3: number): void {
  const w = k.w;
  s0 ^= w[0]!; s1 ^= w[1]!; s2 ^= w[2]!; s3 ^= w[3]!;
  let r = 4;
  for (let round = 1; round < k.rounds; round++) {
    const t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ w[r]!;
    const t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ w[r + 1]!;
    const t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ w[r + 2]!;
    const t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ w[r + 3]!;
    s0 = t0; s1 = t1; s2 = t2; s3 = t3;
    r += 4;
  }
  const S = SBOX;
  const o = AES_OUT;
  o[0] = ((S[s0 >>> 24]! << 24) | (S[(s1 >>> 16) & 0xff]! << 16) | (S[(s2 >>> 8) & 0xff]! << 8) | S[s3 & 0xff]!) ^ w[r]!;
  o[1] = ((S[s1 >>> 24]! << 24) | (S[(s2 >>> 16) & 0xff]! << 16) | (S[(s3 >>> 8) & 0xff]! << 8) | S[s0 & 0xff]!) ^ w[r + 1]!;
  o[2] = ((S[s2 >>> 24]! << 24) | (S[(s3 >>> 16) & 0xff]! << 16) | (S[(s0 >>> 8) & 0xff]! << 8) | S[s1 & 0xff]!) ^ w[r + 2]!;
  o[3] = ((S[s3 >>> 24]! << 24) | (S[(s0 >>> 16) & 0xff]! << 16) | (S[(s1 >>> 8) & 0xff]! << 8) | S[s2 & 0xff]!) ^ w[r + 3]!;
}
