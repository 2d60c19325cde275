// The replay's record of served operations, kept column-wise while the kernel runs (no object per operation on
// the hot path), and its conversion into an operation trace afterwards. Pure.
import type { Ps } from '../../sim/index.ts';
import type { HwModel } from '../../hw/index.ts';
import { OP_TRACE_FORMAT, OP_TRACE_VERSION, modelDigest, type OpTrace, type TraceBlock, type TraceJob, type TraceOp } from './format.ts';

export const BLOCKS: readonly TraceBlock[] = ['port_rx', 'port_tx', 'dma_to_engine', 'dma_from_engine', 'ctx_cache', 'cpu', 'aead', 'hash', 'pke'];
export const B_PORT_RX = 0;
export const B_PORT_TX = 1;
export const B_DMA_TO = 2;
export const B_DMA_FROM = 3;
export const B_CACHE = 4;
export const B_CPU = 5;
export const B_AEAD = 6;
export const B_HASH = 7;
export const ROUTE_CODE: Record<string, number> = { cpu: 5, aead: 6, hash: 7, pke: 8 };

/**
 * The served operations, recorded column-wise while the kernel runs (no object per operation on the hot path; the
 * least memory per operation: fresh memory is costly, every page is touched once) and turned into TraceOp objects
 * afterwards. Positions are fixed by the input: input op i of job x is at opBase[x] + i, job x's recomputed
 * invocation (at most one) at total + x, before its input op invAt[x] - 1 (invAt 0: none). block[k] is the block
 * code + 1 (0: not recorded, e.g. an 'invoke' of the source or a context access on a model without a cache).
 * A dropped op (a port refused it) and a context removal have NaN times; whether an instance was freed before the
 * end (port_tx propagation, AEAD pipeline drain) follows from the block and the model, and is not stored.
 */
export class Columns {
  readonly block: Uint8Array;
  readonly submit: Float64Array;
  readonly start: Float64Array;
  readonly end: Float64Array;
  readonly invAt: Int32Array;

  /** `opBase`: start of each job's ops (length jobs + 1, opBase[jobs] = total ops). */
  constructor(readonly opBase: Int32Array) {
    const jobs = opBase.length - 1;
    const m = opBase[jobs]! + jobs;
    this.block = new Uint8Array(m);
    this.submit = new Float64Array(m);
    this.start = new Float64Array(m);
    this.end = new Float64Array(m);
    this.invAt = new Int32Array(jobs);
  }

  /** Position of job x's invocation. */
  inv(x: number): number {
    return this.opBase[this.opBase.length - 1]! + x;
  }
}

const num = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);

/** The recomputed invocation records have no input op. */
export const INVOKE: TraceOp = { block: 'cpu', op: 'invoke' };

/** What buildTrace needs of the model beyond the columns: the cycles an op served on a block was charged
 *  (`op` undefined: a recomputed invocation; undefined: none) and how long before its end a block frees its
 *  instance (port_tx: propagation; aead: pipeline drain; 0: at the end). */
export interface BuildModel {
  cycles(block: number, op: TraceOp | undefined): number | undefined;
  tailPs(block: number): Ps;
}

/** The replayed run as an operation trace: `began[x]` start of input job x (NaN: never started). */
export function buildTrace(cols: Columns, began: Float64Array, input: OpTrace, model: HwModel, m: BuildModel): OpTrace {
  const jobs = input.jobs;
  const out: TraceJob[] = [];
  const c = cols;
  const push = (o: TraceJob, k: number, so: TraceOp | undefined) => {
    const b = c.block[k]! - 1;
    const s = so ?? INVOKE;
    const end = c.end[k]!;
    const tail = Number.isNaN(end) ? 0 : m.tailPs(b);
    const dropped = (b === B_PORT_RX || b === B_PORT_TX) && Number.isNaN(end);
    o.ops.push({
      block: BLOCKS[b]!,
      op: s.op,
      alg: s.alg,
      bytes: s.bytes,
      out: s.out,
      blocks: s.blocks,
      aad: s.aad,
      key_bits: s.key_bits,
      conn: s.conn,
      cycles: m.cycles(b, so),
      submit: num(c.submit[k]!),
      start: num(c.start[k]!),
      end: num(end),
      release: tail > 0 ? end - tail : undefined,
      dropped: dropped ? true : undefined,
    });
  };
  for (let x = 0; x < jobs.length; x++) {
    const at = began[x]!;
    if (Number.isNaN(at)) continue;
    const src = jobs[x]!;
    const o: TraceJob = { id: src.id, kind: src.kind, arrival: at, ops: [] };
    if (src.parent !== undefined) o.parent = src.parent;
    if (src.peer !== undefined) o.peer = src.peer;
    if (src.phase !== undefined) o.phase = src.phase;
    if (src.record !== undefined) o.record = src.record;
    const base = c.opBase[x]!;
    const invAt = c.invAt[x]! - 1;
    for (let i = 0; i < src.ops.length; i++) {
      if (i === invAt) push(o, c.inv(x), undefined);
      if (c.block[base + i] !== 0) push(o, base + i, src.ops[i]!);
    }
    out.push(o);
  }
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
    jobs: out,
  };
  return trace;
}
