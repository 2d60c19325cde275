// Host CPU wake-up cost (cpu.cycles_per_wakeup): a datagram reaching a CPU idle before this instant pays it; one
// charged at the instant the CPU freed (same event-loop turn) or queued behind work does not. Times by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { HostCpu } from '../../src/hw/index.ts';
import { loadModel } from './helpers.ts';

const CYCLE_PS = 1000; // 1 GHz

test('wake-up charged to datagrams reaching an idle CPU only', () => {
  const k = new Kernel();
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', 'cpu.cycles_per_wakeup=4000']).cpu;
  const cpu = new HostCpu(k, p);
  const ends: number[] = [];
  // t=0: idle -> 1000 + 4000 cycles; at its end (5e6 ps) a datagram at the same instant: no wake-up, 1000 cycles
  cpu.protocol('datagram', () => {
    ends.push(k.now);
    cpu.protocol('datagram', () => ends.push(k.now));
  });
  // t=10e6: idle since 6e6 -> wake-up; t=11e6: queued behind it -> none
  k.at(10_000 * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now)));
  k.at(11_000 * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now)));
  k.run();
  assert.equal(ends, [5000, 6000, 15000, 16000].map((c) => c * CYCLE_PS));
  const s = cpu.stats();
  assert.is(s.ops.wakeup, 2);
  assert.is(s.ops.datagram, 4);
  assert.is(s.counters!.protocol_cycles, 4 * 1000 + 2 * 4000);
});

test('wakeup_linger_us: a datagram within the linger after the last work ends is no wake-up', () => {
  const k = new Kernel();
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', 'cpu.cycles_per_wakeup=4000', 'cpu.wakeup_linger_us=2']).cpu;
  const cpu = new HostCpu(k, p);
  const ends: number[] = [];
  const at = (cycles: number) => k.at(cycles * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now)));
  at(0); //      idle from the start: wake-up, ends at 5,000
  at(6_500); //  1.5 us after that end (< 2 us): awake, ends at 7,500
  at(10_000); // 2.5 us after: asleep, wake-up, ends at 15,000
  at(17_000); // exactly 2 us after: still awake, ends at 18,000
  k.run();
  assert.equal(ends, [5000, 7500, 15_000, 18_000].map((c) => c * CYCLE_PS));
  const s = cpu.stats();
  assert.is(s.ops.wakeup, 2);
  assert.is(s.counters!.protocol_cycles, 4 * 1000 + 2 * 4000);
});

test('wakeup_refill_ms: a wake-up after sleeping s costs cycles_per_wakeup x (1 - exp(-s / tau))', () => {
  const k = new Kernel();
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', 'cpu.cycles_per_wakeup=100000', 'cpu.wakeup_refill_ms=1']).cpu;
  const cpu = new HostCpu(k, p);
  const ends: number[] = [];
  const at = (cycles: number) => k.at(cycles * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now)));
  at(0); // nothing before: the whole wake-up, 1,000 + 100,000 cycles, ends at 101,000
  at(1_101_000); // slept 1 ms = tau: 100,000 x (1 - 1/e) = 63,212.06 -> 63,213 cycles, + 1,000
  k.run();
  const second = Math.ceil(100_000 * (1 - Math.exp(-1)));
  assert.is(second, 63_213);
  assert.equal(ends, [101_000, 1_101_000 + 1000 + second].map((c) => c * CYCLE_PS));
  assert.is(cpu.stats().counters!.protocol_cycles, 2 * 1000 + 100_000 + second);
});

test('cycles_per_wakeup 0 (default): no wake-up counted or charged', () => {
  const k = new Kernel();
  const cpu = new HostCpu(k, loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000']).cpu);
  const ends: number[] = [];
  cpu.protocol('datagram', () => ends.push(k.now));
  k.at(10_000 * CYCLE_PS, () => cpu.protocol('datagram', () => ends.push(k.now)));
  k.run();
  assert.equal(ends, [1000, 11_000].map((c) => c * CYCLE_PS));
  assert.is(cpu.stats().ops.wakeup, undefined);
});

test.run();
