import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, Resource, SimError, Store } from '../../src/sim/index.ts';

const close = (a: number, b: number, eps = 1e-12) => Math.abs(a - b) <= eps * Math.max(1, Math.abs(b));

test('3 jobs on 1 server: exact waits, sojourns, utilisation, mean queue', () => {
  const k = new Kernel();
  const r = new Resource(k, { name: 'one', capacity: 1 });
  const got: [number, number, number][] = [];
  for (const [a, s] of [[0, 10], [2, 5], [4, 3]]) {
    k.at(a, () => r.use(s, (w, st) => got.push([w, st, k.now])));
  }
  k.run();
  assert.equal(got, [[0, 0, 10], [8, 10, 15], [11, 15, 18]]);
  const st = r.stats();
  assert.is(st.name, 'one');
  assert.is(st.served, 3);
  assert.is(st.arrivals, 3);
  assert.is(st.wait.count, 3);
  assert.ok(close(st.wait.mean, 19 / 3));
  assert.is(st.wait.max, 11);
  assert.ok(close(st.sojourn.mean, (10 + 13 + 14) / 3));
  assert.ok(close(st.utilization, 1));
  assert.ok(close(st.meanQueue, 19 / 18)); // 1 on [2,4), 2 on [4,10), 1 on [10,15)
  assert.is(st.maxQueue, 2);
  const later = r.stats(20);
  assert.ok(close(later.utilization, 18 / 20));
  assert.ok(close(later.meanQueue, 19 / 20));
});

test('2 servers: waits, busy-time utilisation, queue area, completion order at equal times', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 2 });
  const order: string[] = [];
  const job = (name: string, s: number) => () => r.use(s, (w) => order.push(`${name}:${w}@${k.now}`));
  k.at(0, job('A', 4));
  k.at(0, job('B', 6));
  k.at(0, job('C', 2));
  k.at(1, job('D', 1));
  k.run();
  assert.equal(order, ['A:0@4', 'B:0@6', 'C:4@6', 'D:5@7']);
  const st = r.stats();
  assert.ok(close(st.utilization, 13 / 14));
  assert.ok(close(st.meanBusy, 13 / 7));
  assert.ok(close(st.meanQueue, 9 / 7));
  assert.ok(close(st.wait.mean, 9 / 4));
  assert.ok(close(st.sojourn.mean, 22 / 4));
});

test('priority discipline: lower value first, ties in arrival order', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1, discipline: 'priority' });
  const order: string[] = [];
  k.at(0, () => r.use(10, () => order.push('first')));
  const prios = [2, 1, 2, 0, 1, 2];
  prios.forEach((p, i) => k.at(i + 1, () => r.use(1, () => order.push(`t${i + 1}p${p}`), p)));
  k.run();
  assert.equal(order, ['first', 't4p0', 't2p1', 't5p1', 't1p2', 't3p2', 't6p2']);
  // fifo ignores priority
  const k2 = new Kernel();
  const f = new Resource(k2, { capacity: 1 });
  const o2: number[] = [];
  k2.at(0, () => f.use(10, null));
  prios.forEach((p, i) => k2.at(i + 1, () => f.use(1, () => o2.push(i), p)));
  k2.run();
  assert.equal(o2, [0, 1, 2, 3, 4, 5]);
});

test('bounded queue with drop: counts drops, use returns false', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1, queueLimit: 2, onFull: 'drop' });
  const res: boolean[] = [];
  k.at(0, () => {
    for (let i = 0; i < 5; i++) res.push(r.use(10, null));
  });
  k.at(15, () => res.push(r.use(10, null))); // queue has 1 waiting again: accepted
  k.run();
  assert.equal(res, [true, true, true, false, false, true]);
  const st = r.stats();
  assert.is(st.dropped, 2);
  assert.is(st.served, 4);
  assert.is(st.maxQueue, 2);
  assert.is(st.arrivals, 6);
});

test("bounded queue with 'block': admission list, all served, waits include blocked time", () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1, queueLimit: 2, onFull: 'block' });
  const waits: number[] = [];
  k.at(0, () => {
    for (let i = 0; i < 5; i++) assert.ok(r.use(10, (w) => waits.push(w)));
    assert.is(r.queueLength, 2);
    assert.is(r.blockedLength, 2);
  });
  k.run();
  assert.equal(waits, [0, 10, 20, 30, 40]);
  const st = r.stats();
  assert.is(st.blocked, 2);
  assert.is(st.dropped, 0);
  assert.is(st.maxQueue, 2);
  assert.ok(close(st.meanBlocked, 30 / 50));
  assert.ok(close(st.meanQueue, 70 / 50));
});

test('acquire/release callback form; release without holder throws', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1 });
  const log: string[] = [];
  k.at(0, () =>
    r.acquire((w, tok) => {
      log.push(`a w${w}`);
      k.after(5, () => r.release(tok));
    }),
  );
  k.at(1, () =>
    r.acquire((w) => {
      log.push(`b w${w} @${k.now}`);
      k.after(2, () => r.release());
    }),
  );
  k.run();
  assert.equal(log, ['a w0', 'b w4 @5']);
  const st = r.stats();
  assert.is(st.served, 2);
  assert.ok(close(st.sojourn.mean, (5 + 6) / 2));
  assert.throws(() => r.release(), (e: unknown) => e instanceof SimError);
  assert.throws(() => new Resource(k, { capacity: 0 }), (e: unknown) => e instanceof SimError);
  assert.throws(() => r.use(1.5, null));
});

test('process form: request returns -1 when dropped; infinite capacity is a pure delay', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1, queueLimit: 0 });
  const toks: number[] = [];
  for (let i = 0; i < 3; i++) {
    k.spawn(function* () {
      const t: number = yield r.request();
      toks.push(t);
      if (t >= 0) {
        yield 4;
        r.release(t);
      }
    });
  }
  k.run();
  assert.equal(toks.map((t) => t >= 0), [true, false, false]);
  assert.is(r.stats().dropped, 2);
  const inf = new Resource(k, { capacity: Infinity });
  let ends = 0;
  for (let i = 0; i < 100; i++) inf.use(7, () => ends++);
  assert.is(inf.inService, 100);
  k.run();
  assert.is(ends, 100);
  assert.is(inf.stats().wait.max, 0);
});

test('resetStats starts a new window', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1 });
  r.use(10, null);
  k.run({ until: 20 });
  r.resetStats();
  k.run({ until: 40 });
  const st = r.stats();
  assert.is(st.utilization, 0);
  assert.is(st.served, 0);
});

test('Store: FIFO, blocking put, drop, getters wait, process forms, rendezvous', () => {
  const k = new Kernel();
  const s = new Store<number>(k, { capacity: 2 });
  const got: string[] = [];
  const acc: number[] = [];
  k.at(0, () => {
    for (let i = 1; i <= 3; i++) s.put(i, () => acc.push(i));
  });
  k.at(5, () => s.get((x) => got.push(`${x}@${k.now}`)));
  k.at(6, () => {
    s.get((x) => got.push(`${x}@${k.now}`));
    s.get((x) => got.push(`${x}@${k.now}`));
    s.get((x) => got.push(`${x}@${k.now}`)); // waits
  });
  k.at(9, () => s.put(4));
  k.run();
  assert.equal(acc, [1, 2, 3]);
  assert.equal(got, ['1@5', '2@6', '3@6', '4@9']);
  const st = s.stats();
  assert.is(st.puts, 4);
  assert.is(st.gets, 4);
  assert.is(st.blockedPuts, 1);
  assert.is(st.maxLevel, 2);
  assert.is(st.getWait.max, 3);
  assert.is(st.putWait.max, 5);
  // level: 2 on [0,5) (3 blocked), 2 on [5,6), 0 on [6,9]
  assert.ok(close(st.meanLevel, 12 / 9));

  const d = new Store<number>(k, { capacity: 1, onFull: 'drop' });
  assert.ok(d.put(1));
  assert.not.ok(d.put(2));
  assert.is(d.stats().dropped, 1);
  assert.is(d.tryGet(), 1);
  assert.is(d.tryGet(), undefined);

  const ch = new Store<string>(k, { capacity: 0 });
  const log: string[] = [];
  k.spawn(function* () {
    for (const m of ['a', 'b']) {
      const ok: boolean = yield ch.waitPut(m);
      log.push(`put ${m} ${ok} @${k.now}`);
    }
  });
  k.spawn(function* () {
    yield 3;
    const x: string = yield ch.waitGet();
    log.push(`got ${x} @${k.now}`);
    yield 2;
    const y: string = yield ch.waitGet();
    log.push(`got ${y} @${k.now}`);
  });
  k.run();
  assert.equal(log, [`got a @12`, `put a true @12`, `got b @14`, `put b true @14`]);
});

test('use passes a context argument to done (no closure needed), also after queueing', () => {
  const k = new Kernel();
  const r = new Resource(k, { capacity: 1 });
  const seen: string[] = [];
  const done = (w: number, st: number, job: { id: string }) => seen.push(`${job.id} w${w} s${st}`);
  r.use(5, done, 0, { id: 'a' });
  r.use(5, done, 0, { id: 'b' });
  k.run();
  assert.equal(seen, ['a w0 s0', 'b w5 s5']);
});

test("onFull 'block' with queueLimit 0 is refused: the blocked requests could never be served", () => {
  assert.throws(() => new Resource(new Kernel(), { name: 'r', capacity: 1, queueLimit: 0, onFull: 'block' }), /onFull 'block' needs a queueLimit >= 1/);
  new Resource(new Kernel(), { name: 'r', capacity: 1, queueLimit: 0, onFull: 'drop' }); // dropping is fine
});

test.run();
