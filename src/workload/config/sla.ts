// A scenario's `sla:` entries: the summary.json metrics they may name (shared with a DSE sweep's constraints,
// src/dse/sweep.ts) and one check's shape. docs/scenarios.md "SLA".
import * as z from 'zod';

/** summary.json numeric fields an SLA may refer to (plus `blocks.<name>.<field>` and `drops.<reason>`). */
export const SLA_METRICS = [
  'handshakes.offered',
  'handshakes.completed',
  'handshakes.failed',
  'handshakes.retransmissions',
  'handshake_latency_ms.mean',
  'handshake_latency_ms.p50',
  'handshake_latency_ms.p90',
  'handshake_latency_ms.p99',
  'handshake_latency_ms.max',
  'record_latency_us.mean',
  'record_latency_us.p50',
  'record_latency_us.p99',
  'record_latency_us.max',
  'throughput.goodput_gbps',
  'throughput.wire_gbps',
  'throughput.records_per_s',
  'throughput.handshakes_per_s',
  'overhead_vs_udp.bytes_pct',
  'overhead_vs_udp.latency_pct',
  'overhead_vs_udp.throughput_ratio',
  'memory.bytes_per_connection',
  'memory.peak_connections',
  'memory.peak_bytes',
  'records.sent',
  'records.received',
  'records.lost',
  'cost.area_mm2',
  'cost.avg_power_w',
  'cost.energy_j',
  'cost.energy_per_handshake_uj',
  'cost.energy_per_gb_j',
] as const;
const SLA_PATTERN = /^(blocks\.[A-Za-z0-9_-]+\.(utilization|mean_queue|p99_wait_us|ops)|drops\.[A-Za-z0-9_-]+)$/;

export function isSlaMetric(m: string): boolean {
  return (SLA_METRICS as readonly string[]).includes(m) || SLA_PATTERN.test(m);
}

export const SlaSchema = z
  .strictObject({
    /** Dotted path of a summary.json field, e.g. handshake_latency_ms.p99. */
    metric: z.string().refine(isSlaMetric, { message: 'unknown metric (see docs/scenarios.md for the list)' }),
    /** Pass if value <= max. */
    max: z.number().optional(),
    /** Pass if value >= min. */
    min: z.number().optional(),
  })
  .superRefine((s, ctx) => {
    if (s.max === undefined && s.min === undefined) ctx.addIssue({ code: 'custom', path: [], message: 'needs max or min' });
    if (s.max !== undefined && s.min !== undefined && s.min > s.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'must be <= max' });
    if (/\.utilization$/.test(s.metric)) {
      for (const k of ['min', 'max'] as const) {
        const v = s[k];
        if (v !== undefined && (v < 0 || v > 1)) ctx.addIssue({ code: 'custom', path: [k], message: 'must be in [0, 1] (utilization is a fraction, not a percent)' });
      }
    }
  });

export type SlaTarget = z.output<typeof SlaSchema>;
