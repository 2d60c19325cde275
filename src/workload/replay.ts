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
//     at their arrival time, in trace order among equal times, before internal events of that instant;
//   - a full port queue drops the datagram: the job ends there (its children never start).
// Operations are re-routed by the replay model (an AEAD op served in software in the source run goes to the AEAD
// engine if the model has one); ctx_cache accesses happen only if the model has a context cache; the source's
// 'invoke' records are ignored and recomputed. The result is an operation trace with the replay model's times.
import { Kernel, type Ps } from '../sim/index.ts';
import {
  Platform, aeadOpCycles, hashOpCycles, softwareCycles, type Done, type HwCryptoOp, type HwModel,
} from '../hw/index.ts';
import {
  OP_TRACE_FORMAT, OP_TRACE_VERSION, isCryptoOp, isProtocolOp, modelDigest, newOp, type OpTrace, type TraceBlock, type TraceJob,
  type TraceOp,
} from './trace/format.ts';

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
  trace: OpTrace;
  stats: ReplayStats;
}

function isHashFamily(op: string): boolean {
  return op === 'hash' || op === 'hmac' || op === 'hkdf-extract' || op === 'hkdf-expand';
}

class RJob {
  readonly src: TraceJob;
  readonly out: TraceJob;
  i = 0;
  depth = 0;
  invoked = false;
  cur: TraceOp | undefined = undefined;
  inv: TraceOp | undefined = undefined;
  hwOp: HwCryptoOp | undefined = undefined;
  children: RJob[] | undefined = undefined;
  started = false;
  readonly next: Done;
  readonly afterInvoke: Done;
  constructor(r: Replay, src: TraceJob) {
    this.src = src;
    this.out = { id: src.id, kind: src.kind, arrival: 0, ops: [] };
    if (src.parent !== undefined) this.out.parent = src.parent;
    if (src.peer !== undefined) this.out.peer = src.peer;
    if (src.phase !== undefined) this.out.phase = src.phase;
    if (src.record !== undefined) this.out.record = src.record;
    this.next = (w, s) => r.done(this, w, s);
    this.afterInvoke = (w, s) => r.invoked(this, w, s);
  }
}

class Replay {
  readonly k = new Kernel({ initialCapacity: 4096 });
  readonly hw: Platform;
  readonly stats: ReplayStats = { jobs: 0, dropped: 0, orphaned: 0, ops: 0, endPs: 0, events: 0 };
  private readonly invCycles: number;

  constructor(model: HwModel) {
    this.hw = new Platform(this.k, model, { priorities: true });
    this.invCycles = Math.ceil(model.cpu.invocation_cycles);
  }

  readonly begin = (j: RJob): void => {
    j.out.arrival = this.k.now;
    j.started = true;
    this.stats.jobs++;
    this.step(j);
  };

  private rec(j: RJob, block: TraceBlock, src: TraceOp, cycles?: number): TraceOp {
    // one object shape for every record (absent fields undefined): monomorphic and cheap to allocate
    const o = newOp(block, src.op);
    o.alg = src.alg;
    o.bytes = src.bytes;
    o.out = src.out;
    o.blocks = src.blocks;
    o.aad = src.aad;
    o.conn = src.conn;
    o.cycles = cycles;
    o.submit = this.k.now;
    j.out.ops.push(o);
    j.cur = o;
    return o;
  }

  private drop(j: RJob): void {
    j.cur!.dropped = true;
    j.cur!.submit = undefined;
    this.stats.dropped++;
    if (j.children) for (const c of j.children) this.orphan(c);
  }

  private orphan(j: RJob): void {
    this.stats.orphaned++;
    if (j.children) for (const c of j.children) this.orphan(c);
  }

  /** Submits the job's next operation, or releases it. */
  step(j: RJob): void {
    const ops = j.src.ops;
    const hw = this.hw;
    while (j.i < ops.length) {
      const op = ops[j.i++]!;
      switch (op.block) {
        case 'port_rx':
          this.rec(j, 'port_rx', op);
          if (!hw.port.receive(op.bytes!, j.next)) this.drop(j);
          return;
        case 'port_tx':
          this.rec(j, 'port_tx', op);
          if (!hw.port.transmit(op.bytes!, j.next)) this.drop(j);
          return;
        case 'dma_to_engine':
        case 'dma_from_engine':
          this.rec(j, op.block, op);
          hw.dma.transfer(op.bytes!, op.block === 'dma_to_engine' ? 'to-engine' : 'from-engine', j.next);
          return;
        case 'ctx_cache': {
          const cache = hw.contextCache;
          if (!cache) continue;
          this.rec(j, 'ctx_cache', op);
          cache.access(op.conn!, j.next);
          return;
        }
        default:
          break;
      }
      if (op.op === 'invoke') continue; // recomputed below
      if (isProtocolOp(op)) {
        const cpu = hw.model.cpu;
        this.rec(j, 'cpu', op, Math.ceil(op.op === 'handshake-message' ? cpu.cycles_per_handshake_message : cpu.cycles_per_record));
        hw.protocol(op.op, j.next, 0 - j.depth);
        return;
      }
      if (!isCryptoOp(op)) continue; // 'datagram'/'transfer'/'access' on a block that does not take them: ignored
      if (isHashFamily(op.op) && op.blocks === 0) continue;
      const h: HwCryptoOp = { op: op.op, alg: op.alg, inputBytes: op.bytes ?? 0, outputBytes: op.out ?? 0, blocks: op.blocks, aadBytes: op.aad };
      const route = hw.route(h);
      const block: TraceBlock = route;
      const cycles =
        route === 'cpu' ? softwareCycles(hw.cpu.params, h, hw.cpu.defaultAad)
        : route === 'aead' ? aeadOpCycles(hw.aead!.params, h)
        : route === 'hash' ? hashOpCycles(hw.hash!.params, h)
        : undefined;
      if (!j.invoked && hw.needsInvocation(h)) {
        j.invoked = true;
        j.hwOp = h;
        const inv = this.rec(j, 'cpu', { block: 'cpu', op: 'invoke' }, this.invCycles);
        j.inv = inv;
        this.rec(j, block, op, cycles);
        j.cur = inv;
        hw.cpu.invoke(j.afterInvoke, 0 - j.depth);
        return;
      }
      this.rec(j, block, op, cycles);
      hw.serve(h, j.next, 0 - j.depth, false, j.src.phase);
      return;
    }
    this.release(j);
  }

  /** The doorbell is done: the accelerated op queues for its block (same instant, same priority). */
  invoked(j: RJob, _w: Ps, s: Ps): void {
    const inv = j.inv!;
    inv.start = s;
    inv.end = this.k.now;
    this.stats.ops++;
    const o = j.out.ops[j.out.ops.length - 1]!;
    o.submit = this.k.now;
    j.cur = o;
    j.inv = undefined;
    const h = j.hwOp!;
    j.hwOp = undefined;
    this.hw.serve(h, j.next, 0 - j.depth, false, j.src.phase);
  }

  /** The job's current stage is done. */
  done(j: RJob, _w: Ps, s: Ps): void {
    const o = j.cur!;
    o.start = s;
    o.end = this.k.now;
    this.stats.ops++;
    j.depth++;
    this.step(j);
  }

  private release(j: RJob): void {
    if (j.children) for (const c of j.children) this.begin(c);
  }
}

/**
 * Replays `input` on `model`. Jobs whose parent is missing from the trace (a windowed trace) start at their
 * arrival time like root jobs.
 */
export function replayOpTrace(input: OpTrace, model: HwModel): ReplayResult {
  const r = new Replay(model);
  const byId = new Map<number, RJob>();
  const all: RJob[] = [];
  const roots: RJob[] = [];
  for (const src of input.jobs) {
    const j = new RJob(r, src);
    all.push(j);
    byId.set(src.id, j);
    const p = src.parent === undefined ? undefined : byId.get(src.parent);
    if (p) (p.children ??= []).push(j);
    else roots.push(j);
  }
  // stable: trace order among equal arrival times
  roots.sort((a, b) => a.src.arrival - b.src.arrival);
  for (const j of roots) r.k.at(j.src.arrival, r.begin, j);
  r.k.run();
  r.stats.endPs = r.k.now;
  r.stats.events = r.k.executed;
  const started = all.filter((j) => j.started);
  const trace: OpTrace = {
    header: {
      type: 'header',
      format: OP_TRACE_FORMAT,
      version: OP_TRACE_VERSION,
      model: model.name,
      params_digest: modelDigest(model),
      time_unit: 'ps',
      source: { replay_of: input.header.model, replay_of_digest: input.header.params_digest },
    },
    jobs: started.map((j) => j.out),
  };
  return { trace, stats: r.stats };
}
