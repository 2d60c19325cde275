// bulk-throughput: with the AEAD engines saturated, delivered throughput equals their capacity within 1 %.
// Capacity by hand from models/baseline.yaml: 4 engines at 1 GHz; a 16 KiB record costs one seal
// (40 + (ceil(5/16) + ceil(16385/16) + 1) x 11 cycles) plus one record-number mask (4 + 11 cycles).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

const SEAL = 40 + (1 + Math.ceil(16385 / 16) + 1) * 11; // 11337 cycles
const MASK = 4 + 11;
const RECORDS_PER_S = (4 * 1e9) / (SEAL + MASK); // 352,361 records/s
const CAPACITY_GBPS = (RECORDS_PER_S * 16384 * 8) / 1e9; // 46.18 Gbit/s of payload

test('bulk-throughput: saturated goodput = AEAD capacity within 1 %', () => {
  const { scenario, model } = load('scenarios/bulk-throughput.yaml', [
    'traffic.records_per_client=800',
    'sim.timeseries_interval_ms=1',
    'baseline_udp=false',
    'sim.warmup_ms=0',
  ]);
  const r = runScenario({ scenario, model, seed: 1, crypto: 'node' });
  // rows where the AEAD engines were busy the whole interval and records were already coming out
  const sat = r.timeseries.rows.filter((row) => (row.utilization.aead ?? 0) > 0.999 && row.throughput_gbps > 0);
  assert.ok(sat.length >= 10, `only ${sat.length} saturated intervals`);
  const inner = sat.slice(1, -1); // drop the edges of the saturated period
  const mean = inner.reduce((a, row) => a + row.throughput_gbps, 0) / inner.length;
  const err = Math.abs(mean - CAPACITY_GBPS) / CAPACITY_GBPS;
  assert.ok(err < 0.01, `saturated goodput ${mean.toFixed(3)} Gbit/s vs capacity ${CAPACITY_GBPS.toFixed(3)} (error ${(err * 100).toFixed(2)} %)`);
  // the bottleneck is the AEAD engine: every other block has headroom
  for (const b of r.blocks) if (b.name !== 'aead') assert.ok(b.utilization < 0.9, `${b.name} at ${b.utilization}`);
});
test.run();
