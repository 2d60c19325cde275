// Piscina worker: runs one simulation of a sweep point and returns its RunOutcome. Configuration problems and
// simulator exceptions become `{error}` outcomes (stored, so a resumed sweep does not retry a broken point).
import { runScenario } from '../workload/index.ts';
import { outcomeFromResult } from './metrics.ts';
import type { RunOutcome } from './metrics.ts';
import type { EvalTask } from './run.ts';

export default function evaluateTask(task: EvalTask): RunOutcome {
  try {
    const result = runScenario({
      scenario: task.scenario as Parameters<typeof runScenario>[0]['scenario'],
      model: task.model as Parameters<typeof runScenario>[0]['model'],
      seed: task.seed,
      crypto: task.crypto,
    });
    return outcomeFromResult(result);
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { metrics: {}, sla: [], waits: {}, error: msg };
  }
}
