// Queueing-theory validation of Kernel + Resource (pure: no clocks, no I/O). Used by
// `npm run validate -- queueing` (src/cli/validate/queueing.ts) and by test/sim/queueing.test.ts.
//
// Models: M/M/1, M/D/1, M/M/c with Poisson arrivals (rate lambda) and mean service time 1/mu = SERVICE_PS.
// Closed forms for the mean waiting time in queue Wq:
//   M/M/1: rho / (mu (1 - rho));  M/D/1 (Pollaczek-Khinchine): rho / (2 mu (1 - rho));
//   M/M/c (Erlang C): C(c, a) / (c mu - lambda), a = lambda / mu.
// Confidence intervals: batch means (B batches of consecutive customers after the warm-up; Student t, 95 %).
import { Kernel } from '../kernel.ts';
import { Resource } from '../resource.ts';
import { Rng } from '../random.ts';

export type QueueModel = 'M/M/1' | 'M/D/1' | 'M/M/c';

export interface QueueingRow {
  model: string;
  lambda: number; // per ps
  mu: number; // per ps (one server)
  c: number;
  rho: number;
  metric: 'mean_wait' | 'mean_queue' | 'littles_law' | 'utilization';
  simulated: number;
  analytic: number;
  rel_error: number;
  customers: number;
  ci_low: number | null;
  ci_high: number | null;
  seed: number;
}

export interface QueueingCase {
  model: QueueModel;
  rho: number;
  c?: number;
  customers: number;
  seed: number;
  /** customers discarded before statistics start (default customers / 50) */
  warmup?: number;
  /** batch-means batches (default 20) */
  batches?: number;
}

/** Mean service time used by the validation: 1 us. */
export const SERVICE_PS = 1_000_000;

/** Erlang C: probability that an arrival waits in M/M/c with offered load a = lambda/mu (a < c). */
export function erlangC(c: number, a: number): number {
  // Erlang B by the stable recursion, then C = B / (1 - (a/c)(1 - B))
  let b = 1;
  for (let k = 1; k <= c; k++) b = (a * b) / (k + a * b);
  const rho = a / c;
  return b / (1 - rho * (1 - b));
}

/** Closed-form mean waiting time in queue (same unit as 1/mu). */
export function analyticWq(model: QueueModel, lambda: number, mu: number, c = 1): number {
  const rho = lambda / (c * mu);
  if (!(rho > 0 && rho < 1)) throw new RangeError(`utilisation must be in (0, 1), got ${rho}`);
  switch (model) {
    case 'M/M/1':
      return rho / (mu * (1 - rho));
    case 'M/D/1':
      return rho / (2 * mu * (1 - rho));
    case 'M/M/c':
      return erlangC(c, lambda / mu) / (c * mu - lambda);
  }
}

// two-sided 95 % Student t quantiles by degrees of freedom (batches - 1)
const T975: Record<number, number> = { 4: 2.776, 9: 2.262, 14: 2.145, 19: 2.093, 29: 2.045, 39: 2.023, 49: 2.01 };
function t975(df: number): number {
  return T975[df] ?? 1.96;
}

function ci(batchMeans: number[]): [number, number, number] {
  const n = batchMeans.length;
  const m = batchMeans.reduce((a, b) => a + b, 0) / n;
  const v = batchMeans.reduce((a, b) => a + (b - m) * (b - m), 0) / (n - 1);
  const h = t975(n - 1) * Math.sqrt(v / n);
  return [m, m - h, m + h];
}

/** Simulate one case and compare with the closed forms. Returns one row per metric. */
export function runQueueingCase(cs: QueueingCase): QueueingRow[] {
  const c = cs.model === 'M/M/c' ? (cs.c ?? 4) : 1;
  const mu = 1 / SERVICE_PS;
  const lambda = cs.rho * c * mu;
  const warmup = cs.warmup ?? Math.floor(cs.customers / 50);
  const B = cs.batches ?? 20;
  const perBatch = Math.floor(cs.customers / B);
  const total = warmup + perBatch * B;

  const k = new Kernel();
  const r = new Resource(k, { name: cs.model, capacity: c });
  const rng = new Rng(cs.seed);
  const arr = rng.stream('arrivals');
  const svc = rng.stream('service');
  const det = cs.model === 'M/D/1';

  // per-batch accumulators, batches by order of service start (done callbacks), after the warm-up
  const waitSum = new Float64Array(B);
  const qArea = new Float64Array(B + 1); // queue-length integral snapshots at batch boundaries
  const tBound = new Float64Array(B + 1);
  let started = 0; // customers whose service started (done called in start order for c = 1)
  let measuring = false;
  let arrived = 0;

  const done = (waitPs: number): void => {
    const i = started++ - warmup;
    if (i < 0 || i >= perBatch * B) return;
    waitSum[Math.floor(i / perBatch)] += waitPs;
  };
  const arrive = (): void => {
    if (arrived === warmup) {
      r.resetStats();
      measuring = true;
      tBound[0] = k.now;
    } else if (measuring && (arrived - warmup) % perBatch === 0) {
      const b = (arrived - warmup) / perBatch;
      const s = r.stats();
      qArea[b] = s.meanQueue * (k.now - tBound[0]);
      tBound[b] = k.now;
    }
    const service = det ? SERVICE_PS : Math.round(svc.exponential(mu));
    r.use(service, done);
    if (++arrived < total) k.after(Math.round(arr.exponential(lambda)), arrive);
  };
  k.after(0, arrive);
  // run until the last arrival, then measure the time-weighted quantities over [warm-up end, last arrival]
  k.run({ stop: () => arrived >= total });
  const tEnd = k.now;
  const sArr = r.stats(tEnd);
  qArea[B] = sArr.meanQueue * (tEnd - tBound[0]);
  tBound[B] = tEnd;
  const arrivalsMeasured = sArr.arrivals;
  const lambdaObs = arrivalsMeasured / (tEnd - tBound[0]);
  const meanQueue = sArr.meanQueue;
  const utilization = sArr.utilization;
  // let everyone finish so each measured customer has its wait recorded
  k.run();
  const sFin = r.stats(tEnd);
  const waitMean = sFin.wait.mean;

  const wBatches = Array.from(waitSum, (x) => x / perBatch);
  const qBatches: number[] = [];
  for (let b = 0; b < B; b++) qBatches.push((qArea[b + 1] - qArea[b]) / (tBound[b + 1] - tBound[b]));
  const [, wLo, wHi] = ci(wBatches);
  const [, qLo, qHi] = ci(qBatches);

  const wq = analyticWq(cs.model, lambda, mu, c);
  const base = { model: cs.model === 'M/M/c' ? `M/M/${c}` : cs.model, lambda, mu, c, rho: cs.rho, customers: perBatch * B, seed: cs.seed };
  const row = (metric: QueueingRow['metric'], simulated: number, analytic: number, lo: number | null, hi: number | null): QueueingRow => ({
    ...base,
    metric,
    simulated,
    analytic,
    rel_error: Math.abs(simulated - analytic) / analytic,
    ci_low: lo,
    ci_high: hi,
  });
  // waits recorded for customers that arrived during the measurement window (the warm-up reset happened at the
  // first measured arrival, so the histogram also holds the waits of customers queued at that instant, which the
  // batch sums exclude: the two means differ only by those few)
  return [
    row('mean_wait', waitMean, wq, wLo, wHi),
    row('mean_queue', meanQueue, lambda * wq, qLo, qHi),
    // Little's law on the simulated path: time-weighted queue length vs observed arrival rate x mean wait
    row('littles_law', meanQueue, lambdaObs * waitMean, null, null),
    row('utilization', utilization, cs.rho, null, null),
  ];
}

/** The standard validation set: M/M/1, M/D/1, M/M/4 at rho 0.5, 0.8, 0.9. `scale` multiplies customer counts. */
export function standardCases(scale = 1): QueueingCase[] {
  const counts: Record<QueueModel, Record<string, number>> = {
    // sized so that every 95 % batch-means half-width is about 1 % or less (the bound is 2 %)
    'M/M/1': { '0.5': 1_000_000, '0.8': 4_000_000, '0.9': 16_000_000 },
    'M/D/1': { '0.5': 1_000_000, '0.8': 3_000_000, '0.9': 8_000_000 },
    'M/M/c': { '0.5': 16_000_000, '0.8': 8_000_000, '0.9': 20_000_000 },
  };
  const out: QueueingCase[] = [];
  let seed = 1;
  for (const model of ['M/M/1', 'M/D/1', 'M/M/c'] as QueueModel[]) {
    for (const rho of [0.5, 0.8, 0.9]) {
      out.push({ model, rho, c: model === 'M/M/c' ? 4 : 1, customers: Math.round(counts[model][String(rho)] * scale), seed: seed++ });
    }
  }
  return out;
}
