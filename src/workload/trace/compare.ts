// Operation-by-operation comparison of two runs of the same jobs (a replay against the original, or against the
// SystemC model): same jobs, same operations on the same blocks, and the largest difference of any submit, start
// or end time. Pure.
import type { Ps } from '../../sim/index.ts';
import type { TraceJob, TraceOp } from './format.ts';

export interface TraceDiff {
  jobs: number;
  ops: number;
  /** Largest |a - b| over every submit, start and end time (and job start), ps. */
  maxDiffPs: Ps;
  /** Where it occurs (first one). */
  at: string | undefined;
  /** Structural mismatches (missing job, different op or block, dropped in one only), first 10. */
  mismatches: string[];
}

/** Ops that took part in the run: served (times) or refused (dropped). An op without either (a context-cache access
 *  the source model had no cache for, a 0-compression hash) was not served and is left out of the comparison. */
function served(ops: readonly TraceOp[]): TraceOp[] {
  return ops.filter((o) => o.end !== undefined || o.dropped === true);
}

/** Compares the served operations of the jobs of `a` with those of `b`, by job id and position. */
export function compareJobs(a: readonly TraceJob[], b: readonly TraceJob[]): TraceDiff {
  const d: TraceDiff = { jobs: 0, ops: 0, maxDiffPs: 0, at: undefined, mismatches: [] };
  let mismatches = 0;
  const miss = (s: string) => {
    if (mismatches++ < 10) d.mismatches.push(s);
  };
  const byId = new Map<number, TraceJob>();
  for (const j of b) byId.set(j.id, j);
  if (a.length !== b.length) miss(`job count ${a.length} vs ${b.length}`);
  const diff = (x: number | undefined, y: number | undefined, where: string) => {
    if (x === undefined && y === undefined) return;
    if (x === undefined || y === undefined) return miss(`${where}: time in one run only`);
    const e = Math.abs(x - y);
    if (e > d.maxDiffPs) {
      d.maxDiffPs = e;
      d.at = `${where}: ${x} vs ${y} ps`;
    }
  };
  for (const ja of a) {
    const jb = byId.get(ja.id);
    if (!jb) {
      miss(`job ${ja.id} missing`);
      continue;
    }
    d.jobs++;
    diff(ja.arrival, jb.arrival, `job ${ja.id} start`);
    const oa = served(ja.ops);
    const ob = served(jb.ops);
    if (oa.length !== ob.length) miss(`job ${ja.id}: ${oa.length} vs ${ob.length} ops`);
    const n = Math.min(oa.length, ob.length);
    for (let i = 0; i < n; i++) {
      const x = oa[i]!;
      const y = ob[i]!;
      const w = `job ${ja.id} op ${i} (${x.block} ${x.op})`;
      if (x.block !== y.block || x.op !== y.op) {
        miss(`${w} vs ${y.block} ${y.op}`);
        continue;
      }
      if ((x.dropped ?? false) !== (y.dropped ?? false)) miss(`${w}: dropped in one run only`);
      d.ops++;
      diff(x.submit, y.submit, `${w} submit`);
      diff(x.start, y.start, `${w} start`);
      diff(x.end, y.end, `${w} end`);
    }
  }
  if (mismatches > 10) d.mismatches.push(`... ${mismatches - 10} more`);
  return d;
}
