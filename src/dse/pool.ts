// Worker-pool evaluator: each run goes to a piscina worker thread executing src/dse/worker.ts (the real
// simulator). Runs as TypeScript under tsx (worker entry `worker.ts`) or compiled JavaScript (`worker.js`).
import { Piscina } from 'piscina';
import type { RunOutcome } from './metrics.ts';
import type { EvalTask, Evaluator } from './run.ts';

export interface PoolEvaluator {
  evaluate: Evaluator;
  close(): Promise<void>;
}

export function poolEvaluator(jobs: number): PoolEvaluator {
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  const pool = new Piscina({
    filename: new URL(`./worker${ext}`, import.meta.url).href,
    minThreads: jobs,
    maxThreads: jobs,
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
  });
  return {
    evaluate: (task: EvalTask) => pool.run(task) as Promise<RunOutcome>,
    close: () => pool.destroy(),
  };
}
