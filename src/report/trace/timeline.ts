// What the timeline writers (Perfetto, VCD) derive from an operation trace: each served operation placed on one
// instance of its block, and per block the step functions "operations in service", "requests waiting" and (ports)
// "bytes in flight". Pure; instances are identical, so an operation goes to the lowest-numbered instance free at
// its start (the same count of busy instances as the model's at every instant).
import type { Ps } from '../../sim/index.ts';
import { TRACE_BLOCKS, type OpTrace, type TraceBlock, type TraceJob, type TraceOp } from '../../workload/trace/format.ts';

export interface PlacedOp {
  job: TraceJob;
  /** Index of the op in job.ops. */
  index: number;
  op: TraceOp;
  block: TraceBlock;
  instance: number;
  submit: Ps;
  start: Ps;
  end: Ps;
}

/** A step function: at `t[i]` the value becomes `v[i]` (times strictly increasing, values change at each step). */
export interface Steps {
  t: Ps[];
  v: number[];
}

export interface BlockTimeline {
  block: TraceBlock;
  /** Instances used (tracks). */
  instances: number;
  ops: PlacedOp[];
  /** Operations between start and release (or end): busy instances. */
  busy: Steps;
  queue: Steps;
  /** Ports: UDP payload bytes between start and end (serialisation, and propagation on transmit). */
  bytes?: Steps;
}

export interface Timeline {
  blocks: BlockTimeline[];
  /** First and last instant of any served operation (0, 0 for an empty trace). */
  from: Ps;
  to: Ps;
}

/** Turns (time, delta) pairs into a step function starting from 0 (coalescing equal times, skipping no-ops). */
export function steps(deltas: [Ps, number][]): Steps {
  deltas.sort((a, b) => a[0] - b[0]);
  const t: Ps[] = [];
  const v: number[] = [];
  let cur = 0;
  let i = 0;
  while (i < deltas.length) {
    const at = deltas[i]![0];
    while (i < deltas.length && deltas[i]![0] === at) cur += deltas[i++]![1];
    if (v.length === 0 ? cur !== 0 : cur !== v[v.length - 1]) {
      t.push(at);
      v.push(cur);
    }
  }
  return { t, v };
}

/** Value of a step function at time `at` (0 before its first step). */
export function valueAt(s: Steps, at: Ps): number {
  let lo = 0;
  let hi = s.t.length;
  while (lo < hi) {
    const m = (lo + hi) >> 1;
    if (s.t[m]! <= at) lo = m + 1;
    else hi = m;
  }
  return lo === 0 ? 0 : s.v[lo - 1]!;
}

export function buildTimeline(trace: OpTrace): Timeline {
  const by = new Map<TraceBlock, PlacedOp[]>();
  let from = Infinity;
  let to = -Infinity;
  for (const job of trace.jobs) {
    for (let i = 0; i < job.ops.length; i++) {
      const op = job.ops[i]!;
      if (op.start === undefined || op.end === undefined) continue;
      const submit = op.submit ?? op.start;
      let l = by.get(op.block);
      if (!l) by.set(op.block, (l = []));
      l.push({ job, index: i, op, block: op.block, instance: 0, submit, start: op.start, end: op.end });
      if (submit < from) from = submit;
      if (op.end > to) to = op.end;
    }
  }
  const blocks: BlockTimeline[] = [];
  for (const block of TRACE_BLOCKS) {
    const ops = by.get(block);
    if (!ops) continue;
    ops.sort((a, b) => a.start - b.start || a.end - b.end);
    const freeAt: Ps[] = []; // per instance: end of its last op
    for (const p of ops) {
      let k = 0;
      while (k < freeAt.length && freeAt[k]! > p.start) k++;
      if (k === freeAt.length) freeAt.push(0);
      freeAt[k] = p.op.release ?? p.end;
      p.instance = k;
    }
    const busy: [Ps, number][] = [];
    const queue: [Ps, number][] = [];
    const bytes: [Ps, number][] = [];
    const port = block === 'port_rx' || block === 'port_tx';
    for (const p of ops) {
      const rel = p.op.release ?? p.end;
      if (rel > p.start) busy.push([p.start, 1], [rel, -1]);
      if (p.start > p.submit) queue.push([p.submit, 1], [p.start, -1]);
      if (port && p.end > p.start) bytes.push([p.start, p.op.bytes ?? 0], [p.end, -(p.op.bytes ?? 0)]);
    }
    const b: BlockTimeline = { block, instances: freeAt.length, ops, busy: steps(busy), queue: steps(queue) };
    if (port) b.bytes = steps(bytes);
    blocks.push(b);
  }
  return { blocks, from: from === Infinity ? 0 : from, to: to === -Infinity ? 0 : to };
}
