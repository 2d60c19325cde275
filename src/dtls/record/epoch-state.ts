// Keys and counters of one direction of one epoch of the record layer (./layer.ts).
import type { AeadKey, CryptoProvider, SnMasker } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import type { EpochKeys } from '../keyschedule.ts';
import { RecordError } from './layer-types.ts';
import type { ReplayWindow } from './replay.ts';

/** Nonce scratch shared by every record layer: filled and consumed inside one synchronous seal or open call (the
 *  AEAD copies what it needs), so no epoch has to own a buffer. */
const NONCE = new Uint8Array(12);

/**
 * Keys and counters of one direction of one epoch. It keeps only what records need: the prepared AEAD key, the
 * record-number masker, the suite (limits) and write_iv (as six 16-bit integers: a Uint8Array would cost an object
 * and an ArrayBuffer per epoch). The raw key, sn_key and traffic secret are not referenced after construction.
 */
export class EpochState {
  readonly aead: AeadKey;
  readonly masker: SnMasker;
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
  constructor(provider: CryptoProvider, readonly epoch: number, keys: EpochKeys, window: ReplayWindow) {
    this.aead = provider.aead(keys.suite.aead, keys.key);
    this.masker = provider.snMasker(keys.suite.aead, keys.snKey);
    this.suite = keys.suite;
    this.window = window;
    const iv = keys.iv;
    if (iv.length !== 12) throw new RecordError('write_iv must be 12 bytes');
    this.iv0 = (iv[0]! << 8) | iv[1]!;
    this.iv1 = (iv[2]! << 8) | iv[3]!;
    this.iv2 = (iv[4]! << 8) | iv[5]!;
    this.iv3 = (iv[6]! << 8) | iv[7]!;
    this.iv4 = (iv[8]! << 8) | iv[9]!;
    this.iv5 = (iv[10]! << 8) | iv[11]!;
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
