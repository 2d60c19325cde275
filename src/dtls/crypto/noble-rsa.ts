// RSA signatures for the noble provider (./noble.ts): @noble has no RSA, so the primitive is ./rsa.ts (BigInt,
// CRT) with @noble/hashes for SHA-256/384. rsa_pss_rsae_* sign (salt from the RandomSource, byte-identical to the
// node provider) and verify; rsa_pkcs1_* verify only (certificate signatures, RFC 8446 4.2.3).
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { CryptoError, RSA_SCHEME_HASH, type RandomSource, type SignatureScheme, type SigningKey, type VerifyKey } from './provider.ts';
import {
  emsaPkcs1Encode, emsaPssEncode, emsaPssVerify, i2osp, os2ip, parseRsaPrivateKey, parseRsaPublicKey, rsasp1, rsavp1,
  type HashFn,
} from './rsa.ts';

const HASH: Record<'SHA-256' | 'SHA-384', HashFn> = { 'SHA-256': (d) => sha256(d), 'SHA-384': (d) => sha384(d) };

export function rsaSign(scheme: SignatureScheme, key: SigningKey, message: Uint8Array, rng: RandomSource): { sig: Uint8Array; bits: number } {
  const hash = RSA_SCHEME_HASH[scheme];
  if (!hash || !scheme.startsWith('rsa_pss_')) throw new CryptoError(`${scheme}: not a TLS 1.3 signing scheme (rsa_pkcs1_* is for certificates only)`);
  const k = parseRsaPrivateKey(key.raw);
  const h = HASH[hash];
  const mHash = h(message);
  const salt = new Uint8Array(mHash.length);
  rng.fill(salt);
  const em = emsaPssEncode(h, mHash, salt, k.bits - 1);
  return { sig: i2osp(rsasp1(k, os2ip(em)), k.k)!, bits: k.bits };
}

export function rsaVerify(scheme: SignatureScheme, key: VerifyKey, message: Uint8Array, signature: Uint8Array): { ok: boolean; bits: number | undefined } {
  const hash = RSA_SCHEME_HASH[scheme];
  let k;
  try {
    k = parseRsaPublicKey(key.raw);
  } catch {
    return { ok: false, bits: undefined };
  }
  if (!hash || signature.length !== k.k) return { ok: false, bits: k.bits };
  const m = rsavp1(k, os2ip(signature));
  if (m === undefined) return { ok: false, bits: k.bits };
  const h = HASH[hash];
  if (scheme.startsWith('rsa_pss_')) {
    const emLen = Math.ceil((k.bits - 1) / 8);
    const em = i2osp(m, emLen);
    return { ok: em !== undefined && emsaPssVerify(h, h(message), em, k.bits - 1, hash === 'SHA-256' ? 32 : 48), bits: k.bits };
  }
  const em = i2osp(m, k.k)!;
  const want = emsaPkcs1Encode(h(message), k.k);
  let diff = 0;
  for (let i = 0; i < k.k; i++) diff |= em[i]! ^ want[i]!;
  return { ok: diff === 0, bits: k.bits };
}
