// Off-path CPU (cpu.offpath_cycles_per_wakeup): each wake-up books work that the core does in its idle time. It
// adds to the busy time and utilisation, never to a datagram's service or wait. Times and busy time by hand.
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

test('a busy CPU leaves off-path work undone: utilisation never above 1', () => {
  // back-to-back datagrams (each queued behind the one before: no wake-up after the first): one wake-up, 3,000
  // booked, no idle time until 5,000 + 9 x 1,000 = 14,000; measured at 14,000 none of it is done
  const r = run(['cpu.offpath_cycles_per_wakeup=3000'], Array.from({ length: 10 }, () => 0), 14_000);
  assert.is(r.ends.at(-1), 14_000);
  assert.is(r.busyCycles, 14_000);
  assert.is(r.wakeups, 1);
  assert.ok(r.util <= 1);
});

test.run();
