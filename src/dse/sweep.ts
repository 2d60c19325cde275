// The sweep file: which scenario and model to start from, what to vary, how to sample, what must hold (SLA),
// what to optimise. Parsed with the shared YAML + zod loader (src/workload/config/yaml.ts), so errors read
// `sweeps/x.yaml:12:5 parameters.0.lin: ...`.
import * as z from 'zod';
import { isSlaMetric } from '../workload/config/sla.ts';
import { parseYamlConfig } from '../workload/config/yaml.ts';

const paramPath = z
  .string()
  .regex(/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/, 'must be a dotted field path such as aead.instances');

const range = z
  .tuple([z.number(), z.number(), z.number().int().min(1)])
  .refine((r) => r[1] >= r[0], { message: 'must be [min, max, steps] with max >= min' });

const ParamSchema = z.union([
  z.strictObject({ param: paramPath, values: z.array(z.union([z.number(), z.string(), z.boolean()])).min(1) }),
  z.strictObject({ param: paramPath, lin: range, integer: z.boolean().optional() }),
  z.strictObject({
    param: paramPath,
    log: range.refine((r) => r[0] > 0, { message: 'log range needs min > 0' }),
    integer: z.boolean().optional(),
  }),
]);

const StrategySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('grid') }),
  z.strictObject({ kind: z.literal('random'), n: z.number().int().min(1) }),
  z.strictObject({ kind: z.literal('lhs'), n: z.number().int().min(1) }),
  // Successive halving (src/dse/adaptive.ts); docs/dse.md "Adaptive search".
  z.strictObject({
    kind: z.literal('adaptive'),
    /** Upper bound of the search's cost, in full-length runs (a run at fidelity f counts f). */
    budget: z.number().positive(),
    /** Each rung keeps the best 1/eta of its points. */
    eta: z.number().int().min(2).max(16).default(3),
    /** Points of the last (full-length, all replications) rung; default eta. */
    finalists: z.number().int().min(1).optional(),
    /** Most candidates of rung 0 (default: the whole grid, if the budget allows). */
    candidates: z.number().int().min(1).optional(),
    /**
     * Numeric fields scaled by a rung's fidelity (1/eta^k) to shorten its runs: a path (scaled continuously), or
     * `{param, integer: true}` (rounded, at least 1), e.g. `{param: scenario.clients.count, integer: true}`.
     */
    fidelity: z.array(z.union([paramPath, z.strictObject({ param: paramPath, integer: z.boolean().default(false) })])).default([]),
  }),
]);

// Same shape and metric names as a scenario's `sla:` entries (one bound per entry here): a misspelt metric would
// otherwise make every point fail its check on a missing value.
const slaMetric = paramPath.refine(isSlaMetric, { message: 'unknown metric (see docs/scenarios.md for the list)' });
const SlaTargetSchema = z.union([
  z.strictObject({ metric: slaMetric, max: z.number() }),
  z.strictObject({ metric: slaMetric, min: z.number() }),
]);

const ObjectiveSchema = z.strictObject({ metric: paramPath, direction: z.enum(['min', 'max']) });

export const SweepSchema = z.strictObject({
  /** Name used in the report; defaults to the file's base name. */
  name: z.string().min(1).optional(),
  /** Base scenario file, relative to the sweep file. */
  scenario: z.string().min(1),
  /** Model file, relative to the sweep file; default: the scenario's model (with the scenario's model overrides). */
  model: z.string().min(1).optional(),
  /** `path=value` overrides applied to the base before the parameters; `scenario.` prefix targets the scenario. */
  overrides: z.array(z.string().min(1)).default([]),
  parameters: z.array(ParamSchema).min(1),
  strategy: StrategySchema.default({ kind: 'grid' }),
  /** Seeds the sampling strategy and the replication seeds. */
  seed: z.number().int().min(0).max(2 ** 32 - 1).default(1),
  /** Simulations per point, on seeds derived from `seed` (the same seeds for every point). */
  replications: z.number().int().min(1).max(1000).default(3),
  /** Two-sided confidence level of the Student-t intervals. */
  confidence: z.number().gt(0).lt(1).default(0.95),
  crypto: z.enum(['node', 'noble']).default('node'),
  constraints: z
    .strictObject({
      /** Include the scenario's own `sla:` checks. */
      scenario_sla: z.boolean().default(true),
      /** Extra targets; one naming the same metric as a scenario check replaces it. */
      sla: z.array(SlaTargetSchema).default([]),
    })
    .default({ scenario_sla: true, sla: [] }),
  objectives: z
    .array(ObjectiveSchema)
    .min(1)
    .default([
      { metric: 'cost.area_mm2', direction: 'min' },
      { metric: 'handshake_latency_ms.p99', direction: 'min' },
      { metric: 'throughput.goodput_gbps', direction: 'max' },
    ]),
  /** The cost the recommendation minimises among the points meeting every SLA. */
  cost_metric: paramPath.default('cost.area_mm2'),
  /** Extra summary metrics (dotted paths) to put in dse.csv besides the defaults. */
  metrics: z.array(paramPath).default([]),
});

export type Sweep = z.output<typeof SweepSchema>;
export type SweepParam = Sweep['parameters'][number];

/** Parses a sweep file's text; throws ConfigError with `file:line:col field: message`. */
export function parseSweep(text: string, fileName: string): Sweep {
  return parseYamlConfig(text, fileName, SweepSchema);
}
