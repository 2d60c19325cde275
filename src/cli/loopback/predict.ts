// The predicted side of `npm run validate -- loopback`: the simulator with the calibrated one-core host model
// (models/host.yaml from `npm run calibrate`) and a loopback network, on the same arrival process as the generator
// (the same client count, records and size; constant arrivals are the simulator's 'ramp' over clients / rate, so
// both sides start their clients at the same instants; Poisson arrivals are drawn from the simulator's own stream).
// Other processes on the machine: the server's core gives it only a share of its time while it has work (CPU time /
// (CPU time + run-queue wait), measured beside each run, src/cli/loopback/measure.ts); `coreShare` < 1 runs the model's core that much slower (processor sharing, a fluid
// approximation: time-slice granularity is not modelled) and the client costs likewise with `clientShare`.
import { readFileSync } from 'node:fs';
import { runScenario } from '../../workload/index.ts';
import { applyModelOverrides, parseModel, parseScenario } from '../../workload/config/index.ts';
import type { SimResult } from '../../workload/result.ts';
import type { MicroResults } from '../calibrate/micro.ts';
import { TIMER_DEFAULTS } from '../../dtls/index.ts';
import { arrivalWindowMs } from '../loadtest/summary.ts';

export interface ClientCostsUs {
  handshake_message_us: number;
  record_us: number;
  aead_op_us: number;
  aead_ns_per_byte: number;
  hash_block_ns: number;
  kx_keygen_us: number;
  kx_derive_us: number;
  sign_us: number;
  verify_us: number;
}

export interface PredictInput {
  modelFile: string;
  clients: number;
  rate: number;
  records: number;
  size: number;
  cookie: boolean;
  seed: number;
  /** Loopback one-way delay outside the server (kernel path), ms. */
  oneWayMs: number;
  clientCosts: ClientCostsUs;
  arrival: 'constant' | 'poisson';
  /** The generator's actual client starts (loadtest --arrivals: ms after its schedule's t0, by client; null: never
   *  started), replayed as the model's arrivals (clients.arrival trace) in place of the schedule. The arrival window
   *  stays the schedule's, as the generator's. */
  arrivalsMs?: readonly (number | null)[];
  /** Share of its core the server got while it had work (1 = a dedicated core). */
  coreShare: number;
  /** Share of the generator's core left to the clients. */
  clientShare: number;
  /** How much slower the host ran during the load than during the calibration the model's figures come from (the
   *  speed probe's median kernel time in the load / in the calibration batches, src/cli/speed-probe.ts; 1 = as
   *  calibrated): the model's core runs that much slower, and its work counts that much more CPU time. */
  hostSlowdown?: number;
  /** The host's speed through the load relative to `hostSlowdown` (cpu.speed_schedule: [from_ms, factor] from the
   *  first arrival on; the speed probe's windows, src/cli/speed-probe.ts speedSchedule). Absent or []: steady. */
  speedSchedule?: [number, number][];
  /** More model overrides (`key=value`), e.g. the capacity estimate without the socket buffer. */
  modelOverrides?: string[];
  /** Processors the model's clients share (clients.costs.shared_processors); default GENERATOR_PROCESSORS. */
  clientProcessors?: number;
  /** Stalls of the clients' shared loop (clients.costs.loop_stall_share and loop_stall_us; loopStallOf); absent: none. */
  loopStall?: LoopStall;
}

/** The generator's own pauses on its event loop, as the model's loop stalls. */
export interface LoopStall {
  share: number;
  us: number;
}

/**
 * The generator loop's stalls from its clients' own time per handshake (loadtest `handshake_client_ms`): the model's
 * clients take the median every time (client-time.ts), so what the mean carries above it, rate x (mean - p50), is
 * loop time the model's clients do not take, spent in pauses that the other clients on the loop wait for (garbage
 * collection inside a handler shows in that client's time); one stall as long as the tail shows, p99 - p50 (at least
 * 0.1 ms); the share at most 0.9. Undefined when the figures are missing or the mean is not above the median.
 */
export function loopStallOf(rate: number, client: { mean: number; p50: number; p99: number } | undefined): LoopStall | undefined {
  if (!client || !(client.mean > client.p50) || !Number.isFinite(client.p99)) return undefined;
  const share = Math.min(0.9, (rate * (client.mean - client.p50)) / 1000);
  return share > 0 ? { share: Number(share.toPrecision(4)), us: Number(Math.max(100, (client.p99 - client.p50) * 1000).toPrecision(4)) } : undefined;
}

export interface Prediction {
  serverUtilization: number;
  handshakesPerS: number;
  handshakeP50Ms: number;
  handshakeP99Ms: number;
  /** Predicted echo round trip: twice the simulated one-way record latency p50 (both directions are alike). */
  recordRttP50Us: number;
  /** Server CPU time per completed handshake, ms (busy time x coreShare: the CPU time the work itself takes). */
  cpuMsPerHandshake: number;
  /** Predicted wake-ups per handshake (datagrams reaching an idle CPU; 0 unless cpu.cycles_per_wakeup or cpu.offpath_cycles_per_wakeup > 0). */
  wakeupsPerHandshake: number;
  /** Retransmissions of the clients and the server together (the simulator's summary). */
  retransmissions: number;
  /** The arrival window (first arrival to the last, rounded down to 10 ms, as the generator's summary): handshakes
   *  completed in it per second, and the server's CPU time in it / its length. */
  arrivalWindowS: number;
  handshakesPerSArrivalWindow: number;
  serverUtilizationArrivalWindow: number;
  /** Datagrams the model's socket receive buffer dropped (cpu.socket_rcvbuf_bytes). */
  socketDrops: number;
  result: SimResult;
}

/** Whether the generator's clients deliver their close_notify. They do not: the generator closes its socket right
 *  after sending it, and Node drops a send still waiting on its address lookup. perf on the demo server
 *  (2026-12-05, 20 handshakes at 5/s): it received ClientHello, ClientHello with cookie, Finished and the record,
 *  retransmissions of those, and no close_notify. The model's clients must not send what the real ones never
 *  deliver (the simulated close was the model's 4th wake-up per handshake at light load; the real server has 3). */
export const GENERATOR_DELIVERS_CLOSE = false;

/** The generator's clients share one event loop (one process: `runLoadAgainst` runs it without --procs), so a
 *  client's work waits while another's runs; the model's clients share one event loop likewise (since 2026-12-07
 *  18:10 in libuv's order, src/workload/client-loop.ts; from 16:10 one FIFO processor that delayed only their
 *  output). Until 2026-12-07 16:10 every model client had a processor of its own. Tried because the real server's p50 at 0.8 x (9-19 ms where
 *  it was not saturated, loopback-39..42) stood 2-4x above the model's at every utilisation within 5 % of the
 *  measured one (docs/data/p50-sensitivity-2026-12-07.csv) while the generator was 53-75 % busy; it is not that:
 *  re-predicting loopback-41 and -42 with it moved p50 below saturation by 0-2 points (the model's clients keep
 *  their shared processor ~25 % busy at 0.8 x), the saturated rate by +0.5 and -1.6 points, and the p50 past
 *  saturation from -6.9 / -17.4 % to -11.6 / -49.8 % (`--repredict FILE --client-processors 0|1`). */
export const GENERATOR_PROCESSORS = 1;

export function scenarioYaml(p: PredictInput): string {
  const cc = Object.entries(p.clientCosts).map(([k, v]) => `    ${k}: ${Number((v / p.clientShare).toPrecision(4))}`).join('\n');
  const arrival = p.arrivalsMs ? `{ kind: trace, at_ms: [${replayed(p).join(', ')}] }`
    : p.arrival === 'constant' ? `{ kind: ramp, duration_ms: ${(p.clients * 1000) / p.rate} }` : `{ kind: poisson, rate_per_s: ${p.rate} }`;
  return `name: loopback-validation
description: the loadtest generator's workload against the demo server on one core (npm run validate -- loopback)
model:
  file: ${JSON.stringify(p.modelFile)}
  overrides: [${[...(clockScale(p) !== 1 ? [`"cpu.clock_ghz=${clockOf(p.modelFile) * clockScale(p)}"`] : []), ...(p.speedSchedule?.length ? [JSON.stringify(`cpu.speed_schedule=${JSON.stringify(p.speedSchedule)}`)] : []), ...(p.modelOverrides ?? []).map((o) => JSON.stringify(o))].join(', ')}]
baseline_udp: false
clients:
  count: ${p.clients}
  arrival: ${arrival}
  mix:
    suites: { TLS_AES_128_GCM_SHA256: 1 }
    groups: { x25519: 1 }
    signatures: { ecdsa_secp256r1_sha256: 1 }
  cookie: ${p.cookie}
  certificate: { type: ecdsa-p256, chain_length: 2 }
  costs:
${cc}
    shared_processors: ${p.clientProcessors ?? GENERATOR_PROCESSORS}
${p.loopStall && (p.clientProcessors ?? GENERATOR_PROCESSORS) > 0 ? `    loop_stall_share: ${p.loopStall.share}
    loop_stall_us: ${p.loopStall.us}
` : ''}traffic:
  records_per_client: ${p.records}
  size: ${p.size}
  direction: echo
  rate: { process: constant, records_per_s: 100000 }
  close: ${GENERATOR_DELIVERS_CLOSE}
network:
  one_way_ms: ${p.oneWayMs}
  jitter_ms: 0
  loss: 0
  access_bandwidth_mbps: 100000
  mtu: 1500
dtls:
  timers: { initial_rto_ms: ${TIMER_DEFAULTS.initialRetransmitMs}, max_rto_ms: ${TIMER_DEFAULTS.maxRetransmitMs}, rto_floor_ms: ${TIMER_DEFAULTS.minRetransmitMs}, max_retransmissions: ${TIMER_DEFAULTS.maxRetransmissions} }
sim:
  seed: ${p.seed}
  warmup_ms: 0
  end_ms: 600000
  timeseries_interval_ms: ${SERIES_MS}
`;
}

/** The generator's actual starts as the model's: one per client, a client that never started at its scheduled
 *  instant (constant arrivals: i / rate), a start before the schedule's t0 (the timer ran early) at 0. */
export function replayed(p: Pick<PredictInput, 'arrivalsMs' | 'clients' | 'rate'>): number[] {
  const a = p.arrivalsMs ?? [];
  if (a.length !== p.clients) throw new RangeError(`arrivalsMs has ${a.length} entries for ${p.clients} clients`);
  return a.map((t, i) => Math.max(0, t ?? (i * 1000) / p.rate));
}

/** The time-series interval of the prediction; the arrival window is a whole number of them (arrivalWindowMs). */
const SERIES_MS = 10;

/** The model core's clock against the calibrated one: the core share and the host's slowdown. */
function clockScale(p: PredictInput): number {
  return (p.coreShare < 1 ? p.coreShare : 1) / (p.hostSlowdown ?? 1);
}

function clockOf(modelFile: string): number {
  return parseModel(readFileSync(modelFile, 'utf8'), modelFile).cpu.clock_ghz;
}

export function predict(p: PredictInput): Prediction {
  const scenario = parseScenario(scenarioYaml(p), 'loopback-validation.yaml');
  const model = applyModelOverrides(parseModel(readFileSync(p.modelFile, 'utf8'), p.modelFile), scenario.model.overrides);
  const result = runScenario({ scenario, model, seed: p.seed, crypto: 'node' });
  const s = result.summary;
  const cpu = result.blocks.find((b) => b.name === 'cpu');
  return {
    serverUtilization: cpu ? (cpu.busy_s * p.coreShare) / s.sim_time_s : Number.NaN,
    handshakesPerS: s.throughput.handshakes_per_s,
    handshakeP50Ms: s.handshake_latency_ms.p50,
    handshakeP99Ms: s.handshake_latency_ms.p99,
    recordRttP50Us: 2 * s.record_latency_us.p50,
    cpuMsPerHandshake: cpu ? (cpu.busy_s * p.coreShare * 1000) / Math.max(1, s.handshakes.completed) : Number.NaN,
    wakeupsPerHandshake: (cpu?.ops.wakeup ?? 0) / Math.max(1, s.handshakes.completed),
    retransmissions: s.handshakes.retransmissions,
    ...arrivalWindow(result, p),
    socketDrops: s.drops.socket_rcvbuf_full ?? 0,
    result,
  };
}

/** Handshakes and server CPU within the arrival window, from the time series (rows end at multiples of 10 ms). */
function arrivalWindow(r: SimResult, p: PredictInput): { arrivalWindowS: number; handshakesPerSArrivalWindow: number; serverUtilizationArrivalWindow: number } {
  // the clients start at i / rate (ramp) or at the Poisson draws: the window ends at the last one, rounded down
  const lastMs = p.arrival === 'constant' ? ((p.clients - 1) * 1000) / p.rate : r.summary.sim_time_s * 1000;
  const wMs = arrivalWindowMs(lastMs);
  let hs = 0;
  let busy = 0;
  const dt = r.timeseries.interval_s;
  for (const row of r.timeseries.rows) {
    if (row.t_s * 1000 > wMs + 1e-6) break;
    hs += row.handshakes_per_s * dt;
    busy += (row.utilization.cpu ?? 0) * dt;
  }
  const w = wMs / 1000;
  return { arrivalWindowS: w, handshakesPerSArrivalWindow: Math.round(hs) / w, serverUtilizationArrivalWindow: (busy * p.coreShare) / w };
}

/** Costs of the generator's clients (node:crypto): the micro-measured crypto of the client's provider, and the
 *  model's protocol figures for the protocol work (the same endpoint code). */
export function clientCostsFrom(m: MicroResults, cpu: { clock_ghz: number; cycles_per_handshake_message: number; cycles_per_record: number; cycles_per_datagram: number }): ClientCostsUs {
  const us = (cycles: number) => cycles / cpu.clock_ghz / 1000;
  return {
    handshake_message_us: us(cpu.cycles_per_handshake_message),
    record_us: us(cpu.cycles_per_record + cpu.cycles_per_datagram),
    aead_op_us: m.aead.aes_128_gcm.fixedNs / 1000,
    aead_ns_per_byte: m.aead.aes_128_gcm.perUnitNs,
    hash_block_ns: m.hash.sha256.perUnitNs + m.hash.sha256.fixedNs / 2,
    kx_keygen_us: (m.pkeNs.x25519_keygen ?? 0) / 1000,
    kx_derive_us: (m.pkeNs.x25519_derive ?? 0) / 1000,
    sign_us: (m.pkeNs.ecdsa_p256_sign ?? 0) / 1000,
    verify_us: (m.pkeNs.ecdsa_p256_verify ?? 0) / 1000,
  };
}
