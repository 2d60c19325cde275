// Operation trace (JSON Lines): what every server job did on the hardware blocks, in order, with integer-picosecond
// times. One header line, then one line per job (docs/outputs.md, "Traces"). Pure: text in, objects out, and back.
//
//   const t = parseOpTrace(text);            // OpTraceError (with the line number) on bad input, never a crash
//   const text = formatOpTrace(t);           // header + jobs, one JSON object per line, '\n'-terminated
//
// Written by the co-simulation's capture and by the replay (src/workload/replay.ts); read by the replay, the
// trace writers (src/report/trace) and the SystemC cross-check (validation/systemc, through its line format).
import { createHash } from 'node:crypto';
import type { Ps } from '../../sim/index.ts';
import { HW_OP_KINDS, type HwOpKind } from '../../hw/index.ts';

export const OP_TRACE_FORMAT = 'dtls-accel-sim/ops';
/** 2: crypto ops carry `key_bits` (RSA modulus length). Version 1 traces (no RSA) are still read. */
export const OP_TRACE_VERSION = 2;
const READ_VERSIONS = new Set<unknown>([1, 2]);

/** Where an operation was served. port_* and dma_* carry bytes; ctx_cache a connection id; cpu protocol work,
 *  invocations and software crypto; aead/hash/pke crypto on an accelerator. */
export type TraceBlock = 'port_rx' | 'port_tx' | 'dma_to_engine' | 'dma_from_engine' | 'ctx_cache' | 'cpu' | 'aead' | 'hash' | 'pke';
export const TRACE_BLOCKS: readonly TraceBlock[] = ['port_rx', 'dma_to_engine', 'ctx_cache', 'cpu', 'aead', 'hash', 'pke', 'dma_from_engine', 'port_tx'];

/** Host protocol processing (crypto excluded), src/hw/cpu.ts ProtocolKind. */
export type ProtocolOp = 'handshake-message' | 'handshake-record' | 'record';
/** What an operation is: a crypto op kind, protocol work, the host side of an accelerator invocation (doorbell),
 *  a datagram through a port direction, a DMA transfer, a context-cache access, or 'remove': the connection closed
 *  and its context leaves the cache (no time; at the job's release, where the co-simulation does it). */
export type TraceOpKind = HwOpKind | ProtocolOp | 'invoke' | 'datagram' | 'transfer' | 'access' | 'remove';

export interface TraceOp {
  block: TraceBlock;
  op: TraceOpKind;
  /** Crypto ops: algorithm as the DTLS core named it ('AES-128-GCM', 'SHA-256', 'X25519', ...). */
  alg?: string;
  /** port: UDP payload bytes; dma: bytes moved; crypto: input bytes. */
  bytes?: number;
  /** Crypto ops: output bytes; hash family: compression-function calls; AEAD: additional-data bytes. */
  out?: number;
  blocks?: number;
  aad?: number;
  /** sign/verify with an RSA key: the modulus length, bits (the public-key engine's latency depends on it). */
  key_bits?: number;
  /** ctx_cache: the connection id. */
  conn?: number;
  /** Cycles of the serving block's clock the op was charged (absent where the block has no clock: port, dma,
   *  ctx_cache, pke). Informational: a replay recomputes it from its own model. */
  cycles?: number;
  /** When the job asked the block, when service started (after queueing), when it ended (ps). Absent on an input
   *  trace (a replay computes them); all three absent on an op that was not served (see `dropped`). */
  submit?: Ps;
  start?: Ps;
  end?: Ps;
  /** When the block's instance was freed, if before `end`: port_tx (end - propagation), a pipelined AEAD engine
   *  (end - pipeline drain). Busy = start..release (else start..end). */
  release?: Ps;
  /** The op was refused (a full port queue: tail drop); the job ends there. */
  dropped?: boolean;
}

export type JobKind = 'rx' | 'send' | 'timer' | 'tx';

export interface TraceJob {
  /** Unique, in creation order: children of one parent start in id order. */
  id: number;
  kind: JobKind;
  /** When the job started (ps): a datagram at the server port, an application send, a timer. */
  arrival: Ps;
  /** The job whose release created this one in the same instant (a datagram it sends, an immediate answer of the
   *  application): the job starts when its parent releases, whatever `arrival` says (for another model). */
  parent?: number;
  /** Peer address as the simulation names it (informational). */
  peer?: string;
  /** Handshake or data work. */
  phase?: 'handshake' | 'data';
  /** Record id: jobs carrying the same record's path (received, echoed, sent) share it. */
  record?: number;
  ops: TraceOp[];
}

export interface OpTraceHeader {
  type: 'header';
  format: typeof OP_TRACE_FORMAT;
  version: number;
  /** Model name and a digest of its effective parameters (modelDigest). */
  model: string;
  params_digest: string;
  /** Always 'ps': every time is an integer number of picoseconds from the start of the run. */
  time_unit: 'ps';
  /** Free-form provenance: scenario, seed, window. */
  source?: Record<string, unknown>;
}

export interface OpTrace {
  header: OpTraceHeader;
  jobs: TraceJob[];
}

export class OpTraceError extends Error {
  override name = 'OpTraceError';
}

const BLOCKS = new Set<string>(TRACE_BLOCKS);
const PROTO = new Set<string>(['handshake-message', 'handshake-record', 'record']);
const CRYPTO = new Set<string>(HW_OP_KINDS);
const OTHER = new Set<string>(['invoke', 'datagram', 'transfer', 'access', 'remove']);
const KINDS = new Set<string>(['rx', 'send', 'timer', 'tx']);

/** A TraceOp with every field present (undefined when absent), in one fixed order: all ops share one object shape. */
export function newOp(block: TraceBlock, op: TraceOpKind): TraceOp {
  return { block, op, alg: undefined, bytes: undefined, out: undefined, blocks: undefined, aad: undefined, key_bits: undefined, conn: undefined, cycles: undefined, submit: undefined, start: undefined, end: undefined, release: undefined, dropped: undefined };
}

export function isCryptoOp(op: TraceOp): op is TraceOp & { op: HwOpKind; alg: string } {
  return CRYPTO.has(op.op);
}
export function isProtocolOp(op: TraceOp): op is TraceOp & { op: ProtocolOp } {
  return PROTO.has(op.op);
}

function bad(line: number, msg: string): never {
  throw new OpTraceError(`ops trace line ${line}: ${msg}`);
}

function nat(v: unknown, line: number, what: string, optional: boolean): number | undefined {
  if (v === undefined && optional) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(line, `${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return v;
}

function parseOp(o: unknown, line: number, i: number): TraceOp {
  if (typeof o !== 'object' || o === null) bad(line, `op ${i} is not an object`);
  const r = o as Record<string, unknown>;
  const w = `op ${i}`;
  if (typeof r.block !== 'string' || !BLOCKS.has(r.block)) bad(line, `${w}: unknown block ${JSON.stringify(r.block)}`);
  if (typeof r.op !== 'string' || !(CRYPTO.has(r.op) || PROTO.has(r.op) || OTHER.has(r.op))) bad(line, `${w}: unknown op ${JSON.stringify(r.op)}`);
  const op = newOp(r.block as TraceBlock, r.op as TraceOpKind);
  if (CRYPTO.has(r.op)) {
    if (typeof r.alg !== 'string' || r.alg === '') bad(line, `${w}: a crypto op needs alg`);
    op.alg = r.alg;
    op.bytes = nat(r.bytes, line, `${w} bytes`, false);
  } else if (r.alg !== undefined) {
    if (typeof r.alg !== 'string') bad(line, `${w}: alg must be a string`);
    op.alg = r.alg;
  }
  if ((op.block === 'port_rx' || op.block === 'port_tx' || op.block === 'dma_to_engine' || op.block === 'dma_from_engine') && r.bytes === undefined) {
    bad(line, `${w}: ${op.block} needs bytes`);
  }
  if (op.block === 'ctx_cache') op.conn = nat(r.conn, line, `${w} conn`, false);
  for (const f of ['bytes', 'out', 'blocks', 'aad', 'key_bits', 'cycles', 'submit', 'start', 'end', 'release'] as const) {
    const v = nat(r[f], line, `${w} ${f}`, true);
    if (v !== undefined) op[f] = v;
  }
  if (r.dropped !== undefined) {
    if (typeof r.dropped !== 'boolean') bad(line, `${w}: dropped must be a boolean`);
    op.dropped = r.dropped;
  }
  if (op.key_bits !== undefined && op.op !== 'sign' && op.op !== 'verify') bad(line, `${w}: key_bits only on sign or verify`);
  if (op.start !== undefined && op.end !== undefined && op.end < op.start) bad(line, `${w}: end before start`);
  if (op.release !== undefined && (op.start === undefined || op.end === undefined || op.release < op.start || op.release > op.end)) bad(line, `${w}: release outside start..end`);
  if (op.submit !== undefined && op.start !== undefined && op.start < op.submit) bad(line, `${w}: start before submit`);
  return op;
}

/** Reads an operation trace line by line: parseOpTrace over a whole text, or a file read in pieces (a trace of a
 *  long run can exceed the longest string V8 holds, ~512 MiB). Blank lines are ignored; parents precede children. */
export class OpTraceReader {
  private header: OpTraceHeader | undefined = undefined;
  private readonly jobs: TraceJob[] = [];
  private readonly ids = new Set<number>();

  /** Line `line` (1-based, for messages) of the trace, without its newline. */
  line(text: string, line: number): void {
    const s = text.trim();
    if (s === '') return;
    let v: unknown;
    try {
      v = JSON.parse(s);
    } catch {
      bad(line, 'not valid JSON');
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(line, 'not a JSON object');
    const r = v as Record<string, unknown>;
    if (this.header === undefined) {
      this.header = parseHeader(r, line);
      return;
    }
    const ids = this.ids;
    if (r.type !== 'job') bad(line, `unknown line type ${JSON.stringify(r.type)}`);
    const id = nat(r.id, line, 'id', false)!;
    if (ids.has(id)) bad(line, `duplicate job id ${id}`);
    if (typeof r.kind !== 'string' || !KINDS.has(r.kind)) bad(line, `unknown job kind ${JSON.stringify(r.kind)}`);
    const job: TraceJob = { id, kind: r.kind as JobKind, arrival: nat(r.arrival, line, 'arrival', false)!, ops: [] };
    const parent = nat(r.parent, line, 'parent', true);
    if (parent !== undefined) {
      if (!ids.has(parent)) bad(line, `parent ${parent} is not an earlier job`);
      if (parent >= id) bad(line, `parent ${parent} must have a smaller id than ${id}`);
      job.parent = parent;
    }
    if (typeof r.peer === 'string') job.peer = r.peer;
    if (r.phase === 'handshake' || r.phase === 'data') job.phase = r.phase;
    const rec = nat(r.record, line, 'record', true);
    if (rec !== undefined) job.record = rec;
    if (!Array.isArray(r.ops)) bad(line, 'ops must be an array');
    for (let i = 0; i < r.ops.length; i++) job.ops.push(parseOp(r.ops[i], line, i));
    ids.add(id);
    this.jobs.push(job);
  }

  finish(): OpTrace {
    if (this.header === undefined) throw new OpTraceError('ops trace: empty (no header line)');
    return { header: this.header, jobs: this.jobs };
  }
}

function parseHeader(r: Record<string, unknown>, line: number): OpTraceHeader {
  if (r.type !== 'header') bad(line, 'the first line must be the header ({"type":"header",...})');
  if (r.format !== OP_TRACE_FORMAT) bad(line, `format must be "${OP_TRACE_FORMAT}"`);
  if (!READ_VERSIONS.has(r.version)) bad(line, `unsupported version ${JSON.stringify(r.version)} (this reader: ${[...READ_VERSIONS].join(', ')})`);
  if (r.time_unit !== 'ps') bad(line, 'time_unit must be "ps"');
  if (typeof r.model !== 'string') bad(line, 'header.model must be a string');
  if (typeof r.params_digest !== 'string') bad(line, 'header.params_digest must be a string');
  const header: OpTraceHeader = { type: 'header', format: OP_TRACE_FORMAT, version: r.version as number, model: r.model, params_digest: r.params_digest, time_unit: 'ps' };
  if (typeof r.source === 'object' && r.source !== null) header.source = r.source as Record<string, unknown>;
  return header;
}

/** Parses a whole operation trace (OpTraceReader over its lines). */
export function parseOpTrace(text: string): OpTrace {
  const r = new OpTraceReader();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) r.line(lines[n]!, n + 1);
  return r.finish();
}

const OP_KEYS = ['block', 'op', 'alg', 'bytes', 'out', 'blocks', 'aad', 'key_bits', 'conn', 'cycles', 'submit', 'start', 'end', 'release', 'dropped'] as const;

/** One op as a JSON object with a fixed key order (byte-identical output for identical traces). */
function opJson(o: TraceOp): string {
  let s = '{';
  let first = true;
  for (const k of OP_KEYS) {
    const v = o[k];
    if (v === undefined) continue;
    s += (first ? '' : ',') + JSON.stringify(k) + ':' + JSON.stringify(v);
    first = false;
  }
  return s + '}';
}

/** One job line (no newline). */
export function formatJobLine(j: TraceJob): string {
  let s = `{"type":"job","id":${j.id},"kind":"${j.kind}","arrival":${j.arrival}`;
  if (j.parent !== undefined) s += `,"parent":${j.parent}`;
  if (j.peer !== undefined) s += `,"peer":${JSON.stringify(j.peer)}`;
  if (j.phase !== undefined) s += `,"phase":"${j.phase}"`;
  if (j.record !== undefined) s += `,"record":${j.record}`;
  s += ',"ops":[';
  for (let i = 0; i < j.ops.length; i++) s += (i > 0 ? ',' : '') + opJson(j.ops[i]!);
  return s + ']}';
}

export function formatHeaderLine(h: OpTraceHeader): string {
  const o: Record<string, unknown> = { type: 'header', format: h.format, version: h.version, model: h.model, params_digest: h.params_digest, time_unit: h.time_unit };
  if (h.source !== undefined) o.source = h.source;
  return JSON.stringify(o);
}

export function formatOpTrace(t: OpTrace): string {
  return formatOpTraceChunks(t).join('');
}

/** formatOpTrace in pieces of whole lines of about `maxChars` characters at most (see OpTraceReader). */
export function formatOpTraceChunks(t: OpTrace, maxChars = 1 << 26): string[] {
  const out: string[] = [];
  let s = formatHeaderLine(t.header) + '\n';
  for (const j of t.jobs) {
    const l = formatJobLine(j) + '\n';
    if (s.length + l.length > maxChars && s.length > 0) {
      out.push(s);
      s = '';
    }
    s += l;
  }
  if (s.length > 0) out.push(s);
  return out;
}

/** Canonical JSON (sorted keys) of a value, for digests. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonicalJson).join(',') + ']';
  if (typeof v === 'object' && v !== null) {
    const keys = Object.keys(v as object).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort();
    return '{' + keys.map((k) => JSON.stringify(k) + ':' + canonicalJson((v as Record<string, unknown>)[k])).join(',') + '}';
  }
  return JSON.stringify(v);
}

/** 'sha256:<hex>' of the canonical JSON of a model's effective parameters (the header's params_digest). */
export function modelDigest(model: unknown): string {
  return 'sha256:' + createHash('sha256').update(canonicalJson(model)).digest('hex');
}
