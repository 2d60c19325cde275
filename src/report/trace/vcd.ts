// Value Change Dump (IEEE 1364-2005, 18.2) of an operation trace, for GTKWave: timescale 1 ps, one scope per block
// with `busy` (operations in service) and `queue` (requests waiting), ports also `bytes` (UDP payload bytes in
// flight). Integer signals (`integer`, 32 bits) with binary values. Pure: returns the text.
import type { Ps } from '../../sim/index.ts';
import type { OpTrace } from '../../workload/trace/format.ts';
import { buildTimeline, type Steps } from './timeline.ts';

/** VCD identifier code number n: printable ASCII 33..126, base 94. */
function ident(n: number): string {
  let s = '';
  do {
    s += String.fromCharCode(33 + (n % 94));
    n = Math.floor(n / 94);
  } while (n > 0);
  return s;
}

export function vcdText(trace: OpTrace, opts: { version?: string } = {}): string {
  const tl = buildTimeline(trace);
  const head: string[] = [];
  head.push(`$version ${opts.version ?? 'dtls-accel-sim'} $end`);
  head.push(`$comment model ${trace.header.model} ${trace.header.params_digest} $end`);
  head.push('$timescale 1 ps $end');
  head.push('$scope module server $end');
  const sig: { id: string; s: Steps }[] = [];
  for (const b of tl.blocks) {
    head.push(`$scope module ${b.block} $end`);
    const add = (name: string, s: Steps) => {
      const id = ident(sig.length);
      sig.push({ id, s });
      head.push(`$var integer 32 ${id} ${name} $end`);
    };
    add('busy', b.busy);
    add('queue', b.queue);
    if (b.bytes) add('bytes', b.bytes);
    head.push('$upscope $end');
  }
  head.push('$upscope $end', '$enddefinitions $end');
  // merge all changes by time
  const changes: { t: Ps; id: string; v: number }[] = [];
  for (const x of sig) for (let i = 0; i < x.s.t.length; i++) changes.push({ t: x.s.t[i]!, id: x.id, v: x.s.v[i]! });
  changes.sort((a, b) => a.t - b.t);
  const out = head;
  out.push('#0', '$dumpvars');
  for (const x of sig) out.push(`b0 ${x.id}`);
  out.push('$end');
  let cur = 0;
  for (const c of changes) {
    if (c.t !== cur) {
      out.push(`#${c.t}`);
      cur = c.t;
    }
    out.push(`b${c.v.toString(2)} ${c.id}`);
  }
  return out.join('\n') + '\n';
}
