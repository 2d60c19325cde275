// AES-CCM (NIST SP 800-38C, formatting of RFC 3610 / SP 800-38C Appendix A) on the single-block AES of
// ./aes-block.ts. Used by the noble provider for AES-128-CCM (16-byte tag) and AES-128-CCM-8 (8-byte tag); TLS 1.3
// uses a 12-byte nonce, so L = 15 - 12 = 3 (RFC 8446 5.3, RFC 6655 / RFC 3610 parameters M and L).
//
//   B0    = flags || nonce || Q (payload length, L bytes big-endian);
//           flags = 0x40 if AAD present | ((M - 2) / 2) << 3 | (L - 1)
//   AAD   = 2-byte length (a < 2^16 - 2^8) or 0xfffe || 4-byte length (a < 2^32), AAD, zero pad to 16
//   T     = first M bytes of the CBC-MAC of B0 || AAD blocks || payload (zero padded)
//   A_i   = (L - 1) || nonce || i (L bytes);  ciphertext = P XOR AES(A_1), AES(A_2) ...;  tag = T XOR AES(A_0)
//
// The general nonce lengths 7..13 and even tag lengths 4..16 are accepted so that the SP 800-38C and RFC 3610
// example vectors can be checked (test/dtls/ccm.test.ts). Allocation-free apart from the returned plaintext: the
// round keys come from aesScheduleOf (one shared schedule, re-expanded when another key used it last) and the
// block scratch is shared by every instance (each call runs to completion before another can start). The payload
// loops keep the CBC-MAC state and the counter block as four 32-bit words (aesEncryptWords): no byte packing of
// the chained state per block.
// Not constant-time (T-table AES, see ./aes-block.ts); the tag comparison is.
import { AES_OUT, aesEncryptBlock, aesEncryptWords, aesScheduleOf, type AesKey } from './aes-block.ts';
import { allocBytes } from './alloc.ts';

/** CBC-MAC state, counter block, S0 (scratch of every AesCcm call). */
const MAC = new Uint8Array(16);
const CTR = new Uint8Array(16);
const S0 = new Uint8Array(16);
/** A short last block, zero padded. */
const PAD = new Uint8Array(16);

/** The big-endian word at b[i..i+4). */
function ld(b: Uint8Array, i: number): number {
  return (b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!;
}

/** b[i..i+len) = the first `len` (<= 16) bytes of the words w0..w3, big-endian. */
function st(b: Uint8Array, i: number, len: number, w0: number, w1: number, w2: number, w3: number): void {
  if (len === 16) {
    b[i] = w0 >>> 24; b[i + 1] = w0 >>> 16; b[i + 2] = w0 >>> 8; b[i + 3] = w0;
    b[i + 4] = w1 >>> 24; b[i + 5] = w1 >>> 16; b[i + 6] = w1 >>> 8; b[i + 7] = w1;
    b[i + 8] = w2 >>> 24; b[i + 9] = w2 >>> 16; b[i + 10] = w2 >>> 8; b[i + 11] = w2;
    b[i + 12] = w3 >>> 24; b[i + 13] = w3 >>> 16; b[i + 14] = w3 >>> 8; b[i + 15] = w3;
    return;
  }
  for (let j = 0; j < len; j++) {
    const w = j < 4 ? w0 : j < 8 ? w1 : j < 12 ? w2 : w3;
    b[i + j] = w >>> (24 - 8 * (j & 3));
  }
}

export class AesCcm {
  private readonly mac = MAC;
  private readonly ctr = CTR;
  private readonly s0 = S0;
  /** The round keys of this call (set by start()). */
  private k: AesKey | null = null;

  /** `key` is kept by reference: the caller hands over a copy it never changes (aesScheduleOf). */
  constructor(private readonly key: Uint8Array, readonly tagLength: number) {
    if (tagLength < 4 || tagLength > 16 || tagLength % 2 !== 0) throw new RangeError('CCM tag length must be 4, 6, ..., 16');
    if (key.length !== 16 && key.length !== 32) throw new RangeError('AES key must be 16 or 32 bytes');
  }

  /**
   * Writes ciphertext || tag (pt.length + tagLength bytes) to out[off..]. `out` may alias `pt` at the same offset
   * (in-place): every plaintext block is read before its ciphertext is written. Returns the bytes written.
   */
  sealTo(nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array, out: Uint8Array, off: number): number {
    const n = pt.length;
    this.start(nonce, aad, n);
    const k = this.k!;
    const o = AES_OUT;
    const mac = this.mac, ctr = this.ctr;
    let m0 = ld(mac, 0), m1 = ld(mac, 4), m2 = ld(mac, 8), m3 = ld(mac, 12);
    const c0 = ld(ctr, 0), c1 = ld(ctr, 4), c2 = ld(ctr, 8), c3 = ld(ctr, 12); // A_0: counter bytes 0
    for (let pos = 0, i = 1; pos < n; pos += 16, i++) {
      const len = n - pos >= 16 ? 16 : n - pos;
      let src = pt, at = pos;
      if (len < 16) {
        PAD.fill(0);
        for (let j = 0; j < len; j++) PAD[j] = pt[pos + j]!;
        src = PAD;
        at = 0;
      }
      // every plaintext word is read before its ciphertext is written (out may alias pt)
      const p0 = ld(src, at), p1 = ld(src, at + 4), p2 = ld(src, at + 8), p3 = ld(src, at + 12);
      aesEncryptWords(k, m0 ^ p0, m1 ^ p1, m2 ^ p2, m3 ^ p3);
      m0 = o[0]!; m1 = o[1]!; m2 = o[2]!; m3 = o[3]!;
      aesEncryptWords(k, c0, c1, c2, c3 | i); // the counter fits the last q >= 2 bytes (start() checked n)
      st(out, off + pos, len, p0 ^ o[0]!, p1 ^ o[1]!, p2 ^ o[2]!, p3 ^ o[3]!);
    }
    st(mac, 0, 16, m0, m1, m2, m3);
    const s0 = this.s0;
    for (let j = 0; j < this.tagLength; j++) out[off + n + j] = mac[j]! ^ s0[j]!;
    return n + this.tagLength;
  }

  seal(nonce: Uint8Array, aad: Uint8Array, pt: Uint8Array): Uint8Array {
    const out = new Uint8Array(pt.length + this.tagLength);
    this.sealTo(nonce, aad, pt, out, 0);
    return out;
  }

  /** Plaintext, or null if the tag does not verify or the input is shorter than the tag. */
  open(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null {
    const t = this.tagLength;
    if (ct.length < t) return null;
    const n = ct.length - t;
    if (!this.start(nonce, aad, n)) return null;
    const k = this.k!;
    const o = AES_OUT;
    const mac = this.mac, ctr = this.ctr;
    let m0 = ld(mac, 0), m1 = ld(mac, 4), m2 = ld(mac, 8), m3 = ld(mac, 12);
    const c0 = ld(ctr, 0), c1 = ld(ctr, 4), c2 = ld(ctr, 8), c3 = ld(ctr, 12);
    const pt = allocBytes(n); // every byte is written below (a pooled view: ./alloc.ts)
    for (let pos = 0, i = 1; pos < n; pos += 16, i++) {
      aesEncryptWords(k, c0, c1, c2, c3 | i);
      let e0: number, e1: number, e2: number, e3: number;
      if (n - pos >= 16) {
        e0 = ld(ct, pos) ^ o[0]!; e1 = ld(ct, pos + 4) ^ o[1]!; e2 = ld(ct, pos + 8) ^ o[2]!; e3 = ld(ct, pos + 12) ^ o[3]!;
        st(pt, pos, 16, e0, e1, e2, e3);
      } else {
        // a short last block: its plaintext, zero padded, goes into the MAC
        const len = n - pos;
        PAD.fill(0);
        for (let j = 0; j < len; j++) PAD[j] = ct[pos + j]!;
        st(PAD, 0, len, ld(PAD, 0) ^ o[0]!, ld(PAD, 4) ^ o[1]!, ld(PAD, 8) ^ o[2]!, ld(PAD, 12) ^ o[3]!);
        for (let j = 0; j < len; j++) pt[pos + j] = PAD[j]!;
        e0 = ld(PAD, 0); e1 = ld(PAD, 4); e2 = ld(PAD, 8); e3 = ld(PAD, 12);
      }
      aesEncryptWords(k, m0 ^ e0, m1 ^ e1, m2 ^ e2, m3 ^ e3);
      m0 = o[0]!; m1 = o[1]!; m2 = o[2]!; m3 = o[3]!;
    }
    st(mac, 0, 16, m0, m1, m2, m3);
    const s0 = this.s0;
    let diff = 0;
    for (let j = 0; j < t; j++) diff |= mac[j]! ^ s0[j]! ^ ct[n + j]!;
    if (diff !== 0) {
      pt.fill(0);
      return null;
    }
    return pt;
  }

  /** CBC-MAC over B0 and the AAD into `mac`; S0 = AES(A_0) into `s0`. False if the lengths cannot be encoded. */
  private start(nonce: Uint8Array, aad: Uint8Array, n: number): boolean {
    const nl = nonce.length;
    if (nl < 7 || nl > 13) throw new RangeError('CCM nonce must be 7..13 bytes');
    const q = 15 - nl;
    if (q < 4 && n >= 2 ** (8 * q)) return false;
    const { mac, ctr } = this;
    const k = aesScheduleOf(this.key);
    this.k = k;
    // B0
    mac[0] = (aad.length > 0 ? 0x40 : 0) | (((this.tagLength - 2) / 2) << 3) | (q - 1);
    mac.set(nonce, 1);
    for (let j = 0, v = n; j < q; j++, v = Math.floor(v / 256)) mac[15 - j] = v & 0xff;
    aesEncryptBlock(k, mac, mac);
    // AAD with its length prefix, zero padded (XOR of zero bytes is a no-op)
    const a = aad.length;
    if (a > 0) {
      let p: number; // position in the current block
      if (a < 0xff00) {
        mac[0] = mac[0]! ^ (a >>> 8);
        mac[1] = mac[1]! ^ (a & 0xff);
        p = 2;
      } else {
        mac[0] = mac[0]! ^ 0xff;
        mac[1] = mac[1]! ^ 0xfe;
        mac[2] = mac[2]! ^ (a >>> 24);
        mac[3] = mac[3]! ^ ((a >>> 16) & 0xff);
        mac[4] = mac[4]! ^ ((a >>> 8) & 0xff);
        mac[5] = mac[5]! ^ (a & 0xff);
        p = 6;
      }
      for (let i = 0; i < a; i++) {
        mac[p] = mac[p]! ^ aad[i]!;
        if (++p === 16) {
          aesEncryptBlock(k, mac, mac);
          p = 0;
        }
      }
      if (p !== 0) aesEncryptBlock(k, mac, mac);
    }
    // A_0 template (counter bytes set per block by counter())
    ctr[0] = q - 1;
    ctr.set(nonce, 1);
    this.counter(0);
    aesEncryptBlock(k, ctr, this.s0);
    return true;
  }

  /** Counter field of A_i (the last q bytes). */
  private counter(i: number): void {
    const ctr = this.ctr;
    const q = ctr[0]! + 1; // flags byte of A_i = L - 1
    for (let j = 0, v = i; j < q; j++, v = Math.floor(v / 256)) ctr[15 - j] = v & 0xff;
  }
}
