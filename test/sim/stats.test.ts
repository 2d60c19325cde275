import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Histogram, TimeWeighted, Rng } from '../../src/sim/index.ts';

function exactQuantile(sorted: Float64Array, q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

test('Histogram quantiles within the stated relative error of the exact nearest-rank value (1e5 samples)', () => {
  const s = new Rng(11).stream('hist');
  for (const gen of [
    () => s.lognormal(10, 2.5), // spans ~20 octaves
    () => s.exponential(1 / 5000),
    () => Math.round(s.exponential(1 / 300)), // integers with many ties and zeros
  ]) {
    const h = new Histogram();
    const xs = new Float64Array(100_000);
    for (let i = 0; i < xs.length; i++) {
      xs[i] = gen();
      h.add(xs[i]);
    }
    xs.sort();
    let worst = 0;
    for (let q = 0; q <= 1.0000001; q += 0.001) {
      const qq = Math.min(1, q);
      const ex = exactQuantile(xs, qq);
      const est = h.quantile(qq);
      const err = ex === 0 ? Math.abs(est) : Math.abs(est - ex) / ex;
      worst = Math.max(worst, err);
    }
    assert.ok(worst <= Histogram.RELATIVE_ERROR, `worst relative error ${worst} > ${Histogram.RELATIVE_ERROR}`);
    assert.is(h.count, xs.length);
    assert.is(h.min, xs[0]);
    assert.is(h.max, xs[xs.length - 1]);
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    assert.ok(Math.abs(h.mean - mean) <= 1e-9 * mean);
    const d = h.summary();
    assert.is(d.p50, h.quantile(0.5));
    assert.is(d.max, xs[xs.length - 1]);
  }
  assert.ok(Histogram.RELATIVE_ERROR <= 0.01);
});

test('Histogram merge equals one histogram of all samples; JSON round trip; deterministic', () => {
  const s = new Rng(5).stream('m');
  const a = new Histogram();
  const b = new Histogram();
  const all = new Histogram();
  for (let i = 0; i < 20000; i++) {
    const x = s.lognormal(i % 2 ? 3 : 12, 1); // disjoint-ish ranges force re-offsetting
    (i % 2 ? a : b).add(x);
    all.add(x);
  }
  a.merge(b);
  for (const q of [0, 0.01, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1]) assert.is(a.quantile(q), all.quantile(q));
  assert.equal(a.buckets(), all.buckets());
  const r = Histogram.fromJSON(JSON.parse(JSON.stringify(all.toJSON())));
  assert.equal(r.summary(), all.summary());
  assert.throws(() => a.add(-1), RangeError);
  assert.throws(() => a.add(NaN), RangeError);
  assert.equal(new Histogram().summary(), { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 });
});

test('TimeWeighted: hand-computed average and max', () => {
  const tw = new TimeWeighted(10, 0);
  tw.set(12, 3); // 0 on [10,12)
  tw.add(15, -1); // 3 on [12,15)
  tw.set(20, 0); // 2 on [15,20)
  assert.is(tw.integral(30), 9 + 10);
  assert.is(tw.mean(30), 19 / 20);
  assert.is(tw.max, 3);
  tw.reset(30);
  assert.is(tw.mean(40), 0);
  assert.is(tw.max, 0);
});

test.run();
