// "Where the time goes" for handshakes: each instant of a completed handshake is attributed to one component
// (server service > server queueing > client processing > network > timer_wait), so the entries add up to the
// mean handshake latency exactly, with losses, retransmissions and many clients too (until 2026-11-29 they
// overlapped and added up to ~1.2x the mean in 10k-clients).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import type { BreakdownEntry } from '../../src/workload/result.ts';
import { load } from './helpers.ts';

const total = (b: BreakdownEntry[]) => b.reduce((a, e) => a + e.waiting_us + e.service_us, 0);
function entry(b: BreakdownEntry[], name: string): BreakdownEntry {
  const e = b.find((x) => x.component === name);
  assert.ok(e, `no breakdown entry for ${name}`);
  return e!;
}

function check(file: string, overrides: string[] = []) {
  const { scenario, model } = load(file, overrides);
  const r = runScenario({ scenario, model, seed: scenario.sim.seed, crypto: 'node' });
  const b = r.breakdown.handshake;
  const meanUs = r.summary.handshake_latency_ms.mean * 1000;
  assert.ok(r.summary.handshakes.completed > 0);
  for (const e of b) assert.ok(e.waiting_us >= 0 && e.service_us >= 0, `${e.component}: negative time`);
  assert.ok(Math.abs(total(b) - meanUs) <= 1e-9 * meanUs, `${file}: entries add up to ${total(b)} us, mean handshake ${meanUs} us`);
  return { r, b, model };
}

test('single client: entries add up to the handshake latency; the public-key engine gets exactly its service times', () => {
  const { r, b, model } = check('scenarios/single-client.yaml');
  assert.is(r.summary.handshakes.completed, 1);
  // the server's three public-key operations of this handshake, at the model's latencies, plus one host invocation
  // (1000 cycles at 2.6 GHz): a job rings the doorbell once, before its first accelerated operation, and in this
  // handshake one job's first accelerated operation is a public-key one (a per-operation doorbell would give 3)
  const lat = model.pke!.latency_us as Record<string, number>;
  const ops = r.blocks.find((x) => x.name === 'pke')!.ops;
  assert.equal(ops, { x25519_keygen: 1, x25519_derive: 1, ecdsa_p256_sign: 1 });
  const pkeUs = lat['x25519_keygen']! + lat['x25519_derive']! + lat['ecdsa_p256_sign']!;
  const inv = 1000 / 2.6e3;
  const pke = entry(b, 'pke');
  assert.ok(Math.abs(pke.service_us - (pkeUs + inv)) < 1e-6, `pke ${pke.service_us} us vs ${pkeUs} + ${inv}`);
  assert.is(pke.waiting_us, 0, 'one client: no queueing');
  // no cookie, server flight cut by anti-amplification: the client waits for its partial-flight ACK timer
  assert.ok(entry(b, 'timer_wait').waiting_us > 0);
});

test('2,000 of the 10k clients, and a lossy network: entries add up to the mean handshake latency', () => {
  check('scenarios/10k-clients.yaml', ['clients.count=2000']);
  const { r, b } = check('scenarios/lossy-network.yaml');
  assert.ok(r.summary.handshakes.retransmissions > 0);
  assert.ok(entry(b, 'timer_wait').waiting_us > entry(b, 'network').service_us, 'losses: most of the time is retransmission timers');
});

test.run();
