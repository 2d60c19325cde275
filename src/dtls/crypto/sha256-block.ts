// SHA-256 compression function (FIPS 180-4 6.2) and HMAC-SHA256 (RFC 2104) with precomputed key states, for the
// node provider's short HMACs (HKDF-Extract / HKDF-Expand / Finished / cookie MACs): every node:crypto HMAC is a
// createHmac + update + digest round trip through the native binding (~1.8 us here for a 55-byte message), which
// costs more than the two compression calls an HMAC over a short message needs once the ipad/opad states of its key
// are kept (~0.5 us). Long messages and SHA-384 stay on OpenSSL. Property-tested against node:crypto's createHmac /
// createHash in test/dtls/node-provider-fast.test.ts. Operates on public sizes only; no secret-dependent branches or
// table lookups (constant-time like the C code).

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule scratch (single-threaded: every call fills it completely before use). */
const W = new Int32Array(64);

/** state = compress(state, buf[off .. off+64)). */
export function sha256Compress(state: Int32Array, buf: Uint8Array, off: number): void {
  const w = W;
  for (let i = 0; i < 16; i++, off += 4) w[i] = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!, y = w[i - 2]!;
    const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
    const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
    w[i] = (w[i - 16]! + s0 + w[i - 7]! + s1) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!, e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i]! + w[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0; state[1] = (state[1]! + b) | 0; state[2] = (state[2]! + c) | 0; state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0; state[5] = (state[5]! + f) | 0; state[6] = (state[6]! + g) | 0; state[7] = (state[7]! + h) | 0;
}

/** Block scratch for partial blocks, padding and key blocks. */
const BLK = new Uint8Array(64);
const STATE = new Int32Array(8);

/**
 * Absorbs `p` into `state` (which has absorbed whole blocks plus `fill` bytes buffered in BLK); returns the new
 * fill. Copies bytes by index: no subarray views (this runs for every HMAC, allocation would dominate).
 */
function absorb(state: Int32Array, p: Uint8Array, fill: number): number {
  const blk = BLK;
  const n = p.length;
  let i = 0;
  if (fill > 0) {
    while (fill < 64 && i < n) blk[fill++] = p[i++]!;
    if (fill < 64) return fill;
    sha256Compress(state, blk, 0);
    fill = 0;
  }
  for (; i + 64 <= n; i += 64) sha256Compress(state, p, i);
  while (i < n) blk[fill++] = p[i++]!;
  return fill;
}

/** Pads (total message length `total` bytes, `fill` bytes buffered), compresses, writes the digest. */
function pad(state: Int32Array, fill: number, total: number, out: Uint8Array, outOff: number): void {
  const blk = BLK;
  blk[fill++] = 0x80;
  if (fill > 56) {
    while (fill < 64) blk[fill++] = 0;
    sha256Compress(state, blk, 0);
    fill = 0;
  }
  while (fill < 56) blk[fill++] = 0;
  // 64-bit big-endian bit length (messages here stay far below 2^53 bits)
  const bits = total * 8;
  const hi = Math.floor(bits / 0x100000000);
  blk[56] = hi >>> 24; blk[57] = (hi >>> 16) & 0xff; blk[58] = (hi >>> 8) & 0xff; blk[59] = hi & 0xff;
  blk[60] = bits >>> 24; blk[61] = (bits >>> 16) & 0xff; blk[62] = (bits >>> 8) & 0xff; blk[63] = bits & 0xff;
  sha256Compress(state, blk, 0);
  for (let i = 0; i < 8; i++, outOff += 4) {
    const v = state[i]!;
    out[outOff] = v >>> 24; out[outOff + 1] = (v >>> 16) & 0xff; out[outOff + 2] = (v >>> 8) & 0xff; out[outOff + 3] = v & 0xff;
  }
}

function setIv(st: Int32Array): void {
  st[0] = IV[0]!; st[1] = IV[1]!; st[2] = IV[2]!; st[3] = IV[3]!; st[4] = IV[4]!; st[5] = IV[5]!; st[6] = IV[6]!; st[7] = IV[7]!;
}

/** One-shot SHA-256 of the concatenation of `parts` into out[outOff .. outOff+32). */
export function sha256Into(parts: readonly Uint8Array[], out: Uint8Array, outOff = 0): void {
  const st = STATE;
  setIv(st);
  let fill = 0;
  let total = 0;
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j]!;
    fill = absorb(st, p, fill);
    total += p.length;
  }
  pad(st, fill, total, out, outOff);
}

/** HMAC-SHA256 key: the states after the ipad and opad key blocks (16 words: inner 0..7, outer 8..15). */
export type HmacSha256Key = Int32Array;

const KEYHASH = new Uint8Array(32);
const ONE: Uint8Array[] = [KEYHASH];

/** Computes the key state of `key` into `into` (16 words; a new array when omitted). */
export function hmacSha256Key(key: Uint8Array, into: HmacSha256Key = new Int32Array(16)): HmacSha256Key {
  let k = key;
  if (k.length > 64) {
    ONE[0] = key;
    sha256Into(ONE, KEYHASH, 0);
    ONE[0] = KEYHASH;
    k = KEYHASH;
  }
  const blk = BLK;
  const st = STATE;
  const kl = k.length;
  for (let i = 0; i < 64; i++) blk[i] = (i < kl ? k[i]! : 0) ^ 0x36;
  setIv(st);
  sha256Compress(st, blk, 0);
  for (let i = 0; i < 8; i++) into[i] = st[i]!;
  for (let i = 0; i < 64; i++) blk[i] = (i < kl ? k[i]! : 0) ^ 0x5c;
  setIv(st);
  sha256Compress(st, blk, 0);
  for (let i = 0; i < 8; i++) into[8 + i] = st[i]!;
  return into;
}

const IDIGEST = new Uint8Array(32);

/** out[outOff .. outOff+32) = HMAC-SHA256(key, a || b || c) (b, c optional: the HKDF-Expand shape T || info || i). */
export function hmacSha256(key: HmacSha256Key, a: Uint8Array, b: Uint8Array | undefined, c: Uint8Array | undefined,
  out: Uint8Array, outOff = 0): void {
  const st = STATE;
  for (let i = 0; i < 8; i++) st[i] = key[i]!;
  let fill = absorb(st, a, 0);
  let total = 64 + a.length;
  if (b !== undefined) { fill = absorb(st, b, fill); total += b.length; }
  if (c !== undefined) { fill = absorb(st, c, fill); total += c.length; }
  pad(st, fill, total, IDIGEST, 0);
  for (let i = 0; i < 8; i++) st[i] = key[8 + i]!;
  fill = absorb(st, IDIGEST, 0);
  pad(st, fill, 96, out, outOff);
}
