// Piscina worker: runs one simulation of a sweep point and returns its RunOutcome. Configuration problems and
// simulator exceptions become `{error}` outcomes (stored, so a resumed sweep does not retry a broken point).
// The result goes through the same steps as `npm run sim`: normalizeSimResult, then the scenario's SLA checks
// (src/report evaluateSla) when the simulator did not fill them in.
import { evaluateSla, normalizeSimResult } from '../report/index.ts';
import { runScenario } from '../workload/index.ts';
import type { Scenario, ModelConfig } from '../workload/config/index.ts';
import { outcomeFromResult } from './metrics.ts';
import type { RunOutcome } from './metrics.ts';
import type { EvalTask } from './run.ts';

export default function evaluateTask(task: EvalTask): RunOutcome {
  try {
    const scenario = task.scenario as Scenario;
    const result = normalizeSimResult(runScenario({ scenario, model: task.model as ModelConfig, seed: task.seed, crypto: task.crypto }));
    if (result.summary.sla.length === 0 && scenario.sla.length > 0) result.summary.sla = evaluateSla(result.summary, scenario.sla);
    return outcomeFromResult(result);
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { metrics: {}, sla: [], waits: {}, error: msg };
  }
}
