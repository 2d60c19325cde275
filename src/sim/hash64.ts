// 64-bit hashing for seeding random streams (./random.ts): FNV-1a 64 of a stream's name, the splitmix64 finaliser
// (mix64) and the seed's 64-bit form. The hot forms work on two unsigned 32-bit halves and leave their result in
// H64 (a fleet derives ~3 streams per device, 10^6 devices: the BigInt forms allocated ~4 KB per device); the BigInt
// forms wrap them. Both are checked against their BigInt definitions in test/sim/random.test.ts.

export const M64 = (1n << 64n) - 1n;

/** Result of the 32-bit forms: [hi, lo], unsigned. Valid until the next call. */
export const H64 = new Uint32Array(2);

/** H64 as a BigInt. */
export function key64(): bigint {
  return (BigInt(H64[0]!) << 32n) | BigInt(H64[1]!);
}

/** (hi, lo) * (bh, bl) mod 2^64 into H64 (all unsigned 32-bit halves). */
function mul64(hi: number, lo: number, bh: number, bl: number): void {
  // lo * bl as a full 64-bit product from 16-bit pieces (each partial product < 2^32: exact in a double)
  const a0 = lo & 0xffff, a1 = lo >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const mid = a0 * b1 + a1 * b0; // < 2^33
  const t = a0 * b0 + (mid % 65536) * 65536; // < 2^33
  const hiLL = a1 * b1 + Math.floor(mid / 65536) + Math.floor(t / 4294967296);
  H64[1] = t;
  H64[0] = hiLL + Math.imul(hi, bl) + Math.imul(lo, bh);
}

/** The splitmix64 finaliser of (hi, lo) into H64. */
export function mix64Words(hi: number, lo: number): void {
  // z ^= z >> 30; z *= 0xbf58476d1ce4e5b9
  lo = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  hi = (hi ^ (hi >>> 30)) >>> 0;
  mul64(hi, lo, 0xbf58476d, 0x1ce4e5b9);
  hi = H64[0]!; lo = H64[1]!;
  // z ^= z >> 27; z *= 0x94d049bb133111eb
  lo = (lo ^ ((lo >>> 27) | (hi << 5))) >>> 0;
  hi = (hi ^ (hi >>> 27)) >>> 0;
  mul64(hi, lo, 0x94d049bb, 0x133111eb);
  hi = H64[0]!; lo = H64[1]!;
  // z ^= z >> 31
  H64[1] = lo ^ ((lo >>> 31) | (hi << 1));
  H64[0] = hi ^ (hi >>> 31);
}

/** The splitmix64 finaliser: z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb;
 *  z ^= z >> 31 (mod 2^64). */
export function mix64(z: bigint): bigint {
  mix64Words(Number((z >> 32n) & 0xffffffffn), Number(z & 0xffffffffn));
  return key64();
}

const UTF8 = new TextEncoder();

/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of `s`. The state is four 16-bit limbs (h0 least significant) in plain
 * numbers, one BigInt made at the end: a client's streams are derived when it starts, ~10^6 names in a fleet run,
 * and the BigInt loop was ~1 % of it. h x 0x100000001b3 = h x 0x1b3 + (h << 40), 40 = 2 limbs + 8 bits.
 * Checked against the BigInt definition in test/sim/random.test.ts.
 */
export function fnv1a64(s: string): bigint {
  fnvWords(s);
  return key64();
}

/** fnv1a64(s) into H64. */
export function fnvWords(s: string): void {
  let h0 = 0x2325, h1 = 0x8422, h2 = 0x9ce4, h3 = 0xcbf2;
  let ascii = true;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) { ascii = false; break; }
  const bytes = ascii ? undefined : UTF8.encode(s);
  const n = bytes === undefined ? s.length : bytes.length;
  for (let i = 0; i < n; i++) {
    h0 ^= bytes === undefined ? s.charCodeAt(i) : bytes[i]!;
    const t0 = h0 * 0x1b3;
    const t1 = h1 * 0x1b3 + (t0 >>> 16);
    const t2 = h2 * 0x1b3 + (h0 << 8) + (t1 >>> 16);
    const t3 = h3 * 0x1b3 + (h1 << 8) + (t2 >>> 16);
    h0 = t0 & 0xffff;
    h1 = t1 & 0xffff;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  H64[0] = h3 << 16 | h2;
  H64[1] = h1 << 16 | h0;
}

export type Seed = number | bigint | string;

/** The 64-bit form of a seed: a bigint or a safe integer as it is, a string by FNV-1a 64. */
export function seedTo64(seed: Seed): bigint {
  if (typeof seed === 'bigint') {
    if (seed < 0n) throw new RangeError('seed must be >= 0');
    return seed & M64;
  }
  if (typeof seed === 'number') {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`seed must be a non-negative safe integer, got ${seed}`);
    }
    return BigInt(seed);
  }
  if (typeof seed === 'string') return fnv1a64(seed);
  throw new RangeError('seed must be a number, bigint or string');
}
