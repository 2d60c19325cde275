// runScenario: scenario + model -> SimResult. Runs the DTLS co-simulation and, in the same invocation, the
// plain-UDP baseline, then turns both into the summary the report layer renders (docs/outputs.md).
import { BIT_S_PER_GBIT_S, PS_PER_MS, PS_PER_S, PS_PER_US, type Ps } from '../sim/index.ts';
import { splitEnergy, type HwBlockStats } from '../hw/index.ts';
import type {
  BlockStats, Breakdown, BreakdownEntry, CdfPoint, JsonValue, RecordLatencyUs, SimResult, Summary, SummaryBlock,
  TimeseriesRow, UdpBaselineSummary,
} from './result.ts';
import type { ModelConfig, Scenario } from './config/index.ts';
import type { Accounts } from './accounts.ts';
import { runCosim, type CosimRun, type CryptoKind } from './cosim.ts';
import { runUdpBaseline, type UdpRun } from './udp.ts';
import type { DatagramBalance } from './conservation.ts';
import { portWireGbps } from './wire-rate.ts';
import type { TraceCapture } from './trace/capture.ts';
import { kindsSummary } from './resumption.ts';
import { contextCacheSummary } from './cache-summary.ts';

export { runCosim, contextBytes, InputError, LivelockError, type CosimRun, type CryptoKind } from './cosim.ts';
export { runUdpBaseline, type UdpRun } from './udp.ts';
export { clearChainMemo } from './certs.ts';
export { buildChain } from './certs.ts';

export interface RunScenarioArgs {
  scenario: Scenario;
  model: ModelConfig;
  seed?: number | undefined;
  crypto?: CryptoKind | undefined;
  onProgress?: ((fractionDone: number, simTimeS: number) => void) | undefined;
  /**
   * The plain-UDP baseline of this scenario, model and seed (udpFigures of runUdpBaseline), computed earlier (a
   * sweep whose points differ only in what udpBaselineInputs leaves out runs it once per seed), or a function
   * called once the co-simulation is done that returns it (`npm run sim` computes it in a worker thread beside the
   * co-simulation). Read-only here; used only when the scenario asks for a baseline.
   */
  udpBaseline?: UdpFigures | (() => UdpFigures) | undefined;
  /** Operation-trace capture of the run (src/workload/trace/capture.ts); none when absent. */
  capture?: TraceCapture | undefined;
  /** Idle endpoints sleep with sparse traffic ('auto', default) or never (false): the same result either way. */
  dormancy?: 'auto' | false | undefined;
}

/**
 * Everything runUdpBaseline reads: the scenario, the seed, and the model blocks on the plain-UDP path (port, DMA,
 * host CPU; the CPU model is built with the AEAD's AAD size). Equal inputs (canonical JSON) give equal baselines.
 */
export function udpBaselineInputs(sc: Scenario, model: ModelConfig, seed: number): unknown {
  return { scenario: sc, seed, port: model.port, dma: model.dma, cpu: model.cpu, aead_aad_bytes: model.aead?.aad_bytes };
}


/** What a result takes from the plain-UDP baseline: plain data, so that a worker thread can send it. */
export interface UdpFigures {
  summary: UdpBaselineSummary;
  /** Wire bytes per delivered payload byte (NaN when nothing was delivered). */
  wirePerPayload: number;
  /** Accounts.connectionGoodputBps of the baseline. */
  connectionGoodputBps: number;
  balance: DatagramBalance;
}

/** The figures of a baseline run. */
export function udpFigures(u: UdpRun): UdpFigures {
  return { summary: udpSummary(u), wirePerPayload: perPayload(u.acc), connectionGoodputBps: u.acc.connectionGoodputBps(), balance: u.balance };
}

/** Wire bytes per delivered payload byte of a run. */
function perPayload(a: Accounts): number {
  return a.payloadDelivered > 0 ? a.wireBytes / a.payloadDelivered : NaN;
}

/** Runs one scenario. Deterministic: same inputs and seed give the same result (wall_time_s is left at 0). */
export function runScenario(args: RunScenarioArgs): SimResult {
  const sc = args.scenario;
  const seed = args.seed ?? sc.sim.seed;
  const crypto: CryptoKind = args.crypto ?? sc.crypto ?? 'node';
  const run = runCosim({ scenario: sc, model: args.model, seed, crypto, onProgress: args.onProgress, capture: args.capture, dormancy: args.dormancy });
  const given = args.udpBaseline;
  const udp = sc.baseline_udp ? (typeof given === 'function' ? given() : given ?? udpFigures(runUdpBaseline(sc, args.model, seed))) : undefined;
  return buildResult(sc, args.model, seed, crypto, run, udp);
}

function recordLatency(acc: Accounts): RecordLatencyUs {
  const h = acc.recordLatency;
  if (h.count === 0) return { mean: NaN, p50: NaN, p99: NaN, max: NaN };
  return { mean: h.mean / PS_PER_US, p50: h.quantile(0.5) / PS_PER_US, p99: h.quantile(0.99) / PS_PER_US, max: h.max / PS_PER_US };
}

function goodputGbps(acc: Accounts): number {
  const w = acc.dataWindowPs();
  return w > 0 ? (acc.payloadDelivered * 8) / (w / PS_PER_S) / BIT_S_PER_GBIT_S : 0;
}

function udpSummary(u: UdpRun): UdpBaselineSummary {
  const acc = u.acc;
  const w = acc.dataWindowPs() / PS_PER_S;
  return {
    goodput_gbps: goodputGbps(acc),
    goodput_window_s: w,
    wire_gbps: u.wireRxGbps + u.wireTxGbps,
    wire_rx_gbps: u.wireRxGbps,
    wire_tx_gbps: u.wireTxGbps,
    records_per_s: w > 0 ? acc.recordsReceived / w : 0,
    record_latency_us: recordLatency(acc),
    overhead_bytes_pct: acc.payloadDelivered > 0 ? (acc.wireBytes / acc.payloadDelivered - 1) * 100 : NaN,
    datagrams_sent: u.datagramsSent,
    datagrams_received: u.datagramsReceived,
  };
}

function toBlockStats(b: HwBlockStats): BlockStats {
  return { ...b, wait_us: { ...b.wait_us }, sojourn_us: { ...b.sojourn_us }, ops: { ...b.ops }, ...(b.counters ? { counters: { ...b.counters } } : {}) };
}

/**
 * "Where the time goes": the time of completed handshakes and of delivered records as attributed instant by
 * instant (the breakdown probe, probe.ts), per handshake and per record: the entries add up to the
 * mean latencies. `timer_wait` is handshake time with nothing in progress; `other` is record time off the
 * record's logged path (a record the protocol held, e.g. early data arriving before the client's Finished).
 */
function breakdown(run: CosimRun): Breakdown {
  const acc = run.acc;
  const mk = (phase: 'handshake' | 'data', per: number, clientPs: number, clientWaitPs: number, netPs: number, idlePs: number, idleName: string): BreakdownEntry[] => {
    if (per <= 0) return [];
    const out: BreakdownEntry[] = [];
    const names = [...acc.stages[phase].keys()].sort();
    for (const name of names) {
      const t = acc.stages[phase].get(name)!;
      out.push({ component: name, waiting_us: t.waitPs / per / PS_PER_US, service_us: t.servicePs / per / PS_PER_US });
    }
    out.push({ component: 'client', waiting_us: clientWaitPs / per / PS_PER_US, service_us: clientPs / per / PS_PER_US });
    out.push({ component: 'network', waiting_us: 0, service_us: netPs / per / PS_PER_US });
    if (idlePs > 0) out.push({ component: idleName, waiting_us: idlePs / per / PS_PER_US, service_us: 0 });
    return out;
  };
  return {
    handshake: mk('handshake', acc.handshakesCompleted, acc.clientHsPs, 0, acc.networkHsPs, acc.timerHsPs, 'timer_wait'),
    record: mk('data', acc.recordsReceived, acc.clientRecPs, acc.clientRecWaitPs, acc.networkRecPs, acc.idleRecPs, 'other'),
  };
}

function cdf(acc: Accounts): CdfPoint[] {
  const h = acc.handshakeLatency;
  const out: CdfPoint[] = [];
  if (h.count === 0) return out;
  let c = 0;
  for (const b of h.buckets()) {
    c += b.count;
    out.push({ latency_ms: Math.min(b.high, h.max) / PS_PER_MS, fraction: c / h.count });
  }
  return out;
}

function buildResult(sc: Scenario, model: ModelConfig, seed: number, crypto: CryptoKind, run: CosimRun, udp: UdpFigures | undefined): SimResult {
  const acc = run.acc;
  const simPs: Ps = run.endPs - run.warmupPs;
  const simS = simPs / PS_PER_S;
  const window = acc.dataWindowPs() / PS_PER_S;
  const hs = acc.handshakeLatency;
  const blocks: Record<string, SummaryBlock> = {};
  for (const b of run.blockStats) {
    let ops = 0;
    for (const v of Object.values(b.ops)) ops += v;
    blocks[b.name] = { instances: b.instances, utilization: b.utilization, mean_queue: b.mean_queue, p99_wait_us: b.wait_us.p99, ops: b.served || ops };
  }
  const cost = run.hw.cost(run.kernel.now > run.endPs ? run.endPs : run.kernel.now);
  const { handshake_j: hsEnergy, record_j: recEnergy } = splitEnergy(cost);
  const u = udp?.summary;
  const wire = portWireGbps(run.blockStats, model.port.line_rate_gbps);
  const goodput = goodputGbps(acc);
  const recLat = recordLatency(acc);
  const drops: Record<string, number> = {};
  for (const [k, v] of [...acc.drops].sort((a, b) => (a[0] < b[0] ? -1 : 1))) drops[k] = v;
  drops.network_loss = run.lost;
  const ctxCache = contextCacheSummary(run.hw.contextCache, acc);
  const summary: Summary = {
    scenario: sc.name ?? 'scenario',
    model: model.name ?? 'model',
    seed,
    sim_time_s: simS,
    sim_end_s: run.endPs / PS_PER_S,
    wall_time_s: 0,
    events: run.events,
    handshakes: {
      offered: acc.handshakesOffered, completed: acc.handshakesCompleted, failed: acc.handshakesFailed,
      in_progress: Math.max(0, acc.handshakesOffered - acc.handshakesCompleted - acc.handshakesFailed), retransmissions: run.retransmissions,
      // evicted by a cap or abandoned by the handshake timeout (docs/outputs.md; until 2026-12-08 the timeouts were left out)
      half_open_dropped: run.dispatchers.reduce((n, d) => n + d.halfOpen.evicted + d.halfOpen.timedOut, 0),
    },
    handshake_latency_ms: hs.count
      ? { mean: hs.mean / PS_PER_MS, p50: hs.quantile(0.5) / PS_PER_MS, p90: hs.quantile(0.9) / PS_PER_MS, p99: hs.quantile(0.99) / PS_PER_MS, max: hs.max / PS_PER_MS }
      : { mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN },
    record_latency_us: recLat,
    throughput: {
      goodput_gbps: goodput,
      goodput_window_s: window,
      wire_gbps: wire.rx + wire.tx,
      wire_rx_gbps: wire.rx,
      wire_tx_gbps: wire.tx,
      records_per_s: window > 0 ? acc.recordsReceived / window : 0,
      handshakes_per_s: simS > 0 ? acc.handshakesCompleted / simS : 0,
    },
    overhead_vs_udp: u && udp
      ? {
        // wire bytes per delivered payload byte, for each run: both sides on the traffic they delivered
        bytes_pct: (perPayload(acc) / udp.wirePerPayload - 1) * 100,
        latency_pct: u.record_latency_us.mean > 0 ? (recLat.mean / u.record_latency_us.mean - 1) * 100 : NaN,
        // per-connection goodput ratio (see Accounts.connectionGoodputBps): same offered traffic, like for like
        throughput_ratio: udp.connectionGoodputBps > 0 ? acc.connectionGoodputBps() / udp.connectionGoodputBps : NaN,
        aggregate_goodput_ratio: u.goodput_gbps > 0 ? goodput / u.goodput_gbps : NaN,
      }
      : { bytes_pct: NaN, latency_pct: NaN, throughput_ratio: NaN, aggregate_goodput_ratio: NaN },
    blocks,
    memory: {
      bytes_per_connection: run.bytesPerConnection,
      peak_connections: run.peakConnections,
      peak_bytes: run.peakConnections * run.bytesPerConnection,
    },
    sla: [],
    drops,
    records: { sent: acc.recordsSent, received: acc.recordsReceived, lost: Math.max(0, acc.recordsSent - acc.recordsReceived) },
    udp_baseline: u ?? {
      goodput_gbps: NaN, goodput_window_s: NaN, wire_gbps: NaN, wire_rx_gbps: NaN, wire_tx_gbps: NaN, records_per_s: NaN, record_latency_us: { mean: NaN, p50: NaN, p99: NaN, max: NaN },
      overhead_bytes_pct: NaN, datagrams_sent: 0, datagrams_received: 0,
    },
    conservation: {
      dtls: acc.datagramLedger.balance(),
      udp_baseline: udp ? udp.balance : { sent: 0, delivered: 0, dropped: {}, in_flight: 0 },
    },
    cost: {
      area_mm2: cost.area_mm2,
      avg_power_w: cost.avg_power_w,
      energy_j: cost.energy_j,
      energy_per_handshake_uj: acc.handshakesCompleted > 0 ? (hsEnergy / acc.handshakesCompleted) * 1e6 : NaN,
      energy_per_gb_j: acc.payloadDelivered > 0 ? recEnergy / (acc.payloadDelivered / 1e9) : NaN,
    },
    // only with clients.resumption, clients.client_auth or clients.psk
    ...(run.handshakeKinds ? { handshake_kinds: kindsSummary(run.handshakeKinds, run.serverPkeKinds?.summary()) } : {}),
    // only with `attack` (attack.ts)
    ...(run.attack ? { attack: run.attack.summary() } : {}),
    // only when the context cache evicted (cache-summary.ts)
    ...(ctxCache ? { context_cache: ctxCache } : {}),
    // only with churn or NAT rebinding (fleet.ts)
    ...(run.fleet ? { fleet: run.fleet.summary(run.dispatchers) } : {}),
  };
  const rows: TimeseriesRow[] = run.rows.map((r) => ({
    t_s: r.t / PS_PER_S,
    throughput_gbps: (r.payload * 8) / (run.intervalPs / PS_PER_S) / BIT_S_PER_GBIT_S,
    handshakes_per_s: r.handshakes / (run.intervalPs / PS_PER_S),
    active_connections: r.active,
    utilization: r.busy,
    queue: r.queue,
  }));
  const config: { [key: string]: JsonValue } = {
    scenario: JSON.parse(JSON.stringify(sc)) as JsonValue,
    model: JSON.parse(JSON.stringify(model)) as JsonValue,
    seed,
    crypto,
  };
  return {
    summary,
    config,
    blocks: run.blockStats.map(toBlockStats),
    timeseries: { interval_s: run.intervalPs / PS_PER_S, rows },
    handshakeLatencyCdf: cdf(acc),
    breakdown: breakdown(run),
    baselineUdp: summary.udp_baseline,
  };
}
