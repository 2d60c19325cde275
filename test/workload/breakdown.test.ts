// "Where the time goes": each instant of a completed handshake, and of a delivered record's path, is attributed to
// one component (server service > server queueing > client processing > network; nothing: timer_wait or other),
// so the entries add up to the mean handshake and mean record latency exactly, with losses, retransmissions,
// reordering and many clients too (until 2026-11-29 they overlapped: ~1.2x the mean handshake in 10k-clients,
// 1.05x the mean record, which counted ACKs).
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
  // (handshakes before the end of a warm-up are not counted: then there is no handshake breakdown)
  if (r.summary.handshakes.completed > 0) {
    for (const e of b) assert.ok(e.waiting_us >= 0 && e.service_us >= 0, `${e.component}: negative time`);
    assert.ok(Math.abs(total(b) - meanUs) <= 1e-9 * meanUs, `${file}: entries add up to ${total(b)} us, mean handshake ${meanUs} us`);
  } else assert.equal(b, []);
  const rb = r.breakdown.record;
  const recUs = r.summary.record_latency_us.mean;
  assert.ok(r.summary.records.received > 0, `${file}: no record delivered`);
  for (const e of rb) assert.ok(e.waiting_us >= 0 && e.service_us >= 0, `record ${e.component}: negative time`);
  assert.ok(Math.abs(total(rb) - recUs) <= 1e-9 * recUs, `${file}: record entries add up to ${total(rb)} us, mean record ${recUs} us`);
  return { r, b, rb, model };
}

test('single client: entries add up to the handshake latency; the public-key engine gets exactly its service times', () => {
  const { r, b, rb, model } = check('scenarios/single-client.yaml');
  // records: half go up (client seal), half come back (client open); client costs of test/workload/single-client
  // (record_us 1, aead 0.5 us + 0.5 ns/B, mask 200 ns; 1201 B inner plaintext), one client: no queueing anywhere
  const INNER = 1201;
  const seal = 1 + 0.5 + 0.5e-3 * INNER + 0.2;
  const open = 1 + 0.5 + 0.5e-3 * (INNER + 16) + 0.2;
  const client = entry(rb, 'client');
  assert.ok(Math.abs(client.service_us - (seal + open) / 2) < 1e-9, `client ${client.service_us} us per record`);
  assert.is(client.waiting_us, 0);
  for (const e of rb) assert.is(e.waiting_us, 0, `${e.component}: one client, nothing waits`);
  assert.not.ok(rb.some((e) => e.component === 'other'), 'every record has its whole path logged');
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

test('2,000 of the 10k clients, a lossy network, a saturated AEAD engine: entries add up to the means', () => {
  check('scenarios/10k-clients.yaml', ['clients.count=2000']);
  // bulk-throughput saturates the AEAD engine: its queue is where a record's time goes
  const bulk = check('scenarios/bulk-throughput.yaml').rb;
  const aead = entry(bulk, 'aead');
  assert.ok(aead.waiting_us > 0.9 * total(bulk), `aead waiting ${aead.waiting_us} us of ${total(bulk)} us`);
  const { r, b } = check('scenarios/lossy-network.yaml');
  assert.ok(r.summary.handshakes.retransmissions > 0);
  assert.ok(entry(b, 'timer_wait').waiting_us > entry(b, 'network').service_us, 'losses: most of the time is retransmission timers');
});

test.run();
