// Findings (src/report/findings.ts) on hand-built results: the cases a review of 2026-12-08 found wrong, each
// expectation computed here from the fixture's numbers. Before the fixes: a busy port or DMA gave "none needed",
// the DMA's share of the latency was 0 %, the predicted capacity ignored a nearly saturated second block, and an SLA
// with target 0 had its absolute difference x 100 shown as a percentage (and outranked every true margin).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { computeFindings, findingsLines } from '../../src/report/findings.ts';
import type { BlockStats, SimResult } from '../../src/report/types.ts';
import { byMargin, waitBlock } from '../../src/dse/aggregate.ts';
import { makeFixture } from './fixture.ts';

function withBlocks(r: SimResult, util: Record<string, number>, extra: BlockStats[] = []): SimResult {
  const blocks = [...r.blocks, ...extra].map((b) => ({ ...b, utilization: util[b.name] ?? 0.1 }));
  return { ...r, blocks };
}

test('a busy block with no unit count (a port) is named with its capacity parameter, not "none needed"', () => {
  const r = withBlocks(makeFixture(), { port: 0.855, aead: 0.5 });
  const f = computeFindings(r);
  assert.is(f.bottleneck?.block, 'port');
  assert.is(f.suggestion, null);
  assert.is(f.raise, 'model.port.line_rate_gbps');
  assert.ok(findingsLines(f).includes('change: port has no unit count in the model: raise model.port.line_rate_gbps (no prediction made)'));
  // under 70 %: still none needed
  const quiet = computeFindings(withBlocks(makeFixture(), { port: 0.6 }));
  assert.is(quiet.raise, null);
  assert.ok(findingsLines(quiet).includes('change: none needed (no block above 70 % utilisation)'));
});

test("a DMA bottleneck's share of the latency is its `dma` breakdown component's", () => {
  const base = makeFixture();
  const dmaBlock = { ...base.blocks.find((b) => b.kind === 'dma')!, name: 'dma_from_engine' };
  const r = withBlocks({ ...base, blocks: base.blocks.filter((b) => b.kind !== 'dma') }, { dma_from_engine: 0.95 }, [dmaBlock]);
  const f = computeFindings(r);
  assert.is(f.bottleneck?.block, 'dma_from_engine');
  // by hand from the fixture's record breakdown: dma 0.8 + 2 us of the entries' total
  const rec = r.breakdown.record;
  const total = rec.reduce((a, e) => a + e.waiting_us + e.service_us, 0);
  const hs = r.breakdown.handshake;
  const hsTotal = hs.reduce((a, e) => a + e.waiting_us + e.service_us, 0);
  const hsDma = hs.filter((e) => e.component === 'dma').reduce((a, e) => a + e.waiting_us + e.service_us, 0);
  const want = Math.max((2.8 / total) * 100, (hsDma / hsTotal) * 100);
  assert.ok(want > 0);
  assert.ok(Math.abs(f.bottleneck!.time_share_pct - want) < 1e-9, `${f.bottleneck!.time_share_pct} vs ${want}`);
});

test('the predicted capacity is capped by another block at its utilisation in the run', () => {
  // aead (4 units) 90 % busy gets a suggestion; the dma at 80 % carries at most bits / (0.8 x T)
  const r = withBlocks(makeFixture(), { aead: 0.9, dma: 0.8 });
  const s = r.summary;
  const f = computeFindings(r);
  assert.is(f.suggestion?.set, 'model.aead.instances=6'); // ceil(0.9 x 4 / 0.7) = 6
  const bits = s.throughput.goodput_gbps * s.throughput.goodput_window_s;
  const aeadCap = (bits / (0.9 * 4 * s.sim_time_s)) * 6;
  const dmaCap = bits / (0.8 * s.sim_time_s);
  assert.ok(dmaCap < aeadCap);
  assert.ok(Math.abs(f.suggestion!.predicted_capacity_gbps - dmaCap) < 1e-9, `${f.suggestion!.predicted_capacity_gbps} vs ${dmaCap}`);
  assert.is(f.suggestion!.limited_by, 'dma');
  assert.match(findingsLines(f).join('\n'), /\(then limited by dma\)/);
  // with the other blocks idle enough, the changed block's own capacity stands
  const free = computeFindings(withBlocks(makeFixture(), { aead: 0.9, dma: 0.05, port: 0.05, pke: 0.05, cpu: 0.05, hkdf: 0.05 }));
  assert.is(free.suggestion!.limited_by, null);
});

test('an SLA with target 0 has no relative margin and does not outrank a failing check that has one', () => {
  const base = makeFixture();
  const sla = [
    { name: 'overhead_vs_udp.latency_pct', op: '<=' as const, target: 0, value: 17.3, unit: '%', pass: false },
    { name: 'record_latency_us.p99', op: '<=' as const, target: 36000, value: 40400, unit: 'us', pass: false },
  ];
  const r = { ...base, summary: { ...base.summary, sla } };
  const f = computeFindings(r);
  assert.is(f.tightest_sla?.name, 'record_latency_us.p99');
  assert.ok(Math.abs(f.tightest_sla!.margin_pct - ((36000 - 40400) / 36000) * 100) < 1e-9);
  const only0 = computeFindings({ ...base, summary: { ...base.summary, sla: [sla[0]!] } });
  assert.ok(Number.isNaN(only0.tightest_sla!.margin_pct));
  assert.ok(findingsLines(only0).some((l) => l === 'tightest SLA: overhead_vs_udp.latency_pct = 17.30 vs 0.00 (no relative margin: target 0, FAIL)'), findingsLines(only0).join('\n'));
});

test('DSE: margins order with NaN last; the DMA and context-cache misses compete for the largest wait as blocks', () => {
  const ms = [{ margin: 0.1 }, { margin: NaN }, { margin: -0.12 }].sort(byMargin).map((m) => m.margin);
  assert.equal(ms.slice(0, 2), [-0.12, 0.1]);
  assert.ok(Number.isNaN(ms[2]!));
  const blocks = new Set(['aead', 'dma_to_engine', 'dma_from_engine', 'ctx_cache']);
  assert.is(waitBlock('dma', blocks), 'dma');
  assert.is(waitBlock('ctx_cache_miss', blocks), 'ctx_cache');
  assert.is(waitBlock('aead', blocks), 'aead');
  assert.is(waitBlock('network', blocks), undefined);
});

test.run();
