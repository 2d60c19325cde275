// Unit helpers for integer-picosecond time. Conversions to ps round to the nearest picosecond (ties away from zero
// via Math.round on the non-negative value) and are range-checked (SimTimeError).
import { checkPs, type Ps } from './kernel.ts';

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
