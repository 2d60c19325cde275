// CryptoProvider backed by node:crypto (OpenSSL 3). See ./provider.ts for the contract.
// Notes: HKDF-Extract/Expand are built from HMAC (node's hkdfSync only offers extract+expand together); HMAC-SHA256
// over short messages (every HKDF call of the key schedule, Finished, cookies) runs in JS on precomputed ipad/opad
// key states (./sha256-block.ts; a createHmac round trip costs more than the two compression calls), longer messages
// and SHA-384 use node's createHmac;
// record-number masks use the JS single-block AES / ChaCha20 of ./aes-block.ts and ./chacha-block.ts by default
// (createNodeProvider(rng, { opensslMasks: true }) uses OpenSSL for them too);
// ECDSA P-256 signatures are deterministic (RFC 6979, low-S, ./ecdsa-p256.ts: OpenSSL 3.0 only signs with a random
// nonce) and byte-identical to the noble provider's; verification is OpenSSL's (accepts high-S).
// KeyObjects are cached (see NodeProvider): node's PKCS#8/SPKI DER import is the slowest part of a handshake otherwise.
// The AEAD keys, record-number maskers and transcript hashes are in ./node-symmetric.ts.
import * as nc from 'node:crypto';
import {
  CryptoError,
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
import { hashBlocks, hkdfExpandBlocks, hmacBlocks } from './blocks.ts';
import { pkcs8FromRaw, spkiFromRaw } from './keys.ts';
import { isValidP256Scalar, SCHEME_ALG, checkSigningKey, rsaPublicOf } from './common.ts';
import { NodeRsa } from './node-rsa.ts';
import { KeyRing, Lru, keyId, sameBytes } from './node-caches.ts';
import { JsSha256Transcript, NODE_HASH, NodeAead, NodeAesMasker, NodeChachaMasker, NodeTranscript, u8 } from './node-symmetric.ts';
import { signP256Deterministic } from './ecdsa-p256.ts';
import { hmacSha256, sha256Into } from './sha256-block.ts';
import { isPqGroup, kxEncapsulateWith, pqDecapsulate, pqFromPrivate, pqGenerate } from './pq.ts';

/** Longest HMAC message (or HKDF info) computed in JS; above it one native call beats ~1 compression per 64 bytes. */
const JS_HMAC_MAX = 256;
/** Longest one-shot SHA-256 input hashed in JS (a ClientHello for message_hash, Hash("")): ~0.2 us per block
 *  against a createHash round trip (a native object) of ~2 us. */
const JS_HASH_MAX = 512;
const EMPTY = new Uint8Array(0);
const ONE_PART: Uint8Array[] = [EMPTY];
const T_SCRATCH = new Uint8Array(32);
const CTR = new Uint8Array(1);

const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('base64url');
/** Copy (Buffer.from(string) may be a view into node's shared pool). */
const fromB64u = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64url'));
const X25519_ZERO_X = b64u(new Uint8Array(32));

/** Whether node builds an X25519 private KeyObject from a JWK's `d` alone (OpenSSL derives the public half; `x` is
 *  not used; JWK import is several times faster than PKCS#8 DER). Probed once against RFC 7748 6.1 (Alice's pair). */
let x25519JwkOk: boolean | undefined;
function x25519JwkWorks(): boolean {
  if (x25519JwkOk === undefined) {
    try {
      const d = Buffer.from('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a', 'hex');
      const k = nc.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(d), x: X25519_ZERO_X }, format: 'jwk' });
      x25519JwkOk = Buffer.from(k.export({ format: 'jwk' }).x!, 'base64url').toString('hex') === '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a';
    } catch {
      x25519JwkOk = false;
    }
  }
  return x25519JwkOk;
}
function x25519PrivateKey(priv: Uint8Array): nc.KeyObject {
  return x25519JwkWorks()
    ? nc.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(priv), x: X25519_ZERO_X }, format: 'jwk' })
    : nc.createPrivateKey({ key: Buffer.from(pkcs8FromRaw('x25519', priv)), format: 'der', type: 'pkcs8' });
}

/** Prepared ephemeral kx key: X25519 private KeyObject or a P-256 ECDH object, plus the bytes it was built from. */
interface KxPrepared {
  group: KxGroup;
  raw: Uint8Array;
  x?: nc.KeyObject;
  ec?: nc.ECDH;
}

export class NodeProvider implements CryptoProvider {
  readonly name = 'node' as const;
  observer: CryptoObserver | undefined = undefined;
  /**
   * KeyObject caches (node's PKCS#8 / SPKI DER import costs 0.2-1 ms per key under OpenSSL 3.0):
   * - signing / verify keys by content (kind + raw bytes), bounded LRU: the same CA, leaf and server keys recur in
   *   every handshake although callers parse them into fresh Uint8Arrays;
   * - ephemeral kx keys by the identity of the `privateKey` array that kxGenerate / kxFromPrivate returned (the
   *   endpoints pass that array back to kxDerive), with a content check; a WeakMap lets them die with the key pair.
   */
  private readonly privCache = new Lru<nc.KeyObject>(64);
  private readonly pubCache = new Lru<nc.KeyObject>(256);
  private readonly kxCache = new WeakMap<Uint8Array, KxPrepared>();
  /** Scratch ECDH object for R = k*G in deterministic ECDSA signing. */
  private signEcdh: nc.ECDH | undefined;
  /**
   * Record-number masks through OpenSSL (AES: one ECB update per mask; ChaCha20: one createCipheriv per mask)
   * instead of the JS single-block functions ./aes-block.ts and ./chacha-block.ts (default; a native call per mask
   * costs more than the block itself on the record path). Both are property-tested against each other.
   */
  readonly opensslMasks: boolean;
  constructor(readonly rng: RandomSource, opts: { opensslMasks?: boolean } = {}) {
    this.opensslMasks = opts.opensslMasks ?? false;
  }

  aead(alg: AeadAlg, key: Uint8Array): AeadKey {
    return new NodeAead(this, alg, key);
  }
  snMasker(alg: AeadAlg, snKey: Uint8Array): SnMasker {
    return alg === 'CHACHA20-POLY1305' ? new NodeChachaMasker(this, snKey) : new NodeAesMasker(this, snKey);
  }

  hash(alg: HashAlg, data: Uint8Array): Uint8Array {
    let d: Uint8Array;
    if (alg === 'SHA-256' && data.length <= JS_HASH_MAX) {
      d = new Uint8Array(32);
      ONE_PART[0] = data;
      sha256Into(ONE_PART, d, 0);
      ONE_PART[0] = EMPTY;
    } else d = u8(nc.createHash(NODE_HASH[alg]).update(data).digest());
    const o = this.observer;
    if (o) o({ op: 'hash', alg, inputBytes: data.length, outputBytes: d.length, blocks: hashBlocks(alg, data.length) });
    return d;
  }
  transcript(alg: HashAlg): TranscriptHash {
    return alg === 'SHA-256' ? new JsSha256Transcript(this) : new NodeTranscript(this, alg);
  }
  /** HMAC-SHA256 key states for the JS HMAC (see KeyRing). */
  private readonly hmacKeys = new KeyRing();
  private rawHmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    if (alg === 'SHA-256' && data.length <= JS_HMAC_MAX) {
      const out = new Uint8Array(32);
      hmacSha256(this.hmacKeys.get(key), data, undefined, undefined, out, 0);
      return out;
    }
    return u8(nc.createHmac(NODE_HASH[alg], key).update(data).digest());
  }
  hmac(alg: HashAlg, key: Uint8Array, data: Uint8Array): Uint8Array {
    const d = this.rawHmac(alg, key, data);
    const o = this.observer;
    if (o) o({ op: 'hmac', alg: `HMAC-${alg}`, inputBytes: data.length, outputBytes: d.length, blocks: hmacBlocks(alg, key.length, data.length) });
    return d;
  }
  hkdfExtract(alg: HashAlg, salt: Uint8Array, ikm: Uint8Array): Uint8Array {
    // RFC 5869: an empty salt means HashLen zeros; HMAC pads short keys with zeros, so both are identical.
    const d = this.rawHmac(alg, salt, ikm);
    const o = this.observer;
    if (o) o({ op: 'hkdf-extract', alg: `HKDF-${alg}`, inputBytes: ikm.length, outputBytes: d.length, blocks: hmacBlocks(alg, salt.length, ikm.length) });
    return d;
  }
  hkdfExpand(alg: HashAlg, prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
    const h = HASH_LENGTH[alg];
    if (!Number.isInteger(length) || length < 0 || length > 255 * h) throw new CryptoError('HKDF-Expand: bad length');
    const out = new Uint8Array(length);
    if (alg === 'SHA-256' && info.length <= JS_HMAC_MAX) {
      // T(i) = HMAC(PRK, T(i-1) || info || i), in JS on the PRK's key state
      const k = this.hmacKeys.get(prk);
      const t = T_SCRATCH;
      const ctr = CTR;
      for (let i = 1, pos = 0; pos < length; i++) {
        ctr[0] = i;
        const dst = length - pos >= 32 ? out : t;
        const dOff = dst === out ? pos : 0;
        if (i === 1) hmacSha256(k, info, ctr, undefined, dst, dOff);
        else hmacSha256(k, t, info, ctr, dst, dOff);
        if (dst === out) { if (length - pos > 32) for (let j = 0; j < 32; j++) t[j] = out[pos + j]!; }
        else for (let j = 0; pos + j < length; j++) out[pos + j] = t[j]!;
        pos += h;
      }
      t.fill(0);
    } else {
      let t: Uint8Array = new Uint8Array(0);
      const ctr = new Uint8Array(1);
      for (let i = 1, pos = 0; pos < length; i++) {
        ctr[0] = i;
        t = nc.createHmac(NODE_HASH[alg], prk).update(t).update(info).update(ctr).digest();
        out.set(t.subarray(0, Math.min(h, length - pos)), pos);
        pos += h;
      }
    }
    const o = this.observer;
    if (o) o({ op: 'hkdf-expand', alg: `HKDF-${alg}`, inputBytes: info.length, outputBytes: length, blocks: hkdfExpandBlocks(alg, prk.length, info.length, length) });
    return out;
  }

  kxGenerate(group: KxGroup): KxKeyPair {
    if (isPqGroup(group)) return pqGenerate(this, group); // ML-KEM via @noble/post-quantum: Node 20 has none
    const priv = new Uint8Array(32);
    do this.rng.fill(priv);
    while (group === 'secp256r1' && !isValidP256Scalar(priv));
    const kp = this.kxFromPrivateRaw(group, priv);
    const o = this.observer;
    if (o) o({ op: 'kx-keygen', alg: group === 'x25519' ? 'X25519' : 'P-256', inputBytes: 0, outputBytes: kp.publicKey.length });
    return kp;
  }
  kxFromPrivate(group: KxGroup, privateKey: Uint8Array): KxKeyPair {
    return isPqGroup(group) ? pqFromPrivate(this, group, privateKey) : this.kxFromPrivateRaw(group, privateKey);
  }
  private kxFromPrivateRaw(group: KxGroup, priv: Uint8Array): KxKeyPair {
    if (priv.length !== 32) throw new CryptoError(`${group} private key must be 32 bytes`);
    const raw = priv.slice(); // private copy: the cache entry's reference bytes
    let prep: KxPrepared;
    let publicKey: Uint8Array;
    if (group === 'x25519') {
      const x = x25519PrivateKey(raw);
      publicKey = fromB64u(x.export({ format: 'jwk' }).x!); // ~1 us; SPKI export costs ~110 us
      prep = { group, raw, x };
    } else {
      if (!isValidP256Scalar(raw)) throw new CryptoError('P-256 private key out of range');
      const ec = nc.createECDH('prime256v1');
      ec.setPrivateKey(raw);
      publicKey = new Uint8Array(ec.getPublicKey());
      prep = { group, raw, ec };
    }
    const privateKey = raw.slice();
    this.kxCache.set(privateKey, prep);
    return { group, privateKey, publicKey };
  }
  /** The prepared key for `priv` if kxGenerate / kxFromPrivate made it (and the bytes are unchanged). */
  private kxPrepared(group: KxGroup, priv: Uint8Array): KxPrepared | undefined {
    const p = this.kxCache.get(priv);
    return p && p.group === group && sameBytes(p.raw, priv) ? p : undefined;
  }
  kxDerive(group: KxGroup, privateKey: Uint8Array, peerPublic: Uint8Array): Uint8Array | null {
    if (isPqGroup(group)) return pqDecapsulate(this, group, privateKey, peerPublic);
    let s: Uint8Array | null = null;
    try {
      if (group === 'x25519') {
        if (peerPublic.length === 32 && privateKey.length === 32) {
          const k = this.kxPrepared(group, privateKey)?.x ?? x25519PrivateKey(privateKey);
          // Raw public key import via JWK (~9 us) instead of SPKI DER (~220 us); both yield the same EVP_PKEY.
          const pub = nc.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(peerPublic) }, format: 'jwk' });
          const r = nc.diffieHellman({ privateKey: k, publicKey: pub });
          s = r.every((b) => b === 0) ? null : new Uint8Array(r);
        }
      } else if (peerPublic.length === 65 && peerPublic[0] === 4 && privateKey.length === 32) {
        let e = this.kxPrepared(group, privateKey)?.ec;
        if (!e) {
          e = nc.createECDH('prime256v1');
          e.setPrivateKey(privateKey);
        }
        s = new Uint8Array(e.computeSecret(peerPublic));
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

  private privKey(key: SigningKey): nc.KeyObject {
    const id = keyId(key.kind, key.raw);
    let k = this.privCache.get(id);
    if (!k) {
      checkSigningKey(key);
      k = nc.createPrivateKey({ key: Buffer.from(pkcs8FromRaw(key.kind, key.raw)), format: 'der', type: 'pkcs8' });
      this.privCache.set(id, k);
    }
    return k;
  }
  private pubKey(key: VerifyKey): nc.KeyObject {
    const id = keyId(key.kind, key.raw);
    let k = this.pubCache.get(id);
    if (!k) {
      // Ed25519: raw 32-byte key via JWK (same EVP_PKEY as SPKI, ~25x cheaper). P-256 stays on SPKI DER so that
      // point validation is exactly OpenSSL's SEC1 decoding (coordinates >= p are rejected).
      k = key.kind === 'ed25519' && key.raw.length === 32
        ? nc.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64u(key.raw) }, format: 'jwk' })
        : nc.createPublicKey({ key: Buffer.from(spkiFromRaw(key.kind, key.raw)), format: 'der', type: 'spki' });
      this.pubCache.set(id, k);
    }
    return k;
  }
  /** RSA signatures (./node-rsa.ts). */
  private readonly rsa = new NodeRsa();
  publicKeyOf(key: SigningKey): VerifyKey {
    if (key.kind === 'rsa') return rsaPublicOf(key);
    if (key.kind === 'p256') {
      checkSigningKey(key);
      const e = nc.createECDH('prime256v1');
      e.setPrivateKey(key.raw);
      return { kind: 'p256', raw: new Uint8Array(e.getPublicKey()) };
    }
    return { kind: key.kind, raw: fromB64u(nc.createPublicKey(this.privKey(key)).export({ format: 'jwk' }).x!) };
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
    if (key.kind === 'rsa') ({ sig, bits: keyBits } = this.rsa.sign(scheme, key, message, this.rng));
    else if (scheme === 'ed25519') sig = new Uint8Array(nc.sign(null, message, this.privKey(key)));
    else {
      checkSigningKey(key);
      sig = signP256Deterministic(key.raw, message, (this.signEcdh ??= nc.createECDH('prime256v1')));
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
      if (key.kind === 'rsa') {
        if (SCHEME_KEY_KIND[scheme] === 'rsa') ({ ok, bits: keyBits } = this.rsa.verify(scheme, key, message, signature));
      } else if (key.kind === SCHEME_KEY_KIND[scheme]) {
        ok = nc.verify(scheme === 'ed25519' ? null : 'sha256', message, this.pubKey(key), signature);
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

export function createNodeProvider(rng: RandomSource, opts: { opensslMasks?: boolean } = {}): NodeProvider {
  return new NodeProvider(rng, opts);
}
