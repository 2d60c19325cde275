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
export const ROUTE_CODE: Record<string, number> = { cpu: 5, aead: 6, hash: 7, pke: 8 };

/**
 * The served operations, recorded column-wise while the kernel runs (no object per operation on the hot path) and
 * turned into TraceOp objects afterwards. Operation k belongs to input job job[k]; src[k] is its index in that job's
 * input ops (-1: a recomputed invocation); a job's operations are linked through next[k].
 */
export class Columns {
  n = 0;
  job = new Int32Array(1024);
  src = new Int32Array(1024);
  block = new Uint8Array(1024);
  dropped = new Uint8Array(1024);
  next = new Int32Array(1024);
  cycles = new Float64Array(1024);
  submit = new Float64Array(1024);
  start = new Float64Array(1024);
  end = new Float64Array(1024);
  release = new Float64Array(1024);

  add(job: number, src: number, block: number, cycles: number, submit: Ps): number {
    if (this.n === this.job.length) this.grow();
    const k = this.n++;
    this.job[k] = job;
    this.src[k] = src;
    this.block[k] = block;
    this.dropped[k] = 0;
    this.next[k] = -1;
    this.cycles[k] = cycles;
    this.submit[k] = submit;
    this.start[k] = NaN;
    this.end[k] = NaN;
    this.release[k] = NaN;
    return k;
  }

  private grow(): void {
    const m = this.job.length * 2;
    const g = <T extends Int32Array | Uint8Array | Float64Array>(a: T, make: (n: number) => T): T => {
      const b = make(m);
      b.set(a as never);
      return b;
    };
    this.job = g(this.job, (n) => new Int32Array(n));
    this.src = g(this.src, (n) => new Int32Array(n));
    this.block = g(this.block, (n) => new Uint8Array(n));
    this.dropped = g(this.dropped, (n) => new Uint8Array(n));
    this.next = g(this.next, (n) => new Int32Array(n));
    this.cycles = g(this.cycles, (n) => new Float64Array(n));
    this.submit = g(this.submit, (n) => new Float64Array(n));
    this.start = g(this.start, (n) => new Float64Array(n));
    this.end = g(this.end, (n) => new Float64Array(n));
    this.release = g(this.release, (n) => new Float64Array(n));
  }
}

const num = (v: number): number | undefined => (Number.isNaN(v) ? undefined : v);

/** The recomputed invocation records have no input op. */
export const INVOKE: TraceOp = { block: 'cpu', op: 'invoke' };

/** The replayed run as an operation trace: `began[x]` start of input job x (NaN: never started), `firstOp[x]` its
 *  first recorded operation (-1: none). */
export function buildTrace(cols: Columns, began: Float64Array, firstOp: Int32Array, input: OpTrace, model: HwModel): OpTrace {
  const jobs = input.jobs;
  const out: TraceJob[] = [];
  const c = cols;
  for (let x = 0; x < jobs.length; x++) {
    const at = began[x]!;
    if (Number.isNaN(at)) continue;
    const src = jobs[x]!;
    const o: TraceJob = { id: src.id, kind: src.kind, arrival: at, ops: [] };
    if (src.parent !== undefined) o.parent = src.parent;
    if (src.peer !== undefined) o.peer = src.peer;
    if (src.phase !== undefined) o.phase = src.phase;
    if (src.record !== undefined) o.record = src.record;
    for (let k = firstOp[x]!; k >= 0; k = c.next[k]!) {
      const si = c.src[k]!;
      const so = si < 0 ? INVOKE : src.ops[si]!;
      o.ops.push({
        block: BLOCKS[c.block[k]!]!,
        op: so.op,
        alg: so.alg,
        bytes: so.bytes,
        out: so.out,
        blocks: so.blocks,
        aad: so.aad,
        key_bits: so.key_bits,
        conn: so.conn,
        cycles: num(c.cycles[k]!),
        submit: num(c.submit[k]!),
        start: num(c.start[k]!),
        end: num(c.end[k]!),
        release: num(c.release[k]!),
        dropped: c.dropped[k] === 1 ? true : undefined,
      });
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
