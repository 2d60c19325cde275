// Unit helpers for integer-picosecond time. Conversions to ps round to the nearest picosecond (ties away from zero
// via Math.round on the non-negative value) and are range-checked (SimTimeError).
import { SimTimeError } from './errors.ts';

/** Simulated time: an integer number of picoseconds, 0 <= t <= Number.MAX_SAFE_INTEGER (~2.5 simulated hours). */
export type Ps = number;

/** Largest representable simulated time, in ps. */
export const MAX_TIME: Ps = Number.MAX_SAFE_INTEGER;

/** Check that `t` is an integer number of ps in [0, MAX_TIME]; throws SimTimeError otherwise. */
export function checkPs(t: number, what = 'time'): Ps {
  if (!Number.isInteger(t) || t < 0 || t > MAX_TIME) {
    throw new SimTimeError(`${what} must be an integer number of picoseconds in [0, ${MAX_TIME}], got ${t}`);
  }
  return t;
}

export const PS_PER_NS = 1_000;
export const PS_PER_US = 1_000_000;
export const PS_PER_MS = 1_000_000_000;
export const PS_PER_S = 1_000_000_000_000;
export const US_PER_S = 1_000_000;

// Frequencies and rates (per second): clocks given in MHz/GHz, links in 10^9 bit/s.
export const HZ_PER_MHZ = 1_000_000;
export const HZ_PER_GHZ = 1_000_000_000;
export const BIT_S_PER_GBIT_S = 1_000_000_000;

export const fromNs = (ns: number): Ps => checkPs(Math.round(ns * PS_PER_NS), 'time');
export const fromUs = (us: number): Ps => checkPs(Math.round(us * PS_PER_US), 'time');
export const fromMs = (ms: number): Ps => checkPs(Math.round(ms * PS_PER_MS), 'time');
export const fromS = (s: number): Ps => checkPs(Math.round(s * PS_PER_S), 'time');

export const toNs = (ps: Ps): number => ps / PS_PER_NS;
export const toUs = (ps: Ps): number => ps / PS_PER_US;
export const toMs = (ps: Ps): number => ps / PS_PER_MS;
export const toS = (ps: Ps): number => ps / PS_PER_S;
