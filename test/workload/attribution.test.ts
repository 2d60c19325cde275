// attribute(): each instant of [start, end] goes to exactly one component (the most important kind active, split
// equally among distinct components of that kind), or to idle time. Hand-made logs with known answers, and a
// property over random logs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { attribute, attributeSweep } from '../../src/workload/attribution.ts';

// components: 0 client (rank 2), 1 network (rank 3), 2 server A service (rank 0), 3 server B service (rank 0),
// 4 server A queueing (rank 1)
const RANK = [2, 3, 0, 0, 1];
function run(log: number[], start: number, end: number) {
  const out = new Float64Array(RANK.length);
  const idle = attribute(log, start, end, RANK, out, []);
  return { out: [...out], idle };
}

test('sequential work and a gap: each interval counts in full, the gap is idle', () => {
  const r = run([0, 0, 10, 1, 10, 30], 0, 40);
  assert.equal(r.out, [10, 20, 0, 0, 0]);
  assert.is(r.idle, 10);
});

test('overlap: the more important kind takes the instant (service over queueing over client over network)', () => {
  assert.equal(run([1, 0, 20, 2, 5, 15], 0, 20).out, [0, 10, 10, 0, 0]);
  assert.equal(run([4, 0, 10, 2, 4, 6, 0, 0, 10], 0, 10).out, [0, 0, 2, 0, 8]);
  assert.equal(run([0, 0, 10, 1, 0, 10], 0, 10).out, [10, 0, 0, 0, 0]);
});

test('two components of the same kind share the instant; one component twice counts once', () => {
  assert.equal(run([2, 0, 10, 3, 5, 10], 0, 10).out, [0, 0, 7.5, 2.5, 0]);
  const r = run([2, 0, 10, 2, 5, 15], 0, 20);
  assert.equal(r.out, [0, 0, 15, 0, 0]);
  assert.is(r.idle, 5);
});

test('intervals are clipped to [start, end]; an empty log is all idle', () => {
  assert.equal(run([0, -5, 5, 1, 8, 30], 0, 10).out, [5, 2, 0, 0, 0]);
  assert.is(run([], 3, 10).idle, 7);
  assert.is(attribute(null, 3, 10, RANK, new Float64Array(RANK.length), []), 7);
});

test('property: shares and idle add up to end - start; no component gets more than its own union', () => {
  const interval = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -20, max: 120 }), fc.integer({ min: 0, max: 60 }));
  fc.assert(
    fc.property(fc.array(interval, { maxLength: 30 }), fc.integer({ min: 1, max: 100 }), (ivs, end) => {
      const log = ivs.flatMap(([c, f, d]) => [c, f, f + d]);
      const { out, idle } = run(log, 0, end);
      const sum = out.reduce((a, b) => a + b, 0) + idle;
      if (Math.abs(sum - end) > 1e-9) return false;
      for (let comp = 0; comp < RANK.length; comp++) {
        // union of this component's clipped intervals, on a 1-unit grid (all boundaries are integers)
        let union = 0;
        for (let t = 0; t < end; t++) if (ivs.some(([c, f, d]) => c === comp && f <= t && f + d >= t + 1)) union++;
        if (out[comp]! > union + 1e-9) return false;
      }
      return true;
    }),
    { seed: 20261129, numRuns: 300 },
  );
});

test('property: sequential logs (a record path) take the fast path and agree with the general sweep', () => {
  const step = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 10 }), fc.integer({ min: 0, max: 30 }));
  fc.assert(
    fc.property(fc.array(step, { maxLength: 20 }), fc.integer({ min: -10, max: 20 }), fc.integer({ min: 1, max: 300 }), (steps, start, len) => {
      const log: number[] = [];
      let t = 0;
      for (const [c, gap, d] of steps) {
        log.push(c, t + gap, t + gap + d);
        t += gap + d;
      }
      const a = new Float64Array(RANK.length);
      const b = new Float64Array(RANK.length);
      const ia = attribute(log, start, start + len, RANK, a, []);
      const ib = attributeSweep(log, start, start + len, RANK, b, []);
      return Math.abs(ia - ib) < 1e-9 && a.every((x, i) => Math.abs(x - b[i]!) < 1e-9);
    }),
    { seed: 29112026, numRuns: 300 },
  );
});

test('property: attribute agrees with the general sweep on any log (inverted intervals included)', () => {
  const iv = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -20, max: 120 }), fc.integer({ min: -30, max: 60 }));
  fc.assert(
    fc.property(fc.array(iv, { maxLength: 12 }), fc.integer({ min: 1, max: 100 }), (ivs, end) => {
      const log = ivs.flatMap(([c, f, d]) => [c, f, f + d]);
      const a = new Float64Array(RANK.length);
      const b = new Float64Array(RANK.length);
      const ia = attribute(log, 0, end, RANK, a, []);
      const ib = attributeSweep(log, 0, end, RANK, b, []);
      return Math.abs(ia - ib) < 1e-9 && a.every((x, i) => Math.abs(x - b[i]!) < 1e-9);
    }),
    { seed: 112026, numRuns: 500 },
  );
  // the reviewer's case: an inverted interval must not make the log look sequential
  const a = new Float64Array(RANK.length);
  attribute([0, 0, 10, 1, 12, 5, 2, 6, 20], 0, 20, RANK, a, []);
  const b = new Float64Array(RANK.length);
  attributeSweep([0, 0, 10, 1, 12, 5, 2, 6, 20], 0, 20, RANK, b, []);
  assert.equal([...a], [...b]);
});

test.run();
