// The context cache under pressure (summary `context_cache`, docs/outputs.md): present when the run evicted
// contexts (its working set exceeded the capacity), absent otherwise (a cache that only fills keeps the outputs of
// the shipped scenarios as they were). Misses are split: compulsory (a context's first access, or its first after
// the connection's context was removed) and capacity (a context the cache had evicted: src/hw/context-cache.ts).
// Each capacity miss costs a lookup and a DMA fetch of the context on the job's path; the breakdown shows it as
// `ctx_cache_miss` (server.ts), whose mean per handshake and per record is repeated here.
import { PS_PER_US } from '../sim/index.ts';
import type { ContextCache } from '../hw/index.ts';
import type { Accounts } from './accounts.ts';

export interface ContextCacheSummary {
  /** Contexts the cache holds (model context_cache.capacity_connections) and their size, bytes. */
  capacity_connections: number;
  context_bytes: number;
  /** Lookups after warm-up: hits + misses. */
  accesses: number;
  hits: number;
  misses: number;
  compulsory_misses: number;
  capacity_misses: number;
  /** Contexts evicted (each written back over the DMA, off the critical path). */
  evictions: number;
  /** hits / accesses. */
  hit_rate: number;
  /** Mean time per completed handshake / per delivered record spent on capacity misses (waiting + served), us:
   *  the `ctx_cache_miss` entries of the breakdown. */
  capacity_miss_us_per_handshake: number;
  capacity_miss_us_per_record: number;
}

export function contextCacheSummary(cache: ContextCache | undefined, acc: Accounts): ContextCacheSummary | undefined {
  if (!cache || cache.evictions === 0) return undefined;
  const per = (phase: 'handshake' | 'data', n: number): number => {
    const t = acc.stages[phase].get('ctx_cache_miss');
    return n > 0 ? (t ? t.waitPs + t.servicePs : 0) / n / PS_PER_US : NaN;
  };
  const accesses = cache.hits + cache.misses;
  return {
    capacity_connections: cache.params.capacity_connections,
    context_bytes: cache.params.context_bytes,
    accesses,
    hits: cache.hits,
    misses: cache.misses,
    compulsory_misses: cache.misses - cache.capacityMisses,
    capacity_misses: cache.capacityMisses,
    evictions: cache.evictions,
    hit_rate: accesses > 0 ? cache.hits / accesses : NaN,
    capacity_miss_us_per_handshake: per('handshake', acc.handshakesCompleted),
    capacity_miss_us_per_record: per('data', acc.recordsReceived),
  };
}
