// Output files of a sweep (or of a merge, which must produce the same bytes): dse.csv, pareto.json,
// recommendation.json, charts/*.svg|png and report.html. Everything is derived from the plan and the stored runs.
import { fmt } from '../report/format.ts';
import type { OutputFile } from '../report/types.ts';
import type { PointResult, SweepResult } from './aggregate.ts';
import { renderCharts } from './charts.ts';
import type { Plan } from './plan.ts';

function csvCell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

function num(x: number | undefined): string {
  return x === undefined ? '' : fmt(x, 10, '');
}

function paramCell(v: unknown): string {
  return typeof v === 'number' ? num(v) : String(v);
}

/** One row per point: parameters, each metric with its CI bounds, SLA verdicts, Pareto membership, error. */
export function renderCsv(r: SweepResult): string {
  const params = r.plan.params;
  const slaNames = [...new Set(r.points.flatMap((p) => p.sla.map((s) => s.name)))];
  const header = [
    'point',
    ...params,
    'replications',
    ...r.columns.flatMap((c) => [c, `${c}.ci_low`, `${c}.ci_high`]),
    'sla_pass',
    ...slaNames.map((n) => `sla_pass:${n}`),
    'pareto',
    'bottleneck',
    'error',
  ];
  const pareto = new Set(r.pareto);
  const lines = [header.map(csvCell).join(',')];
  for (const p of r.points) {
    const row = [
      String(p.index),
      ...params.map((k) => paramCell(p.params[k])),
      String(p.replications),
      ...r.columns.flatMap((c) => {
        const m = p.metrics[c];
        return m ? [num(m.mean), num(m.low), num(m.high)] : ['', '', ''];
      }),
      p.sla_pass ? '1' : '0',
      ...slaNames.map((n) => {
        const s = p.sla.find((x) => x.name === n);
        return s ? (s.pass ? '1' : '0') : '';
      }),
      pareto.has(p.index) ? '1' : '0',
      p.bottleneck?.block ?? '',
      (p.error ?? '').split('\n')[0]!,
    ];
    lines.push(row.map(csvCell).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function pointSummary(r: SweepResult, p: PointResult) {
  const ci = (m: string) => {
    const v = p.metrics[m];
    return v ? { mean: v.mean, ci_low: v.low, ci_high: v.high } : null;
  };
  return {
    point: p.index,
    params: p.params,
    objectives: Object.fromEntries(r.plan.sweep.objectives.map((o) => [o.metric, ci(o.metric)])),
    sla_pass: p.sla_pass,
  };
}

export function renderParetoJson(r: SweepResult): string {
  const byIndex = (i: number) => r.points[i]!;
  const doc = {
    sweep: r.plan.name,
    objectives: r.plan.sweep.objectives,
    confidence: r.plan.sweep.confidence,
    front: r.pareto.map((i) => pointSummary(r, byIndex(i))),
    feasible_front: r.paretoFeasible.map((i) => pointSummary(r, byIndex(i))),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function renderRecommendationJson(r: SweepResult): string {
  const doc = r.recommendation
    ? { sweep: r.plan.name, recommendation: r.recommendation }
    : { sweep: r.plan.name, recommendation: null, reason: r.noRecommendation };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? fmt(v, 6) : String(v)}`)
    .join(', ');
}

/** A relative margin as text; NaN: a target of 0, where only the mean against the target says anything. */
function marginText(m: number): string {
  return Number.isNaN(m) ? 'no relative margin: target 0' : `margin ${fmt(m * 100, 3)}%`;
}

export function recommendationText(r: SweepResult): string {
  const rec = r.recommendation;
  if (!rec) return `No recommendation: ${r.noRecommendation}.`;
  const lines = [
    `Cheapest configuration meeting every SLA: point ${rec.point} (${paramsText(rec.params)})`,
    `  ${rec.cost_metric} = ${fmt(rec.cost, 6)}`,
    `  tightest SLA: ${rec.tightest_sla} (${marginText(rec.margin)})`,
    ...rec.margins.map((m) => `    ${m.name} ${m.op} ${fmt(m.target, 6)}: mean ${fmt(m.mean, 6)}, ${marginText(m.margin)}`),
  ];
  if (rec.bottleneck) lines.push(`  bottleneck block: ${rec.bottleneck.block} (utilisation ${fmt(rec.bottleneck.utilization * 100, 3)}%)`);
  if (rec.largest_wait) lines.push(`  largest wait: ${rec.largest_wait.component} (${fmt(rec.largest_wait.wait_us, 4)} us per handshake + record)`);
  const cf = rec.cheaper_failing;
  const nf = rec.next_feasible;
  if (cf || nf) lines.push('  deciding trade-off:');
  if (cf) {
    lines.push(
      `    point ${cf.point} (${paramsText(cf.params)}) would save ${fmt(rec.cost - cf.cost, 6)} ${rec.cost_metric} but fails ${cf.failed_sla} (mean ${fmt(cf.mean, 6)} vs target ${fmt(cf.target, 6)})`,
    );
  }
  if (nf) lines.push(`    the next point meeting every SLA, ${nf.point} (${paramsText(nf.params)}), costs ${fmt(nf.cost - rec.cost, 6)} more ${rec.cost_metric}`);
  return `${lines.join('\n')}\n`;
}

function renderHtml(r: SweepResult, charts: { name: string; title: string; svg: string }[]): string {
  const sw = r.plan.sweep;
  const rows = r.points
    .map((p) => {
      const cells = [
        String(p.index),
        ...r.plan.params.map((k) => paramCell(p.params[k])),
        ...sw.objectives.map((o) => fmt(p.metrics[o.metric]?.mean, 5)),
        p.error ? 'error' : p.sla_pass ? 'pass' : 'fail',
        r.pareto.includes(p.index) ? 'yes' : '',
        p.bottleneck?.block ?? '',
      ];
      const cls = r.recommendation?.point === p.index ? ' class="rec"' : '';
      return `<tr${cls}>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
    })
    .join('\n');
  const head = ['point', ...r.plan.params, ...sw.objectives.map((o) => `${o.metric} (${o.direction})`), 'SLA', 'Pareto', 'bottleneck'];
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>DSE ${esc(r.plan.name)}</title>
<style>body{font-family:'DejaVu Sans',sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;font-size:12px}
td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}tr.rec{background:#dfd}pre{background:#f6f6f6;padding:1em}
figure{margin:1em 0}</style></head><body>
<h1>Design-space exploration: ${esc(r.plan.name)}</h1>
<p>Base scenario <code>${esc(sw.scenario)}</code>, model <code>${esc(sw.model ?? '(the scenario\'s model)')}</code>; strategy ${esc(sw.strategy.kind)},
${r.points.length} points x ${sw.replications} replications, ${Math.round(sw.confidence * 100)}% Student-t intervals;
code version <code>${esc(r.plan.code_version)}</code>.${r.missingRuns > 0 ? ` <b>${r.missingRuns} planned runs missing (partial output).</b>` : ''}</p>
<h2>Recommendation</h2>
<pre>${esc(recommendationText(r))}</pre>
<h2>Charts</h2>
${charts.map((c) => `<figure>${c.svg}<figcaption>${esc(c.title)}</figcaption></figure>`).join('\n')}
<h2>Points</h2>
<table><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>
${rows}
</table>
</body></html>
`;
}

/** All output files of a sweep result. `png` adds a PNG next to every SVG chart. */
export async function renderOutputs(r: SweepResult, opts: { png: boolean }): Promise<OutputFile[]> {
  const charts = await renderCharts(r, opts);
  const files: OutputFile[] = [
    { path: 'dse.csv', data: renderCsv(r) },
    { path: 'pareto.json', data: renderParetoJson(r) },
    { path: 'recommendation.json', data: renderRecommendationJson(r) },
    { path: 'recommendation.txt', data: recommendationText(r) },
  ];
  for (const c of charts.files) files.push(c);
  files.push({ path: 'report.html', data: renderHtml(r, charts.svgs) });
  return files;
}

export function renderPlanJson(plan: Plan): string {
  return `${JSON.stringify(plan, null, 1)}\n`;
}
