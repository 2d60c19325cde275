// Micro-measurements of the project's own crypto provider on this host (the calls the server's code path makes).
// Every figure is a median of `reps` batches timed in CPU time (robust against a noisy shared machine), in ns.
import type { AeadAlg, CryptoProvider, HashAlg, KxGroup, SignatureScheme } from '../../dtls/crypto/provider.ts';

/** ns of CPU per call of fn: median over `reps` batches of at least `minMs` of CPU time each. */
export type Timer = (fn: () => void) => number;

/** CPU time of this process so far (user + system, all threads), ms: a busy machine delays a batch but adds
 *  little to its CPU time, unlike the wall clock. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function makeTimer(minMs = 40, reps = 7, clock: () => number = cpuMs): Timer {
  return (fn) => {
    // warm-up (JIT tiers, OpenSSL contexts): at least 50 calls and one batch's worth of CPU time; a count alone left
    // the first function measured (noble AES-128-GCM) in its unoptimised tiers: its fixed cost varied 37-263 us
    const w0 = clock();
    for (let i = 0; i < 50 || clock() - w0 < minMs; i++) fn();
    const per: number[] = [];
    for (let r = 0; r < reps; r++) {
      let n = 0;
      const t0 = clock();
      let dt = 0;
      while (dt < minMs) {
        for (let i = 0; i < 20; i++) fn();
        n += 20;
        dt = clock() - t0;
      }
      per.push((dt * 1e6) / n);
    }
    per.sort((a, b) => a - b);
    return per[per.length >> 1]!;
  };
}

/** A linear cost: fixed ns per call + ns per unit (byte or compression), from two sizes. */
export interface Linear {
  fixedNs: number;
  perUnitNs: number;
  how: string;
}

export interface MicroResults {
  aead: Record<'aes_128_gcm' | 'aes_256_gcm' | 'chacha20_poly1305' | 'aes_128_ccm', Linear>;
  snMaskNs: number;
  hash: Record<'sha256' | 'sha384', Linear>;
  pkeNs: Record<string, number>;
}

const AEADS: [keyof MicroResults['aead'], AeadAlg, number][] = [
  ['aes_128_gcm', 'AES-128-GCM', 16],
  ['aes_256_gcm', 'AES-256-GCM', 32],
  ['chacha20_poly1305', 'CHACHA20-POLY1305', 32],
  ['aes_128_ccm', 'AES-128-CCM', 16],
];

/** Seal of 64 B and 16 KiB for each AEAD the provider has: fixed cost and slope per byte. */
function measureAeads(p: CryptoProvider, time: Timer, aead: MicroResults['aead'], nonce: Uint8Array, aad: Uint8Array): void {
  const small = 64;
  const big = 16384;
  for (const [name, alg, keyLen] of AEADS) {
    let k;
    try {
      k = p.aead(alg, new Uint8Array(keyLen).fill(3));
    } catch {
      continue; // not implemented by this provider
    }
    const a = new Uint8Array(small);
    const b = new Uint8Array(big);
    const outA = new Uint8Array(small + 16);
    const outB = new Uint8Array(big + 16);
    const tSmall = time(() => k.seal(nonce, aad, a, outA));
    const tBig = time(() => k.seal(nonce, aad, b, outB));
    const perByte = (tBig - tSmall) / (big - small);
    aead[name] = { fixedNs: Math.max(0, tSmall - small * perByte), perUnitNs: perByte, how: `seal of ${small} B and ${big} B, prepared key` };
  }
}

export function measureMicro(p: CryptoProvider, time: Timer): MicroResults {
  const nonce = new Uint8Array(12).fill(7);
  const aad = new Uint8Array(5).fill(1);
  const aead = {} as MicroResults['aead'];
  // Two passes, the first discarded: the first AEAD timed ran 2.5x slower than the same seal timed again later
  // (52 vs 20 us for a 64 B noble AES-128-GCM seal: shared code still being optimised), whatever its own warm-up.
  for (let pass = 0; pass < 2; pass++) measureAeads(p, pass === 0 ? makeTimer(10, 1) : time, aead, nonce, aad);
  const masker = p.snMasker('AES-128-GCM', new Uint8Array(16).fill(5));
  const sample = new Uint8Array(16).fill(9);
  const snMaskNs = time(() => masker.mask(sample));
  const hash = {} as MicroResults['hash'];
  for (const [name, alg, block] of [['sha256', 'SHA-256', 64], ['sha384', 'SHA-384', 128]] as [keyof MicroResults['hash'], HashAlg, number][]) {
    // One compression: (block - 20) bytes + padding fit one block; 256 compressions: 256 x block - 20 bytes.
    const one = new Uint8Array(block - 20);
    const many = new Uint8Array(block * 256 - 20);
    const t1 = time(() => p.hash(alg, one));
    const t256 = time(() => p.hash(alg, many));
    const perC = (t256 - t1) / 255;
    hash[name] = { fixedNs: Math.max(0, t1 - perC), perUnitNs: perC, how: `one-shot hash of 1 and 256 compressions` };
  }
  const pkeNs: Record<string, number> = {};
  for (const [name, g] of [['x25519', 'x25519'], ['p256', 'secp256r1']] as [string, KxGroup][]) {
    const a = p.kxGenerate(g);
    const b = p.kxGenerate(g);
    pkeNs[`${name}_keygen`] = time(() => p.kxGenerate(g));
    pkeNs[`${name}_derive`] = time(() => p.kxDerive(g, a.privateKey, b.publicKey));
  }
  const msg = new Uint8Array(130).fill(4); // CertificateVerify content: 64 spaces + context + NUL + transcript hash
  for (const [name, scheme, kind] of [['ed25519', 'ed25519', 'ed25519'], ['ecdsa_p256', 'ecdsa_secp256r1_sha256', 'p256']] as [string, SignatureScheme, 'ed25519' | 'p256'][]) {
    const key = p.generateSigningKey(kind);
    const pub = p.publicKeyOf(key);
    const sig = p.sign(scheme, key, msg);
    pkeNs[`${name}_sign`] = time(() => p.sign(scheme, key, msg));
    pkeNs[`${name}_verify`] = time(() => p.verify(scheme, pub, msg, sig));
  }
  return { aead, snMaskNs, hash, pkeNs };
}
