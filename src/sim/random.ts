// Seeded, platform-independent random numbers with independent named streams.
//
// Generator: xoshiro128** (Blackman & Vigna; 32-bit state words, period 2^128 - 1), using only 32-bit integer
// operations (Math.imul, shifts), so the bit stream is identical on every platform and JS engine.
// Seeding: the 64-bit key of a stream is mix64(mix64(seed) XOR fnv1a64(name)) (mix64 = the splitmix64 finaliser);
// splitmix64 run from that key yields the 128-bit state. A stream therefore depends only on (seed, name): adding or
// removing other streams, or drawing from them, never changes what it draws.
// Floats: next() = 53 random bits / 2^53 in [0, 1). Distributions use Math.log/exp/sqrt/cos; V8 implements these
// with its own fdlibm port, so results are identical across platforms for a given Node version.

import { H64, M64, fnvWords, key64, mix64Words, seedTo64, type Seed } from './hash64.ts';

export { fnv1a64, type Seed } from './hash64.ts';

const TWO_PI = 2 * Math.PI;
/** Key and name of every leaf stream (RngStream.deriveLeaf); no real key is negative. */
const LEAF_KEY = -1n;
const LEAF_NAME = '(leaf)';
/** Token of the RngStream constructor's unseeded form (deriveLeaf only). */
const UNSEEDED: unique symbol = Symbol('unseeded');

/** One independent random stream (xoshiro128**). */
export class RngStream {
  /** 64-bit key this stream was seeded from (for sub-streams). */
  readonly key: bigint;
  readonly name: string;
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  // The second Box-Muller variate, valid while hasSpare. Starts as the small integer 0, not NaN: a field holding a
  // double is boxed (16 B more per stream), and a stream that never draws a normal (10^6 device streams) never needs it.
  private spare = 0;
  private hasSpare = false;
  private children: Map<string, RngStream> | null = null;

  /** `leaf`: keep neither key nor name (deriveLeaf). `unseeded` (module-private): a leaf whose state deriveLeaf
   *  sets itself (the key is then ignored). */
  constructor(key: bigint, name = '', leaf = false, unseeded?: typeof UNSEEDED) {
    if (unseeded === UNSEEDED) {
      this.key = LEAF_KEY;
      this.name = LEAF_NAME;
      return;
    }
    key &= M64;
    this.key = leaf ? LEAF_KEY : key;
    this.name = leaf ? LEAF_NAME : name;
    this.seedState(Number(key >> 32n), Number(key & 0xffffffffn));
  }

  /** The xoshiro128** state from the key (hi, lo): two splitmix64 steps (x += 0x9e3779b97f4a7c15, mix64(x)), each
   *  giving two state words, low half first. */
  private seedState(hi: number, lo: number): void {
    for (let i = 0; i < 2; i++) {
      const l = lo + 0x7f4a7c15;
      lo = l >>> 0;
      hi = (hi + 0x9e3779b9 + (l >= 4294967296 ? 1 : 0)) >>> 0;
      mix64Words(hi, lo);
      if (i === 0) { this.a = H64[1]! | 0; this.b = H64[0]! | 0; } else { this.c = H64[1]! | 0; this.d = H64[0]! | 0; }
    }
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1; // all-zero state is the one forbidden state
  }

  /** A stream with an explicit xoshiro128** state (for checking against the reference implementation). */
  static fromState(a: number, b: number, c: number, d: number): RngStream {
    const s = new RngStream(0n, 'fromState');
    s.a = a | 0;
    s.b = b | 0;
    s.c = c | 0;
    s.d = d | 0;
    return s;
  }

  /** Uniform 32-bit unsigned integer. */
  nextU32(): number {
    const s1 = this.b;
    const r = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return r;
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [0, n) for an integer 1 <= n <= 2^53, without modulo bias. */
  int(n: number): number {
    if (!(Number.isInteger(n) && n >= 1 && n <= 2 ** 53)) throw new RangeError(`int(n): n must be an integer >= 1, got ${n}`);
    if (n <= 0x100000000) {
      const lim = 0x100000000 - (0x100000000 % n); // reject the top partial block
      for (;;) {
        const x = this.nextU32();
        if (x < lim) return x % n;
      }
    }
    return Math.floor(this.next() * n);
  }

  /** true with probability p. */
  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.next()) / rate;
  }

  /** Normal (Box-Muller; the second variate of each pair is kept for the next call). */
  normal(mean = 0, sd = 1): number {
    let z: number;
    if (this.hasSpare) {
      z = this.spare;
      this.hasSpare = false;
    } else {
      const u1 = 1 - this.next(); // (0, 1]
      const u2 = this.next();
      const rad = Math.sqrt(-2 * Math.log(u1));
      z = rad * Math.cos(TWO_PI * u2);
      this.spare = rad * Math.sin(TWO_PI * u2);
      this.hasSpare = true;
    }
    return mean + sd * z;
  }

  /** exp(Normal(mu, sigma)). */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** A uniformly chosen element. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick from an empty array');
    return items[this.int(items.length)];
  }

  /** Fill `bytes` with random bytes (4 per 32-bit draw, little-endian). Usable as the DTLS RandomSource. */
  fill(bytes: Uint8Array): void {
    const n = bytes.length;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const x = this.nextU32();
      bytes[i] = x & 0xff;
      bytes[i + 1] = (x >>> 8) & 0xff;
      bytes[i + 2] = (x >>> 16) & 0xff;
      bytes[i + 3] = x >>> 24;
    }
    if (i < n) {
      let x = this.nextU32();
      for (; i < n; i++) {
        bytes[i] = x & 0xff;
        x >>>= 8;
      }
    }
  }

  /** The sub-stream `name` of this stream: key mix64(this.key XOR fnv1a64(name)). Cached: the same name returns
   *  the same (stateful) object. */
  stream(name: string): RngStream {
    if (this.key === LEAF_KEY) throw new RangeError('a leaf stream (deriveLeaf) has no sub-streams');
    const m = (this.children ??= new Map());
    let s = m.get(name);
    if (s === undefined) {
      s = this.derive(name);
      m.set(name, s);
    }
    return s;
  }

  /** A fresh sub-stream `name`, not cached: the stream `stream(name)` would return before any draw from it. For
   *  state owned by one short-lived holder (a simulated client's streams), so that it is freed with the holder; the
   *  caller must not derive the same name twice and expect one shared state. */
  derive(name: string): RngStream {
    if (this.key === LEAF_KEY) throw new RangeError('a leaf stream (deriveLeaf) has no sub-streams');
    return new RngStream(this.childKey(name), this.name === '' ? name : `${this.name}/${name}`);
  }

  /** derive(name) for a stream nothing derives from (a simulated client's own streams, 10^6 of them at once in a
   *  device fleet): the same draws, but it keeps neither its 64-bit key (a BigInt) nor its name (~60 B less);
   *  stream() and derive() on it throw. */
  deriveLeaf(name: string): RngStream {
    if (this.key === LEAF_KEY) throw new RangeError('a leaf stream (deriveLeaf) has no sub-streams');
    this.childWords(name);
    const s = new RngStream(0n, '', true, UNSEEDED);
    s.seedState(H64[0]!, H64[1]!);
    return s;
  }

  /** The key of sub-stream `name`, mix64(key XOR fnv1a64(name)), into H64 (32-bit halves: no BigInt arithmetic
   *  beyond splitting this key, once per derivation). */
  private childWords(name: string): void {
    const key = this.key;
    const hi = Number(key >> 32n);
    const lo = Number(key & 0xffffffffn);
    fnvWords(name);
    mix64Words((hi ^ H64[0]!) >>> 0, (lo ^ H64[1]!) >>> 0);
  }

  /** childWords as a BigInt key. */
  private childKey(name: string): bigint {
    this.childWords(name);
    return key64();
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Root generator: `new Rng(seed)`; draws directly (root stream) or through named streams `rng.stream('client/42')`. */
export class Rng extends RngStream {
  readonly seed: Seed;
  constructor(seed: Seed = 0) {
    const k = seedTo64(seed);
    mix64Words(Number(k >> 32n), Number(k & 0xffffffffn));
    super(key64());
    this.seed = seed;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Distribution specs (scenario files)

export type Distribution =
  | number
  | { dist: 'deterministic'; value: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'exponential'; mean: number }
  | { dist: 'exponential'; rate: number }
  | { dist: 'normal'; mean: number; sd: number; min?: number; max?: number }
  | { dist: 'lognormal'; mu: number; sigma: number; min?: number; max?: number }
  | { dist: 'lognormal'; mean: number; sd: number; min?: number; max?: number }
  | { dist: 'empirical'; values: readonly number[]; weights?: readonly number[] };

export type Sampler = () => number;

export class DistributionError extends RangeError {
  override readonly name = 'DistributionError';
  constructor(message: string) {
    super(message);
  }
}

function num(o: Record<string, unknown>, k: string, cond: (x: number) => boolean, what: string): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || !cond(v)) {
    throw new DistributionError(`${String(o.dist)}: '${k}' must be ${what}, got ${JSON.stringify(v)}`);
  }
  return v;
}
const any = () => true;
const pos = (x: number) => x > 0;
const nonneg = (x: number) => x >= 0;

function clampWrap(o: Record<string, unknown>, f: Sampler): Sampler {
  const lo = o.min === undefined ? -Infinity : num(o, 'min', any, 'a number');
  const hi = o.max === undefined ? Infinity : num(o, 'max', (x) => x >= lo, 'a number >= min');
  if (lo === -Infinity && hi === Infinity) return f;
  return () => Math.min(hi, Math.max(lo, f()));
}

/**
 * A sampler for a distribution spec. A bare number is deterministic. Throws DistributionError on a bad spec.
 * normal/lognormal accept optional min/max clamps (e.g. to keep a time non-negative).
 */
export function makeSampler(spec: Distribution, s: RngStream): Sampler {
  if (typeof spec === 'number') {
    if (!Number.isFinite(spec)) throw new DistributionError(`deterministic value must be finite, got ${spec}`);
    return () => spec;
  }
  if (spec === null || typeof spec !== 'object') throw new DistributionError('distribution must be a number or an object');
  const o = spec as unknown as Record<string, unknown>;
  switch (o.dist) {
    case 'deterministic': {
      const v = num(o, 'value', any, 'a finite number');
      return () => v;
    }
    case 'uniform': {
      const lo = num(o, 'min', any, 'a finite number');
      const hi = num(o, 'max', (x) => x >= lo, 'a number >= min');
      return () => lo + (hi - lo) * s.next();
    }
    case 'exponential': {
      const rate = o.rate !== undefined ? num(o, 'rate', pos, 'a positive number') : 1 / num(o, 'mean', pos, 'a positive number');
      return () => -Math.log(1 - s.next()) / rate;
    }
    case 'normal': {
      const m = num(o, 'mean', any, 'a finite number');
      const sd = num(o, 'sd', nonneg, 'a number >= 0');
      return clampWrap(o, () => s.normal(m, sd));
    }
    case 'lognormal': {
      let mu: number;
      let sigma: number;
      if (o.mu !== undefined || o.sigma !== undefined) {
        mu = num(o, 'mu', any, 'a finite number');
        sigma = num(o, 'sigma', nonneg, 'a number >= 0');
      } else {
        const m = num(o, 'mean', pos, 'a positive number');
        const sd = num(o, 'sd', nonneg, 'a number >= 0');
        sigma = Math.sqrt(Math.log(1 + (sd * sd) / (m * m)));
        mu = Math.log(m) - (sigma * sigma) / 2;
      }
      return clampWrap(o, () => s.lognormal(mu, sigma));
    }
    case 'empirical': {
      const values = o.values;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) {
        throw new DistributionError("empirical: 'values' must be a non-empty array of finite numbers");
      }
      const w = o.weights ?? values.map(() => 1);
      if (!Array.isArray(w) || w.length !== values.length || !w.every((x) => typeof x === 'number' && Number.isFinite(x) && x >= 0)) {
        throw new DistributionError("empirical: 'weights' must be non-negative numbers, one per value");
      }
      const cdf = new Float64Array(w.length);
      let acc = 0;
      for (let i = 0; i < w.length; i++) cdf[i] = acc += w[i] as number;
      if (!(acc > 0)) throw new DistributionError('empirical: weights must not all be zero');
      const vals = Float64Array.from(values as number[]);
      return () => {
        const u = s.next() * acc;
        let lo = 0;
        let hi = cdf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cdf[mid] > u) hi = mid;
          else lo = mid + 1;
        }
        return vals[lo];
      };
    }
    default:
      throw new DistributionError(
        `unknown distribution ${JSON.stringify(o.dist)}: expected deterministic|uniform|exponential|normal|lognormal|empirical`,
      );
  }
}

/** Mean of a distribution spec (before any min/max clamp). */
export function distributionMean(spec: Distribution): number {
  if (typeof spec === 'number') return spec;
  const o = spec as unknown as Record<string, unknown>; // keys present with value undefined count as absent
  switch (spec.dist) {
    case 'deterministic':
      return spec.value;
    case 'uniform':
      return (spec.min + spec.max) / 2;
    case 'exponential':
      return o.rate !== undefined ? 1 / (o.rate as number) : (o.mean as number);
    case 'normal':
      return spec.mean;
    case 'lognormal':
      return o.mu !== undefined ? Math.exp((o.mu as number) + ((o.sigma as number) * (o.sigma as number)) / 2) : (o.mean as number);
    case 'empirical': {
      const w = spec.weights ?? spec.values.map(() => 1);
      let sw = 0;
      let sv = 0;
      for (let i = 0; i < w.length; i++) {
        sw += w[i];
        sv += w[i] * spec.values[i];
      }
      return sv / sw;
    }
  }
}
