// Energy split between handshake and record work (cost.energy_per_handshake_uj / energy_per_gb_j): every crypto
// operation is booked to the phase of the connection it serves, so the AEAD of encrypted handshake records counts
// as handshake work and nothing of a connection that never reached its data phase counts as record work.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HW_OP_KINDS, splitEnergy, type CostReport } from '../../src/hw/index.ts';
import { runCosim } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

const opsJ = (c: CostReport) => HW_OP_KINDS.reduce((a, k) => a + c.energy_by_op_j[k], 0);
const aeadJ = (c: CostReport) => c.energy_by_op_j['aead-seal'] + c.energy_by_op_j['aead-open'] + c.energy_by_op_j['sn-mask'];

test('handshake only: every crypto operation is handshake work, the AEAD of handshake records included', () => {
  const { scenario, model } = load('scenarios/single-client.yaml', ['traffic.records_per_client=0', 'traffic.close=false']);
  const run = runCosim({ scenario, model, seed: 1, crypto: 'node' });
  assert.is(run.acc.handshakesCompleted, 1);
  const c = run.hw.cost();
  assert.ok(aeadJ(c) > 0, 'the handshake has encrypted records');
  assert.ok(Math.abs(c.handshake_phase_j - opsJ(c)) < 1e-18, `${c.handshake_phase_j} vs ${opsJ(c)}`);
  assert.is(c.data_phase_j, 0);
  const split = splitEnergy(c);
  assert.is(c.protocol_j.record, 0);
  assert.ok(Math.abs(split.record_j) < 1e-18, `record work ${split.record_j} J in a run without a data phase`);
  assert.ok(Math.abs(split.handshake_j - (opsJ(c) + c.protocol_j.handshake_message + c.protocol_j.handshake_record)) < 1e-18);
});

test('with records: handshake AEAD is handshake work, record AEAD is record work, the two sum to the total', () => {
  const { scenario, model } = load('scenarios/single-client.yaml');
  const run = runCosim({ scenario, model, seed: 1, crypto: 'node' });
  const c = run.hw.cost();
  const nonAead = opsJ(c) - aeadJ(c);
  const hsAead = c.handshake_phase_j - nonAead; // no KeyUpdate here: every non-AEAD op belongs to the handshake
  assert.ok(hsAead > 0, 'handshake records are encrypted');
  assert.ok(hsAead < aeadJ(c), 'application records are encrypted too');
  assert.ok(Math.abs(c.handshake_phase_j + c.data_phase_j - opsJ(c)) < 1e-18);
  const split = splitEnergy(c);
  const protocol = c.protocol_j.handshake_message + c.protocol_j.handshake_record + c.protocol_j.record;
  assert.ok(Math.abs(split.handshake_j + split.record_j - (opsJ(c) + protocol)) < 1e-18);
  assert.ok(Math.abs(split.record_j - (aeadJ(c) - hsAead + c.protocol_j.record)) < 1e-18);
});

test('a record that arrives while the server is still busy with the client Finished is data work', () => {
  // a 50 us DMA descriptor latency: the first application record reaches the port while the Finished is still in
  // the DMA, before the core has processed it; it is processed after, on a connected connection. Charged as a data
  // record: 9 handshake records and 11 data records (5 in, 5 echoes out, the close_notify), as with a fast DMA.
  const count = (overrides: string[]) => {
    const { scenario, model } = load('scenarios/single-client.yaml', [], overrides);
    const run = runCosim({ scenario, model, seed: 1, crypto: 'node' });
    return run.hw.stats().find((b) => b.name === 'cpu')!.ops;
  };
  const fast = count([]);
  const slow = count(['dma.descriptor_latency_ns=50000']);
  assert.is(fast['handshake-record'], 9);
  assert.is(fast['record'], 11);
  assert.is(slow['handshake-record'], 9);
  assert.is(slow['record'], 11);
});

test.run();
