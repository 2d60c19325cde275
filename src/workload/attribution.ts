// "Where the time goes" for one handshake: attributes each instant of [start, end] to exactly one component, so the
// components add up to the handshake's latency. Pure; used by the breakdown probe (probe.ts), tested on hand-made
// logs in test/workload/attribution.test.ts.

/**
 * `log` holds (component, from, to) triples (components 0..30, any order, intervals may overlap and may reach
 * outside [start, end]). Each elementary interval between two boundaries goes to the components active in all of
 * it that have the lowest `rank[component]` (lower rank = more important), split equally among the distinct ones;
 * `out[component]` is increased by each share. Returns the time in [start, end] with no component active.
 * `bounds` is scratch space (emptied and reused, so a caller attributing many handshakes allocates nothing).
 */
export function attribute(log: readonly number[] | null, start: number, end: number, rank: readonly number[], out: Float64Array, bounds: number[]): number {
  if (log === null || isSequential(log)) return attributeSequential(log, start, end, out);
  return attributeSweep(log, start, end, rank, out, bounds);
}

/** True if every interval is well formed and starts at or after the end of the one before: no instant is claimed
 *  twice. */
function isSequential(log: readonly number[]): boolean {
  for (let i = 0; i < log.length; i += 3) {
    if (log[i + 2]! < log[i + 1]!) return false;
    if (i > 0 && log[i + 1]! < log[i - 1]!) return false;
  }
  return true;
}

/** `attribute` for sequential logs (a record's path): each interval's clipped length goes to its component. */
function attributeSequential(log: readonly number[] | null, start: number, end: number, out: Float64Array): number {
  let idle = 0;
  let at = start;
  if (log !== null) {
    for (let i = 0; i < log.length; i += 3) {
      const f = log[i + 1]! > at ? log[i + 1]! : at;
      const t = log[i + 2]! < end ? log[i + 2]! : end;
      if (!(t > f)) continue;
      idle += f - at;
      out[log[i]!]! += t - f;
      at = t;
    }
  }
  if (end > at) idle += end - at;
  return idle;
}

/** `attribute` in general: a sweep over the sorted boundaries (exported for tests). */
export function attributeSweep(log: readonly number[] | null, start: number, end: number, rank: readonly number[], out: Float64Array, bounds: number[]): number {
  while (bounds.length > 0) bounds.pop();
  bounds.push(start, end);
  if (log !== null) {
    for (let i = 0; i < log.length; i += 3) {
      const f = log[i + 1]!;
      const t = log[i + 2]!;
      if (f > start && f < end) bounds.push(f);
      if (t > start && t < end) bounds.push(t);
    }
  }
  bounds.sort((x, y) => x - y);
  let idle = 0;
  for (let b = 0; b + 1 < bounds.length; b++) {
    const a = bounds[b]!;
    const z = bounds[b + 1]!;
    if (!(z > a)) continue;
    let best = Infinity;
    let mask = 0;
    if (log !== null) {
      for (let i = 0; i < log.length; i += 3) {
        if (log[i + 1]! > a || log[i + 2]! < z) continue;
        const comp = log[i]!;
        const r = rank[comp]!;
        if (r < best) {
          best = r;
          mask = 0;
        }
        if (r === best) mask |= 1 << comp;
      }
    }
    if (mask === 0) {
      idle += z - a;
      continue;
    }
    let n = 0;
    for (let m = mask; m !== 0; m &= m - 1) n++;
    const share = (z - a) / n;
    for (let comp = 0; comp < out.length; comp++) if (mask & (1 << comp)) out[comp]! += share;
  }
  return idle;
}
