// Streaming statistics: a log-bucketed Histogram (bounded relative error, deterministic, mergeable) and a
// TimeWeighted accumulator (time average of a piecewise-constant quantity such as queue length or busy servers).

/** Summary of a distribution. Empty: all fields 0. Units are those of the samples (ps for kernel statistics). */
export interface Dist {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

const SUB_BITS = 7; // 128 sub-buckets per power of two
const SUB = 1 << SUB_BITS;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0; // index of the high word

function bucketOf(x: number): number {
  f64[0] = x;
  return (u32[HI] >>> (20 - SUB_BITS)) & 0x3ffff; // 11 exponent bits + SUB_BITS mantissa bits
}
function bucketLow(b: number): number {
  const e = b >>> SUB_BITS;
  const m = b & (SUB - 1);
  if (e === 0) return (m / SUB) * 2 ** -1022; // subnormal
  return 2 ** (e - 1023) * (1 + m / SUB);
}

/**
 * Log-bucketed histogram of non-negative finite samples. Each power of two is split into 128 equal sub-buckets
 * (bucket = the top 7 mantissa bits of the IEEE-754 double, so bucketing is exact bit arithmetic and identical on
 * every platform). A quantile is reported as the midpoint of the bucket holding the nearest-rank sample, clamped
 * to [min, max]: its relative error against the exact nearest-rank sample is at most 2^-8 = 0.39 %
 * (`Histogram.RELATIVE_ERROR`). count, sum, mean, min and max are exact (sum is a float sum). Zero has its own
 * bucket. Memory: one float per bucket between the smallest and largest sample seen (~128 per octave).
 */
export class Histogram {
  static readonly RELATIVE_ERROR = 2 ** -(SUB_BITS + 1);
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private zero = 0;
  private offset = 0; // bucket index of counts[0]
  private counts: Float64Array = new Float64Array(0);

  /** Add `n` (default 1) samples of value `x` (finite, >= 0). Throws RangeError otherwise. */
  add(x: number, n = 1): void {
    if (!(x >= 0 && x < Infinity)) throw new RangeError(`Histogram.add: sample must be finite and >= 0, got ${x}`);
    this.count += n;
    this.sum += x * n;
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    if (x === 0) {
      this.zero += n;
      return;
    }
    const b = bucketOf(x);
    let i = b - this.offset;
    if (i < 0 || i >= this.counts.length) i = this.ensure(b);
    this.counts[i] += n;
  }

  private ensure(b: number): number {
    const len = this.counts.length;
    if (len === 0) {
      this.offset = b - 64;
      this.counts = new Float64Array(256);
      return b - this.offset;
    }
    const lo = Math.min(this.offset, b);
    const hi = Math.max(this.offset + len - 1, b);
    const need = hi - lo + 1;
    let size = len;
    while (size < need) size *= 2;
    // keep slack on the side that grew
    const newOffset = b < this.offset ? Math.max(0, hi - size + 1) : lo;
    const c = new Float64Array(size);
    c.set(this.counts, this.offset - newOffset);
    this.counts = c;
    this.offset = newOffset;
    return b - newOffset;
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  /** Nearest-rank quantile estimate (q in [0, 1]); 0 when empty. */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank >= this.count) return this.max;
    if (rank <= this.zero) return 0;
    let acc = this.zero;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      acc += c[i];
      if (acc >= rank) {
        const b = i + this.offset;
        const lo = bucketLow(b);
        const hi = bucketLow(b + 1);
        const mid = (lo + hi) / 2;
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  summary(): Dist {
    if (this.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
    return {
      count: this.count,
      mean: this.mean,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.max,
    };
  }

  /** Add all samples of `other` into this histogram (exact: bucket counts add). */
  merge(other: Histogram): this {
    if (other.count === 0) return this;
    this.count += other.count;
    this.sum += other.sum;
    if (other.min < this.min) this.min = other.min;
    if (other.max > this.max) this.max = other.max;
    this.zero += other.zero;
    const oc = other.counts;
    for (let i = 0; i < oc.length; i++) {
      const n = oc[i];
      if (n === 0) continue;
      const b = i + other.offset;
      let j = b - this.offset;
      if (j < 0 || j >= this.counts.length) j = this.ensure(b);
      this.counts[j] += n;
    }
    return this;
  }

  reset(): void {
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
    this.zero = 0;
    this.counts = new Float64Array(0);
    this.offset = 0;
  }

  /** Non-empty buckets in increasing order: [low, high) and count (zero samples: low = high = 0). */
  buckets(): { low: number; high: number; count: number }[] {
    const out: { low: number; high: number; count: number }[] = [];
    if (this.zero > 0) out.push({ low: 0, high: 0, count: this.zero });
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      if (c[i] > 0) out.push({ low: bucketLow(i + this.offset), high: bucketLow(i + this.offset + 1), count: c[i] });
    }
    return out;
  }

  /** Plain-JSON form (sparse buckets), restorable with Histogram.fromJSON. */
  toJSON(): { count: number; sum: number; min: number; max: number; zero: number; buckets: [number, number][] } {
    const buckets: [number, number][] = [];
    const c = this.counts;
    for (let i = 0; i < c.length; i++) if (c[i] > 0) buckets.push([i + this.offset, c[i]]);
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, zero: this.zero, buckets };
  }

  static fromJSON(j: ReturnType<Histogram['toJSON']>): Histogram {
    const h = new Histogram();
    h.count = j.count;
    h.sum = j.sum;
    h.min = j.count > 0 ? j.min : Infinity;
    h.max = j.count > 0 ? j.max : -Infinity;
    h.zero = j.zero;
    for (const [b, n] of j.buckets) {
      const i = h.ensure(b);
      h.counts[i] += n;
    }
    return h;
  }
}

/**
 * Time average of a piecewise-constant value (queue length, busy servers, buffer level): the integral of the value
 * over [t0, t] divided by (t - t0). Also keeps the maximum. Times are ps (or any consistent unit).
 */
export class TimeWeighted {
  private t0: number;
  private tLast: number;
  private v: number;
  private area = 0;
  max: number;

  constructor(t0 = 0, v0 = 0) {
    this.t0 = t0;
    this.tLast = t0;
    this.v = v0;
    this.max = v0;
  }

  get value(): number {
    return this.v;
  }

  /** The value becomes `v` at time `t` (t must not go backwards). */
  set(t: number, v: number): void {
    this.area += this.v * (t - this.tLast);
    this.tLast = t;
    this.v = v;
    if (v > this.max) this.max = v;
  }

  add(t: number, dv: number): void {
    this.set(t, this.v + dv);
  }

  /** Integral of the value over [t0, t]. */
  integral(t: number = this.tLast): number {
    return this.area + this.v * (t - this.tLast);
  }

  /** Time average over [t0, t]; the current value if the span is empty. */
  mean(t: number = this.tLast): number {
    const span = t - this.t0;
    return span > 0 ? this.integral(t) / span : this.v;
  }

  /** Restart the average at time t (current value kept, max reset to it). */
  reset(t: number): void {
    this.t0 = t;
    this.tLast = t;
    this.area = 0;
    this.max = this.v;
  }
}
