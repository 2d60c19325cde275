// Replication statistics: mean and a two-sided Student-t confidence interval.
// simple-statistics gives the mean and sample standard deviation; it has no t quantile, so the quantile is
// found here by bisection on the regularised incomplete beta function (Numerical Recipes continued fraction).
import { mean, sampleStandardDeviation, gammaln } from 'simple-statistics';

export type Interval = { mean: number; low: number; high: number; n: number; sd: number };

function betacf(a: number, b: number, x: number): number {
  const MAXIT = 300;
  const EPS = 3e-16;
  const FPMIN = 1e-300;
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < FPMIN) d = FPMIN;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAXIT; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = 1 + aa / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < EPS) break;
  }
  return h;
}

/** Regularised incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const bt = Math.exp(gammaln(a + b) - gammaln(a) - gammaln(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (bt * betacf(a, b, x)) / a;
  return 1 - (bt * betacf(b, a, 1 - x)) / b;
}

/** Student-t cumulative distribution function with df degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** Student-t quantile: the t with tCdf(t, df) = p (0 < p < 1). */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`tQuantile: p must be in (0,1), got ${p}`);
  if (!(df > 0)) throw new RangeError(`tQuantile: df must be > 0, got ${df}`);
  if (p === 0.5) return 0;
  // a bracket wide enough for p (df = 1 at p = 0.99995 needs 6,366; a fixed +-1,000 capped it there until 2026-12-08)
  let hi = 16;
  while (tCdf(hi, df) < p && hi < 1e300) hi *= 2;
  let lo = -hi;
  for (let i = 0; i < 400; i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
    if (hi - lo < 1e-12 * Math.max(1, Math.abs(mid))) break;
  }
  return (lo + hi) / 2;
}

/**
 * Mean of the replications with a two-sided `confidence` Student-t interval. One replication (or all values equal)
 * gives a zero-width interval. Non-finite values are kept out of the statistics; if none are finite the result is NaN.
 */
export function confidenceInterval(values: readonly number[], confidence = 0.95): Interval {
  const xs = values.filter((v) => Number.isFinite(v));
  if (xs.length === 0) return { mean: NaN, low: NaN, high: NaN, n: 0, sd: NaN };
  const m = mean(xs);
  if (xs.length === 1) return { mean: m, low: m, high: m, n: 1, sd: 0 };
  const sd = sampleStandardDeviation(xs);
  const t = tQuantile(1 - (1 - confidence) / 2, xs.length - 1);
  const half = (t * sd) / Math.sqrt(xs.length);
  return { mean: m, low: m - half, high: m + half, n: xs.length, sd };
}
