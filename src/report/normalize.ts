// Fill the parts of a SimResult the producer left out (e.g. no UDP baseline when `baseline_udp: false`) with
// "undefined" values (NaN numbers, empty maps and lists), so that every renderer can run and the files say
// null / nan / "-" instead of the renderer crashing after a completed simulation. Present values are kept as is.
import type { BlockStats, Dist, SimResult, Summary, UdpBaselineSummary } from './types.ts';

const N = NaN;
const dist = (): Dist => ({ count: 0, mean: N, p50: N, p90: N, p99: N, max: N });
const udp = (): UdpBaselineSummary => ({
  goodput_gbps: N,
  goodput_window_s: N,
  wire_gbps: N,
  wire_rx_gbps: N,
  wire_tx_gbps: N,
  records_per_s: N,
  record_latency_us: { mean: N, p50: N, p99: N, max: N },
  overhead_bytes_pct: N,
  datagrams_sent: N,
  datagrams_received: N,
});

const balance = (): Summary['conservation']['dtls'] => ({ sent: N, delivered: N, dropped: {}, in_flight: N });

function summaryTemplate(): Summary {
  return {
    scenario: '',
    model: '',
    seed: N,
    sim_time_s: N,
    sim_end_s: N,
    wall_time_s: N,
    events: N,
    handshakes: { offered: N, completed: N, failed: N, in_progress: N, retransmissions: N, half_open_dropped: N },
    handshake_latency_ms: { mean: N, p50: N, p90: N, p99: N, max: N },
    record_latency_us: { mean: N, p50: N, p99: N, max: N },
    throughput: { goodput_gbps: N, goodput_window_s: N, wire_gbps: N, wire_rx_gbps: N, wire_tx_gbps: N, records_per_s: N, handshakes_per_s: N },
    overhead_vs_udp: { bytes_pct: N, latency_pct: N, throughput_ratio: N, aggregate_goodput_ratio: N },
    blocks: {},
    memory: { bytes_per_connection: N, peak_connections: N, peak_bytes: N },
    sla: [],
    drops: {},
    records: { sent: N, received: N, lost: N },
    udp_baseline: udp(),
    conservation: { dtls: balance(), udp_baseline: balance() },
    cost: { area_mm2: N, avg_power_w: N, energy_j: N, energy_per_handshake_uj: N, energy_per_gb_j: N },
  };
}

function blockTemplate(name: string): BlockStats {
  return {
    name,
    kind: name,
    instances: N,
    clock_hz: N,
    utilization: N,
    mean_queue: N,
    max_queue: N,
    served: N,
    dropped: N,
    busy_s: N,
    wait_us: dist(),
    sojourn_us: dist(),
    bytes: N,
    energy_j: N,
    area_mm2: N,
    ops: {},
  };
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Template keys missing (undefined/null where an object is expected) in `value` are taken from `tpl`. */
function fill<T>(value: unknown, tpl: T): T {
  if (value === undefined || value === null) return tpl;
  if (!isObj(tpl) || !isObj(value)) return value as T;
  const out: Record<string, unknown> = { ...value };
  for (const [k, t] of Object.entries(tpl)) {
    // Maps keyed by name (blocks, drops, ops) are kept as given: the template's are empty.
    out[k] = isObj(t) && Object.keys(t).length === 0 ? (value[k] ?? t) : fill(value[k], t);
  }
  return out as T;
}

/** A complete SimResult: missing sections filled with NaN / empty values. Does not modify the input. */
export function normalizeSimResult(r: Partial<SimResult>): SimResult {
  const summary = fill(r.summary, summaryTemplate());
  summary.sla = Array.isArray(summary.sla) ? summary.sla : [];
  const blocks = (Array.isArray(r.blocks) ? r.blocks : []).map((b) => fill(b, blockTemplate(String(b?.name ?? '?'))));
  const ts = fill(r.timeseries, { interval_s: N, rows: [] as SimResult['timeseries']['rows'] });
  const rows = (Array.isArray(ts.rows) ? ts.rows : []).map((row) => fill(row, { t_s: N, throughput_gbps: N, handshakes_per_s: N, active_connections: N, utilization: {}, queue: {} }));
  const breakdown = fill(r.breakdown, { handshake: [], record: [] } as SimResult['breakdown']);
  return {
    summary,
    config: isObj(r.config) ? (r.config as SimResult['config']) : {},
    blocks,
    timeseries: { ...ts, rows },
    handshakeLatencyCdf: Array.isArray(r.handshakeLatencyCdf) ? r.handshakeLatencyCdf : [],
    breakdown: { handshake: breakdown.handshake ?? [], record: breakdown.record ?? [] },
    baselineUdp: fill(r.baselineUdp ?? summary.udp_baseline, udp()),
  };
}
