// src/report: turns a SimResult into output files. Pure: no fs, no clocks; the CLI writes the files.
import { renderChartSvgs } from './charts.ts';
import { renderTimeseriesCsv } from './csv.ts';
import { renderReportHtml } from './html.ts';
import { renderConfigJson, renderSummaryJson } from './json.ts';
import { svgToPng } from './png.ts';
import { renderStatsTxt } from './stats.ts';
import { renderTerminalSummary } from './table.ts';
import { normalizeSimResult } from './normalize.ts';
import type { OutputFile, SimResult } from './types.ts';

export type * from './types.ts';
export { canonicalSummary, renderConfigJson, renderSummaryJson, stripWallTime, toJson } from './json.ts';
export { renderStatsTxt } from './stats.ts';
export { renderTimeseriesCsv } from './csv.ts';
export { chartSpecs, downsampleCdf, downsampleRows, renderChartSvgs, specToSvg } from './charts.ts';
export type { ChartSpec, RenderedChart } from './charts.ts';
export { FONT_FILES, svgToPng, svgToRgba } from './png.ts';
export { renderReportHtml } from './html.ts';
export { renderTerminalSummary, slaFailures } from './table.ts';
export { evaluateSla, metricUnit, metricValue } from './sla.ts';
export { normalizeSimResult } from './normalize.ts';
export type { SlaTarget } from './sla.ts';

export interface RenderOptions {
  /** Render charts (SVG, and PNG unless png is false). Default true. */
  charts?: boolean;
  /** Also rasterise charts to PNG. Default true. */
  png?: boolean;
  /** Trace files written beside the outputs (path, what it is), listed in report.html. Default none. */
  traces?: readonly { path: string; what: string }[];
}

/**
 * Every output file of a run: summary.json, config.json, stats.txt, timeseries.csv, summary.txt (the terminal
 * table), charts/<name>.svg and .png, report.html. Same SimResult => byte-identical files. Sections missing from
 * `input` are rendered as undefined (null / nan / "-"), see normalizeSimResult.
 */
export async function renderAll(input: SimResult, opts: RenderOptions = {}): Promise<OutputFile[]> {
  const result = normalizeSimResult(input);
  const files: OutputFile[] = [
    renderSummaryJson(result),
    renderConfigJson(result),
    renderStatsTxt(result),
    renderTimeseriesCsv(result),
    { path: 'summary.txt', data: renderTerminalSummary(result) },
  ];
  const charts = opts.charts === false ? [] : await renderChartSvgs(result);
  for (const c of charts) {
    files.push({ path: `charts/${c.name}.svg`, data: c.svg });
    if (opts.png !== false) files.push({ path: `charts/${c.name}.png`, data: svgToPng(c.svg) });
  }
  files.push({ path: 'report.html', data: renderReportHtml(result, charts, opts.traces) });
  return files;
}
