// "Did you mean": the closest known field path to a mistyped one, by edit distance. Pure.

/** Levenshtein distance (insertions, deletions, substitutions, each costing 1). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Every dotted path of a plain value's object fields (intermediate and leaf; array items not descended). */
export function fieldPaths(value: unknown, prefix = ''): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const out: string[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${k}` : k;
    out.push(p, ...fieldPaths(v, p));
  }
  return out;
}

/**
 * The candidate closest to `typed`, if close enough to be a typo: at most 2 edits, or a third of the typed
 * length for long paths. Ties go to the first candidate.
 */
export function closest(typed: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(2, Math.floor(typed.length / 3));
  let best: string | undefined;
  let bestD = limit + 1;
  for (const c of candidates) {
    if (Math.abs(c.length - typed.length) > limit) continue;
    const d = editDistance(typed, c);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}
