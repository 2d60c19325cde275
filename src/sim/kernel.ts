// Discrete-event kernel: integer-picosecond time, a typed-array binary heap keyed by (time, sequence number),
// FIFO order for events at equal times, lazy cancellation, and generator-based processes.
//
// Hot path: scheduling and running an event allocate nothing. The heap holds (time, seq, slot) in three parallel
// typed arrays; the callback and its argument live in per-slot arrays that are reused through a free list.
import { SimError, SimTimeError } from './errors.ts';
import { Process, type ProcessGen, stepProcess } from './process.ts';
import { MAX_TIME, type Ps, checkPs } from './time.ts';
import { FRONT_SPAN, GEN_MASK, SEQ_LIMIT, SLOT_MAX, renumbered, siftDown, slotOf } from './event-heap.ts';

export { Process, Signal, type Awaitable, type ProcessGen, type Yieldable } from './process.ts';
export { MAX_TIME, type Ps, checkPs } from './time.ts';

/** Handle returned by `at`/`after`, accepted by `cancel`. Unique among live events (see docs/kernel.md). */
export type EventId = number;
export type EventFn<A = any> = (arg: A) => void;



export interface RunOptions {
  /** Run events with time <= until; afterwards `now` = until (unless stopped earlier). */
  until?: Ps;
  /** Checked after each event; the run stops as soon as it returns true. */
  stop?: () => boolean;
}

export type TraceHook = (time: Ps, id: EventId, fn: EventFn) => void;

export class Kernel {
  private _now: Ps = 0;
  // heap (entries: time, seq, slot)
  private hT: Float64Array;
  private hK: Float64Array;
  private size = 0;
  // slots
  private fns: (EventFn | null)[];
  private args: unknown[];
  private gen: Int32Array;
  private free: Int32Array;
  private freeTop = 0;
  private slotCount = 0;
  private cap: number;
  private seq = 0;
  private frontSeq = 0;
  private live = 0;
  private dead = 0; // cancelled entries still in the heap
  private running = false;
  private stopFlag = false;
  /** Number of events executed so far (cancelled events are not counted). */
  executed = 0;
  /** Optional trace hook, called before every executed event. */
  onEvent: TraceHook | null = null;

  private readonly compactAfter: number;

  /** initialCapacity: heap pre-size. compactAfter: minimum number of cancelled entries before a compaction
   *  (default 1024; compaction also needs them to be more than half the heap). */
  constructor(opts: { initialCapacity?: number; compactAfter?: number } = {}) {
    this.compactAfter = Math.max(1, opts.compactAfter ?? 1024);
    const cap = Math.max(16, Math.min(SLOT_MAX, opts.initialCapacity ?? 1024));
    this.cap = cap;
    this.hT = new Float64Array(cap);
    this.hK = new Float64Array(cap);
    this.fns = new Array(cap).fill(null);
    this.args = new Array(cap).fill(undefined);
    this.gen = new Int32Array(cap);
    this.free = new Int32Array(cap);
  }

  /** Current simulated time in ps. */
  get now(): Ps {
    return this._now;
  }

  /** Number of live (scheduled, not cancelled, not yet run) events. */
  get pending(): number {
    return this.live;
  }

  /** Schedule `fn(arg)` at absolute time `t` (>= now). Events at equal times run in scheduling order. */
  at<A>(t: Ps, fn: EventFn<A>, arg?: A): EventId {
    if (!(t >= this._now && t <= MAX_TIME && Number.isInteger(t))) {
      if (t < this._now && Number.isInteger(t)) throw new SimTimeError(`cannot schedule at ${t} ps: now is ${this._now} ps`);
      checkPs(t);
    }
    return this.push(t, fn, arg);
  }

  /**
   * Schedule `fn(arg)` at absolute time `t` (>= now) ahead of every event scheduled with `at`/`after` for that time,
   * whenever those were scheduled; events scheduled with `atFirst` for one time run in scheduling order. (For input
   * fed one at a time, e.g. a trace's arrivals, that must run before the model's own events of the same instant.)
   */
  atFirst<A>(t: Ps, fn: EventFn<A>, arg?: A): EventId {
    if (!(t >= this._now && t <= MAX_TIME && Number.isInteger(t))) {
      if (t < this._now && Number.isInteger(t)) throw new SimTimeError(`cannot schedule at ${t} ps: now is ${this._now} ps`);
      checkPs(t);
    }
    return this.push(t, fn, arg, true);
  }

  /** Schedule `fn(arg)` after a delay of `dt` ps (an integer >= 0). */
  after<A>(dt: Ps, fn: EventFn<A>, arg?: A): EventId {
    const t = this._now + dt;
    if (!(dt >= 0 && t <= MAX_TIME && Number.isInteger(dt))) {
      checkPs(dt, 'delay');
      throw new SimTimeError(`now + delay = ${this._now} + ${dt} ps exceeds ${MAX_TIME} ps`);
    }
    return this.push(t, fn, arg);
  }

  /** Cancel a pending event. Returns true if it was pending (and now will not run), false otherwise. */
  cancel(id: EventId): boolean {
    if (!Number.isInteger(id) || id < 0) return false;
    const slot = id % SLOT_MAX;
    const g = (id - slot) / SLOT_MAX;
    if (slot >= this.slotCount || this.gen[slot] !== g || this.fns[slot] === null) return false;
    this.fns[slot] = null;
    this.args[slot] = undefined;
    this.gen[slot] = (g + 1) & GEN_MASK;
    this.live--;
    // the heap entry stays and is discarded when it reaches the top, unless dead entries pile up (timers that are
    // re-armed far more often than they fire): then the heap is rebuilt without them, O(n) amortised over n/2
    // cancels. The pop order is a total order on (time, seq), so this does not change what runs when.
    if (++this.dead >= this.compactAfter && this.dead * 2 > this.size) this.compact();
    return true;
  }

  /** Heap entries including cancelled ones not yet discarded (diagnostics). */
  get heapSize(): number {
    return this.size;
  }

  private compact(): void {
    const hT = this.hT;
    const hK = this.hK;
    let n = 0;
    for (let i = 0; i < this.size; i++) {
      const slot = slotOf(hK[i]);
      if (this.fns[slot] === null) {
        this.free[this.freeTop++] = slot;
        continue;
      }
      hT[n] = hT[i];
      hK[n] = hK[i];
      n++;
    }
    this.size = n;
    this.dead = 0;
    for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(hT, hK, n, i, hT[i], hK[i]);
  }

  /** Time of the next live event, or undefined if none. */
  nextTime(): Ps | undefined {
    this.dropCancelledHead();
    return this.size > 0 ? this.hT[0] : undefined;
  }

  /** Ask a running `run()` to return after the current event. */
  stop(): void {
    this.stopFlag = true;
  }

  /** A delay for a process: `yield k.timeout(dt)` is the same as `yield dt`. */
  timeout(dt: Ps): Ps {
    return dt;
  }

  /** Start a process (a generator, or a generator function called with no arguments) at the current time. The first
   *  step runs as an event at `now` (after already-scheduled events at `now`). */
  spawn<R>(g: ProcessGen<R> | (() => ProcessGen<R>), name?: string): Process<R> {
    const gen = typeof g === 'function' ? g() : g;
    const p = new Process<R>(this, gen, name);
    this.after(0, stepProcess, p);
    return p;
  }

  /**
   * Run events. With no options: until the queue is empty. `until`: events at exactly `until` still run, and `now`
   * equals `until` afterwards. `stop`: checked after each event. Returns the number of events executed.
   */
  run(opts?: RunOptions): number {
    if (this.running) throw new SimError('Kernel.run() is not re-entrant');
    let until = MAX_TIME;
    let stop: (() => boolean) | undefined;
    if (opts !== undefined) {
      if (opts.until !== undefined) {
        checkPs(opts.until, 'until');
        if (opts.until < this._now) throw new SimTimeError(`until ${opts.until} ps is before now ${this._now} ps`);
        until = opts.until;
      }
      stop = opts.stop;
    }
    this.running = true;
    this.stopFlag = false;
    let count = 0;
    let stopped = false;
    try {
      if (stop === undefined && this.onEvent === null) {
        count = this.loopFast(until);
        stopped = this.stopFlag;
      } else {
        while (this.size > 0) {
          const t = this.hT[0];
          if (t > until) break;
          const slot = slotOf(this.hK[0]);
          this.popHead();
          const fn = this.fns[slot];
          if (fn === null) {
            this.free[this.freeTop++] = slot;
            this.dead--;
            continue;
          }
          const arg = this.args[slot];
          const id = this.gen[slot] * SLOT_MAX + slot;
          this.release(slot);
          this._now = t;
          if (this.onEvent !== null) this.onEvent(t, id, fn);
          fn(arg);
          count++;
          if (this.stopFlag || (stop !== undefined && stop())) {
            stopped = true;
            break;
          }
        }
      }
    } finally {
      this.running = false;
      this.executed += count;
    }
    if (!stopped && opts?.until !== undefined && this._now < until) this._now = until;
    return count;
  }

  private loopFast(until: Ps): number {
    let count = 0;
    while (this.size > 0) {
      const t = this.hT[0];
      if (t > until) break;
      const slot = slotOf(this.hK[0]);
      this.popHead();
      const fn = this.fns[slot];
      if (fn === null) {
        this.free[this.freeTop++] = slot;
        this.dead--;
        continue;
      }
      const arg = this.args[slot];
      this.fns[slot] = null;
      this.args[slot] = undefined;
      this.gen[slot] = (this.gen[slot] + 1) & GEN_MASK;
      this.free[this.freeTop++] = slot;
      this.live--;
      this._now = t;
      fn(arg);
      count++;
      if (this.stopFlag) break;
    }
    return count;
  }

  private release(slot: number): void {
    this.fns[slot] = null;
    this.args[slot] = undefined;
    this.gen[slot] = (this.gen[slot] + 1) & GEN_MASK;
    this.free[this.freeTop++] = slot;
    this.live--;
  }

  private dropCancelledHead(): void {
    while (this.size > 0 && this.fns[slotOf(this.hK[0])] === null) {
      const slot = slotOf(this.hK[0]);
      this.popHead();
      this.free[this.freeTop++] = slot;
      this.dead--;
    }
  }

  private push(t: Ps, fn: EventFn, arg: unknown, front = false): EventId {
    let slot: number;
    if (this.freeTop > 0) slot = this.free[--this.freeTop];
    else {
      if (this.slotCount >= this.cap) this.grow();
      slot = this.slotCount++;
    }
    if (this.size >= this.cap) this.grow();
    this.fns[slot] = fn;
    this.args[slot] = arg;
    this.live++;
    if (this.seq >= SEQ_LIMIT || this.frontSeq >= FRONT_SPAN) this.renumber();
    const hT = this.hT;
    const hK = this.hK;
    let i = this.size++;
    let key: number;
    if (!front) {
      key = this.seq++ * SLOT_MAX + slot;
      // sift up; the new entry has the largest seq so far, so an equal time never moves it above its parent
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pt = hT[p];
        if (pt <= t) break;
        hT[i] = pt;
        hK[i] = hK[p];
        i = p;
      }
    } else {
      key = (this.frontSeq++ - FRONT_SPAN) * SLOT_MAX + slot;
      // sift up by (time, key): it goes above later-keyed entries of its time
      while (i > 0) {
        const p = (i - 1) >> 1;
        const pt = hT[p];
        if (pt < t || (pt === t && hK[p] < key)) break;
        hT[i] = pt;
        hK[i] = hK[p];
        i = p;
      }
    }
    hT[i] = t;
    hK[i] = key;
    return this.gen[slot] * SLOT_MAX + slot;
  }

  private popHead(): void {
    const n = --this.size;
    if (n > 0) siftDown(this.hT, this.hK, n, 0, this.hT[n], this.hK[n]);
  }

  /** Sequence numbers reached SEQ_LIMIT (or FRONT_SPAN for atFirst): give pending entries new sequence numbers
   *  0..n-1 in (time, key) order, atFirst ones staying negative. A sorted array is a valid heap, so it is written
   *  back as is. Runs once every ~2^31 scheduled events. */
  private renumber(): void {
    [this.hT, this.hK] = renumbered(this.hT, this.hK, this.size, this.cap);
    this.seq = this.size;
    this.frontSeq = this.size;
  }

  /** @internal test hook: pretend `n` events were scheduled already (exercises renumber()). */
  _setSeqForTest(n: number, front = this.frontSeq): void {
    this.seq = n;
    this.frontSeq = front;
  }

  private grow(): void {
    if (this.cap >= SLOT_MAX) throw new SimError(`more than ${SLOT_MAX} events pending`);
    const cap = Math.min(SLOT_MAX, this.cap * 2);
    const hT = new Float64Array(cap);
    hT.set(this.hT);
    const hK = new Float64Array(cap);
    hK.set(this.hK);
    const gen = new Int32Array(cap);
    gen.set(this.gen);
    const free = new Int32Array(cap);
    free.set(this.free);
    for (let i = this.cap; i < cap; i++) {
      this.fns.push(null);
      this.args.push(undefined);
    }
    this.hT = hT;
    this.hK = hK;
    this.gen = gen;
    this.free = free;
    this.cap = cap;
  }
}
