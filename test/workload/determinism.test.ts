import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { renderSummaryJson, stripWallTime } from '../../src/report/index.ts';
import { load } from './helpers.ts';

const summary = (r: ReturnType<typeof runScenario>) => JSON.stringify(stripWallTime(JSON.parse(renderSummaryJson(r).data as string)));

test('same seed => byte-identical summary.json (lossy network, HRR cookies, KeyUpdate, mixed suites)', () => {
  const { scenario, model } = load('scenarios/lossy-network.yaml', ['clients.count=30', 'sim.warmup_ms=0']);
  const a = runScenario({ scenario, model, seed: 3, crypto: 'node' });
  const b = runScenario({ scenario, model, seed: 3, crypto: 'node' });
  assert.is(summary(a), summary(b));
  assert.ok(a.summary.handshakes.completed > 20, `${a.summary.handshakes.completed} handshakes`);
  assert.ok(a.summary.handshakes.retransmissions > 0, 'a 5 % lossy network must cause retransmissions');
  const c = runScenario({ scenario, model, seed: 4, crypto: 'node' });
  assert.is.not(summary(a), summary(c), 'another seed gives another run');
});

test('node and noble providers drive identical runs (same bytes => same timing)', () => {
  const { scenario, model } = load('scenarios/10k-clients.yaml', ['clients.count=3', 'traffic.records_per_client=3']);
  const a = runScenario({ scenario, model, seed: 5, crypto: 'node' });
  const b = runScenario({ scenario, model, seed: 5, crypto: 'noble' });
  assert.is(a.summary.handshakes.completed, 3);
  assert.is(summary(a), summary(b));
});
test.run();
