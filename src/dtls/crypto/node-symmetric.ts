// The node:crypto provider's symmetric objects (./node.ts): AEAD keys (GCM and ChaCha20-Poly1305: one createCipheriv
// per record, OpenSSL cannot be re-keyed through node's API; CCM in JS, ./ccm.ts), record-number maskers (JS single-block AES / ChaCha20 by default, OpenSSL on
// request) and transcript hashes (SHA-256 in JS, SHA-384 through OpenSSL). Each reports its operation to the
// provider's observer.
import * as nc from 'node:crypto';
import {
  CryptoError,
  AEAD_KEY_LENGTH,
  AEAD_TAG_LENGTHS,
  type AeadAlg,
  type AeadKey,
  type HashAlg,
  type SnMasker,
  type TranscriptHash,
} from './provider.ts';
import { finalBlocks, HASH_BLOCK } from './blocks.ts';
import { chachaKeyWords, chachaMask16 } from './chacha-block.ts';
import { aesEncryptBlock, aesScheduleOf } from './aes-block.ts';
import type { NodeProvider } from './node.ts';
import { AesCcm } from './ccm.ts';
import { sha256DigestOf, sha256Init, sha256Update } from './sha256-block.ts';

const NODE_AEAD: Record<AeadAlg, string> = {
  'AES-128-GCM': 'aes-128-gcm',
  'AES-256-GCM': 'aes-256-gcm',
  'CHACHA20-POLY1305': 'chacha20-poly1305',
  'AES-128-CCM': 'aes-128-ccm', // not used: CCM runs in JS (NodeAead.js)
  'AES-128-CCM-8': 'aes-128-ccm',
};
export const NODE_HASH: Record<HashAlg, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384' };
// Local bindings: hot-path calls skip the module-namespace getters a transpiler may emit for `nc.x`.
const createCipheriv = nc.createCipheriv;
const createDecipheriv = nc.createDecipheriv;
const ZERO16 = new Uint8Array(16);
/** Plain Uint8Array view of a Buffer: callers may rely on Uint8Array semantics (slice() copies; Buffer's does not). */
export const u8 = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length);
const TAG_OPTS = { authTagLength: 16 } as const;
const TAG8_OPTS = { authTagLength: 8 } as const;

export class NodeAead implements AeadKey {
  private readonly cipherName: string;
  private readonly ccm: boolean;
  readonly tagLength: number;
  private readonly tagOpts: { authTagLength: number };
  /** A private copy of the raw key: createCipheriv takes raw bytes as fast as a KeyObject (measured: 2.78 vs 2.83
   *  us per 60-byte AES-128-GCM seal), and createSecretKey would cost ~1 us plus a native handle per epoch. */
  private readonly key: Uint8Array;
  /** AES-CCM in JS (./ccm.ts) for the CCM suites: OpenSSL's CCM through node:crypto is one cipher object, four native
   *  calls and three Buffers per record (~9 us per 64-byte CCM_8 record, the largest cost of an iot-fleet run); the JS
   *  form is ~11 single-block AES calls for such a record, same bytes (test/dtls/ccm.test.ts, the RFC 9147 / RFC 8448
   *  vectors). Created at first use: a key kept for a whole epoch pays its key schedule once. */
  private js: AesCcm | undefined = undefined;
  constructor(private readonly p: NodeProvider, readonly alg: AeadAlg, key: Uint8Array) {
    if (key.length !== AEAD_KEY_LENGTH[alg]) throw new CryptoError(`${alg}: key must be ${AEAD_KEY_LENGTH[alg]} bytes`);
    this.cipherName = NODE_AEAD[alg];
    this.ccm = alg === 'AES-128-CCM' || alg === 'AES-128-CCM-8';
    this.tagLength = AEAD_TAG_LENGTHS[alg];
    this.tagOpts = this.tagLength === 16 ? TAG_OPTS : TAG8_OPTS;
    this.key = key.slice();
  }
  seal(nonce: Uint8Array, aad: Uint8Array, plaintext: Uint8Array, outBuf?: Uint8Array): Uint8Array {
    const n = plaintext.length;
    const t = this.tagLength;
    if (this.ccm) {
      const out = outBuf ? outBuf.subarray(0, n + t) : new Uint8Array(n + t);
      (this.js ??= new AesCcm(this.key, t)).sealTo(nonce, aad, plaintext, out, 0);
      const o = this.p.observer;
      if (o) o({ op: 'aead-seal', alg: this.alg, inputBytes: n, outputBytes: n + t, aadBytes: aad.length });
      return out;
    }
    const c = createCipheriv(this.cipherName as 'aes-128-gcm', this.key, nonce, this.tagOpts);
    c.setAAD(aad);
    const ct = n > 0 ? c.update(plaintext) : undefined;
    c.final();
    const out = outBuf ? outBuf.subarray(0, n + t) : new Uint8Array(n + t);
    if (ct) out.set(ct, 0);
    out.set(c.getAuthTag(), n);
    const o = this.p.observer;
    if (o) o({ op: 'aead-seal', alg: this.alg, inputBytes: plaintext.length, outputBytes: out.length, aadBytes: aad.length });
    return out;
  }
  sealInto(nonce: Uint8Array, aad: Uint8Array, head: Uint8Array, tail: Uint8Array, out: Uint8Array, offset: number): number {
    // Assemble the plaintext in place and make a single update() call: a native call costs more than a copy.
    const n = head.length + tail.length;
    const t = this.tagLength;
    out.set(head, offset);
    out.set(tail, offset + head.length);
    if (this.ccm) {
      const p = out.subarray(offset, offset + n);
      (this.js ??= new AesCcm(this.key, t)).sealTo(nonce, aad, p, out, offset); // in place (ccm.ts allows the alias)
      const o = this.p.observer;
      if (o) o({ op: 'aead-seal', alg: this.alg, inputBytes: n, outputBytes: n + t, aadBytes: aad.length });
      return n + t;
    }
    const c = createCipheriv(this.cipherName as 'aes-128-gcm', this.key, nonce, this.tagOpts);
    c.setAAD(aad);
    if (n > 0) out.set(c.update(out.subarray(offset, offset + n)), offset);
    c.final();
    out.set(c.getAuthTag(), offset + n);
    const obs = this.p.observer;
    if (obs) obs({ op: 'aead-seal', alg: this.alg, inputBytes: n, outputBytes: n + t, aadBytes: aad.length });
    return n + t;
  }
  open(nonce: Uint8Array, aad: Uint8Array, ct: Uint8Array): Uint8Array | null {
    let pt: Uint8Array | null = null;
    const t = this.tagLength;
    if (this.ccm) {
      pt = (this.js ??= new AesCcm(this.key, t)).open(nonce, aad, ct);
    } else if (ct.length >= t) {
      const n = ct.length - t;
      try {
        const d = createDecipheriv(this.cipherName as 'aes-128-gcm', this.key, nonce, this.tagOpts);
        d.setAuthTag(ct.subarray(n));
        d.setAAD(aad);
        const r = n > 0 ? u8(d.update(ct.subarray(0, n))) : new Uint8Array(0);
        d.final();
        pt = r;
      } catch {
        pt = null;
      }
    }
    const o = this.p.observer;
    if (o) {
      o({ op: 'aead-open', alg: this.alg, inputBytes: ct.length, outputBytes: pt ? pt.length : 0, aadBytes: aad.length, ok: pt !== null });
    }
    return pt;
  }
}

/** Output of the JS mask functions, shared by every masker (SnMasker.mask: valid until the next mask() call):
 *  a 16-byte buffer per masker would cost ~190 heap bytes per epoch and direction of every connection. */
const MASK_OUT = new Uint8Array(16);

export class NodeAesMasker implements SnMasker {
  private readonly c: nc.Cipher | undefined;
  /** A private copy of sn_key; its round keys come from aesScheduleOf at each mask. */
  private readonly k: Uint8Array | undefined;
  private readonly alg: string;
  constructor(private readonly p: NodeProvider, key: Uint8Array) {
    if (key.length !== 16 && key.length !== 32) throw new CryptoError('AES sn_key must be 16 or 32 bytes');
    this.alg = key.length === 16 ? 'AES-128-ECB' : 'AES-256-ECB';
    if (p.opensslMasks) {
      // ECB is stateless across blocks: one long-lived cipher context serves every record.
      this.c = nc.createCipheriv(key.length === 16 ? 'aes-128-ecb' : 'aes-256-ecb', key, null);
      this.c.setAutoPadding(false);
    } else {
      this.k = key.slice();
    }
  }
  mask(sample: Uint8Array): Uint8Array {
    const m = this.c ? u8(this.c.update(sample.length === 16 ? sample : sample.subarray(0, 16))) : aesEncryptBlock(aesScheduleOf(this.k!), sample, MASK_OUT);
    const o = this.p.observer;
    if (o) o({ op: 'sn-mask', alg: this.alg, inputBytes: 16, outputBytes: 16, blocks: 1 });
    return m;
  }
}

export class NodeChachaMasker implements SnMasker {
  private readonly key: nc.KeyObject | undefined;
  private readonly words: Int32Array | undefined;
  constructor(private readonly p: NodeProvider, key: Uint8Array) {
    if (key.length !== 32) throw new CryptoError('ChaCha20 sn_key must be 32 bytes');
    if (p.opensslMasks) this.key = nc.createSecretKey(key);
    else this.words = chachaKeyWords(key);
  }
  mask(sample: Uint8Array): Uint8Array {
    // OpenSSL's chacha20 IV is 16 bytes: LE uint32 block counter || 12-byte nonce -- exactly sample[0..15].
    // Default: the allocation-free JS block function (./chacha-block.ts); one createCipheriv per mask costs ~8x more.
    const m = this.key
      ? u8(nc.createCipheriv('chacha20', this.key, sample.subarray(0, 16)).update(ZERO16))
      : chachaMask16(this.words!, sample, MASK_OUT);
    const o = this.p.observer;
    if (o) o({ op: 'sn-mask', alg: 'CHACHA20', inputBytes: 16, outputBytes: 16, blocks: 1 });
    return m;
  }
}

export class NodeTranscript implements TranscriptHash {
  constructor(
    private readonly p: NodeProvider,
    readonly alg: HashAlg,
    private readonly h: nc.Hash = nc.createHash(NODE_HASH[alg]),
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
    const d = u8(this.h.copy().digest());
    const o = this.p.observer;
    if (o) o({ op: 'hash', alg: this.alg, inputBytes: 0, outputBytes: d.length, blocks: finalBlocks(this.alg, this.pending) });
    return d;
  }
  clone(): TranscriptHash {
    return new NodeTranscript(this.p, this.alg, this.h.copy(), this.pending);
  }
}

/** SHA-256 transcript in JS (./sha256-block.ts): a handshake digests its transcript at ~7 points per side, and through
 *  node:crypto each digest is a Hash copy (a native object with a weak handle, processed at every scavenge) plus a
 *  native round trip per update; the whole ECDSA-chain transcript is ~30 compression calls. Same observer reports as
 *  NodeTranscript. */
export class JsSha256Transcript implements TranscriptHash {
  readonly alg = 'SHA-256' as const;
  constructor(
    private readonly p: NodeProvider,
    private readonly st: Int32Array = sha256Init(new Int32Array(8)),
    private readonly blk: Uint8Array = new Uint8Array(64),
    private fill = 0,
    private total = 0,
  ) {}
  update(data: Uint8Array): this {
    const before = this.fill;
    this.fill = sha256Update(this.st, this.blk, data, before);
    this.total += data.length;
    const o = this.p.observer;
    if (o) o({ op: 'hash', alg: this.alg, inputBytes: data.length, outputBytes: 0, blocks: Math.floor((before + data.length) / 64) });
    return this;
  }
  digest(): Uint8Array {
    const d = new Uint8Array(32);
    sha256DigestOf(this.st, this.blk, this.fill, this.total, d, 0);
    const o = this.p.observer;
    if (o) o({ op: 'hash', alg: this.alg, inputBytes: 0, outputBytes: 32, blocks: finalBlocks(this.alg, this.fill) });
    return d;
  }
  clone(): TranscriptHash {
    return new JsSha256Transcript(this.p, this.st.slice(), this.blk.slice(), this.fill, this.total);
  }
}
