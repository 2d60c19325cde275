// RSA signatures for the node provider (./node.ts): OpenSSL's RSA primitive, our encodings (./rsa.ts).
// - rsa_pss_rsae_sha256/384 sign: EMSA-PSS encoding (RFC 8017 9.1.1) with the salt from the provider's
//   RandomSource, then the raw private operation `privateDecrypt({ padding: RSA_NO_PADDING })` (RSASP1). node's
//   crypto.sign with PSS padding cannot be used: OpenSSL draws the salt itself, and runs must be reproducible.
//   The result is byte-identical to the noble provider's for the same RandomSource state.
// - verify: node's crypto.verify with RSA_PKCS1_PSS_PADDING (salt length = hash length, RFC 8446 4.2.3) or
//   RSA_PKCS1_PADDING (rsa_pkcs1_*, certificate signatures); a signature must be exactly the modulus length.
// KeyObjects are cached by content (PKCS#1 DER import costs ~0.1-0.5 ms per key).
import * as nc from 'node:crypto';
import { CryptoError, RSA_SCHEME_HASH, type HashAlg, type RandomSource, type SignatureScheme, type SigningKey, type VerifyKey } from './provider.ts';
import { emsaPssEncode, parseRsaPrivateKey, parseRsaPublicKey } from './rsa.ts';

const NODE_HASH: Record<HashAlg, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };
const HASH_LEN: Record<HashAlg, number> = { 'SHA-256': 32, 'SHA-384': 48 };

interface Prepared<K> { key: K; bits: number; k: number }

/** Small LRU by content (a Map keeps insertion order; a hit moves the entry to the end). */
class Cache<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(raw: Uint8Array, make: () => V): V {
    const id = Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');
    let v = this.m.get(id);
    if (v !== undefined) this.m.delete(id);
    else v = make();
    this.m.set(id, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
    return v;
  }
}

export class NodeRsa {
  private readonly priv = new Cache<Prepared<nc.KeyObject>>(16);
  private readonly pub = new Cache<Prepared<nc.KeyObject> | null>(64);

  /** Prepared private key; throws CryptoError on a malformed or inconsistent key. */
  private privateKey(key: SigningKey): Prepared<nc.KeyObject> {
    return this.priv.get(key.raw, () => {
      const k = parseRsaPrivateKey(key.raw); // structure, size and CRT consistency (throws CryptoError)
      try {
        return { key: nc.createPrivateKey({ key: Buffer.from(key.raw), format: 'der', type: 'pkcs1' }), bits: k.bits, k: k.k };
      } catch (e) {
        throw new CryptoError(`RSA private key rejected: ${(e as Error).message}`);
      }
    });
  }

  /** Prepared public key, or null if it does not parse or is outside the supported sizes. */
  private publicKey(key: VerifyKey): Prepared<nc.KeyObject> | null {
    return this.pub.get(key.raw, () => {
      try {
        const k = parseRsaPublicKey(key.raw);
        return { key: nc.createPublicKey({ key: Buffer.from(key.raw), format: 'der', type: 'pkcs1' }), bits: k.bits, k: k.k };
      } catch {
        return null;
      }
    });
  }

  /** Modulus bits of a private key (for the trace). */
  bitsOf(key: SigningKey): number {
    return this.privateKey(key).bits;
  }

  sign(scheme: SignatureScheme, key: SigningKey, message: Uint8Array, rng: RandomSource): { sig: Uint8Array; bits: number } {
    const hash = RSA_SCHEME_HASH[scheme];
    if (!hash || !scheme.startsWith('rsa_pss_')) throw new CryptoError(`${scheme}: not a TLS 1.3 signing scheme (rsa_pkcs1_* is for certificates only)`);
    const p = this.privateKey(key);
    const h = (d: Uint8Array): Uint8Array => new Uint8Array(nc.createHash(NODE_HASH[hash]).update(d).digest());
    const salt = new Uint8Array(HASH_LEN[hash]);
    rng.fill(salt);
    const em = emsaPssEncode(h, h(message), salt, p.bits - 1);
    const input = new Uint8Array(p.k);
    input.set(em, p.k - em.length); // emLen = k - 1 when modBits - 1 is a multiple of 8
    const s = nc.privateDecrypt({ key: p.key, padding: nc.constants.RSA_NO_PADDING }, input);
    return { sig: new Uint8Array(s.buffer, s.byteOffset, s.length), bits: p.bits };
  }

  verify(scheme: SignatureScheme, key: VerifyKey, message: Uint8Array, signature: Uint8Array): { ok: boolean; bits: number | undefined } {
    const hash = RSA_SCHEME_HASH[scheme];
    const p = this.publicKey(key);
    if (!hash || !p) return { ok: false, bits: p?.bits };
    if (signature.length !== p.k) return { ok: false, bits: p.bits };
    const pss = scheme.startsWith('rsa_pss_');
    const ok = nc.verify(NODE_HASH[hash], message, pss
      ? { key: p.key, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: HASH_LEN[hash] }
      : { key: p.key, padding: nc.constants.RSA_PKCS1_PADDING }, signature);
    return { ok, bits: p.bits };
  }
}
