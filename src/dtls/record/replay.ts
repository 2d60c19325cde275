// Per-epoch anti-replay sliding window (RFC 9147 4.5.1; RFC 4303 3.4.3 style), O(1) per record.
// A ring of `size` slots stores seq+1 for each accepted sequence number; a number is a replay iff its slot holds
// exactly it. `check` never mutates; call `mark` only after the record authenticated.
export type ReplayVerdict = 'ok' | 'replay' | 'too-old';

export class ReplayWindow {
  /** Highest authenticated sequence number, -1 before the first. */
  highest = -1;
  /** A plain array (JS heap): a 64-slot Float64Array's separate 512-byte backing store cost more to allocate. */
  private readonly ring: number[];
  constructor(readonly size: number = 64) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError('replay window size must be a positive integer');
    this.ring = new Array<number>(size).fill(0);
  }
  check(seq: number): ReplayVerdict {
    if (seq > this.highest) return 'ok';
    if (this.highest - seq >= this.size) return 'too-old';
    return this.ring[seq % this.size] === seq + 1 ? 'replay' : 'ok';
  }
  mark(seq: number): void {
    this.ring[seq % this.size] = seq + 1;
    if (seq > this.highest) this.highest = seq;
  }
}
