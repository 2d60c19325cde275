// CryptoProvider backed by @noble/ciphers, @noble/hashes and @noble/curves 2.4.0 (pure JS). See ./provider.ts.
// - AES-128-CCM and AES-128-CCM-8 are not offered by @noble/ciphers: ./ccm.ts builds them (NIST SP 800-38C /
//   RFC 3610, 12-byte nonce, L = 3, 16- or 8-byte tag) on the project's single-block AES (./aes-block.ts).
// - ChaCha20 record-number masks use noble's chacha20 (RFC 8439); noble refuses block counter 0xffffffff, so that
//   one counter value is served by the RFC 8439 block function in ./chacha-block.ts (checked against node:crypto).
// - AES record-number masks use noble's exported block primitive (aes `unsafe.expandKeyLE` once per sn_key +
//   `unsafe.encryptBlock` per record; noble's ecb() instances refuse a second encrypt()). Version pinned at 2.4.0.
// - ECDSA P-256 signatures are deterministic (RFC 6979), DER-encoded, low-S; verification accepts high-S too.
// - Ed25519 verification is strict RFC 8032 (zip215: false), like OpenSSL.
// - RSA (rsa_pss_rsae_*, rsa_pkcs1_* verify): @noble has no RSA; ./noble-rsa.ts does it on BigInt (./rsa.ts),
//   byte-identical to the node provider (the PSS salt comes from the RandomSource); slower (a few ms per
//   RSA-2048 signature, tens of ms for RSA-4096).
import { gcm, unsafe as aesUnsafe } from '@noble/ciphers/aes.js';
import { chacha20, chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { sha256, sha384 } from '@noble/hashes/sha2.js';
import { hmac } from '@noble/hashes/hmac.js';
import { extract as hkdfExtractN, expand as hkdfExpandN } from '@noble/hashes/hkdf.js';
import { x25519, ed25519 } from '@noble/curves/ed25519.js';
import { p256 } from '@noble/curves/nist.js';
import {
  CryptoError,
  AEAD_KEY_LENGTH,
  AEAD_TAG_LENGTHS,
  HASH_LENGTH,
  SCHEME_KEY_KIND,
  type AeadAlg,
  type AeadKey,
  type CryptoObserver,
  type CryptoProvider,
  type HashAlg,
  type KeyKind,
  type KxGroup,
  type KxEncapsulation,
  type KxKeyPair,
  type RandomSource,
  type SignatureScheme,
  type SigningKey,
  type SnMasker,
  type TranscriptHash,
  type VerifyKey,
} from './provider.ts';
import { finalBlocks, HASH_BLOCK, hashBlocks, hkdfExpandBlocks, hmacBlocks } from './blocks.ts';
import { checkSigningKey, isAllZero, isValidP256Scalar, rsaPublicOf, SCHEME_ALG } from './common.ts';
import { rsaSign, rsaVerify } from './noble-rsa.ts';
import { chachaKeyWords, chachaMask16 } from './chacha-block.ts';
import { AesCcm } from './ccm.ts';
import { isPqGroup, kxEncapsulateWith, pqDecapsulate, pqFromPrivate, pqGenerate } from './pq.ts';

const HASHES = { 'SHA-256': sha256, 'SHA-384': sha384 } as const;
const ZERO16 = new Uint8Array(16);

type Ctor = (nonce: Uint8Array, aad: Uint8Array) => { encrypt(p: Uint8Array): Uint8Array; decrypt(c: Uint8Array): Uint8Array };

class NobleAead implements AeadKey {
  private readonly make: Ctor | undefined;
  /** CCM on ./aes-block.ts (AES-128-CCM, AES-128-CCM-8); undefined for the other AEADs. */
  private readonly ccm: AesCcm | undefined;
  readonly tagLength: number;
  constructor(private readonly p: NobleProvider, readonly alg: AeadAlg, key: Uint8Array) {
    if (key.length !== AEAD_KEY_LENGTH[alg]) throw new CryptoError(`${alg}: key must be ${AEAD_KEY_LENGTH[alg]} bytes`);
    const k = key.slice();
    this.tagLength = AEAD_TAG_LENGTHS[alg];
    if (alg === 'AES-128-CCM' || alg === 'AES-128-CCM-8') this.ccm = new AesCcm(k, this.tagLength);
    else if (alg === 'CHACHA20-POLY1305') this.make = (n, a) => chacha20poly1305(k, n, a);
    else this.make = (n, a) => gcm(k, n, a);
  }
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, outBuf?: Uint8Array): Uint8Array {
    let out: Uint8Array;
    if (this.ccm) {
      out = outBuf ? outBuf.subarray(0, plaintext.length + this.tagLength) : new Uint8Array(plaintext.length + this.tagLength);
      this.ccm.sealTo(nonce, aad, plaintext, out, 0);
    } else {
      out = this.make!(nonce, aad).encrypt(plaintext);
      if (outBuf) {
        outBuf.set(out, 0);
        out = outBuf.subarray(0, out.length);
      }
    }
    const o = this.p.observer;
    if (o) o({ op: 'aead-seal', alg: this.alg, inputBytes: plaintext.length, outputBytes: out.length, aadBytes: aad.length });
    return out;
  }
  sealInto(nonce: Uint8Array, aad: Uint8Array, head: Uint8Array, tail: Uint8Array, out: Uint8Array, offset: number): number {
    const n = head.length + tail.length;
    out.set(head, offset);
    out.set(tail, offset + head.length);
    let len: number;
    if (this.ccm) len = this.ccm.sealTo(nonce, aad, out.subarray(offset, offset + n), out, offset);
    else {
      const ct = this.make!(nonce, aad).encrypt(out.subarray(offset, offset + n));
      out.set(ct, offset);
      len = ct.length;
    }
    const o = this.p.observer;
    if (o) o({ op: 'aead-seal', alg: this.alg, inputBytes: n, outputBytes: len, aadBytes: aad.length });
    return len;
  }
  open(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null {
    let pt: Uint8Array | null = null;
    if (this.ccm) pt = this.ccm.open(nonce, aad, ct);
    else if (ct.length >= 16) {
      try {
        pt = this.make!(nonce, aad).decrypt(ct);
      } catch {
        pt = null;
      }
    }
    const o = this.p.observer;
    if (o) o({ op: 'aead-open', alg: this.alg, inputBytes: ct.length, outputBytes: pt ? pt.length : 0, aadBytes: aad.length, ok: pt !== null });
    return pt;
  }
}

/** Aligned scratch block encrypted in place, shared by every AES masker (SnMasker.mask: valid until the next call). */
const MASK_BLOCK = new Uint8Array(16);

class NobleAesMasker implements SnMasker {
  private readonly alg: string;
  private readonly xk: Uint32Array;

  constructor(private readonly p: NobleProvider, key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) throw new CryptoError('AES sn_key must be 16 or 32 bytes');
    this.alg = key.length === 16 ? 'AES-128-ECB' : 'AES-256-ECB';
    // noble's ecb() refuses a second encrypt() per instance; its exported block primitive keeps the key expansion
    this.xk = aesUnsafe.expandKeyLE(key.slice()) as Uint32Array;
  }
  mask(sample: Uint8Array): Uint8Array {
    MASK_BLOCK.set(sample.subarray(0, 16));
    const m = aesUnsafe.encryptBlock(this.xk, MASK_BLOCK) as Uint8Array;
    const o = this.p.observer;
    if (o) o({ op: 'sn-mask', alg: this.alg, inputBytes: 16, outputBytes: 16, blocks: 1 });
    return m;
  }
}

class NobleChachaMasker implements SnMasker {
  private readonly key: Uint8Array;
  constructor(private readonly p: NobleProvider, key: Uint8Array) {
    if (key.length !== 32) throw new CryptoError('ChaCha20 sn_key must be 32 bytes');
    this.key = key.slice();
  }
  mask(sample: Uint8Array): Uint8Array {
    const counter = (sample[0]! | (sample[1]! << 8) | (sample[2]! << 16) | (sample[3]! << 24)) >>> 0;
    const nonce = sample.slice(4, 16);
    const m = counter === 0xffffffff ? chachaMask16(chachaKeyWords(this.key), sample, new Uint8Array(16)) : chacha20(this.key, nonce, ZERO16, undefined, counter);
    const o = this.p.observer;
    if (o) o({ op: 'sn-mask', alg: 'CHACHA20', inputBytes: 16, outputBytes: 16, blocks: 1 });
    return m;
  }
}

class NobleTranscript implements TranscriptHash {
  constructor(
    private readonly p: NobleProvider,
    readonly alg: HashAlg,
    private readonly h: ReturnType<typeof sha256.create> | ReturnType<typeof sha384.create> = HASHES[alg].create(),
    private pending = 0,
  ) {}
  update(data: Uint8Array): this {
    this.h.update(data);
    const b = HASH_BLOCK[this.alg];
    const total = this.pending + data.length;
    const blocks = Math.floor(total / b);
    this.pending = total % b;
    const o = this.p.observer;
    if (o) o({ op: 'hash', alg: this.alg, inputBytes: data.length, outputBytes: 0, blocks });
    return this;
  }
  digest(): Uint8Array {
    const d = this.h.clone().digest();
    const o = this.p.observer;
    if (o) o({ op: 'hash', alg: this.alg, inputBytes: 0, outputBytes: d.length, blocks: finalBlocks(this.alg, this.pending) });
    return d;
  }
  clone(): TranscriptHash {
    return new NobleTranscript(this.p, this.alg, this.h.clone(), this.pending);
  }
}

export class NobleProvider implements CryptoProvider {
  readonly name = 'noble' as const;
  observer: CryptoObserver | undefined = undefined;
  constructor(readonly rng: RandomSource) {}

  aead(alg: AeadAlg, key: Uint8Array): AeadKey {
    return new NobleAead(this, alg, key);
  }
  snMasker(alg: AeadAlg, snKey: Uint8Array): SnMasker {
    return alg === 'CHACHA20-POLY1305' ? new NobleChachaMasker(this, snKey) : new NobleAesMasker(this, snKey);
  }

  hash(alg: HashAlg, data: Uint8Array): Uint8Array {
    const d = HASHES[alg](data);
    const o = this.observer;
    if (o) o({ op: 'hash', alg, inputBytes: data.length, outputBytes: d.length, blocks: hashBlocks(alg, data.length) });
    return d;
  }
  transcript(alg: HashAlg): TranscriptHash {
    return new NobleTranscript(this, alg);
  }
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    const d = hmac(HASHES[alg], key, data);
    const o = this.observer;
    if (o) o({ op: 'hmac', alg: `HMAC-${alg}`, inputBytes: data.length, outputBytes: d.length, blocks: hmacBlocks(alg, key.length, data.length) });
    return d;
  }
  hkdfExtract(alg: HashAlg, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    const d = hkdfExtractN(HASHES[alg], ikm, salt);
    const o = this.observer;
    if (o) o({ op: 'hkdf-extract', alg: `HKDF-${alg}`, inputBytes: ikm.length, outputBytes: d.length, blocks: hmacBlocks(alg, salt.length, ikm.length) });
    return d;
  }
  hkdfExpand(alg: HashAlg, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    if (!Number.isInteger(length) || length < 0 || length > 255 * HASH_LENGTH[alg]) throw new CryptoError('HKDF-Expand: bad length');
    const d = length === 0 ? new Uint8Array(0) : hkdfExpandN(HASHES[alg], prk, info, length);
    const o = this.observer;
    if (o) o({ op: 'hkdf-expand', alg: `HKDF-${alg}`, inputBytes: info.length, outputBytes: length, blocks: hkdfExpandBlocks(alg, prk.length, info.length, length) });
    return d;
  }

  kxGenerate(group: KxGroup): KxKeyPair {
    if (isPqGroup(group)) return pqGenerate(this, group);
    const priv = new Uint8Array(32);
    do this.rng.fill(priv);
    while (group === 'secp256r1' && !isValidP256Scalar(priv));
    const kp = this.kxFromPrivate(group, priv);
    const o = this.observer;
    if (o) o({ op: 'kx-keygen', alg: group === 'x25519' ? 'X25519' : 'P-256', inputBytes: 0, outputBytes: kp.publicKey.length });
    return kp;
  }
  kxFromPrivate(group: KxGroup, privateKey: Uint8Array): KxKeyPair {
    if (isPqGroup(group)) return pqFromPrivate(this, group, privateKey);
    if (privateKey.length !== 32) throw new CryptoError(`${group} private key must be 32 bytes`);
    if (group === 'x25519') return { group, privateKey: privateKey.slice(), publicKey: x25519.getPublicKey(privateKey) };
    if (!isValidP256Scalar(privateKey)) throw new CryptoError('P-256 private key out of range');
    return { group, privateKey: privateKey.slice(), publicKey: p256.getPublicKey(privateKey, false) };
  }
  kxDerive(group: KxGroup, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array | null {
    if (isPqGroup(group)) return pqDecapsulate(this, group, privateKey, peerPublic);
    let s: Uint8Array | null = null;
    try {
      if (group === 'x25519') {
        if (peerPublic.length === 32 && privateKey.length === 32) {
          const r = x25519.getSharedSecret(privateKey, peerPublic);
          s = isAllZero(r) ? null : r;
        }
      } else if (peerPublic.length === 65 && peerPublic[0] === 4 && isValidP256Scalar(privateKey)) {
        s = p256.getSharedSecret(privateKey, peerPublic, true).slice(1, 33);
      }
    } catch {
      s = null;
    }
    const o = this.observer;
    if (o) o({ op: 'kx-derive', alg: group === 'x25519' ? 'X25519' : 'P-256', inputBytes: peerPublic.length, outputBytes: s ? s.length : 0, ok: s !== null });
    return s;
  }
  kxEncapsulate(group: KxGroup, clientShare: Uint8Array): KxEncapsulation | null {
    return kxEncapsulateWith(this, group, clientShare);
  }

  publicKeyOf(key: SigningKey): VerifyKey {
    if (key.kind === 'rsa') return rsaPublicOf(key);
    checkSigningKey(key);
    return { kind: key.kind, raw: key.kind === 'ed25519' ? ed25519.getPublicKey(key.raw) : p256.getPublicKey(key.raw, false) };
  }
  generateSigningKey(kind: KeyKind): SigningKey {
    if (kind === 'rsa') throw new CryptoError('RSA keys are loaded (PKCS#1 / PKCS#8), not generated');
    const raw = new Uint8Array(32);
    do this.rng.fill(raw);
    while (kind === 'p256' && !isValidP256Scalar(raw));
    return { kind, raw };
  }
  sign(scheme: SignatureScheme, key: SigningKey, message: Uint8Array): Uint8Array {
    if (key.kind !== SCHEME_KEY_KIND[scheme]) throw new CryptoError(`${scheme}: wrong key kind ${key.kind}`);
    let sig: Uint8Array;
    let keyBits: number | undefined;
    if (key.kind === 'rsa') ({ sig, bits: keyBits } = rsaSign(scheme, key, message, this.rng));
    else {
      checkSigningKey(key);
      sig = scheme === 'ed25519' ? ed25519.sign(message, key.raw) : p256.sign(message, key.raw, { format: 'der', prehash: true });
    }
    const o = this.observer;
    if (o) {
      o(keyBits === undefined
        ? { op: 'sign', alg: SCHEME_ALG[scheme], inputBytes: message.length, outputBytes: sig.length }
        : { op: 'sign', alg: SCHEME_ALG[scheme], inputBytes: message.length, outputBytes: sig.length, keyBits });
    }
    return sig;
  }
  verify(scheme: SignatureScheme, key: VerifyKey, message: Uint8Array, signature: Uint8Array): boolean {
    let ok = false;
    let keyBits: number | undefined;
    try {
      if (key.kind !== SCHEME_KEY_KIND[scheme]) ok = false;
      else if (key.kind === 'rsa') ({ ok, bits: keyBits } = rsaVerify(scheme, key, message, signature));
      else if (scheme === 'ed25519') {
        ok = signature.length === 64 && ed25519.verify(signature, message, key.raw, { zip215: false });
      } else {
        ok = p256.verify(signature, message, key.raw, { format: 'der', prehash: true, lowS: false });
      }
    } catch {
      ok = false;
    }
    const o = this.observer;
    if (o) {
      o(keyBits === undefined
        ? { op: 'verify', alg: SCHEME_ALG[scheme], inputBytes: message.length, outputBytes: 0, ok }
        : { op: 'verify', alg: SCHEME_ALG[scheme], inputBytes: message.length, outputBytes: 0, ok, keyBits });
    }
    return ok;
  }
}

export function createNobleProvider(rng: RandomSource): NobleProvider {
  return new NobleProvider(rng);
}
