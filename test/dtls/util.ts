// Shared helpers for the DTLS core tests (test/dtls/crypto, keyschedule, record).
import { createProvider, seededRandom, type CryptoProvider, type ProviderKind } from '../../src/dtls/crypto/index.ts';

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
/** Hex with any whitespace (copied from RFC text) to bytes. */
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
export const PROVIDERS: readonly ProviderKind[] = ['node', 'noble'];
export function provider(kind: ProviderKind, seed: number | string = 1): CryptoProvider {
  return createProvider(kind, seededRandom(seed));
}
