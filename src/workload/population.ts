// The client population and its traffic, shared by the DTLS co-simulation (cosim.ts) and the plain-UDP baseline
// (udp.ts): who the clients are, when they arrive, which streams drive their network and traffic, how many records
// they exchange, how large each record is and how far apart they are. The baseline compares like with like only
// while both draw these from the same code and the same named random streams.
import { fromMs, makeSampler, MAX_TIME, PS_PER_S, Rng, type EventFn, type Kernel, type Ps, type RngStream, type Sampler } from '../sim/index.ts';
import type { Arrival, TrafficConfig } from './config/index.ts';
import type { LinkState, NetworkModel } from './network.ts';

/** Largest DTLS record plaintext (RFC 9147 / RFC 8446 5.1: 2^14 bytes). */
export const MAX_RECORD = 16384;
/** Smallest record payload: the 4-byte record tag of clients.ts makePayload. */
export const MIN_RECORD = 4;

/**
 * One weighted pick: names with a positive weight, in name order, chosen with probability proportional to their
 * weight by one draw of `s`.
 */
export function pickWeighted<T extends string>(w: Partial<Record<T, number | undefined>>, s: RngStream): T {
  const entries = Object.entries(w).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0) as [T, number][];
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let total = 0;
  for (const [, x] of entries) total += x;
  let r = s.next() * total;
  for (const [k, x] of entries) {
    r -= x;
    if (r < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/**
 * Start times of the `count` clients, ps, in client order: all at 0, evenly spread over the ramp, Poisson
 * arrivals drawn from the root's `arrivals` stream, or the trace's instants.
 */
export function arrivalTimes(a: Arrival, count: number, root: Rng): Ps[] {
  const starts: Ps[] = new Array(count);
  const stream = root.stream('arrivals');
  let tArrive = 0;
  for (let i = 0; i < count; i++) {
    let start = 0;
    if (a.kind === 'ramp') start = Math.floor((i * fromMs(a.duration_ms)) / count);
    else if (a.kind === 'trace') start = fromMs(a.at_ms[i]!);
    else if (a.kind === 'poisson') {
      tArrive += stream.exponential(a.rate_per_s) * PS_PER_S;
      // a start beyond the kernel's clock (a slow rate: count / rate_per_s past 9,007 s) is after any run's end
      // (sim.end_ms <= MAX_RUN_MS): kept at MAX_TIME, where it never runs, instead of refused by the kernel
      start = Math.min(Math.round(tArrive), MAX_TIME);
    }
    starts[i] = start;
  }
  return starts;
}

/**
 * What the population's members share in both simulations: index, start time, network and traffic streams, access
 * link (its own `upFree` / `downFree`: a LinkState) and a processing queue (`busy`: the time the client's processor
 * is free again). Kept small: 10^6 of them live at once in a device fleet (docs/simulation.md "Memory per connection").
 */
export class Member implements LinkState, Streams {
  private netStream: RngStream | undefined = undefined;
  private trafficStream: RngStream | undefined = undefined;
  upFree: Ps = 0;
  downFree: Ps = 0;
  busy: Ps = 0;
  /** One-way delay sampler on `net`, created on first use (none with a constant delay: NetworkModel.constantDelayPs). */
  private sampler: (() => Ps) | undefined = undefined;

  /** `start`: when the member starts; a resuming client (resumption.ts) moves it to each new session's start. */
  constructor(readonly i: number, public start: Ps, private readonly root: Rng, private readonly network: NetworkModel) {}

  // Derived on first draw, not cached on the root: the streams live and die with the member and give the same draws
  // as root.stream (a derivation depends on the root's key and the name only, not on when it is made). A fleet of
  // constant sizes, gaps and delays without loss never draws from either: ~200 B less per member (two streams).
  /** Loss draws and one-way delays of the member's datagrams. */
  get net(): RngStream {
    return (this.netStream ??= this.root.deriveLeaf(`net/${this.i}`));
  }

  /** Record sizes and gaps of the member's traffic (both directions: the server's download to it too). */
  get traffic(): RngStream {
    return (this.trafficStream ??= this.root.deriveLeaf(`traffic/${this.i}`));
  }

  /** One-way network delay, ps (draws from `net` unless the delay is constant). */
  delay(): Ps {
    const c = this.network.constantDelayPs;
    if (c !== undefined) return c;
    return (this.sampler ??= this.network.delaySampler(this.net))();
  }
}

/** Who draws: a member's streams, each derived when first asked for (Member). */
export interface Streams {
  readonly net: RngStream;
  readonly traffic: RngStream;
}

/** Record rate per connection, records/s, at or below which the endpoints prepare their AEAD keys and record-number
 *  maskers for every record instead of keeping them (RecordLayerOptions.recordKeys): a connection idle for a second
 *  or more between records keeps ~2 KB less (docs/simulation.md "Memory per connection"); the bytes on the wire,
 *  the crypto operations charged and so every output are the same either way. */
export const SPARSE_RECORDS_PER_S = 1;

/** The endpoints' record-key policy for traffic `t` (SPARSE_RECORDS_PER_S). */
export function recordKeys(t: TrafficConfig): 'kept' | 'per-record' {
  return t.rate.records_per_s <= SPARSE_RECORDS_PER_S ? 'per-record' : 'kept';
}

/** Records each member exchanges: `records_per_client`, or unbounded when sending for `duration_ms`, else none. */
export function plannedRecords(t: TrafficConfig): number {
  return t.records_per_client ?? (t.duration_ms === undefined ? 0 : Infinity);
}

/** Payload size of one record, bytes: a sample of `traffic.size` rounded and clamped to [MIN_RECORD, MAX_RECORD]. */
export function recordSize(x: number): number {
  return Math.min(MAX_RECORD, Math.max(MIN_RECORD, Math.round(x)));
}

/** Samples of `traffic.size` drawn from stream `s`, one sampler per sending flow; a record's size is
 *  `recordSize(sample)`. */
export function sizeSampler(t: TrafficConfig, m: Streams): Sampler {
  const size = t.size;
  if (typeof size === 'number') {
    // a constant: one sampler for every member, and no stream asked for (10^6 closures in a fleet otherwise)
    let shared = CONSTANT_SIZE.get(t);
    if (shared === undefined) CONSTANT_SIZE.set(t, (shared = makeSampler(size, UNUSED_STREAM)));
    return shared;
  }
  return makeSampler(size, m.traffic);
}
/** The constant-size sampler of each traffic configuration (sizeSampler). */
const CONSTANT_SIZE = new WeakMap<TrafficConfig, Sampler>();
/** What a constant sampler is built on: it never draws. */
const UNUSED_STREAM = new Rng(0).deriveLeaf('unused');

/** Gap to a flow's next record, ps: 1 / records_per_s (constant) or an exponential draw from `s` (poisson). */
export function gapPs(t: TrafficConfig, m: Streams): Ps {
  const r = t.rate.records_per_s;
  return Math.round((t.rate.process === 'poisson' ? m.traffic.exponential(r) : 1 / r) * PS_PER_S);
}

/** Schedules `fn(arg)` one gap (gapPs, drawn from `s`) from now, unless that lands after `endPs`, when the run stops
 *  first: then nothing is scheduled (the draw is made either way). A sparse flow (records_per_s 10^-4: a 10^4 s gap)
 *  would otherwise ask the kernel for a time beyond its range. */
export function afterGap<A>(k: Kernel, t: TrafficConfig, m: Streams, endPs: Ps, fn: EventFn<A>, arg: A): void {
  const g = gapPs(t, m);
  if (k.now + g <= endPs) k.after(g, fn, arg);
}
