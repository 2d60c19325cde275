// Helpers shared by both providers (pure JS, no library calls).
import { CryptoError, type SignatureScheme, type SigningKey, type VerifyKey } from './provider.ts';
import { encodeRsaPublicKey, parseRsaPrivateKey } from './rsa.ts';

// P-256 group order n, big-endian.
const P256_N = [
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

/** 1 <= k < n for a 32-byte big-endian scalar. */
export function isValidP256Scalar(k: Uint8Array): boolean {
  if (k.length !== 32) return false;
  let zero = true;
  for (let i = 0; i < 32; i++) if (k[i] !== 0) { zero = false; break; }
  if (zero) return false;
  for (let i = 0; i < 32; i++) {
    if (k[i]! < P256_N[i]!) return true;
    if (k[i]! > P256_N[i]!) return false;
  }
  return false; // equal to n
}

export const SCHEME_ALG: Readonly<Record<SignatureScheme, string>> = {
  ed25519: 'ed25519',
  ecdsa_secp256r1_sha256: 'ecdsa_secp256r1_sha256',
  rsa_pss_rsae_sha256: 'rsa_pss_rsae_sha256',
  rsa_pss_rsae_sha384: 'rsa_pss_rsae_sha384',
  rsa_pkcs1_sha256: 'rsa_pkcs1_sha256',
  rsa_pkcs1_sha384: 'rsa_pkcs1_sha384',
};

export function checkSigningKey(key: SigningKey): void {
  if (key.kind === 'rsa') {
    parseRsaPrivateKey(key.raw); // throws CryptoError
    return;
  }
  if (key.raw.length !== 32) throw new CryptoError(`${key.kind} private key must be 32 bytes`);
  if (key.kind === 'p256' && !isValidP256Scalar(key.raw)) throw new CryptoError('P-256 private key out of range');
}

export function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** The RSAPublicKey of an RSA private key (throws CryptoError on a malformed key). */
export function rsaPublicOf(key: SigningKey): VerifyKey {
  const k = parseRsaPrivateKey(key.raw);
  return { kind: 'rsa', raw: encodeRsaPublicKey(k.n, k.e) };
}
