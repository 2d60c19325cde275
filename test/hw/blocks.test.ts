// Blocks on the kernel: contention, pipelining, tail drop, DMA outstanding limit, LRU cache, routing, cost.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import {
  AeadEngine,
  HashUnit,
  PkEngine,
  HostCpu,
  NetworkPort,
  RecordDma,
  ContextCache,
  LruSet,
  Platform,
  type HwCryptoOp,
  type DmaParams,
  type PortParams,
} from '../../src/hw/index.ts';
import { splitEnergy } from '../../src/hw/index.ts';
import type { BlockStats } from '../../src/report/types.ts';
import { loadModel } from './helpers.ts';

const seal = (alg: string, n: number, aad = 5): HwCryptoOp => ({ op: 'aead-seal', alg, inputBytes: n, outputBytes: n + 16, aadBytes: aad });

test('AEAD engine: 4 instances at 1 GHz, 8 simultaneous 1200 B records finish in two waves of 887 ns', () => {
  const k = new Kernel();
  const e = new AeadEngine(k, loadModel('baseline').aead!);
  const done: number[] = [];
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) e.serve(seal('AES-128-GCM', 1200), (w) => (done.push(k.now), waits.push(w)));
  k.run();
  assert.equal(done, [887000, 887000, 887000, 887000, 1774000, 1774000, 1774000, 1774000]);
  assert.equal(waits, [0, 0, 0, 0, 887000, 887000, 887000, 887000]);
  const s = e.stats();
  assert.is(s.served, 8);
  assert.is(s.ops['aead-seal'], 8);
  assert.is(s.bytes, 8 * 1200);
  assert.is(s.utilization, 1);
  assert.is(s.instances, 4);
  assert.is(s.clock_hz, 1e9);
  assert.ok(Math.abs(s.wait_us.max - 0.887) < 0.887 * 0.004, String(s.wait_us.max));
  // energy: 8 x 887 cycles x 10 pJ + static 4 x 2 mW x 1.774 us
  assert.ok(Math.abs(s.energy_j - (8 * 887 * 10e-12 + 4 * 2e-3 * 1.774e-6)) < 1e-18);
});

test('AEAD pipelining: occupancy limits throughput, depth adds latency', () => {
  const k = new Kernel();
  const p = { ...loadModel('baseline', ['aead.instances=1', 'aead.pipeline_depth=5']).aead! };
  const e = new AeadEngine(k, p);
  const op = seal('AES-128-GCM', 1200);
  assert.is(e.occupancyPs(op), 887000);
  assert.is(e.latencyPs(op), 891000);
  const done: number[] = [];
  e.serve(op, () => done.push(k.now));
  e.serve(op, () => done.push(k.now));
  k.run();
  // second record starts when the first leaves the issue stage (887 ns), not when it leaves the pipeline
  assert.equal(done, [891000, 887000 * 2 + 4000]);
});

test('inline-100g: pipelined engine, 1 cycle/block at 500 MHz, depth 14', () => {
  const k = new Kernel();
  const e = new AeadEngine(k, loadModel('inline-100g').aead!);
  const op = seal('AES-128-GCM', 1200);
  // 20 + (1 + 75 + 1) * 1 = 97 cycles of 2 ns; + 13 cycles of pipeline drain
  assert.is(e.occupancyPs(op), 97 * 2000);
  assert.is(e.latencyPs(op), 110 * 2000);
  const done: number[] = [];
  for (let i = 0; i < 3; i++) e.serve(op, () => done.push(k.now));
  k.run();
  assert.equal(done, [110 * 2000, 110 * 2000, (97 + 110) * 2000]);
});

test('HKDF/SHA unit and PKE engine serve with the model latencies; PKE energy = active power x latency', () => {
  const k = new Kernel();
  const m = loadModel('baseline');
  const h = new HashUnit(k, m.hash!);
  const p = new PkEngine(k, m.pke!);
  const t: Record<string, number> = {};
  h.serve({ op: 'hkdf-expand', alg: 'HKDF-SHA-256', inputBytes: 20, outputBytes: 32, blocks: 4 }, () => (t.h = k.now));
  p.serve({ op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 }, () => (t.x = k.now));
  p.serve({ op: 'verify', alg: 'ecdsa_secp256r1_sha256', inputBytes: 100, outputBytes: 0 }, () => (t.v = k.now));
  p.serve({ op: 'sign', alg: 'ed25519', inputBytes: 100, outputBytes: 64 }, () => (t.s = k.now));
  k.run();
  assert.is(t.h, (40 + 4 * 65) * 1000);
  assert.is(t.x, 10_400_000);
  assert.is(t.v, 37_000_000);
  // 2 engines: ed25519 sign waits for the X25519 engine to free up
  assert.is(t.s, 10_400_000 + 10_400_000);
  assert.equal(p.stats().ops, { x25519_derive: 1, ecdsa_p256_verify: 1, ed25519_sign: 1 });
  // 69 mW x (10.4 + 37 + 10.4) us
  assert.ok(Math.abs(p.energyPj - 69e-3 * 57.8e-6 * 1e12) < 1e-6);
  assert.throws(() => p.serve({ op: 'sign', alg: 'rsa_pkcs1_sha256', inputBytes: 1, outputBytes: 1 }, null), /unsupported/);
});

test('port: serialization at line rate, tail drop beyond the queue, propagation', () => {
  const k = new Kernel();
  const p: PortParams = {
    line_rate_gbps: 10,
    mtu: 1500,
    ip_version: 4,
    rx_queue_packets: 2,
    tx_queue_packets: 2,
    propagation_ns: 100,
    cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 1 },
  };
  const port = new NetworkPort(k, p);
  const done: number[] = [];
  const accepted: boolean[] = [];
  for (let i = 0; i < 5; i++) accepted.push(port.transmit(1200, () => done.push(k.now)));
  k.run();
  // 1266 wire bytes at 10 Gbit/s = 1012.8 ns; one in service + 2 queued, 2 tail-dropped
  assert.equal(accepted, [true, true, true, false, false]);
  assert.equal(done, [1012800 + 100000, 2 * 1012800 + 100000, 3 * 1012800 + 100000]);
  const s = port.tx.stats();
  assert.is(s.dropped, 2);
  assert.is(s.counters!.tail_drops, 2);
  assert.is(s.counters!.wire_bytes, 3 * 1266);
  assert.is(s.counters!.frames, 3);
  assert.is(s.bytes, 3 * 1200);
  assert.is(s.served, 3);
  // rx is independent of tx; no propagation on receive
  let rxAt = -1;
  assert.ok(port.receive(3000, () => (rxAt = k.now)));
  const t0 = k.now;
  k.run();
  assert.is(rxAt - t0, Math.ceil(((2 * 1538 + 106) * 8 * 1000) / 10));
  assert.is(port.rx.stats().counters!.frames, 3);
});

test('DMA: outstanding-descriptor limit makes small transfers latency-bound', () => {
  const run = (maxOut: number) => {
    const k = new Kernel();
    const p: DmaParams = { bandwidth_gbps: 8, descriptor_latency_ns: 1000, max_outstanding: maxOut, cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 } };
    const d = new RecordDma(k, p);
    const done: number[] = [];
    for (let i = 0; i < 4; i++) d.transfer(100, 'to-engine', () => done.push(k.now / 1000));
    k.run();
    return { done, d };
  };
  // 100 B at 8 Gbit/s = 100 ns on the link + 1000 ns descriptor latency
  assert.equal(run(4).done, [1100, 1200, 1300, 1400]);
  assert.equal(run(2).done, [1100, 1200, 2200, 2300]);
  assert.equal(run(1).done, [1100, 2200, 3300, 4400]);
  const { d } = run(2);
  const [to, from] = d.stats();
  assert.is(to!.ops.transfer, 4);
  assert.is(to!.bytes, 400);
  assert.is(from!.ops.transfer ?? 0, 0);
  assert.is(to!.counters!.outstanding_max_queue, 2);
});

test('DMA: both directions share the slots but not the links', () => {
  const k = new Kernel();
  const d = new RecordDma(k, { bandwidth_gbps: 8, descriptor_latency_ns: 0, max_outstanding: 8, cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 } });
  const t: number[] = [];
  d.transfer(1000, 'to-engine', () => t.push(k.now / 1000));
  d.transfer(1000, 'from-engine', () => t.push(k.now / 1000));
  d.transfer(1000, 'to-engine', () => t.push(k.now / 1000));
  k.run();
  assert.equal(t, [1000, 1000, 2000]);
});

test('LRU set: hits move to the front, the least recently used is evicted, O(1) via Map order', () => {
  const l = new LruSet(2);
  assert.is(l.touch(1), -2);
  assert.is(l.touch(2), -2);
  assert.is(l.touch(1), -1); // hit, order now 2, 1
  assert.is(l.touch(3), 2); // evicts 2
  assert.equal(l.keys(), [1, 3]);
  assert.is(l.touch(2), 1); // evicts 1
  assert.equal(l.keys(), [3, 2]);
  assert.ok(l.delete(3));
  assert.is(l.touch(4), -2);
  const none = new LruSet(0);
  assert.is(none.touch(1), -2);
  assert.is(none.touch(1), -2);
  assert.is(none.size, 0);
});

test('context cache: hit = hit_ns; miss = hit_ns + DMA fetch of context_bytes; eviction writes back', () => {
  const k = new Kernel();
  const m = loadModel('baseline', ['context_cache.capacity_connections=2', 'context_cache.ports=1']);
  const dma = new RecordDma(k, m.dma);
  const c = new ContextCache(k, m.context_cache!, dma);
  const t: number[] = [];
  const hits: boolean[] = [];
  const at = (ps: number, id: number) => k.at(ps, () => hits.push(c.access(id, () => t.push(k.now - ps))));
  at(0, 1);
  at(10_000_000, 1);
  at(20_000_000, 2);
  at(30_000_000, 3); // evicts 1
  at(40_000_000, 1); // miss again, evicts 2
  k.run();
  assert.equal(hits, [false, true, false, false, false]);
  // 4 ns lookup; 256 B at 50 Gbit/s = 40.96 ns + 750 ns descriptor latency
  const miss = 4000 + 40960 + 750000;
  assert.equal(t, [miss, 4000, miss, miss, miss]);
  const s = c.stats();
  assert.equal({ h: s.counters!.hits, m: s.counters!.misses, e: s.counters!.evictions }, { h: 1, m: 4, e: 2 });
  assert.is(dma.fromEngine.stats().ops.transfer, 2); // write-backs
  assert.is(dma.toEngine.stats().bytes, 4 * 256);
  assert.equal(c.lru.keys(), [3, 1]);
  // area: 2 contexts x 256 B = 0.5 KiB x 0.0016 mm^2/KiB
  assert.ok(Math.abs(c.cost().area_mm2 - 0.5 * 0.0016) < 1e-12);
});

test('context cache: a hit on a context still being fetched waits for the fetch; capacity misses counted', () => {
  const k = new Kernel();
  const m = loadModel('baseline', ['context_cache.capacity_connections=1', 'context_cache.ports=1']);
  const c = new ContextCache(k, m.context_cache!, new RecordDma(k, m.dma));
  const done: [number, number, number][] = []; // [id, completion time, wait reported]
  const at = (ps: number, id: number) => k.at(ps, () => c.access(id, (w) => done.push([id, k.now, w])));
  at(0, 1); // miss: lookup 4 ns, fetch 40.96 ns + 750 ns
  at(1000, 1); // 1 ns later: a hit (the LRU holds 1), but the context is not there before the fetch ends
  at(2_000_000, 2); // evicts 1
  at(3_000_000, 1); // capacity miss
  k.run();
  const miss = 4000 + 40960 + 750000;
  // the miss completes first, the hit at the same instant; the hit's wait is everything but its 4 ns lookup
  assert.equal(done.slice(0, 2), [[1, miss, 0], [1, miss, miss - 1000 - 4000]]);
  assert.is(c.hits, 1);
  assert.is(c.misses, 3);
  assert.is(c.capacityMisses, 1);
  assert.is(c.evictions, 2);
});

test('host CPU: protocol processing and software crypto on `cores` cores', () => {
  const k = new Kernel();
  const cpu = new HostCpu(k, loadModel('software-only').cpu);
  const t: number[] = [];
  for (let i = 0; i < 9; i++) cpu.protocol('handshake-message', () => t.push(k.now));
  k.run();
  // 20,000 cycles at 2.6 GHz = ceil(2e16 / 2.6e9) ps; 8 cores => the 9th waits one message time
  const msg = Math.ceil(20000e12 / 2.6e9);
  assert.equal(t, [...Array(8).fill(msg), 2 * msg]);
  assert.is(cpu.stats().ops['handshake-message'], 9);
});

test('routing: baseline offloads, software-only and instances 0 route to the CPU', () => {
  const ops: HwCryptoOp[] = [
    seal('AES-128-GCM', 100),
    { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 },
    { op: 'hkdf-expand', alg: 'HKDF-SHA-256', inputBytes: 20, outputBytes: 32, blocks: 4 },
    { op: 'kx-keygen', alg: 'X25519', inputBytes: 0, outputBytes: 32 },
    { op: 'verify', alg: 'ed25519', inputBytes: 100, outputBytes: 0 },
  ];
  const b = new Platform(new Kernel(), loadModel('baseline'));
  assert.equal(ops.map((o) => b.route(o)), ['aead', 'aead', 'hash', 'pke', 'pke']);
  const sw = new Platform(new Kernel(), loadModel('software-only'));
  assert.equal(ops.map((o) => sw.route(o)), ['cpu', 'cpu', 'cpu', 'cpu', 'cpu']);
  assert.is(sw.aead, undefined);
  assert.is(sw.contextCache, undefined);
  const mixed = new Platform(new Kernel(), loadModel('baseline', ['pke.instances=0', 'hash.instances=0']));
  assert.equal(ops.map((o) => mixed.route(o)), ['aead', 'aead', 'cpu', 'cpu', 'cpu']);
  assert.equal(
    mixed.stats().map((s) => s.name),
    ['port_rx', 'dma_to_engine', 'ctx_cache', 'aead', 'cpu', 'dma_from_engine', 'port_tx'],
  );
});

test('platform.serve: invocation on the host then the block; software path on the CPU; latencyPs agrees', () => {
  const k = new Kernel();
  const hw = new Platform(k, loadModel('baseline'));
  const op = seal('AES-128-GCM', 1200);
  let t = -1;
  assert.is(hw.serve(op, () => (t = k.now)), 'aead');
  k.run();
  const inv = Math.ceil(1000e12 / 2.6e9); // 1000 cycles at 2.6 GHz
  assert.is(t, inv + 887000);
  assert.is(hw.latencyPs(op), t);
  assert.is(hw.cpu.stats().ops.invoke, 1);
  // a transcript update with no completed block costs nothing and needs no invocation
  const k2 = new Kernel();
  const hw2 = new Platform(k2, loadModel('baseline'));
  let t2 = -1;
  hw2.serve({ op: 'hash', alg: 'SHA-256', inputBytes: 10, outputBytes: 0, blocks: 0 }, () => (t2 = k2.now));
  k2.run();
  assert.is(t2, 0);
  assert.is(hw2.cpu.stats().ops.invoke ?? 0, 0);
  // software-only: 2085 cycles on a core
  const k3 = new Kernel();
  const sw = new Platform(k3, loadModel('software-only'));
  let t3 = -1;
  assert.is(sw.serve(op, () => (t3 = k3.now)), 'cpu');
  k3.run();
  assert.is(t3, Math.ceil(2085e12 / 2.6e9));
  assert.is(sw.latencyPs(op), t3);
});

test('priorities: opt-in; lower value served first, FIFO among equals; FIFO by default', () => {
  const order = (priorities: boolean) => {
    const k = new Kernel();
    const hw = new Platform(k, loadModel('baseline', ['pke.instances=1', 'cpu.invocation_cycles=0']), { priorities });
    const out: string[] = [];
    const kx = { op: 'kx-derive' as const, alg: 'X25519', inputBytes: 32, outputBytes: 32 };
    hw.serve(kx, () => out.push('a'), 5);
    hw.serve(kx, () => out.push('b'), 5);
    hw.serve(kx, () => out.push('c'), 1);
    hw.serve(kx, () => out.push('d'), 5);
    k.run();
    return out.join('');
  };
  assert.is(order(false), 'abcd');
  assert.is(order(true), 'acbd');
});

test('serveGroup: one invocation for seal + mask, ops in sequence; software-only pays none', () => {
  const seal1200 = seal('AES-128-GCM', 1200);
  const mask: HwCryptoOp = { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 };
  const k = new Kernel();
  const hw = new Platform(k, loadModel('baseline'));
  let t = -1;
  hw.serveGroup([seal1200, mask], () => (t = k.now));
  k.run();
  const inv = Math.ceil(1000e12 / 2.6e9);
  assert.is(t, inv + 887000 + 15000);
  assert.is(hw.cpu.stats().ops.invoke, 1);
  assert.equal(hw.aead!.stats().ops, { 'aead-seal': 1, 'sn-mask': 1 });
  const c = hw.cost();
  // invocation energy split over the two ops
  assert.ok(Math.abs(c.energy_by_op_j['sn-mask'] - (15 * 10e-12 + 0.5 * 1000 * 1500e-12)) < 1e-18);
  // the same two ops served separately cost two invocations
  const k2 = new Kernel();
  const hw2 = new Platform(k2, loadModel('baseline'));
  hw2.serve(seal1200, null);
  hw2.serve(mask, null);
  k2.run();
  assert.is(hw2.cpu.stats().ops.invoke, 2);
  // software-only: sequential software ops, no invocation
  const k3 = new Kernel();
  const sw = new Platform(k3, loadModel('software-only'));
  let t3 = -1;
  sw.serveGroup([seal1200, mask], (w) => (t3 = k3.now + w));
  k3.run();
  assert.is(t3, Math.ceil(2085e12 / 2.6e9) + Math.ceil(200e12 / 2.6e9));
  assert.is(sw.cpu.stats().ops.invoke ?? 0, 0);
  // empty group completes now
  let t4 = -1;
  sw.serveGroup([], () => (t4 = k3.now));
  k3.run();
  assert.is(t4, k3.now);
});

test('energy phases: an op is booked to the phase it is served for, whatever its kind (serve and serveGroup)', () => {
  const k = new Kernel();
  const hw = new Platform(k, loadModel('baseline'));
  hw.serve(seal('AES-128-GCM', 1200), null, 0, true, 'handshake'); // an encrypted handshake record
  hw.serve({ op: 'hkdf-expand', alg: 'HKDF-SHA256', inputBytes: 20, outputBytes: 32, blocks: 4 }, null, 0, true, 'data'); // KeyUpdate
  hw.protocol('handshake-record', null);
  hw.protocol('record', null);
  k.run({ until: 1_000_000_000 });
  const c = hw.cost();
  assert.ok(c.energy_by_op_j['aead-seal'] > 0 && c.energy_by_op_j['hkdf-expand'] > 0);
  assert.is(c.handshake_phase_j, c.energy_by_op_j['aead-seal']);
  assert.is(c.data_phase_j, c.energy_by_op_j['hkdf-expand']);
  const split = splitEnergy(c);
  assert.ok(Math.abs(split.handshake_j - (c.energy_by_op_j['aead-seal'] + c.protocol_j.handshake_record)) < 1e-18);
  assert.ok(Math.abs(split.record_j - (c.energy_by_op_j['hkdf-expand'] + c.protocol_j.record)) < 1e-18);
  // serveGroup: both ops of the group, and the shared invocation, go to the group's phase
  hw.resetStats();
  hw.serveGroup([seal('AES-128-GCM', 1200), { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 }], null, 0, 'handshake');
  k.run({ until: 2_000_000_000 });
  const g = hw.cost();
  assert.ok(g.energy_by_op_j['sn-mask'] > 0);
  assert.ok(Math.abs(g.handshake_phase_j - (g.energy_by_op_j['aead-seal'] + g.energy_by_op_j['sn-mask'])) < 1e-18);
  hw.resetStats();
  assert.is(hw.cost().handshake_phase_j, 0);
});

test('cost aggregation: area and static power sum over instances; energy per op kind; average power', () => {
  const k = new Kernel();
  const hw = new Platform(k, loadModel('baseline'));
  const c0 = hw.cost();
  // dma 0.5 + ctx 16384 x 256 B / 1024 x 0.0016 + aead 4 x 0.05 + hash 2 x 0.03 + pke 2 x 0.4
  assert.ok(Math.abs(c0.area_mm2 - (0.5 + 6.5536 + 0.2 + 0.06 + 0.8)) < 1e-9, String(c0.area_mm2));
  // dma 50 + ctx 20 + aead 4 x 2 + hash 2 x 1 + pke 2 x 5
  assert.ok(Math.abs(c0.static_mw - 90) < 1e-9, String(c0.static_mw));
  hw.serve(seal('AES-128-GCM', 1200), null);
  hw.serve({ op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 }, null);
  hw.protocol('record', null);
  k.run({ until: 1_000_000_000 }); // 1 ms
  const c = hw.cost();
  assert.is(c.window_s, 1e-3);
  const inv = 1000 * 1500e-12;
  assert.ok(Math.abs(c.energy_by_op_j['aead-seal'] - (887 * 10e-12 + inv)) < 1e-18);
  assert.ok(Math.abs(c.energy_by_op_j['kx-derive'] - (69e-3 * 10.4e-6 + inv)) < 1e-15);
  assert.ok(Math.abs(c.protocol_j.record - 1500 * 1500e-12) < 1e-18);
  const dyn = 887 * 10e-12 + 69e-3 * 10.4e-6 + 2 * inv + 1500 * 1500e-12;
  assert.ok(Math.abs(c.dynamic_j - dyn) < 1e-15, `${c.dynamic_j} vs ${dyn}`);
  assert.ok(Math.abs(c.static_j - 90e-3 * 1e-3) < 1e-12);
  assert.ok(Math.abs(c.avg_power_w - (dyn + 90e-6) / 1e-3) < 1e-9);
  const split = splitEnergy(c);
  assert.ok(Math.abs(split.record_j - (887 * 10e-12 + inv + 1500 * 1500e-12)) < 1e-15);
  assert.ok(Math.abs(split.handshake_j - (69e-3 * 10.4e-6 + inv)) < 1e-15);
  assert.ok(Math.abs(c.handshake_phase_j - (69e-3 * 10.4e-6 + inv)) < 1e-15, 'without a phase: kx is handshake work, AEAD record work');
  // the stats are exactly the report's BlockStats (compile-time check) and name every block once
  const stats: BlockStats[] = hw.stats();
  assert.equal(new Set(stats.map((b) => b.name)).size, stats.length);
  // stats window restart
  hw.resetStats();
  k.run({ until: 2_000_000_000 });
  const c2 = hw.cost();
  assert.is(c2.dynamic_j, 0);
  assert.ok(Math.abs(c2.avg_power_w - 0.09) < 1e-9);
  assert.is(hw.aead!.stats().served, 0);
});

test('a real CryptoOp trace from the DTLS core is accepted and routed', async () => {
  const { createProvider, seededRandom } = await import('../../src/dtls/crypto/index.ts');
  const ops: HwCryptoOp[] = [];
  const prov = createProvider('node', seededRandom(1));
  prov.observer = (o) => ops.push(o);
  const key = prov.aead('AES-128-GCM', new Uint8Array(16));
  key.seal(new Uint8Array(12), new Uint8Array(5), new Uint8Array(1200));
  prov.hkdfExpand('SHA-256', new Uint8Array(32), new Uint8Array(20), 32);
  const kp = prov.kxGenerate('x25519');
  assert.ok(kp);
  const k = new Kernel();
  const hw = new Platform(k, loadModel('baseline'));
  const routes = ops.map((o) => hw.serve(o, null));
  k.run();
  assert.equal(routes, ['aead', 'hash', 'pke']);
  assert.is(hw.aead!.stats().bytes, 1200);
});

test.run();
