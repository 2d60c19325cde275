// Runs the missing part of a plan: every (point, replication) whose key has no stored result is handed to the
// evaluator, at most `jobs` at a time, and stored as soon as it finishes. Re-running after an interruption only
// runs what is missing. The evaluator is injected: the CLI passes a worker-pool evaluator running the real
// simulator; tests pass in-process functions.
import type { RunOutcome } from './metrics.ts';
import type { Plan, Shard } from './plan.ts';
import { shardPoints } from './plan.ts';
import type { Point } from './space.ts';
import type { RunStore } from './store.ts';

export interface EvalTask {
  key: string;
  pointIndex: number;
  replication: number;
  seed: number;
  params: Point;
  crypto: 'node' | 'noble';
  scenario: unknown;
  model: unknown;
}

/**
 * Runs one simulation. Resolve with `{error}` in the outcome for deterministic failures of that configuration
 * (they are stored like results); reject for infrastructure failures (the sweep stops and can be resumed).
 */
export type Evaluator = (task: EvalTask) => Promise<RunOutcome>;

/**
 * Thrown (rejected) by an evaluator when a run exceeded its wall-clock limit. Not stored: a timeout depends on the
 * machine, not only on the configuration; the sweep goes on with the other runs and a later invocation retries it.
 */
export class RunTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunTimeoutError';
  }
}

export interface Progress {
  /** Runs finished in this invocation. */
  done: number;
  /** Runs this invocation has to do (excluding those found in the store). */
  todo: number;
  /** Runs found already stored. */
  reused: number;
}

export interface RunPlanOptions {
  plan: Plan;
  configs: Map<number, { scenario: unknown; model: unknown }>;
  evaluate: Evaluator;
  store: RunStore;
  jobs: number;
  shard?: Shard;
  onProgress?: (p: Progress) => void;
  /** Checked before each task is started; true stops starting new tasks (running ones finish and are stored). */
  shouldStop?: () => boolean;
}

export interface RunPlanResult {
  /** Runs simulated now. */
  evaluated: number;
  /** Runs found in the store. */
  reused: number;
  /** Runs belonging to this shard (all replications of its valid points). */
  total: number;
  stopped: boolean;
  /** Runs that hit the evaluator's time limit (not stored). */
  timedOut: { key: string; pointIndex: number; replication: number; message: string }[];
}

export async function runPlan(o: RunPlanOptions): Promise<RunPlanResult> {
  const points = shardPoints(o.plan, o.shard);
  const pending: EvalTask[] = [];
  const seen = new Set<string>();
  let reused = 0;
  let total = 0;
  for (const p of points) {
    const cfg = o.configs.get(p.index);
    for (const r of p.runs) {
      total++;
      if (seen.has(r.key)) {
        reused++;
        continue; // identical configuration + seed already scheduled (e.g. integer rounding collapsed two points)
      }
      seen.add(r.key);
      if (o.store.get(r.key)) {
        reused++;
        continue;
      }
      if (!cfg) throw new Error(`dse: no configuration for point ${p.index}`);
      pending.push({
        key: r.key,
        pointIndex: p.index,
        replication: r.replication,
        seed: r.seed,
        params: p.params,
        crypto: o.plan.sweep.crypto,
        scenario: cfg.scenario,
        model: cfg.model,
      });
    }
  }
  const todo = pending.length;
  let done = 0;
  let next = 0;
  let failure: unknown;
  let stopped = false;
  const timedOut: RunPlanResult['timedOut'] = [];
  o.onProgress?.({ done, todo, reused });
  const lane = async (): Promise<void> => {
    while (failure === undefined && next < pending.length) {
      if (o.shouldStop?.()) {
        stopped = true;
        return;
      }
      const task = pending[next++]!;
      try {
        const outcome = await o.evaluate(task);
        o.store.put({ key: task.key, seed: task.seed, outcome });
        done++;
        o.onProgress?.({ done, todo, reused });
      } catch (e) {
        if (e instanceof RunTimeoutError) timedOut.push({ key: task.key, pointIndex: task.pointIndex, replication: task.replication, message: e.message });
        else if (failure === undefined) failure = e;
      }
    }
  };
  const lanes = Math.max(1, Math.min(o.jobs, pending.length));
  await Promise.all(Array.from({ length: lanes }, lane));
  if (failure !== undefined) throw failure;
  return { evaluated: done, reused, total, stopped, timedOut };
}
