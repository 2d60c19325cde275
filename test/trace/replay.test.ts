// Replay of hand-made operation traces; every expected time is computed by hand from the tiny model
// (test/trace/model.ts: 1 GHz clocks, 1 cycle = 1000 ps).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseOpTrace, formatOpTrace, OpTraceError } from '../../src/workload/trace/format.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { syntheticTrace } from '../../src/workload/trace/synthetic.ts';
import { HEADER, tinyModel, traceText, seal, mask } from './model.ts';

// AES-128-GCM seal of 100 B with 5 B AAD: 40 + (ceil(5/16) + ceil(100/16) + 1) x 11 = 40 + 9 x 11 = 139 cycles
const SEAL100 = 139_000;
// record-number mask AES-128-ECB: 4 + 11 = 15 cycles
const MASK = 15_000;

const times = (t: ReturnType<typeof replayOpTrace>['trace'], id: number) =>
  t.jobs.find((j) => j.id === id)!.ops.map((o) => [o.block, o.op, o.submit, o.start, o.end]);

test('two jobs arriving together on one AEAD engine: FIFO in trace order', () => {
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100)] },
    { id: 1, kind: 'send', arrival: 0, ops: [seal(100)] },
  ]));
  const r = replayOpTrace(t, tinyModel());
  assert.equal(times(r.trace, 0), [['aead', 'aead-seal', 0, 0, SEAL100]]);
  assert.equal(times(r.trace, 1), [['aead', 'aead-seal', 0, SEAL100, 2 * SEAL100]]);
  assert.equal(r.trace.jobs[0]!.ops[0]!.cycles, 139);
  assert.equal(r.stats.ops, 2);
});

test('in-flight work first only among waiting requests: the engine takes its next waiting job before the finishing job resubmits', () => {
  // A seals 0..139000; B arrives at 100000 and waits; at 139000 the engine frees and starts B (waiting), then A's
  // mask (priority -1) arrives and waits behind B.
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100), mask] },
    { id: 1, kind: 'send', arrival: 100_000, ops: [seal(100)] },
  ]));
  const r = replayOpTrace(t, tinyModel());
  assert.equal(times(r.trace, 0), [['aead', 'aead-seal', 0, 0, SEAL100], ['aead', 'sn-mask', SEAL100, 2 * SEAL100, 2 * SEAL100 + MASK]]);
  assert.equal(times(r.trace, 1), [['aead', 'aead-seal', 100_000, SEAL100, 2 * SEAL100]]);
});

test('priority by depth: a deeper job overtakes an earlier waiting one', () => {
  // 2 jobs with a seal each keep the engine busy; C's mask (depth 1) and D's seal (depth 0) wait together.
  // A: 0..139000; B (arr 0) waits, 139000..278000; C arrives at 10000 with [mask]: waits (prio 0, after B);
  // E arrives at 20000 with [seal]: waits. At 139000: B starts (first waiting, prio 0). At 278000: C's mask (prio 0,
  // earlier) starts 278000..293000, then E's seal 293000..432000.
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100)] },
    { id: 1, kind: 'send', arrival: 0, ops: [seal(100)] },
    { id: 2, kind: 'send', arrival: 10_000, ops: [mask] },
    { id: 3, kind: 'send', arrival: 20_000, ops: [seal(100)] },
  ]));
  const r = replayOpTrace(t, tinyModel());
  assert.equal(times(r.trace, 2), [['aead', 'sn-mask', 10_000, 278_000, 293_000]]);
  assert.equal(times(r.trace, 3), [['aead', 'aead-seal', 20_000, 293_000, 432_000]]);
  // now job 0 has a mask after its seal: at 139000 B starts, job 0's mask (prio -1) arrives and waits with C (prio
  // 0, arrived earlier) and E: the mask goes first at 278000.
  const t2 = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100), mask] },
    { id: 1, kind: 'send', arrival: 0, ops: [seal(100)] },
    { id: 2, kind: 'send', arrival: 10_000, ops: [mask] },
  ]));
  const r2 = replayOpTrace(t2, tinyModel());
  assert.equal(times(r2.trace, 0)[1], ['aead', 'sn-mask', 139_000, 278_000, 293_000]);
  assert.equal(times(r2.trace, 2), [['aead', 'sn-mask', 10_000, 293_000, 308_000]]);
});

test('one doorbell per job: the first accelerated op pays the invocation on the CPU', () => {
  // cpu: 1 core at 1 GHz, invocation 100 cycles = 100000 ps.
  // A (arr 0): invoke 0..100000, seal 100000..239000, mask (chained, no doorbell) waits for the engine.
  // B (arr 50000): invoke waits for the core, 100000..200000; seal waits from 200000 for the engine: 239000..378000
  // (the engine frees at 239000 and starts B, waiting, before A's mask arrives); A's mask 378000..393000.
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, ops: [seal(100), mask] },
    { id: 1, kind: 'send', arrival: 50_000, ops: [seal(100)] },
  ]));
  const r = replayOpTrace(t, tinyModel({ invocation: 100 }));
  assert.equal(times(r.trace, 0), [
    ['cpu', 'invoke', 0, 0, 100_000],
    ['aead', 'aead-seal', 100_000, 100_000, 239_000],
    ['aead', 'sn-mask', 239_000, 378_000, 393_000],
  ]);
  assert.equal(times(r.trace, 1), [
    ['cpu', 'invoke', 50_000, 100_000, 200_000],
    ['aead', 'aead-seal', 200_000, 239_000, 378_000],
  ]);
});

test('received datagram through port, DMA and CPU; its answer starts at release (children)', () => {
  // port_rx 100 B: frame = max(64, 14 + 20 + 8 + 100 + 4) = 146, wire 166 B -> 166 x 8 / 100 Gbit/s = 13280 ps
  // dma 100 B: 100 x 8 / 50 Gbit/s = 16000 ps on the link + 750 ns descriptor latency
  // cpu record: 1500 cycles = 1500000 ps
  // tx: dma 120 B: 19200 + 750000; port_tx 120 B: wire 186 B -> 14880 ps + 500 ns propagation
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'rx', arrival: 0, ops: [{ block: 'port_rx', op: 'datagram', bytes: 100 }, { block: 'dma_to_engine', op: 'transfer', bytes: 100 }, { block: 'cpu', op: 'record' }] },
    { id: 1, kind: 'tx', arrival: 999, parent: 0, ops: [{ block: 'dma_from_engine', op: 'transfer', bytes: 120 }, { block: 'port_tx', op: 'datagram', bytes: 120 }] },
  ]));
  const r = replayOpTrace(t, tinyModel());
  const e1 = 13_280 + 16_000 + 750_000;
  const e2 = e1 + 1_500_000;
  assert.equal(times(r.trace, 0), [
    ['port_rx', 'datagram', 0, 0, 13_280],
    ['dma_to_engine', 'transfer', 13_280, 13_280, e1],
    ['cpu', 'record', e1, e1, e2],
  ]);
  assert.equal(r.trace.jobs[1]!.arrival, e2);
  const e3 = e2 + 19_200 + 750_000;
  assert.equal(times(r.trace, 1), [
    ['dma_from_engine', 'transfer', e2, e2, e3],
    ['port_tx', 'datagram', e3, e3, e3 + 14_880 + 500_000],
  ]);
});

test('a full port queue drops the job and its children never start', () => {
  // rx queue holds 2 waiting datagrams: 4 arrivals at once -> 1 in service, 2 waiting, 1 dropped
  const rx = (id: number) => ({ id, kind: 'rx', arrival: 0, ops: [{ block: 'port_rx', op: 'datagram', bytes: 100 }] });
  const t = parseOpTrace(traceText([rx(0), rx(1), rx(2), rx(3), { id: 4, kind: 'tx', arrival: 0, parent: 3, ops: [{ block: 'port_tx', op: 'datagram', bytes: 10 }] }]));
  const r = replayOpTrace(t, tinyModel());
  assert.equal(r.stats.dropped, 1);
  assert.equal(r.stats.orphaned, 1);
  assert.equal(r.trace.jobs.find((j) => j.id === 3)!.ops[0]!.dropped, true);
  assert.equal(times(r.trace, 2), [['port_rx', 'datagram', 0, 2 * 13_280, 3 * 13_280]]);
  assert.ok(!r.trace.jobs.some((j) => j.id === 4));
});

test('another model re-routes: without an AEAD engine the seal runs in software on the CPU', () => {
  // software: 1000 + (100 + 5) x 1 cycles = 1105 cycles
  const t = parseOpTrace(traceText([{ id: 0, kind: 'send', arrival: 0, ops: [seal(100)] }]));
  const r = replayOpTrace(t, tinyModel({ aead: 0, invocation: 100 }));
  assert.equal(times(r.trace, 0), [['cpu', 'aead-seal', 0, 0, 1_105_000]]);
});

test('context cache: a closed connection leaves the cache (the next access misses), and a full cache evicts', () => {
  // tiny cache: 1 connection, 100-byte contexts, hit 10 ns. A miss: lookup 10000 ps, then the context over the DMA:
  // 100 x 8 / 50 Gbit/s = 16000 ps + 750 ns descriptor latency -> start 10000, end 776000.
  const acc = (conn: number) => ({ block: 'ctx_cache', op: 'access', conn });
  const run = (mid: object[]) =>
    replayOpTrace(parseOpTrace(traceText([
      { id: 0, kind: 'rx', arrival: 0, ops: [acc(5)] },
      { id: 1, kind: 'rx', arrival: 1_000_000, ops: mid },
      { id: 2, kind: 'rx', arrival: 2_000_000, ops: [acc(5)] },
    ])), tinyModel({ cache: true })).trace;
  assert.equal(times(run([]), 0), [['ctx_cache', 'access', 0, 10_000, 776_000]]);
  assert.equal(times(run([]), 2), [['ctx_cache', 'access', 2_000_000, 2_000_000, 2_010_000]]); // hit
  const removed = run([{ block: 'ctx_cache', op: 'remove', conn: 5 }]);
  assert.equal(times(removed, 1), [['ctx_cache', 'remove', undefined, undefined, undefined]]);
  assert.equal(times(removed, 2), [['ctx_cache', 'access', 2_000_000, 2_010_000, 2_776_000]]); // miss again
  // another connection in between evicts 5 (write-back over the DMA from the engine, off the job's path)
  assert.equal(times(run([acc(6)]), 2), [['ctx_cache', 'access', 2_000_000, 2_010_000, 2_776_000]]);
  // without a cache in the model, accesses and removals are skipped
  const none = replayOpTrace(parseOpTrace(traceText([{ id: 0, kind: 'rx', arrival: 0, ops: [acc(5), seal(100)] }])), tinyModel()).trace;
  assert.equal(times(none, 0), [['aead', 'aead-seal', 0, 0, SEAL100]]);
});

test('format: round trip, and clear errors for bad input', () => {
  const t = parseOpTrace(traceText([{ id: 0, kind: 'send', arrival: 5, ops: [seal(100)] }]));
  const r = replayOpTrace(t, tinyModel());
  assert.equal(parseOpTrace(formatOpTrace(r.trace)), r.trace);
  for (const [text, msg] of [
    ['', /empty/],
    ['{"type":"job"}', /first line must be the header/],
    [traceText([{ id: 0, kind: 'send', arrival: -1, ops: [] }]), /arrival must be a non-negative integer/],
    [traceText([{ id: 0, kind: 'send', arrival: 0, ops: [{ block: 'gpu', op: 'x' }] }]), /unknown block/],
    [traceText([{ id: 1, kind: 'tx', arrival: 0, parent: 7, ops: [] }]), /parent 7 is not an earlier job/],
    [HEADER_BAD_VERSION, /unsupported version/],
    ['{"type":"header"\n', /not valid JSON/],
  ] as const) {
    try {
      parseOpTrace(text);
      assert.unreachable(`accepted ${text}`);
    } catch (e) {
      assert.instance(e, OpTraceError);
      assert.match((e as Error).message, msg);
    }
  }
});

test('RSA sign/verify: key_bits selects the modulus latency (engine and software); kept by format; version 1 still read', () => {
  const V2 = HEADER.replace('"version":1', '"version":2');
  const rsa = (op: 'sign' | 'verify', bits: number) => ({ block: 'pke', op, alg: 'rsa_pss_rsae_sha256', bytes: 130, out: op === 'sign' ? bits / 8 : 0, key_bits: bits });
  const text = [V2, JSON.stringify({ type: 'job', id: 0, kind: 'rx', arrival: 0, ops: [rsa('sign', 2048)] }), JSON.stringify({ type: 'job', id: 1, kind: 'rx', arrival: 0, ops: [rsa('verify', 3072)] })].join('\n') + '\n';
  const t = parseOpTrace(text);
  assert.is(t.header.version, 2);
  assert.is(t.jobs[0]!.ops[0]!.key_bits, 2048);
  // one public-key engine (test/trace/model.ts): rsa2048_sign 50 us, then rsa3072_verify 3.4 us behind it
  const r = replayOpTrace(t, tinyModel());
  assert.equal(times(r.trace, 0), [['pke', 'sign', 0, 0, 50_000_000]]);
  assert.equal(times(r.trace, 1), [['pke', 'verify', 0, 50_000_000, 53_400_000]]);
  // software only: cpu.software.pke_cycles rsa2048_sign 1,682,000 and rsa3072_verify 304,000 cycles at 1 GHz
  const sw = replayOpTrace(t, { ...tinyModel(), pke: undefined });
  assert.equal(times(sw.trace, 0), [['cpu', 'sign', 0, 0, 1_682_000_000]]);
  assert.equal(times(sw.trace, 1), [['cpu', 'verify', 0, 1_682_000_000, 1_986_000_000]]);
  // the replayed trace keeps key_bits through format and parse
  const out = formatOpTrace(r.trace);
  assert.match(out, /"version":2/);
  assert.match(out, /"key_bits":2048/);
  assert.equal(parseOpTrace(out), r.trace);
  // a version-1 trace (before key_bits) is still read
  assert.is(parseOpTrace(traceText([{ id: 0, kind: 'send', arrival: 0, ops: [seal(10)] }])).header.version, 1);
  // key_bits only where it means something
  assert.throws(() => parseOpTrace([V2, JSON.stringify({ type: 'job', id: 0, kind: 'send', arrival: 0, ops: [{ ...seal(10), key_bits: 2048 }] })].join('\n')), /key_bits only on sign or verify/);
  // a synthetic run whose handshakes sign with RSA-2048: every signature takes the engine 50 us
  const syn = replayOpTrace(syntheticTrace({ jobs: 200, ratePerS: 1e4, connections: 10, seed: 3, handshakeFraction: 0.5, rsaBits: 2048 }), tinyModel());
  const signs = syn.trace.jobs.flatMap((j) => j.ops.filter((o) => o.op === 'sign'));
  assert.ok(signs.length > 20, `${signs.length} signatures`);
  for (const o of signs) assert.is(o.end! - o.start!, 50_000_000);
});

const HEADER_BAD_VERSION = '{"type":"header","format":"dtls-accel-sim/ops","version":9,"model":"m","params_digest":"x","time_unit":"ps"}\n';

test.run();
