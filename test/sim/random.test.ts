import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, RngStream, fnv1a64, makeSampler, distributionMean, DistributionError, type Distribution } from '../../src/sim/index.ts';
import { mix64 } from '../../src/sim/hash64.ts';

test('xoshiro128** matches the reference output for state {1,2,3,4}', () => {
  const s = RngStream.fromState(1, 2, 3, 4);
  const out = Array.from({ length: 10 }, () => s.nextU32());
  assert.equal(out, [11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804]);
});

test('determinism: same seed -> same draws; different seed -> different', () => {
  const a = new Rng(123);
  const b = new Rng(123);
  const c = new Rng(124);
  const da = Array.from({ length: 100 }, () => a.next());
  const db = Array.from({ length: 100 }, () => b.next());
  const dc = Array.from({ length: 100 }, () => c.next());
  assert.equal(da, db);
  assert.not.equal(da, dc);
  assert.ok(da.every((x) => x >= 0 && x < 1));
  assert.equal(new Rng('scenario-a').stream('x').nextU32(), new Rng('scenario-a').stream('x').nextU32());
  assert.equal(new Rng(7n).next(), new Rng(7).next());
  assert.throws(() => new Rng(-1), RangeError);
  assert.throws(() => new Rng(1.5), RangeError);
});

test('named streams are independent: adding or using other streams does not change a stream', () => {
  const r1 = new Rng(99);
  const x1 = Array.from({ length: 50 }, () => r1.stream('client/42').next());
  const r2 = new Rng(99);
  for (let i = 0; i < 1000; i++) r2.stream(`client/${i + 100}`).next(); // many other clients
  r2.next(); // and the root stream
  const x2 = Array.from({ length: 50 }, () => r2.stream('client/42').next());
  assert.equal(x1, x2);
  assert.not.equal(x1, Array.from({ length: 50 }, () => new Rng(99).stream('client/43').next()));
  const s42 = r2.stream('client/42');
  assert.ok(s42 === r2.stream('client/42'), 'same name -> same stateful stream');
  // sub-streams
  assert.is(new Rng(1).stream('a').stream('b').name, 'a/b');
  assert.not.equal(new Rng(1).stream('a').stream('b').next(), new Rng(1).stream('a/b').next());
});

test('distribution means and spreads within tolerance (2e5 samples)', () => {
  const r = new Rng(2024);
  const N = 200_000;
  const moments = (f: () => number) => {
    let s = 0;
    let s2 = 0;
    for (let i = 0; i < N; i++) {
      const x = f();
      s += x;
      s2 += x * x;
    }
    const m = s / N;
    return [m, Math.sqrt(s2 / N - m * m)];
  };
  const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol * Math.abs(b), `${what}: ${a} vs ${b}`);
  const st = r.stream('d');
  let [m, sd] = moments(() => st.exponential(0.25));
  near(m, 4, 0.015, 'exponential mean');
  near(sd, 4, 0.02, 'exponential sd');
  [m, sd] = moments(() => st.uniform(2, 6));
  near(m, 4, 0.005, 'uniform mean');
  near(sd, 4 / Math.sqrt(12), 0.01, 'uniform sd');
  [m, sd] = moments(() => st.normal(10, 3));
  near(m, 10, 0.003, 'normal mean');
  near(sd, 3, 0.01, 'normal sd');
  [m] = moments(() => st.lognormal(1, 0.5));
  near(m, Math.exp(1 + 0.125), 0.01, 'lognormal mean');
  [m] = moments(() => st.int(10));
  near(m, 4.5, 0.01, 'int mean');
  const specs: Distribution[] = [
    7,
    { dist: 'deterministic', value: 3 },
    { dist: 'uniform', min: 1, max: 3 },
    { dist: 'exponential', mean: 5 },
    { dist: 'exponential', rate: 2 },
    { dist: 'normal', mean: 4, sd: 1 },
    { dist: 'lognormal', mu: 2, sigma: 0.3 },
    { dist: 'lognormal', mean: 100, sd: 40 },
    { dist: 'empirical', values: [1, 10, 100], weights: [0.5, 0.3, 0.2] },
    { dist: 'empirical', values: [2, 4] },
  ];
  for (const spec of specs) {
    const f = makeSampler(spec, r.stream(JSON.stringify(spec)));
    [m] = moments(f);
    near(m, distributionMean(spec), 0.015, JSON.stringify(spec));
  }
  const e = makeSampler({ dist: 'empirical', values: [1, 10, 100], weights: [0.5, 0.3, 0.2] }, r.stream('freq'));
  const cnt = new Map<number, number>();
  for (let i = 0; i < N; i++) {
    const x = e();
    cnt.set(x, (cnt.get(x) ?? 0) + 1);
  }
  near(cnt.get(1)! / N, 0.5, 0.01, 'empirical p(1)');
  near(cnt.get(100)! / N, 0.2, 0.03, 'empirical p(100)');
  const clamped = makeSampler({ dist: 'normal', mean: 0, sd: 1, min: 0 }, r.stream('c'));
  for (let i = 0; i < 1000; i++) assert.ok(clamped() >= 0);
});

test('makeSampler rejects bad specs with DistributionError', () => {
  const s = new Rng(1).stream('bad');
  const bad: unknown[] = [
    NaN,
    { dist: 'exponential', mean: -1 },
    { dist: 'exponential' },
    { dist: 'uniform', min: 3, max: 1 },
    { dist: 'normal', mean: 1, sd: -1 },
    { dist: 'empirical', values: [] },
    { dist: 'empirical', values: [1, 2], weights: [1] },
    { dist: 'empirical', values: [1], weights: [0] },
    { dist: 'pareto', alpha: 1 },
    null,
    'x',
  ];
  for (const b of bad) assert.throws(() => makeSampler(b as Distribution, s), (e: unknown) => e instanceof DistributionError, JSON.stringify(b));
});

test('fill: deterministic bytes, every length, roughly uniform', () => {
  const a = new Uint8Array(37);
  const b = new Uint8Array(37);
  new Rng(5).stream('dtls').fill(a);
  new Rng(5).stream('dtls').fill(b);
  assert.equal(a, b);
  const big = new Uint8Array(256 * 400);
  new Rng(6).stream('bytes').fill(big);
  const hist = new Array(256).fill(0);
  for (const x of big) hist[x]++;
  assert.ok(Math.min(...hist) > 300 && Math.max(...hist) < 500, `${Math.min(...hist)}..${Math.max(...hist)}`);
  for (const n of [0, 1, 2, 3, 5]) {
    const u = new Uint8Array(n);
    new Rng(1).fill(u);
  }
  // usable as { fill(b: Uint8Array): void }
  const src: { fill(b: Uint8Array): void } = new Rng(1).stream('x');
  src.fill(new Uint8Array(4));
});

test('deriveLeaf: the same draws as derive (and as stream) of that name; keeps no key or name; no sub-streams', () => {
  const root = new Rng(42);
  const a = root.derive('net/7');
  const b = root.deriveLeaf('net/7');
  const c = new Rng(42).stream('net/7');
  for (let i = 0; i < 50; i++) {
    const x = a.nextU32();
    assert.is(b.nextU32(), x);
    assert.is(c.nextU32(), x);
  }
  assert.is(a.normal(), b.normal());
  assert.is(typeof b.key, 'bigint');
  assert.ok(b.key < 0n, 'no real key kept');
  assert.is.not(b.name, 'net/7');
  assert.throws(() => b.derive('x'), /leaf/);
  assert.throws(() => b.stream('x'), /leaf/);
  assert.throws(() => b.deriveLeaf('x'), /leaf/);
});

test('fnv1a64: the 64-bit FNV-1a definition over UTF-8 (BigInt reference here), published vectors', () => {
  const ref = (str: string): bigint => {
    let h = 0xcbf29ce484222325n;
    for (const b of new TextEncoder().encode(str)) h = ((h ^ BigInt(b)) * 0x100000001b3n) & ((1n << 64n) - 1n);
    return h;
  };
  // FNV test vectors (Fowler/Noll/Vo): "" and "a", "foobar"
  assert.is(fnv1a64(''), 0xcbf29ce484222325n);
  assert.is(fnv1a64('a'), 0xaf63dc4c8601ec8cn);
  assert.is(fnv1a64('foobar'), 0x85944171f73967e8n);
  for (const str of ['client/0', 'client/999999', 'net/123456', 'cpu/service', 'psk', '\u00e9t\u00e9 \u{1f600}', 'x'.repeat(300)]) {
    assert.is(fnv1a64(str), ref(str), str);
  }
  for (let i = 0; i < 2000; i++) assert.is(fnv1a64(`traffic/${i * 7919}`), ref(`traffic/${i * 7919}`));
});

test('mix64 (32-bit halves) equals the splitmix64 finaliser on BigInts (edge values and 20,000 random ones)', () => {
  const M = (1n << 64n) - 1n;
  const ref = (z: bigint) => {
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M;
    return z ^ (z >> 31n);
  };
  const edges = [0n, 1n, M, 1n << 63n, (1n << 32n) - 1n, 1n << 32n, 0x9e3779b97f4a7c15n, 0xffffffff00000000n];
  for (const z of edges) assert.is(mix64(z), ref(z), z.toString(16));
  const s = new Rng(77).stream('mix');
  for (let i = 0; i < 20000; i++) {
    const z = (BigInt(s.nextU32()) << 32n) | BigInt(s.nextU32());
    assert.is(mix64(z), ref(z));
  }
});

test.run();
