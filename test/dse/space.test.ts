// Strategies: grid size and values, LHS stratification (each parameter's N strata hit exactly once),
// determinism by seed; sweep seeds derived deterministically.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { generatePoints, gridPoints, gridValues, latinHypercubeUnits, planSize } from '../../src/dse/space.ts';
import type { ParamSpec } from '../../src/dse/space.ts';
import { replicationSeeds, samplePoints, parseShard, shardPoints, splitOverrides, formatOverride } from '../../src/dse/plan.ts';
import { parseSweep } from '../../src/dse/sweep.ts';
import { Rng } from '../../src/sim/random.ts';

const params: ParamSpec[] = [
  { param: 'aead.instances', values: [1, 2, 4, 8] },
  { param: 'aead.clock_mhz', lin: [200, 1000, 5] },
  { param: 'hash.clock_mhz', log: [100, 10000, 3] },
];

test('grid: size is the product of the axes, first parameter slowest, values as specified', () => {
  assert.equal(gridValues(params[1]!), [200, 400, 600, 800, 1000]);
  assert.equal(gridValues(params[2]!), [100, 1000, 10000]);
  const pts = gridPoints(params);
  assert.is(pts.length, 4 * 5 * 3);
  assert.is(planSize(params, { kind: 'grid' }), 60);
  assert.equal(pts[0], { 'aead.instances': 1, 'aead.clock_mhz': 200, 'hash.clock_mhz': 100 });
  assert.equal(pts[59], { 'aead.instances': 8, 'aead.clock_mhz': 1000, 'hash.clock_mhz': 10000 });
  assert.equal(pts[1], { 'aead.instances': 1, 'aead.clock_mhz': 200, 'hash.clock_mhz': 1000 });
  const keys = new Set(pts.map((p) => JSON.stringify(p)));
  assert.is(keys.size, 60, 'every grid point is distinct');
});

test('grid: integer rounding collapses duplicates; log ranges are geometric', () => {
  assert.equal(gridValues({ param: 'x', log: [1, 8, 4], integer: true }), [1, 2, 4, 8]);
  assert.equal(gridValues({ param: 'x', lin: [1, 2, 5], integer: true }), [1, 2]);
  assert.equal(gridValues({ param: 'x', lin: [3, 3, 1] }), [3]);
});

test('LHS: every parameter hits each of the N strata exactly once (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, dims, seed) => {
      const s = new Rng(seed).stream('t');
      const units = latinHypercubeUnits(n, dims, () => s.next());
      for (let d = 0; d < dims; d++) {
        const strata = units.map((u) => Math.floor(u[d]! * n)).sort((a, b) => a - b);
        assert.equal(strata, Array.from({ length: n }, (_, i) => i));
      }
    }),
    { seed: 42, numRuns: 200 },
  );
});

test('LHS on the real parameters: strata of values are hit evenly, ranges stay within bounds', () => {
  const sweep = parseSweep(
    'scenario: s.yaml\nparameters:\n  - {param: aead.instances, values: [1, 2, 4, 8]}\n  - {param: aead.clock_mhz, lin: [200, 1000, 2]}\n  - {param: hash.clock_mhz, log: [100, 10000, 2]}\nstrategy: {kind: lhs, n: 64}\nseed: 7\n',
    'x.yaml',
  );
  const { points, units } = samplePoints(sweep);
  assert.is(points.length, 64);
  assert.is(units.length, 64);
  const counts = new Map<number, number>();
  for (const p of points) counts.set(p['aead.instances'] as number, (counts.get(p['aead.instances'] as number) ?? 0) + 1);
  assert.equal([...counts.entries()].sort((a, b) => a[0] - b[0]), [[1, 16], [2, 16], [4, 16], [8, 16]]);
  for (const p of points) {
    const c = p['aead.clock_mhz'] as number;
    const h = p['hash.clock_mhz'] as number;
    assert.ok(c >= 200 && c <= 1000, `clock ${c}`);
    assert.ok(h >= 100 && h <= 10000, `hash clock ${h}`);
  }
  // The log axis is stratified in log space: as many points below 1000 (the geometric middle) as above.
  assert.is(points.filter((p) => (p['hash.clock_mhz'] as number) < 1000).length, 32);
});

test('determinism: same seed -> same points and seeds; another seed -> different', () => {
  const text = (seed: number, kind: string) =>
    `scenario: s.yaml\nparameters:\n  - {param: a, lin: [0, 1, 2]}\n  - {param: b, values: [x, y, z]}\nstrategy: {kind: ${kind}, n: 20}\nseed: ${seed}\nreplications: 4\n`;
  for (const kind of ['lhs', 'random']) {
    const a = samplePoints(parseSweep(text(3, kind), 'a.yaml')).points;
    const b = samplePoints(parseSweep(text(3, kind), 'a.yaml')).points;
    const c = samplePoints(parseSweep(text(4, kind), 'a.yaml')).points;
    assert.equal(a, b);
    assert.not.equal(a, c);
    assert.is(a.length, 20);
  }
  assert.equal(replicationSeeds(3, 4), replicationSeeds(3, 4));
  assert.is(new Set(replicationSeeds(3, 4)).size, 4);
  assert.not.equal(replicationSeeds(3, 4), replicationSeeds(4, 4));
  // Adding replications keeps the existing seeds (a sweep can be extended without re-running).
  assert.equal(replicationSeeds(3, 6).slice(0, 4), replicationSeeds(3, 4));
});

test('random strategy stays in range and is not a grid', () => {
  const s = new Rng(1).stream('r');
  const { points } = generatePoints([{ param: 'a', lin: [10, 20, 3] }], { kind: 'random', n: 50 }, () => s.next());
  assert.ok(points.every((p) => (p.a as number) >= 10 && (p.a as number) <= 20));
  assert.ok(new Set(points.map((p) => p.a)).size > 40);
});

test('shards partition the points; bad shard specs are rejected', () => {
  const plan = { points: Array.from({ length: 10 }, (_, index) => ({ index, params: {}, runs: [] })) } as unknown as Parameters<typeof shardPoints>[0];
  const all = [0, 1, 2].flatMap((i) => shardPoints(plan, { index: i, count: 3 }).map((p) => p.index)).sort((a, b) => a - b);
  assert.equal(all, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(parseShard('2/3'), { index: 2, count: 3 });
  assert.throws(() => parseShard('3/3'));
  assert.throws(() => parseShard('1-3'));
});

test('override targets follow npm run sim --set, plus bare model blocks', () => {
  assert.equal(splitOverrides(['aead.instances=2', 'model.hash.clock_mhz=3', 'clients.count=5', 'scenario.sim.end_ms=9', 'model.file=x', 'name=n']), {
    model: ['aead.instances=2', 'hash.clock_mhz=3'],
    scenario: ['clients.count=5', 'sim.end_ms=9', 'model.file=x', 'name=n'],
  });
  assert.is(formatOverride('a', 'x: y'), 'a="x: y"');
  assert.is(formatOverride('a', 1e-7), 'a=1e-7');
  assert.is(formatOverride('a', true), 'a=true');
});

test.run();
