// Shared helpers for the DTLS core tests (test/dtls/crypto, keyschedule, record).
import { createProvider, seededRandom, type CryptoProvider, type ProviderKind } from '../../src/dtls/crypto/index.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Hex with any whitespace (copied from RFC text) to bytes. */
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const PROVIDERS: readonly ProviderKind[] = ['node', 'noble'];
export function provider(kind: ProviderKind, seed: number | string = 1): CryptoProvider {
  return createProvider(kind, seededRandom(seed));
}

/** A uniform number in [0, 1) per call, from `seed` (mulberry32): the tests' own generator, independent of src/. */
export function uniform(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
