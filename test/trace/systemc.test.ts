// The SystemC model (validation/systemc/model.cpp) against hand-computed times and against the project's replay,
// operation by operation, on small traces: hand-made ones (contention on one AEAD engine, doorbells, drops) and a
// synthetic one on models with and without accelerators and with a 1-entry context cache (misses, evictions).
// Skipped and counted when g++/libsystemc-dev are absent outside CI (CI installs them: .ci/systemc.sh).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOpTrace } from '../../src/workload/trace/format.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { compareJobs } from '../../src/workload/trace/compare.ts';
import { syntheticTrace } from '../../src/workload/trace/synthetic.ts';
import { buildSystemcModel, runSystemcModel, systemcAvailable } from '../../src/cli/systemc-model.ts';
import { tinyModel, traceText, seal, mask } from './model.ts';

let skipped = 0;
function binary(): string | undefined {
  if (!systemcAvailable()) {
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error('g++/libsystemc-dev required under CI (.ci/systemc.sh)');
    skipped++;
    return undefined;
  }
  return buildSystemcModel().binary;
}

test('SystemC: two jobs on one AEAD engine and a doorbell, hand-computed times', () => {
  const bin = binary();
  if (!bin) return;
  // see test/trace/replay.test.ts for the arithmetic
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100), mask] },
    { id: 1, kind: 'send', arrival: 50_000, ops: [seal(100)] },
  ]));
  const sc = runSystemcModel(bin, t, tinyModel({ invocation: 100 }));
  const times = sc.jobs.map((j) => j.ops.map((o) => [o.block, o.op, o.submit, o.start, o.end]));
  assert.equal(times, [
    [['cpu', 'invoke', 0, 0, 100_000], ['aead', 'aead-seal', 100_000, 100_000, 239_000], ['aead', 'sn-mask', 239_000, 378_000, 393_000]],
    [['cpu', 'invoke', 50_000, 100_000, 200_000], ['aead', 'aead-seal', 200_000, 239_000, 378_000]],
  ]);
});

test('SystemC: tail drop at a full port queue, children not started', () => {
  const bin = binary();
  if (!bin) return;
  const rx = (id: number) => ({ id, kind: 'rx', arrival: 0, ops: [{ block: 'port_rx', op: 'datagram', bytes: 100 }] });
  const t = parseOpTrace(traceText([rx(0), rx(1), rx(2), rx(3), { id: 4, kind: 'tx', arrival: 0, parent: 3, ops: [{ block: 'port_tx', op: 'datagram', bytes: 10 }] }]));
  const sc = runSystemcModel(bin, t, tinyModel());
  assert.equal(sc.jobs.map((j) => j.id), [0, 1, 2, 3]);
  assert.equal(sc.jobs[3]!.ops[0]!.dropped, true);
  assert.equal(sc.jobs[2]!.ops[0]!.end, 3 * 13_280);
});

test('SystemC = replay on synthetic traces, several models (0 ps on every operation)', () => {
  const bin = binary();
  if (!bin) return;
  const trace = syntheticTrace({ jobs: 600, ratePerS: 3e6, connections: 5, seed: 7, handshakeFraction: 0.1 });
  // a burst far beyond the port: tail drops and orphaned children
  const burst = syntheticTrace({ jobs: 300, ratePerS: 5e7, connections: 5, seed: 8, handshakeFraction: 0.1 });
  const models = [
    tinyModel({ invocation: 100, cache: true }),
    tinyModel({ aead: 2, cores: 2, invocation: 100 }),
    tinyModel({ aead: 0, cores: 2, invocation: 100 }),
    { ...tinyModel({ invocation: 0 }), hash: undefined, pke: undefined },
  ];
  let drops = 0;
  // handshakes signing with RSA-3072 (key_bits): the public-key engine's RSA latencies
  const rsa = syntheticTrace({ jobs: 300, ratePerS: 1e6, connections: 5, seed: 9, handshakeFraction: 0.3, rsaBits: 3072 });
  for (const [t, minOps] of [[trace, 2000], [burst, 300], [rsa, 1000]] as const) {
    for (const m of models) {
      const ours = replayOpTrace(t, m);
      const sc = runSystemcModel(bin, t, m);
      const d = compareJobs(ours.trace.jobs, sc.jobs);
      assert.equal(d.mismatches, []);
      assert.ok(d.ops > minOps, `${d.ops} ops compared`);
      assert.is(d.maxDiffPs, 0, d.at);
      drops += ours.stats.dropped;
    }
  }
  assert.ok(drops > 0, 'the burst drops datagrams');
});

test.after(() => {
  if (skipped > 0) process.stdout.write(`\ntest/trace/systemc.test.ts: ${skipped} test(s) skipped: g++/libsystemc-dev absent\n`);
});
test.run();
