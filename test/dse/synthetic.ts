// A fast stand-in for the simulator, used by the machinery tests (resume, shards, outputs): metrics are a
// closed-form function of the effective model (so overrides must really be applied) plus seeded noise.
import { Rng } from '../../src/sim/random.ts';
import type { RunOutcome } from '../../src/dse/metrics.ts';
import type { EvalTask, Evaluator } from '../../src/dse/run.ts';

type Model = { aead: { instances: number; clock_mhz: number }; hash?: { instances: number } };

function syntheticOutcome(task: EvalTask): RunOutcome {
  const m = task.model as Model;
  const n = m.aead.instances;
  const clk = m.aead.clock_mhz;
  const noise = new Rng(task.seed).stream(`synthetic/${n}/${clk}`).next();
  const service = 900 / clk; // us per record
  const load = 0.8 * (1 / n) * (400 / clk);
  const util = Math.min(0.99, load);
  const p99 = service * (1 + util / (1 - util)) * (1 + 0.05 * noise) + 50;
  return {
    metrics: {
      'record_latency_us.p99': p99,
      'record_latency_us.p50': p99 / 2,
      'handshake_latency_ms.p99': 1 + 0.1 * noise,
      'throughput.goodput_gbps': 1 + n * clk * 0.001 * (1 - 0.01 * noise),
      'cost.area_mm2': 0.5 + 0.05 * n * (clk / 1000),
      'cost.avg_power_w': 0.1 * n,
      'blocks.aead.utilization': util,
      'blocks.pke.utilization': 0.3,
    },
    sla: [{ name: 'handshakes.completed', op: '>=', target: 8, value: 8, unit: '', pass: true }],
    waits: { aead: util * 10, pke: 3 },
  };
}

/** Counting evaluator; throws an infrastructure error once `failAfter` runs have completed. */
export function countingEvaluator(failAfter = Infinity): { evaluate: Evaluator; count: () => number; keys: string[] } {
  let n = 0;
  const keys: string[] = [];
  return {
    keys,
    count: () => n,
    evaluate: async (task) => {
      if (n >= failAfter) throw new Error('simulated crash');
      n++;
      keys.push(task.key);
      await new Promise((r) => setImmediate(r));
      return syntheticOutcome(task);
    },
  };
}
