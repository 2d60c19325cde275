// Common part of every block: a kernel Resource (capacity = instances), operation counters, energy accounting
// and conversion of the Resource's statistics into HwBlockStats.
import { HZ_PER_MHZ, PS_PER_NS, PS_PER_S, PS_PER_US, Resource, type Kernel, type Ps, type Dist, type ResourceOptions, type UseDone } from '../sim/index.ts';
import type { BlockCost, Done, HwBlockStats } from './types.ts';

function distUs(d: Dist): Dist {
  return { count: d.count, mean: d.mean / PS_PER_US, p50: d.p50 / PS_PER_US, p90: d.p90 / PS_PER_US, p99: d.p99 / PS_PER_US, max: d.max / PS_PER_US };
}

export class BlockBase {
  readonly name: string;
  readonly kind: string;
  readonly instances: number;
  readonly clockHz: number;
  readonly resource: Resource;
  readonly areaPerInstanceMm2: number;
  readonly staticPerInstanceMw: number;
  protected readonly k: Kernel;
  /** Dynamic energy accumulated in the window, pJ. */
  energyPj = 0;
  /** Payload bytes processed in the window. */
  bytes = 0;
  /** Operation counts by label in the window. */
  readonly ops: Record<string, number> = {};
  protected windowStart: Ps;

  constructor(
    k: Kernel,
    o: { name: string; kind: string; instances: number; clockHz: number; areaMm2: number; staticMw: number; resource?: ResourceOptions },
  ) {
    this.k = k;
    this.name = o.name;
    this.kind = o.kind;
    this.instances = o.instances;
    this.clockHz = o.clockHz;
    this.areaPerInstanceMm2 = o.areaMm2;
    this.staticPerInstanceMw = o.staticMw;
    // FIFO by default; 'priority' (lower value first, FIFO among equals) when the caller asks for it
    this.resource = new Resource(k, { name: o.name, capacity: o.instances, ...o.resource });
    this.windowStart = k.now;
  }

  protected count(label: string): void {
    this.ops[label] = (this.ops[label] ?? 0) + 1;
  }

  /** Extra block-specific counters (cache hits, drops by reason, ...). */
  protected counters(): Record<string, number> | undefined {
    return undefined;
  }

  /** Restart statistics and energy at the current time (end of warm-up). */
  resetStats(): void {
    this.resource.resetStats();
    this.energyPj = 0;
    this.bytes = 0;
    for (const key of Object.keys(this.ops)) delete this.ops[key];
    this.windowStart = this.k.now;
  }

  windowPs(now: Ps = this.k.now): Ps {
    return now - this.windowStart;
  }

  cost(now: Ps = this.k.now): BlockCost {
    const w = this.windowPs(now) / PS_PER_S;
    const staticMw = this.staticPerInstanceMw * this.instances;
    return {
      name: this.name,
      instances: this.instances,
      area_mm2: this.areaPerInstanceMm2 * this.instances,
      static_mw: staticMw,
      dynamic_j: this.energyPj * 1e-12,
      static_j: staticMw * 1e-3 * w,
    };
  }

  stats(now: Ps = this.k.now): HwBlockStats {
    const r = this.resource.stats(now);
    const c = this.cost(now);
    const s: HwBlockStats = {
      name: this.name,
      kind: this.kind,
      instances: this.instances,
      clock_hz: this.clockHz,
      utilization: r.utilization,
      mean_queue: r.meanQueue,
      max_queue: r.maxQueue,
      served: r.served,
      dropped: r.dropped,
      busy_s: (r.meanBusy * this.windowPs(now)) / PS_PER_S,
      wait_us: distUs(r.wait),
      sojourn_us: distUs(r.sojourn),
      bytes: this.bytes,
      energy_j: c.dynamic_j + c.static_j,
      area_mm2: c.area_mm2,
      ops: { ...this.ops },
    };
    const extra = this.counters();
    if (extra) s.counters = extra;
    return s;
  }
}

/** Integer MHz/GHz -> Hz for the kernel Clock (which needs an integer frequency). */
export function hz(mhz: number): number {
  return Math.max(1, Math.round(mhz * HZ_PER_MHZ));
}

/** ns (float) -> integer ps. */
export function nsToPs(ns: number): Ps {
  return Math.round(ns * PS_PER_NS);
}

/** us (float) -> integer ps. */
export function usToPs(us: number): Ps {
  return Math.round(us * PS_PER_US);
}

/** Pooled record carrying a completion callback across a fixed delay. */
export interface DelayRec {
  done: Done | null;
  w: Ps;
  s: Ps;
}

/**
 * Calls `done(waitPs, startPs)` a fixed `delayPs` after a Resource service ends, allocation-free in steady state:
 * `resource.use(ps, delayed.onUse, priority, delayed.wrap(done))`.
 */
export class DelayedDone {
  readonly delayPs: Ps;
  readonly onUse: UseDone<DelayRec>;
  private readonly pool: DelayRec[] = [];
  private readonly fire: (r: DelayRec) => void;

  constructor(k: Kernel, delayPs: Ps) {
    this.delayPs = delayPs;
    this.fire = (r) => {
      const d = r.done!;
      const w = r.w;
      const st = r.s;
      r.done = null;
      this.pool.push(r);
      d(w, st);
    };
    this.onUse = (w, st, r) => {
      r.w = w;
      r.s = st;
      k.after(delayPs, this.fire, r);
    };
  }

  wrap(done: Done): DelayRec {
    const r = this.pool.pop() ?? { done: null, w: 0, s: 0 };
    r.done = done;
    return r;
  }
}
