// What one simulation run contributes to a sweep: the summary's numbers flattened to dotted paths, the SLA checks,
// and where handshakes and records wait (for the bottleneck of the recommendation).
import type { SimResult, SlaResult, Summary } from '../report/types.ts';

export type SlaCheck = Pick<SlaResult, 'name' | 'op' | 'target' | 'value' | 'unit' | 'pass'>;

/** Result of one run (one point, one replication). Non-finite numbers are NaN in memory, null in JSON. */
export interface RunOutcome {
  /** Flattened numeric summary fields, e.g. "handshake_latency_ms.p99", "blocks.aead.utilization". */
  metrics: Record<string, number>;
  /** The scenario's SLA checks as the simulator evaluated them. */
  sla: SlaCheck[];
  /** Mean waiting time per handshake + per record by component, microseconds (from SimResult.breakdown). */
  waits: Record<string, number>;
  /** Set when the simulation rejected the configuration or failed deterministically. */
  error?: string;
}

const SKIP = new Set(['wall_time_s', 'seed']);

/** Flattens every numeric field of the summary (skipping wall_time_s and seed) into dotted paths. */
export function flattenSummary(summary: Summary): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (v: unknown, path: string): void => {
    if (typeof v === 'number') {
      out[path] = v;
    } else if (v === null && path) {
      out[path] = NaN;
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const k of Object.keys(v).sort()) {
        if (!path && SKIP.has(k)) continue;
        if (!path && k === 'sla') continue;
        walk((v as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      }
    }
  };
  walk(summary, '');
  return out;
}

export function outcomeFromResult(result: SimResult): RunOutcome {
  const waits: Record<string, number> = {};
  for (const e of [...result.breakdown.handshake, ...result.breakdown.record]) {
    waits[e.component] = (waits[e.component] ?? 0) + (Number.isFinite(e.waiting_us) ? e.waiting_us : 0);
  }
  return {
    metrics: flattenSummary(result.summary),
    sla: result.summary.sla.map((s) => ({ name: s.name, op: s.op, target: s.target, value: s.value, unit: s.unit, pass: s.pass })),
    waits,
  };
}

/** JSON-safe copy: NaN/Infinity -> null. */
export function encodeOutcome(o: RunOutcome): unknown {
  return JSON.parse(JSON.stringify(o));
}

/** Inverse of encodeOutcome: null metric values -> NaN. */
export function decodeOutcome(raw: unknown): RunOutcome {
  const r = raw as { metrics: Record<string, number | null>; sla: (SlaCheck & { value: number | null })[]; waits?: Record<string, number | null>; error?: string };
  const metrics: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.metrics ?? {})) metrics[k] = v === null ? NaN : v;
  const waits: Record<string, number> = {};
  for (const [k, v] of Object.entries(r.waits ?? {})) waits[k] = v === null ? NaN : v;
  const out: RunOutcome = {
    metrics,
    sla: (r.sla ?? []).map((s) => ({ ...s, value: s.value === null ? NaN : s.value })),
    waits,
  };
  if (r.error !== undefined) out.error = r.error;
  return out;
}
