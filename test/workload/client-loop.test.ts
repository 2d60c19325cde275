// The load generator's event loops (clients.costs.shared_processors > 0, src/workload/client-loop.ts): what reaches a
// client waits for its loop, and the loop keeps libuv's order: the timers due when an iteration begins, then the I/O
// ready when it polls. Expectations written by hand from that rule.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { ClientLoops } from '../../src/workload/client-loop.ts';
import { load } from './helpers.ts';
import { runCosim } from '../../src/workload/index.ts';

/** Loops whose items each keep their loop busy for `cost` ps from when they run; `log` gets "name@t". */
function harness(n: number) {
  const k = new Kernel();
  const free = new Array<number>(n).fill(0);
  const log: string[] = [];
  const proc = { loops: n, loopOf: (i: number) => i % n, freeAt: (j: number) => free[j]! };
  const loops = new ClientLoops(k, proc);
  const item = (client: number, name: string, cost: number) => ({ client, name, cost });
  const run = (x: { client: number; name: string; cost: number }) => {
    log.push(`${x.name}@${k.now}`);
    free[proc.loopOf(x.client)] = k.now + x.cost;
  };
  return { k, log, loops, item, run };
}

test('one loop: a timer that falls due while a datagram waits runs first (libuv: timers, then poll)', () => {
  const h = harness(1);
  h.k.at(0, () => h.loops.io(0, h.run, h.item(0, 'X', 10)));
  h.k.at(2, () => h.loops.io(1, h.run, h.item(1, 'A', 1))); // arrives while X runs
  h.k.at(5, () => h.loops.timer(2, h.run, h.item(2, 'B', 1))); // due later than A arrived
  h.k.at(5, () => h.loops.io(3, h.run, h.item(3, 'C', 1)));
  h.k.run();
  // X runs at once; at 10 a new iteration runs the due timer B, then polls A and C in arrival order
  assert.equal(h.log, ['X@0', 'B@10', 'A@11', 'C@12']);
});

test('one loop: a phase runs only what was queued when it began', () => {
  const h = harness(1);
  h.k.at(0, () => h.loops.timer(0, h.run, h.item(0, 'T1', 4)));
  h.k.at(1, () => h.loops.io(0, h.run, h.item(0, 'I1', 4))); // polled after T1
  h.k.at(2, () => h.loops.timer(0, h.run, h.item(0, 'T2', 1))); // due during T1: the next iteration's
  h.k.at(6, () => h.loops.io(0, h.run, h.item(0, 'I2', 1))); // arrives during I1's poll phase: the next poll's
  h.k.run();
  assert.equal(h.log, ['T1@0', 'I1@4', 'T2@8', 'I2@9']);
});

test('two loops: client i on loop i mod 2, the loops run side by side', () => {
  const h = harness(2);
  h.k.at(0, () => {
    for (const c of [0, 1, 2, 3]) h.loops.io(c, h.run, h.item(c, `c${c}`, 5));
  });
  h.k.run();
  assert.equal(h.log, ['c0@0', 'c1@0', 'c2@5', 'c3@5']);
});

// In a scenario: 8 clients at once on one loop, each key derivation 10 ms of its loop. After the cookie exchange a
// client's retransmission timer is 1.5 x that round trip, at least the floor of 20 ms; it falls due while the loop
// spends 10 ms on each other client's server flight, and runs before the answer that already waits: the ClientHello
// is sent again. With a processor each (0) every client sees its answer as it arrives and nothing is resent (the
// server's 8 flights take it well under 20 ms). (The FIFO processors before the loops resent too, 10 flights
// against 4 here, for another reason: a client's timer started when its endpoint made the flight, before the flight
// left the queue; the order itself is checked by hand above.)
test('scenario: on a shared loop clients resend flights whose answers wait unread; with a processor each they do not', () => {
  const run = (shared: number) => {
    const { scenario, model } = load('scenarios/single-client.yaml', [
      'clients.count=8', 'clients.arrival={kind: all_at_once}', 'clients.costs.kx_derive_us=10000', `clients.costs.shared_processors=${shared}`,
      'clients.cookie=true', 'dtls.timers.rto_floor_ms=20',
    ]);
    return runCosim({ scenario, model, seed: 1, crypto: 'node' });
  };
  const own = run(0);
  const shared = run(1);
  assert.is(own.acc.handshakesCompletedAll, 8);
  assert.is(shared.acc.handshakesCompletedAll, 8);
  assert.is(own.retransmissions, 0);
  // every flight resent is a client's
  assert.ok(shared.clientRetransmissions > 0 && shared.clientRetransmissions === shared.retransmissions, `${shared.clientRetransmissions} of ${shared.retransmissions}`);
});

test.run();
