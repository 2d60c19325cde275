// Before a run: rough memory and wall-time estimate from the scenario alone, so the CLI can refuse a run that
// cannot fit in memory before allocating anything. Pure (no clocks, no os): the caller compares with the machine.
//
// Coefficients measured on the development machine (2 shared cores, Node 20) with
// `npm run sim -- scenarios/10k-clients.yaml --set clients.count=N --no-charts` for N = 1,000 and 4,000
// (20 echo records of 1,200 B per client, UDP baseline on):
//   kernel events   550,531 and 2,201,146  -> ~550 per client = ~50 for the handshake + ~25 per echo record
//   peak RSS        166 MB and 221 MB       -> ~19 kB per client, ~150 MB base (Node, tsx, certificate chains)
//   wall time       18.4 s and 27.6 s        -> ~5.6 us per event (machine shared with other jobs: an upper figure)
// The client population and its per-client state are allocated up front, so memory grows with clients.count
// even before the first event; the estimate is linear and meant for orders of magnitude, not for accounting.
import type { Scenario } from './config/index.ts';

/** Coefficients of the estimate (see the measurements above). */
export const ESTIMATE_COEFFICIENTS = {
  baseBytes: 150e6,
  bytesPerClient: 19e3,
  eventsPerHandshake: 50,
  eventsPerRecord: 25,
  usPerEvent: 5.6,
} as const;

export interface RunEstimate {
  clients: number;
  /** Application records per client (records_per_client, or duration x rate). */
  recordsPerClient: number;
  events: number;
  memoryBytes: number;
  wallSeconds: number;
}

export function estimateRun(sc: Scenario, c: typeof ESTIMATE_COEFFICIENTS = ESTIMATE_COEFFICIENTS): RunEstimate {
  const clients = sc.clients.count;
  const t = sc.traffic;
  const recordsPerClient = t.records_per_client ?? (t.duration_ms !== undefined ? (t.duration_ms / 1000) * t.rate.records_per_s : 0);
  const perRecord = t.direction === 'echo' ? c.eventsPerRecord : c.eventsPerRecord / 2;
  const events = clients * (c.eventsPerHandshake + recordsPerClient * perRecord);
  return {
    clients,
    recordsPerClient,
    events,
    memoryBytes: c.baseBytes + clients * c.bytesPerClient,
    wallSeconds: (events * c.usPerEvent) / 1e6,
  };
}
