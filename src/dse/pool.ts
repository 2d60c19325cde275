// Worker-pool evaluator: each run goes to a piscina worker thread executing src/dse/worker.ts (the real
// simulator). Runs as TypeScript under tsx (worker entry `worker.ts`) or compiled JavaScript (`worker.js`).
import { Piscina } from 'piscina';
import type { RunOutcome } from './metrics.ts';
import type { EvalTask, Evaluator } from './run.ts';
import { RunTimeoutError } from './run.ts';

export interface PoolEvaluator {
  evaluate: Evaluator;
  close(): Promise<void>;
}

/**
 * `timeoutS` > 0 limits each run's wall-clock time: the task is aborted (piscina terminates the worker thread
 * running it and starts a fresh one) and the run is reported as a RunTimeoutError (not stored).
 */
export function poolEvaluator(jobs: number, timeoutS = 0): PoolEvaluator {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const pool = new Piscina({
    filename: new URL(`./worker${ext}`, import.meta.url).href,
    minThreads: jobs,
    maxThreads: jobs,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  return {
    evaluate: async (task: EvalTask) => {
      if (!(timeoutS > 0)) return (await pool.run(task)) as RunOutcome;
      const ac = new AbortController();
      const timer = setTimeout(() => ac.abort(), timeoutS * 1000);
      try {
        return (await pool.run(task, { signal: ac.signal })) as RunOutcome;
      } catch (e) {
        if (ac.signal.aborted) {
          throw new RunTimeoutError(`point ${task.pointIndex} replication ${task.replication} (seed ${task.seed}): no result after ${timeoutS} s`);
        }
        throw e;
      } finally {
        clearTimeout(timer);
      }
    },
    close: () => pool.destroy(),
  };
}
