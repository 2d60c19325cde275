// Adaptive search (`strategy: { kind: adaptive, budget: N }`): successive halving on short runs and replications.
// Rung 0 simulates many candidate points cheaply (one replication, and, when the sweep names fidelity fields,
// a shortened scenario: those fields scaled by f = eta^(r-R)); each rung keeps the best 1/eta of its points for
// the next, longer rung; the last rung simulates the finalists at full length with every replication, and the
// sweep's outputs (dse.csv, Pareto front, recommendation) are computed over those finalists exactly as for a grid.
//
// Ranking within a rung follows the recommendation rule: points meeting every SLA first, cheapest (cost_metric)
// first; then the others by total SLA violation; errors last; ties by candidate order.
//
// Every rung is a plain plan run through runPlan, so results are stored under the same content keys as any
// other sweep (a finalist's full-length run has the key the grid's run of that point has): an interrupted search
// resumes, because re-running recomputes the same rungs from the stored results (the rankings are a pure function
// of them) and simulates only what is missing. Shards (`--shard i/N`) run their share of each rung, then every run
// of the rung still missing (so no shard ever waits for another); shards that share one output directory split
// the work, shards with separate directories each redo the whole search (correct, no speed-up).
import { Rng } from '../sim/random.ts';
import { ConfigError } from '../workload/config/yaml.ts';
import { aggregate } from './aggregate.ts';
import type { PointResult } from './aggregate.ts';
import { PLAN_FORMAT, formatOverride, replicationRuns, replicationSeeds, splitOverrides } from './plan.ts';
import type { Materialize, Plan, PlanPoint, Shard } from './plan.ts';
import { runPlan } from './run.ts';
import type { Evaluator, Progress, RunPlanResult } from './run.ts';
import { fromUnit, gridPoints, gridValues, latinHypercubeUnits } from './space.ts';
import type { Point } from './space.ts';
import type { RunStore } from './store.ts';
import type { Sweep } from './sweep.ts';

export type AdaptiveStrategy = Extract<Sweep['strategy'], { kind: 'adaptive' }>;

export interface RungShape {
  points: number;
  /** Fraction of the full-length scenario (1 = unchanged). */
  fidelity: number;
  replications: number;
}

/**
 * The rung sizes for n candidates: each rung keeps ceil(n / eta) points, down to `finalists`. Fidelity is
 * eta^(r-R) when fidelity fields are declared (else 1); replications 1 except in the last rung.
 */
export function rungShapes(n: number, s: { eta: number; finalists: number; scaled: boolean }, replications: number): RungShape[] {
  const sizes = [n];
  while (sizes[sizes.length - 1]! > s.finalists) sizes.push(Math.max(s.finalists, Math.ceil(sizes[sizes.length - 1]! / s.eta)));
  const last = sizes.length - 1;
  return sizes.map((points, r) => ({
    points,
    fidelity: s.scaled ? s.eta ** (r - last) : 1,
    replications: r === last ? replications : 1,
  }));
}

/** Cost of a schedule in full-length runs: a run at fidelity f counts f. */
export function scheduleCost(shapes: readonly RungShape[]): number {
  return shapes.reduce((c, r) => c + r.points * r.fidelity * r.replications, 0);
}

/** The most candidates (<= max) whose schedule fits the budget; 0 if not even the finalists' rung fits. */
export function candidateCount(max: number, budget: number, s: { eta: number; finalists: number; scaled: boolean }, replications: number): number {
  let best = 0;
  for (let n = 1; n <= max; n++) if (scheduleCost(rungShapes(n, s, replications)) <= budget + 1e-9) best = n;
  return best;
}

/** Grid points, all of them when they fit, else `n` distinct ones spread by a Latin hypercube over each axis's grid. */
export function candidatePoints(sweep: Sweep, n: number, gridSize: number): Point[] {
  if (n >= gridSize) return gridPoints(sweep.parameters);
  const s = new Rng(sweep.seed).stream('dse/strategy');
  const axes = sweep.parameters.map((p) => ({ param: p.param, values: gridValues(p) }));
  const out: Point[] = [];
  const seen = new Set<string>();
  // Integer or coarse axes can map two LHS rows onto one grid point: draw further designs until n are distinct.
  for (let round = 0; out.length < n && round < 64; round++) {
    for (const u of latinHypercubeUnits(n, axes.length, () => s.next())) {
      const pt: Point = {};
      axes.forEach((a, d) => (pt[a.param] = fromUnit(a, u[d]!)));
      const k = JSON.stringify(pt);
      if (!seen.has(k) && out.length < n) {
        seen.add(k);
        out.push(pt);
      }
    }
  }
  return out;
}

function readPath(obj: unknown, path: string): unknown {
  let v = obj;
  for (const k of path.split('.')) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

export type FidelityField = AdaptiveStrategy['fidelity'][number];

/** Overrides that shorten a point's scenario to fidelity f: each fidelity field scaled by f (integer ones rounded, >= 1). */
export function fidelityOverrides(fields: readonly FidelityField[], base: { scenario: unknown; model: unknown }, f: number): string[] {
  if (f === 1) return [];
  return fields.map((spec) => {
    const field = typeof spec === 'string' ? spec : spec.param;
    const integer = typeof spec !== 'string' && spec.integer;
    const split = splitOverrides([`${field}=0`]);
    const inModel = split.model.length > 0;
    const rel = (inModel ? split.model[0]! : split.scenario[0]!).slice(0, -2);
    const v = readPath(inModel ? base.model : base.scenario, rel);
    if (typeof v !== 'number') {
      throw new ConfigError([{ file: 'sweep', line: 0, col: 0, path: 'strategy.fidelity', message: `${field} is not a number in the base configuration` }]);
    }
    const scaled = integer ? Math.max(1, Math.round(v * f)) : Number((v * f).toPrecision(12));
    return formatOverride(field, scaled);
  });
}

export interface RungRecord {
  rung: number;
  fidelity: number;
  replications: number;
  /** Candidate indices evaluated in this rung, best first (the ranking that chose the next rung). */
  ranking: number[];
  /** Per ranked candidate: meets every SLA at this rung, its cost mean, or its error. */
  scores: { candidate: number; sla_pass: boolean; cost: number; violation: number; error?: string }[];
  runs: number;
}

export interface AdaptiveInfo {
  budget: number;
  eta: number;
  fidelity_fields: FidelityField[];
  candidates: Point[];
  rungs: RungRecord[];
  /** Simulations planned over all rungs, and their cost in full-length runs. */
  runs: number;
  cost: number;
}

export interface AdaptiveOptions {
  sweep: Sweep;
  name: string;
  codeVersion: string;
  materialize: Materialize;
  store: RunStore;
  evaluate: Evaluator;
  jobs: number;
  shard?: Shard;
  onProgress?: (p: Progress & { rung: number; rungs: number }) => void;
  shouldStop?: () => boolean;
}

export interface AdaptiveResult {
  /** The finalists' plan: what aggregate() and the outputs use; `adaptive` describes every rung. */
  plan: Plan & { adaptive: AdaptiveInfo };
  configs: Map<number, { scenario: unknown; model: unknown }>;
  evaluated: number;
  reused: number;
  stopped: boolean;
  timedOut: RunPlanResult['timedOut'];
}

/** Total relative violation of a point's failing checks. A failing check with a target of 0 has no relative margin
 *  (NaN, relativeMargin in src/report/sla.ts): it counts 1, a miss by the whole of its target's scale, so that the sum stays a
 *  number and the ranking a total order. */
function violation(p: PointResult): number {
  return p.sla.reduce((s, c) => s + (c.pass ? 0 : (Number.isNaN(c.margin) ? 1 : Math.max(0, -c.margin)) + 1e-9), 0);
}

/** Best first: meets every SLA (cheapest first), then smallest total violation, errors last; ties by candidate. */
export function rankPoints(results: PointResult[], costMetric: string): PointResult[] {
  const key = (p: PointResult): [number, number] => {
    if (p.error !== undefined || p.replications === 0) return [2, 0];
    const cost = p.metrics[costMetric]?.mean ?? NaN;
    if (p.sla_pass && Number.isFinite(cost)) return [0, cost];
    return [1, violation(p)];
  };
  return [...results].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka[0] - kb[0] || ka[1] - kb[1] || a.index - b.index;
  });
}

export async function runAdaptive(o: AdaptiveOptions): Promise<AdaptiveResult> {
  const { sweep } = o;
  if (sweep.strategy.kind !== 'adaptive') throw new Error('runAdaptive: not an adaptive sweep');
  const st = sweep.strategy;
  const shapeOpts = { eta: st.eta, finalists: st.finalists ?? st.eta, scaled: st.fidelity.length > 0 };
  const gridSize = sweep.parameters.reduce((n, p) => n * gridValues(p).length, 1);
  const n0 = candidateCount(Math.min(gridSize, st.candidates ?? gridSize), st.budget, shapeOpts, sweep.replications);
  if (n0 < 1) {
    throw new ConfigError([{ file: 'sweep', line: 0, col: 0, path: 'strategy.budget', message: `budget ${st.budget} is below the cost of the final rung (${scheduleCost(rungShapes(1, shapeOpts, sweep.replications))} full-length runs)` }]);
  }
  const candidates = candidatePoints(sweep, n0, gridSize);
  const shapes = rungShapes(candidates.length, shapeOpts, sweep.replications);
  const seeds = replicationSeeds(sweep.seed, sweep.replications);
  let alive = candidates.map((_, i) => i);
  const rungs: RungRecord[] = [];
  let evaluated = 0;
  let reused = 0;
  const timedOut: RunPlanResult['timedOut'] = [];
  let last: { plan: Plan; configs: Map<number, { scenario: unknown; model: unknown }> } | undefined;
  for (let r = 0; r < shapes.length; r++) {
    const shape = shapes[r]!;
    const ids = alive.slice(0, shape.points);
    const rung = buildRung(o, candidates, ids, shape, seeds.slice(0, shape.replications));
    last = rung;
    const progress = (p: Progress) => o.onProgress?.({ ...p, rung: r, rungs: shapes.length });
    const common = { configs: rung.configs, evaluate: o.evaluate, store: o.store, jobs: o.jobs, onProgress: progress, ...(o.shouldStop ? { shouldStop: o.shouldStop } : {}) };
    // Own share first, then whatever of the rung is still missing (runs other shards have not stored yet).
    const mine = await runPlan({ plan: rung.plan, ...common, ...(o.shard ? { shard: o.shard } : {}) });
    evaluated += mine.evaluated;
    reused += mine.reused;
    timedOut.push(...mine.timedOut);
    if (mine.stopped) return finish(true);
    if (o.shard) {
      const rest = await runPlan({ plan: rung.plan, ...common });
      evaluated += rest.evaluated;
      timedOut.push(...rest.timedOut);
      if (rest.stopped) return finish(true);
    }
    const results = aggregate(rung.plan, o.store).points;
    const ranked = rankPoints(results, sweep.cost_metric);
    rungs.push({
      rung: r,
      fidelity: shape.fidelity,
      replications: shape.replications,
      ranking: ranked.map((p) => ids[p.index]!),
      scores: ranked.map((p) => ({
        candidate: ids[p.index]!,
        sla_pass: p.sla_pass,
        cost: p.metrics[sweep.cost_metric]?.mean ?? NaN,
        violation: violation(p),
        ...(p.error !== undefined ? { error: p.error.split('\n')[0]! } : {}),
      })),
      runs: rung.plan.points.reduce((n, p) => n + p.runs.length, 0),
    });
    alive = ranked.map((p) => ids[p.index]!);
  }
  return finish(false);

  function finish(stopped: boolean): AdaptiveResult {
    const info: AdaptiveInfo = {
      budget: st.budget,
      eta: st.eta,
      fidelity_fields: st.fidelity,
      candidates,
      rungs,
      runs: shapes.reduce((n, s) => n + s.points * s.replications, 0),
      cost: scheduleCost(shapes),
    };
    return { plan: { ...last!.plan, adaptive: info }, configs: last!.configs, evaluated, reused, stopped, timedOut };
  }
}

/** One rung as an ordinary plan: point k is candidate ids[k] at the rung's fidelity and replications. */
function buildRung(o: AdaptiveOptions, candidates: Point[], ids: number[], shape: RungShape, seeds: number[]) {
  const { sweep } = o;
  const configs = new Map<number, { scenario: unknown; model: unknown }>();
  const points: PlanPoint[] = ids.map((c, index) => {
    const params = candidates[c]!;
    const own = [...sweep.overrides, ...Object.entries(params).map(([k, v]) => formatOverride(k, v))];
    let cfg: { scenario: unknown; model: unknown };
    try {
      cfg = o.materialize(splitOverrides(own));
      const short = fidelityOverrides(sweep.strategy.kind === 'adaptive' ? sweep.strategy.fidelity : [], cfg, shape.fidelity);
      if (short.length > 0) cfg = o.materialize(splitOverrides([...own, ...short]));
    } catch (e) {
      if (e instanceof ConfigError) return { index, params, runs: [], error: e.message };
      throw e;
    }
    configs.set(index, cfg);
    return { index, params, runs: replicationRuns(cfg, seeds, sweep.crypto, o.codeVersion) };
  });
  const plan: Plan = {
    format: PLAN_FORMAT,
    name: o.name,
    sweep,
    code_version: o.codeVersion,
    params: sweep.parameters.map((p) => p.param),
    seeds,
    points,
  };
  return { plan, configs };
}
