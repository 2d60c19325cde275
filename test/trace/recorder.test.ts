// The capture contract: a run driven by hand on a Platform (as the co-simulation's server drives it) and recorded
// with OpTraceRecorder replays on the same model with 0 ps difference; window and parent handling.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { Platform, type HwCryptoOp } from '../../src/hw/index.ts';
import { OpTraceRecorder } from '../../src/workload/trace/recorder.ts';
import { parseOpTrace, modelDigest } from '../../src/workload/trace/format.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { compareJobs } from '../../src/workload/trace/compare.ts';
import { tinyModel } from './model.ts';

const sealOp: HwCryptoOp = { op: 'aead-seal', alg: 'AES-128-GCM', inputBytes: 100, outputBytes: 116, aadBytes: 5 };

/** Three echo-like jobs: rx (port, DMA, record, seal at priority -depth) whose release starts a tx child. */
function capturedRun(window?: { from?: number; to?: number }) {
  const model = tinyModel({ invocation: 0 });
  const k = new Kernel();
  const hw = new Platform(k, model, { priorities: true });
  const rec = new OpTraceRecorder({ model: model.name, params_digest: modelDigest(model) }, window);
  const tx = (parent: number) => {
    const id = rec.startJob('tx', k.now, { parent });
    rec.submit(id, { block: 'dma_from_engine', op: 'transfer', bytes: 120 }, k.now);
    hw.dma.transfer(120, 'from-engine', (_w, s1) => {
      rec.served(id, s1, k.now);
      rec.submit(id, { block: 'port_tx', op: 'datagram', bytes: 120 }, k.now);
      hw.port.transmit(120, (_w2, s2) => {
        rec.served(id, s2, k.now, k.now - hw.port.propagationPs);
        rec.endJob(id);
      });
    });
  };
  const rx = () => {
    const id = rec.startJob('rx', k.now);
    rec.submit(id, { block: 'port_rx', op: 'datagram', bytes: 100 }, k.now);
    hw.port.receive(100, (_w, s) => {
      rec.served(id, s, k.now);
      rec.submit(id, { block: 'dma_to_engine', op: 'transfer', bytes: 100 }, k.now);
      hw.dma.transfer(100, 'to-engine', (_w1, s1) => {
        rec.served(id, s1, k.now);
        rec.submit(id, { block: 'cpu', op: 'record' }, k.now);
        hw.protocol('record', (_w2, s2) => {
          rec.served(id, s2, k.now);
          rec.submit(id, { block: 'aead', op: 'aead-seal', alg: 'AES-128-GCM', bytes: 100, out: 116, aad: 5 }, k.now);
          hw.serve(sealOp, (_w3, s3) => {
            rec.served(id, s3, k.now);
            rec.endJob(id);
            tx(id);
          }, -3, false);
        }, -2);
      });
    });
  };
  k.at(0, rx);
  k.at(0, rx);
  k.at(5_000, rx);
  k.run();
  return { rec, model };
}

test('a recorded run replays on its model with 0 ps difference', () => {
  const { rec, model } = capturedRun();
  const t = parseOpTrace(rec.text());
  assert.is(t.jobs.length, 6);
  assert.is(rec.ops, 3 * 4 + 3 * 2);
  // lines are written as jobs end; parents before children
  const r = replayOpTrace(t, model);
  const d = compareJobs(t.jobs, r.trace.jobs);
  assert.equal(d.mismatches, []);
  assert.is(d.ops, 18);
  assert.is(d.maxDiffPs, 0, d.at);
  // contention happened: some op waited
  assert.ok(t.jobs.some((j) => j.ops.some((o) => o.start! > o.submit!)));
});

test('window: only arrivals inside are written; a child whose parent is outside becomes a root', () => {
  const { rec } = capturedRun({ from: 1 });
  const t = parseOpTrace(rec.text());
  // roots at 0 are out; the third rx (5000) is in, and every tx child starts after 1 ps
  const kinds = t.jobs.map((j) => j.kind).sort();
  assert.equal(kinds, ['rx', 'tx', 'tx', 'tx']);
  const orphans = t.jobs.filter((j) => j.kind === 'tx' && j.parent === undefined);
  assert.is(orphans.length, 2);
});

test('lines kept as bytes: text() and bytes() list every job in id order, whatever the order they ended in; non-ASCII intact', () => {
  const rec = new OpTraceRecorder({ model: 'm', params_digest: 'sha256:0' });
  const n = 3000; // ~100 B per line: past the store's first 64 KiB, so it grows
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push(rec.startJob('rx', i, { peer: i % 7 === 0 ? `client-${i}-\u00e9\u{1f600}` : `client-${i}`, phase: 'data' }));
  for (const id of ids) rec.submit(id, { block: 'port_rx', op: 'datagram', bytes: id }, id);
  // end the odd ids first, then the even ones backwards
  for (const id of ids.filter((x) => x % 2 === 1)) {
    rec.served(id, id, id + 1);
    rec.endJob(id);
  }
  for (const id of ids.filter((x) => x % 2 === 0).reverse()) {
    rec.served(id, id, id + 1);
    rec.endJob(id);
  }
  const text = rec.text();
  assert.is(new TextDecoder().decode(rec.bytes()), text);
  const t = parseOpTrace(text);
  assert.equal(t.jobs.map((j) => j.id), ids);
  for (const j of t.jobs) {
    assert.is(j.peer, j.id % 7 === 0 ? `client-${j.id}-\u00e9\u{1f600}` : `client-${j.id}`);
    assert.is(j.ops[0]!.bytes, j.id);
  }
  assert.is(rec.chunks(5000).join(''), text);
});

test.run();
