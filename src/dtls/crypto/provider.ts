// CryptoProvider: the one interface through which all of src/dtls does cryptography.
//
// Two independent implementations exist: `createNobleProvider` (./noble.ts, @noble/* 2.4.0, pure JS, deterministic
// given the RandomSource) and `createNodeProvider` (./node.ts, node:crypto / OpenSSL). Use `createProvider(kind, rng)`
// from ./index.ts to pick one by name.
//
// Conventions (all byte strings are Uint8Array):
//   - AEAD: `provider.aead(alg, key)` prepares a key once; `seal(nonce12, aad, plaintext)` returns ciphertext||tag
//     (the tag is 16 bytes, 8 for AES-128-CCM-8: `AeadKey.tagLength`, AEAD_TAG_LENGTHS); `open(nonce12, aad,
//     ciphertextAndTag)` returns the plaintext or `null` when the tag does not verify (never throws on bad input).
//   - Record-number mask (RFC 9147 4.2.3): `provider.snMasker(alg, snKey).mask(sample16)` returns a 16-byte mask:
//     AES-ECB(sn_key, sample) for AES suites; ChaCha20 keystream with counter = LE uint32 of sample[0..3] and
//     nonce = sample[4..15] for ChaCha20-Poly1305. The returned buffer may be reused by the next call.
//   - Hashes: one-shot `hash`, incremental `transcript(alg)` (update, non-destructive digest, clone), `hmac`,
//     `hkdfExtract(alg, salt, ikm)` and `hkdfExpand(alg, prk, info, length)`.
//   - Key exchange: `kxGenerate(group)` draws the private key from the injected RandomSource (client side);
//     `kxEncapsulate(group, clientShare)` is the server side (ECDHE: kxGenerate then kxDerive, the same draws and
//     trace; ML-KEM groups: encapsulation); `kxDerive` completes the client side (ECDHE: Diffie-Hellman; ML-KEM
//     groups: decapsulation). `kxDerive`/`kxEncapsulate` return `null` for an invalid peer share / all-zero X25519
//     result (never throw on bad peer bytes). X25519 shares are 32 bytes; secp256r1 shares are the 65-byte
//     uncompressed point (0x04 || X || Y); the P-256 shared secret is the 32-byte X coordinate (RFC 8446 7.4.1).
//     MLKEM768 / X25519MLKEM768 layouts and randomness order: ./pq.ts (ML-KEM from @noble/post-quantum in both
//     providers: node:crypto in Node 20 has none).
//   - Signatures: canonical key form `{ kind: 'ed25519' | 'p256' | 'rsa', raw }` (see SigningKey / VerifyKey). Raw
//     private keys are 32 bytes (Ed25519 seed / P-256 scalar) or the PKCS#1 RSAPrivateKey DER; raw public keys are
//     32 bytes (Ed25519), the 65-byte uncompressed point (P-256) or the PKCS#1 RSAPublicKey DER (RSA, 2048..8192
//     bits, ./rsa.ts). PKCS#8 / SPKI DER import lives in ./keys.ts. ECDSA signatures are DER-encoded
//     (as TLS sends them). Both providers sign ECDSA deterministically (RFC 6979, low-S) and byte-identically (the
//     node provider derives the nonce itself, ./ecdsa-p256.ts, since OpenSSL 3.0 only signs with a random nonce).
//     RSA: rsa_pss_rsae_sha256/384 sign and verify (RFC 8446 4.2.3: salt length = hash length; the salt is drawn
//     from the injected RandomSource, so runs stay reproducible and both providers sign byte-identically);
//     rsa_pkcs1_sha256/384 verify only (TLS 1.3 allows them in certificates only; sign throws CryptoError).
//     `verify` returns false for garbage signatures or keys; it never throws.
//
// Operation trace: every call reports one CryptoOp to `provider.observer` if one is attached (see CryptoOp below and
// docs/protocol.md "Operation trace"). With no observer the cost is one property read per call.
//
// Randomness: providers never call Math.random or crypto.randomBytes; all randomness comes from the RandomSource
// given at construction (e.g. `seededRandom(seed)` from ./random.ts, or a CSPRNG injected by src/cli).

/** Injected randomness: fill `bytes` completely. */
export interface RandomSource {
  fill(bytes: Uint8Array): void;
}

export type CryptoOpKind =
  | 'aead-seal'
  | 'aead-open'
  | 'sn-mask'
  | 'hash'
  | 'hmac'
  | 'hkdf-extract'
  | 'hkdf-expand'
  | 'kx-keygen'
  | 'kx-derive'
  | 'kem-keygen'
  | 'kem-encaps'
  | 'kem-decaps'
  | 'sign'
  | 'verify';

/**
 * One provider call, as reported to an observer.
 * - aead-seal: inputBytes = plaintext length, outputBytes = ciphertext + tag, aadBytes = additional data.
 * - aead-open: inputBytes = ciphertext + tag, outputBytes = plaintext length (0 when authentication failed),
 *   aadBytes = additional data, ok = authentication result.
 *   alg is the AeadAlg: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305' | 'AES-128-CCM' (16-byte tag) |
 *   'AES-128-CCM-8' (8-byte tag). CCM makes two AES passes per payload block (CBC-MAC + CTR) and one per AAD block.
 * - sn-mask: inputBytes = 16 (sample), outputBytes = 16 (mask), blocks = 1 (one AES block / one ChaCha20 block).
 * - hash / hmac / hkdf-*: blocks = compression-function calls (see ./blocks.ts). For an incremental transcript hash
 *   an `update` reports the full blocks it completes (outputBytes 0) and a `digest` reports the final padding
 *   block(s) (inputBytes 0, outputBytes = hash length); the sum over updates + one digest equals the one-shot count.
 * - kx-keygen: inputBytes = 0, outputBytes = public key share length. kx-derive: inputBytes = peer share length,
 *   outputBytes = shared secret length (0 if rejected). alg 'X25519' | 'P-256'; the X25519 half of X25519MLKEM768 is
 *   reported as these X25519 operations.
 * - kem-keygen (alg 'ML-KEM-768'): inputBytes = 0, outputBytes = encapsulation key length (1184).
 *   kem-encaps: inputBytes = encapsulation key length (1184), outputBytes = ciphertext length (1088; 0 and ok = false
 *   when the key fails the FIPS 203 checks). kem-decaps: inputBytes = ciphertext length (1088), outputBytes = shared
 *   secret length (32; 0 and ok = false only for a malformed input, never for a tampered ciphertext).
 * - sign: inputBytes = message length, outputBytes = signature length. verify: inputBytes = message length,
 *   outputBytes = 0, ok = result. alg = the SignatureScheme name. With an RSA key keyBits = modulus length in bits
 *   (2048, 3072, 4096: the cost of the modular exponentiation; set even when the key is rejected, if it parsed).
 */
export interface CryptoOp {
  op: CryptoOpKind;
  alg: string;
  inputBytes: number;
  outputBytes: number;
  blocks?: number;
  aadBytes?: number;
  ok?: boolean;
  /** RSA sign / verify: modulus bits. */
  keyBits?: number;
}

export type CryptoObserver = (op: CryptoOp) => void;

export type AeadAlg = 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305' | 'AES-128-CCM' | 'AES-128-CCM-8';
export type HashAlg = 'SHA-256' | 'SHA-384';
/** IANA TLS Supported Groups names: x25519 (0x001d), secp256r1 (0x0017), X25519MLKEM768 (0x11ec), MLKEM768 (0x0201). */
export type KxGroup = 'x25519' | 'secp256r1' | 'X25519MLKEM768' | 'MLKEM768';
export type SignatureScheme =
  | 'ed25519'
  | 'ecdsa_secp256r1_sha256'
  | 'rsa_pss_rsae_sha256'
  | 'rsa_pss_rsae_sha384'
  /** Verification of certificate signatures only (RFC 8446 4.2.3). */
  | 'rsa_pkcs1_sha256'
  | 'rsa_pkcs1_sha384';
export type KeyKind = 'ed25519' | 'p256' | 'rsa';

/** Canonical private signing key: 32-byte Ed25519 seed, 32-byte P-256 scalar (big-endian), or for 'rsa' the
 *  PKCS#1 RSAPrivateKey DER (RFC 8017 A.1.2, two primes). */
export interface SigningKey {
  kind: KeyKind;
  raw: Uint8Array;
}
/** Canonical public key: 32-byte Ed25519 key, 65-byte uncompressed P-256 point, or for 'rsa' the PKCS#1
 *  RSAPublicKey DER (RFC 8017 A.1.1: the subjectPublicKey of an rsaEncryption certificate). */
export interface VerifyKey {
  kind: KeyKind;
  raw: Uint8Array;
}

export interface KxKeyPair {
  group: KxGroup;
  /** 32 bytes for x25519 / secp256r1; MLKEM768: the 2400-byte FIPS 203 dk; X25519MLKEM768: dk || X25519 private. */
  privateKey: Uint8Array;
  publicKey: Uint8Array; // key share as sent in the key_share extension
}

/** Server side of a key exchange: the share to send (ServerHello key_share) and the shared secret. */
export interface KxEncapsulation {
  share: Uint8Array;
  secret: Uint8Array;
}

/** A prepared AEAD key (key schedule done once). */
export interface AeadKey {
  readonly alg: AeadAlg;
  /** Authentication tag bytes: 16, or 8 for AES-128-CCM-8 (written below as "tag"). */
  readonly tagLength: number;
  /**
   * Returns ciphertext || tag (plaintext.length + tag bytes). With `out` (length >= plaintext.length + tag) the result
   * is written to out[0..] and a view of it is returned; `out` may alias `plaintext` at the same start offset
   * (in-place sealing): providers read all input before writing.
   */
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, out?: Uint8Array): Uint8Array;
  /**
   * Record fast path: copy `head || tail` (e.g. content || type+padding) to out[offset..], seal it in place and
   * write ciphertext || tag to out[offset..offset + head.length + tail.length + tag). Returns the bytes written.
   * head/tail must not overlap out.
   */
  sealInto(nonce: Uint8Array, aad: Uint8Array, head: Uint8Array, tail: Uint8Array, out: Uint8Array, offset: number): number;
  /** Returns the plaintext, or null if authentication fails or the input is shorter than the tag. */
  open(nonce: Uint8Array, aad: Uint8Array, ciphertextAndTag: Uint8Array): Uint8Array | null;
}

/** Record-number mask generator for one sn_key. */
export interface SnMasker {
  /** 16-byte mask for the first 16 bytes of the record ciphertext. The result may be overwritten by the next call
   *  (of this or any other masker: providers share one output buffer). */
  mask(sample: Uint8Array): Uint8Array;
}

/** Incremental hash for the handshake transcript. `digest()` does not finalize the running state. */
export interface TranscriptHash {
  readonly alg: HashAlg;
  update(data: Uint8Array): this;
  digest(): Uint8Array;
  clone(): TranscriptHash;
}

export interface CryptoProvider {
  readonly name: 'noble' | 'node';
  /** Optional trace sink; assign or clear at any time. */
  observer?: CryptoObserver | undefined;
  readonly rng: RandomSource;

  /** The key object keeps its own copy of `key`: the caller may reuse or overwrite the array afterwards. */
  aead(alg: AeadAlg, key: Uint8Array): AeadKey;
  /** `alg` is the suite's AEAD: AES-* -> AES-ECB mask, CHACHA20-POLY1305 -> ChaCha20 mask. Copies `snKey`, as
   *  aead() does its key. */
  snMasker(alg: AeadAlg, snKey: Uint8Array): SnMasker;

  hash(alg: HashAlg, data: Uint8Array): Uint8Array;
  transcript(alg: HashAlg): TranscriptHash;
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array;
  hkdfExtract(alg: HashAlg, salt: Uint8Array, ikm: Uint8Array): Uint8Array;
  hkdfExpand(alg: HashAlg, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array;

  kxGenerate(group: KxGroup): KxKeyPair;
  /** Rebuild a key pair from a known private key (test vectors, key reuse). Throws CryptoError on a bad key. */
  kxFromPrivate(group: KxGroup, privateKey: Uint8Array): KxKeyPair;
  kxDerive(group: KxGroup, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array | null;
  /** Server side: ECDHE = kxGenerate + kxDerive; ML-KEM groups = encapsulation to `clientShare`. */
  kxEncapsulate(group: KxGroup, clientShare: Uint8Array): KxEncapsulation | null;

  /** Public key of a private signing key. Throws CryptoError on a malformed key. */
  publicKeyOf(key: SigningKey): VerifyKey;
  /** Generate a signing key from the RandomSource (Ed25519 / P-256 only: RSA keys are loaded, not generated). */
  generateSigningKey(kind: KeyKind): SigningKey;
  sign(scheme: SignatureScheme, key: SigningKey, message: Uint8Array): Uint8Array;
  verify(scheme: SignatureScheme, key: VerifyKey, message: Uint8Array, signature: Uint8Array): boolean;
}

/** Typed error for API misuse (wrong key length, unknown algorithm). Never thrown for bad peer data. */
export class CryptoError extends Error {
  override readonly name = 'CryptoError';
}

export const HASH_LENGTH: Readonly<Record<HashAlg, number>> = { 'SHA-256': 32, 'SHA-384': 48 };
export const AEAD_KEY_LENGTH: Readonly<Record<AeadAlg, number>> = {
  'AES-128-GCM': 16,
  'AES-256-GCM': 32,
  'CHACHA20-POLY1305': 32,
  'AES-128-CCM': 16,
  'AES-128-CCM-8': 16,
};
/** Tag length of every AEAD but AES-128-CCM-8. */
export const AEAD_TAG_LENGTH = 16;
export const AEAD_TAG_LENGTHS: Readonly<Record<AeadAlg, number>> = {
  'AES-128-GCM': 16,
  'AES-256-GCM': 16,
  'CHACHA20-POLY1305': 16,
  'AES-128-CCM': 16,
  'AES-128-CCM-8': 8,
};
export const AEAD_NONCE_LENGTH = 12;
export const SCHEME_KEY_KIND: Readonly<Record<SignatureScheme, KeyKind>> = {
  ed25519: 'ed25519',
  ecdsa_secp256r1_sha256: 'p256',
  rsa_pss_rsae_sha256: 'rsa',
  rsa_pss_rsae_sha384: 'rsa',
  rsa_pkcs1_sha256: 'rsa',
  rsa_pkcs1_sha384: 'rsa',
};
/** Hash of each RSA scheme (PSS salt length = its output length, RFC 8446 4.2.3). */
export const RSA_SCHEME_HASH: Readonly<Partial<Record<SignatureScheme, HashAlg>>> = {
  rsa_pss_rsae_sha256: 'SHA-256',
  rsa_pss_rsae_sha384: 'SHA-384',
  rsa_pkcs1_sha256: 'SHA-256',
  rsa_pkcs1_sha384: 'SHA-384',
};
