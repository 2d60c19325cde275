// Post-quantum and hybrid key-exchange groups, shared by both providers:
//   MLKEM768        (0x0201, draft-ietf-tls-mlkem)         ML-KEM-768 alone (FIPS 203)
//   X25519MLKEM768  (0x11ec, draft-ietf-tls-ecdhe-mlkem)   ML-KEM-768 + X25519, the ML-KEM part first on the wire
//
// ML-KEM comes from @noble/post-quantum in both providers: node:crypto in Node 20 has no ML-KEM. The X25519 half of
// the hybrid goes through the provider's own kxGenerate / kxDerive (node:crypto or @noble/curves), so it is reported
// as the usual X25519 kx-keygen / kx-derive operations next to the ML-KEM ones.
//
// Byte layouts (draft-ietf-tls-ecdhe-mlkem "Construction"; sizes FIPS 203 Table 3 for ML-KEM-768):
//   client share  MLKEM768: ek (1184)              X25519MLKEM768: ek (1184) || X25519 public (32)     = 1216
//   server share  MLKEM768: ciphertext (1088)      X25519MLKEM768: ciphertext (1088) || X25519 public  = 1120
//   secret        MLKEM768: K (32)                 X25519MLKEM768: K (32) || X25519 shared secret (32)  = 64
//   private key   MLKEM768: dk (2400, FIPS 203 decapsulation key)   X25519MLKEM768: dk || X25519 private (32)
//
// Randomness (so node and noble runs stay byte-identical): keygen draws the 64-byte seed d || z (FIPS 203
// Algorithm 19: d first, then z) from the provider's RandomSource, then (hybrid) the X25519 private key;
// encapsulation draws the 32-byte m (Algorithm 20), then (hybrid) the X25519 private key.
//
// Checks: encapsulation applies the FIPS 203 7.2 modulus check to the client's ek and returns null when it fails
// (the draft requires the server to abort with illegal_parameter); a share of the wrong length gives null.
// Decapsulation of a well-sized ciphertext never fails (implicit rejection, FIPS 203 Algorithm 18): a tampered
// ciphertext yields a pseudo-random secret and the handshake fails at Finished.
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import { sha3_256 } from '@noble/hashes/sha3.js';
import { CryptoError, type CryptoProvider, type KxEncapsulation, type KxGroup, type KxKeyPair } from './provider.ts';

export type PqGroup = 'X25519MLKEM768' | 'MLKEM768';

/** FIPS 203 Table 3 sizes for ML-KEM-768, bytes. */
export const MLKEM768_SIZES = { ek: 1184, dk: 2400, ciphertext: 1088, secret: 32, seed: 64, m: 32 } as const;
const X = 32; // X25519 public key, private key and shared secret
const DK_PKE = 384 * 3; // K-PKE decryption key inside dk (384 k bytes, k = 3)
const ALG = 'ML-KEM-768';

export function isPqGroup(g: KxGroup): g is PqGroup {
  return g === 'X25519MLKEM768' || g === 'MLKEM768';
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export function pqGenerate(p: CryptoProvider, group: PqGroup): KxKeyPair {
  const seed = new Uint8Array(MLKEM768_SIZES.seed);
  p.rng.fill(seed);
  const { publicKey: ek, secretKey: dk } = ml_kem768.keygen(seed);
  seed.fill(0);
  const o = p.observer;
  if (o) o({ op: 'kem-keygen', alg: ALG, inputBytes: 0, outputBytes: ek.length });
  if (group === 'MLKEM768') return { group, privateKey: dk, publicKey: ek };
  const x = p.kxGenerate('x25519');
  return { group, privateKey: concat(dk, x.privateKey), publicKey: concat(ek, x.publicKey) };
}

/** Rebuilds a key pair from its private key (dk, or dk || X25519 private); throws CryptoError on a malformed key. */
export function pqFromPrivate(p: CryptoProvider, group: PqGroup, privateKey: Uint8Array): KxKeyPair {
  const want = MLKEM768_SIZES.dk + (group === 'MLKEM768' ? 0 : X);
  if (privateKey.length !== want) throw new CryptoError(`${group} private key must be ${want} bytes`);
  const dk = privateKey.subarray(0, MLKEM768_SIZES.dk);
  // FIPS 203 7.3 hash check: dk = dk_pke (1152) || ek (1184) || H(ek) (32) || z (32), H = SHA3-256
  const ek = dk.slice(DK_PKE, DK_PKE + MLKEM768_SIZES.ek);
  const h = dk.subarray(DK_PKE + MLKEM768_SIZES.ek, DK_PKE + MLKEM768_SIZES.ek + 32);
  if (!equal(sha3_256(ek), h)) throw new CryptoError(`${group}: decapsulation key fails the FIPS 203 hash check`);
  if (group === 'MLKEM768') return { group, privateKey: privateKey.slice(), publicKey: ek };
  const x = p.kxFromPrivate('x25519', privateKey.subarray(MLKEM768_SIZES.dk));
  return { group, privateKey: privateKey.slice(), publicKey: concat(ek, x.publicKey) };
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** Server side: encapsulation to the client's share; null for a share of the wrong size or failing the checks. */
export function pqEncapsulate(p: CryptoProvider, group: PqGroup, peerShare: Uint8Array): KxEncapsulation | null {
  const want = MLKEM768_SIZES.ek + (group === 'MLKEM768' ? 0 : X);
  const o = p.observer;
  let ct: Uint8Array | null = null;
  let k: Uint8Array | null = null;
  if (peerShare.length === want) {
    const m = new Uint8Array(MLKEM768_SIZES.m);
    p.rng.fill(m);
    try {
      const r = ml_kem768.encapsulate(peerShare.subarray(0, MLKEM768_SIZES.ek), m);
      ct = r.cipherText;
      k = r.sharedSecret;
    } catch {
      ct = k = null; // modulus check failed
    }
    m.fill(0);
  }
  if (o) o({ op: 'kem-encaps', alg: ALG, inputBytes: peerShare.length < MLKEM768_SIZES.ek ? peerShare.length : MLKEM768_SIZES.ek, outputBytes: ct ? ct.length : 0, ok: ct !== null });
  if (!ct || !k) return null;
  if (group === 'MLKEM768') return { share: ct, secret: k };
  const x = p.kxGenerate('x25519');
  const xs = p.kxDerive('x25519', x.privateKey, peerShare.subarray(MLKEM768_SIZES.ek));
  if (!xs) return null;
  return { share: concat(ct, x.publicKey), secret: concat(k, xs) };
}

/** CryptoProvider.kxEncapsulate for every group: ECDHE = kxGenerate then kxDerive (the same draws and trace as
 *  calling them in that order), ML-KEM groups = pqEncapsulate. */
export function kxEncapsulateWith(p: CryptoProvider, group: KxGroup, clientShare: Uint8Array): KxEncapsulation | null {
  if (isPqGroup(group)) return pqEncapsulate(p, group, clientShare);
  const kp = p.kxGenerate(group);
  const secret = p.kxDerive(group, kp.privateKey, clientShare);
  return secret ? { share: kp.publicKey, secret } : null;
}

/** Client side: decapsulation of the server's share with our private key; null for a malformed share. */
export function pqDecapsulate(p: CryptoProvider, group: PqGroup, privateKey: Uint8Array, peerShare: Uint8Array): Uint8Array | null {
  const hybrid = group === 'X25519MLKEM768';
  const wantShare = MLKEM768_SIZES.ciphertext + (hybrid ? X : 0);
  const wantKey = MLKEM768_SIZES.dk + (hybrid ? X : 0);
  let k: Uint8Array | null = null;
  if (peerShare.length === wantShare && privateKey.length === wantKey) {
    try {
      k = ml_kem768.decapsulate(peerShare.subarray(0, MLKEM768_SIZES.ciphertext), privateKey.subarray(0, MLKEM768_SIZES.dk));
    } catch {
      k = null; // our own dk fails the hash check: not peer data, but never throw here
    }
  }
  const o = p.observer;
  if (o) o({ op: 'kem-decaps', alg: ALG, inputBytes: peerShare.length < MLKEM768_SIZES.ciphertext ? peerShare.length : MLKEM768_SIZES.ciphertext, outputBytes: k ? k.length : 0, ok: k !== null });
  if (!k || !hybrid) return k;
  const xs = p.kxDerive('x25519', privateKey.subarray(MLKEM768_SIZES.dk), peerShare.subarray(MLKEM768_SIZES.ciphertext));
  return xs ? concat(k, xs) : null;
}
