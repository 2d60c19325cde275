// Keys and counters of one direction of one epoch of the record layer (./layer.ts).
import type { AeadKey, CryptoProvider, SnMasker } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import type { EpochKeys } from '../keyschedule.ts';
import { RecordError } from './layer-types.ts';
import { ReplayWindow } from './replay.ts';
import { latin1 } from './latin1.ts';

/** Nonce scratch shared by every record layer: filled and consumed inside one synchronous seal or open call (the
 *  AEAD copies what it needs), so no epoch has to own a buffer. */
const NONCE = new Uint8Array(12);

/** Key scratch (16 and 32 bytes) for preparing a provider key from `raw`: the provider copies what it keeps
 *  (CryptoProvider.aead / snMasker), so a prepared key needs no array of its own. */
const KEY16 = new Uint8Array(16);
const KEY32 = new Uint8Array(32);
function keyScratch(raw: string, from: number, to: number): Uint8Array {
  const n = to - from;
  const k = n === 16 ? KEY16 : n === 32 ? KEY32 : new Uint8Array(n);
  for (let i = 0; i < n; i++) k[i] = raw.charCodeAt(from + i);
  return k;
}

/** Write epochs need no replay window: they share this one (never consulted). */
export const NO_WINDOW = new ReplayWindow(1);

/**
 * Keys and counters of one direction of one epoch. It keeps only what records need: the AEAD key, the
 * record-number masker, the suite (limits) and write_iv (as six 16-bit integers: a Uint8Array would cost an object
 * and an ArrayBuffer per epoch). The traffic secret is not referenced.
 *
 * The provider's AEAD key and masker are prepared on the first record that needs them (preparing reports no crypto
 * operation, so nothing observable moves); the raw key and sn_key stay (one short string) so that a dormant
 * connection can pack them (./layer-state.ts) and prepare them again on wake. With `perRecord`
 * (RecordLayerOptions.recordKeys 'per-record', for connections idle most of the time) they are never kept: each
 * record prepares them from the raw keys (one 16/32-byte key + sn_key buffer), which with the node provider holds
 * ~580 B of heap and a 176-byte AES round-key schedule less per epoch and direction.
 */
export class EpochState {
  private prepared: AeadKey | null = null;
  private preparedMasker: SnMasker | null = null;
  /** key || sn_key (./latin1.ts: one character per byte): ~50-80 B of heap where a Uint8Array takes ~230 B. */
  readonly raw: string;
  readonly suite: CipherSuite;
  /** Replay window (read side only). */
  readonly window: ReplayWindow;
  private readonly iv0: number;
  private readonly iv1: number;
  private readonly iv2: number;
  private readonly iv3: number;
  private readonly iv4: number;
  private readonly iv5: number;
  nextSeq = 0; // write side
  sealed = 0;
  failures = 0;
  limitSignalled = false;
  /** `raw`: key || sn_key as a latin1 string; `iv`: write_iv (12 bytes). See EpochState.fromKeys. */
  constructor(
    private readonly provider: CryptoProvider, readonly epoch: number, suite: CipherSuite, raw: string, iv: ArrayLike<number>,
    window: ReplayWindow, private readonly perRecord = false,
  ) {
    this.raw = raw;
    this.suite = suite;
    this.window = window;
    if (iv.length !== 12) throw new RecordError('write_iv must be 12 bytes');
    this.iv0 = (iv[0]! << 8) | iv[1]!;
    this.iv1 = (iv[2]! << 8) | iv[3]!;
    this.iv2 = (iv[4]! << 8) | iv[5]!;
    this.iv3 = (iv[6]! << 8) | iv[7]!;
    this.iv4 = (iv[8]! << 8) | iv[9]!;
    this.iv5 = (iv[10]! << 8) | iv[11]!;
  }
  static fromKeys(provider: CryptoProvider, epoch: number, keys: EpochKeys, window: ReplayWindow, perRecord: boolean): EpochState {
    return new EpochState(provider, epoch, keys.suite, latin1(keys.key, keys.snKey), keys.iv, window, perRecord);
  }
  /** write_iv, 12 bytes. */
  get iv(): Uint8Array {
    const b = new Uint8Array(12);
    for (let i = 0; i < 12; i++) b[i] = this.ivByte(i);
    return b;
  }
  /** Byte `i` (0..11) of write_iv, without building the array (dormant connections pack it byte by byte). */
  ivByte(i: number): number {
    const h = i >>> 1;
    const v = h === 0 ? this.iv0 : h === 1 ? this.iv1 : h === 2 ? this.iv2 : h === 3 ? this.iv3 : h === 4 ? this.iv4 : this.iv5;
    return i & 1 ? v & 0xff : v >>> 8;
  }
  /** The provider's AEAD key: prepared on first use and kept, or prepared for this record (`perRecord`). */
  get aead(): AeadKey {
    const a = this.prepared;
    if (a !== null) return a;
    const raw = this.raw;
    const k = this.provider.aead(this.suite.aead, keyScratch(raw, 0, raw.length >>> 1));
    if (!this.perRecord) this.prepared = k;
    return k;
  }
  /** The provider's record-number masker: prepared on first use and kept, or prepared for this record. */
  get masker(): SnMasker {
    const m = this.preparedMasker;
    if (m !== null) return m;
    const raw = this.raw;
    const k = this.provider.snMasker(this.suite.aead, keyScratch(raw, raw.length >>> 1, raw.length));
    if (!this.perRecord) this.preparedMasker = k;
    return k;
  }
  /** nonce = iv XOR left-padded 64-bit seq (in the shared scratch: use it before the next call). */
  nonceFor(seq: number): Uint8Array {
    const n = NONCE;
    const hi = Math.floor(seq / 0x100000000);
    const lo = seq >>> 0;
    const a = this.iv0, b = this.iv1, c = this.iv2 ^ (hi >>> 16), d = this.iv3 ^ (hi & 0xffff), e = this.iv4 ^ (lo >>> 16), f = this.iv5 ^ (lo & 0xffff);
    n[0] = a >>> 8; n[1] = a & 0xff; n[2] = b >>> 8; n[3] = b & 0xff;
    n[4] = c >>> 8; n[5] = c & 0xff; n[6] = d >>> 8; n[7] = d & 0xff;
    n[8] = e >>> 8; n[9] = e & 0xff; n[10] = f >>> 8; n[11] = f & 0xff;
    return n;
  }
}
