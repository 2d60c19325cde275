// Pareto correctness on hand-made points, plus the defining properties on random points.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { dominates, paretoFront } from '../../src/dse/pareto.ts';
import { confidenceInterval, tQuantile } from '../../src/dse/stats.ts';

test('hand-made: minimise area, minimise latency, maximise goodput', () => {
  // [area, p99 latency, goodput]
  const pts = [
    [1, 10, 5], // 0: cheapest, slow
    [2, 5, 5], // 1: front
    [2, 6, 5], // 2: dominated by 1
    [3, 5, 8], // 3: front (more goodput)
    [3, 5, 7], // 4: dominated by 3
    [5, 1, 1], // 5: front (fastest)
    [5, 1, 1], // 6: identical to 5: kept
    [6, 5, 8], // 7: dominated by 3 (costs more, same latency and goodput)
    [6, 2, 8], // 8: front (faster than 3, more goodput than 5)
    [1, 10, NaN], // 9: NaN goodput is worst: dominated by 0
  ];
  assert.equal(paretoFront(pts, ['min', 'min', 'max']), [0, 1, 3, 5, 6, 8]);
  assert.ok(dominates([1, 1], [1, 2], ['min', 'min']));
  assert.not.ok(dominates([1, 1], [1, 1], ['min', 'min']));
  assert.not.ok(dominates([1, 2], [2, 1], ['min', 'min']));
  assert.ok(dominates([1, 5], [1, 4], ['min', 'max']));
});

test('property: no front point is dominated; every other point is dominated by a front point', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 0, max: 9 })), { maxLength: 60 }), (pts) => {
      const dirs = ['min', 'min', 'max'] as const;
      const front = paretoFront(pts, dirs);
      const inFront = new Set(front);
      for (const i of front) for (let j = 0; j < pts.length; j++) assert.not.ok(dominates(pts[j]!, pts[i]!, dirs));
      for (let i = 0; i < pts.length; i++) {
        if (!inFront.has(i)) assert.ok(front.some((f) => dominates(pts[f]!, pts[i]!, dirs)));
      }
    }),
    { seed: 7, numRuns: 300 },
  );
});

test('t quantiles and intervals match tables', () => {
  const table: [number, number, number][] = [
    [0.975, 1, 12.706],
    [0.975, 2, 4.303],
    [0.975, 4, 2.776],
    [0.975, 9, 2.262],
    [0.975, 30, 2.042],
    [0.995, 10, 3.169],
    [0.95, 5, 2.015],
  ];
  for (const [p, df, t] of table) assert.ok(Math.abs(tQuantile(p, df) - t) < 1e-3, `t(${p}, ${df})`);
  // beyond the former +-1,000 bracket: df = 1 is the Cauchy distribution, t = tan(pi (p - 1/2)) in closed form
  for (const p of [0.99975, 0.99995, 0.9999995]) {
    const want = Math.tan(Math.PI * (p - 0.5));
    assert.ok(Math.abs(tQuantile(p, 1) / want - 1) < 1e-9, `t(${p}, 1) = ${tQuantile(p, 1)} vs ${want}`);
  }
  const ci = confidenceInterval([1, 2, 3, 4], 0.95);
  assert.is(ci.mean, 2.5);
  assert.ok(Math.abs(ci.high - ci.mean - (3.182 * Math.sqrt(5 / 3)) / 2) < 1e-3);
  assert.equal(confidenceInterval([7]), { mean: 7, low: 7, high: 7, n: 1, sd: 0 });
  assert.is(confidenceInterval([NaN, 2, 4]).mean, 3);
});

test.run();
