// `npm run bench -- kernel [--json] [--events N] [--reps R]`
// Classic hold model (10,000 pending events; each event schedules one successor at now + an exponential
// increment) on: the kernel with callbacks, the kernel with generator processes, and a bare typed-array binary heap
// keyed by (time, seq) in the same run (baseline). Plus an M/M/1 queue through Resource.use at rho = 0.9.
// Median of R repetitions; increments come from a precomputed table so the RNG is not what is measured.
import { Kernel, Resource, Rng } from '../../sim/index.ts';

const PENDING = 10_000;
const TABLE = 1 << 16;
const MASK = TABLE - 1;

function increments(seed: number): Float64Array {
  const s = new Rng(seed).stream('bench/hold');
  const t = new Float64Array(TABLE);
  for (let i = 0; i < TABLE; i++) t[i] = Math.max(1, Math.round(s.exponential(1 / 1_000_000))); // mean 1 us
  return t;
}

/** The baseline: the same (time, seq) binary heap without callbacks, slots, cancellation or checks. */
function bareHeapHold(inc: Float64Array, events: number): number {
  const cap = PENDING + 1;
  const hT = new Float64Array(cap);
  const hS = new Float64Array(cap);
  let size = 0;
  let seq = 0;
  let j = 0;
  const push = (t: number) => {
    const s = seq++;
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pt = hT[p];
      if (pt <= t) break;
      hT[i] = pt;
      hS[i] = hS[p];
      i = p;
    }
    hT[i] = t;
    hS[i] = s;
  };
  const pop = () => {
    const n = --size;
    if (n === 0) return;
    const lt = hT[n];
    const ls = hS[n];
    let i = 0;
    const half = n >> 1;
    while (i < half) {
      let c = 2 * i + 1;
      let ct = hT[c];
      let cs = hS[c];
      const r = c + 1;
      if (r < n) {
        const rt = hT[r];
        if (rt < ct || (rt === ct && hS[r] < cs)) {
          c = r;
          ct = rt;
          cs = hS[r];
        }
      }
      if (ct > lt || (ct === lt && cs > ls)) break;
      hT[i] = ct;
      hS[i] = cs;
      i = c;
    }
    hT[i] = lt;
    hS[i] = ls;
  };
  for (let i = 0; i < PENDING; i++) push(inc[j++ & MASK]);
  const t0 = performance.now();
  let sink = 0;
  for (let n = 0; n < events; n++) {
    const t = hT[0];
    pop();
    sink += t;
    push(t + inc[j++ & MASK]);
  }
  const dt = (performance.now() - t0) / 1000;
  if (sink < 0) console.log(sink);
  return events / dt;
}

function kernelHold(inc: Float64Array, events: number): number {
  const k = new Kernel({ initialCapacity: PENDING * 2 });
  let j = 0;
  let left = events;
  const hold = (_: unknown) => {
    if (--left > 0) k.after(inc[j++ & MASK], hold, null);
    else k.stop();
  };
  for (let i = 0; i < PENDING; i++) k.after(inc[j++ & MASK], hold, null);
  const t0 = performance.now();
  const n = k.run();
  const dt = (performance.now() - t0) / 1000;
  return n / dt;
}

function processHold(inc: Float64Array, events: number): number {
  const k = new Kernel({ initialCapacity: PENDING * 2 });
  let j = 0;
  let left = events + PENDING; // the first step of each process only starts it
  function* holder(): Generator<number, void, unknown> {
    for (;;) {
      if (--left <= 0) {
        k.stop();
        return;
      }
      yield inc[j++ & MASK];
    }
  }
  for (let i = 0; i < PENDING; i++) k.spawn(holder);
  k.run({ until: 0 }); // start all processes (each schedules its first hold)
  const t0 = performance.now();
  const n = k.run();
  const dt = (performance.now() - t0) / 1000;
  return n / dt;
}

function mm1(customers: number, seed: number): { events_per_s: number; customers_per_s: number } {
  const k = new Kernel();
  const r = new Resource(k, { name: 'mm1', capacity: 1 });
  const s = new Rng(seed);
  const arr = s.stream('arrivals');
  const svc = s.stream('service');
  const meanService = 1_000_000; // 1 us
  const lambda = 0.9 / meanService;
  let left = customers;
  const arrive = (_: unknown) => {
    r.use(Math.round(svc.exponential(1 / meanService)), null);
    if (--left > 0) k.after(Math.round(arr.exponential(lambda)), arrive, null);
  };
  k.after(0, arrive, null);
  const t0 = performance.now();
  const n = k.run();
  const dt = (performance.now() - t0) / 1000;
  return { events_per_s: n / dt, customers_per_s: customers / dt };
}

function median(xs: number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const m = a.length >> 1;
  return a.length % 2 ? a[m] : (a[m - 1] + a[m]) / 2;
}

function argNum(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} needs a positive number`);
  return v;
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const events = argNum(opts.args, '--events', 3_000_000);
  const reps = argNum(opts.args, '--reps', 5);
  const inc = increments(1);
  // warm-up (JIT)
  bareHeapHold(inc, 300_000);
  kernelHold(inc, 300_000);
  processHold(inc, 300_000);
  mm1(100_000, 1);
  const bare: number[] = [];
  const cb: number[] = [];
  const proc: number[] = [];
  const mm: { events_per_s: number; customers_per_s: number }[] = [];
  // interleave so that machine noise hits all variants alike
  for (let r = 0; r < reps; r++) {
    bare.push(bareHeapHold(inc, events));
    cb.push(kernelHold(inc, events));
    proc.push(processHold(inc, events));
    mm.push(mm1(events / 2, 1 + r));
  }
  const result = {
    benchmark: 'kernel',
    pending: PENDING,
    events_per_rep: events,
    reps,
    events_per_s: Math.round(median(cb)),
    bare_heap_events_per_s: Math.round(median(bare)),
    ratio: +(median(cb) / median(bare)).toFixed(3),
    process_events_per_s: Math.round(median(proc)),
    process_ratio: +(median(proc) / median(cb)).toFixed(3),
    process_vs_bare_ratio: +(median(proc) / median(bare)).toFixed(3),
    mm1_events_per_s: Math.round(median(mm.map((m) => m.events_per_s))),
    mm1_customers_per_s: Math.round(median(mm.map((m) => m.customers_per_s))),
  };
  if (opts.json) {
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return;
  }
  const M = (x: number) => (x / 1e6).toFixed(2) + ' M/s';
  const lines = [
    `hold model, ${PENDING} pending events, ${events} events x ${reps} reps (median)`,
    `  bare typed-array heap (baseline)  ${M(result.bare_heap_events_per_s)}`,
    `  kernel, callbacks                 ${M(result.events_per_s)}   ratio to bare heap ${result.ratio}`,
    `  kernel, generator processes       ${M(result.process_events_per_s)}   ratio to callbacks ${result.process_ratio}`,
    `M/M/1 through Resource.use (rho 0.9, ${events / 2} customers)`,
    `  ${M(result.mm1_events_per_s)} events, ${M(result.mm1_customers_per_s)} customers`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
