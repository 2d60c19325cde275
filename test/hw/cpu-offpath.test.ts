// Off-path CPU (cpu.offpath_cycles_per_wakeup): work booked into a backlog that the core does in its idle time, or
// just before a datagram that finds it awake. Times and busy time by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { HostCpu } from '../../src/hw/index.ts';
import { loadModel } from './helpers.ts';

const CYCLE_PS = 1000; // 1 GHz
const base = ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', 'cpu.cycles_per_wakeup=4000'];

function run(extra: string[], arrivalsCycles: number[], endCycles: number): { ends: number[]; busyCycles: number; util: number; offpath: number | undefined; wakeups: number } {
  const k = new Kernel();
  const cpu = new HostCpu(k, loadModel('software-only', [...base, ...extra]).cpu);
  const ends: number[] = [];
  for (const a of arrivalsCycles) k.at(a * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now / CYCLE_PS)));
  k.at(endCycles * CYCLE_PS, () => {});
  k.run();
  const s = cpu.stats();
  return { ends, busyCycles: Math.round((s.busy_s * 1e12) / CYCLE_PS), util: s.utilization, offpath: s.counters?.offpath_cycles, wakeups: s.ops.wakeup ?? 0 };
}

test('one client at light load: off-path cycles add to the utilisation, not to the latency', () => {
  // datagrams at 0 and 20,000 cycles: each wakes the CPU (1,000 + 4,000 cycles on the path: ends at 5,000 and
  // 25,000); each books 3,000 off-path cycles, done in the idle time after it (5,000..8,000 and 25,000..28,000)
  const off = run(['cpu.offpath_cycles_per_wakeup=3000'], [0, 20_000], 40_000);
  const plain = run([], [0, 20_000], 40_000);
  assert.equal(off.ends, [5000, 25_000]);
  assert.equal(plain.ends, off.ends);
  assert.is(plain.busyCycles, 2 * 5000);
  assert.is(off.busyCycles, 2 * 5000 + 2 * 3000);
  assert.ok(Math.abs(off.util - 16_000 / 40_000) < 1e-12, `utilisation ${off.util}`);
  assert.is(off.offpath, 6000);
  assert.is(plain.offpath, undefined);
  assert.is(off.wakeups, 2);
});

test('off-path work without an on-path wake-up cost: each wake-up still books it (and is counted)', () => {
  // cycles_per_wakeup 0: datagrams at 0 and 20,000 take 1,000 cycles each (ends 1,000 and 21,000); each wakes the
  // CPU and books 3,000 off-path cycles done in the idle time after it
  const r = run(['cpu.cycles_per_wakeup=0', 'cpu.offpath_cycles_per_wakeup=3000'], [0, 20_000], 40_000);
  assert.equal(r.ends, [1000, 21_000]);
  assert.is(r.wakeups, 2);
  assert.is(r.offpath, 6000);
  assert.is(r.busyCycles, 2 * 1000 + 2 * 3000);
  // neither part: no wake-up at all
  const none = run(['cpu.cycles_per_wakeup=0'], [0, 20_000], 40_000);
  assert.is(none.wakeups, 0);
  assert.is(none.busyCycles, 2000);
});

test('off-path work waits for idle time: a datagram arriving during it is served at once', () => {
  // t=0: wake-up, ends at 5,000, books 3,000. t=6,000 (1,000 of idle used, 2,000 left; 1,000 cycles after the last
  // work: asleep again): wake-up, served 6,000..11,000 without waiting, books 3,000 more (5,000 in all); the idle
  // time from 11,000 does the rest by 16,000. Measured at 14,000: 1,000 + 3,000 done.
  const r = run(['cpu.offpath_cycles_per_wakeup=3000'], [0, 6000], 14_000);
  assert.equal(r.ends, [5000, 11_000]);
  assert.is(r.busyCycles, 5000 + 5000 + 1000 + 3000);
  const later = run(['cpu.offpath_cycles_per_wakeup=3000'], [0, 6000], 30_000);
  assert.is(later.busyCycles, 5000 + 5000 + 6000);
});

test('a datagram reaching the CPU awake first does the backlog: a busy CPU does all of it, utilisation <= 1', () => {
  // ten datagrams at 0: the first wakes the CPU (5,000 cycles, ends at 5,000) and books 3,000; the second is charged
  // at the same instant behind it (no wake-up), so the 3,000 are done as core work between them (5,000..8,000),
  // then the nine others at 1,000 each: the last ends at 8,000 + 9 x 1,000 = 17,000, busy all the time
  const r = run(['cpu.offpath_cycles_per_wakeup=3000'], Array.from({ length: 10 }, () => 0), 17_000);
  assert.equal(r.ends, [5000, ...Array.from({ length: 9 }, (_, i) => 9000 + i * 1000)]);
  assert.is(r.busyCycles, 17_000);
  assert.is(r.wakeups, 1);
  assert.is(r.offpath, 3000);
  assert.ok(Math.abs(r.util - 1) < 1e-12, `utilisation ${r.util}`);
  // what the idle time did is not done again: datagrams at 0 and 6,000 (1,000 after the first ended: within the
  // linger of 2,000 cycles, so no wake-up): 1,000 of the backlog done in the idle time 5,000..6,000, the other 2,000
  // ahead of the second datagram (6,000..8,000), which ends at 9,000
  const l = run(['cpu.offpath_cycles_per_wakeup=3000', 'cpu.wakeup_linger_us=2'], [0, 6000], 9000);
  assert.equal(l.ends, [5000, 9000]);
  assert.is(l.busyCycles, 5000 + 1000 + 2000 + 1000);
  assert.is(l.wakeups, 1);
});

test('offpath_refill_ms: a wake-up books the off-path cycles x (1 - exp(-sleep / tau)), the first one all of them', () => {
  // as the first test: wake-ups at 0 (never worked before: the full 3,000) and 20,000 cycles, after a sleep from
  // 5,000 to 20,000 = 15 us; tau 10 us: ceil(3,000 x (1 - e^-1.5)) = 2,331 (1 - e^-1.5 = 0.77687); latency unchanged
  const r = run(['cpu.offpath_cycles_per_wakeup=3000', 'cpu.offpath_refill_ms=0.01'], [0, 20_000], 40_000);
  assert.equal(r.ends, [5000, 25_000]);
  assert.is(r.offpath, 3000 + 2331);
  assert.is(r.busyCycles, 2 * 5000 + 3000 + 2331);
  // 0 (default): every wake-up books the full amount
  assert.is(run(['cpu.offpath_cycles_per_wakeup=3000', 'cpu.offpath_refill_ms=0'], [0, 20_000], 40_000).offpath, 6000);
});

test.run();
