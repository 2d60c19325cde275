// Worker-pool evaluator: each run goes to a piscina worker thread executing src/dse/worker.ts (the real
// simulator). By default the entry is `worker.ts` under tsx (inherited `--import tsx`) or `worker.js` when the
// code runs compiled; the CLI passes a pre-bundled JavaScript worker instead (src/cli/dse.ts workerBundle), which
// starts faster because it loads without the TypeScript loader (docs/dse.md "Speed").
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
export interface WorkerEntry {
  /** file: URL of a module whose default export is src/dse/worker.ts evaluateTask. */
  filename: string;
  /** Node options of the worker threads (default: the parent's). */
  execArgv?: string[];
}

export function poolEvaluator(jobs: number, timeoutS = 0, worker?: WorkerEntry): PoolEvaluator {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const pool = new Piscina({
    filename: worker?.filename ?? new URL(`./worker${ext}`, import.meta.url).href,
    ...(worker?.execArgv ? { execArgv: worker.execArgv } : {}),
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
