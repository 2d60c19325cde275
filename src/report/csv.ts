// timeseries.csv: one row per sampling interval.
import { fmt } from './format.ts';
import type { OutputFile, SimResult } from './types.ts';

function cell(x: number | undefined): string {
  return fmt(x, 9, '');
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]/g, '_');
}

/** Block names used as columns: SimResult.blocks order, then any extra names seen in the rows (sorted). */
export function timeseriesBlocks(result: Pick<SimResult, 'blocks' | 'timeseries'>): string[] {
  const names = result.blocks.map((b) => b.name);
  const seen = new Set(names);
  const extra = new Set<string>();
  for (const r of result.timeseries.rows) {
    for (const k of Object.keys(r.utilization)) if (!seen.has(k)) extra.add(k);
    for (const k of Object.keys(r.queue)) if (!seen.has(k)) extra.add(k);
  }
  return [...names, ...[...extra].sort()];
}

/**
 * Header `t_s,throughput_gbps,handshakes_per_s,active_connections,util_<block>...,queue_<block>...`, then one
 * line per row; empty cell for a missing or undefined value. LF line endings, final newline.
 */
export function renderTimeseriesCsv(result: Pick<SimResult, 'blocks' | 'timeseries'>): OutputFile {
  const blocks = timeseriesBlocks(result);
  const header = [
    't_s',
    'throughput_gbps',
    'handshakes_per_s',
    'active_connections',
    ...blocks.map((b) => `util_${safe(b)}`),
    ...blocks.map((b) => `queue_${safe(b)}`),
  ];
  const lines = [header.join(',')];
  for (const r of result.timeseries.rows) {
    lines.push(
      [
        cell(r.t_s),
        cell(r.throughput_gbps),
        cell(r.handshakes_per_s),
        cell(r.active_connections),
        ...blocks.map((b) => cell(r.utilization[b])),
        ...blocks.map((b) => cell(r.queue[b])),
      ].join(','),
    );
  }
  return { path: 'timeseries.csv', data: `${lines.join('\n')}\n` };
}
