// summary.json and config.json, plus helpers for determinism comparisons.
import { computeFindings } from './findings.ts';
import type { OutputFile, SimResult, Summary } from './types.ts';

// Key order of summary.json. Nested objects list their keys; `'*'` marks a map whose keys are sorted and whose
// values follow the given order. Keys not listed here (extras added by the workload) follow, sorted.
type Order = readonly (string | readonly [string, Order | '*' | readonly ['*', Order]])[];

const DIST5 = ['mean', 'p50', 'p90', 'p99', 'max'] as const;
const DIST4 = ['mean', 'p50', 'p99', 'max'] as const;
const BALANCE: Order = ['sent', 'delivered', ['dropped', '*'], 'in_flight'];

export const SUMMARY_ORDER: Order = [
  'scenario',
  'model',
  'seed',
  'sim_time_s',
  'sim_end_s',
  'wall_time_s',
  'events',
  'findings',
  ['handshakes', ['offered', 'completed', 'failed', 'in_progress', 'retransmissions', 'half_open_dropped']],
  ['handshake_latency_ms', DIST5],
  ['record_latency_us', DIST4],
  ['throughput', ['goodput_gbps', 'goodput_window_s', 'wire_gbps', 'wire_rx_gbps', 'wire_tx_gbps', 'records_per_s', 'handshakes_per_s']],
  ['overhead_vs_udp', ['bytes_pct', 'latency_pct', 'throughput_ratio', 'aggregate_goodput_ratio']],
  ['blocks', ['*', ['instances', 'utilization', 'mean_queue', 'p99_wait_us', 'ops']]],
  ['memory', ['bytes_per_connection', 'peak_connections', 'peak_bytes']],
  'sla',
  ['drops', '*'],
  ['records', ['sent', 'received', 'lost']],
  [
    'udp_baseline',
    [
      'goodput_gbps',
      'goodput_window_s',
      'wire_gbps',
      'wire_rx_gbps',
      'wire_tx_gbps',
      'records_per_s',
      ['record_latency_us', DIST4],
      'overhead_bytes_pct',
      'datagrams_sent',
      'datagrams_received',
    ],
  ],
  ['conservation', [['dtls', BALANCE], ['udp_baseline', BALANCE]]],
  ['cost', ['area_mm2', 'avg_power_w', 'energy_j', 'energy_per_handshake_uj', 'energy_per_gb_j']],
];

const SLA_ORDER: Order = ['name', 'op', 'target', 'value', 'unit', 'pass'];

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Uint8Array);
}

/** Copy `value` with keys in the order given by `order` (listed keys first, the rest sorted). */
function ordered(value: unknown, order: Order | '*' | readonly ['*', Order] | undefined): unknown {
  if (Array.isArray(value)) return value.map((v) => ordered(v, undefined));
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  if (order === '*' || (Array.isArray(order) && order[0] === '*' && order.length === 2 && typeof order[1] !== 'string')) {
    const inner = order === '*' ? undefined : (order[1] as Order);
    for (const k of Object.keys(value).sort()) out[k] = ordered(value[k], inner);
    return out;
  }
  const listed = new Set<string>();
  for (const item of (order ?? []) as Order) {
    const [k, sub] = typeof item === 'string' ? [item, undefined] : item;
    listed.add(k);
    if (k in value) out[k] = ordered(value[k], sub);
  }
  for (const k of Object.keys(value).sort()) if (!listed.has(k)) out[k] = ordered(value[k], undefined);
  return out;
}

/** The summary as a plain object with the canonical key order (what summary.json holds). */
export function canonicalSummary(summary: Summary): Record<string, unknown> {
  const o = ordered(summary, SUMMARY_ORDER) as Record<string, unknown>;
  if (Array.isArray(o.sla)) o.sla = (o.sla as unknown[]).map((s) => ordered(s, SLA_ORDER));
  return o;
}

/** JSON text with 2-space indent and a final newline. NaN and +-Infinity become null. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** summary.json; with the full result, `findings` (src/report/findings.ts) come right after the run's identity. */
export function renderSummaryJson(result: Pick<SimResult, 'summary'> | SimResult): OutputFile {
  const summary = 'blocks' in result ? { ...result.summary, findings: computeFindings(result) } : result.summary;
  return { path: 'summary.json', data: toJson(canonicalSummary(summary)) };
}

/** config.json: the effective configuration, in the order the workload produced it. */
export function renderConfigJson(result: Pick<SimResult, 'config'>): OutputFile {
  return { path: 'config.json', data: toJson(result.config) };
}

/**
 * Remove every `wall_time_s` key (the nondeterministic fields), deeply. Accepts an object (returns a copy) or
 * JSON text (returns JSON text re-serialised by toJson). Use it before comparing two runs for determinism.
 */
export function stripWallTime<T>(value: T): T {
  if (typeof value === 'string') return toJson(strip(JSON.parse(value))) as T;
  return strip(value) as T;
}

export const NONDETERMINISTIC_KEYS: readonly string[] = ['wall_time_s'];

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (!isPlainObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (!NONDETERMINISTIC_KEYS.includes(k)) out[k] = strip(x);
  return out;
}
