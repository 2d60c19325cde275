// From stored runs to per-point results: replication means with confidence intervals, SLA verdicts, the
// bottleneck block, the Pareto front and the recommendation. Pure: same plan + same stored runs => same result.
import { relativeMargin } from '../report/sla.ts';
import { confidenceInterval } from './stats.ts';
import type { Interval } from './stats.ts';
import type { RunOutcome } from './metrics.ts';
import { paretoFront } from './pareto.ts';
import type { Plan } from './plan.ts';
import type { Point } from './space.ts';
import type { RunStore } from './store.ts';

export interface SlaVerdict {
  name: string;
  op: '<=' | '>=';
  target: number;
  unit: string;
  /** 'scenario' (from the scenario's sla:) or 'sweep' (added or replaced by the sweep's constraints). */
  source: 'scenario' | 'sweep';
  value: Interval;
  /** The unfavourable end of the interval meets the target: high <= target for '<=', low >= target for '>='. */
  pass: boolean;
  /** Relative slack of the mean: (target - mean) / |target| for '<=', (mean - target) / |target| for '>='. */
  margin: number;
}

export interface PointResult {
  index: number;
  params: Point;
  /** Replications found in the store / planned. */
  replications: number;
  planned: number;
  error?: string;
  metrics: Record<string, Interval>;
  sla: SlaVerdict[];
  sla_pass: boolean;
  /** Block with the highest mean utilisation. */
  bottleneck?: { block: string; utilization: number };
  /** Component with the largest mean wait per handshake + record (microseconds). */
  largest_wait?: { component: string; wait_us: number };
}

export interface Recommendation {
  point: number;
  params: Point;
  cost_metric: string;
  cost: number;
  /** Smallest relative SLA margin and the SLA it belongs to (the tightest constraint). */
  margin: number;
  tightest_sla: string;
  margins: { name: string; op: string; target: number; mean: number; margin: number }[];
  bottleneck?: { block: string; utilization: number };
  largest_wait?: { component: string; wait_us: number };
  /**
   * The deciding trade-off: the cheapest point that costs less but fails an SLA (the SLA with the worst margin),
   * and the next-cheapest point that meets every SLA.
   */
  cheaper_failing?: { point: number; params: Point; cost: number; failed_sla: string; mean: number; target: number };
  next_feasible?: { point: number; params: Point; cost: number };
}

export interface SweepResult {
  plan: Plan;
  points: PointResult[];
  /** Metric columns of dse.csv, in order. */
  columns: string[];
  /** Point indices on the Pareto front (all valid points), and restricted to points meeting every SLA. */
  pareto: number[];
  paretoFeasible: number[];
  recommendation?: Recommendation;
  /** Why there is no recommendation (no point meets every SLA, or results missing). */
  noRecommendation?: string;
  /** Planned runs with no stored result (a partial shard output). */
  missingRuns: number;
}

/** The points on either side of the recommendation by cost: the deciding trade-off (Recommendation). */
function tradeoff(rec: PointResult, valid: PointResult[], feasible: PointResult[], metric: string): Pick<Recommendation, 'cheaper_failing' | 'next_feasible'> {
  const cost = (p: PointResult) => p.metrics[metric]?.mean ?? NaN;
  const rc = cost(rec);
  const out: Pick<Recommendation, 'cheaper_failing' | 'next_feasible'> = {};
  let cheaper: PointResult | undefined;
  for (const p of valid) {
    const c = cost(p);
    if (p.sla_pass || !Number.isFinite(c) || c >= rc) continue;
    // the failing point closest in cost to the recommendation: what one would have to give up to save
    if (!cheaper || c > cost(cheaper)) cheaper = p;
  }
  if (cheaper) {
    const worst = [...cheaper.sla].filter((v) => !v.pass).sort(byMargin)[0];
    if (worst) {
      out.cheaper_failing = { point: cheaper.index, params: cheaper.params, cost: cost(cheaper), failed_sla: worst.name, mean: worst.value.mean, target: worst.target };
    }
  }
  let next: PointResult | undefined;
  for (const p of feasible) {
    const c = cost(p);
    if (p === rec || !Number.isFinite(c) || c < rc) continue;
    if (!next || c < cost(next)) next = p;
  }
  if (next) out.next_feasible = { point: next.index, params: next.params, cost: cost(next) };
  return out;
}

export const DEFAULT_METRICS = [
  'handshake_latency_ms.p50',
  'handshake_latency_ms.p99',
  'record_latency_us.p50',
  'record_latency_us.p99',
  'throughput.goodput_gbps',
  'throughput.handshakes_per_s',
  'overhead_vs_udp.throughput_ratio',
  'cost.area_mm2',
  'cost.avg_power_w',
  'cost.energy_per_handshake_uj',
  'cost.energy_per_gb_j',
];

/** Orders margins smallest first, NaN (no relative margin) after every number. */
export function byMargin(a: { margin: number }, b: { margin: number }): number {
  const an = Number.isNaN(a.margin);
  const bn = Number.isNaN(b.margin);
  return an || bn ? Number(an) - Number(bn) : a.margin - b.margin;
}

/** The breakdown component a block's waits are logged under: the DMA's two directions share `dma`, a context-cache
 *  miss is its own component (`ctx_cache_miss`) of the `ctx_cache` block. */
export function waitBlock(component: string, blocks: ReadonlySet<string>): string | undefined {
  if (blocks.has(component)) return component;
  if (component === 'dma' && [...blocks].some((b) => b.startsWith('dma_'))) return 'dma';
  if (component === 'ctx_cache_miss' && blocks.has('ctx_cache')) return 'ctx_cache';
  return undefined;
}

function slaFor(plan: Plan, outcomes: RunOutcome[], confidence: number): SlaVerdict[] {
  type Def = { name: string; op: '<=' | '>='; target: number; unit: string; source: 'scenario' | 'sweep'; values: number[] };
  const defs = new Map<string, Def>();
  const c = plan.sweep.constraints;
  if (c.scenario_sla) {
    for (const o of outcomes) {
      for (const s of o.sla) {
        let d = defs.get(s.name);
        if (!d) defs.set(s.name, (d = { name: s.name, op: s.op, target: s.target, unit: s.unit, source: 'scenario', values: [] }));
        d.values.push(s.value);
      }
    }
  }
  for (const t of c.sla) {
    const op = 'max' in t ? '<=' : '>=';
    const target = 'max' in t ? t.max : t.min;
    const prev = defs.get(t.metric);
    defs.set(t.metric, {
      name: t.metric,
      op,
      target,
      unit: prev?.unit ?? '',
      source: 'sweep',
      values: outcomes.map((o) => o.metrics[t.metric] ?? NaN),
    });
  }
  return [...defs.values()].map((d) => {
    const value = confidenceInterval(d.values, confidence);
    const allFinite = d.values.length === outcomes.length && d.values.every((v) => Number.isFinite(v));
    const pass = allFinite && (d.op === '<=' ? value.high <= d.target : value.low >= d.target);
    return { name: d.name, op: d.op, target: d.target, unit: d.unit, source: d.source, value, pass, margin: relativeMargin(d.op, d.target, value.mean) };
  });
}

export function aggregatePoint(plan: Plan, index: number, outcomes: RunOutcome[]): PointResult {
  const p = plan.points[index]!;
  const base = { index, params: p.params, replications: outcomes.length, planned: p.runs.length };
  const err = p.error ?? outcomes.find((o) => o.error !== undefined)?.error;
  if (err !== undefined) return { ...base, error: err, metrics: {}, sla: [], sla_pass: false };
  const names = new Set<string>();
  for (const o of outcomes) for (const k of Object.keys(o.metrics)) names.add(k);
  const metrics: Record<string, Interval> = {};
  for (const k of [...names].sort()) metrics[k] = confidenceInterval(outcomes.map((o) => o.metrics[k] ?? NaN), plan.sweep.confidence);
  const sla = slaFor(plan, outcomes, plan.sweep.confidence);
  const complete = outcomes.length === p.runs.length && outcomes.length > 0;
  const r: PointResult = { ...base, metrics, sla, sla_pass: complete && sla.every((s) => s.pass) };
  let best: { block: string; utilization: number } | undefined;
  for (const [k, v] of Object.entries(metrics)) {
    const m = /^blocks\.(.+)\.utilization$/.exec(k);
    if (m && Number.isFinite(v.mean) && (!best || v.mean > best.utilization)) best = { block: m[1]!, utilization: v.mean };
  }
  if (best) r.bottleneck = best;
  // Only hardware blocks compete for "largest wait" (the breakdown also lists network, timeouts, host).
  const blockNames = new Set(Object.keys(metrics).flatMap((k) => /^blocks\.(.+)\.utilization$/.exec(k)?.[1] ?? []));
  // each run's waits by block (the DMA's `dma` for its two blocks, ctx_cache_miss with ctx_cache: waitBlock)
  const perRun = outcomes.map((o) => {
    const m = new Map<string, number>();
    for (const [w, v] of Object.entries(o.waits)) {
      const blk = waitBlock(w, blockNames);
      if (blk !== undefined) m.set(blk, (m.get(blk) ?? 0) + v);
    }
    return m;
  });
  const waitNames = [...new Set(perRun.flatMap((m) => [...m.keys()]))].sort();
  let wbest: { component: string; wait_us: number } | undefined;
  for (const w of waitNames) {
    const mean = confidenceInterval(perRun.map((m) => m.get(w) ?? 0)).mean;
    if (Number.isFinite(mean) && (!wbest || mean > wbest.wait_us)) wbest = { component: w, wait_us: mean };
  }
  if (wbest) r.largest_wait = wbest;
  return r;
}

export function aggregate(plan: Plan, store: RunStore): SweepResult {
  let missingRuns = 0;
  const points = plan.points.map((p) => {
    const outcomes: RunOutcome[] = [];
    for (const r of p.runs) {
      const s = store.get(r.key);
      if (s) outcomes.push(s.outcome);
      else missingRuns++;
    }
    return aggregatePoint(plan, p.index, outcomes);
  });
  const sweep = plan.sweep;
  const cols: string[] = [];
  const add = (m: string) => {
    if (!cols.includes(m)) cols.push(m);
  };
  DEFAULT_METRICS.forEach(add);
  sweep.objectives.forEach((o) => add(o.metric));
  add(sweep.cost_metric);
  sweep.metrics.forEach(add);
  for (const p of points) for (const s of p.sla) add(s.name);
  const blockCols = new Set<string>();
  for (const p of points) for (const k of Object.keys(p.metrics)) if (/^blocks\..+\.utilization$/.test(k)) blockCols.add(k);
  [...blockCols].sort().forEach(add);

  // Only complete points (every planned replication stored, no error) compete for the front.
  const valid = points.filter((p) => p.error === undefined && p.replications > 0 && p.replications === p.planned);
  const vec = (p: PointResult) => sweep.objectives.map((o) => p.metrics[o.metric]?.mean ?? NaN);
  const dirs = sweep.objectives.map((o) => o.direction);
  const pareto = paretoFront(valid.map(vec), dirs).map((i) => valid[i]!.index);
  const feasible = valid.filter((p) => p.sla_pass);
  const paretoFeasible = paretoFront(feasible.map(vec), dirs).map((i) => feasible[i]!.index);

  const result: SweepResult = { plan, points, columns: cols, pareto, paretoFeasible, missingRuns };
  let rec: PointResult | undefined;
  for (const p of feasible) {
    const c = p.metrics[sweep.cost_metric]?.mean ?? NaN;
    if (!Number.isFinite(c)) continue;
    const rc = rec ? rec.metrics[sweep.cost_metric]!.mean : Infinity;
    if (c < rc) rec = p; // ties keep the lower index
  }
  if (rec) {
    const margins = rec.sla.map((s) => ({ name: s.name, op: s.op, target: s.target, mean: s.value.mean, margin: s.margin }));
    const tight = [...margins].sort(byMargin)[0];
    result.recommendation = {
      point: rec.index,
      params: rec.params,
      cost_metric: sweep.cost_metric,
      cost: rec.metrics[sweep.cost_metric]!.mean,
      margin: tight ? tight.margin : Infinity,
      tightest_sla: tight ? tight.name : '',
      margins,
      ...(rec.bottleneck ? { bottleneck: rec.bottleneck } : {}),
      ...(rec.largest_wait ? { largest_wait: rec.largest_wait } : {}),
      ...tradeoff(rec, valid, feasible, sweep.cost_metric),
    };
  } else {
    result.noRecommendation =
      missingRuns > 0 ? `${missingRuns} planned run(s) have no stored result` : 'no point meets every SLA';
  }
  return result;
}
