// Record DMA: moves datagrams/records between the port (or host memory) and engine memory, both directions,
// and fetches/writes back connection contexts on cache misses.
//
// Timing of one transfer of B bytes:
//   1. take one of max_outstanding descriptor slots (shared by both directions; FIFO wait if none is free);
//   2. cross the link of its direction: a capacity-1 Resource held for B x 8 / bandwidth_gbps (FIFO);
//   3. descriptor latency (descriptor_latency_ns: fetch, doorbell, completion), which overlaps with other
//      transfers; then the slot is released and the transfer completes.
// Unloaded latency = B x 8 / bandwidth + descriptor_latency. Sustained throughput per direction
//   = min(bandwidth, max_outstanding x B / (B x 8 / bandwidth + descriptor_latency))   [bits/s, B in bits]
// so small transfers are latency-bound unless enough descriptors are outstanding.
import { PS_PER_NS, type Kernel, type Ps } from '../sim/index.ts';
import { BlockBase, nsToPs } from './block.ts';
import type { DmaParams } from './params.ts';
import type { Done, HwBlockStats } from './types.ts';

export type DmaDirection = 'to-engine' | 'from-engine';

/** Time on the link for `bytes`, ps (rounded up). */
export function dmaLinkPs(p: Pick<DmaParams, 'bandwidth_gbps'>, bytes: number): Ps {
  return Math.ceil((bytes * 8 * PS_PER_NS) / p.bandwidth_gbps);
}

/** Unloaded transfer latency, ps. */
export function dmaLatencyPs(p: Pick<DmaParams, 'bandwidth_gbps' | 'descriptor_latency_ns'>, bytes: number): Ps {
  return dmaLinkPs(p, bytes) + nsToPs(p.descriptor_latency_ns);
}

/** Sustained throughput of back-to-back transfers of `bytes` in one direction, Gbit/s. */
export function dmaThroughputGbps(p: DmaParams, bytes: number): number {
  const t = dmaLatencyPs(p, bytes) / PS_PER_NS; // ns
  return Math.min(p.bandwidth_gbps, (p.max_outstanding * bytes * 8) / t);
}

export class RecordDma {
  readonly params: DmaParams;
  /** Descriptor slots (capacity max_outstanding); its stats show outstanding descriptors and slot waits. */
  readonly slots: BlockBase;
  readonly toEngine: DmaLink;
  readonly fromEngine: DmaLink;
  readonly latencyPs: Ps;
  private readonly k: Kernel;
  private readonly pool: DmaJob[] = [];

  constructor(k: Kernel, p: DmaParams, name = 'dma') {
    this.k = k;
    this.params = p;
    this.latencyPs = nsToPs(p.descriptor_latency_ns);
    this.slots = new BlockBase(k, { name: `${name}_slots`, kind: 'dma', instances: p.max_outstanding, clockHz: 0, areaMm2: 0, staticMw: 0 });
    // area and static power are charged once, on the to-engine link
    this.toEngine = new DmaLink(k, p, `${name}_to_engine`, p.cost.area_mm2, p.cost.static_mw);
    this.fromEngine = new DmaLink(k, p, `${name}_from_engine`, 0, 0);
  }

  /** Moves `bytes` in direction `dir`; done(waitPs, startPs) when the transfer is complete. */
  transfer(bytes: number, dir: DmaDirection, done: Done | null): void {
    const link = dir === 'to-engine' ? this.toEngine : this.fromEngine;
    link.account(bytes);
    const job = this.pool.pop() ?? new DmaJob(this);
    job.link = link;
    job.bytes = bytes;
    job.done = done;
    this.slots.resource.acquire(job.onSlot);
  }

  /** @internal slot granted: cross the link */
  _onSlot(job: DmaJob, waitPs: Ps, token: number): void {
    job.wait = waitPs;
    job.token = token;
    job.link!.resource.use(dmaLinkPs(this.params, job.bytes), job.onLink);
  }

  /** @internal link crossed: descriptor latency */
  _onLink(job: DmaJob, waitPs: Ps, startPs: Ps): void {
    job.wait += waitPs;
    job.start = startPs;
    this.k.after(this.latencyPs, job.onLatency, job);
  }

  /** @internal done: release the slot, recycle the job, complete */
  _onLatency(job: DmaJob): void {
    this.slots.resource.release(job.token);
    const done = job.done;
    const w = job.wait;
    const st = job.start;
    job.done = null;
    job.link = undefined;
    this.pool.push(job);
    if (done !== null) done(w, st);
  }

  resetStats(): void {
    this.slots.resetStats();
    this.toEngine.resetStats();
    this.fromEngine.resetStats();
  }

  /** Link statistics (bandwidth utilisation per direction), with the descriptor-slot figures as counters. */
  stats(now?: Ps): HwBlockStats[] {
    const s = this.slots.stats(now);
    const extra = {
      outstanding_mean: s.utilization * this.params.max_outstanding,
      outstanding_max_queue: s.max_queue,
      slot_wait_p99_us: s.wait_us.p99,
    };
    return [this.toEngine.stats(now), this.fromEngine.stats(now)].map((b) => ({ ...b, counters: { ...b.counters, ...extra } }));
  }
}

export class DmaLink extends BlockBase {
  readonly params: DmaParams;

  constructor(k: Kernel, p: DmaParams, name: string, area: number, staticMw: number) {
    super(k, { name, kind: 'dma', instances: 1, clockHz: 0, areaMm2: area, staticMw });
    this.params = p;
  }

  account(bytes: number): void {
    this.count('transfer');
    this.bytes += bytes;
    this.energyPj += bytes * this.params.cost.energy_pj_per_byte;
  }
}


/** Reusable state of one transfer (pre-bound callbacks: no allocation per transfer in steady state). */
class DmaJob {
  link: DmaLink | undefined = undefined;
  bytes = 0;
  done: Done | null = null;
  wait = 0;
  start = 0;
  token = -1;
  readonly onSlot: (waitPs: Ps, token: number) => void;
  readonly onLink: Done;
  readonly onLatency: (job: DmaJob) => void;
  constructor(d: RecordDma) {
    this.onSlot = (w, t) => d._onSlot(this, w, t);
    this.onLink = (w, s) => d._onLink(this, w, s);
    this.onLatency = (j) => d._onLatency(j);
  }
}
