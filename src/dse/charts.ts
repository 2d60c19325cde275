// Sweep charts as vega-lite specs, rendered with the report's headless helpers (src/report/charts.ts specToSvg,
// src/report/png.ts svgToPng): Pareto fronts of cost vs latency and vs throughput with the SLA line, and each
// metric's sensitivity to each parameter (replication mean with its confidence interval).
import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT, specToSvg } from '../report/charts.ts';
import { svgToPng } from '../report/png.ts';
import type { OutputFile } from '../report/types.ts';
import type { PointResult, SweepResult } from './aggregate.ts';
import { paretoFront } from './pareto.ts';
import type { Direction } from './pareto.ts';

const CONFIG = {
  font: CHART_FONT,
  background: 'white',
  padding: 10,
  axis: { labelFontSize: 11, titleFontSize: 12, labelFont: CHART_FONT, titleFont: CHART_FONT },
  legend: { labelFontSize: 11, titleFontSize: 12, labelFont: CHART_FONT, titleFont: CHART_FONT },
  title: { fontSize: 14, font: CHART_FONT, anchor: 'start' as const },
  header: { labelFont: CHART_FONT, titleFont: CHART_FONT },
};

export interface SweepChart {
  name: string;
  title: string;
  spec: TopLevelSpec;
}

function finite(x: number | undefined): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Log scale when every value is positive and they span more than two decades (e.g. overloaded points). */
function yScale(values: number[]): Record<string, unknown> {
  const v = values.filter((x) => Number.isFinite(x));
  if (v.length > 1 && v.every((x) => x > 0) && Math.max(...v) / Math.min(...v) > 100) return { type: 'log' };
  return { zero: false };
}

function valid(r: SweepResult): PointResult[] {
  return r.points.filter((p) => p.error === undefined && p.replications > 0 && p.replications === p.planned);
}

function slaTarget(r: SweepResult, metric: string): number | undefined {
  for (const p of r.points) for (const s of p.sla) if (s.name === metric) return s.target;
  return undefined;
}

function paretoSpec(r: SweepResult, yMetric: string, yDir: Direction, title: string): TopLevelSpec {
  const cost = r.plan.sweep.cost_metric;
  const pts = valid(r).filter((p) => finite(p.metrics[cost]?.mean) && finite(p.metrics[yMetric]?.mean));
  const vec = pts.map((p) => [p.metrics[cost]!.mean, p.metrics[yMetric]!.mean]);
  const front = new Set(paretoFront(vec, ['min', yDir]).map((i) => pts[i]!.index));
  const target = slaTarget(r, yMetric);
  const data = pts.map((p) => ({
    point: p.index,
    x: p.metrics[cost]!.mean,
    y: p.metrics[yMetric]!.mean,
    sla: p.sla_pass ? 'meets SLA' : 'violates SLA',
    front: front.has(p.index),
  }));
  const frontData = data.filter((d) => d.front).sort((a, b) => a.x - b.x || a.y - b.y);
  const layers: unknown[] = [
    {
      data: { values: data },
      mark: { type: 'point', filled: true, size: 50, opacity: 0.8 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: cost, scale: { zero: false } },
        y: { field: 'y', type: 'quantitative', title: yMetric, scale: yScale([...data.map((d) => d.y), ...(target !== undefined ? [target] : [])]) },
        color: { field: 'sla', type: 'nominal', title: 'SLA', scale: { domain: ['meets SLA', 'violates SLA'], range: ['#2a9d3f', '#d62728'] } },
        tooltip: [{ field: 'point' }, { field: 'x' }, { field: 'y' }],
      },
    },
    {
      data: { values: frontData },
      mark: { type: 'line', color: '#333', strokeDash: [4, 2], interpolate: 'step-after' },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    },
  ];
  if (target !== undefined) {
    layers.push({
      data: { values: [{ y: target, label: `SLA ${target}` }] },
      layer: [
        { mark: { type: 'rule', color: '#d62728', strokeWidth: 1.5 }, encoding: { y: { field: 'y', type: 'quantitative' } } },
        {
          mark: { type: 'text', align: 'left', dx: 4, dy: -6, color: '#d62728' },
          encoding: { y: { field: 'y', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
        },
      ],
    });
  }
  return { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', title, width: 520, height: 300, config: CONFIG, layer: layers } as TopLevelSpec;
}

function sensitivitySpec(r: SweepResult, metric: string): TopLevelSpec {
  const sweep = r.plan.sweep;
  const panels = sweep.parameters.map((p) => {
    const numeric = !('values' in p) || p.values.every((v) => typeof v === 'number');
    const discrete = 'values' in p || sweep.strategy.kind === 'grid';
    const data = valid(r)
      .filter((pt) => finite(pt.metrics[metric]?.mean))
      .map((pt) => ({
        v: pt.params[p.param],
        mean: pt.metrics[metric]!.mean,
        low: pt.metrics[metric]!.low,
        high: pt.metrics[metric]!.high,
      }));
    const ys = yScale(data.flatMap((d) => [d.low, d.high]));
    const x = numeric
      ? { field: 'v', type: 'quantitative', title: p.param, scale: { padding: 12, ...('log' in p ? { type: 'log' } : { zero: false }) } }
      : { field: 'v', type: 'nominal', title: p.param };
    return {
      width: 200,
      height: 160,
      data: { values: data },
      layer: [
        { mark: { type: 'rule', color: '#999' }, encoding: { x, y: { field: 'low', type: 'quantitative', title: metric, scale: ys }, y2: { field: 'high' } } },
        { mark: { type: 'point', filled: true, size: 30 }, encoding: { x, y: { field: 'mean', type: 'quantitative' } } },
        // Main effect for discrete axes (value lists, grids): the metric averaged over the other parameters.
        ...(discrete
          ? [{ mark: { type: 'line', color: '#e45756', point: false }, encoding: { x, y: { field: 'mean', aggregate: 'mean', type: 'quantitative' } } }]
          : []),
      ],
    };
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Sensitivity of ${metric} (mean and ${Math.round(sweep.confidence * 100)}% CI per point; red: average per value)`,
    config: CONFIG,
    hconcat: panels,
  } as TopLevelSpec;
}

function safeName(m: string): string {
  return m.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function chartSpecs(r: SweepResult): SweepChart[] {
  const sweep = r.plan.sweep;
  const latency =
    sweep.objectives.find((o) => o.direction === 'min' && o.metric !== sweep.cost_metric && /latency/.test(o.metric))?.metric ??
    'handshake_latency_ms.p99';
  const throughput = sweep.objectives.find((o) => o.direction === 'max' && /throughput|gbps/.test(o.metric))?.metric ?? 'throughput.goodput_gbps';
  const charts: SweepChart[] = [
    { name: 'pareto_cost_latency', title: `Pareto front: ${sweep.cost_metric} vs ${latency}`, spec: paretoSpec(r, latency, 'min', `${sweep.cost_metric} vs ${latency}`) },
    {
      name: 'pareto_cost_throughput',
      title: `Pareto front: ${sweep.cost_metric} vs ${throughput}`,
      spec: paretoSpec(r, throughput, 'max', `${sweep.cost_metric} vs ${throughput}`),
    },
  ];
  const metrics = [...new Set([...sweep.objectives.map((o) => o.metric), ...r.points.flatMap((p) => p.sla.map((s) => s.name))])];
  for (const m of metrics) charts.push({ name: `sensitivity_${safeName(m)}`, title: `Sensitivity of ${m} to each parameter`, spec: sensitivitySpec(r, m) });
  return charts;
}

export async function renderCharts(
  r: SweepResult,
  opts: { png: boolean },
): Promise<{ files: OutputFile[]; svgs: { name: string; title: string; svg: string }[] }> {
  const files: OutputFile[] = [];
  const svgs: { name: string; title: string; svg: string }[] = [];
  for (const c of chartSpecs(r)) {
    const svg = await specToSvg(c.spec, c.name);
    svgs.push({ name: c.name, title: c.title, svg });
    files.push({ path: `charts/${c.name}.svg`, data: svg });
    if (opts.png) files.push({ path: `charts/${c.name}.png`, data: svgToPng(svg) });
  }
  return { files, svgs };
}
