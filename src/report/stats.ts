// stats.txt in the spirit of gem5: begin/end markers, then one `name   value   # description (unit)` per line.
import { fmt } from './format.ts';
import type { BlockStats, Dist, OutputFile, SimResult } from './types.ts';

const BEGIN = '---------- Begin Simulation Statistics ----------';
const END = '---------- End Simulation Statistics   ----------';
const NAME_W = 50;
const VALUE_W = 16;

type Line = [name: string, value: number | string, desc: string];

function line([name, value, desc]: Line): string {
  const v = typeof value === 'number' ? fmt(value, 6, 'nan') : value;
  const n = name.length >= NAME_W ? `${name} ` : name.padEnd(NAME_W);
  const val = v.length >= VALUE_W ? `${v} ` : v.padEnd(VALUE_W);
  return `${n}${val}# ${desc}`;
}

function dist(prefix: string, d: Dist, what: string, unit: string): Line[] {
  return [
    [`${prefix}.count`, d.count, `${what}: samples`],
    [`${prefix}.mean`, d.mean, `${what}: mean (${unit})`],
    [`${prefix}.p50`, d.p50, `${what}: median (${unit})`],
    [`${prefix}.p90`, d.p90, `${what}: 90th percentile (${unit})`],
    [`${prefix}.p99`, d.p99, `${what}: 99th percentile (${unit})`],
    [`${prefix}.max`, d.max, `${what}: maximum (${unit})`],
  ];
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9_.:-]/g, '_');
}

function blockLines(b: BlockStats): Line[] {
  const p = `system.${sanitize(b.name)}`;
  const lines: Line[] = [
    [`${p}.instances`, b.instances, `parallel units (${b.kind})`],
    [`${p}.clock_hz`, b.clock_hz, 'clock frequency (Hz)'],
    [`${p}.utilization`, b.utilization, 'busy time / (instances x sim time) (ratio)'],
    [`${p}.busy_s`, b.busy_s, 'busy time summed over instances (s)'],
    [`${p}.mean_queue`, b.mean_queue, 'time-averaged requests waiting (requests)'],
    [`${p}.max_queue`, b.max_queue, 'largest number of requests waiting (requests)'],
    [`${p}.served`, b.served, 'operations completed (ops)'],
    [`${p}.dropped`, b.dropped, 'requests refused, queue full (ops)'],
    [`${p}.bytes`, b.bytes, 'payload processed (bytes)'],
    ...dist(`${p}.wait_us`, b.wait_us, 'wait before service', 'us'),
    ...dist(`${p}.sojourn_us`, b.sojourn_us, 'wait + service', 'us'),
    [`${p}.energy_j`, b.energy_j, 'dynamic + static energy (J)'],
    [`${p}.area_mm2`, b.area_mm2, 'area of all instances (mm^2)'],
  ];
  for (const k of Object.keys(b.ops).sort()) lines.push([`${p}.ops::${sanitize(k)}`, b.ops[k]!, `operations of type ${k} (ops)`]);
  const c = b.counters ?? {};
  for (const k of Object.keys(c).sort()) lines.push([`${p}.counters::${sanitize(k)}`, c[k]!, `counter ${k}`]);
  return lines;
}

export function statsLines(result: SimResult): string[] {
  const s = result.summary;
  const lines: Line[] = [
    ['sim.seconds', s.sim_time_s, 'simulated time covered by the statistics: warm-up end .. last activity (s)'],
    ['sim.end_seconds', s.sim_end_s, 'simulated time of the last activity = warm-up + sim.seconds (s)'],
    ['sim.events', s.events, 'kernel events processed'],
    ['sim.seed', s.seed, 'random seed'],
    ['handshakes.offered', s.handshakes.offered, 'handshakes started'],
    ['handshakes.completed', s.handshakes.completed, 'handshakes completed'],
    ['handshakes.failed', s.handshakes.failed, 'handshakes given up'],
    ['handshakes.in_progress', s.handshakes.in_progress, 'handshakes still running at the end (not in the latency figures)'],
    ['handshakes.retransmissions', s.handshakes.retransmissions, 'handshake flights retransmitted'],
    ['handshakes.half_open_dropped', s.handshakes.half_open_dropped, 'server half-open handshakes evicted (dtls.half_open cap) or timed out'],
    ['handshakes.latency_ms.mean', s.handshake_latency_ms.mean, 'handshake latency: mean (ms)'],
    ['handshakes.latency_ms.p50', s.handshake_latency_ms.p50, 'handshake latency: median (ms)'],
    ['handshakes.latency_ms.p90', s.handshake_latency_ms.p90, 'handshake latency: 90th percentile (ms)'],
    ['handshakes.latency_ms.p99', s.handshake_latency_ms.p99, 'handshake latency: 99th percentile (ms)'],
    ['handshakes.latency_ms.max', s.handshake_latency_ms.max, 'handshake latency: maximum (ms)'],
    ['records.sent', s.records.sent, 'application records sent'],
    ['records.received', s.records.received, 'application records received'],
    ['records.lost', s.records.lost, 'sent - received (lost, dropped or in flight)'],
    ['records.latency_us.mean', s.record_latency_us.mean, 'record latency: mean (us)'],
    ['records.latency_us.p50', s.record_latency_us.p50, 'record latency: median (us)'],
    ['records.latency_us.p99', s.record_latency_us.p99, 'record latency: 99th percentile (us)'],
    ['records.latency_us.max', s.record_latency_us.max, 'record latency: maximum (us)'],
    ['throughput.goodput_gbps', s.throughput.goodput_gbps, 'payload delivered / goodput window (Gbit/s)'],
    ['throughput.goodput_window_s', s.throughput.goodput_window_s, 'goodput window: first record sent .. last delivered (s)'],
    ['throughput.wire_gbps', s.throughput.wire_gbps, 'wire_rx_gbps + wire_tx_gbps (Gbit/s)'],
    ['throughput.wire_rx_gbps', s.throughput.wire_rx_gbps, 'bytes serialized in by the server port / sim time (Gbit/s)'],
    ['throughput.wire_tx_gbps', s.throughput.wire_tx_gbps, 'bytes serialized out by the server port / sim time (Gbit/s)'],
    ['throughput.records_per_s', s.throughput.records_per_s, 'records delivered / goodput window (1/s)'],
    ['throughput.handshakes_per_s', s.throughput.handshakes_per_s, 'handshakes completed per second (1/s)'],
    ['overhead_vs_udp.bytes_pct', s.overhead_vs_udp.bytes_pct, 'extra wire bytes per delivered payload byte vs plain UDP (%)'],
    ['overhead_vs_udp.latency_pct', s.overhead_vs_udp.latency_pct, 'extra mean record latency vs plain UDP (%)'],
    ['overhead_vs_udp.throughput_ratio', s.overhead_vs_udp.throughput_ratio, 'per-connection throughput DTLS / UDP (ratio)'],
    ['overhead_vs_udp.aggregate_goodput_ratio', s.overhead_vs_udp.aggregate_goodput_ratio, 'goodput_gbps / udp_baseline.goodput_gbps (ratio)'],
    ['memory.bytes_per_connection', s.memory.bytes_per_connection, 'state per connection (bytes)'],
    ['memory.peak_connections', s.memory.peak_connections, 'most connections at once'],
    ['memory.peak_bytes', s.memory.peak_bytes, 'connection state at the peak (bytes)'],
    ['cost.area_mm2', s.cost.area_mm2, 'total area (mm^2)'],
    ['cost.energy_j', s.cost.energy_j, 'total energy (J)'],
    ['cost.avg_power_w', s.cost.avg_power_w, 'average power (W)'],
    ['cost.energy_per_handshake_uj', s.cost.energy_per_handshake_uj, 'energy per completed handshake (uJ)'],
    ['cost.energy_per_gb_j', s.cost.energy_per_gb_j, 'energy per 10^9 application bytes (J)'],
  ];
  for (const k of Object.keys(s.drops).sort()) lines.push([`drops::${sanitize(k)}`, s.drops[k]!, `dropped: ${k}`]);
  const u = s.udp_baseline;
  lines.push(
    ['udp_baseline.goodput_gbps', u.goodput_gbps, 'plain UDP: payload delivered / goodput window (Gbit/s)'],
    ['udp_baseline.goodput_window_s', u.goodput_window_s, 'plain UDP: goodput window (s)'],
    ['udp_baseline.wire_gbps', u.wire_gbps, 'plain UDP: wire_rx_gbps + wire_tx_gbps (Gbit/s)'],
    ['udp_baseline.wire_rx_gbps', u.wire_rx_gbps, 'plain UDP: bytes serialized in by the server port / sim time (Gbit/s)'],
    ['udp_baseline.wire_tx_gbps', u.wire_tx_gbps, 'plain UDP: bytes serialized out by the server port / sim time (Gbit/s)'],
    ['udp_baseline.records_per_s', u.records_per_s, 'plain UDP: records delivered / goodput window (1/s)'],
    ['udp_baseline.record_latency_us.mean', u.record_latency_us.mean, 'plain UDP: mean latency (us)'],
    ['udp_baseline.record_latency_us.p99', u.record_latency_us.p99, 'plain UDP: 99th percentile latency (us)'],
  );
  for (const run of ['dtls', 'udp_baseline'] as const) {
    const c = s.conservation[run];
    lines.push([`conservation.${run}.sent`, c.sent, `${run}: datagrams sent, whole run`]);
    lines.push([`conservation.${run}.delivered`, c.delivered, `${run}: datagrams delivered to an endpoint`]);
    for (const k of Object.keys(c.dropped).sort()) lines.push([`conservation.${run}.dropped::${sanitize(k)}`, c.dropped[k]!, `${run}: datagrams dropped: ${k}`]);
    lines.push([`conservation.${run}.in_flight`, c.in_flight, `${run}: datagrams in flight at the end`]);
  }
  for (const b of result.blocks) lines.push(...blockLines(b));
  for (const e of result.breakdown.handshake) {
    const c = sanitize(e.component);
    lines.push([`breakdown.handshake.${c}.waiting_us`, e.waiting_us, `mean handshake: waiting for ${e.component} (us)`]);
    lines.push([`breakdown.handshake.${c}.service_us`, e.service_us, `mean handshake: served by ${e.component} (us)`]);
  }
  for (const e of result.breakdown.record) {
    const c = sanitize(e.component);
    lines.push([`breakdown.record.${c}.waiting_us`, e.waiting_us, `mean record: waiting for ${e.component} (us)`]);
    lines.push([`breakdown.record.${c}.service_us`, e.service_us, `mean record: served by ${e.component} (us)`]);
  }
  return lines.map(line);
}

/** stats.txt: begin marker, one statistic per line, end marker. Undefined values print as `nan` (as gem5 does). */
export function renderStatsTxt(result: SimResult): OutputFile {
  return { path: 'stats.txt', data: `\n${BEGIN}\n${statsLines(result).join('\n')}\n\n${END}\n` };
}
