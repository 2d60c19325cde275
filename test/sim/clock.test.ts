import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Clock, SimTimeError } from '../../src/sim/index.ts';

const ref = (n: number, hz: number) => {
  const b = BigInt(n) * 1_000_000_000_000n;
  return Number((b + BigInt(hz) - 1n) / BigInt(hz));
};
const HZ = [1_200_000_000, 333_000_000, 333_333_333, 1_000_000_000, 3, 7_000_000_000, 999_999_937, 156_250_000, 2_450_000_000];

test('cyclesToPs = ceil(n * 1e12 / hz) exactly, up to 1e9 cycles and beyond', () => {
  for (const hz of HZ) {
    const c = new Clock(hz);
    for (const n of [0, 1, 2, 3, 7, 1000, 12345, 999_999, 7_654_321, 123_456_789, 1e9 - 1, 1e9, 1e9 + 1, 4_321_987_654]) {
      if (ref(n, hz) > Number.MAX_SAFE_INTEGER) continue;
      assert.is(c.cyclesToPs(n), ref(n, hz), `${n} cycles at ${hz} Hz`);
    }
  }
  assert.is(new Clock(1_200_000_000).cyclesToPs(1e9), 833_333_333_334);
  assert.is(new Clock(333_000_000).cyclesToPs(1e9), 3_003_003_003_004);
});

test('no drift: chaining 1e6 operations of 1000 cycles lands on edge 1e9 exactly', () => {
  for (const hz of [1_200_000_000, 333_000_000]) {
    const c = new Clock(hz);
    let t = 0;
    for (let i = 0; i < 1_000_000; i++) t = c.endOf(t, 1000);
    assert.is(t, ref(1e9, hz));
    assert.is(c.psToCycles(t), 1e9);
    // per-operation rounding would have drifted: 1e6 * ceil(1000 cycles) > exact
    assert.ok(c.cyclesToPs(1000) * 1e6 >= t);
  }
  // 1e9 single cycles at 1.2 GHz: rounding each cycle up would give 834e9 ps, 0.08 % late
  assert.is(new Clock(1_200_000_000).cyclesToPs(1) * 1e9, 834e9);
});

test('psToCycles / psToCyclesCeil / nextEdge are consistent with cyclesToPs (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...HZ), fc.integer({ min: 0, max: 2 ** 40 }), (hz, ps) => {
      const c = new Clock(hz);
      const n = c.psToCycles(ps);
      if (c.cyclesToPs(n) > ps) return false; // edge n is at or before ps
      const e = c.edgeAtOrAfter(ps);
      const te = c.cyclesToPs(e);
      if (te < ps) return false;
      if (e > 0 && c.cyclesToPs(e - 1) >= ps) return false;
      if (c.nextEdge(te) !== te) return false;
      const up = c.psToCyclesCeil(ps);
      const exact = (BigInt(ps) * BigInt(hz)) / 1_000_000_000_000n;
      const rem = (BigInt(ps) * BigInt(hz)) % 1_000_000_000_000n;
      return BigInt(n) === exact && BigInt(up) === exact + (rem > 0n ? 1n : 0n);
    }),
    { seed: 1234, numRuns: 2000 },
  );
});

test('bad inputs: typed errors', () => {
  assert.throws(() => new Clock(1.5e9 + 0.5), RangeError);
  assert.throws(() => new Clock(0), RangeError);
  const c = new Clock(1e9);
  assert.throws(() => c.cyclesToPs(-1), RangeError);
  assert.throws(() => c.cyclesToPs(0.5), RangeError);
  assert.throws(() => c.cyclesToPs(1e16), (e: unknown) => e instanceof SimTimeError);
  assert.throws(() => c.psToCycles(-5), (e: unknown) => e instanceof SimTimeError);
  assert.is(c.periodPs, 1000);
});

test.run();
