// Before a run: rough memory and wall-time estimate from the scenario alone, so the CLI can refuse a run that
// cannot fit in memory before allocating anything. Pure (no clocks, no os): the caller compares with the machine.
//
// Memory = base + every client x what a started client keeps (its member state stays for the datagrams still
// addressed to it, its start time, its per-connection counters) + every record x its send-time entry + the
// connections alive at once x what a live connection holds (both endpoints, record states, native key objects, GC
// headroom). A client's state is created when it starts (cosim.ts), so a fleet whose clients arrive over a long
// ramp, or hold their connection briefly, needs far less than clients.count live connections.
//
// Coefficients measured on the development machine (2 shared cores, Node 20):
//   events and wall time, with `npm run sim -- scenarios/10k-clients.yaml --set clients.count=N --no-charts` for
//   N = 1,000 and 4,000 (20 echo records of 1,200 B per client, UDP baseline on):
//     kernel events   550,531 and 2,201,146  -> ~550 per client = ~50 for the handshake + ~25 per echo record
//     wall time       18.4 s and 27.6 s        -> ~5.6 us per event (machine shared with other jobs: an upper figure)
//   memory, with `npm run bench -- sim --scenario scenarios/memory-per-connection.yaml --no-replay` and a fleet-like
//   override (64 B records up at 0.1/s, 7 per device, 2 s or 10 s ramp; docs/validation.md "Large fleets"), every
//   connection alive at the plateau: peak RSS 372 MB at 2x10^4 devices, 1.09 GB RSS at 10^5 -> ~9 kB per live
//   connection (heap ~8 kB of it, per-record keys), ~150-200 MB base; a started client's record ~1.1 kB.
//   Sparse traffic (<= 1 record/s per connection: idle endpoints sleep, dormancy.ts) keeps ~3 kB of live heap per
//   connection, but not less RSS: `npm run sim -- scenarios/iot-fleet.yaml` at 10^6 devices, every one alive, 7
//   records each, peaked at 10.9 GB RSS (2026-12-05 23:19-23:40; the bench, whose forced full collections keep the
//   heap compacted, at 6.25-7.16 GB), i.e. (10.9 GB - base - 10^6 x (1.2 kB + 7 x 8 B)) / 10^6 = ~9.5 kB per live
//   connection: the 10 kB below holds for it too (estimate 11.4 GB).
// The estimate is meant for orders of magnitude, not for accounting.
import type { Scenario } from './config/index.ts';

/** Coefficients of the estimate (see the measurements above). */
export const ESTIMATE_COEFFICIENTS = {
  baseBytes: 150e6,
  /** Kept for every client that has started (member state, start time, counters). */
  bytesPerClient: 1.2e3,
  /** Send-time table entry of every application record. */
  bytesPerRecord: 8,
  /** Each connection alive at once (RSS, GC headroom included; ~2 kB more with keys kept at > 1 record/s). */
  bytesPerConnection: 10e3,
  eventsPerHandshake: 50,
  eventsPerRecord: 25,
  usPerEvent: 5.6,
  /** A handshake lasts about this many round trips (plus a millisecond of processing) in the alive estimate. */
  handshakeRtts: 3,
} as const;

export interface RunEstimate {
  clients: number;
  /** Application records per client (records_per_client, or duration x rate). */
  recordsPerClient: number;
  /** Connections alive at once, at most (connectionsAlive). */
  alive: number;
  events: number;
  memoryBytes: number;
  wallSeconds: number;
}

/**
 * Connections alive at once: all clients when they arrive at once or never close; otherwise the clients arriving
 * within one connection lifetime (handshake + data phase, capped by the simulated time) of an arrival span
 * (ramp duration, or count / rate for Poisson arrivals). Server queueing that stretches connections is not
 * modelled: a run that overloads the server keeps more alive than this.
 */
export function connectionsAlive(sc: Scenario, c: typeof ESTIMATE_COEFFICIENTS = ESTIMATE_COEFFICIENTS): number {
  const n = sc.clients.count;
  const t = sc.traffic;
  if (!t.close) return n;
  const a = sc.clients.arrival;
  const spanMs = a.kind === 'ramp' ? a.duration_ms : a.kind === 'poisson' ? (n / a.rate_per_s) * 1000 : a.kind === 'trace' ? a.at_ms.reduce((m, t) => (t > m ? t : m), 0) : 0;
  const rttMs = sc.network.rtt_ms ?? 1;
  const dataMs = t.records_per_client !== undefined ? (t.records_per_client / t.rate.records_per_s) * 1000 : (t.duration_ms ?? 0);
  const lifeMs = Math.min(sc.sim.end_ms, c.handshakeRtts * rttMs + 1 + dataMs);
  if (spanMs <= lifeMs) return n;
  return Math.min(n, Math.ceil((n * lifeMs) / spanMs));
}

export function estimateRun(sc: Scenario, c: typeof ESTIMATE_COEFFICIENTS = ESTIMATE_COEFFICIENTS): RunEstimate {
  const clients = sc.clients.count;
  const t = sc.traffic;
  const recordsPerClient = t.records_per_client ?? (t.duration_ms !== undefined ? (t.duration_ms / 1000) * t.rate.records_per_s : 0);
  const perRecord = t.direction === 'echo' ? c.eventsPerRecord : c.eventsPerRecord / 2;
  const events = clients * (c.eventsPerHandshake + recordsPerClient * perRecord);
  const alive = connectionsAlive(sc, c);
  return {
    clients,
    recordsPerClient,
    alive,
    events,
    memoryBytes: c.baseBytes + clients * (c.bytesPerClient + recordsPerClient * c.bytesPerRecord) + alive * c.bytesPerConnection,
    wallSeconds: (events * c.usPerEvent) / 1e6,
  };
}
