// Builds an operation trace while a simulation runs: the capture side of the format (src/workload/trace/format.ts).
// The co-simulation's server calls it at each job start, stage submission and stage end; a job's line is written
// when the job ends (parents end before their children start, so the file lists parents first). Pure, no IO.
//
//   const rec = new OpTraceRecorder({ model: m.name, params_digest: modelDigest(m) }, { from, to });
//   const id = rec.startJob('rx', now, { peer, phase, record, parent });
//   rec.submit(id, { block: 'port_rx', op: 'datagram', bytes }, now);
//   rec.served(id, startPs, now, releasePs?);           // or rec.dropped(id) -> the job ends
//   rec.note(id, { block: 'ctx_cache', op: 'remove', conn });   // an untimed op (a context leaving the cache)
//   rec.endJob(id);
//   rec.text()                                            // header + every recorded job, JSON Lines
//   rec.bytes()                                           // the same as UTF-8 bytes (any length)
//
// Window: only jobs with from <= arrival < to are written (their ids stay those of the run); a job whose parent is
// not written loses its `parent` (a reader then starts it at its arrival). Jobs in flight cost one object each.
// Written lines are kept as UTF-8 bytes in one growing array, not as strings: V8 keeps a string built by
// concatenation as a tree of its pieces (~30 heap objects and 8x the text's size per job line), which the garbage
// collector marks again at every major collection for the rest of the run (the full 10k-clients run with a 50 ms
// window: 160 MB of heap and ~35 % more CPU in the co-simulation before this).
import type { Ps } from '../../sim/index.ts';
import { OP_TRACE_FORMAT, OP_TRACE_VERSION, formatHeaderLine, formatJobLine, type JobKind, type OpTraceHeader, type TraceJob, type TraceOp } from './format.ts';

export interface RecorderWindow {
  /** First arrival time recorded, ps (default 0). */
  from?: Ps;
  /** Arrivals at or after this are not recorded, ps (default: no end). */
  to?: Ps;
}

export class OpTraceRecorder {
  private readonly header: OpTraceHeader;
  private readonly from: Ps;
  private readonly to: Ps;
  private nextId = 0;
  private readonly live = new Map<number, TraceJob>();
  /** Ids of the jobs written (their children may start later): one number per recorded job. */
  private readonly written = new Set<number>();
  private readonly lines = new LineBytes();
  private readonly lineIds: number[] = [];
  jobs = 0;
  ops = 0;

  constructor(header: { model: string; params_digest: string; source?: Record<string, unknown> }, window: RecorderWindow = {}) {
    this.header = { type: 'header', format: OP_TRACE_FORMAT, version: OP_TRACE_VERSION, model: header.model, params_digest: header.params_digest, time_unit: 'ps' };
    if (header.source) this.header.source = header.source;
    this.from = window.from ?? 0;
    this.to = window.to ?? Infinity;
  }

  /** A job starts now. Returns its id (ids count every job of the run, recorded or not). */
  startJob(kind: JobKind, now: Ps, o: { parent?: number; peer?: string; phase?: 'handshake' | 'data'; record?: number } = {}): number {
    const id = this.nextId++;
    if (now < this.from || now >= this.to) return id;
    const j: TraceJob = { id, kind, arrival: now, ops: [] };
    if (o.parent !== undefined && (this.live.has(o.parent) || this.written.has(o.parent))) j.parent = o.parent;
    if (o.peer !== undefined) j.peer = o.peer;
    if (o.phase !== undefined) j.phase = o.phase;
    if (o.record !== undefined) j.record = o.record;
    this.live.set(id, j);
    return id;
  }

  /** True while job `id` is being recorded (started in the window, not ended). */
  recording(id: number): boolean {
    return this.live.has(id);
  }

  /** Job `id` asks a block for `op` now (its times are filled by served/dropped). */
  submit(id: number, op: TraceOp, now: Ps): void {
    const j = this.live.get(id);
    if (!j) return;
    op.submit = now;
    j.ops.push(op);
  }

  /** The job's last submitted op was served from `start` to `end` (the instance freed at `release`, if earlier). */
  served(id: number, start: Ps, end: Ps, release?: Ps): void {
    const j = this.live.get(id);
    if (!j) return;
    const op = j.ops[j.ops.length - 1]!;
    op.start = start;
    op.end = end;
    if (release !== undefined && release < end) op.release = release;
    this.ops++;
  }

  /** The job's last submitted op was refused (full port queue): the job ends. */
  dropped(id: number): void {
    const j = this.live.get(id);
    if (!j) return;
    const op = j.ops[j.ops.length - 1]!;
    delete op.submit;
    op.dropped = true;
    this.endJob(id);
  }

  /** An op that takes no time (a context leaving the cache), at its place in the job. */
  note(id: number, op: TraceOp): void {
    this.live.get(id)?.ops.push(op);
  }

  endJob(id: number): void {
    const j = this.live.get(id);
    if (!j) return;
    this.live.delete(id);
    this.lines.push(formatJobLine(j));
    this.lineIds.push(id);
    this.jobs++;
    this.written.add(id);
  }

  /** Header and every job that ended, one JSON object per line, in id order (a parent before its children, even
   *  one that ended after a child that ended in its release). */
  text(): string {
    return this.chunks().join('');
  }

  /** Positions of the written lines in id order. */
  private order(): number[] {
    const ids = this.lineIds;
    const order = Array.from(ids.keys());
    for (let i = 1; i < ids.length; i++) {
      if (ids[i]! < ids[i - 1]!) return order.sort((a, b) => ids[a]! - ids[b]!);
    }
    return order;
  }

  /** The same text in pieces of whole lines of at most about `maxChars` characters each (a long run's trace can
   *  exceed the longest string V8 holds, ~512 MiB: write the pieces one after the other). */
  chunks(maxChars = 1 << 26): string[] {
    const out: string[] = [];
    let cur: string[] = [formatHeaderLine(this.header)];
    let size = cur[0]!.length;
    for (const i of this.order()) {
      const l = this.lines.text(i);
      if (size + l.length > maxChars && cur.length > 0) {
        out.push(cur.join('\n') + '\n');
        cur = [];
        size = 0;
      }
      cur.push(l);
      size += l.length + 1;
    }
    if (cur.length > 0) out.push(cur.join('\n') + '\n');
    return out;
  }

  /** text() as UTF-8 bytes, built without strings (any length). */
  bytes(): Uint8Array {
    const head = UTF8.encode(formatHeaderLine(this.header) + '\n');
    const order = this.order();
    const out = new Uint8Array(head.length + this.lines.byteLength + order.length);
    out.set(head, 0);
    let at = head.length;
    for (const i of order) {
      at = this.lines.copy(i, out, at);
      out[at++] = 10;
    }
    return out;
  }
}

const UTF8 = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/** Lines (without newline) as UTF-8 bytes back to back in one array that doubles when full. */
class LineBytes {
  private buf = new Uint8Array(1 << 16);
  /** starts[i]: offset of line i; line i ends at starts[i + 1] (or at `byteLength`). */
  private readonly starts: number[] = [];
  byteLength = 0;

  push(line: string): void {
    const need = this.byteLength + 3 * line.length; // at most 3 UTF-8 bytes per UTF-16 unit
    if (need > this.buf.length) {
      let n = this.buf.length;
      while (n < need) n *= 2;
      const b = new Uint8Array(n);
      b.set(this.buf.subarray(0, this.byteLength));
      this.buf = b;
    }
    this.starts.push(this.byteLength);
    this.byteLength += UTF8.encodeInto(line, this.buf.subarray(this.byteLength)).written;
  }

  private end(i: number): number {
    return i + 1 < this.starts.length ? this.starts[i + 1]! : this.byteLength;
  }

  text(i: number): string {
    return UTF8_DECODER.decode(this.buf.subarray(this.starts[i]!, this.end(i)));
  }

  /** Copies line i into `out` at `at`; returns the offset after it. */
  copy(i: number, out: Uint8Array, at: number): number {
    const a = this.starts[i]!;
    const b = this.end(i);
    out.set(this.buf.subarray(a, b), at);
    return at + b - a;
  }
}
