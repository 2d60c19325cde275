// report.html: one self-contained page readable offline. Inline SVG charts (no script), inline CSS, no external
// URL of any kind (the SVG namespace attributes are dropped: HTML5 does not need them). No wall-clock time, so
// the page is identical for identical simulations.
import { findingsSection } from './findings-html.ts';
import { HZ_PER_MHZ } from '../sim/index.ts';
import { fixed, fmt, pct } from './format.ts';
import { renderSummaryJson, stripWallTime, toJson } from './json.ts';
import type { RenderedChart } from './charts.ts';
import { renderRunHeader, runTitle } from './header.ts';
import type { BreakdownEntry, SimResult } from './types.ts';

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Prepare a standalone SVG for inlining: drop the XML namespace declarations (they are URLs). */
export function inlineSvg(svg: string): string {
  return svg.replace(/\s+xmlns(:\w+)?="[^"]*"/g, '').replace(/^<\?xml[^>]*>\s*/, '');
}

const CSS = `
body{font-family:"DejaVu Sans",Verdana,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}th{background:#f3f3f3}
td:first-child,th:first-child{text-align:left}
.pass{color:#0a0;font-weight:bold}.fail{color:#c00;font-weight:bold}
.meta{color:#555}table.run th,table.run td{text-align:left}details{margin:.5em 0}.chart{margin:1em 0}.chart svg{max-width:100%;height:auto}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.8em}
`;

function cell(x: string, header = false): string {
  return header ? `<th>${escapeHtml(x)}</th>` : `<td>${escapeHtml(x)}</td>`;
}

function table(rows: string[][], rowClass?: (i: number) => string | undefined): string {
  const [head, ...body] = rows;
  const h = `<tr>${head!.map((c) => cell(c, true)).join('')}</tr>`;
  const b = body
    .map((r, i) => {
      const cls = rowClass?.(i);
      return `<tr${cls ? ` class="${cls}"` : ''}>${r.map((c) => cell(c)).join('')}</tr>`;
    })
    .join('\n');
  return `<table>\n${h}\n${b}\n</table>`;
}

const n4 = (x: number) => fmt(x, 4);

function breakdownTable(entries: BreakdownEntry[], unit: string, scale: number): string {
  if (!entries.length) return '<p>No data.</p>';
  let w = 0;
  let s = 0;
  const rows = entries.map((e) => {
    w += e.waiting_us;
    s += e.service_us;
    return [e.component, n4(e.waiting_us / scale), n4(e.service_us / scale), n4((e.waiting_us + e.service_us) / scale)];
  });
  rows.push(['total', n4(w / scale), n4(s / scale), n4((w + s) / scale)]);
  return table([['component', `waiting (${unit})`, `service (${unit})`, `total (${unit})`], ...rows]);
}

/** The HTML page. `charts` are the SVGs from renderChartSvgs (pass [] for a page without charts). */
export function renderReportHtml(result: SimResult, charts: readonly RenderedChart[], traces: readonly { path: string; what: string }[] = []): string {
  const s = result.summary;
  const h = s.handshake_latency_ms;
  const r = s.record_latency_us;
  const u = s.udp_baseline;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">`);
  parts.push(`<title>${escapeHtml(`dtls-accel-sim: ${runTitle(result)}`)}</title>`);
  parts.push(`<style>${CSS}</style>\n</head>\n<body>`);
  parts.push(`<h1>${escapeHtml(`dtls-accel-sim report: ${runTitle(result)}`)}</h1>`);
  parts.push(renderRunHeader(result));
  parts.push(`<p class="meta">${escapeHtml(`simulated ${fmt(s.sim_time_s)} s · ${fmt(s.events)} kernel events`)}</p>`);

  parts.push(findingsSection(result));

  parts.push('<h2>Service-level checks</h2>');
  if (s.sla.length) {
    const failed = s.sla.filter((x) => !x.pass).length;
    parts.push(
      `<p class="${failed ? 'fail' : 'pass'}">${escapeHtml(failed ? `${failed} of ${s.sla.length} checks FAILED` : `all ${s.sla.length} checks passed`)}</p>`,
    );
    parts.push(
      table(
        [
          ['check', 'target', 'value', 'result'],
          ...s.sla.map((x) => [x.name, `${x.op} ${fmt(x.target)} ${x.unit}`.trim(), Number.isFinite(x.value) ? `${n4(x.value)} ${x.unit}`.trim() : '- (undefined)', x.pass ? 'PASS' : 'FAIL']),
        ],
        (i) => (s.sla[i]!.pass ? 'pass' : 'fail'),
      ),
    );
  } else parts.push('<p>The scenario defines no service-level checks.</p>');

  parts.push('<h2>Summary</h2>');
  parts.push(
    table([
      ['handshakes', 'offered', 'completed', 'failed', 'in progress at the end', 'retransmissions', 'server half-open dropped'],
      ['', String(s.handshakes.offered), String(s.handshakes.completed), String(s.handshakes.failed), String(s.handshakes.in_progress), String(s.handshakes.retransmissions), String(s.handshakes.half_open_dropped)],
    ]),
  );
  parts.push(
    table([
      ['latency', 'mean', 'p50', 'p90', 'p99', 'max'],
      ['handshake (ms)', n4(h.mean), n4(h.p50), n4(h.p90), n4(h.p99), n4(h.max)],
      ['record (us)', n4(r.mean), n4(r.p50), '-', n4(r.p99), n4(r.max)],
      ['plain UDP record (us)', n4(u.record_latency_us.mean), n4(u.record_latency_us.p50), '-', n4(u.record_latency_us.p99), n4(u.record_latency_us.max)],
    ]),
  );
  parts.push(
    table([
      ['throughput', 'DTLS', 'plain UDP'],
      ['goodput window (s)', n4(s.throughput.goodput_window_s), n4(u.goodput_window_s)],
      ['goodput over the window (Gbit/s)', n4(s.throughput.goodput_gbps), n4(u.goodput_gbps)],
      ['records/s over the window', n4(s.throughput.records_per_s), n4(u.records_per_s)],
      ['port rx wire rate (Gbit/s)', n4(s.throughput.wire_rx_gbps), n4(u.wire_rx_gbps)],
      ['port tx wire rate (Gbit/s)', n4(s.throughput.wire_tx_gbps), n4(u.wire_tx_gbps)],
      ['handshakes/s', n4(s.throughput.handshakes_per_s), '-'],
    ]),
  );
  const o = s.overhead_vs_udp;
  parts.push(
    table([
      ['overhead vs plain UDP', 'value'],
      ['extra wire bytes per delivered payload byte (%)', fixed(o.bytes_pct, 2)],
      ['extra mean record latency (%)', fixed(o.latency_pct, 2)],
      ['aggregate goodput ratio (each over its own window)', fixed(o.aggregate_goodput_ratio, 4)],
      ['per-connection throughput ratio (throughput_ratio)', fixed(o.throughput_ratio, 4)],
    ]),
  );
  parts.push(
    table([
      ['records and drops', 'count'],
      ['records sent', String(s.records.sent)],
      ['records received', String(s.records.received)],
      ['records not received', String(s.records.lost)],
      ...(['dtls', 'udp_baseline'] as const).flatMap((run) => {
        const c = s.conservation[run];
        return [
          [`${run} datagrams sent (whole run)`, String(c.sent)],
          [`${run} datagrams delivered`, String(c.delivered)],
          ...Object.keys(c.dropped).sort().map((k) => [`${run} datagrams dropped: ${k}`, String(c.dropped[k])]),
          [`${run} datagrams in flight at the end`, String(c.in_flight)],
        ];
      }),
    ]),
  );
  parts.push(
    table([
      ['cost and memory', 'value'],
      ['area (mm^2)', n4(s.cost.area_mm2)],
      ['average power (W)', n4(s.cost.avg_power_w)],
      ['energy (J)', n4(s.cost.energy_j)],
      ['energy per handshake (uJ)', n4(s.cost.energy_per_handshake_uj)],
      ['energy per GB (J)', n4(s.cost.energy_per_gb_j)],
      ['state per connection (bytes)', fmt(s.memory.bytes_per_connection)],
      ['peak connections', fmt(s.memory.peak_connections)],
      ['peak state (bytes)', fmt(s.memory.peak_bytes)],
    ]),
  );

  parts.push('<h2>Hardware blocks</h2>');
  parts.push(
    table([
      ['block', 'kind', 'inst', 'clock (MHz)', 'util', 'mean queue', 'max queue', 'served', 'dropped', 'wait mean (us)', 'wait p99 (us)', 'sojourn p99 (us)', 'energy (J)', 'area (mm^2)'],
      ...result.blocks.map((b) => [
        b.name,
        b.kind,
        String(b.instances),
        fmt(b.clock_hz / HZ_PER_MHZ),
        pct(b.utilization),
        fixed(b.mean_queue, 3),
        fmt(b.max_queue),
        String(b.served),
        String(b.dropped),
        n4(b.wait_us.mean),
        n4(b.wait_us.p99),
        n4(b.sojourn_us.p99),
        n4(b.energy_j),
        n4(b.area_mm2),
      ]),
    ]),
  );
  const opRows: string[][] = [];
  for (const b of result.blocks) {
    for (const k of Object.keys(b.ops).sort()) opRows.push([b.name, k, fmt(b.ops[k])]);
    const c = b.counters ?? {};
    for (const k of Object.keys(c).sort()) opRows.push([b.name, `counter: ${k}`, fmt(c[k])]);
  }
  if (opRows.length) parts.push(table([['block', 'operation', 'count'], ...opRows]));

  parts.push('<h2>Where the time goes</h2>');
  parts.push('<p>Mean time per handshake</p>', breakdownTable(result.breakdown.handshake, 'ms', 1000));
  parts.push('<p>Mean time per record</p>', breakdownTable(result.breakdown.record, 'us', 1));

  if (traces.length) {
    parts.push('<h2>Traces</h2>', '<ul>');
    for (const t of traces) parts.push(`<li><a href="${escapeHtml(t.path)}">${escapeHtml(t.path)}</a>: ${escapeHtml(t.what)}</li>`);
    parts.push('</ul>');
  }

  if (charts.length) {
    parts.push('<h2>Charts</h2>');
    for (const c of charts) parts.push(`<div class="chart" id="chart-${escapeHtml(c.name)}">\n${inlineSvg(c.svg)}\n</div>`);
  }

  parts.push('<h2>Raw data</h2>');
  // summary.json as written (findings included), only the wall-clock time left out
  parts.push(`<details><summary>Summary (summary.json, wall-clock time omitted)</summary>\n<pre>${escapeHtml(stripWallTime(String(renderSummaryJson(result).data)))}</pre></details>`);
  parts.push(`<details><summary>Configuration (config.json)</summary>\n<pre>${escapeHtml(toJson(result.config))}</pre></details>`);
  parts.push('</body>\n</html>\n');
  return parts.join('\n');
}
