// Distribution specs as written in scenario files: a plain number (a constant) or `{dist: <name>, ...}`.
// The accepted shapes are exactly the kernel's `Distribution` (src/sim/random.ts), so a validated spec goes
// straight to `makeSampler(spec, stream)`. Units are those of the field holding the spec (bytes for
// traffic.size, ms for network.one_way_ms). Values here are non-negative (sizes and delays); a delay's normal must
// say `min` (DelayDistSpec), since the kernel's normal is unbounded below and a negative delay stops the run.
import * as z from 'zod';
import { distributionMean, type Distribution } from '../../sim/index.ts';
import { DELAY_LIMIT_WHY, MAX_DELAY_MS } from './limits.ts';

const nonNeg = z.number().nonnegative();
const pos = z.number().positive();
const clamps = { min: nonNeg.optional(), max: nonNeg.optional() };

function clampOk(d: { min?: number | undefined; max?: number | undefined }): boolean {
  return d.min === undefined || d.max === undefined || d.max >= d.min;
}
const clampMsg = { message: 'max must be >= min', path: ['max'] };

const Deterministic = z.strictObject({ dist: z.literal('deterministic'), value: nonNeg });
const Uniform = z.strictObject({ dist: z.literal('uniform'), min: nonNeg, max: nonNeg }).refine(clampOk, clampMsg);
/** Exponential given by `mean` or by `rate` (= 1 / mean). */
const Exponential = z
  .strictObject({ dist: z.literal('exponential'), mean: pos.optional(), rate: pos.optional() })
  .refine((d) => (d.mean === undefined) !== (d.rate === undefined), { message: 'give exactly one of mean or rate', path: ['mean'] });
/** Normal, clamped to [min, max] (a delay must give min: DelayDistSpec). */
const Normal = z.strictObject({ dist: z.literal('normal'), mean: nonNeg, sd: nonNeg, ...clamps }).refine(clampOk, clampMsg);
/** Log-normal by the samples' own mean and sd, or by the underlying normal's mu and sigma; optional clamps. */
const Lognormal = z
  .strictObject({
    dist: z.literal('lognormal'),
    mean: pos.optional(),
    sd: nonNeg.optional(),
    mu: z.number().optional(),
    sigma: nonNeg.optional(),
    ...clamps,
  })
  .refine(
    (d) =>
      (d.mean !== undefined && d.sd !== undefined && d.mu === undefined && d.sigma === undefined) ||
      (d.mu !== undefined && d.sigma !== undefined && d.mean === undefined && d.sd === undefined),
    { message: 'give either mean and sd, or mu and sigma' },
  )
  .refine(clampOk, clampMsg);
/** Discrete values with optional weights (e.g. an IMIX of record sizes). */
const Empirical = z
  .strictObject({ dist: z.literal('empirical'), values: z.array(nonNeg).min(1), weights: z.array(nonNeg).min(1).optional() })
  .refine((d) => !d.weights || d.weights.length === d.values.length, { message: 'weights must have one entry per value', path: ['weights'] })
  .refine((d) => !d.weights || d.weights.some((w) => w > 0), { message: 'weights must not all be 0', path: ['weights'] });

const DistObjectSchema = z.discriminatedUnion('dist', [Deterministic, Uniform, Exponential, Normal, Lognormal, Empirical]);

/** A number (constant) or a distribution object; the validated value is a kernel `Distribution`. */
export const DistSpec = z.union([nonNeg, DistObjectSchema]) as unknown as z.ZodType<Distribution, Distribution>;
/** Same, but a constant must be > 0 (record sizes). */
export const PositiveDistSpec = z.union([pos, DistObjectSchema]) as unknown as z.ZodType<Distribution, Distribution>;
export type DistSpec = Distribution;

/**
 * A delay, ms (network.one_way_ms): a DistSpec whose samples are never negative and whose parameters are at most
 * MAX_DELAY_MS. A normal must give `min` (>= 0, as every clamp here): without it, draws below 0 are negative delays,
 * which the kernel refuses at run time. Draws of an unbounded distribution above MAX_DELAY_MS (a far tail) are cut
 * there by the network model (src/workload/network.ts).
 */
export const DelayDistSpec = DistSpec.superRefine((d, ctx) => {
  const tooBig = (v: number | undefined, path: (string | number)[]) => {
    if (v !== undefined && v > MAX_DELAY_MS) ctx.addIssue({ code: 'custom', path, message: `must be <= ${MAX_DELAY_MS} (${DELAY_LIMIT_WHY})` });
  };
  if (typeof d === 'number') return tooBig(d, []);
  if (d.dist === 'normal' && d.min === undefined) {
    ctx.addIssue({
      code: 'custom', path: ['min'],
      message: 'required for a delay: a normal distribution draws negative values (give min: 0 or more; samples are clamped to [min, max])',
    });
  }
  const o = d as Partial<Record<'value' | 'min' | 'max' | 'mean', number>> & { values?: number[] };
  for (const k of ['value', 'min', 'max', 'mean'] as const) tooBig(o[k], [k]);
  o.values?.forEach((v, i) => tooBig(v, ['values', i]));
}) as unknown as z.ZodType<Distribution, Distribution>;

/** Mean of a distribution spec (before clamps): the kernel's distributionMean. */
export function distMean(d: DistSpec): number {
  return distributionMean(d);
}
