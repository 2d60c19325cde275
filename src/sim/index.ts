// Public API of the simulation kernel (src/sim). See docs/kernel.md.
export { SimError, SimTimeError } from './errors.ts';
export {
  Kernel,
  Process,
  Signal,
  MAX_TIME,
  checkPs,
  type Ps,
  type EventId,
  type EventFn,
  type Awaitable,
  type Yieldable,
  type ProcessGen,
  type RunOptions,
  type TraceHook,
} from './kernel.ts';
export {
  Resource,
  type ResourceOptions,
  type ResourceStats,
  type Discipline,
  type OnFull,
  type UseDone,
  type AcquireCb,
} from './resource.ts';
export { Histogram, TimeWeighted, type Dist } from './stats.ts';
export { Store, type StoreOptions, type StoreStats } from './store.ts';
export { Clock } from './clock.ts';
export {
  Rng,
  RngStream,
  DistributionError,
  makeSampler,
  distributionMean,
  fnv1a64,
  type Seed,
  type Distribution,
  type Sampler,
} from './random.ts';
export { PS_PER_NS, PS_PER_US, PS_PER_MS, PS_PER_S, US_PER_S, HZ_PER_MHZ, HZ_PER_GHZ, BIT_S_PER_GBIT_S, fromNs, fromUs, fromMs, fromS, toNs, toUs, toMs, toS } from './time.ts';
export { runQueueingCase, standardCases, analyticWq, erlangC, SERVICE_PS, type QueueingRow, type QueueingCase, type QueueModel } from './validation/queueing.ts';
