// The co-simulation's time series: every `timeseries_interval_ms` of simulated time after warm-up, one row with the
// payload delivered and handshakes completed in the interval, the established connections, and each block's
// utilisation and mean queue over the interval (timeseries.csv, docs/outputs.md).
import { PS_PER_S, type Kernel, type Ps } from '../sim/index.ts';
import type { Platform } from '../hw/index.ts';
import type { Accounts } from './accounts.ts';

export interface TickRow {
  t: Ps;
  payload: number;
  handshakes: number;
  active: number;
  busy: Record<string, number>; // utilisation over the interval
  queue: Record<string, number>; // mean waiting requests over the interval
}

/** What the series samples besides the blocks and the accounts (server-app.ts ServerApp). */
export interface TickSource {
  /** Established connections now. */
  readonly established: number;
  /** Called at every row: samples per-connection state (buffers held). */
  sampleHeld(): void;
}

interface BlockSample {
  /** Busy time so far, ps. */
  busy: number;
  /** Time-integral of the queue length so far, ps. */
  area: number;
  instances: number;
}

const NONE: BlockSample = { busy: 0, area: 0, instances: 0 };

export class TimeSeries {
  readonly rows: TickRow[] = [];
  private prev = new Map<string, BlockSample>();
  private readonly tickFn = (): void => this.tick();

  constructor(
    private readonly k: Kernel,
    private readonly hw: Platform,
    private readonly acc: Accounts,
    private readonly source: TickSource,
    readonly intervalPs: Ps,
    private readonly warmupPs: Ps,
    private readonly endPs: Ps,
    /** Called at every interval, rows or not (progress). */
    private readonly onTick: (now: Ps) => void,
  ) {}

  /** Schedules the first interval's end. */
  start(): void {
    this.k.after(this.intervalPs, this.tickFn);
  }

  private snapshot(): Map<string, BlockSample> {
    const m = new Map<string, BlockSample>();
    const now = this.k.now;
    const w = now - (this.warmupPs < now ? this.warmupPs : now);
    for (const b of this.hw.stats()) m.set(b.name, { busy: b.busy_s * PS_PER_S, area: b.mean_queue * w, instances: b.instances });
    return m;
  }

  private tick(): void {
    const { k, acc, intervalPs } = this;
    const now = k.now;
    if (now > this.warmupPs) {
      const snap = this.snapshot();
      const busy: Record<string, number> = {};
      const queue: Record<string, number> = {};
      for (const [name, v] of snap) {
        const p = this.prev.get(name) ?? NONE;
        busy[name] = v.instances > 0 ? Math.max(0, (v.busy - p.busy) / (v.instances * intervalPs)) : 0;
        queue[name] = Math.max(0, (v.area - p.area) / intervalPs);
      }
      this.prev = snap;
      this.rows.push({ t: now, payload: acc.intervalPayload, handshakes: acc.intervalHandshakes, active: this.source.established, busy, queue });
      this.source.sampleHeld();
    }
    acc.intervalPayload = 0;
    acc.intervalHandshakes = 0;
    this.onTick(now);
    if (k.pending > 0 && now + intervalPs <= this.endPs) k.after(intervalPs, this.tickFn);
  }
}
