// The anti-replay window (src/dtls/record/replay.ts) against a reference built from its definition (RFC 9147
// 4.5.1): a record number is 'too-old' if it is `size` or more below the highest authenticated one, a 'replay' if
// it was authenticated before, else 'ok'. The reference keeps every authenticated number in a Set.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ReplayWindow } from '../../../src/dtls/record/replay.ts';
import { Rng } from '../../../src/sim/index.ts';

class Reference {
  highest = -1;
  private readonly seen = new Set<number>();
  constructor(readonly size: number) {}
  check(seq: number): string {
    if (seq > this.highest) return 'ok';
    if (this.highest - seq >= this.size) return 'too-old';
    return this.seen.has(seq) ? 'replay' : 'ok';
  }
  mark(seq: number): void {
    this.seen.add(seq);
    if (seq > this.highest) this.highest = seq;
  }
}

for (const size of [1, 5, 31, 32, 33, 64, 96, 128]) {
  test(`window of ${size}: same verdicts as the reference over random arrivals (reordering, duplicates, jumps)`, () => {
    const s = new Rng(size).stream('arrivals');
    const w = new ReplayWindow(size);
    const ref = new Reference(size);
    let next = 0;
    for (let n = 0; n < 20_000; n++) {
      const r = s.next();
      // mostly in order, some late by up to 1.5 windows, some repeated, some jumps ahead of up to 3 windows
      let seq: number;
      if (r < 0.6) seq = next++;
      else if (r < 0.85) seq = Math.max(0, next - 1 - s.int(Math.ceil(size * 1.5) + 1));
      else if (r < 0.95) seq = Math.max(0, next - 1);
      else seq = next += s.int(size * 3 + 1);
      const v = ref.check(seq);
      assert.is(w.check(seq), v, `seq ${seq} after ${n} arrivals`);
      assert.is(w.highest, ref.highest);
      if (v === 'ok' && s.next() < 0.9) {
        w.mark(seq);
        ref.mark(seq);
      }
    }
  });
}

test('first record, large first number, and a jump past the whole window', () => {
  const w = new ReplayWindow(64);
  assert.is(w.check(0), 'ok');
  w.mark(1_000_000);
  assert.is(w.check(1_000_000), 'replay');
  assert.is(w.check(999_937), 'ok'); // 63 below: inside, never seen
  assert.is(w.check(999_936), 'too-old'); // 64 below
  w.mark(999_937);
  assert.is(w.check(999_937), 'replay');
  w.mark(2_000_000);
  assert.is(w.check(1_999_999), 'ok');
  assert.is(w.check(2_000_000), 'replay');
});

test.run();
