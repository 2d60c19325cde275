// Upper bounds of a scenario's times, from the simulation kernel's clock: integer picoseconds up to MAX_TIME =
// 2^53 - 1 ps, about 9,007 s (src/sim/time.ts). A value beyond them passed validation and then stopped the run
// with a SimTimeError; now it is a ConfigError naming the field. docs/scenarios.md "Time limits".
import * as z from 'zod';
import { MAX_TIME, PS_PER_MS } from '../../sim/index.ts';

/** The kernel's clock range, ms (9,007,199.25 ms, about 2.5 h). */
export const KERNEL_LIMIT_MS = MAX_TIME / PS_PER_MS;
/** Longest run (sim.end_ms) and latest instant a scenario names (arrivals, attack, traffic.duration_ms): half the
 *  kernel's range, so that what is scheduled from an instant before the end (a delay, a timer) still fits. */
export const MAX_RUN_MS = 4_500_000;
/** Longest single delay or timer (one-way delay, jitter, retransmission and handshake timers, reconnect delay):
 *  a datagram sent at the end of the longest run, delayed by both the one-way delay and the jitter, arrives at
 *  4,500 + 1,000 + 1,000 s, within the kernel's 9,007 s with room for its serialization. */
export const MAX_DELAY_MS = 1_000_000;

/** Slowest client access link, 10^6 bit/s (1 kbit/s, below any link a DTLS device uses): one datagram of 65,535 B
 *  takes at most 524 s to serialize, within what the kernel's clock leaves after the longest run and its delays. */
export const MIN_ACCESS_MBPS = 0.001;

const fmt = (ms: number) => ms.toLocaleString('en-US');
const kernel = `the simulation kernel's clock ends at 2^53-1 ps, about ${fmt(Math.floor(KERNEL_LIMIT_MS / 1000))} s`;
/** Reason appended to a run-length bound (yaml.ts `describe` prints the bound, then this). */
export const RUN_LIMIT_WHY = `${kernel}; a run or an instant is at most ${fmt(MAX_RUN_MS / 1000)} s, half of it`;
/** Reason appended to a delay/timer bound. */
export const DELAY_LIMIT_WHY = `${kernel}; a delay or timer is at most ${fmt(MAX_DELAY_MS / 1000)} s, so that it fits after the longest run`;
/** Reason appended to network.rtt_ms's bound (2 x MAX_DELAY_MS). */
export const RTT_LIMIT_WHY = `${kernel}; the one-way delay rtt_ms / 2 is at most ${fmt(MAX_DELAY_MS / 1000)} s, so that it fits after the longest run`;

/** A time in ms (>= 0, or > 0 with `positive`) at most MAX_RUN_MS. */
export function runMs(positive = false): z.ZodNumber {
  return (positive ? z.number().positive() : z.number().nonnegative()).max(MAX_RUN_MS, { error: RUN_LIMIT_WHY });
}

/** A delay or timer in ms (>= 0, or > 0 with `positive`) at most MAX_DELAY_MS. */
export function delayMs(positive = false): z.ZodNumber {
  return (positive ? z.number().positive() : z.number().nonnegative()).max(MAX_DELAY_MS, { error: DELAY_LIMIT_WHY });
}
