// Hand-built SimResult for renderer tests (tests the renderers, not the simulation). Deterministic: a small LCG
// stands in for random jitter.
import type { BlockStats, CdfPoint, SimResult, TimeseriesRow } from '../../src/report/types.ts';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const BLOCKS: [name: string, kind: string, instances: number, util: number][] = [
  ['port', 'port', 1, 0.42],
  ['dma', 'dma', 2, 0.31],
  ['aead', 'aead', 4, 0.66],
  ['hkdf', 'hkdf', 1, 0.18],
  ['pke', 'pke', 2, 0.87],
  ['cpu', 'cpu', 4, 0.12],
];

export function makeFixture(opts: { rows?: number; handshakes?: number; seed?: number } = {}): SimResult {
  const rnd = lcg(opts.seed ?? 7);
  const nRows = opts.rows ?? 200;
  const nHs = opts.handshakes ?? 1000;
  const simTime = 2;
  const interval = simTime / nRows;

  const lat: number[] = [];
  for (let i = 0; i < nHs; i++) lat.push(1.2 + -Math.log(1 - rnd()) * 0.8 + (rnd() < 0.03 ? 1000 : 0));
  lat.sort((a, b) => a - b);
  const cdf: CdfPoint[] = lat.map((l, i) => ({ latency_ms: l, fraction: (i + 1) / lat.length }));
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.ceil(p * lat.length) - 1)] ?? NaN;
  const mean = lat.length ? lat.reduce((a, b) => a + b, 0) / lat.length : NaN;

  const blocks: BlockStats[] = BLOCKS.map(([name, kind, instances, util], i): BlockStats => ({
    name,
    kind,
    instances,
    clock_hz: name === 'cpu' ? 2e9 : 1e9,
    utilization: util,
    mean_queue: util * util * 3,
    max_queue: Math.round(util * 40),
    served: 10000 * (i + 1),
    dropped: name === 'pke' ? 17 : 0,
    busy_s: util * instances * simTime,
    wait_us: { count: 10000 * (i + 1), mean: util * 4, p50: util * 2, p90: util * 9, p99: util * 25, max: util * 80 },
    sojourn_us: { count: 10000 * (i + 1), mean: util * 4 + 1, p50: util * 2 + 1, p90: util * 9 + 1, p99: util * 25 + 1, max: util * 80 + 1 },
    bytes: name === 'aead' || name === 'dma' ? 123456789 : 0,
    energy_j: 0.01 * (i + 1),
    area_mm2: 0.05 * instances,
    ops: (name === 'aead' ? { 'aead-seal': 30000, 'aead-open': 29990 } : name === 'pke' ? { 'kx-derive': 2000, sign: 1000, verify: 1000 } : { op: 10000 * (i + 1) }) as Record<string, number>,
    ...(name === 'cpu' ? { counters: { ctx_hits: 900, ctx_misses: 100 } } : {}),
  }));

  const rows: TimeseriesRow[] = [];
  for (let i = 0; i < nRows; i++) {
    const t = (i + 1) * interval;
    const ramp = Math.min(1, t / 0.3);
    const utilization: Record<string, number> = {};
    const queue: Record<string, number> = {};
    for (const [name, , , u] of BLOCKS) {
      utilization[name] = Math.min(1, u * ramp * (0.9 + 0.2 * rnd()));
      queue[name] = u * u * 3 * ramp * (0.5 + rnd());
    }
    rows.push({
      t_s: t,
      throughput_gbps: 8.5 * ramp * (0.95 + 0.1 * rnd()),
      handshakes_per_s: 500 * (1 - ramp * 0.5) * (0.9 + 0.2 * rnd()),
      active_connections: Math.round(1000 * ramp),
      utilization,
      queue,
    });
  }

  const udp = {
    goodput_gbps: 9.1,
    goodput_window_s: 2,
    wire_gbps: 9.6,
    wire_rx_gbps: 4.8,
    wire_tx_gbps: 4.8,
    records_per_s: 950000,
    record_latency_us: { mean: 12.5, p50: 11, p99: 30.25, max: 80 },
    overhead_bytes_pct: 5.5,
    datagrams_sent: 1900000,
    datagrams_received: 1899990,
  };

  return {
    summary: {
      scenario: 'fixture',
      model: 'default-asic',
      seed: 42,
      sim_time_s: simTime,
      sim_end_s: simTime,
      wall_time_s: 3.25,
      events: 12345678,
      handshakes: { offered: nHs + 10, completed: nHs, failed: 3, in_progress: 7, retransmissions: 31, half_open_dropped: 0 },
      handshake_latency_ms: { mean, p50: q(0.5), p90: q(0.9), p99: q(0.99), max: lat[lat.length - 1] ?? NaN },
      record_latency_us: { mean: 18.75, p50: 16, p99: 55.5, max: 140 },
      throughput: { goodput_gbps: 8.25, goodput_window_s: simTime, wire_gbps: 9.4, wire_rx_gbps: 4.7, wire_tx_gbps: 4.7, records_per_s: 900000, handshakes_per_s: nHs / simTime },
      overhead_vs_udp: { bytes_pct: 6.1, latency_pct: 50, throughput_ratio: 8.25 / 9.1, aggregate_goodput_ratio: 8.25 / 9.1 },
      blocks: Object.fromEntries(
        blocks.map((b) => [b.name, { instances: b.instances, utilization: b.utilization, mean_queue: b.mean_queue, p99_wait_us: b.wait_us.p99, ops: b.served }]),
      ),
      memory: { bytes_per_connection: 1024, peak_connections: 1000, peak_bytes: 1024000 },
      sla: [
        { name: 'handshake_latency_ms.p99', op: '<=', target: 50, value: q(0.99), unit: 'ms', pass: q(0.99) <= 50 },
        { name: 'throughput.goodput_gbps', op: '>=', target: 8, value: 8.25, unit: 'Gbit/s', pass: true },
      ],
      drops: { queue_full: 17, loss: 5 },
      records: { sent: 1800000, received: 1799950, lost: 50 },
      udp_baseline: udp,
      conservation: {
        dtls: { sent: 3600000, delivered: 3599940, dropped: { network_loss: 5, port_rx_full: 17 }, in_flight: 38 },
        udp_baseline: { sent: 1900000, delivered: 1899990, dropped: { network_loss: 4 }, in_flight: 6 },
      },
      cost: { area_mm2: 1.3, avg_power_w: 0.105, energy_j: 0.21, energy_per_handshake_uj: 12.5, energy_per_gb_j: 0.2 },
    },
    config: {
      scenario: { name: 'fixture', clients: { count: 1000, rate_per_s: 500 }, duration_s: 2, note: '<b>not html</b> & "quoted"' },
      model: { name: 'default-asic', aead: { instances: 4, clock_hz: 1e9 } },
      seed: 42,
      crypto: 'node',
      overrides: [],
    },
    blocks,
    timeseries: { interval_s: interval, rows },
    handshakeLatencyCdf: cdf,
    breakdown: {
      handshake: [
        { component: 'network', waiting_us: 0, service_us: 400 },
        { component: 'pke', waiting_us: 250, service_us: 320 },
        { component: 'hkdf', waiting_us: 10, service_us: 60 },
        { component: 'aead', waiting_us: 5, service_us: 20 },
        { component: 'timeout', waiting_us: 300, service_us: 0 },
      ],
      record: [
        { component: 'port', waiting_us: 1.5, service_us: 1.2 },
        { component: 'dma', waiting_us: 0.8, service_us: 2 },
        { component: 'aead', waiting_us: 3.25, service_us: 1.6 },
        { component: 'network', waiting_us: 0, service_us: 8 },
      ],
    },
    baselineUdp: udp,
  };
}
