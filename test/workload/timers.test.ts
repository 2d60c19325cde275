// Protocol timers in the co-simulation: the core works in floating-point milliseconds, the kernel in integer
// picoseconds. A deadline t ms is armed at ceil(t * 1e9) ps, but that ps value / 1e9 can be just below t; a core
// told a time before its deadline does nothing, so the timer re-fired at the same instant forever (the hang found
// by the DSE runs). These runs hung before the fix; the livelock guard turns any regression into an error.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

test('ps -> ms round trip can fall below the deadline (the reason the timer passes the deadline itself)', () => {
  // A deterministic sweep of deadlines shaped like the cosim's (now / 1e9 + rto).
  let below = 0;
  for (let i = 0; i < 200_000; i++) {
    const t = (i * 7_919_003) / 1e9 + 3.7;
    if (Math.ceil(t * 1e9) / 1e9 < t) below++;
  }
  assert.ok(below > 0, 'the float hazard exists; if this fails the guard is still harmless');
});

test('regression: 1 AEAD engine at 250 MHz, seed 1302087944 (hung before the fix) completes every handshake', () => {
  // the scenario as it was when it hung (48 clients, no jitter)
  const { scenario, model } = load('sweeps/bench/small-scenario.yaml', ['clients.count=48', 'network.jitter_ms=0'], ['aead.instances=1', 'aead.clock_mhz=250']);
  const r = runScenario({ scenario, model, seed: 1302087944, crypto: 'node' });
  assert.is(r.summary.handshakes.completed, scenario.clients.count);
  assert.is(r.summary.handshakes.failed, 0);
});

test('regression: tiny DSE fixture with 10 us jitter, 50 MHz AEAD, 40 seeds all finish', () => {
  const { scenario, model } = load('test/dse/fixtures/tiny.yaml', ['network.jitter_ms=0.01'], ['aead.clock_mhz=50']);
  for (const seed of [3, 717806608, ...Array.from({ length: 38 }, (_, i) => i + 10)]) {
    const r = runScenario({ scenario, model, seed, crypto: 'node' });
    assert.is(r.summary.handshakes.completed, 8, `seed ${seed}`);
  }
});

test('lossy runs with retransmission timers finish; unfinished handshakes are reported, not hidden', () => {
  const { scenario, model } = load('test/dse/fixtures/tiny.yaml', ['network.jitter_ms=0.05', 'network.loss=0.1']);
  let incomplete = 0;
  for (let seed = 0; seed < 20; seed++) {
    const r = runScenario({ scenario, model, seed, crypto: 'node' });
    const h = r.summary.handshakes;
    assert.ok(h.completed + h.failed <= h.offered, `seed ${seed}`);
    incomplete += h.offered - h.completed - h.failed;
  }
  // 10 % loss and a 1 s initial retransmission timer (RFC 9147 section 5.8.2) within a 200 ms run.
  assert.ok(incomplete > 0, 'some handshakes must still be waiting for a retransmission at the end');
});

test.run();
