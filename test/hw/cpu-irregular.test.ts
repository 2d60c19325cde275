// Irregular host service (cpu.gc_pause_cycles / gc_every_cycles, cpu.service_cv, cpu.speed_schedule): when the work is done changes,
// never the cycles booked. Times by hand at 1 GHz (1 cycle = 1,000 ps).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, RngStream, fnv1a64 } from '../../src/sim/index.ts';
import { HostCpu } from '../../src/hw/index.ts';
import { ConfigError } from '../../src/workload/config/index.ts';
import { loadModel } from './helpers.ts';

const CYCLE_PS = 1000;

test('gc: every charge x (1 - pause/every), and the pause with the charge whose work reaches every', () => {
  const k = new Kernel();
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.gc_every_cycles=10000', 'cpu.gc_pause_cycles=2000']).cpu;
  const cpu = new HostCpu(k, p);
  const ends: number[] = [];
  // five charges of 4,000 cycles queued at t=0: each takes 4,000 x 0.8 = 3,200; the work done reaches 10,000 in the
  // third (12,000: +2,000 pause, 2,000 carried) and again in the fifth (2,000 + 8,000 = 10,000: +2,000)
  for (let i = 0; i < 5; i++) cpu.run(4000, 'work', () => ends.push(k.now));
  k.run();
  assert.equal(ends, [3200, 6400, 11_600, 14_800, 20_000].map((c) => c * CYCLE_PS));
  const s = cpu.stats();
  assert.is(s.ops.gc, 2);
  assert.is(s.counters!.protocol_cycles, 20_000); // booked as charged: the pauses are the work's own time
});

test('gc: one client, a handshake of 3 messages of 5,000 cycles, a pause every 2 handshakes: latency sum by hand', () => {
  const k = new Kernel();
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_handshake_message=5000', 'cpu.gc_every_cycles=30000', 'cpu.gc_pause_cycles=6000']).cpu;
  const cpu = new HostCpu(k, p);
  const latencies: number[] = [];
  // handshakes one after the other (the next starts when the last ends): each message 5,000 x 0.8 = 4,000 cycles;
  // the work reaches 30,000 at the last message of every second handshake, which takes the 6,000-cycle pause
  const handshake = (n: number) => {
    if (n === 0) return;
    const t0 = k.now;
    cpu.protocol('handshake-message', () =>
      cpu.protocol('handshake-message', () =>
        cpu.protocol('handshake-message', () => {
          latencies.push((k.now - t0) / CYCLE_PS);
          handshake(n - 1);
        })));
  };
  handshake(4);
  k.run();
  assert.equal(latencies, [12_000, 18_000, 12_000, 18_000]);
  assert.is(latencies.reduce((a, b) => a + b, 0), 4 * 15_000); // the mean handshake is the charged one
});

test('gc: a pause not below the work between pauses is refused', () => {
  try {
    loadModel('software-only', ['cpu.gc_every_cycles=1000', 'cpu.gc_pause_cycles=1000']);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /gc_pause_cycles/);
  }
});

test('service_cv: a datagram charge draws the turn factor, the charges after it take it until the next', () => {
  const k = new Kernel();
  const cv = 0.5;
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', `cpu.service_cv=${cv}`]).cpu;
  const cpu = new HostCpu(k, p, { rng: new RngStream(fnv1a64('test'), 'test') });
  // the same draws, made here: lognormal with mean 1, cv 0.5 -> sigma^2 = ln(1.25), mu = -sigma^2 / 2
  const ref = new RngStream(fnv1a64('test'), 'test');
  const s2 = Math.log(1 + cv * cv);
  const f1 = ref.lognormal(-s2 / 2, Math.sqrt(s2));
  const f2 = ref.lognormal(-s2 / 2, Math.sqrt(s2));
  const ends: number[] = [];
  cpu.protocol('datagram', () => ends.push(k.now));
  cpu.run(3000, 'work', () => ends.push(k.now));
  cpu.protocol('datagram', () => ends.push(k.now));
  cpu.run(3000, 'work', () => ends.push(k.now));
  k.run();
  const a = Math.round(1000 * CYCLE_PS * f1);
  const b = a + Math.round(3000 * CYCLE_PS * f1);
  const c = b + Math.round(1000 * CYCLE_PS * f2);
  const d = c + Math.round(3000 * CYCLE_PS * f2);
  assert.equal(ends, [a, b, c, d]);
  assert.ok(f1 !== f2);
  assert.is(cpu.stats().counters!.protocol_cycles, 8000);
});

test('service_cv: over many turns the factors have mean 1 and the configured cv', () => {
  const k = new Kernel();
  const cv = 0.4;
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000', `cpu.service_cv=${cv}`]).cpu;
  const cpu = new HostCpu(k, p);
  const n = 20_000;
  const durations: number[] = [];
  let last = 0;
  for (let i = 0; i < n; i++) {
    cpu.protocol('datagram', () => {
      durations.push(k.now - last);
      last = k.now;
    });
  }
  k.run();
  const f = durations.map((d) => d / (1000 * CYCLE_PS));
  const mean = f.reduce((s, x) => s + x, 0) / n;
  const sd = Math.sqrt(f.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  // standard error of the mean: 0.4 / sqrt(20,000) = 0.003
  assert.ok(Math.abs(mean - 1) < 0.015, `mean ${mean}`);
  assert.ok(Math.abs(sd / mean - cv) < 0.03, `cv ${sd / mean}`);
});

test('gc and service_cv 0 (default): every charge takes exactly its cycles', () => {
  const k = new Kernel();
  const cpu = new HostCpu(k, loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.cycles_per_datagram=1000']).cpu);
  const ends: number[] = [];
  cpu.protocol('datagram', () => ends.push(k.now));
  cpu.run(3000, 'work', () => ends.push(k.now));
  k.run();
  assert.equal(ends, [1000, 4000].map((c) => c * CYCLE_PS));
  assert.is(cpu.stats().ops.gc, undefined);
});

test('speed_schedule: a charge issued from an entry on takes its factor, the cycles booked unchanged', () => {
  const k = new Kernel();
  // 1 GHz: 1 us = 1,000 cycles; 1.5 x from 0.002 ms (2 us) on, 1 x from 0.010 ms (10 us) on
  const p = loadModel('software-only', ['cpu.cores=1', 'cpu.clock_ghz=1', 'cpu.speed_schedule=[[0.002, 1.5], [0.010, 1]]']).cpu;
  const cpu = new HostCpu(k, p);
  const ends: number[] = [];
  // issued at 0: before the first entry, 1,000 cycles -> 1,000
  cpu.run(1000, 'a', () => {
    ends.push(k.now);
    // issued at 1,000 cycles (1 us), still before 2 us: 2,000 -> 2,000 (ends at 3 us)
    cpu.run(2000, 'b', () => {
      ends.push(k.now);
      // issued at 3 us: 1.5 x 2,000 = 3,000 (ends at 6 us); the next, issued at 6 us: 1.5 x 4,000 = 6,000 (12 us)
      cpu.run(2000, 'c', () => {
        ends.push(k.now);
        cpu.run(4000, 'd', () => {
          ends.push(k.now);
          // issued at 12 us, past 10 us: back to 1 x
          cpu.run(1000, 'e', () => ends.push(k.now));
        });
      });
    });
  });
  k.run();
  assert.equal(ends, [1000, 3000, 6000, 12_000, 13_000].map((c) => c * CYCLE_PS));
  assert.is(cpu.stats().counters!.protocol_cycles, 10_000);
});

test('speed_schedule: instants that do not increase are refused with the field', () => {
  try {
    loadModel('software-only', ['cpu.speed_schedule=[[5, 1.2], [5, 0.9]]']);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ConfigError);
    assert.match((e as Error).message, /speed_schedule/);
  }
  try {
    loadModel('software-only', ['cpu.speed_schedule=[[0, 0]]']);
    assert.unreachable('accepted');
  } catch (e) {
    assert.instance(e, ConfigError);
  }
});

test.run();
