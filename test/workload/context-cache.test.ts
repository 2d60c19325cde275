// The context cache under pressure (issue 14 item 4): 10^4 devices stay connected longer than a 1000-context cache
// can hold. The run's hit rate, misses and evictions must equal those of an independent LRU simulation written
// here (last-use timestamps, evict the smallest; not src/hw LruSet's recency-ordered Map) over the run's own
// access sequence, and the summary and the breakdown must show the capacity misses and what they cost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCosim } from '../../src/workload/cosim.ts';
import { contextCacheSummary } from '../../src/workload/cache-summary.ts';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

const CAPACITY = 1000;
// 10^4 clients over 1 s, each echoing 4 records 100 ms apart (~0.4 s connected): ~4000 live contexts
const OVERRIDES = ['clients.count=10000', 'clients.arrival.duration_ms=1000', 'traffic.records_per_client=4', 'traffic.rate.records_per_s=10', 'traffic.size=100', 'baseline_udp=false', 'sim.warmup_ms=0'];

/** LRU by last-use time: a map id -> time of last use; a miss in a full cache evicts the id used longest ago. */
function lru(seq: readonly (readonly [number, 'access' | 'remove'])[], capacity: number) {
  const lastUse = new Map<number, number>();
  const evictedOnce = new Set<number>();
  let hits = 0;
  let misses = 0;
  let evictions = 0;
  let capacityMisses = 0;
  let clock = 0;
  for (const [id, op] of seq) {
    if (op === 'remove') {
      lastUse.delete(id);
      evictedOnce.delete(id);
      continue;
    }
    clock++;
    if (lastUse.has(id)) {
      hits++;
      lastUse.set(id, clock);
      continue;
    }
    misses++;
    if (evictedOnce.delete(id)) capacityMisses++;
    if (lastUse.size >= capacity) {
      let victim = -1;
      let oldest = Infinity;
      for (const [v, t] of lastUse) {
        if (t < oldest) {
          oldest = t;
          victim = v;
        }
      }
      lastUse.delete(victim);
      evictedOnce.add(victim);
      evictions++;
    }
    lastUse.set(id, clock);
  }
  return { hits, misses, evictions, capacityMisses, hitRate: hits / (hits + misses) };
}

test('context-cache hit rate of a 10^4-device run equals an independent LRU simulation of its access sequence', () => {
  const { scenario, model } = load('scenarios/10k-clients.yaml', OVERRIDES, [`context_cache.capacity_connections=${CAPACITY}`]);
  const seq: [number, 'access' | 'remove'][] = [];
  const r = runCosim({ scenario, model, seed: 1, crypto: 'node', onContextCache: (id, op) => seq.push([id, op]) });
  assert.is(r.acc.handshakesCompleted, 10000);
  const cache = r.hw.contextCache!;
  const want = lru(seq, CAPACITY);
  assert.ok(want.evictions > 1000, `working set larger than the cache: ${want.evictions} evictions`);
  assert.is(cache.hits, want.hits);
  assert.is(cache.misses, want.misses);
  assert.is(cache.evictions, want.evictions);
  assert.is(cache.capacityMisses, want.capacityMisses);
  const s = contextCacheSummary(cache, r.acc)!;
  assert.is(s.hit_rate, want.hitRate);
  assert.is(s.accesses, seq.filter((x) => x[1] === 'access').length);
  assert.is(s.compulsory_misses + s.capacity_misses, s.misses);
  assert.ok(s.capacity_misses > 0 && s.capacity_miss_us_per_record > 0, JSON.stringify(s));
});

test('summary.context_cache and the breakdown entry ctx_cache_miss appear under pressure only', () => {
  const small = ['clients.count=1500', 'clients.arrival.duration_ms=150', ...OVERRIDES.slice(2)];
  const tight = load('scenarios/10k-clients.yaml', small, ['context_cache.capacity_connections=100']);
  const a = runScenario({ scenario: tight.scenario, model: tight.model });
  const cc = a.summary.context_cache!;
  assert.ok(cc.evictions > 0 && cc.capacity_misses > 0);
  const miss = a.breakdown.record.find((e) => e.component === 'ctx_cache_miss')!;
  assert.ok(miss, 'ctx_cache_miss in the record breakdown');
  // the summary repeats the breakdown's figure
  assert.ok(Math.abs(miss.waiting_us + miss.service_us - cc.capacity_miss_us_per_record) < 1e-9 * cc.capacity_miss_us_per_record);
  assert.ok(miss.service_us > 0);
  const roomy = load('scenarios/10k-clients.yaml', small);
  const b = runScenario({ scenario: roomy.scenario, model: roomy.model });
  assert.is(b.summary.context_cache, undefined);
  assert.not.ok(b.breakdown.record.some((e) => e.component === 'ctx_cache_miss'));
});

test.run();
