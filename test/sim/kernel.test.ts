import { test } from 'uvu';
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { Kernel, MAX_TIME, Signal, SimError, SimTimeError, Resource, Rng, fnv1a64, fromMs, fromUs, toMs, fromNs } from '../../src/sim/index.ts';

test('events at equal times run in scheduling order (FIFO), earlier times first', () => {
  const k = new Kernel({ initialCapacity: 16 });
  const out: string[] = [];
  const rng = new Rng(7).stream('t');
  const expected: [number, number][] = [];
  for (let i = 0; i < 500; i++) {
    const t = rng.int(20) * 10; // many ties
    expected.push([t, i]);
    k.at(t, (x: number) => out.push(`${k.now}:${x}`), i);
  }
  k.run();
  expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.equal(out, expected.map(([t, i]) => `${t}:${i}`));
  assert.is(k.executed, 500);
});

test('events scheduled during an event at the same time run after already-scheduled ones', () => {
  const k = new Kernel();
  const out: string[] = [];
  k.at(5, () => {
    out.push('a');
    k.after(0, () => out.push('c'));
  });
  k.at(5, () => out.push('b'));
  k.run();
  assert.equal(out, ['a', 'b', 'c']);
});

test('cancel: pending -> true, double cancel and cancel after run -> false, head cancel', () => {
  const k = new Kernel();
  const out: number[] = [];
  const ids = [10, 20, 30, 40].map((t) => k.at(t, (x: number) => out.push(x), t));
  assert.is(k.pending, 4);
  assert.ok(k.cancel(ids[0])); // head
  assert.not.ok(k.cancel(ids[0])); // double
  assert.is(k.nextTime(), 20);
  assert.ok(k.cancel(ids[2]));
  assert.is(k.pending, 2);
  assert.not.ok(k.cancel(-1));
  assert.not.ok(k.cancel(1.5));
  assert.not.ok(k.cancel(123456789));
  k.run();
  assert.equal(out, [20, 40]);
  assert.not.ok(k.cancel(ids[1]), 'already ran');
  // ids of reused slots do not alias old ids
  const a = k.after(5, () => out.push(-1));
  assert.not.ok(k.cancel(ids[1]));
  assert.not.ok(k.cancel(ids[3]));
  assert.ok(k.cancel(a));
  k.run();
  assert.equal(out, [20, 40]);
  assert.is(k.now, 40, 'cancelled events do not advance time');
});

test('an event can cancel a later event at the same time', () => {
  const k = new Kernel();
  const out: string[] = [];
  let id = 0;
  k.at(1, () => {
    out.push('x');
    k.cancel(id);
  });
  id = k.at(1, () => out.push('y'));
  k.run();
  assert.equal(out, ['x']);
});

test('run({until}): events at exactly until run, now = until afterwards, later events stay', () => {
  const k = new Kernel();
  const out: number[] = [];
  for (const t of [5, 10, 15]) k.at(t, () => out.push(t));
  k.run({ until: 10 });
  assert.equal(out, [5, 10]);
  assert.is(k.now, 10);
  k.run({ until: 12 });
  assert.is(k.now, 12);
  assert.is(k.pending, 1);
  k.run({ until: 100 });
  assert.equal(out, [5, 10, 15]);
  assert.is(k.now, 100, 'empty queue: now still advances to until');
  assert.throws(() => k.run({ until: 50 }), (e: unknown) => e instanceof SimTimeError);
});

test('run({stop}) checks after each event; stop() from inside an event', () => {
  const k = new Kernel();
  let n = 0;
  const tick = () => {
    n++;
    k.after(3, tick);
  };
  k.after(0, tick);
  const ran = k.run({ stop: () => n >= 4 });
  assert.is(ran, 4);
  assert.is(k.now, 9);
  k.at(10, () => k.stop());
  k.run({ until: 1000 });
  assert.is(k.now, 10, 'stopped run does not advance to until');
});

test('time range: non-integer, negative, past, beyond MAX_SAFE_INTEGER -> SimTimeError', () => {
  const k = new Kernel();
  const f = () => {};
  const isTimeErr = (e: unknown) => e instanceof SimTimeError && e.name === 'SimTimeError';
  assert.throws(() => k.at(1.5, f), isTimeErr);
  assert.throws(() => k.at(-1, f), isTimeErr);
  assert.throws(() => k.at(NaN, f), isTimeErr);
  assert.throws(() => k.at(MAX_TIME + 2, f), isTimeErr);
  assert.throws(() => k.after(0.25, f), isTimeErr);
  assert.throws(() => k.after(-3, f), isTimeErr);
  assert.throws(() => k.after(Infinity, f), isTimeErr);
  k.at(MAX_TIME, f); // the last representable instant is fine
  k.at(100, f);
  k.run({ until: 100 });
  assert.throws(() => k.at(99, f), isTimeErr);
  assert.throws(() => k.after(MAX_TIME, f), isTimeErr, 'now + dt overflows');
  assert.throws(() => k.run({ until: 1e300 }), isTimeErr);
  k.run();
  assert.is(k.now, MAX_TIME);
});

test('run is not re-entrant', () => {
  const k = new Kernel();
  k.at(1, () => k.run());
  assert.throws(() => k.run(), (e: unknown) => e instanceof SimError);
  // kernel still usable
  k.at(2, () => {});
  assert.is(k.run(), 1);
});

test('heap grows and keeps order with many pending events and cancellations', () => {
  const k = new Kernel({ initialCapacity: 16 });
  const s = new Rng(3).stream('grow');
  const times: number[] = [];
  const ids: number[] = [];
  for (let i = 0; i < 20000; i++) {
    const t = s.int(1_000_000);
    ids.push(k.at(t, (x: number) => times.push(x), t));
  }
  let cancelled = 0;
  for (let i = 0; i < ids.length; i += 3) if (k.cancel(ids[i])) cancelled++;
  k.run();
  assert.is(times.length, 20000 - cancelled);
  for (let i = 1; i < times.length; i++) if (times[i] < times[i - 1]) assert.unreachable('out of order');
});

test('re-armed timers: cancelled entries are compacted away, order unchanged', () => {
  const k = new Kernel();
  const fired: number[] = [];
  const ids = new Array<number>(100).fill(-1);
  // 100 timers re-armed 50,000 times in total: without compaction the heap would hold ~50,000 entries
  const s = new Rng(9).stream('timers');
  let maxHeap = 0;
  for (let i = 0; i < 50_000; i++) {
    const c = s.int(100);
    if (ids[c] >= 0) assert.ok(k.cancel(ids[c]));
    ids[c] = k.at(1_000_000 + s.int(1000), (x: number) => fired.push(x), c);
    maxHeap = Math.max(maxHeap, k.heapSize);
  }
  assert.ok(maxHeap <= 2 * 1024 + 200, `heap reached ${maxHeap}`);
  assert.is(k.pending, 100);
  const when = new Map<number, number>();
  k.onEvent = (t, _id, _fn) => when.set(fired.length, t);
  k.run();
  assert.is(fired.length, 100);
  assert.equal([...new Set(fired)].length, 100);
  for (let i = 1; i < 100; i++) assert.ok(when.get(i)! >= when.get(i - 1)!);
});

test('compaction after mass cancellation keeps (time, FIFO) order', () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const k = new Kernel({ compactAfter: 16 });
    const s = new Rng(seed).stream('mass');
    const ref: { t: number; i: number; id: number; live: boolean }[] = [];
    for (let i = 0; i < 5000; i++) {
      const t = s.int(500);
      ref.push({ t, i, id: k.at(t, (x: number) => got.push(x), i), live: true });
    }
    const got: number[] = [];
    for (const e of ref) {
      if (s.bernoulli(0.7)) {
        assert.ok(k.cancel(e.id));
        e.live = false;
      }
    }
    assert.ok(k.heapSize < 5000);
    k.run();
    const want = ref.filter((e) => e.live).sort((a, b) => a.t - b.t || a.i - b.i).map((e) => e.i);
    assert.equal(got, want);
  }
});

test('sequence renumbering near 2^31 keeps FIFO ties and time order', () => {
  const k = new Kernel();
  const out: number[] = [];
  k._setSeqForTest(2 ** 31 - 5);
  for (let i = 0; i < 20; i++) k.at(i % 2 === 0 ? 100 : 50, (x: number) => out.push(x), i);
  k.run();
  const exp = [1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18];
  assert.equal(out, exp);
});

test('atFirst: ahead of at/after events of the same time whenever those were scheduled, FIFO among themselves', () => {
  const k = new Kernel();
  const out: string[] = [];
  const log = (s: string) => () => out.push(s);
  k.at(10, log('a1'));
  k.at(10, () => {
    out.push('a2');
    k.atFirst(10, log('f3')); // same instant, scheduled while a2 runs: before a3, after nothing already run
    k.at(10, log('a4'));
  });
  k.at(10, log('a3'));
  k.atFirst(10, log('f1'));
  k.atFirst(10, log('f2'));
  k.atFirst(5, log('f0'));
  k.at(20, log('a5'));
  k.atFirst(20, log('f4'));
  k.run();
  assert.equal(out, ['f0', 'f1', 'f2', 'a1', 'a2', 'f3', 'a3', 'a4', 'f4', 'a5']);
  assert.throws(() => k.atFirst(1, () => {}), (e: unknown) => e instanceof SimTimeError);
});

test('atFirst mixed with at at random (fast-check): order = (time, atFirst before at, scheduling order); renumbering keeps it', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.integer({ min: 0, max: 3 })), { minLength: 1, maxLength: 60 }), fc.boolean(), (plan, nearLimit) => {
      const k = new Kernel();
      if (nearLimit) k._setSeqForTest(2 ** 31 - 7, 2 ** 30 - 5);
      const got: number[] = [];
      let n = 0;
      let p = 0;
      const schedule = (t: number, front: boolean): void => {
        const me = n++;
        const fn = () => {
          got.push(me);
          // each executed event schedules the next step of the plan (if any), relative to now
          if (p < plan.length) {
            const [dt, f] = plan[p++]!;
            schedule(k.now + dt, f);
          }
        };
        if (front) k.atFirst(t, fn);
        else k.at(t, fn);
      };
      for (const [t, f, extra] of plan.slice(0, 3)) for (let e = 0; e <= extra; e++) schedule(t, f);
      p = 3;
      k.run();
      const pendingOrder = (a: { t: number; front: boolean; n: number }, b: typeof a) => a.t - b.t || (a.front === b.front ? a.n - b.n : a.front ? -1 : 1);
      // the same schedule on a list sorted by (time, atFirst first, scheduling order) instead of the heap
      const sim: number[] = [];
      const q: { t: number; front: boolean; n: number }[] = [];
      let m = 0;
      let pp = 0;
      let now = 0;
      const sched2 = (t: number, front: boolean) => q.push({ t, front, n: m++ });
      for (const [t, f, extra] of plan.slice(0, 3)) for (let e = 0; e <= extra; e++) sched2(t, f);
      pp = 3;
      while (q.length > 0) {
        q.sort(pendingOrder);
        const e = q.shift()!;
        now = e.t;
        sim.push(e.n);
        if (pp < plan.length) {
          const [dt, f] = plan[pp++]!;
          sched2(now + dt, f);
        }
      }
      assert.equal(got, sim);
    }),
    { seed: 20261204, numRuns: 300 },
  );
});

test('processes: timeouts, resource requests, join, Signal', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1 });
  const log: string[] = [];
  const sig = new Signal<string>();
  const worker = (id: number) =>
    k.spawn(function* () {
      yield k.timeout(id);
      const tok: number = yield r.request();
      log.push(`start ${id} @${k.now}`);
      yield 10;
      r.release(tok);
      return id * 100;
    });
  const a = worker(1);
  const b = worker(2);
  k.spawn(function* () {
    const ra = yield a;
    const rb = yield b;
    log.push(`joined ${ra} ${rb} @${k.now}`);
    const v = yield sig;
    log.push(`signal ${v} @${k.now}`);
  });
  k.at(50, () => sig.succeed('go'));
  k.run();
  assert.equal(log, ['start 1 @1', 'start 2 @11', 'joined 100 200 @21', 'signal go @50']);
  assert.throws(() => k.spawn(function* () { yield 'bad' as never; }) && k.run(), (e: unknown) => e instanceof SimError);
});

function traceHash(seed: number): string {
  const k = new Kernel();
  const rng = new Rng(seed);
  const r = new Resource(k, { capacity: 2, discipline: 'priority' });
  let h = 0xcbf29ce484222325n;
  const M = (1n << 64n) - 1n;
  k.onEvent = (t, id, fn) => {
    for (const x of [t, id, fn.name.length]) h = ((h ^ BigInt(x)) * 0x100000001b3n) & M;
  };
  for (let c = 0; c < 5; c++) {
    const s = rng.stream(`client/${c}`);
    const arrive = () => {
      r.use(Math.round(s.exponential(1 / 800)), null, s.int(3));
      if (k.now < 200_000) k.after(Math.round(s.exponential(1 / 2000)), arrive);
    };
    k.after(0, arrive);
  }
  k.run();
  return h.toString(16) + ':' + k.executed + ':' + fnv1a64(JSON.stringify(r.stats())).toString(16);
}

test('event trace hash: identical for the same seed, different for another seed', () => {
  const a = traceHash(42);
  const b = traceHash(42);
  const c = traceHash(43);
  assert.is(a, b);
  assert.is.not(a, c);
});

test('unit helpers round to whole ps and check the range', () => {
  assert.is(fromMs(1.5), 1_500_000_000);
  assert.is(fromUs(0.0004), 400);
  assert.is(fromUs(0.0000004), 0);
  assert.is(fromNs(2.5), 2500);
  assert.is(toMs(fromMs(123.456)), 123.456);
  assert.throws(() => fromMs(-1), (e: unknown) => e instanceof SimTimeError);
  assert.throws(() => fromMs(1e10), (e: unknown) => e instanceof SimTimeError);
});

test('property: random at/after/cancel/run-until sequences match a sorted-list reference model', () => {
  type Op = { kind: 'at' | 'after' | 'cancel' | 'run'; v: number };
  const op = fc.record({ kind: fc.constantFrom<Op['kind']>('at', 'at', 'after', 'cancel', 'run'), v: fc.integer({ min: 0, max: 60 }) });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 80 }), fc.constantFrom(1, 3, 1024), (ops, compactAfter) => {
      const k = new Kernel({ initialCapacity: 16, compactAfter });
      const ref: { t: number; seq: number; label: number; live: boolean; id: number }[] = [];
      const got: number[] = [];
      const want: number[] = [];
      let seq = 0;
      let now = 0;
      for (const o of ops) {
        if (o.kind === 'at' || o.kind === 'after') {
          const t = o.kind === 'at' ? now + (o.v % 7) : now + o.v;
          const label = seq;
          const id = o.kind === 'at' ? k.at(t, (x: number) => got.push(x), label) : k.after(o.v, (x: number) => got.push(x), label);
          ref.push({ t, seq: seq++, label, live: true, id });
        } else if (o.kind === 'cancel') {
          if (ref.length === 0) continue;
          const e = ref[o.v % ref.length];
          if (k.cancel(e.id) !== e.live) return false;
          e.live = false;
        } else {
          const until = now + o.v;
          k.run({ until });
          const due = ref.filter((e) => e.live && e.t <= until).sort((a, b) => a.t - b.t || a.seq - b.seq);
          for (const e of due) {
            want.push(e.label);
            e.live = false;
          }
          now = until;
          if (k.now !== now) return false;
        }
        if (k.pending !== ref.filter((e) => e.live).length) return false;
      }
      k.run();
      for (const e of ref.filter((e) => e.live).sort((a, b) => a.t - b.t || a.seq - b.seq)) want.push(e.label);
      return JSON.stringify(got) === JSON.stringify(want);
    }),
    { seed: 20261122, numRuns: 500 },
  );
});

test.run();
