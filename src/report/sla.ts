// Service-level checks: evaluate the scenario's `sla:` targets against a Summary.
import type { SlaResult, Summary } from './types.ts';

/** One target as written in the scenario: metric is a dotted summary.json path; max and/or min. */
export interface SlaTarget {
  metric: string;
  max?: number | undefined;
  min?: number | undefined;
}

/** Value of a dotted summary path (e.g. "handshake_latency_ms.p99", "blocks.aead.utilization"); NaN if absent. */
export function metricValue(summary: Summary, metric: string): number {
  let v: unknown = summary;
  for (const seg of metric.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.hasOwn(v, seg)) {
      // A drop reason that never occurred counted zero drops.
      return metric.startsWith('drops.') && v === summary.drops ? 0 : NaN;
    }
    v = (v as Record<string, unknown>)[seg];
  }
  return typeof v === 'number' ? v : NaN;
}

/** Display unit of a metric, from its name. */
export function metricUnit(metric: string): string {
  const head = metric.split('.')[0] ?? '';
  const last = metric.split('.').pop() ?? '';
  if (head === 'handshake_latency_ms') return 'ms';
  if (head === 'record_latency_us' || last.endsWith('_us')) return 'us';
  if (last.endsWith('_gbps')) return 'Gbit/s';
  if (last.endsWith('_per_s')) return '1/s';
  if (last.endsWith('_pct')) return '%';
  if (last.endsWith('_mm2')) return 'mm^2';
  if (last.endsWith('_uj')) return 'uJ';
  if (last.endsWith('_j')) return 'J';
  if (last.endsWith('_w')) return 'W';
  if (last.startsWith('bytes') || last.endsWith('_bytes')) return 'bytes';
  return '';
}

/**
 * One SlaResult per bound (a target with both max and min gives two). pass = value <= max (or >= min); a value
 * that is undefined (NaN) never passes.
 */
export function evaluateSla(summary: Summary, targets: readonly SlaTarget[]): SlaResult[] {
  const out: SlaResult[] = [];
  for (const t of targets) {
    const value = metricValue(summary, t.metric);
    const unit = metricUnit(t.metric);
    if (t.max !== undefined) out.push({ name: t.metric, op: '<=', target: t.max, value, unit, pass: Number.isFinite(value) && value <= t.max });
    if (t.min !== undefined) out.push({ name: t.metric, op: '>=', target: t.min, value, unit, pass: Number.isFinite(value) && value >= t.min });
  }
  return out;
}

/** Relative slack of `value` against an SLA target, a fraction: (target - value) / |target| for `<=`, the reverse
 *  for `>=` (negative: failed by that much); NaN for a target of 0, where a relative margin has no meaning (until
 *  2026-12-08 the absolute difference stood in for it and was printed x 100 as a percentage). The findings
 *  (./findings.ts) and the DSE's verdicts (src/dse/aggregate.ts) share it. */
export function relativeMargin(op: '<=' | '>=', target: number, value: number): number {
  if (target === 0) return NaN;
  return (op === '<=' ? target - value : value - target) / Math.abs(target);
}
