// population.ts: the population and traffic shared by the DTLS co-simulation and the plain-UDP baseline.
// Expectations from the scenario definitions (docs/scenarios.md): ramp starts i * duration / count, Poisson
// arrivals with mean gap 1 / rate, weights proportional, record sizes clamped to [4, 16384], gaps 1 / rate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, type RngStream } from '../../src/sim/index.ts';
import type { TrafficConfig } from '../../src/workload/config/index.ts';
import { arrivalTimes, gapPs, Member, pickWeighted, plannedRecords, recordSize, sizeSampler, type Streams } from '../../src/workload/population.ts';
import { NetworkSchema } from '../../src/workload/config/scenario.ts';
import { parseScenario } from '../../src/workload/config/index.ts';
import { NetworkModel } from '../../src/workload/network.ts';

/** A stream whose draws are the given values, in order. */
function fixed(...values: number[]): RngStream {
  let i = 0;
  return { next: () => values[i++]!, exponential: (rate: number) => -Math.log(1 - values[i++]!) / rate } as unknown as RngStream;
}

/** A member whose traffic stream is `s` (and whose network stream must not be asked for). */
const member = (s: RngStream): Streams => ({ traffic: s, get net(): RngStream { throw new Error('net stream asked for'); } });

const traffic = (t: Partial<TrafficConfig>): TrafficConfig =>
  ({ size: 1200, direction: 'echo', rate: { process: 'constant', records_per_s: 1000 }, key_update_every: 0, close: true, ...t }) as TrafficConfig;

test('arrivals: all at once, ramp (evenly spread, whole picoseconds), Poisson (increasing, mean gap 1 / rate)', () => {
  assert.equal(arrivalTimes({ kind: 'all_at_once' }, 3, new Rng(1)), [0, 0, 0]);
  // 1 ms over 3 clients: 0, 1e9 / 3 and 2e9 / 3 ps, rounded down
  assert.equal(arrivalTimes({ kind: 'ramp', duration_ms: 1 }, 3, new Rng(1)), [0, 333_333_333, 666_666_666]);
  const n = 20_000;
  const p = arrivalTimes({ kind: 'poisson', rate_per_s: 1000 }, n, new Rng(7));
  for (let i = 1; i < n; i++) assert.ok(p[i]! >= p[i - 1]!);
  const meanGapMs = p[n - 1]! / n / 1e9;
  assert.ok(Math.abs(meanGapMs - 1) < 0.03, `mean gap ${meanGapMs} ms`);
  // same seed, same arrivals (the baseline and the co-simulation build them separately)
  assert.equal(arrivalTimes({ kind: 'poisson', rate_per_s: 1000 }, 50, new Rng(7)), p.slice(0, 50));
});

test('arrivals: a trace starts client i at at_ms[i] (ps, any order); the scenario refuses a trace that is not one start per client', () => {
  assert.equal(arrivalTimes({ kind: 'trace', at_ms: [5, 1, 2.5, 0] }, 4, new Rng(1)), [5e9, 1e9, 2.5e9, 0]);
  const yaml = (at: string, count: number) => `name: t\nmodel: { file: ../models/baseline.yaml }\nclients: { count: ${count}, arrival: { kind: trace, at_ms: ${at} } }\n`;
  assert.is(parseScenario(yaml('[0, 3.5]', 2), 'scenarios/t.yaml').clients.arrival.kind, 'trace');
  assert.throws(() => parseScenario(yaml('[0, 3.5, 7]', 2), 'scenarios/t.yaml'), /clients\.arrival\.at_ms.*3 entries for count 2/s);
  assert.throws(() => parseScenario(yaml('[0, -1]', 2), 'scenarios/t.yaml'), /at_ms/);
});

test('weighted pick: names in sorted order, proportional to weight, zero weights never', () => {
  const w = { b: 1, a: 3, z: 0 };
  // total 4 after dropping z; sorted: a [0, 3), b [3, 4)
  assert.is(pickWeighted(w, fixed(0)), 'a');
  assert.is(pickWeighted(w, fixed(0.74)), 'a');
  assert.is(pickWeighted(w, fixed(0.76)), 'b');
  assert.is(pickWeighted(w, fixed(0.999999)), 'b');
  assert.is(pickWeighted({ only: 2, never: 0 }, fixed(0.5)), 'only');
});

test('record sizes: rounded and clamped to [4, 16384]', () => {
  assert.is(recordSize(0), 4);
  assert.is(recordSize(1199.5), 1200);
  assert.is(recordSize(1e9), 16384);
});

test('gaps: 1 / rate (constant) or exponential with that mean (poisson), ps', () => {
  assert.is(gapPs(traffic({}), member(fixed())), 1_000_000_000);
  const poisson = traffic({ rate: { process: 'poisson', records_per_s: 2000 } });
  // exponential draw for u = 1 - e^-1: one mean gap (0.5 ms)
  assert.is(gapPs(poisson, member(fixed(1 - Math.exp(-1)))), 500_000_000);
});

test('records planned: records_per_client, unbounded for duration_ms, else none', () => {
  assert.is(plannedRecords(traffic({ records_per_client: 20 })), 20);
  assert.is(plannedRecords(traffic({ duration_ms: 5 })), Infinity);
  assert.is(plannedRecords(traffic({})), 0);
});

test('a member holds numbers and shared references only until it draws: no stream, no link object, no delay closure with a constant delay', () => {
  const net = new NetworkModel(NetworkSchema.parse({ rtt_ms: 50 }), 4);
  const m = new Member(3, 0, new Rng(1), net);
  // layout: i, start, netStream, trafficStream, upFree, downFree, busy, sampler, root, network
  const own = () => Object.entries(m).filter(([, v]) => typeof v === 'object' && v !== null || typeof v === 'function').map(([k]) => k).sort();
  assert.equal(own(), ['network', 'root']);
  assert.is(m.delay(), 25_000_000_000); // rtt 50 ms / 2, ps
  assert.is((m as unknown as { sampler: unknown }).sampler, undefined, 'no sampler for a constant delay');
  assert.is(net.drop(m), false); // no loss: no draw, no stream
  const t = traffic({ size: 64 });
  assert.is(sizeSampler(t, m)(), 64);
  assert.is(sizeSampler(t, m), sizeSampler(t, new Member(4, 0, new Rng(1), net)), 'one constant sampler for every member');
  assert.is(gapPs(t, m), 1_000_000_000);
  assert.equal(own(), ['network', 'root'], 'nothing drawn: no stream derived');
  // the streams, once asked for, give the draws of the eagerly derived ones (the derivation depends on the name only)
  const n1 = m.traffic.next();
  assert.is(n1, new Rng(1).derive('traffic/3').next());
  assert.is(m.net.next(), new Rng(1).derive('net/3').next());
  assert.is(m.traffic.next(), (() => { const r = new Rng(1).derive('traffic/3'); r.next(); return r.next(); })(), 'one stream, kept');
  assert.equal(own(), ['netStream', 'network', 'root', 'trafficStream']);
  const lossy = new NetworkModel(NetworkSchema.parse({ rtt_ms: 50, loss: 0.5 }), 4);
  const l = new Member(5, 0, new Rng(1), lossy);
  assert.is(lossy.drop(l), new Rng(1).derive('net/5').next() < 0.5);
  // a drawn size draws from the member's traffic stream
  const u = new Member(6, 0, new Rng(1), net);
  assert.is(sizeSampler(traffic({ size: { dist: 'uniform', min: 0, max: 100 } } as Partial<TrafficConfig>), u)(), 100 * new Rng(1).derive('traffic/6').next());
  // a drawn delay: the sampler is made on first use and draws from the member's network stream, as before
  const jitter = new NetworkModel(NetworkSchema.parse({ rtt_ms: 50, jitter_ms: 2 }), 4);
  const a = new Member(3, 0, new Rng(1), jitter);
  const ref = new Rng(1).derive('net/3');
  const d = a.delay();
  assert.is(d, Math.round((25 + ref.next() * 2) * 1e9));
  assert.is(typeof (a as unknown as { sampler: unknown }).sampler, 'function');
});

test.run();
