import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, Resource, Rng } from '../../src/sim/index.ts';
import { analyticWq, erlangC, runQueueingCase, SERVICE_PS } from '../../src/sim/validation/queueing.ts';

test('closed forms: Erlang C and M/M/1, M/D/1 reference values', () => {
  assert.ok(Math.abs(erlangC(2, 1) - 1 / 3) < 1e-12); // c=2, a=1: C = 1/3
  assert.ok(Math.abs(erlangC(1, 0.7) - 0.7) < 1e-12); // c=1: C = rho
  const mu = 1 / SERVICE_PS;
  assert.ok(Math.abs(analyticWq('M/M/1', 0.5 * mu, mu) - SERVICE_PS) < 1e-6);
  assert.ok(Math.abs(analyticWq('M/D/1', 0.5 * mu, mu) - SERVICE_PS / 2) < 1e-6);
  assert.ok(Math.abs(analyticWq('M/M/c', 0.5 * mu, mu, 1) - SERVICE_PS) < 1e-6);
  assert.throws(() => analyticWq('M/M/1', 2 * mu, mu), RangeError);
});

// Customer counts chosen so that 3 % is >= 3 standard deviations of the estimate (batch-means half-widths measured:
// M/M/1 rho 0.5 ~2.3 % at 200k customers, M/M/4 rho 0.5 ~3.9 % at 200k, M/D/1 rho 0.5 ~1.2 % at 500k).
test('reduced queueing check: M/M/1, M/D/1, M/M/4 at rho 0.5 within 3 %', () => {
  for (const cs of [
    { model: 'M/M/1' as const, rho: 0.5, customers: 400_000, seed: 3 },
    { model: 'M/D/1' as const, rho: 0.5, customers: 200_000, seed: 5 },
    { model: 'M/M/c' as const, c: 4, rho: 0.5, customers: 1_000_000, seed: 4 },
  ]) {
    const rows = runQueueingCase(cs);
    for (const r of rows) {
      const tol = r.metric === 'littles_law' ? 0.002 : r.metric === 'mean_wait' || r.metric === 'mean_queue' ? 0.03 : 0.01;
      assert.ok(r.rel_error <= tol, `${r.model} rho ${r.rho} ${r.metric}: ${r.simulated} vs ${r.analytic} (${r.rel_error})`);
      if (r.ci_low !== null) assert.ok(r.ci_low < r.simulated && r.simulated < r.ci_high!);
    }
  }
});

test('Resource FIFO waits equal the Lindley recursion exactly (same draws, 100k customers, 1 and 3 servers)', () => {
  for (const c of [1, 3]) {
    const k = new Kernel();
    const r = new Resource(k, { capacity: c });
    const rng = new Rng(77);
    const arr = rng.stream('a');
    const svc = rng.stream('s');
    const N = 100_000;
    const S = new Float64Array(N);
    const A = new Float64Array(N); // interarrival before customer n+1
    const waitsById = new Float64Array(N);
    let n = 0;
    const arrive = () => {
      const id = n;
      S[id] = Math.round(svc.exponential(1 / (900 * c)));
      r.use(S[id], (w) => (waitsById[id] = w));
      if (++n < N) k.after((A[id] = Math.round(arr.exponential(1 / 1000))), arrive);
    };
    k.after(0, arrive);
    k.run();
    // reference: FIFO multi-server by earliest-free server (Kiefer-Wolfowitz workload vector), exact integers
    const free = new Float64Array(c); // times the c servers become free
    let t = 0;
    let mismatches = 0;
    for (let i = 0; i < N; i++) {
      let j = 0;
      for (let m = 1; m < c; m++) if (free[m] < free[j]) j = m;
      const start = Math.max(t, free[j]);
      if (start - t !== waitsById[i]) mismatches++;
      free[j] = start + S[i];
      t += A[i];
    }
    assert.is(mismatches, 0, `c=${c}`);
    assert.ok(r.stats().wait.mean > 0);
  }
});

test.run();
