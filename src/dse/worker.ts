// Piscina worker: runs one simulation of a sweep point and returns its RunOutcome. Configuration problems and
// simulator exceptions become `{error}` outcomes (stored, so a resumed sweep does not retry a broken point).
// The result goes through the same steps as `npm run sim`: normalizeSimResult, then the scenario's SLA checks
// (src/report evaluateSla) when the simulator did not fill them in.
//
// Work done once: the plain-UDP baseline depends only on the scenario, the seed and the port/DMA/CPU blocks
// (udpBaselineInputs), not on what most sweeps vary (the crypto blocks), and every point of a sweep uses the same
// replication seeds. Each worker thread keeps the baselines it computed (a few, by content key) and passes them to
// runScenario, so a sweep of P points and R replications runs about R baselines per thread instead of P x R.
// The server's certificate chains are memoised the same way inside src/workload (serverChains).
import { evaluateSla, normalizeSimResult } from '../report/index.ts';
import { runScenario, runUdpBaseline, udpBaselineInputs, udpFigures } from '../workload/index.ts';
import type { Scenario, ModelConfig } from '../workload/config/index.ts';
import type { UdpFigures } from '../workload/index.ts';
import { canonicalJson, sha256Hex } from './key.ts';
import { outcomeFromResult } from './metrics.ts';
import type { RunOutcome } from './metrics.ts';
import type { EvalTask } from './run.ts';

const baselines = new Map<string, UdpFigures>();
const BASELINES_MAX = 8;

/** The UDP baseline for these inputs: computed on first use in this thread, then reused. */
export function sharedUdpBaseline(scenario: Scenario, model: ModelConfig, seed: number): UdpFigures {
  const key = sha256Hex(canonicalJson(udpBaselineInputs(scenario, model, seed)));
  let u = baselines.get(key);
  if (!u) {
    u = udpFigures(runUdpBaseline(scenario, model, seed));
    if (baselines.size >= BASELINES_MAX) baselines.delete(baselines.keys().next().value!);
    baselines.set(key, u);
  }
  return u;
}

/** Forgets the baselines kept by this thread (benchmarks). */
export function clearSharedBaselines(): void {
  baselines.clear();
}

export default function evaluateTask(task: EvalTask): RunOutcome {
  try {
    const scenario = task.scenario as Scenario;
    const model = task.model as ModelConfig;
    const udpBaseline = scenario.baseline_udp ? sharedUdpBaseline(scenario, model, task.seed) : undefined;
    const result = normalizeSimResult(runScenario({ scenario, model, seed: task.seed, crypto: task.crypto, udpBaseline }));
    if (result.summary.sla.length === 0 && scenario.sla.length > 0) result.summary.sla = evaluateSla(result.summary, scenario.sla);
    return outcomeFromResult(result);
  } catch (e) {
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return { metrics: {}, sla: [], waits: {}, error: msg };
  }
}
