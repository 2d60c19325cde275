// Trace-driven replay: the timing model alone, driven by an operation trace (src/workload/trace/format.ts), no
// protocol. Every job's operations are submitted, one after the other, to the blocks of a Platform built from the
// chosen model, with the disciplines of the co-simulation's server jobs (src/workload/server.ts):
//   - a job's operations run in order, each when the previous one is done;
//   - on the CPU and the crypto blocks a job's priority is -(stages it has completed): work already in flight goes
//     before newly arrived work; FIFO among equals (Platform built with priorities, as the co-simulation does);
//     ports, DMA and the context cache are FIFO;
//   - one doorbell per job: the job's first operation routed to an accelerator pays the host invocation
//     (cpu.invocation_cycles on one core, at the job's priority), the others are chained descriptors;
//   - hash-family operations with 0 compressions are buffered by the host (no block time);
//   - a job's children (parent = its id) start when it releases (after its last op), in id order; root jobs start
//     at their arrival time, in id (creation) order among equal times, before internal events of that instant;
//   - a full port queue drops the datagram: the job ends there (its children never start);
//   - a ctx_cache 'remove' (a connection closed) takes the context out of the cache at once, no time.
// Operations are re-routed by the replay model (an AEAD op served in software in the source run goes to the AEAD
// engine if the model has one); ctx_cache accesses happen only if the model has a context cache; the source's
// 'invoke' records are ignored and recomputed. The result is an operation trace with the replay model's times.
import { Kernel, type Ps } from '../sim/index.ts';
import { Platform, aeadOpCycles, hashOpCycles, softwareCycles, type Done, type HwCryptoOp, type HwModel } from '../hw/index.ts';
import { isCryptoOp, isProtocolOp, type OpTrace, type ProtocolOp, type TraceJob, type TraceOp } from './trace/format.ts';
import { B_AEAD, B_CACHE, B_CPU, B_DMA_FROM, B_DMA_TO, B_HASH, B_PORT_RX, B_PORT_TX, Columns, ROUTE_CODE, buildTrace } from './trace/columns.ts';

export interface ReplayStats {
  jobs: number;
  /** Jobs ended by a tail drop at a port (and, not counted here, their children that never started). */
  dropped: number;
  /** Jobs that never started because an ancestor was dropped. */
  orphaned: number;
  /** Operations served (invocations included). */
  ops: number;
  /** Simulated time of the last event, ps. */
  endPs: Ps;
  /** Kernel events executed. */
  events: number;
}

export interface ReplayResult {
  /** The replayed run as an operation trace (built on first access). */
  readonly trace: OpTrace;
  readonly stats: ReplayStats;
}

function isHashFamily(op: string): boolean {
  return op === 'hash' || op === 'hmac' || op === 'hkdf-extract' || op === 'hkdf-expand';
}

// What an input operation asks for, decided once per operation before the run (one byte per operation of the whole
// trace: nothing is allocated per job or per operation while the kernel runs).
const C_PORT_RX = 0;
const C_PORT_TX = 1;
const C_DMA_TO = 2;
const C_DMA_FROM = 3;
const C_CACHE = 4;
const C_PROTO = 5;
const C_CRYPTO = 6;
const C_SKIP = 7;
const C_REMOVE = 8;

function codeOf(op: TraceOp): number {
  switch (op.block) {
    case 'port_rx':
      return C_PORT_RX;
    case 'port_tx':
      return C_PORT_TX;
    case 'dma_to_engine':
      return C_DMA_TO;
    case 'dma_from_engine':
      return C_DMA_FROM;
    case 'ctx_cache':
      return op.op === 'remove' ? C_REMOVE : C_CACHE;
    default:
      if (op.op === 'invoke') return C_SKIP; // recomputed
      if (isProtocolOp(op)) return C_PROTO;
      if (isCryptoOp(op) && !(isHashFamily(op.op) && op.blocks === 0)) return C_CRYPTO;
      return C_SKIP;
  }
}

/** State of one job in flight (pooled: reused once the job has released). */
class RJob {
  /** Index of the job in the input, and of its first operation in the trace-wide operation codes. */
  x = -1;
  base = 0;
  src: TraceJob | undefined = undefined;
  i = 0;
  depth = 0;
  invoked = false;
  /** Column index of the operation in service, and of the pending invocation's accelerated op. */
  cur = -1;
  acc = -1;
  /** The crypto operation in service (a job has one at a time: reused, filled from the input op). */
  readonly hwOp: HwCryptoOp = { op: 'hash', alg: '', inputBytes: 0, outputBytes: 0, blocks: undefined, aadBytes: undefined, keyBits: undefined };
  readonly next: Done;
  readonly afterInvoke: Done;
  constructor(r: Replay) {
    this.next = (w, s) => r.done(this, w, s);
    this.afterInvoke = (w, s) => r.invoked(this, w, s);
  }
}

class Replay {
  readonly k: Kernel;
  readonly hw: Platform;
  readonly stats: ReplayStats = { jobs: 0, dropped: 0, orphaned: 0, ops: 0, endPs: 0, events: 0 };
  readonly propagationPs: Ps;
  readonly drainPs: Ps;
  private readonly pool: RJob[] = [];
  readonly jobs: readonly TraceJob[];
  readonly cols: Columns;
  /** Operation codes of the whole trace (C_*), job x's from opBase[x]. */
  private readonly code: Uint8Array;
  private readonly opBase: Int32Array;
  /** Per input job: start time (NaN: never started). */
  readonly began: Float64Array;
  /** Children as linked lists of input indexes (-1: none), in input order. */
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;

  constructor(model: HwModel, jobs: readonly TraceJob[]) {
    // root arrivals are fed one at a time (feed): the event heap holds only the work in flight
    this.k = new Kernel();
    this.hw = new Platform(this.k, model, { priorities: true });
    this.propagationPs = this.hw.port.propagationPs;
    const a = this.hw.aead;
    this.drainPs = a ? a.clock.cyclesToPs(a.params.pipeline_depth - 1) : 0;
    this.jobs = jobs;
    const n = jobs.length;
    this.opBase = new Int32Array(n + 1);
    for (let x = 0; x < n; x++) this.opBase[x + 1] = this.opBase[x]! + jobs[x]!.ops.length;
    const total = this.opBase[n]!;
    this.code = new Uint8Array(total);
    for (let x = 0, k = 0; x < n; x++) for (const op of jobs[x]!.ops) this.code[k++] = codeOf(op);
    // at most every input op and one invocation per job are recorded: the columns never grow during the run
    this.cols = new Columns(this.opBase);
    this.began = new Float64Array(n).fill(NaN);
    this.firstChild = new Int32Array(n).fill(-1);
    this.nextSibling = new Int32Array(n).fill(-1);
  }

  /** Root jobs (input indexes) in start order: by arrival, then id. */
  roots: Int32Array = new Int32Array(0);

  /** Schedules root q: at its arrival, ahead of the blocks' own events of that instant (Kernel.atFirst), as if
   *  every arrival had been scheduled before the run. */
  feed(q: number): void {
    if (q < this.roots.length) this.k.atFirst(this.jobs[this.roots[q]!]!.arrival, this.beginRoot, q);
  }

  private readonly beginRoot = (q: number): void => {
    this.feed(q + 1);
    this.begin(this.roots[q]!);
  };

  /** Starts input job `x` now. */
  readonly begin = (x: number): void => {
    const j = this.pool.pop() ?? new RJob(this);
    j.x = x;
    j.base = this.opBase[x]!;
    j.src = this.jobs[x]!;
    j.i = 0;
    j.depth = 0;
    j.invoked = false;
    this.began[x] = this.k.now;
    this.stats.jobs++;
    this.step(j);
  };

  /** Records that job `j` submits the operation at column position `k` to `block` now. */
  private rec(j: RJob, block: number, k: number): void {
    const c = this.cols;
    c.block[k] = block + 1;
    c.submit[k] = this.k.now;
    j.cur = k;
  }

  /** The operation at `k` has no times (refused by a port, or a context removal). */
  private untimed(k: number): void {
    const c = this.cols;
    c.submit[k] = NaN;
    c.start[k] = NaN;
    c.end[k] = NaN;
  }

  private drop(j: RJob): void {
    this.untimed(j.cur);
    this.stats.dropped++;
    this.orphanChildren(j.x);
    this.recycle(j);
  }

  private orphanChildren(x: number): void {
    for (let c = this.firstChild[x]!; c >= 0; c = this.nextSibling[c]!) {
      this.stats.orphaned++;
      this.orphanChildren(c);
    }
  }

  private recycle(j: RJob): void {
    j.src = undefined;
    j.cur = -1;
    this.pool.push(j);
  }

  /** Submits the job's next operation, or releases it. */
  step(j: RJob): void {
    const ops = j.src!.ops;
    const code = this.code;
    const base = j.base;
    const hw = this.hw;
    while (j.i < ops.length) {
      const i = j.i++;
      const op = ops[i]!;
      switch (code[base + i]) {
        case C_PORT_RX:
          this.rec(j, B_PORT_RX, base + i);
          if (!hw.port.receive(op.bytes!, j.next)) this.drop(j);
          return;
        case C_PORT_TX:
          this.rec(j, B_PORT_TX, base + i);
          if (!hw.port.transmit(op.bytes!, j.next)) this.drop(j);
          return;
        case C_DMA_TO:
          this.rec(j, B_DMA_TO, base + i);
          hw.dma.transfer(op.bytes!, 'to-engine', j.next);
          return;
        case C_DMA_FROM:
          this.rec(j, B_DMA_FROM, base + i);
          hw.dma.transfer(op.bytes!, 'from-engine', j.next);
          return;
        case C_CACHE: {
          const cache = hw.contextCache;
          if (!cache) continue;
          this.rec(j, B_CACHE, base + i);
          cache.access(op.conn!, j.next);
          return;
        }
        case C_REMOVE: {
          // the connection closed: its context leaves the cache, no time (kept in the output, without times)
          hw.contextCache?.remove(op.conn!);
          this.rec(j, B_CACHE, base + i);
          this.untimed(base + i);
          continue;
        }
        case C_PROTO:
          this.rec(j, B_CPU, base + i);
          hw.protocol(op.op as ProtocolOp, j.next, 0 - j.depth);
          return;
        case C_CRYPTO: {
          const h = j.hwOp;
          h.op = op.op as HwCryptoOp['op'];
          h.alg = op.alg!;
          h.inputBytes = op.bytes ?? 0;
          h.outputBytes = op.out ?? 0;
          h.blocks = op.blocks;
          h.aadBytes = op.aad;
          h.keyBits = op.key_bits;
          const block = ROUTE_CODE[hw.route(h)]!;
          if (!j.invoked && hw.needsInvocation(h)) {
            j.invoked = true;
            const inv = this.cols.inv(j.x);
            this.cols.invAt[j.x] = i + 1;
            this.rec(j, block, base + i);
            j.acc = base + i;
            this.rec(j, B_CPU, inv);
            hw.cpu.invoke(j.afterInvoke, 0 - j.depth);
            return;
          }
          this.rec(j, block, base + i);
          hw.serve(h, j.next, 0 - j.depth, false, j.src!.phase);
          return;
        }
        default:
          continue;
      }
    }
    // release: the children start now, in input order
    const x = j.x;
    this.recycle(j);
    for (let c = this.firstChild[x]!; c >= 0; c = this.nextSibling[c]!) this.begin(c);
  }

/** The doorbell is done: the accelerated op queues for its block (same instant, same priority). */
  invoked(j: RJob, _w: Ps, s: Ps): void {
    const c = this.cols;
    c.start[j.cur] = s;
    c.end[j.cur] = this.k.now;
    this.stats.ops++;
    c.submit[j.acc] = this.k.now;
    j.cur = j.acc;
    j.acc = -1;
    this.hw.serve(j.hwOp, j.next, 0 - j.depth, false, j.src!.phase);
  }

  /** The job's current stage is done. */
  done(j: RJob, _w: Ps, s: Ps): void {
    const c = this.cols;
    const k = j.cur;
    c.start[k] = s;
    c.end[k] = this.k.now;
    this.stats.ops++;
    j.depth++;
    this.step(j);
  }
}

/**
 * Replays `input` on `model`. Jobs whose parent is missing from the trace (a windowed trace) start at their
 * arrival time like root jobs.
 */
export function replayOpTrace(input: OpTrace, model: HwModel): ReplayResult {
  const jobs = input.jobs;
  const r = new Replay(model, jobs);
  const n = jobs.length;
  // job id -> input index: a typed array when the ids are dense enough (a trace's ids count the run's jobs)
  let maxId = 0;
  let sorted = true;
  for (let x = 0; x < n; x++) {
    const id = jobs[x]!.id;
    if (id > maxId) maxId = id;
    if (x > 0 && id < jobs[x - 1]!.id) sorted = false;
  }
  const dense = maxId < 4 * n + 1024 ? new Int32Array(maxId + 1).fill(-1) : undefined;
  const sparse = dense ? undefined : new Map<number, number>();
  const indexOf = (id: number): number => (dense ? (id < dense.length ? dense[id]! : -1) : sparse!.get(id) ?? -1);
  const lastChild = new Int32Array(n).fill(-1);
  const roots: number[] = [];
  // jobs in id (creation) order: a trace written as jobs finish lists them in another order
  let order: ArrayLike<number> | undefined;
  if (!sorted) {
    const o = Array.from(jobs.keys());
    o.sort((a, b) => jobs[a]!.id - jobs[b]!.id);
    order = o;
  }
  let rootsSorted = true;
  for (let q = 0; q < n; q++) {
    const x = order ? order[q]! : q;
    const src = jobs[x]!;
    if (dense) dense[src.id] = x;
    else sparse!.set(src.id, x);
    const p = src.parent === undefined ? -1 : indexOf(src.parent);
    if (p < 0 || p === x) {
      if (roots.length > 0) {
        const prev = jobs[roots[roots.length - 1]!]!;
        if (src.arrival < prev.arrival || (src.arrival === prev.arrival && src.id < prev.id)) rootsSorted = false;
      }
      roots.push(x);
    } else {
      if (lastChild[p]! < 0) r.firstChild[p] = x;
      else r.nextSibling[lastChild[p]!] = x;
      lastChild[p] = x;
    }
  }
  // creation order among equal arrival times
  if (!rootsSorted) roots.sort((a, b) => jobs[a]!.arrival - jobs[b]!.arrival || jobs[a]!.id - jobs[b]!.id);
  r.roots = Int32Array.from(roots);
  r.feed(0);
  r.k.run();
  r.stats.endPs = r.k.now;
  r.stats.events = r.k.executed;
  return new Result(r, input, model);
}

/** The replay's outcome; the operation trace is built from the recorded columns on first use (outside the run). */
class Result implements ReplayResult {
  readonly stats: ReplayStats;
  private built: OpTrace | undefined = undefined;
  constructor(
    private readonly r: Replay,
    private readonly input: OpTrace,
    private readonly model: HwModel,
  ) {
    this.stats = r.stats;
  }

  get trace(): OpTrace {
    if (this.built === undefined) this.built = this.build();
    return this.built;
  }

  private build(): OpTrace {
    const r = this.r;
    const hw = r.hw;
    const cpu = this.model.cpu;
    const inv = Math.ceil(cpu.invocation_cycles);
    const h: HwCryptoOp = { op: 'hash', alg: '', inputBytes: 0, outputBytes: 0 };
    // what the blocks charged (src/workload/trace/capture.ts records the same in a co-simulation)
    const cycles = (block: number, op: TraceOp | undefined): number | undefined => {
      if (op === undefined) return inv;
      if (block === B_CPU && isProtocolOp(op)) return Math.ceil(op.op === 'handshake-message' ? cpu.cycles_per_handshake_message : cpu.cycles_per_record);
      if (!isCryptoOp(op)) return undefined;
      h.op = op.op;
      h.alg = op.alg;
      h.inputBytes = op.bytes ?? 0;
      h.outputBytes = op.out ?? 0;
      h.blocks = op.blocks;
      h.aadBytes = op.aad;
      h.keyBits = op.key_bits;
      return block === B_CPU ? softwareCycles(hw.cpu.params, h, hw.cpu.defaultAad)
        : block === B_AEAD ? aeadOpCycles(hw.aead!.params, h)
        : block === B_HASH ? hashOpCycles(hw.hash!.params, h)
        : undefined;
    };
    // the instance was freed before the job went on: propagation after the port, the AEAD pipeline drain
    const tailPs = (block: number): Ps => (block === B_PORT_TX ? r.propagationPs : block === B_AEAD ? r.drainPs : 0);
    return buildTrace(r.cols, r.began, this.input, this.model, { cycles, tailPs });
  }
}
