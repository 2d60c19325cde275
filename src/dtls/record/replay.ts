// Per-epoch anti-replay sliding window (RFC 9147 4.5.1; RFC 4303 3.4.3 style), O(1) per record for windows up to
// 64 (two words shift), O(size / 32) beyond.
// A bitmap anchored at the highest authenticated sequence number: bit j (word j >>> 5, bit j & 31) is set iff
// `highest - j` was authenticated. It lives in a plain array of 32-bit integers (small integers on the JS heap:
// ~50 bytes for the default 64-record window, where a ring of 64 numbers took ~530). `check` never mutates; call
// `mark` only after the record authenticated (and `check` said 'ok').
export type ReplayVerdict = 'ok' | 'replay' | 'too-old';

export class ReplayWindow {
  /** Highest authenticated sequence number, -1 before the first. */
  highest = -1;
  /** The bitmap, 32 bits per word (read and restored by ./layer-state.ts). */
  readonly words: number[];
  constructor(readonly size: number = 64) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('replay window size must be a positive integer');
    this.words = new Array<number>((size + 31) >>> 5).fill(0);
  }
  check(seq: number): ReplayVerdict {
    if (seq > this.highest) return 'ok';
    const j = this.highest - seq;
    if (j >= this.size) return 'too-old';
    return (this.words[j >>> 5]! >>> (j & 31)) & 1 ? 'replay' : 'ok';
  }
  mark(seq: number): void {
    const w = this.words;
    if (seq > this.highest) {
      const d = this.highest < 0 ? Infinity : seq - this.highest;
      this.highest = seq;
      if (d >= w.length * 32) w.fill(0);
      else shiftUp(w, d);
      w[0] = w[0]! | 1;
      return;
    }
    const j = this.highest - seq;
    if (j < this.size) w[j >>> 5] = w[j >>> 5]! | (1 << (j & 31));
  }
}

/** Moves every bit of `w` (word 0 = bits 0-31) up by `d` < 32 * w.length places; bits moved past the end drop. */
function shiftUp(w: number[], d: number): void {
  const ws = d >>> 5;
  const bs = d & 31;
  for (let i = w.length - 1; i >= 0; i--) {
    const src = i - ws;
    if (src < 0) {
      w[i] = 0;
      continue;
    }
    let v = bs === 0 ? w[src]! : w[src]! << bs;
    if (bs !== 0 && src > 0) v |= w[src - 1]! >>> (32 - bs);
    w[i] = v | 0;
  }
}
