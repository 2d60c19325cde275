// The host's speed, measured inside the demo server while it works (`demo:server --turn-stats FILE --speed-probe MS`).
// Why: on this virtual machine the same compute kernel, pinned to an otherwise idle core, takes 1.36-1.50 ms for
// minutes and then 1.9-2.2 ms for 5-20 s at a time (2026-12-06 03:02 UTC, 150 one-second samples; the process's
// CPU share stayed 1.00, so the slowdown is inside its CPU time: the hypervisor or another guest on the same
// physical core). The real server's CPU per handshake moved by +24..+78 % within 5 minutes on the idle machine
// (docs/validation.md), so a model calibrated a minute before a load met another host than the load did. The probe
// gives the prediction an input measured beside each load, like the core share: how much slower the host ran
// during the load than during the calibration batches the model's figures come from.
//
// The kernel is a fixed piece of work of the kind the noble server does (a SHA-256 over 512 B, as its HMACs, and
// 256-bit bigint multiplications modulo 2^255 - 19, as its field arithmetic). It runs at the end of a received
// datagram's turn (after the turn's own account is closed), at most once per interval, so that it adds no wake-up
// and no work to any turn: PROBE_RUNS times back to back, the first refilling the caches and the fastest of the
// others the sample (~19 us on this host, as in an idle process), recorded with the epoch time. A sample that the
// scheduler interrupts is long: a window's figure is the median of its samples.
// Until 2026-12-06 07:00 a sample was one run (40-60 us in the server): it ran faster the busier the server was (its
// caches warmer after a turn that did not follow a sleep), so the "slowdown" fell from load to load within a
// repetition (0.88 / 0.93 / 0.87 / 0.85 in loopback-16) and sped the model core up at saturation, where the
// model's own wake-up costs already hold that warmth (docs/validation.md, "What the speed probe sees").
import { sha256 } from '@noble/hashes/sha2.js';
import { median } from 'simple-statistics';

const P = 2n ** 255n - 19n;
const BLOCK = new Uint8Array(512);
/** Bigint multiplications per run of the kernel. */
const MULS = 60;
let state = 0x1234_5678_9abc_def0_1234_5678_9abc_def0n;

/** The fixed work the probe times (its result is kept so that the JIT cannot drop it). */
export function probeKernel(): void {
  const d = sha256(BLOCK);
  let a = state ^ BigInt(d[0]!);
  for (let i = 0; i < MULS; i++) a = (a * a + 7n) % P;
  state = a | 1n;
}

let warm = false;
/** The kernel's JIT warm-up, once per process: in a cold process it ran at ~130 us for its first 40 runs and ~55 us
 *  for the next ~400 before settling at ~19 us (2026-12-06, an idle process); a server probing every 100 ms would
 *  take ~45 s to get there, inside its first calibration batches. 2,000 untimed runs (~40 ms) first. (It did not
 *  remove the fall of the slowdowns through each repetition's loads: docs/validation.md, loopback-16 and -17.) */
export function warmUpProbe(): void {
  if (warm) return;
  for (let i = 0; i < 2000; i++) probeKernel();
  warm = true;
}

/** The speed probe's interval in the server during calibration batches and validation loads: ~80 samples in a 4 s
 *  load that keeps the server busy (4-5 per window of the speed schedule), for ~80 us of work each in the server
 *  (~0.15 % of the core). 100 ms until 2026-12-07 16:00 (one constant slowdown per load). */
export const SPEED_PROBE_MS = 50;

/** Runs of the kernel per sample (the first one not counted). */
export const PROBE_RUNS = 4;

/** [epoch ms, kernel wall us] per sample. */
export type SpeedSample = [number, number];

export class SpeedProbe {
  private last = -Infinity;
  constructor(
    private readonly intervalMs: number,
    private readonly into: SpeedSample[],
    private readonly now: () => number,
    private readonly epochOf: (t: number) => number,
  ) {
    if (!(intervalMs > 0)) throw new Error(`speed probe interval must be > 0 ms (got ${intervalMs})`);
    warmUpProbe();
  }

  /** Runs the kernel if the interval has passed since the last run. */
  maybe(): void {
    const t0 = this.now();
    if (t0 - this.last < this.intervalMs) return;
    this.last = t0;
    // PROBE_RUNS runs back to back; the first refills the caches the turn before it evicted, the fastest of the others
    // is the sample (the core's speed, not the server's warmth)
    let best = Number.POSITIVE_INFINITY;
    let a = t0;
    for (let i = 0; i < PROBE_RUNS; i++) {
      probeKernel();
      const b = this.now();
      if (i > 0 && b - a < best) best = b - a;
      a = b;
    }
    this.into.push([this.epochOf(t0), best * 1000]);
  }
}

/** Median kernel time (us) of the samples taken in [startEpochMs, endEpochMs], with their count; NaN if none. */
export function probeMedianUs(samples: readonly SpeedSample[], startEpochMs: number, endEpochMs: number): { us: number; n: number } {
  const xs = samples.filter((s) => s[0] >= startEpochMs && s[0] <= endEpochMs).map((s) => s[1]);
  return { us: xs.length > 0 ? median(xs) : Number.NaN, n: xs.length };
}

/** The host's slowdown in a load against the reference window: the ratio of the kernel's median times, 1 when
 *  either window holds fewer than `minSamples` samples (no figure: the model runs as calibrated). */
export function slowdown(samples: readonly SpeedSample[], reference: { startEpochMs: number; endEpochMs: number }, load: { startEpochMs: number; endEpochMs: number }, minSamples = 5): { factor: number; referenceUs: number; loadUs: number; referenceN: number; loadN: number } {
  const r = probeMedianUs(samples, reference.startEpochMs, reference.endEpochMs);
  const l = probeMedianUs(samples, load.startEpochMs, load.endEpochMs);
  const ok = r.n >= minSamples && l.n >= minSamples && r.us > 0;
  return { factor: ok ? l.us / r.us : 1, referenceUs: r.us, loadUs: l.us, referenceN: r.n, loadN: l.n };
}

/** Width of a window of the host's speed over a load (speedSchedule): ~4-5 probe samples at the validation's 50 ms
 *  interval while the server is busy. */
export const SCHEDULE_WINDOW_MS = 250;

/**
 * The host's speed through a load, as the model's cpu.speed_schedule: the probe samples in [startEpochMs,
 * endEpochMs] grouped into windows of `windowMs` from startEpochMs (the simulator's t = 0), each window's median
 * over `normaliserUs` (the load's median, already given to the model as its constant slowdown, so the schedule
 * carries only the variation within the load). A window with fewer than `minSamples` samples keeps the factor
 * before it (1 at the start); equal neighbours are merged; factors rounded to 3 decimals. [] when the load has
 * fewer than 5 samples or no normaliser.
 */
export function speedSchedule(samples: readonly SpeedSample[], startEpochMs: number, endEpochMs: number, normaliserUs: number, windowMs = SCHEDULE_WINDOW_MS, minSamples = 2): [number, number][] {
  const inLoad = samples.filter((s) => s[0] >= startEpochMs && s[0] <= endEpochMs);
  if (inLoad.length < 5 || !(normaliserUs > 0) || !(windowMs > 0)) return [];
  const byWindow = new Map<number, number[]>();
  for (const [t, us] of inLoad) {
    const j = Math.floor((t - startEpochMs) / windowMs);
    const xs = byWindow.get(j);
    if (xs) xs.push(us);
    else byWindow.set(j, [us]);
  }
  const last = Math.floor((endEpochMs - startEpochMs) / windowMs);
  const out: [number, number][] = [];
  let factor = 1;
  for (let j = 0; j <= last; j++) {
    const xs = byWindow.get(j);
    if (xs && xs.length >= minSamples) factor = Math.round((median(xs) / normaliserUs) * 1000) / 1000;
    if (out.length === 0 ? factor !== 1 : out[out.length - 1]![1] !== factor) out.push([j * windowMs, factor]);
  }
  return out;
}
