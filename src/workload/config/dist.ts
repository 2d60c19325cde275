// Distribution specs as written in scenario files: a plain number (a constant) or `{dist: <name>, ...}`.
// Units are those of the field holding the spec (bytes for traffic.size, ms for network.one_way_ms, ...).
import * as z from 'zod';

const nonNeg = z.number().nonnegative();
const pos = z.number().positive();

export const ConstantDist = z.strictObject({ dist: z.literal('constant'), value: nonNeg });
export const UniformDist = z
  .strictObject({ dist: z.literal('uniform'), min: nonNeg, max: nonNeg })
  .refine((d) => d.max >= d.min, { message: 'max must be >= min', path: ['max'] });
export const ExponentialDist = z.strictObject({ dist: z.literal('exponential'), mean: pos });
/** Normal truncated at `min` (default 0): samples below it are clamped. */
export const NormalDist = z.strictObject({ dist: z.literal('normal'), mean: nonNeg, sd: nonNeg, min: nonNeg.optional() });
/** Log-normal given by the mean and standard deviation of the samples themselves (not of the underlying normal). */
export const LognormalDist = z.strictObject({ dist: z.literal('lognormal'), mean: pos, sd: nonNeg });
/** Discrete choice: values with weights (e.g. an IMIX of record sizes). */
export const ChoiceDist = z
  .strictObject({
    dist: z.literal('choice'),
    values: z.array(nonNeg).min(1),
    weights: z.array(nonNeg).min(1).optional(),
  })
  .refine((d) => !d.weights || d.weights.length === d.values.length, {
    message: 'weights must have one entry per value',
    path: ['weights'],
  });

export const DistObject = z.discriminatedUnion('dist', [ConstantDist, UniformDist, ExponentialDist, NormalDist, LognormalDist, ChoiceDist]);
/** A number (constant) or a distribution object. */
export const DistSpec = z.union([nonNeg, DistObject]);
export type DistSpec = z.output<typeof DistSpec>;
export type DistObject = z.output<typeof DistObject>;

/** Same as DistSpec but the constant / every value must be > 0 (record sizes). */
export const PositiveDistSpec = z.union([pos, DistObject]);

/** Mean of a distribution spec (for documentation, sizing and sanity checks). */
export function distMean(d: DistSpec): number {
  if (typeof d === 'number') return d;
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return (d.min + d.max) / 2;
    case 'exponential':
      return d.mean;
    case 'normal':
      return d.mean;
    case 'lognormal':
      return d.mean;
    case 'choice': {
      const w = d.weights ?? d.values.map(() => 1);
      const tw = w.reduce((a, b) => a + b, 0);
      return tw > 0 ? d.values.reduce((a, v, i) => a + v * w[i]!, 0) / tw : 0;
    }
  }
}
