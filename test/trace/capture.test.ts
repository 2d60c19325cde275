// Capture of the co-simulation's server jobs as an operation trace (src/workload/trace/capture.ts): the trace of a
// run replayed on the same model gives the same times to the picosecond (the replay is an independent
// implementation of the server's disciplines, src/workload/replay.ts), and on a model with one AEAD engine other,
// plausible times; tracing off changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCosim } from '../../src/workload/index.ts';
import { TraceCapture } from '../../src/workload/trace/capture.ts';
import { modelDigest, type OpTrace } from '../../src/workload/trace/format.ts';
import { compareJobs } from '../../src/workload/trace/compare.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { load } from '../workload/helpers.ts';

function capture(file: string, sets: string[], window: { from?: number; to?: number } = {}, clients = Infinity) {
  const { scenario, model } = load(file, sets);
  const cap = new TraceCapture({ model: model.name, params_digest: modelDigest(model) }, window, clients);
  const run = runCosim({ scenario, model, seed: 1, crypto: 'node', capture: cap });
  return { scenario, model, run, trace: cap.trace() };
}

const count = (t: OpTrace, kind: string) => t.jobs.filter((j) => j.kind === kind).length;

test('single client: every job kind captured, parents before children, replay on the same model agrees to 0 ps', () => {
  const { model, run, trace } = capture('scenarios/single-client.yaml', []);
  assert.ok(count(trace, 'rx') > 0 && count(trace, 'tx') > 0 && count(trace, 'send') > 0, 'rx, tx and send jobs');
  const seen = new Set<number>();
  for (const j of trace.jobs) {
    if (j.parent !== undefined) assert.ok(seen.has(j.parent), `job ${j.id}: parent ${j.parent} listed before`);
    seen.add(j.id);
  }
  // every datagram the server sent is one tx job with a port_tx op that ended
  const tx = trace.jobs.filter((j) => j.kind === 'tx' && j.ops.some((o) => o.block === 'port_tx' && o.end !== undefined));
  assert.is(tx.length, run.blockStats.find((b) => b.name === 'port_tx')!.served);
  const r = replayOpTrace(trace, model);
  const d = compareJobs(trace.jobs, r.trace.jobs);
  assert.equal(d.mismatches, []);
  assert.is(d.maxDiffPs, 0, d.at);
  assert.is(d.jobs, trace.jobs.length);
});

test('10k-clients scenario with 500 clients, a 50 ms window: same model 0 ps; one AEAD engine: later, never earlier ends', () => {
  const { model, trace } = capture('scenarios/10k-clients.yaml', ['clients.count=500'], { from: 0, to: 50e9 });
  assert.ok(trace.jobs.length > 1000, `${trace.jobs.length} jobs`);
  const same = replayOpTrace(trace, model);
  const d = compareJobs(trace.jobs, same.trace.jobs);
  assert.equal(d.mismatches, []);
  assert.is(d.maxDiffPs, 0, d.at);
  const one = { ...model, name: 'one-aead', aead: { ...model.aead!, instances: 1 } };
  const other = replayOpTrace(trace, one);
  const d1 = compareJobs(trace.jobs, other.trace.jobs);
  assert.ok(d1.maxDiffPs > 0, 'one AEAD engine changes the times');
  assert.is(other.stats.jobs, trace.jobs.length);
  // plausible: the AEAD is never faster with fewer engines (same service times, more queueing)
  const lastEnd = (t: OpTrace) => Math.max(...t.jobs.flatMap((j) => j.ops.map((o) => o.end ?? 0)));
  assert.ok(lastEnd(other.trace) >= lastEnd(trace));
});

test('client filter: only the jobs of clients 0..N-1, each with its peer', () => {
  const { trace } = capture('scenarios/10k-clients.yaml', ['clients.count=50', 'sim.end_ms=200'], {}, 5);
  assert.ok(trace.jobs.length > 0);
  const peers = new Set(trace.jobs.map((j) => j.peer));
  for (const p of peers) assert.ok(/^client-[0-4]$/.test(p ?? ''), `peer ${p}`);
  assert.ok(peers.size > 1, `${peers.size} peers`);
});

test.run();
