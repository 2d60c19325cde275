// Entry point for src/dtls/crypto: re-exports the interface, both providers, suites, key formats and RNG.
import type { CryptoProvider, RandomSource } from './provider.ts';
import { createNobleProvider } from './noble.ts';
import { createNodeProvider } from './node.ts';

export * from './provider.ts';
export * from './suites.ts';
export * from './keys.ts';
export { seededRandom } from './random.ts';
export { RSA_MIN_BITS, RSA_MAX_BITS, RsaKeySizeError, parseRsaPublicKey, parseRsaPrivateKey, encodeRsaPublicKey } from './rsa.ts';
export { hashBlocks, hmacBlocks, hkdfExpandBlocks, finalBlocks } from './blocks.ts';
export { hmacSha256, hmacSha256Key, type HmacSha256Key } from './sha256-block.ts';
export { createNobleProvider, NobleProvider } from './noble.ts';
export { createNodeProvider, NodeProvider } from './node.ts';

export type ProviderKind = 'noble' | 'node';

export function createProvider(kind: ProviderKind, rng: RandomSource): CryptoProvider {
  return kind === 'noble' ? createNobleProvider(rng) : createNodeProvider(rng);
}
