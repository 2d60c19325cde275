// Resource: N identical servers with a FIFO or priority queue, optional bounded queue (drop or block), and
// statistics about itself (utilisation, queue length, waits, sojourns, counters).
import { type Awaitable, type Kernel, type Process, type Ps, checkPs } from './kernel.ts';
import { SimError } from './errors.ts';
import { type Dist, Histogram, TimeWeighted } from './stats.ts';
import { WaitQueue } from './wait-queue.ts';

export type Discipline = 'fifo' | 'priority';
export type OnFull = 'drop' | 'block';

export interface ResourceOptions {
  name?: string;
  /** Number of identical servers (integer >= 1, or Infinity for a pure delay). Default 1. */
  capacity?: number;
  /** 'fifo' (default) or 'priority': lower priority value served first, ties in arrival order. */
  discipline?: Discipline;
  /** Maximum number of waiting requests (not counting those in service). Default Infinity. */
  queueLimit?: number;
  /** What happens to a request arriving at a full queue: 'drop' (default; counted, `use` returns false) or 'block'
   *  (the request waits in a FIFO admission list and enters the queue when a place frees; counted in `blocked`). */
  onFull?: OnFull;
}

export interface ResourceStats {
  name: string;
  capacity: number;
  /** Time-weighted mean of busy servers / capacity over the statistics window (0 for capacity Infinity). */
  utilization: number;
  /** Time-weighted mean number of busy servers. */
  meanBusy: number;
  /** Time-weighted mean number of waiting requests (admission list excluded). */
  meanQueue: number;
  maxQueue: number;
  /** Time-weighted mean length of the admission list (onFull 'block'). */
  meanBlocked: number;
  arrivals: number;
  served: number;
  dropped: number;
  blocked: number;
  /** Arrival to start of service (ps); includes time in the admission list. */
  wait: Dist;
  /** Arrival to end of service (ps). */
  sojourn: Dist;
}

export type UseDone<A = any> = (waitPs: Ps, startPs: Ps, arg: A) => void;
export type AcquireCb = (waitPs: Ps, token: number) => void;

const K_USE = 0;
const K_ACQ = 1;
const K_PROC = 2;

/**
 * N identical servers. Three equivalent ways to use it:
 *   r.use(servicePs, done, priority?)       // hot path: wait, hold servicePs, release, then done(waitPs, startPs)
 *   r.acquire((waitPs, token) => ..., prio) // callback form; later r.release(token)
 *   const token = yield r.request(prio)     // process form; later r.release(token)
 * A free server is granted synchronously (acquire callback runs inside acquire()).
 */
export class Resource {
  readonly name: string;
  readonly capacity: number;
  readonly discipline: Discipline;
  readonly queueLimit: number;
  readonly onFull: OnFull;
  private readonly k: Kernel;

  /** Waiting requests: the queue and the admission list (onFull 'block'), ./wait-queue.ts. */
  private readonly w: WaitQueue;

  // servers in use (tokens): per-token state
  private busy = 0;
  private sArrival: number[] = [];
  private sStart: number[] = [];
  private sDone: (Function | null)[] = [];
  private sArg: unknown[] = [];
  private sFree: number[] = [];
  private held: number[] = []; // tokens held through acquire/request, in grant order

  // statistics
  private busyTw: TimeWeighted;
  private queueTw: TimeWeighted;
  private admTw: TimeWeighted;
  private waitH = new Histogram();
  private sojournH = new Histogram();
  private arrivals = 0;
  private served = 0;
  private dropped = 0;
  private blocked = 0;
  private readonly complete: (token: number) => void;

  constructor(kernel: Kernel, opts: ResourceOptions = {}) {
    this.k = kernel;
    this.name = opts.name ?? 'resource';
    const cap = opts.capacity ?? 1;
    if (!(cap === Infinity || (Number.isInteger(cap) && cap >= 1))) {
      throw new SimError(`Resource ${this.name}: capacity must be an integer >= 1 or Infinity, got ${cap}`);
    }
    this.capacity = cap;
    this.discipline = opts.discipline ?? 'fifo';
    if (this.discipline !== 'fifo' && this.discipline !== 'priority') {
      throw new SimError(`Resource ${this.name}: discipline must be 'fifo' or 'priority'`);
    }
    const ql = opts.queueLimit ?? Infinity;
    if (!(ql === Infinity || (Number.isInteger(ql) && ql >= 0))) {
      throw new SimError(`Resource ${this.name}: queueLimit must be an integer >= 0 or Infinity, got ${ql}`);
    }
    this.queueLimit = ql;
    this.onFull = opts.onFull ?? 'drop';
    if (this.onFull !== 'drop' && this.onFull !== 'block') {
      throw new SimError(`Resource ${this.name}: onFull must be 'drop' or 'block'`);
    }
    // a blocked request enters the queue when a place frees (docs/kernel.md): with no place at all it would wait for
    // ever while the servers idle (a review found that deadlock)
    if (this.onFull === 'block' && ql === 0) throw new SimError(`Resource ${this.name}: onFull 'block' needs a queueLimit >= 1`);
    this.w = new WaitQueue(this.discipline === 'fifo');
    const t = kernel.now;
    this.busyTw = new TimeWeighted(t, 0);
    this.queueTw = new TimeWeighted(t, 0);
    this.admTw = new TimeWeighted(t, 0);
    this.complete = (token: number) => this.onComplete(token);
  }

  /** Servers busy now. */
  get inService(): number {
    return this.busy;
  }
  /** Requests waiting now (admission list excluded). */
  get queueLength(): number {
    return this.w.len;
  }
  /** Requests in the admission list now (onFull 'block'). */
  get blockedLength(): number {
    return this.w.admLen;
  }

  /**
   * Acquire a server, hold it for `servicePs`, release it, then call `done(waitPs, startPs, arg)` at the end of
   * service. Passing context through `arg` (instead of a fresh closure) keeps the call allocation-free.
   * Returns false if the request was dropped (queue full, onFull 'drop'), true otherwise.
   */
  use<A = undefined>(servicePs: Ps, done: UseDone<A> | null, priority = 0, arg?: A): boolean {
    checkPs(servicePs, 'service time');
    const now = this.k.now;
    this.arrivals++;
    if (this.busy < this.capacity) {
      this.startUse(servicePs, done, now, now, arg);
      return true;
    }
    return this.enqueue(K_USE, done, arg, servicePs, now, priority);
  }

  /** Callback form: `cb(waitPs, token)` when a server is granted (synchronously if one is free). Call
   *  `release(token)` when done. Returns false if dropped. */
  acquire(cb: AcquireCb, priority = 0): boolean {
    const now = this.k.now;
    this.arrivals++;
    if (this.busy < this.capacity) {
      const tok = this.grantHeld(now, now);
      cb(0, tok);
      return true;
    }
    return this.enqueue(K_ACQ, cb, undefined, -1, now, priority);
  }

  /** Process form: `const token = yield r.request(priority)`; later `r.release(token)`. If the request is dropped
   *  the yield evaluates to -1. */
  request(priority = 0): Awaitable {
    return new ResourceRequest(this, priority);
  }

  /** @internal used by ResourceRequest */
  _requestFor(p: Process, priority: number): boolean {
    const now = this.k.now;
    this.arrivals++;
    if (this.busy < this.capacity) {
      p.value = this.grantHeld(now, now);
      return true;
    }
    if (!this.enqueue(K_PROC, null, p, -1, now, priority)) {
      p.value = -1;
      return true;
    }
    return false;
  }

  /** Release a server obtained with acquire/request. Without a token, the longest-held one is released. */
  release(token?: number): void {
    const held = this.held;
    let idx: number;
    if (token === undefined) idx = held.length > 0 ? 0 : -1;
    else idx = held.indexOf(token);
    if (idx < 0) throw new SimError(`Resource ${this.name}: release(${token ?? ''}) without a matching acquire`);
    const tok = held[idx];
    for (let i = idx + 1; i < held.length; i++) held[i - 1] = held[i]; // keep grant order, no allocation
    held.pop();
    const now = this.k.now;
    this.sojournH.add(now - this.sArrival[tok]);
    this.served++;
    this.freeServer(tok, now);
  }

  /** Restart the statistics window at the current time (e.g. after a warm-up). Counters and histograms restart. */
  resetStats(): void {
    const t = this.k.now;
    this.busyTw.reset(t);
    this.queueTw.reset(t);
    this.admTw.reset(t);
    this.waitH.reset();
    this.sojournH.reset();
    this.arrivals = 0;
    this.served = 0;
    this.dropped = 0;
    this.blocked = 0;
  }

  /** Histograms (ps) of waits and sojourns, for merging or plotting. */
  get waitHistogram(): Histogram {
    return this.waitH;
  }
  get sojournHistogram(): Histogram {
    return this.sojournH;
  }

  stats(now: Ps = this.k.now): ResourceStats {
    const meanBusy = this.busyTw.mean(now);
    return {
      name: this.name,
      capacity: this.capacity,
      utilization: this.capacity === Infinity ? 0 : meanBusy / this.capacity,
      meanBusy,
      meanQueue: this.queueTw.mean(now),
      maxQueue: this.queueTw.max,
      meanBlocked: this.admTw.mean(now),
      arrivals: this.arrivals,
      served: this.served,
      dropped: this.dropped,
      blocked: this.blocked,
      wait: this.waitH.summary(),
      sojourn: this.sojournH.summary(),
    };
  }

  // ---- internals ----

  private allocToken(): number {
    if (this.sFree.length > 0) return this.sFree.pop()!;
    const t = this.sArrival.length;
    this.sArrival.push(0);
    this.sStart.push(0);
    this.sDone.push(null);
    this.sArg.push(undefined);
    return t;
  }

  private startUse(service: Ps, done: Function | null, arrival: Ps, now: Ps, arg: unknown): void {
    const tok = this.allocToken();
    this.busyTw.set(now, ++this.busy);
    this.sArrival[tok] = arrival;
    this.sStart[tok] = now;
    this.sDone[tok] = done;
    this.sArg[tok] = arg;
    this.waitH.add(now - arrival);
    this.k.after(service, this.complete, tok);
  }

  private grantHeld(arrival: Ps, now: Ps): number {
    const tok = this.allocToken();
    this.busyTw.set(now, ++this.busy);
    this.sArrival[tok] = arrival;
    this.sStart[tok] = now;
    this.held.push(tok);
    this.waitH.add(now - arrival);
    return tok;
  }

  private onComplete(tok: number): void {
    const now = this.k.now;
    const arrival = this.sArrival[tok];
    const start = this.sStart[tok];
    const done = this.sDone[tok] as UseDone | null;
    const arg = this.sArg[tok];
    this.sDone[tok] = null;
    this.sArg[tok] = undefined;
    this.sojournH.add(now - arrival);
    this.served++;
    this.freeServer(tok, now);
    if (done !== null) done(start - arrival, start, arg);
  }

  private freeServer(tok: number, now: Ps): void {
    this.sFree.push(tok);
    this.busyTw.set(now, --this.busy);
    if (this.w.len > 0) this.startNext(now);
  }

  private startNext(now: Ps): void {
    const w = this.w;
    const e = this.dequeue(now);
    const kind = w.kind[e];
    const cb = w.cb[e];
    const arg = w.arg[e];
    const arrival = w.time[e];
    const service = w.service[e];
    w.release(e);
    if (kind === K_USE) {
      this.startUse(service, cb, arrival, now, arg);
    } else {
      const tok = this.grantHeld(arrival, now);
      if (kind === K_ACQ) (cb as AcquireCb)(now - arrival, tok);
      else (arg as Process).resumeLater(tok);
    }
  }

  private enqueue(kind: number, cb: Function | null, arg: unknown, service: number, now: Ps, prio: number): boolean {
    if (!Number.isFinite(prio)) throw new SimError(`Resource ${this.name}: priority must be a finite number`);
    const w = this.w;
    const full = w.len >= this.queueLimit;
    if (full && this.onFull === 'drop') {
      this.dropped++;
      return false;
    }
    const e = w.add(kind, cb, arg, service, now, prio);
    if (full) {
      this.blocked++;
      w.admit(e);
      this.admTw.set(now, w.admLen);
      return true;
    }
    w.push(e);
    this.queueTw.set(now, w.len);
    return true;
  }

  /** The next waiting entry, the oldest blocked one (if any) moving into the freed place of the queue. */
  private dequeue(now: Ps): number {
    const w = this.w;
    const e = w.pop();
    this.queueTw.set(now, w.len);
    if (w.admLen > 0) {
      const a = w.unadmit();
      this.admTw.set(now, w.admLen);
      w.push(a);
      this.queueTw.set(now, w.len);
    }
    return e;
  }
}

class ResourceRequest implements Awaitable {
  constructor(
    private readonly r: Resource,
    private readonly prio: number,
  ) {}
  _await(p: Process): boolean {
    return this.r._requestFor(p, this.prio);
  }
}
