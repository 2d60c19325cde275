// Perfetto / chrome://tracing timeline (Chrome trace-event JSON) of an operation trace. Pure: returns the text.
//
//   process 1 "server hardware": one thread (track) per block instance ("aead #0"), one complete slice ("X") per
//     operation named after the op, spanning start..release (the instance's busy time), args { op, alg, bytes,
//     cycles, job, queued_us, done_us (start..end when a tail follows: propagation, pipeline drain) };
//   flow arrows (v1 "s"/"t"/"f", bound to the enclosing slice) through the stages of each job (id 2 x job) and through
//     every job that carries the same record (id 2 x record + 1);
//   counter tracks ("C") per block: "<block> queue" (requests waiting) and "<block> busy" (operations in service),
//     ports also "<port> bytes in flight".
// Timestamps are microseconds (the format's unit) with picosecond precision kept as decimals.
import type { Ps } from '../../sim/index.ts';
import type { OpTrace } from '../../workload/trace/format.ts';
import { buildTimeline, type PlacedOp, type Steps } from './timeline.ts';

const PID = 1;

function us(ps: Ps): string {
  // exact decimal of ps / 1e6 (no binary rounding noise)
  const neg = ps < 0;
  const a = Math.abs(ps);
  const int = Math.floor(a / 1e6);
  const frac = a - int * 1e6;
  let s = String(int);
  if (frac > 0) s += '.' + String(frac).padStart(6, '0').replace(/0+$/, '');
  return neg ? '-' + s : s;
}

export interface PerfettoOptions {
  /** Name of the process (the whole server hardware). Default 'server hardware'. */
  processName?: string;
}

export function perfettoJson(trace: OpTrace, opts: PerfettoOptions = {}): string {
  const tl = buildTimeline(trace);
  const ev: string[] = [];
  ev.push(`{"ph":"M","name":"process_name","pid":${PID},"tid":0,"args":{"name":${JSON.stringify(opts.processName ?? `server hardware (${trace.header.model})`)}}}`);
  const tidOf = new Map<string, number>();
  let tid = 1;
  for (const b of tl.blocks) {
    for (let k = 0; k < b.instances; k++) {
      const id = tid++;
      tidOf.set(`${b.block}#${k}`, id);
      ev.push(`{"ph":"M","name":"thread_name","pid":${PID},"tid":${id},"args":{"name":"${b.block} #${k}"}}`);
      ev.push(`{"ph":"M","name":"thread_sort_index","pid":${PID},"tid":${id},"args":{"sort_index":${id}}}`);
    }
  }
  const placed: PlacedOp[] = [];
  for (const b of tl.blocks) {
    for (const p of b.ops) {
      placed.push(p);
      const o = p.op;
      let args = `"op":"${o.op}"`;
      if (o.alg !== undefined) args += `,"alg":${JSON.stringify(o.alg)}`;
      if (o.bytes !== undefined) args += `,"bytes":${o.bytes}`;
      if (o.cycles !== undefined) args += `,"cycles":${o.cycles}`;
      if (o.conn !== undefined) args += `,"conn":${o.conn}`;
      args += `,"job":${p.job.id},"kind":"${p.job.kind}"`;
      if (p.job.record !== undefined) args += `,"record":${p.job.record}`;
      args += `,"queued_us":${us(p.start - p.submit)}`;
      // the slice is the instance's busy time; a tail after it (propagation, pipeline drain) is in done_us
      const rel = o.release ?? p.end;
      if (rel !== p.end) args += `,"done_us":${us(p.end - p.start)}`;
      ev.push(`{"ph":"X","name":"${o.op}","cat":"${p.block}","pid":${PID},"tid":${tidOf.get(`${p.block}#${p.instance}`)},"ts":${us(p.start)},"dur":${us(rel - p.start)},"args":{${args}}}`);
    }
  }
  // flows: through each job's slices in op order, and through every slice of the jobs carrying one record
  placed.sort((a, b) => a.job.id - b.job.id || a.index - b.index);
  const flow = (chain: PlacedOp[], id: number, cat: string, name: string) => {
    if (chain.length < 2) return;
    for (let i = 0; i < chain.length; i++) {
      const p = chain[i]!;
      const ph = i === 0 ? 's' : i === chain.length - 1 ? 'f' : 't';
      ev.push(`{"ph":"${ph}","name":"${name}","cat":"${cat}","id":${id},"pid":${PID},"tid":${tidOf.get(`${p.block}#${p.instance}`)},"ts":${us(p.start)}${ph === 'f' ? ',"bp":"e"' : ''}}`);
    }
  };
  const byRecord = new Map<number, PlacedOp[]>();
  for (let i = 0; i < placed.length; ) {
    let j = i;
    while (j < placed.length && placed[j]!.job === placed[i]!.job) j++;
    const chain = placed.slice(i, j);
    const job = placed[i]!.job;
    flow(chain, 2 * job.id, 'job', `job ${job.id}`);
    if (job.record !== undefined) {
      let r = byRecord.get(job.record);
      if (!r) byRecord.set(job.record, (r = []));
      r.push(...chain);
    }
    i = j;
  }
  for (const [rec, chain] of byRecord) {
    chain.sort((a, b) => a.start - b.start || a.job.id - b.job.id || a.index - b.index);
    flow(chain, 2 * rec + 1, 'record', `record ${rec}`);
  }
  const counter = (name: string, key: string, s: Steps) => {
    for (let i = 0; i < s.t.length; i++) ev.push(`{"ph":"C","name":"${name}","pid":${PID},"ts":${us(s.t[i]!)},"args":{"${key}":${s.v[i]}}}`);
  };
  for (const b of tl.blocks) {
    counter(`${b.block} queue`, 'waiting', b.queue);
    counter(`${b.block} busy`, 'busy', b.busy);
    if (b.bytes) counter(`${b.block} bytes in flight`, 'bytes', b.bytes);
  }
  return `{"displayTimeUnit":"ns","otherData":{"model":${JSON.stringify(trace.header.model)},"params_digest":${JSON.stringify(trace.header.params_digest)}},"traceEvents":[\n` + ev.join(',\n') + '\n]}\n';
}
