// clients.costs.shared_processors: the clients' work waits for one of N shared processors (a load generator whose
// clients share an event loop). Bounds by hand: 10 clients start at t = 0 and each one's first piece of work (its
// ClientHello) includes one 2 ms key generation, so on one shared processor the last ClientHello cannot leave before
// 10 x 2 ms; on a processor each they all leave after ~2 ms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

const KEYGEN_MS = 2;
interface Lat {
  p50: number;
  max: number;
}
const N = 10;

function run(shared: number) {
  const { scenario, model } = load('scenarios/single-client.yaml', [
    `clients.count=${N}`, 'clients.arrival={kind: all_at_once}', `clients.costs.kx_keygen_us=${KEYGEN_MS * 1000}`,
    `clients.costs.shared_processors=${shared}`,
  ]);
  return runScenario({ scenario, model, seed: 1, crypto: 'node' });
}

test('shared_processors 1: the clients\' work is served one at a time; 0 (default): each client has its own', () => {
  const runs = [run(0), run(1), run(2)];
  for (const r of runs) assert.is(r.summary.handshakes.completed, N);
  const lat = runs.map((r): Lat => ({ p50: r.summary.handshake_latency_ms.p50, max: r.summary.handshake_latency_ms.max }));
  const [own, one, two] = [lat[0]!, lat[1]!, lat[2]!];
  // one processor: the k-th ClientHello leaves after k x 2 ms at the earliest, so the slowest handshake takes at
  // least 20 ms and the median (5th) at least 10 ms
  assert.ok(one.max >= N * KEYGEN_MS, `max ${one.max}`);
  assert.ok(one.p50 >= (N / 2) * KEYGEN_MS, `p50 ${one.p50}`);
  // two processors: half the queue (the last pair leaves after 5 x 2 ms at the earliest)
  assert.ok(two.max >= (N / 2) * KEYGEN_MS && two.max < one.max, `max ${two.max} vs ${one.max}`);
  // a processor each: every ClientHello leaves after one keygen; no handshake waits for another's
  assert.ok(own.max < one.max - (N - 2) * KEYGEN_MS, `max ${own.max} vs ${one.max}`);
});

test('shared_processors: not a count of processors is refused', () => {
  assert.throws(() => load('scenarios/single-client.yaml', ['clients.costs.shared_processors=1.5']), /shared_processors/);
  assert.throws(() => load('scenarios/single-client.yaml', ['clients.costs.shared_processors=-1']), /shared_processors/);
});

test.run();
