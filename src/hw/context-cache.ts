// Connection-context cache: per-connection keys/IVs/sn keys/epochs/replay window held on the accelerator.
// LRU over connection ids, O(1) per access (a linked list in recency order over typed arrays indexed by id: a touch
// moves an id to the most recent end, the head is the least recently used).
//
// Timing of access(conn): a lookup port (Resource, capacity = ports) is held for hit_ns. On a miss the context is
// then fetched over the DMA (to-engine, context_bytes); if the cache was full the LRU context is evicted and
// written back over the DMA (from-engine, context_bytes) off the critical path. capacity 0 = no cache: every
// access is a miss and nothing is kept. A hit on a context whose fetch is still in flight (a second datagram of a
// connection right behind the one that missed) holds the lookup port for hit_ns and then waits for that fetch: the
// context is not on the accelerator before it arrives.
import type { Kernel, Ps } from '../sim/index.ts';
import { BlockBase, nsToPs } from './block.ts';
import type { RecordDma } from './dma.ts';
import type { ContextCacheParams } from './params.ts';
import type { Done } from './types.ts';

/** Pure LRU set of connection ids (no timing): a doubly linked list in recency order over typed arrays indexed by id
 *  (ids are small dense integers: the server application numbers its connections), so a touch allocates nothing
 *  and 10^6 ids cost ~9 bytes each instead of a Map entry. */
export class LruSet {
  readonly capacity: number;
  /** Neighbours towards the least (prev) and most (next) recently used end; -1 at the ends. */
  private prev = new Int32Array(64);
  private next = new Int32Array(64);
  /** 1 while the id is in the set. */
  private in = new Uint8Array(64);
  private head = -1; // least recently used
  private tail = -1; // most recently used
  private n = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.n;
  }

  has(id: number): boolean {
    return id < this.in.length && this.in[id] === 1;
  }

  /**
   * Touches `id`: returns -1 on a hit (id becomes most recent), otherwise inserts it and returns the evicted id,
   * or -2 if nothing was evicted (or capacity is 0 and nothing is kept). Ids must be >= 0.
   */
  touch(id: number): number {
    if (this.has(id)) {
      if (this.tail !== id) {
        this.unlink(id);
        this.append(id);
      }
      return -1;
    }
    if (this.capacity === 0) return -2;
    let evicted = -2;
    if (this.n >= this.capacity) {
      evicted = this.head;
      this.unlink(evicted);
      this.in[evicted] = 0;
      this.n--;
    }
    if (id >= this.in.length) this.grow(id);
    this.append(id);
    this.in[id] = 1;
    this.n++;
    return evicted;
  }

  delete(id: number): boolean {
    if (!this.has(id)) return false;
    this.unlink(id);
    this.in[id] = 0;
    this.n--;
    return true;
  }

  /** Ids from least to most recently used. */
  keys(): number[] {
    const out: number[] = [];
    for (let id = this.head; id !== -1; id = this.next[id]!) out.push(id);
    return out;
  }

  private unlink(id: number): void {
    const p = this.prev[id]!;
    const x = this.next[id]!;
    if (p === -1) this.head = x;
    else this.next[p] = x;
    if (x === -1) this.tail = p;
    else this.prev[x] = p;
  }

  private append(id: number): void {
    this.prev[id] = this.tail;
    this.next[id] = -1;
    if (this.tail === -1) this.head = id;
    else this.next[this.tail] = id;
    this.tail = id;
  }

  private grow(id: number): void {
    let cap = this.in.length;
    while (cap <= id) cap *= 2;
    const prev = new Int32Array(cap);
    prev.set(this.prev);
    const next = new Int32Array(cap);
    next.set(this.next);
    const inn = new Uint8Array(cap);
    inn.set(this.in);
    this.prev = prev;
    this.next = next;
    this.in = inn;
  }
}

export class ContextCache extends BlockBase {
  readonly params: ContextCacheParams;
  readonly lru: LruSet;
  private readonly dma: RecordDma;
  private readonly hitPs: Ps;
  hits = 0;
  misses = 0;
  evictions = 0;
  /** Misses of contexts this cache evicted earlier (capacity misses; the others are first accesses, compulsory),
   *  and whether the last access was one. Not in counters() (the shipped outputs list those). */
  capacityMisses = 0;
  lastCapacityMiss = false;
  /** 1 for the ids evicted and not accessed or removed since (indexed by id, grown as ids grow), and their number. */
  private evicted = new Uint8Array(64);
  private evictedCount = 0;
  /** Test hook: every access and removal, in order (null: off). */
  observer: ((conn: number, op: 'access' | 'remove') => void) | null = null;
  private readonly missPool: MissJob[] = [];
  /** Fetches in flight by connection id, and the hits waiting for them. */
  private readonly filling = new Map<number, MissJob>();
  private readonly waitPool: HitWait[] = [];

  constructor(k: Kernel, p: ContextCacheParams, dma: RecordDma, name = 'ctx_cache') {
    const areaMm2 = ((p.capacity_connections * p.context_bytes) / 1024) * p.cost.area_mm2_per_kib;
    super(k, { name, kind: 'ctx_cache', instances: p.ports, clockHz: 0, areaMm2: areaMm2 / p.ports, staticMw: p.cost.static_mw / p.ports });
    this.params = p;
    this.lru = new LruSet(p.capacity_connections);
    this.dma = dma;
    this.hitPs = nsToPs(p.hit_ns);
  }

  /** Looks up connection `conn` (an integer id >= 0); done when its context is on the accelerator. Returns hit. */
  access(conn: number, done: Done | null): boolean {
    if (this.observer !== null) this.observer(conn, 'access');
    const r = this.lru.touch(conn);
    this.energyPj += this.params.cost.energy_pj_per_access;
    if (r === -1) {
      this.lastCapacityMiss = false;
      this.hits++;
      this.count('hit');
      const f = this.filling.size > 0 ? this.filling.get(conn) : undefined;
      if (f === undefined) this.resource.use(this.hitPs, done);
      else {
        const w = this.waitPool.pop() ?? new HitWait(this);
        w.done = done;
        w.fill = f;
        w.gen = f.gen;
        this.resource.use(this.hitPs, w.onLookup);
      }
      return true;
    }
    this.misses++;
    this.count('miss');
    this.lastCapacityMiss = this.evictedCount > 0 && this.unevict(conn);
    if (this.lastCapacityMiss) this.capacityMisses++;
    const bytes = this.params.context_bytes;
    if (r >= 0) {
      this.evictions++;
      if (r >= this.evicted.length) {
        let cap = this.evicted.length;
        while (cap <= r) cap *= 2;
        const e = new Uint8Array(cap);
        e.set(this.evicted);
        this.evicted = e;
      }
      if (this.evicted[r] === 0) {
        this.evicted[r] = 1;
        this.evictedCount++;
      }
      this.dma.transfer(bytes, 'from-engine', null);
    }
    const m = this.missPool.pop() ?? new MissJob(this);
    m.done = done;
    m.conn = conn;
    m.gen++;
    this.filling.set(conn, m);
    this.resource.use(this.hitPs, m.onLookup);
    return false;
  }

  /** @internal miss: lookup done, fetch the context */
  _onLookup(m: MissJob, waitPs: number): void {
    m.wait = waitPs;
    this.dma.transfer(this.params.context_bytes, 'to-engine', m.onFetched);
  }

  /** @internal */
  _onFetched(m: MissJob, waitPs: number, startPs: number): void {
    const done = m.done;
    const w = m.wait + waitPs;
    m.done = null;
    if (this.filling.get(m.conn) === m) this.filling.delete(m.conn);
    // the access that missed goes on first (it came first), then the hits that waited for this context: their wait
    // ends now (served: their lookup, hit_ns)
    if (done !== null) done(w, startPs);
    const waiting = m.waiting;
    if (waiting.length > 0) {
      const now = this.k.now;
      for (const h of waiting) {
        const d = h.done;
        h.done = null;
        h.fill = null;
        this.waitPool.push(h);
        if (d !== null) d(h.wait + (now - h.lookupEnd), h.lookupEnd - this.hitPs);
      }
      waiting.length = 0;
    }
    this.missPool.push(m);
  }

  /** @internal a hit's lookup is done: its context is there, or it waits for the fetch in flight */
  _onHitLookup(h: HitWait, waitPs: number, startPs: number): void {
    const f = h.fill!;
    if (f.gen === h.gen && this.filling.get(f.conn) === f) {
      h.wait = waitPs;
      h.lookupEnd = this.k.now;
      f.waiting.push(h);
      return;
    }
    const d = h.done;
    h.done = null;
    h.fill = null;
    this.waitPool.push(h);
    if (d !== null) d(waitPs, startPs);
  }

  /** Connection closed: drop its context without write-back. */
  remove(conn: number): void {
    if (this.observer !== null) this.observer(conn, 'remove');
    this.lru.delete(conn);
    if (this.evictedCount > 0) this.unevict(conn);
  }

  /** Takes `conn` off the evicted ids; true if it was on them. */
  private unevict(conn: number): boolean {
    if (conn >= this.evicted.length || this.evicted[conn] === 0) return false;
    this.evicted[conn] = 0;
    this.evictedCount--;
    return true;
  }

  override resetStats(): void {
    super.resetStats();
    this.hits = 0;
    this.misses = 0;
    this.evictions = 0;
    this.capacityMisses = 0;
  }

  protected override counters(): Record<string, number> {
    const n = this.hits + this.misses;
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, hit_rate: n > 0 ? this.hits / n : 0, resident: this.lru.size };
  }
}

/** Reusable state of one miss (lookup, then DMA fetch). */
class MissJob {
  done: Done | null = null;
  wait = 0;
  conn = -1;
  /** Incremented on every use (a pooled MissJob serves many misses). */
  gen = 0;
  /** Hits on this context whose lookup ended before the fetch did. */
  readonly waiting: HitWait[] = [];
  readonly onLookup: Done;
  readonly onFetched: Done;
  constructor(c: ContextCache) {
    this.onLookup = (w) => c._onLookup(this, w);
    this.onFetched = (w, s) => c._onFetched(this, w, s);
  }
}

/** Reusable state of a hit on a context still being fetched. */
class HitWait {
  done: Done | null = null;
  fill: MissJob | null = null;
  gen = 0;
  wait = 0;
  lookupEnd = 0;
  readonly onLookup: Done;
  constructor(c: ContextCache) {
    this.onLookup = (w, s) => c._onHitLookup(this, w, s);
  }
}
