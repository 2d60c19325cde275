// Store: a bounded FIFO of items between producers and consumers (callback and process forms), with statistics.
import type { Awaitable, Kernel, Process, Ps } from './kernel.ts';
import { SimError } from './errors.ts';
import { type Dist, Histogram, TimeWeighted } from './stats.ts';

export interface StoreOptions {
  name?: string;
  /** Maximum number of items held (integer >= 0 or Infinity; default Infinity). 0 = rendezvous. */
  capacity?: number;
  /** A put into a full store: 'block' (default; the putter waits in FIFO order) or 'drop' (counted, put -> false). */
  onFull?: 'block' | 'drop';
}

export interface StoreStats {
  name: string;
  capacity: number;
  /** Time-weighted mean number of items held. */
  meanLevel: number;
  maxLevel: number;
  puts: number;
  gets: number;
  dropped: number;
  /** Puts that had to wait for space. */
  blockedPuts: number;
  /** Time from get() to receiving an item (ps). */
  getWait: Dist;
  /** Time from put() to the item being accepted (ps; 0 unless blocked). */
  putWait: Dist;
}

/** Minimal growable FIFO ring. */
class Ring<T> {
  private a: (T | undefined)[] = new Array(16);
  private head = 0;
  length = 0;
  push(x: T): void {
    if (this.length === this.a.length) {
      const b: (T | undefined)[] = new Array(this.a.length * 2);
      for (let i = 0; i < this.length; i++) b[i] = this.a[(this.head + i) % this.a.length];
      this.a = b;
      this.head = 0;
    }
    this.a[(this.head + this.length++) % this.a.length] = x;
  }
  shift(): T {
    const x = this.a[this.head] as T;
    this.a[this.head] = undefined;
    this.head = (this.head + 1) % this.a.length;
    this.length--;
    return x;
  }
  peek(): T {
    return this.a[this.head] as T;
  }
}

type Getter<T> = { cb: ((item: T) => void) | null; p: Process | null; t: Ps };
type Putter<T> = { item: T; cb: (() => void) | null; p: Process | null; t: Ps };

export class Store<T = unknown> {
  readonly name: string;
  readonly capacity: number;
  readonly onFull: 'block' | 'drop';
  private readonly k: Kernel;
  private items = new Ring<T>();
  private getters = new Ring<Getter<T>>();
  private putters = new Ring<Putter<T>>();
  private level: TimeWeighted;
  private getWaitH = new Histogram();
  private putWaitH = new Histogram();
  private puts = 0;
  private gets = 0;
  private dropped = 0;
  private blockedPuts = 0;

  constructor(kernel: Kernel, opts: StoreOptions = {}) {
    this.k = kernel;
    this.name = opts.name ?? 'store';
    const cap = opts.capacity ?? Infinity;
    if (!(cap === Infinity || (Number.isInteger(cap) && cap >= 0))) {
      throw new SimError(`Store ${this.name}: capacity must be an integer >= 0 or Infinity, got ${cap}`);
    }
    this.capacity = cap;
    this.onFull = opts.onFull ?? 'block';
    if (this.onFull !== 'block' && this.onFull !== 'drop') throw new SimError(`Store ${this.name}: onFull must be 'block' or 'drop'`);
    this.level = new TimeWeighted(kernel.now, 0);
  }

  /** Items held now. */
  get size(): number {
    return this.items.length;
  }

  /**
   * Offer an item. Accepted at once if a getter is waiting or there is room (`accepted()` runs synchronously);
   * otherwise 'block' queues the putter (`accepted()` later) and 'drop' counts a drop. Returns false only if dropped.
   */
  put(item: T, accepted?: () => void): boolean {
    return this.doPut(item, accepted ?? null, null);
  }

  /** Take the oldest item: `cb(item)` synchronously if one is available, else when one arrives (waiting getters are
   *  served in FIFO order). */
  get(cb: (item: T) => void): void {
    this.doGet(cb, null);
  }

  /** Take an item if one is available now. */
  tryGet(): T | undefined {
    if (this.items.length === 0) {
      if (this.putters.length > 0 && this.capacity === 0) {
        const pt = this.putters.shift();
        this.acceptPutter(pt);
        this.gets++;
        this.getWaitH.add(0);
        return pt.item;
      }
      return undefined;
    }
    let out: T | undefined;
    this.doGet((x) => (out = x), null);
    return out;
  }

  /** Process form: `const ok = yield store.waitPut(item)` (false if dropped). */
  waitPut(item: T): Awaitable {
    return { _await: (p: Process) => this.awaitPut(item, p) };
  }

  /** Process form: `const item = yield store.waitGet()`. */
  waitGet(): Awaitable {
    return { _await: (p: Process) => this.awaitGet(p) };
  }

  stats(now: Ps = this.k.now): StoreStats {
    return {
      name: this.name,
      capacity: this.capacity,
      meanLevel: this.level.mean(now),
      maxLevel: this.level.max,
      puts: this.puts,
      gets: this.gets,
      dropped: this.dropped,
      blockedPuts: this.blockedPuts,
      getWait: this.getWaitH.summary(),
      putWait: this.putWaitH.summary(),
    };
  }

  // ---- internals ----

  private awaitPut(item: T, p: Process): boolean {
    const before = this.putters.length;
    const ok = this.doPut(item, null, p);
    if (!ok) {
      p.value = false;
      return true;
    }
    if (this.putters.length > before) return false; // queued: resumed with true when accepted
    p.value = true;
    return true;
  }

  private awaitGet(p: Process): boolean {
    let got = false;
    let v: T | undefined;
    this.doGet(
      (x) => {
        got = true;
        v = x;
      },
      p,
      true,
    );
    if (got) {
      p.value = v;
      return true;
    }
    return false;
  }

  private doPut(item: T, cb: (() => void) | null, p: Process | null): boolean {
    const now = this.k.now;
    if (this.getters.length > 0) {
      // hand over directly
      this.puts++;
      this.putWaitH.add(0);
      const g = this.getters.shift();
      this.deliver(g, item, now);
      if (cb !== null) cb();
      return true;
    }
    if (this.items.length < this.capacity) {
      this.puts++;
      this.putWaitH.add(0);
      this.items.push(item);
      this.level.set(now, this.items.length);
      if (cb !== null) cb();
      return true;
    }
    if (this.onFull === 'drop') {
      this.dropped++;
      return false;
    }
    this.blockedPuts++;
    this.putters.push({ item, cb, p, t: now });
    return true;
  }

  private doGet(cb: (item: T) => void, p: Process | null, syncOnly = false): void {
    const now = this.k.now;
    if (this.items.length > 0) {
      const item = this.items.shift();
      this.gets++;
      this.getWaitH.add(0);
      // a place freed: admit the oldest blocked putter
      if (this.putters.length > 0) {
        const pt = this.putters.shift();
        this.items.push(pt.item);
        this.acceptPutter(pt);
      }
      this.level.set(now, this.items.length);
      cb(item);
      return;
    }
    if (this.putters.length > 0) {
      // capacity 0 (rendezvous): take straight from the oldest putter
      const pt = this.putters.shift();
      this.gets++;
      this.getWaitH.add(0);
      this.acceptPutter(pt);
      cb(pt.item);
      return;
    }
    this.getters.push({ cb: syncOnly ? null : cb, p, t: now });
  }

  private acceptPutter(pt: Putter<T>): void {
    this.puts++;
    this.putWaitH.add(this.k.now - pt.t);
    if (pt.p !== null) pt.p.resumeLater(true);
    else if (pt.cb !== null) pt.cb();
  }

  private deliver(g: Getter<T>, item: T, now: Ps): void {
    this.gets++;
    this.getWaitH.add(now - g.t);
    if (g.p !== null) g.p.resumeLater(item);
    else if (g.cb !== null) g.cb(item);
  }
}
