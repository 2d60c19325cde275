// SimResult: what runScenario returns (src/workload fills it) and the output side (src/report) renders.
// Everything here is plain data: JSON-serialisable, no classes, no functions, no Maps, no typed arrays.
//
// Conventions (see docs/outputs.md for every field):
// - Units are in the field name: _s seconds, _ms milliseconds, _us microseconds, _gbps 10^9 bit/s,
//   _pct percent (0..100), _j joules, _uj microjoules, _w watts, _mm2 square millimetres, bytes = bytes.
//   `utilization` and `fraction` are ratios in [0, 1].
// - A statistic with no samples (e.g. handshake latency when no handshake completed) is NaN in memory and
//   `null` in the JSON files; renderers print it as "-". Infinity is written as null as well.
// - Simulated time only, except `Summary.wall_time_s`, which is the only nondeterministic field (filled in by
//   the CLI, 0 until then). `stripWallTime()` in src/report/json.ts removes it for determinism comparisons.

import type { HwBlockStats } from '../hw/index.ts';
import type { DatagramBalance } from './conservation.ts';
import type { AttackSummary } from './attack.ts';
import type { ContextCacheSummary } from './cache-summary.ts';
import type { FleetSummary } from './fleet.ts';

export type { DatagramBalance } from './conservation.ts';

/** Any JSON value. Used for the effective configuration dump. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Latency distribution in the unit named by the field holding it: the kernel's Dist. */
export type { Dist } from '../sim/index.ts';

/** Handshake latency summary (milliseconds). */
export interface HandshakeLatencyMs {
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Record latency summary (microseconds): application record handed to the sender -> delivered to the peer app. */
export interface RecordLatencyUs {
  mean: number;
  p50: number;
  p99: number;
  max: number;
}

/** One block as it appears in summary.json (the compact view; SimResult.blocks holds the detail). */
export interface SummaryBlock {
  /** Number of parallel units (Resource capacity). */
  instances: number;
  /** Busy unit-time / (instances x sim time), in [0, 1]. */
  utilization: number;
  /** Time-averaged number of requests waiting (not in service). */
  mean_queue: number;
  /** 99th percentile of the wait before service starts, microseconds. */
  p99_wait_us: number;
  /** Operations served (completed uses of the block). */
  ops: number;
}

/** One service-level check from the scenario's `sla:` section. */
export interface SlaResult {
  /** Metric name as written in the scenario, e.g. "handshake_latency_ms.p99". */
  name: string;
  /** Comparison: value must be <= target (latencies) or >= target (throughput). */
  op: '<=' | '>=';
  target: number;
  value: number;
  /** Unit of target and value, for display ("ms", "Gbit/s", ...). May be "". */
  unit: string;
  pass: boolean;
}

export interface UdpBaselineSummary {
  /** Application payload delivered / goodput window (first record sent .. last delivered), 10^9 bit/s. */
  goodput_gbps: number;
  /** Goodput window, seconds. */
  goodput_window_s: number;
  /** wire_rx_gbps + wire_tx_gbps. */
  wire_gbps: number;
  /** Bytes the server port received (serialized in, framing included) / sim time, 10^9 bit/s; <= line rate. */
  wire_rx_gbps: number;
  /** Bytes the server port sent (serialized out, framing included) / sim time, 10^9 bit/s; <= line rate. */
  wire_tx_gbps: number;
  /** Records delivered / goodput window. */
  records_per_s: number;
  record_latency_us: RecordLatencyUs;
  /** Wire bytes per application payload byte - 1, in percent. */
  overhead_bytes_pct: number;
  datagrams_sent: number;
  datagrams_received: number;
}

export interface CostSummary {
  /** Sum over blocks of area per instance x instances. */
  area_mm2: number;
  /** Total energy / sim_time_s (static + dynamic). */
  avg_power_w: number;
  /** Total energy over the run, joules. */
  energy_j: number;
  /** Energy of handshake operations / completed handshakes, microjoules. */
  energy_per_handshake_uj: number;
  /** Energy of record-protection operations / application gigabytes (10^9 B) delivered, joules. */
  energy_per_gb_j: number;
}

/** Exactly what summary.json holds (serialised with a fixed key order by renderSummaryJson). */
export interface Summary {
  /** Scenario name (the scenario's `name:`, else its file base name). */
  scenario: string;
  /** Model name (the model's `name:`, else its file base name). */
  model: string;
  seed: number;
  /** Simulated time covered by the statistics (end of warm-up .. last activity), seconds. */
  sim_time_s: number;
  /** Simulated time of the run's last activity (at most sim.end_ms): warm-up + sim_time_s, seconds. */
  sim_end_s: number;
  /** Wall-clock duration of runScenario, seconds. Nondeterministic; set by the CLI. */
  wall_time_s: number;
  /** Kernel events processed (deterministic; events / wall_time_s is the simulator speed). */
  events: number;
  handshakes: {
    /** Handshakes started by clients. */
    offered: number;
    completed: number;
    /** Given up (retransmission limit, alert, drop of state). */
    failed: number;
    /** Still running when the run ended: offered - completed - failed. */
    in_progress: number;
    /** Flights retransmitted (both directions) during handshakes. */
    retransmissions: number;
    /** Server half-open handshakes dropped, whole run: evicted by a dtls.half_open cap or abandoned by its handshake
     *  timeout. A client whose server state was evicted after the server's last flight counts as completed, but its
     *  final flight and its records then reach no connection. */
    half_open_dropped: number;
  };
  handshake_latency_ms: HandshakeLatencyMs;
  record_latency_us: RecordLatencyUs;
  throughput: {
    /** Application payload delivered / goodput window (first record sent .. last record delivered), 10^9 bit/s. */
    goodput_gbps: number;
    /** Goodput window, seconds. */
    goodput_window_s: number;
    /** wire_rx_gbps + wire_tx_gbps. */
    wire_gbps: number;
    /** Bytes the server port received (serialized in, framing included) / sim time, 10^9 bit/s; <= line rate. */
    wire_rx_gbps: number;
    /** Bytes the server port sent (serialized out, framing included) / sim time, 10^9 bit/s; <= line rate. */
    wire_tx_gbps: number;
    /** Application records delivered / goodput window. */
    records_per_s: number;
    /** Completed handshakes per second. */
    handshakes_per_s: number;
  };
  overhead_vs_udp: {
    /** (DTLS wire bytes per delivered payload byte / UDP wire bytes per delivered payload byte - 1) x 100. */
    bytes_pct: number;
    /** (DTLS mean record latency / UDP mean record latency - 1) x 100. */
    latency_pct: number;
    /** Per-connection throughput ratio: sum over connections of DTLS payload / data time, over the same for UDP. */
    throughput_ratio: number;
    /** Aggregate goodput ratio: throughput.goodput_gbps / udp_baseline.goodput_gbps (each over its own window). */
    aggregate_goodput_ratio: number;
  };
  /** Per block, keyed by block name (keys sorted in summary.json). */
  blocks: Record<string, SummaryBlock>;
  memory: {
    /** Per-connection state held by the accelerator/server (keys, epochs, replay window, CID), bytes. */
    bytes_per_connection: number;
    /** Largest number of simultaneously established connections. */
    peak_connections: number;
    /** peak_connections x bytes_per_connection, bytes (established connections; handshakes in progress not counted). */
    peak_bytes: number;
  };
  sla: SlaResult[];
  /** Datagrams/records dropped, by reason (e.g. "network_loss"); keys sorted. */
  drops: Record<string, number>;
  records: {
    /** Application records handed to the record layer by senders. */
    sent: number;
    received: number;
    /** sent - received at the end (lost on the network, dropped, or still in flight). */
    lost: number;
  };
  udp_baseline: UdpBaselineSummary;
  /** Every datagram of each run: sent = delivered + dropped (by cause) + in_flight (src/workload/conservation.ts). */
  conservation: { dtls: DatagramBalance; udp_baseline: DatagramBalance };
  cost: CostSummary;
  /** Completed handshakes by kind (full, resumed, resumed_0rtt, external_psk, mutual): count and latency, ms.
   *  Present only when the scenario has `clients.resumption`, `clients.client_auth` or `clients.psk`
   *  (src/workload/resumption.ts). */
  handshake_kinds?: Record<string, {
    count: number;
    client_pke_ops_per_handshake: number;
    latency_ms: HandshakeLatencyMs;
    /** Handshakes of this kind the server completed after warm-up, and its public-key operations per handshake
     *  of this kind by class (src/workload/server-kinds.ts). */
    server_handshakes?: number;
    server_pke_ops_per_handshake?: { sign: number; verify: number; keygen: number; derive: number; total: number };
    /** external_psk only, when some completed: those completed in each psk_key_exchange_mode. */
    modes?: { psk_ke: number; psk_dhe_ke: number };
  }>;
  /** The hello flood and what it cost the server (src/workload/attack.ts). Present only with `attack`. */
  attack?: AttackSummary;
  /** The context cache under pressure (src/workload/cache-summary.ts). Present only when it evicted contexts. */
  context_cache?: ContextCacheSummary;
  /** Churn and NAT rebinding (src/workload/fleet.ts). Present only with clients.churn_per_min or
   *  network.nat_rebinding_per_min > 0. */
  fleet?: FleetSummary;
}

/** Detailed statistics of one hardware block (one `Resource`): the hardware layer's HwBlockStats. */
export type BlockStats = HwBlockStats;

/** One row of timeseries.csv. Rates and utilisations are means over (t_s - interval_s, t_s]. */
export interface TimeseriesRow {
  /** End of the interval, seconds of simulated time. */
  t_s: number;
  throughput_gbps: number;
  handshakes_per_s: number;
  /** Established connections at t_s. */
  active_connections: number;
  /** Block name -> utilisation over the interval, [0, 1]. */
  utilization: Record<string, number>;
  /** Block name -> time-averaged queue length (waiting requests) over the interval. */
  queue: Record<string, number>;
}

export interface Timeseries {
  /** Fixed sampling interval, seconds of simulated time. */
  interval_s: number;
  rows: TimeseriesRow[];
}

/**
 * Empirical CDF point: `fraction` of completed handshakes took <= latency_ms. Ascending in both fields.
 * From a src/sim Histogram of latencies in ps: `let c = 0; for (const b of h.buckets()) { c += b.count;
 * cdf.push({ latency_ms: b.high / 1e9, fraction: c / h.count }); }` (any number of points; charts thin it).
 */
export interface CdfPoint {
  latency_ms: number;
  fraction: number;
}

/** Contribution of one component to a mean latency ("where the time goes"). */
export interface BreakdownEntry {
  /** Block name, or a non-block component such as "client", "network", "timer_wait" (retransmission/ACK timers). */
  component: string;
  /** Mean time per handshake (or per record) spent queueing for this component, microseconds. */
  waiting_us: number;
  /** Mean time per handshake (or per record) spent being served by this component, microseconds. */
  service_us: number;
}

export interface Breakdown {
  /** Entries sum (approximately) to the mean handshake latency. */
  handshake: BreakdownEntry[];
  /** Entries sum (approximately) to the mean record latency. */
  record: BreakdownEntry[];
}

/** Everything the simulator produced for one run. Returned by runScenario (src/workload/index.ts). */
export interface SimResult {
  summary: Summary;
  /**
   * Every effective parameter, defaults included: what was actually simulated.
   * { scenario: {...}, model: {...}, seed, crypto, overrides: ["key=value", ...] } (overrides filled by the CLI).
   */
  config: { [key: string]: JsonValue };
  /** Per-block statistics, in the order the blocks should be listed (pipeline order). */
  blocks: BlockStats[];
  timeseries: Timeseries;
  handshakeLatencyCdf: CdfPoint[];
  breakdown: Breakdown;
  baselineUdp: UdpBaselineSummary;
}

/** One output file produced by a renderer. Paths are relative to the output directory, '/'-separated. */
export interface OutputFile {
  path: string;
  data: string | Uint8Array;
}
