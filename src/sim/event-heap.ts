// The kernel's event heap (./kernel.ts): a binary min-heap of (time, key) entries in two parallel Float64Arrays,
// key = seq * SLOT_MAX + slot, so that equal times compare by sequence number with one float compare. Free functions
// over the arrays (the kernel owns them and grows them); no allocation except renumbered().

export const SLOT_MAX = 1 << 22; // at most 4,194,304 events pending at once (cancelled-but-unpopped ones included)
export const GEN_MASK = 0x7fffffff; // id = gen * SLOT_MAX + slot < 2^53
// seq < SEQ_LIMIT keeps key < 2^53; when it is reached, pending entries are renumbered in order (renumbered()).
export const SEQ_LIMIT = 2 ** 31;
// Events scheduled with atFirst() have negative keys, (frontSeq - FRONT_SPAN) * SLOT_MAX + slot: before every other
// event of the same time, in scheduling order among themselves; renumbered() also restarts frontSeq.
export const FRONT_SPAN = 2 ** 30;

/** The slot of a heap key (its low part; keys of atFirst events are negative). */
export function slotOf(key: number): number {
  return key - Math.floor(key / SLOT_MAX) * SLOT_MAX;
}

/** Writes the entry (lt, lk) at position `i` of a heap of `n` entries, moved down past every smaller child. */
export function siftDown(hT: Float64Array, hK: Float64Array, n: number, i: number, lt: number, lk: number): void {
  const half = n >> 1;
  while (i < half) {
    let c = 2 * i + 1;
    let ct = hT[c]!;
    let ck = hK[c]!;
    const r = c + 1;
    if (r < n) {
      const rt = hT[r]!;
      if (rt < ct || (rt === ct && hK[r]! < ck)) {
        c = r;
        ct = rt;
        ck = hK[r]!;
      }
    }
    if (ct > lt || (ct === lt && ck > lk)) break;
    hT[i] = ct;
    hK[i] = ck;
    i = c;
  }
  hT[i] = lt;
  hK[i] = lk;
}

/** The `n` entries with new sequence numbers 0..n-1 in (time, key) order, atFirst ones staying negative, in new
 *  arrays of `cap` entries (a sorted array is a valid heap, so it is returned as is). */
export function renumbered(hT: Float64Array, hK: Float64Array, n: number, cap: number): [Float64Array, Float64Array] {
  const idx = Array.from({ length: n }, (_, i) => i);
  idx.sort((a, b) => hT[a]! - hT[b]! || hK[a]! - hK[b]!);
  const t2 = new Float64Array(cap);
  const k2 = new Float64Array(cap);
  for (let r = 0; r < n; r++) {
    t2[r] = hT[idx[r]!]!;
    const k = hK[idx[r]!]!;
    k2[r] = (k < 0 ? r - FRONT_SPAN : r) * SLOT_MAX + slotOf(k);
  }
  return [t2, k2];
}
