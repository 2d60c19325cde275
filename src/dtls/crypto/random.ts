// RandomSource implementations for src/dtls.
// `seededRandom(seed)` is a deterministic, NOT cryptographically secure generator (xoshiro128** seeded through
// splitmix32) for simulations and tests: same seed => same bytes. Real deployments inject a CSPRNG from src/cli,
// e.g. `{ fill: (b) => crypto.getRandomValues(b) }`.
import type { RandomSource } from './provider.ts';

export function seededRandom(seed: number | string): RandomSource {
  let h = 0x9e3779b9;
  const s = String(seed);
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x85ebca6b) ^ (h >>> 13);
  const sm = () => {
    h = (h + 0x9e3779b9) | 0;
    let z = h;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
  let a = sm(), b = sm(), c = sm(), d = sm();
  const next = (): number => {
    const r = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
    return r;
  };
  return {
    fill(bytes: Uint8Array): void {
      let i = 0;
      while (i < bytes.length) {
        let r = next();
        for (let k = 0; k < 4 && i < bytes.length; k++, i++) { bytes[i] = r & 0xff; r >>>= 8; }
      }
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
