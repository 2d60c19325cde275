// Figures that tell one story (issue 12): on the lossy 300-client case, goodput, records/s and the throughput
// ratios agree with each other and with their stated windows; and with a deliberately undersized AEAD, the
// findings name it and the predicted effect of the suggested change is within 10 % of a rerun with that change.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { computeFindings, findingsLines } from '../../src/report/findings.ts';
import { renderTerminalSummary } from '../../src/report/table.ts';
import { fmt } from '../../src/report/format.ts';
import { load } from './helpers.ts';

const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b));

test('lossy 300 clients, 400 B records, 2 % loss: goodput, records/s and ratios tell the same story', () => {
  const { scenario, model } = load('scenarios/lossy-network.yaml', [
    'clients.count=300', 'traffic.size.mean=400', 'traffic.size.sd=0', 'network.loss=0.02',
  ]);
  const s = runScenario({ scenario, model }).summary;
  const t = s.throughput;
  const u = s.udp_baseline;
  const o = s.overhead_vs_udp;
  // each goodput is payload over its own stated window: goodput x window / 8 = records x size (400 B, fixed)
  assert.ok(close(t.goodput_gbps * 1e9 * t.goodput_window_s / 8, s.records.received * 400, 1e-9), 'dtls goodput = payload / window');
  assert.ok(close(t.records_per_s * t.goodput_window_s, s.records.received, 1e-9), 'dtls records/s over the same window');
  assert.ok(close(u.goodput_gbps * 1e9 / 8 / 400, u.records_per_s, 1e-9), 'udp goodput and records/s agree');
  // the aggregate ratio is the ratio of the two goodputs, and (equal record sizes) of the two records/s
  assert.ok(close(o.aggregate_goodput_ratio, t.goodput_gbps / u.goodput_gbps, 1e-12));
  assert.ok(close(o.aggregate_goodput_ratio, t.records_per_s / u.records_per_s, 1e-9));
  // the case: a few late handshakes stretch the DTLS window, so the aggregate ratio is well below 1 while
  // each connection, once established, keeps up with plain UDP (the per-connection ratio, under its own name)
  assert.ok(t.goodput_window_s > 2 * u.goodput_window_s, `windows ${t.goodput_window_s} vs ${u.goodput_window_s}`);
  assert.ok(o.aggregate_goodput_ratio < 0.5, `aggregate ${o.aggregate_goodput_ratio}`);
  assert.ok(o.throughput_ratio > 0.95 && o.throughput_ratio < 1.05, `per connection ${o.throughput_ratio}`);
  // the wire rates are what each port direction serialized: nowhere near the 100G line rate, both runs alike in
  // proportion to the payload they delivered per second of their own sim time
  assert.ok(t.wire_rx_gbps > 0 && t.wire_tx_gbps > 0 && u.wire_rx_gbps > 0 && u.wire_tx_gbps > 0);
  // byte overhead on delivered traffic: DTLS adds a few percent per delivered byte (headers, tags, handshakes, ACKs)
  assert.ok(o.bytes_pct > 0 && o.bytes_pct < 30, `bytes ${o.bytes_pct}`);
});

test('undersized AEAD: findings name it, and the suggested change is predicted within 10 % of a rerun', () => {
  const base = ['traffic.records_per_client=1000', 'traffic.rate.records_per_s=2000'];
  // 1 engine at 250 MHz carries ~2.9 Gbit/s of 16 KiB records; 16 clients offer ~4.2 Gbit/s
  const small = load('scenarios/bulk-throughput.yaml', base, ['aead.instances=1', 'aead.clock_mhz=250']);
  const r = runScenario({ scenario: small.scenario, model: small.model });
  const f = computeFindings(r);
  assert.is(f.bottleneck?.block, 'aead');
  assert.ok(f.bottleneck!.utilization > 0.99 && f.bottleneck!.mean_queue > 100);
  assert.ok(f.suggestion !== null);
  const m = /^model\.aead\.instances=(\d+)$/.exec(f.suggestion!.set);
  assert.ok(m, f.suggestion!.set);
  assert.ok(findingsLines(f)[0]!.startsWith('bottleneck: aead'));
  const rerun = load('scenarios/bulk-throughput.yaml', base, [`aead.instances=${m![1]}`, 'aead.clock_mhz=250']);
  const r2 = runScenario({ scenario: rerun.scenario, model: rerun.model });
  const aead2 = r2.blocks.find((b) => b.name === 'aead')!;
  assert.ok(close(aead2.utilization, f.suggestion!.predicted_utilization, 0.1), `utilisation ${aead2.utilization} vs ${f.suggestion!.predicted_utilization}`);
  // the capacity: the rerun carries the whole offered load, below the predicted capacity; one engine's saturated
  // goodput x the suggested count is the capacity the model predicts
  assert.ok(close(f.suggestion!.predicted_capacity_gbps, r.summary.throughput.goodput_gbps * Number(m![1]), 0.1));
  assert.ok(r2.summary.throughput.goodput_gbps < f.suggestion!.predicted_capacity_gbps);
  assert.ok(close(r2.summary.throughput.goodput_gbps, r2.summary.udp_baseline.goodput_gbps, 0.01), 'the rerun keeps up with the offered load');
});

test('a run that ends with a handshake unfinished counts it and warns', () => {
  const { scenario, model } = load('scenarios/single-client.yaml', ['sim.end_ms=1']);
  const r = runScenario({ scenario, model });
  const s = r.summary;
  assert.is(s.handshakes.offered, 1);
  assert.is(s.handshakes.completed, 0);
  assert.is(s.handshakes.in_progress, 1);
  assert.ok(s.conservation.dtls.in_flight >= 0);
  const text = renderTerminalSummary(r);
  assert.match(text, /in progress 1/);
  assert.match(text, /warning: 1 handshake\(s\) still in progress at the end/);
  // one simulated time: the terminal's is the summary's sim_end_s
  assert.ok(text.split('\n')[0]!.includes(`simulated ${fmt(s.sim_end_s)} s`));
});

test.run();
