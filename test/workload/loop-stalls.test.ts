// Stalls of the clients' shared event loops (clients.costs.loop_stall_share, src/workload/loop-stalls.ts): a loop's
// own work beside its clients', at Poisson instants, FIFO with the clients' work. Expectations from the Poisson
// process and by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, Rng, fromMs } from '../../src/sim/index.ts';
import { LoopStalls } from '../../src/workload/loop-stalls.ts';
import { ClientProcessor } from '../../src/workload/client-processor.ts';
import { ClientCostsSchema } from '../../src/workload/config/scenario.ts';
import { load } from './helpers.ts';
import { runCosim } from '../../src/workload/index.ts';

test('occupy: a stall starts when its loop is free, now at the earliest', () => {
  const p = new ClientProcessor(ClientCostsSchema.parse({ shared_processors: 2 }));
  p.occupy(0, 100, 50);
  assert.is(p.freeAt(0), 150);
  p.occupy(0, 120, 50); // the loop busy until 150: the second stall follows it
  assert.is(p.freeAt(0), 200);
  p.occupy(1, 300, 10);
  assert.is(p.freeAt(1), 310);
  // a client's work arriving during a stall starts after it
  assert.is(p.take({ busy: 0, i: 0 }, 160, 5), 200);
});

test('stalls: Poisson instants taking the configured share of each loop (count within 4 sigma of the mean)', () => {
  const k = new Kernel();
  const busy = [0, 0];
  const target = { loops: 2, occupy: (j: number, _now: number, dur: number) => { busy[j]! += dur; } };
  const share = 0.2;
  const stallUs = 500;
  const s = new LoopStalls(k, target, new Rng(7).stream('t'), share, stallUs, () => k.now < fromMs(10_000));
  s.start();
  k.run();
  // 10 s at one stall per 2.5 ms on each of 2 loops: 8,000 expected (Poisson: sd ~89)
  const expected = (2 * 10_000 * share) / (stallUs / 1000);
  assert.ok(Math.abs(s.count - expected) < 4 * Math.sqrt(expected), `${s.count} stalls against ${expected}`);
  assert.ok(Math.abs(busy[0]! / fromMs(10_000) - share) < 0.02 && Math.abs(busy[1]! / fromMs(10_000) - share) < 0.02, String(busy));
  // deterministic: the same seed, the same stalls
  const k2 = new Kernel();
  const s2 = new LoopStalls(k2, { loops: 2, occupy: () => undefined }, new Rng(7).stream('t'), share, stallUs, () => k2.now < fromMs(10_000));
  s2.start();
  k2.run();
  assert.is(s2.count, s.count);
});

test('scenario: stalls of the shared loop delay the clients\' handshakes; none without the key; refused without shared loops', () => {
  const run = (extra: string[]) => {
    const { scenario, model } = load('scenarios/single-client.yaml', ['clients.count=20', 'clients.arrival={kind: ramp, duration_ms: 200}', 'clients.costs.shared_processors=1', ...extra]);
    return runCosim({ scenario, model, seed: 1, crypto: 'node' });
  };
  const plain = run([]);
  const stalled = run(['clients.costs.loop_stall_share=0.5', 'clients.costs.loop_stall_us=5000']);
  assert.is(plain.loopStalls, 0);
  assert.ok(stalled.loopStalls > 0);
  assert.is(stalled.acc.handshakesCompletedAll, 20);
  const mean = (r: typeof plain) => r.acc.handshakeLatency.mean;
  // half the loop's time in 5 ms stalls: a client's work waits ~2.5 ms more at a few of its turns
  assert.ok(mean(stalled) > mean(plain) + 1e9, `${mean(stalled)} vs ${mean(plain)} ps`);
  assert.throws(() => load('scenarios/single-client.yaml', ['clients.costs.loop_stall_share=0.5']), /loop_stall_share: stalls a shared event loop: needs shared_processors > 0/);
});

test.run();
