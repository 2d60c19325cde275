// The waiting requests of a Resource (./resource.ts): a pool of entries in parallel arrays (no object per request),
// the queue of entry indexes (a ring for FIFO, a binary heap for priority: lower value first, ties in arrival order)
// and the admission list of a full queue that blocks (a FIFO ring). Statistics stay with the Resource.

export class WaitQueue {
  /** Entry fields, indexed by entry: what kind of request, its callback and argument, service time (ps), arrival
   *  time (ps), priority and arrival sequence number. */
  kind: Uint8Array;
  readonly cb: (Function | null)[];
  readonly arg: unknown[];
  service: Float64Array;
  time: Float64Array;
  private prio: Float64Array;
  private seqOf: Float64Array;
  private readonly free: number[] = [];
  private count = 0;
  private seq = 0;
  /** Queue: ring (fifo) or heap (priority) of entry indexes. */
  private q: Int32Array;
  private head = 0;
  /** Entries in the queue. */
  len = 0;
  /** Admission list: FIFO ring of entry indexes. */
  private adm: Int32Array;
  private admHead = 0;
  /** Entries in the admission list. */
  admLen = 0;

  constructor(private readonly fifo: boolean) {
    const n = 64;
    this.kind = new Uint8Array(n);
    this.cb = new Array<Function | null>(n).fill(null);
    this.arg = new Array<unknown>(n).fill(undefined);
    this.service = new Float64Array(n);
    this.time = new Float64Array(n);
    this.prio = new Float64Array(n);
    this.seqOf = new Float64Array(n);
    this.q = new Int32Array(n);
    this.adm = new Int32Array(16);
  }

  /** A new entry (in neither list yet). */
  add(kind: number, cb: Function | null, arg: unknown, service: number, time: number, prio: number): number {
    const e = this.alloc();
    this.kind[e] = kind;
    this.cb[e] = cb;
    this.arg[e] = arg;
    this.service[e] = service;
    this.time[e] = time;
    this.prio[e] = prio;
    this.seqOf[e] = this.seq++;
    return e;
  }

  /** Returns an entry to the pool (its callback and argument let go). */
  release(e: number): void {
    this.cb[e] = null;
    this.arg[e] = undefined;
    this.free.push(e);
  }

  /** Appends `e` to the admission list. */
  admit(e: number): void {
    if (this.admLen >= this.adm.length) {
      this.adm = growRing(this.adm, this.admHead, this.admLen);
      this.admHead = 0;
    }
    this.adm[(this.admHead + this.admLen) % this.adm.length] = e;
    this.admLen++;
  }

  /** Takes the oldest entry of the admission list (admLen > 0). */
  unadmit(): number {
    const a = this.adm[this.admHead]!;
    this.admHead = (this.admHead + 1) % this.adm.length;
    this.admLen--;
    return a;
  }

  /** Puts `e` in the queue. */
  push(e: number): void {
    if (this.len >= this.q.length) {
      this.q = this.fifo ? growRing(this.q, this.head, this.len) : growArr(this.q);
      this.head = 0;
    }
    if (this.fifo) {
      this.q[(this.head + this.len) % this.q.length] = e;
      this.len++;
      return;
    }
    const q = this.q;
    const pr = this.prio[e]!;
    const sq = this.seqOf[e]!;
    let i = this.len++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pe = q[p]!;
      const pp = this.prio[pe]!;
      if (pp < pr || (pp === pr && this.seqOf[pe]! < sq)) break;
      q[i] = pe;
      i = p;
    }
    q[i] = e;
  }

  /** Takes the next entry of the queue (len > 0): the oldest (fifo) or the lowest priority value, oldest first. */
  pop(): number {
    const q = this.q;
    if (this.fifo) {
      const e = q[this.head]!;
      this.head = (this.head + 1) % q.length;
      this.len--;
      return e;
    }
    const e = q[0]!;
    const n = --this.len;
    if (n > 0) {
      const last = q[n]!;
      const lp = this.prio[last]!;
      const ls = this.seqOf[last]!;
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n) {
          const cp = this.prio[q[c]!]!;
          const rp = this.prio[q[r]!]!;
          if (rp < cp || (rp === cp && this.seqOf[q[r]!]! < this.seqOf[q[c]!]!)) c = r;
        }
        const ce = q[c]!;
        const cp = this.prio[ce]!;
        if (cp > lp || (cp === lp && this.seqOf[ce]! > ls)) break;
        q[i] = ce;
        i = c;
      }
      q[i] = last;
    }
    return e;
  }

  private alloc(): number {
    if (this.free.length > 0) return this.free.pop()!;
    const e = this.count++;
    if (e >= this.kind.length) {
      const n = this.kind.length * 2;
      const k = new Uint8Array(n);
      k.set(this.kind);
      this.kind = k;
      this.service = grown(this.service, n);
      this.time = grown(this.time, n);
      this.prio = grown(this.prio, n);
      this.seqOf = grown(this.seqOf, n);
      for (let i = this.cb.length; i < n; i++) {
        this.cb.push(null);
        this.arg.push(undefined);
      }
    }
    return e;
  }
}

function grown(a: Float64Array, n: number): Float64Array {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growRing(a: Int32Array, head: number, len: number): Int32Array {
  const b = new Int32Array(Math.max(16, a.length * 2));
  for (let i = 0; i < len; i++) b[i] = a[(head + i) % a.length]!;
  return b;
}
function growArr(a: Int32Array): Int32Array {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}
