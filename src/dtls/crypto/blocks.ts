// Compression-function call counts for the operation trace, computed from lengths (FIPS 180-4 padding):
// SHA-256 processes 64-byte blocks and needs at least 9 bytes of padding (0x80 + 64-bit length);
// SHA-384 processes 128-byte blocks and needs at least 17 bytes (0x80 + 128-bit length).
// HMAC (RFC 2104) = inner hash over (64|128-byte key block || message) + outer hash over (key block || inner
// digest), plus one hash of the key when the key is longer than the block. HKDF-Extract = one HMAC;
// HKDF-Expand = one HMAC per output block T(i) = HMAC(PRK, T(i-1) || info || i).
import type { HashAlg } from './provider.ts';

export const HASH_BLOCK: Readonly<Record<HashAlg, number>> = { 'SHA-256': 64, 'SHA-384': 128 };
export const HASH_PAD: Readonly<Record<HashAlg, number>> = { 'SHA-256': 9, 'SHA-384': 17 };
const OUT: Readonly<Record<HashAlg, number>> = { 'SHA-256': 32, 'SHA-384': 48 };

/** Blocks for a one-shot hash of `len` bytes. */
export function hashBlocks(alg: HashAlg, len: number): number {
  const b = HASH_BLOCK[alg];
  return Math.ceil((len + HASH_PAD[alg]) / b);
}

/** Final (padding) blocks when `pending` bytes (0 <= pending < block) are left in the buffer at digest time. */
export function finalBlocks(alg: HashAlg, pending: number): number {
  return pending + HASH_PAD[alg] <= HASH_BLOCK[alg] ? 1 : 2;
}

export function hmacBlocks(alg: HashAlg, keyLen: number, msgLen: number): number {
  const b = HASH_BLOCK[alg];
  const keyHash = keyLen > b ? hashBlocks(alg, keyLen) : 0;
  return keyHash + hashBlocks(alg, b + msgLen) + hashBlocks(alg, b + OUT[alg]);
}

export function hkdfExpandBlocks(alg: HashAlg, prkLen: number, infoLen: number, length: number): number {
  const h = OUT[alg];
  const n = Math.ceil(length / h);
  let total = 0;
  for (let i = 1; i <= n; i++) total += hmacBlocks(alg, prkLen, (i > 1 ? h : 0) + infoLen + 1);
  return total;
}
