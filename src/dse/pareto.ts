// Pareto front: the points no other point dominates for a set of objectives (each minimised or maximised).

export type Direction = 'min' | 'max';
export type Objective = { metric: string; direction: Direction };

/** a dominates b: at least as good in every objective and strictly better in one. NaN is worse than anything. */
export function dominates(a: readonly number[], b: readonly number[], directions: readonly Direction[]): boolean {
  let strictly = false;
  for (let i = 0; i < directions.length; i++) {
    const sign = directions[i] === 'min' ? 1 : -1;
    const x = Number.isNaN(a[i]!) ? Infinity : sign * a[i]!;
    const y = Number.isNaN(b[i]!) ? Infinity : sign * b[i]!;
    if (x > y) return false;
    if (x < y) strictly = true;
  }
  return strictly;
}

/**
 * Indices (ascending) of the non-dominated vectors. Points with identical objective vectors are all kept.
 * O(n^2 x objectives), fine for sweeps of thousands of points.
 */
export function paretoFront(vectors: readonly (readonly number[])[], directions: readonly Direction[]): number[] {
  const front: number[] = [];
  for (let i = 0; i < vectors.length; i++) {
    let dominated = false;
    for (let j = 0; j < vectors.length && !dominated; j++) {
      if (j !== i && dominates(vectors[j]!, vectors[i]!, directions)) dominated = true;
    }
    if (!dominated) front.push(i);
  }
  return front;
}
