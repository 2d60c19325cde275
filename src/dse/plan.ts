// A plan is everything a sweep will simulate, fixed before anything runs: the points (parameter values), the
// replication seeds and, per run, the content key its stored result is filed under. It is a pure function of the
// sweep file, the base scenario/model and the code version, so every shard of a sweep computes the same plan.
import { Rng } from '../sim/random.ts';
import { ConfigError } from '../workload/config/yaml.ts';
import { canonicalJson, runKey, sha256Hex } from './key.ts';
import { generatePoints } from './space.ts';
import type { ParamValue, Point } from './space.ts';
import type { Sweep } from './sweep.ts';

export const PLAN_FORMAT = 'dtls-accel-sim/dse-plan@1';

export interface PlannedRun {
  replication: number;
  seed: number;
  key: string;
}

export interface PlanPoint {
  index: number;
  params: Point;
  /** Empty when the point's configuration is invalid (then `error` says why). */
  runs: PlannedRun[];
  error?: string;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  name: string;
  sweep: Sweep;
  code_version: string;
  params: string[];
  seeds: number[];
  points: PlanPoint[];
}

/** Overrides split by target (each without its `model.` / `scenario.` prefix). */
export type SplitOverrides = { scenario: string[]; model: string[] };

/** Builds the effective (validated) scenario and model for a set of overrides; throws ConfigError if invalid. */
export type Materialize = (ov: SplitOverrides) => { scenario: unknown; model: unknown };

/** Top-level sections of a model file: a bare path starting with one of these targets the model. */
export const MODEL_BLOCKS = ['port', 'dma', 'aead', 'hash', 'pke', 'cpu', 'context_cache'] as const;

/**
 * Same convention as `npm run sim -- --set`: `model.<path>=v` overrides the model (except `model.file` and
 * `model.overrides`, which are scenario fields); everything else overrides the scenario. Additionally, a bare path
 * whose first segment is a model block (`aead.instances=8`) targets the model (no scenario field has these
 * names), and an explicit `scenario.` prefix targets the scenario.
 */
export function splitOverrides(list: readonly string[]): SplitOverrides {
  const out: SplitOverrides = { scenario: [], model: [] };
  for (const ov of list) {
    const first = /^([A-Za-z0-9_-]+)/.exec(ov)?.[1] ?? '';
    if (ov.startsWith('scenario.')) out.scenario.push(ov.slice('scenario.'.length));
    else if (ov.startsWith('model.') && !/^model\.(file|overrides)\s*(\.|=)/.test(ov)) out.model.push(ov.slice('model.'.length));
    else if ((MODEL_BLOCKS as readonly string[]).includes(first)) out.model.push(ov);
    else out.scenario.push(ov);
  }
  return out;
}

export function formatOverride(param: string, v: ParamValue): string {
  return `${param}=${typeof v === 'string' ? JSON.stringify(v) : String(v)}`;
}

/** The overrides that produce a point: the sweep's fixed overrides, then one per parameter. */
export function pointOverrides(sweep: Sweep, params: Point): SplitOverrides {
  return splitOverrides([...sweep.overrides, ...Object.entries(params).map(([k, v]) => formatOverride(k, v))]);
}

/** One run per replication seed of a materialised point, keyed by everything its result depends on. */
export function replicationRuns(cfg: { scenario: unknown; model: unknown }, seeds: readonly number[], crypto: Sweep['crypto'], codeVersion: string): PlanPoint['runs'] {
  return seeds.map((seed, replication) => ({ replication, seed, key: runKey({ scenario: cfg.scenario, model: cfg.model, seed, crypto, codeVersion }) }));
}

/** Replication seeds: the same for every point of a sweep (common random numbers), derived from sweep.seed. */
export function replicationSeeds(seed: number, replications: number): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: replications }, (_, r) => Math.floor(rng.stream(`dse/replication/${r}`).next() * 2 ** 31));
}

export function samplePoints(sweep: Sweep): { points: Point[]; units: number[][] } {
  const s = new Rng(sweep.seed).stream('dse/strategy');
  if (sweep.strategy.kind === 'adaptive') throw new Error('an adaptive sweep has no fixed plan: use runAdaptive (src/dse/adaptive.ts)');
  return generatePoints(sweep.parameters, sweep.strategy, () => s.next());
}

export interface BuiltPlan {
  plan: Plan;
  /** Effective configuration of each valid point, by point index (needed to run it; not part of the plan file). */
  configs: Map<number, { scenario: unknown; model: unknown }>;
}

export function buildPlan(sweep: Sweep, opts: { name: string; codeVersion: string; materialize: Materialize }): BuiltPlan {
  const seeds = replicationSeeds(sweep.seed, sweep.replications);
  const { points } = samplePoints(sweep);
  const configs = new Map<number, { scenario: unknown; model: unknown }>();
  const planPoints: PlanPoint[] = points.map((params, index) => {
    let cfg: { scenario: unknown; model: unknown };
    try {
      cfg = opts.materialize(pointOverrides(sweep, params));
    } catch (e) {
      if (e instanceof ConfigError) return { index, params, runs: [], error: e.message };
      throw e;
    }
    configs.set(index, cfg);
    return { index, params, runs: replicationRuns(cfg, seeds, sweep.crypto, opts.codeVersion) };
  });
  return {
    plan: {
      format: PLAN_FORMAT,
      name: opts.name,
      sweep,
      code_version: opts.codeVersion,
      params: sweep.parameters.map((p) => p.param),
      seeds,
      points: planPoints,
    },
    configs,
  };
}

export function planHash(plan: Plan): string {
  return sha256Hex(canonicalJson(plan));
}

export type Shard = { index: number; count: number };

/** Parses `i/N` (0 <= i < N). */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text.trim());
  if (!m) throw new RangeError(`--shard must look like i/N (0-based i), got "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) throw new RangeError(`--shard ${text}: need 0 <= i < N`);
  return { index, count };
}

/** The points a shard runs: every N-th point starting at i (round-robin balances grids ordered by parameter). */
export function shardPoints(plan: Plan, shard: Shard | undefined): PlanPoint[] {
  if (!shard) return plan.points;
  return plan.points.filter((p) => p.index % shard.count === shard.index);
}
