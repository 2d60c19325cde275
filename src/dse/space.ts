// Design space: parameter axes (value lists, linear or log ranges) and the sampling strategies that turn them
// into points (full grid, random N, Latin hypercube N). Randomness comes from a seeded source supplied by the
// caller (src/dse/plan.ts uses src/sim's Rng), so a plan is a pure function of the sweep file and its seed.

export type ParamValue = number | string | boolean;

export type ParamSpec =
  | { param: string; values: ParamValue[] }
  | { param: string; lin: [number, number, number]; integer?: boolean }
  | { param: string; log: [number, number, number]; integer?: boolean };

export type Strategy = { kind: 'grid' } | { kind: 'random'; n: number } | { kind: 'lhs'; n: number };

/** A uniform [0, 1) source. */
export type Uniform = () => number;

/** Parameter name -> value, in the sweep file's parameter order. */
export type Point = Record<string, ParamValue>;

function roundIf(v: number, integer: boolean | undefined): number {
  return integer ? Math.round(v) : v;
}

/** Removes floating-point noise from generated grid values (e.g. 0.30000000000000004 -> 0.3). */
function tidy(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(12)) : v;
}

/** The discrete values a parameter takes in a full grid. */
export function gridValues(p: ParamSpec): ParamValue[] {
  if ('values' in p) return [...p.values];
  const [min, max, steps] = 'lin' in p ? p.lin : p.log;
  const out: number[] = [];
  for (let k = 0; k < steps; k++) {
    const f = steps === 1 ? 0 : k / (steps - 1);
    const v = 'lin' in p ? min + f * (max - min) : Math.exp(Math.log(min) + f * (Math.log(max) - Math.log(min)));
    out.push(roundIf(tidy(v), p.integer));
  }
  // Integer rounding can collapse neighbours; a grid holds each value once.
  return [...new Set(out)];
}

/** Maps u in [0, 1) onto the parameter: continuous for ranges, one of the listed values otherwise. */
export function fromUnit(p: ParamSpec, u: number): ParamValue {
  if ('values' in p) return p.values[Math.min(p.values.length - 1, Math.floor(u * p.values.length))]!;
  if ('lin' in p) {
    const [min, max] = p.lin;
    return roundIf(tidy(min + u * (max - min)), p.integer);
  }
  const [min, max] = p.log;
  return roundIf(tidy(Math.exp(Math.log(min) + u * (Math.log(max) - Math.log(min)))), p.integer);
}

/** Number of points a strategy yields for these parameters. */
export function planSize(params: readonly ParamSpec[], strategy: Strategy): number {
  if (strategy.kind !== 'grid') return strategy.n;
  return params.reduce((n, p) => n * gridValues(p).length, 1);
}

/** Cartesian product; the first parameter varies slowest. */
export function gridPoints(params: readonly ParamSpec[]): Point[] {
  let points: Point[] = [{}];
  for (const p of params) {
    const vals = gridValues(p);
    const next: Point[] = [];
    for (const base of points) for (const v of vals) next.push({ ...base, [p.param]: v });
    points = next;
  }
  return points;
}

/** Unit-cube coordinates of a Latin hypercube: per dimension, each of the n strata [k/n, (k+1)/n) is hit once. */
export function latinHypercubeUnits(n: number, dims: number, uniform: Uniform): number[][] {
  const units: number[][] = Array.from({ length: n }, () => new Array<number>(dims).fill(0));
  for (let d = 0; d < dims; d++) {
    const perm = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(uniform() * (i + 1));
      [perm[i], perm[j]] = [perm[j]!, perm[i]!];
    }
    for (let i = 0; i < n; i++) units[i]![d] = (perm[i]! + uniform()) / n;
  }
  return units;
}

export function randomUnits(n: number, dims: number, uniform: Uniform): number[][] {
  return Array.from({ length: n }, () => Array.from({ length: dims }, () => uniform()));
}

/**
 * The points of a plan, in a fixed order. `uniform` is only drawn from by the random and LHS strategies.
 * Also returns the unit coordinates (for LHS stratification checks; empty for a grid).
 */
export function generatePoints(
  params: readonly ParamSpec[],
  strategy: Strategy,
  uniform: Uniform,
): { points: Point[]; units: number[][] } {
  if (strategy.kind === 'grid') return { points: gridPoints(params), units: [] };
  const units =
    strategy.kind === 'lhs'
      ? latinHypercubeUnits(strategy.n, params.length, uniform)
      : randomUnits(strategy.n, params.length, uniform);
  const points = units.map((u) => {
    const pt: Point = {};
    params.forEach((p, d) => (pt[p.param] = fromUnit(p, u[d]!)));
    return pt;
  });
  return { points, units };
}
