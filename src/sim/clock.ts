// Clock: converts cycle counts of a block running at `hz` to picoseconds and back, exactly.
//
// Rounding rule: cycle n's edge is at edge(n) = ceil(n * 1e12 / hz) ps, computed exactly in integers from the
// absolute cycle count (1e12/hz = q + r/hz with integers q, r; n*q + ceil(n*r/hz), falling back to BigInt when
// n*r exceeds 2^53). So converting 10^9 cycles at 1.2 GHz gives the exact ceiling of the true value, with no
// accumulated drift; an operation of n cycles never finishes early.
import { MAX_TIME, type Ps } from './kernel.ts';
import { SimTimeError } from './errors.ts';
import { PS_PER_S } from './time.ts';

const SAFE = Number.MAX_SAFE_INTEGER;
const BPS = BigInt(PS_PER_S);

function ceilDiv(x: number, d: number): number {
  // exact for integers x, d <= 2^53: % on doubles is exact, so is (x - rem) / d
  const rem = x % d;
  return (x - rem) / d + (rem > 0 ? 1 : 0);
}
function floorDiv(x: number, d: number): number {
  return (x - (x % d)) / d;
}

export class Clock {
  readonly hz: number;
  private readonly q: number; // floor(1e12 / hz)
  private readonly r: number; // 1e12 mod hz
  private readonly bhz: bigint;

  /** `hz`: an integer frequency in Hz, 1 <= hz <= 1e15. */
  constructor(hz: number) {
    if (!Number.isInteger(hz) || hz < 1 || hz > 1e15) {
      throw new RangeError(`Clock: frequency must be an integer number of Hz in [1, 1e15], got ${hz}`);
    }
    this.hz = hz;
    this.q = Math.floor(PS_PER_S / hz);
    this.r = PS_PER_S - this.q * hz;
    this.bhz = BigInt(hz);
  }

  /** Nominal period in ps (a float, informative only; conversions below are exact). */
  get periodPs(): number {
    return PS_PER_S / this.hz;
  }

  /** ps taken by n cycles from time 0 (= time of edge n): ceil(n * 1e12 / hz). Throws SimTimeError beyond MAX_TIME. */
  cyclesToPs(n: number): Ps {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`cycles must be a non-negative integer, got ${n}`);
    const base = n * this.q;
    const x = n * this.r;
    let ps: number;
    if (base <= SAFE && x <= SAFE) ps = base + ceilDiv(x, this.hz);
    else {
      const b = BigInt(n) * BPS;
      const v = (b + this.bhz - 1n) / this.bhz;
      if (v > BigInt(MAX_TIME)) throw new SimTimeError(`${n} cycles at ${this.hz} Hz exceed ${MAX_TIME} ps`);
      return Number(v);
    }
    if (ps > MAX_TIME) throw new SimTimeError(`${n} cycles at ${this.hz} Hz exceed ${MAX_TIME} ps`);
    return ps;
  }

  /** Complete cycles elapsed by time ps: floor(ps * hz / 1e12). */
  psToCycles(ps: Ps): number {
    checkT(ps);
    const x = ps * this.hz;
    if (x <= SAFE) return floorDiv(x, PS_PER_S);
    return Number((BigInt(ps) * this.bhz) / BPS);
  }

  /** Cycles needed to cover ps: ceil(ps * hz / 1e12). */
  psToCyclesCeil(ps: Ps): number {
    checkT(ps);
    const x = ps * this.hz;
    if (x <= SAFE) return ceilDiv(x, PS_PER_S);
    return Number((BigInt(ps) * this.bhz + BPS - 1n) / BPS);
  }

  /** Index of the first edge at or after time ps (edge n is at cyclesToPs(n)). */
  edgeAtOrAfter(ps: Ps): number {
    checkT(ps);
    if (ps === 0) return 0;
    // smallest n with ceil(n*P) >= ps  <=>  n*P > ps - 1  <=>  n = floor((ps-1)*hz/1e12) + 1
    return this.psToCycles(ps - 1) + 1;
  }

  /** Time of the first edge at or after ps. */
  nextEdge(ps: Ps): Ps {
    return this.cyclesToPs(this.edgeAtOrAfter(ps));
  }

  /** End time of an operation of n cycles that starts at the first edge at or after startPs. Computed from the
   *  absolute cycle count, so chaining operations never drifts. */
  endOf(startPs: Ps, n: number): Ps {
    return this.cyclesToPs(this.edgeAtOrAfter(startPs) + n);
  }
}

function checkT(ps: number): void {
  if (!Number.isInteger(ps) || ps < 0 || ps > MAX_TIME) {
    throw new SimTimeError(`time must be an integer number of picoseconds in [0, ${MAX_TIME}], got ${ps}`);
  }
}
