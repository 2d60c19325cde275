// Charts: vega-lite specs built from a SimResult, compiled and rendered headless to SVG (vega View, renderer
// 'none', toSVG). Text widths are estimated by vega without a canvas, so the SVG is the same on every machine.
import type { TopLevelSpec } from 'vega-lite';
import { isNum } from './format.ts';
import type { CdfPoint, SimResult, TimeseriesRow } from './types.ts';
import { timeseriesBlocks } from './csv.ts';

export const CHART_FONT = 'DejaVu Sans';
/** Series longer than this are averaged into this many buckets before plotting. */
export const MAX_SERIES_POINTS = 500;
/** CDFs with more points are thinned to this many (evenly spaced in fraction, last point kept). */
export const MAX_CDF_POINTS = 400;

export interface ChartSpec {
  /** File base name: charts/<name>.svg / .png. */
  name: string;
  title: string;
  spec: TopLevelSpec;
}

export interface RenderedChart {
  name: string;
  title: string;
  svg: string;
}

const WIDTH = 640;
const HEIGHT = 240;

const CONFIG = {
  font: CHART_FONT,
  background: 'white',
  padding: 10,
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, labelFont: CHART_FONT, titleFont: CHART_FONT },
  legend: { labelFontSize: 11, titleFontSize: 12, labelFont: CHART_FONT, titleFont: CHART_FONT },
  title: { fontSize: 14, font: CHART_FONT, anchor: 'start' as const },
  header: { labelFont: CHART_FONT, titleFont: CHART_FONT },
  mark: { font: CHART_FONT },
};

/** Average consecutive rows into at most `max` buckets (t_s of a bucket = its last row's t_s). */
export function downsampleRows(rows: readonly TimeseriesRow[], max = MAX_SERIES_POINTS): TimeseriesRow[] {
  if (rows.length <= max) return rows.slice();
  const out: TimeseriesRow[] = [];
  for (let i = 0; i < max; i++) {
    const lo = Math.floor((i * rows.length) / max);
    const hi = Math.floor(((i + 1) * rows.length) / max);
    const bucket = rows.slice(lo, hi);
    const mean = (f: (r: TimeseriesRow) => number | undefined) => {
      let s = 0;
      let n = 0;
      for (const r of bucket) {
        const v = f(r);
        if (isNum(v)) {
          s += v;
          n++;
        }
      }
      return n ? s / n : NaN;
    };
    const keys = new Set<string>();
    for (const r of bucket) for (const k of [...Object.keys(r.utilization), ...Object.keys(r.queue)]) keys.add(k);
    const utilization: Record<string, number> = {};
    const queue: Record<string, number> = {};
    for (const k of [...keys].sort()) {
      utilization[k] = mean((r) => r.utilization[k]);
      queue[k] = mean((r) => r.queue[k]);
    }
    out.push({
      t_s: bucket[bucket.length - 1]!.t_s,
      throughput_gbps: mean((r) => r.throughput_gbps),
      handshakes_per_s: mean((r) => r.handshakes_per_s),
      active_connections: mean((r) => r.active_connections),
      utilization,
      queue,
    });
  }
  return out;
}

/** Thin a CDF to at most `max` points, evenly spaced in fraction; first and last points always kept. */
export function downsampleCdf(cdf: readonly CdfPoint[], max = MAX_CDF_POINTS): CdfPoint[] {
  const pts = cdf.filter((p) => isNum(p.latency_ms) && isNum(p.fraction));
  if (pts.length <= max) return pts;
  const out: CdfPoint[] = [pts[0]!];
  let j = 0;
  for (let i = 1; i < max - 1; i++) {
    const target = i / (max - 1);
    while (j < pts.length - 1 && pts[j]!.fraction < target) j++;
    if (pts[j] !== out[out.length - 1]) out.push(pts[j]!);
  }
  const last = pts[pts.length - 1]!;
  if (out[out.length - 1] !== last) out.push(last);
  return out;
}

/** Round for chart data so the SVG does not depend on float noise and stays small. */
function r6(x: number): number | null {
  return isNum(x) ? Number(x.toPrecision(6)) : null;
}

function cdfSpec(result: SimResult): TopLevelSpec {
  const pts = downsampleCdf(result.handshakeLatencyCdf.filter((p) => p.latency_ms > 0));
  const values = pts.map((p) => ({ latency_ms: r6(p.latency_ms), fraction: r6(p.fraction) }));
  // Start the staircase on the x axis.
  if (pts.length && pts[0]!.fraction > 0) values.unshift({ latency_ms: r6(pts[0]!.latency_ms), fraction: 0 });
  const n = result.summary.handshakes.completed;
  // A long tail (retransmission timeouts are ~1 s against ~1 ms handshakes) squashes a linear axis: go log.
  const median = pts.find((p) => p.fraction >= 0.5)?.latency_ms ?? NaN;
  const log = pts.length > 1 && isNum(median) && median > 0 && pts[pts.length - 1]!.latency_ms / median > 20;
  return {
    title: { text: 'Handshake latency CDF', subtitle: `${n} completed handshakes` },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after', color: '#1f77b4', strokeWidth: 2 },
    encoding: {
      x: {
        field: 'latency_ms',
        type: 'quantitative',
        title: log ? 'Handshake latency (ms, log scale)' : 'Handshake latency (ms)',
        scale: log ? { type: 'log', nice: false } : { zero: false },
      },
      y: { field: 'fraction', type: 'quantitative', title: 'Fraction of handshakes', scale: { domain: [0, 1] } },
    },
  } as TopLevelSpec;
}

function longBlockSeries(rows: TimeseriesRow[], blocks: string[], pick: (r: TimeseriesRow) => Record<string, number>) {
  const out: { t_s: number | null; block: string; value: number | null }[] = [];
  for (const r of rows) for (const b of blocks) {
    const v = pick(r)[b];
    if (v !== undefined) out.push({ t_s: r6(r.t_s), block: b, value: r6(v) });
  }
  return out;
}

/** Below this, an interval counts as idle (no goodput, no handshake, every block under 0.5 % busy). */
const IDLE_UTILISATION = 0.005;

function isIdle(r: TimeseriesRow): boolean {
  if (r.throughput_gbps > 0 || r.handshakes_per_s > 0) return false;
  for (const v of Object.values(r.utilization)) if (v > IDLE_UTILISATION) return false;
  return true;
}

/**
 * The time series without a long idle tail (e.g. one handshake finishing after retransmission timeouts long after
 * the rest of the run), which would squash the active window into a sliver of the axis: when the idle intervals at
 * the end span more than a quarter of the series, the charts stop one interval after the last active one and say
 * what was left out. `clippedFrom`/`clippedTo`: the simulated times not drawn (s), or null.
 */
export function activeWindow(rows: readonly TimeseriesRow[]): { rows: readonly TimeseriesRow[]; clippedFrom: number | null; clippedTo: number | null } {
  let last = rows.length - 1;
  while (last >= 0 && isIdle(rows[last]!)) last--;
  const keep = Math.min(rows.length, last + 2);
  if (last < 0 || rows.length - keep <= rows.length / 4) return { rows, clippedFrom: null, clippedTo: null };
  return { rows: rows.slice(0, keep), clippedFrom: rows[keep - 1]!.t_s, clippedTo: rows[rows.length - 1]!.t_s };
}

function clipNote(w: ReturnType<typeof activeWindow>): string {
  return w.clippedFrom === null ? '' : `; idle from ${r6(w.clippedFrom)} s to ${r6(w.clippedTo!)} s not shown`;
}

/** x axis over the covered time span: (first t_s - interval, last t_s]. */
function timeAxis(result: SimResult, rows: TimeseriesRow[]) {
  const x: Record<string, unknown> = { field: 't_s', type: 'quantitative', title: 'Simulated time (s)' };
  const first = rows[0]?.t_s;
  const last = rows[rows.length - 1]?.t_s;
  const iv = result.timeseries.interval_s;
  if (isNum(first) && isNum(last) && isNum(iv)) x.scale = { domain: [r6(Math.max(0, first - iv)), r6(last)], nice: false };
  return x;
}

/** Few samples: draw the points too, else a single sample would be invisible. */
const withPoints = (n: number) => (n <= 60 ? { point: { size: 30 } } : {});

function throughputSpec(result: SimResult): TopLevelSpec {
  const window = activeWindow(result.timeseries.rows);
  const rows = downsampleRows(window.rows);
  const blocks = timeseriesBlocks(result);
  const tp = rows.map((r) => ({ t_s: r6(r.t_s), throughput_gbps: r6(r.throughput_gbps) }));
  const util = longBlockSeries(rows, blocks, (r) => r.utilization);
  const lowUtil = util.length > 0 && util.every((u) => u.value === null || u.value < 0.2);
  const x = timeAxis(result, rows);
  return {
    title: { text: 'Throughput and block utilisation over time', subtitle: `sampled every ${result.timeseries.interval_s} s${clipNote(window)}` },
    config: CONFIG,
    vconcat: [
      {
        width: WIDTH,
        height: 160,
        data: { values: tp },
        mark: { type: 'line', color: '#1f77b4', strokeWidth: 1.5, ...withPoints(rows.length) },
        encoding: { x, y: { field: 'throughput_gbps', type: 'quantitative', title: 'Goodput (Gbit/s)' } },
      },
      {
        width: WIDTH,
        height: 200,
        data: { values: util },
        mark: { type: 'line', strokeWidth: 1.5, ...withPoints(rows.length) },
        encoding: {
          x,
          // Full 0-100 % unless everything stays below 20 %: then zoom in (the axis title says so).
          y: {
            field: 'value',
            type: 'quantitative',
            title: lowUtil ? 'Utilisation (zoomed, max < 20 %)' : 'Utilisation',
            scale: lowUtil ? { zero: true } : { domain: [0, 1] },
            axis: { format: lowUtil ? '.2~%' : '.0%' },
          },
          color: { field: 'block', type: 'nominal', title: 'Block', sort: blocks },
        },
      },
    ],
  } as TopLevelSpec;
}

function queueSpec(result: SimResult): TopLevelSpec {
  const window = activeWindow(result.timeseries.rows);
  const rows = downsampleRows(window.rows);
  const blocks = timeseriesBlocks(result);
  const values = longBlockSeries(rows, blocks, (r) => r.queue);
  // All-zero queues (a lightly loaded run) would give a degenerate [0, 0] axis.
  const flat = values.every((v) => v.value === null || v.value <= 0);
  return {
    title: { text: 'Queue depth over time', subtitle: `time-averaged requests waiting per block${clipNote(window)}` },
    width: WIDTH,
    height: HEIGHT,
    config: CONFIG,
    data: { values },
    mark: { type: 'line', strokeWidth: 1.5, ...withPoints(rows.length) },
    encoding: {
      x: timeAxis(result, rows),
      y: { field: 'value', type: 'quantitative', title: 'Queue depth (requests)', scale: flat ? { domain: [0, 1] } : { zero: true } },
      color: { field: 'block', type: 'nominal', title: 'Block', sort: blocks },
    },
  } as TopLevelSpec;
}

function breakdownPanel(entries: SimResult['breakdown']['handshake'], scale: number, title: string, unit: string) {
  const order = entries.map((e) => e.component);
  const values: { component: string; part: string; value: number | null; order: number }[] = [];
  for (const e of entries) {
    values.push({ component: e.component, part: 'waiting', value: r6(e.waiting_us / scale), order: 0 });
    values.push({ component: e.component, part: 'service', value: r6(e.service_us / scale), order: 1 });
  }
  return {
    width: WIDTH - 100,
    height: { step: 22 },
    title: { text: title, fontSize: 12 },
    data: { values },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'component', type: 'nominal', title: 'Component', sort: order },
      x: { field: 'value', type: 'quantitative', title: `Mean time per ${unit}`, stack: 'zero' },
      color: {
        field: 'part',
        type: 'nominal',
        title: 'Time spent',
        sort: ['waiting', 'service'],
        scale: { domain: ['waiting', 'service'], range: ['#ff7f0e', '#1f77b4'] },
      },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

function breakdownSpec(result: SimResult): TopLevelSpec {
  return {
    title: { text: 'Where the time goes', subtitle: 'mean latency per component: waiting vs service' },
    config: CONFIG,
    resolve: { scale: { color: 'shared' } },
    vconcat: [
      breakdownPanel(result.breakdown.handshake, 1000, 'Mean handshake', 'handshake (ms)'),
      breakdownPanel(result.breakdown.record, 1, 'Mean record', 'record (us)'),
    ],
  } as TopLevelSpec;
}

/** The four chart specs, in report order. */
export function chartSpecs(result: SimResult): ChartSpec[] {
  return [
    { name: 'handshake_latency_cdf', title: 'Handshake latency CDF', spec: cdfSpec(result) },
    { name: 'throughput_utilization', title: 'Throughput and block utilisation over time', spec: throughputSpec(result) },
    { name: 'queue_depth', title: 'Queue depth over time', spec: queueSpec(result) },
    { name: 'time_breakdown', title: 'Where the time goes', spec: breakdownSpec(result) },
  ];
}

/**
 * Make element ids deterministic and unique per chart: every `id="..."` is renamed `<prefix>-<n>` in order of
 * appearance and references (`url(#...)`, `href="#..."`) follow. Also drops vega's per-process counters.
 */
export function normalizeSvgIds(svg: string, prefix: string): string {
  const map = new Map<string, string>();
  svg.replace(/\sid="([^"]+)"/g, (_m, id: string) => {
    if (!map.has(id)) map.set(id, `${prefix}-${map.size + 1}`);
    return _m;
  });
  if (map.size === 0) return svg;
  return svg
    .replace(/(\sid=")([^"]+)(")/g, (_m, a: string, id: string, c: string) => `${a}${map.get(id) ?? id}${c}`)
    .replace(/url\(#([^)]+)\)/g, (_m, id: string) => `url(#${map.get(id) ?? id})`)
    .replace(/(href=")#([^"]+)(")/g, (_m, a: string, id: string, c: string) => `${a}#${map.get(id) ?? id}${c}`);
}

// vega and vega-lite take ~1 s to load on a busy machine: loaded on first use, so runs without charts and
// argument errors do not pay for them.
let vegaLibs: Promise<[typeof import('vega-lite'), typeof import('vega')]> | undefined;

/** Compile a vega-lite spec and render it to an SVG string, headless. */
export async function specToSvg(spec: TopLevelSpec, idPrefix = 'c'): Promise<string> {
  vegaLibs ??= Promise.all([import('vega-lite'), import('vega')]);
  const [{ compile }, { View, parse }] = await vegaLibs;
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return normalizeSvgIds(svg, idPrefix);
  } finally {
    view.finalize();
  }
}

/** Render all charts to SVG (sequentially: vega views are not cheap). */
export async function renderChartSvgs(result: SimResult): Promise<RenderedChart[]> {
  const out: RenderedChart[] = [];
  for (const c of chartSpecs(result)) out.push({ name: c.name, title: c.title, svg: await specToSvg(c.spec, c.name) });
  return out;
}
