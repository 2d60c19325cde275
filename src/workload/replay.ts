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
import {
  Platform, aeadOpCycles, hashOpCycles, softwareCycles, type Done, type HwCryptoOp, type HwModel,
} from '../hw/index.ts';
import { isCryptoOp, isProtocolOp, type OpTrace, type ProtocolOp, type TraceJob } from './trace/format.ts';
import { B_AEAD, B_CACHE, B_CPU, B_DMA_FROM, B_DMA_TO, B_PORT_RX, B_PORT_TX, Columns, ROUTE_CODE, buildTrace } from './trace/columns.ts';

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

// What an input operation asks for, decided once per operation before the run.
const C_PORT_RX = 0;
const C_PORT_TX = 1;
const C_DMA_TO = 2;
const C_DMA_FROM = 3;
const C_CACHE = 4;
const C_PROTO = 5;
const C_CRYPTO = 6;
const C_SKIP = 7;
const C_REMOVE = 8;

interface Compiled {
  code: Uint8Array;
  hw: (HwCryptoOp | undefined)[];
}

function compile(job: TraceJob): Compiled {
  const n = job.ops.length;
  const code = new Uint8Array(n);
  const hw: (HwCryptoOp | undefined)[] = new Array(n).fill(undefined);
  for (let i = 0; i < n; i++) {
    const op = job.ops[i]!;
    let c = C_SKIP;
    switch (op.block) {
      case 'port_rx':
        c = C_PORT_RX;
        break;
      case 'port_tx':
        c = C_PORT_TX;
        break;
      case 'dma_to_engine':
        c = C_DMA_TO;
        break;
      case 'dma_from_engine':
        c = C_DMA_FROM;
        break;
      case 'ctx_cache':
        c = op.op === 'remove' ? C_REMOVE : C_CACHE;
        break;
      default:
        if (op.op === 'invoke') c = C_SKIP; // recomputed
        else if (isProtocolOp(op)) c = C_PROTO;
        else if (isCryptoOp(op) && !(isHashFamily(op.op) && op.blocks === 0)) {
          c = C_CRYPTO;
          hw[i] = { op: op.op, alg: op.alg, inputBytes: op.bytes ?? 0, outputBytes: op.out ?? 0, blocks: op.blocks, aadBytes: op.aad, keyBits: op.key_bits };
        }
    }
    code[i] = c;
  }
  return { code, hw };
}

/** State of one job in flight (pooled: reused once the job has released). */
class RJob {
  /** Index of the job in the input. */
  x = -1;
  src: TraceJob | undefined = undefined;
  comp: Compiled | undefined = undefined;
  i = 0;
  depth = 0;
  invoked = false;
  /** Column index of the operation in service, and of the pending invocation's accelerated op. */
  cur = -1;
  acc = -1;
  hwOp: HwCryptoOp | undefined = undefined;
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
  private readonly invCycles: number;
  private readonly propagationPs: Ps;
  private readonly drainPs: Ps;
  private readonly pool: RJob[] = [];
  readonly jobs: readonly TraceJob[];
  readonly cols = new Columns();
  /** Per input job: start time (NaN: never started), first and last recorded operation (-1: none). */
  readonly began: Float64Array;
  readonly firstOp: Int32Array;
  readonly lastOp: Int32Array;
  /** Children as linked lists of input indexes (-1: none), in input order. */
  readonly firstChild: Int32Array;
  readonly nextSibling: Int32Array;

  constructor(model: HwModel, jobs: readonly TraceJob[]) {
    // every root arrival is scheduled up front: size the event heap for them
    this.k = new Kernel({ initialCapacity: jobs.length + 1024 });
    this.hw = new Platform(this.k, model, { priorities: true });
    this.invCycles = Math.ceil(model.cpu.invocation_cycles);
    this.propagationPs = this.hw.port.propagationPs;
    const a = this.hw.aead;
    this.drainPs = a ? a.clock.cyclesToPs(a.params.pipeline_depth - 1) : 0;
    this.jobs = jobs;
    this.began = new Float64Array(jobs.length).fill(NaN);
    this.firstOp = new Int32Array(jobs.length).fill(-1);
    this.lastOp = new Int32Array(jobs.length).fill(-1);
    this.firstChild = new Int32Array(jobs.length).fill(-1);
    this.nextSibling = new Int32Array(jobs.length).fill(-1);
  }

  /** Starts input job `x` now. */
  readonly begin = (x: number): void => {
    const src = this.jobs[x]!;
    const j = this.pool.pop() ?? new RJob(this);
    j.x = x;
    j.src = src;
    j.comp = compile(src);
    j.i = 0;
    j.depth = 0;
    j.invoked = false;
    this.began[x] = this.k.now;
    this.stats.jobs++;
    this.step(j);
  };

  /** Records that job `j` submits its input op `src` (-1: an invocation) to `block` now; returns the column. */
  private rec(j: RJob, block: number, src: number, cycles = NaN): number {
    const c = this.cols;
    const k = c.add(j.x, src, block, cycles, this.k.now);
    const last = this.lastOp[j.x]!;
    if (last < 0) this.firstOp[j.x] = k;
    else c.next[last] = k;
    this.lastOp[j.x] = k;
    j.cur = k;
    return k;
  }

  private drop(j: RJob): void {
    this.cols.dropped[j.cur] = 1;
    this.cols.submit[j.cur] = NaN;
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
    j.comp = undefined;
    j.cur = -1;
    this.pool.push(j);
  }

  /** Submits the job's next operation, or releases it. */
  step(j: RJob): void {
    const src = j.src!;
    const ops = src.ops;
    const { code, hw: hwOps } = j.comp!;
    const hw = this.hw;
    while (j.i < ops.length) {
      const i = j.i++;
      const op = ops[i]!;
      switch (code[i]) {
        case C_PORT_RX:
          this.rec(j, B_PORT_RX, i);
          if (!hw.port.receive(op.bytes!, j.next)) this.drop(j);
          return;
        case C_PORT_TX:
          this.rec(j, B_PORT_TX, i);
          if (!hw.port.transmit(op.bytes!, j.next)) this.drop(j);
          return;
        case C_DMA_TO:
          this.rec(j, B_DMA_TO, i);
          hw.dma.transfer(op.bytes!, 'to-engine', j.next);
          return;
        case C_DMA_FROM:
          this.rec(j, B_DMA_FROM, i);
          hw.dma.transfer(op.bytes!, 'from-engine', j.next);
          return;
        case C_CACHE: {
          const cache = hw.contextCache;
          if (!cache) continue;
          this.rec(j, B_CACHE, i);
          cache.access(op.conn!, j.next);
          return;
        }
        case C_REMOVE: {
          // the connection closed: its context leaves the cache, no time (kept in the output, without times)
          hw.contextCache?.remove(op.conn!);
          this.rec(j, B_CACHE, i);
          this.cols.submit[j.cur] = NaN;
          continue;
        }
        case C_PROTO: {
          const cpu = hw.model.cpu;
          const kind = op.op as ProtocolOp;
          this.rec(j, B_CPU, i, Math.ceil(kind === 'handshake-message' ? cpu.cycles_per_handshake_message : cpu.cycles_per_record));
          hw.protocol(kind, j.next, 0 - j.depth);
          return;
        }
        case C_CRYPTO: {
          const h = hwOps[i]!;
          const route = hw.route(h);
          const cycles =
            route === 'cpu' ? softwareCycles(hw.cpu.params, h, hw.cpu.defaultAad)
            : route === 'aead' ? aeadOpCycles(hw.aead!.params, h)
            : route === 'hash' ? hashOpCycles(hw.hash!.params, h)
            : NaN;
          if (!j.invoked && hw.needsInvocation(h)) {
            j.invoked = true;
            j.hwOp = h;
            const inv = this.rec(j, B_CPU, -1, this.invCycles);
            j.acc = this.rec(j, ROUTE_CODE[route]!, i, cycles);
            j.cur = inv;
            hw.cpu.invoke(j.afterInvoke, 0 - j.depth);
            return;
          }
          this.rec(j, ROUTE_CODE[route]!, i, cycles);
          hw.serve(h, j.next, 0 - j.depth, false, src.phase);
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
    const h = j.hwOp!;
    j.hwOp = undefined;
    this.hw.serve(h, j.next, 0 - j.depth, false, j.src!.phase);
  }

  /** The job's current stage is done. */
  done(j: RJob, _w: Ps, s: Ps): void {
    const c = this.cols;
    const k = j.cur;
    c.start[k] = s;
    c.end[k] = this.k.now;
    // the instance was freed before the job may go on: propagation after the port, the AEAD pipeline drain
    const b = c.block[k];
    const tail = b === B_PORT_TX ? this.propagationPs : b === B_AEAD ? this.drainPs : 0;
    if (tail > 0) c.release[k] = this.k.now - tail;
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
  const index = new Map<number, number>();
  const lastChild = new Int32Array(jobs.length).fill(-1);
  const roots: number[] = [];
  // jobs in id (creation) order: a trace written as jobs finish lists them in another order
  const order = Array.from(jobs.keys());
  let sorted = true;
  for (let x = 1; x < jobs.length && sorted; x++) if (jobs[x]!.id < jobs[x - 1]!.id) sorted = false;
  if (!sorted) order.sort((a, b) => jobs[a]!.id - jobs[b]!.id);
  for (const x of order) {
    const src = jobs[x]!;
    index.set(src.id, x);
    const p = src.parent === undefined ? undefined : index.get(src.parent);
    if (p === undefined || p === x) roots.push(x);
    else {
      if (lastChild[p]! < 0) r.firstChild[p] = x;
      else r.nextSibling[lastChild[p]!] = x;
      lastChild[p] = x;
    }
  }
  // creation order among equal arrival times
  roots.sort((a, b) => jobs[a]!.arrival - jobs[b]!.arrival || jobs[a]!.id - jobs[b]!.id);
  for (const x of roots) r.k.at(jobs[x]!.arrival, r.begin, x);
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
    return buildTrace(r.cols, r.began, r.firstOp, this.input, this.model);
  }
}
