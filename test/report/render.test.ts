// Renderer tests on a hand-built SimResult (test/report/fixture.ts): formats, key order, determinism.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  canonicalSummary,
  chartSpecs,
  downsampleCdf,
  downsampleRows,
  renderAll,
  renderChartSvgs,
  renderConfigJson,
  renderReportHtml,
  renderStatsTxt,
  renderSummaryJson,
  renderTerminalSummary,
  renderTimeseriesCsv,
  stripWallTime,
  svgToPng,
  svgToRgba,
} from '../../src/report/index.ts';
import { SUMMARY_ORDER } from '../../src/report/json.ts';
import { normalizeSvgIds } from '../../src/report/charts.ts';
import { fixed, fmt, pct } from '../../src/report/format.ts';
import type { OutputFile, SimResult } from '../../src/report/types.ts';
import { makeFixture } from './fixture.ts';
import { activeWindow } from '../../src/report/charts.ts';

const text = (f: OutputFile) => (typeof f.data === 'string' ? f.data : Buffer.from(f.data).toString('utf8'));

/** Same content, every object's keys inserted in reverse order. */
function reverseKeys<T>(v: T): T {
  if (Array.isArray(v)) return v.map(reverseKeys) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) out[k] = reverseKeys((v as Record<string, unknown>)[k]);
    return out as T;
  }
  return v;
}

// Render the fixture once for the tests that only read the output.
const fixture = makeFixture();
const all = await renderAll(fixture);
const byPath = new Map(all.map((f) => [f.path, f]));

test('renderAll produces every documented file', () => {
  const expected = [
    'summary.json',
    'config.json',
    'stats.txt',
    'timeseries.csv',
    'summary.txt',
    'report.html',
    ...['handshake_latency_cdf', 'throughput_utilization', 'queue_depth', 'time_breakdown'].flatMap((n) => [`charts/${n}.svg`, `charts/${n}.png`]),
  ];
  assert.equal([...byPath.keys()].sort(), expected.sort());
});

test('summary.json: fixed key order, independent of insertion order', () => {
  const s = text(renderSummaryJson(fixture));
  const parsed = JSON.parse(s) as Record<string, unknown>;
  const top = SUMMARY_ORDER.map((o) => (typeof o === 'string' ? o : o[0]));
  assert.equal(Object.keys(parsed), top);
  assert.equal(Object.keys(parsed.handshake_latency_ms as object), ['mean', 'p50', 'p90', 'p99', 'max']);
  assert.equal(Object.keys(parsed.blocks as object), ['aead', 'cpu', 'dma', 'hkdf', 'pke', 'port']);
  assert.equal(Object.keys((parsed.blocks as Record<string, object>).aead!), ['instances', 'utilization', 'mean_queue', 'p99_wait_us', 'ops']);
  assert.equal(Object.keys((parsed.sla as object[])[0]!), ['name', 'op', 'target', 'value', 'unit', 'pass']);
  const shuffled = { ...fixture, summary: reverseKeys(fixture.summary) };
  assert.is(text(renderSummaryJson(shuffled)), s);
  assert.ok(s.endsWith('}\n'));
  assert.is((parsed.handshakes as { completed: number }).completed, 1000);
});

test('summary.json: NaN and Infinity become null; extra keys are kept, sorted, after the known ones', () => {
  const r = makeFixture({ handshakes: 0 });
  (r.summary as unknown as Record<string, unknown>).zz_extra = 1;
  (r.summary as unknown as Record<string, unknown>).aa_extra = 2;
  r.summary.overhead_vs_udp.throughput_ratio = Infinity;
  type Nullable = { p99: number | null; mean: number | null; throughput_ratio: number | null };
  const parsed = JSON.parse(text(renderSummaryJson(r))) as Record<string, Nullable>;
  assert.is(parsed.handshake_latency_ms!.p99, null);
  assert.is(parsed.handshake_latency_ms!.mean, null);
  assert.is(parsed.overhead_vs_udp!.throughput_ratio, null);
  assert.equal(Object.keys(parsed).slice(-2), ['aa_extra', 'zz_extra']);
});

test('config.json is the config object, pretty-printed', () => {
  const c = text(renderConfigJson(fixture));
  assert.equal(JSON.parse(c), fixture.config);
  assert.ok(c.includes('\n  "scenario": {'));
});

test('stripWallTime removes wall_time_s deeply, from objects and JSON text', () => {
  const a = makeFixture();
  const b = makeFixture();
  b.summary.wall_time_s = 99;
  assert.is.not(text(renderSummaryJson(a)), text(renderSummaryJson(b)));
  assert.is(stripWallTime(text(renderSummaryJson(a))), stripWallTime(text(renderSummaryJson(b))));
  const stripped = stripWallTime({ x: { wall_time_s: 1, y: [{ wall_time_s: 2, z: 3 }] }, wall_time_s: 4 });
  assert.equal(stripped, { x: { y: [{ z: 3 }] } });
  assert.not.ok('wall_time_s' in stripWallTime(canonicalSummary(a.summary)));
  assert.is(a.summary.wall_time_s, 3.25, 'input not modified');
});

test('stats.txt: gem5-style lines between begin/end markers', () => {
  const s = text(renderStatsTxt(fixture));
  const lines = s.split('\n');
  const b = lines.indexOf('---------- Begin Simulation Statistics ----------');
  const e = lines.indexOf('---------- End Simulation Statistics   ----------');
  assert.ok(b >= 0 && e > b);
  const body = lines.slice(b + 1, e).filter((l) => l !== '');
  assert.ok(body.length > 100, `${body.length} stat lines`);
  const names = new Set<string>();
  for (const l of body) {
    const m = /^(\S+)\s+(\S+)\s+# (.+)$/.exec(l);
    assert.ok(m, `bad line: ${l}`);
    assert.not.ok(names.has(m![1]!), `duplicate ${m![1]}`);
    names.add(m![1]!);
    assert.ok(/^(-?[\d.]+(e[-+]\d+)?|nan)$/.test(m![2]!), `value ${m![2]}`);
  }
  const get = (n: string) => body.find((l) => l.startsWith(`${n} `))?.split(/\s+/)[1];
  assert.is(get('system.aead.utilization'), '0.66');
  assert.is(get('system.aead.instances'), '4');
  assert.is(get('system.aead.ops::aead-seal'), '30000');
  assert.is(get('system.pke.dropped'), '17');
  assert.is(get('system.cpu.counters::ctx_hits'), '900');
  assert.is(get('handshakes.completed'), '1000');
  assert.is(get('breakdown.handshake.pke.waiting_us'), '250');
  // values start in the same column for ordinary names
  const col = body[0]!.search(/\S+\s+#/);
  assert.ok(body.slice(0, 10).every((l) => l.search(/\S+\s+#/) === col));
  const empty = makeFixture({ handshakes: 0 });
  assert.ok(text(renderStatsTxt(empty)).includes('handshakes.latency_ms.p99'.padEnd(50) + 'nan'));
});

test('timeseries.csv: header and one row per sample', () => {
  const lines = text(renderTimeseriesCsv(fixture)).trimEnd().split('\n');
  const blocks = fixture.blocks.map((b) => b.name);
  const header = ['t_s', 'throughput_gbps', 'handshakes_per_s', 'active_connections', ...blocks.map((b) => `util_${b}`), ...blocks.map((b) => `queue_${b}`)];
  assert.is(lines[0], header.join(','));
  assert.is(lines.length, fixture.timeseries.rows.length + 1);
  for (const l of lines.slice(1)) assert.is(l.split(',').length, header.length);
  const row = fixture.timeseries.rows[9]!;
  const cells = lines[10]!.split(',');
  assert.ok(Math.abs(Number(cells[0]) - row.t_s) < 1e-12);
  assert.ok(Math.abs(Number(cells[header.indexOf('util_pke')]) - row.utilization.pke!) < 1e-8);
  assert.ok(Math.abs(Number(cells[header.indexOf('queue_aead')]) - row.queue.aead!) < 1e-8);
  const r = makeFixture({ rows: 2 });
  r.timeseries.rows[0]!.throughput_gbps = NaN;
  delete r.timeseries.rows[1]!.queue.dma;
  const l2 = text(renderTimeseriesCsv(r)).trimEnd().split('\n');
  assert.is(l2[1]!.split(',')[1], '');
  assert.is(l2[2]!.split(',')[header.indexOf('queue_dma')], '');
});

test('charts: SVGs carry the expected titles and axis titles', () => {
  const svg = (n: string) => text(byPath.get(`charts/${n}.svg`)!);
  const cdf = svg('handshake_latency_cdf');
  assert.ok(cdf.startsWith('<svg'));
  for (const t of ['Handshake latency CDF', 'Handshake latency (ms', 'Fraction of handshakes']) assert.ok(cdf.includes(t), t);
  const tp = svg('throughput_utilization');
  for (const t of ['Simulated time (s)', 'Goodput (Gbit/s)', 'Utilisation', 'pke', 'aead']) assert.ok(tp.includes(t), t);
  const q = svg('queue_depth');
  for (const t of ['Queue depth over time', 'Queue depth (requests)', 'Simulated time (s)']) assert.ok(q.includes(t), t);
  const b = svg('time_breakdown');
  for (const t of ['Where the time goes', 'Mean time per handshake (ms)', 'Mean time per record (us)', 'waiting', 'service', 'network']) assert.ok(b.includes(t), t);
  // the long-tailed fixture CDF switches to a log axis
  assert.ok(cdf.includes('Handshake latency (ms, log scale)'));
});

test('charts: large series are downsampled', async () => {
  const big = makeFixture({ rows: 5000, handshakes: 20000 });
  const rows = downsampleRows(big.timeseries.rows);
  assert.is(rows.length, 500);
  assert.is(rows[rows.length - 1]!.t_s, big.timeseries.rows[4999]!.t_s);
  const mean = big.timeseries.rows.slice(0, 10).reduce((a, r) => a + r.throughput_gbps, 0) / 10;
  assert.ok(Math.abs(rows[0]!.throughput_gbps - mean) < 1e-12);
  const cdf = downsampleCdf(big.handshakeLatencyCdf);
  assert.ok(cdf.length <= 400 && cdf.length > 300, `${cdf.length}`);
  assert.equal(cdf[cdf.length - 1], big.handshakeLatencyCdf[19999]);
  for (let i = 1; i < cdf.length; i++) assert.ok(cdf[i]!.fraction > cdf[i - 1]!.fraction);
  const charts = await renderChartSvgs(big);
  for (const c of charts) assert.ok(c.svg.length < 300_000, `${c.name}: ${c.svg.length} bytes`);
});

test('charts: empty data still renders (no completed handshakes, no samples)', async () => {
  const r = makeFixture({ rows: 0, handshakes: 0 });
  r.breakdown = { handshake: [], record: [] };
  const charts = await renderChartSvgs(r);
  assert.is(charts.length, 4);
  for (const c of charts) assert.ok(c.svg.startsWith('<svg') && c.svg.includes('</svg>'));
});

test('PNG: signature, non-trivial size, and the text is actually drawn', () => {
  for (const [p, f] of byPath) {
    if (!p.endsWith('.png')) continue;
    const d = f.data as Uint8Array;
    assert.equal([...d.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], p);
    assert.ok(d.length > 20_000, `${p}: ${d.length} bytes`);
  }
  // Title-only SVG: without a usable font resvg silently draws nothing, so count dark pixels.
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40"><rect width="300" height="40" fill="white"/><text x="10" y="28" font-family="sans-serif" font-size="20">Handshake latency</text></svg>`;
  const { width, height, pixels } = svgToRgba(svg, 1);
  assert.is(width, 300);
  assert.is(height, 40);
  let dark = 0;
  for (let i = 0; i < pixels.length; i += 4) if (pixels[i]! < 128 && pixels[i + 1]! < 128 && pixels[i + 2]! < 128) dark++;
  assert.ok(dark > 300, `${dark} dark pixels`);
  // and in a real chart: the title band of the CDF chart has ink
  const chart = svgToRgba(text(byPath.get('charts/handshake_latency_cdf.svg')!), 1);
  let ink = 0;
  for (let y = 0; y < 30; y++) for (let x = 0; x < 250; x++) if (chart.pixels[(y * chart.width + x) * 4]! < 100) ink++;
  assert.ok(ink > 200, `${ink} dark pixels in the title band`);
});

test('report.html: self-contained, all sections, escaped, charts inline', () => {
  const h = text(byPath.get('report.html')!);
  assert.ok(h.startsWith('<!DOCTYPE html>'));
  assert.not.ok(/https?:\/\//i.test(h), 'no http(s) URL');
  assert.not.ok(/<script|<link|<img|<iframe|\ssrc=|@import|url\((?!#)/i.test(h), 'no external resources');
  assert.is((h.match(/<svg/g) ?? []).length, 4);
  for (const t of ['Service-level checks', 'Hardware blocks', 'Where the time goes', 'Configuration (config.json)', 'FAIL', 'PASS', 'Handshake latency CDF']) {
    assert.ok(h.includes(t), t);
  }
  assert.ok(h.includes('&lt;b&gt;not html&lt;/b&gt; &amp;'), 'config text escaped');
  assert.not.ok(h.includes('<b>not html'));
  // element ids unique across the inlined charts
  const ids = [...h.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.is(new Set(ids).size, ids.length);
  // no wall time in the page
  assert.not.ok(h.includes('wall_time_s'));
  const bare = renderReportHtml(makeFixture({ handshakes: 0 }), []);
  assert.ok(bare.includes('</html>') && !bare.includes('<svg'));
});

test('terminal summary: deterministic, no wall time, shows blocks and SLA verdicts', () => {
  const a = renderTerminalSummary(makeFixture());
  const b2 = makeFixture();
  b2.summary.wall_time_s = 1234;
  assert.is(renderTerminalSummary(b2), a);
  for (const t of ['scenario fixture', 'handshake (ms)', 'goodput (Gbit/s)', 'pke', '87.0%', 'FAIL', 'PASS', 'SLA: 1 of 2 FAILED']) assert.ok(a.includes(t), t);
  assert.not.ok(a.includes('\x1b'), 'no colour codes');
  const u = makeFixture({ handshakes: 0 });
  u.summary.sla[0]!.value = NaN;
  u.summary.sla[0]!.pass = false;
  assert.ok(/handshake_latency_ms\.p99\s+<= 50 ms\s+- \(undefined\)\s+FAIL/.test(renderTerminalSummary(u)), renderTerminalSummary(u));
  assert.ok(a.endsWith('\n'));
});

test('determinism: identical SimResults give byte-identical files, PNG included', async () => {
  const again = await renderAll(makeFixture());
  assert.is(again.length, all.length);
  for (let i = 0; i < all.length; i++) {
    assert.is(again[i]!.path, all[i]!.path);
    const x = all[i]!.data;
    const y = again[i]!.data;
    if (typeof x === 'string') assert.is(y, x, all[i]!.path);
    else assert.ok(Buffer.from(x).equals(Buffer.from(y as Uint8Array)), all[i]!.path);
  }
  // a different result gives different charts (the test can fail)
  const other = await renderChartSvgs(makeFixture({ seed: 8 }));
  assert.is.not(other[0]!.svg, text(byPath.get('charts/handshake_latency_cdf.svg')!));
});

test('number formatting: integers as is, significant digits, no exponent for large values, small percentages kept', () => {
  assert.equal([90830.5, 1234.56, 0.5, 2.5e-5, 1e20, -0, NaN, 42].map((x) => fmt(x, 4)), ['90831', '1235', '0.5', '2.5e-5', '1e+20', '0', '-', '42']);
  assert.equal([0.4567, 0.00026, 0, NaN].map((x) => pct(x)), ['45.7%', '0.026%', '0.0%', '-']);
  assert.is(fixed(-0.0001, 2), '0.00');
});

test('normalizeSvgIds renames ids and their references', () => {
  const s = '<svg><clipPath id="clip7"><rect/></clipPath><g clip-path="url(#clip7)"/><use href="#clip7"/></svg>';
  assert.is(normalizeSvgIds(s, 'q'), '<svg><clipPath id="q-1"><rect/></clipPath><g clip-path="url(#q-1)"/><use href="#q-1"/></svg>');
  assert.is(chartSpecs(makeFixture()).length, 4);
  const png = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>', 1);
  assert.is(png[1], 0x50);
});

test('missing sections are rendered as undefined values instead of crashing', async () => {
  const files = await renderAll({} as SimResult);
  assert.is(files.length, all.length);
  const s = JSON.parse(text(files.find((f) => f.path === 'summary.json')!));
  assert.is(s.handshakes.completed, null);
  assert.equal(s.sla, []);
  const partial = makeFixture() as Partial<SimResult>;
  delete (partial.summary as Partial<SimResult['summary']>).udp_baseline;
  delete partial.baselineUdp;
  delete partial.breakdown;
  const p = await renderAll(partial as SimResult, { png: false });
  const ps = JSON.parse(text(p.find((f) => f.path === 'summary.json')!));
  assert.is(ps.udp_baseline.goodput_gbps, null);
  assert.is(ps.handshakes.completed, 1000, 'present values kept');
  assert.ok(text(p.find((f) => f.path === 'stats.txt')!).includes('udp_baseline.goodput_gbps'.padEnd(50) + 'nan'));
});


test('time-series charts clip a long idle tail and say so; a short one is kept', () => {
  const row = (t: number, busy: boolean) => ({
    t_s: t,
    throughput_gbps: busy ? 1 : 0,
    handshakes_per_s: 0,
    active_connections: 0,
    utilization: { aead: busy ? 0.5 : 0.001 },
    queue: { aead: 0 },
  });
  // 10 active intervals, then 40 idle ones (a straggler handshake ending at 5 s)
  const long = Array.from({ length: 50 }, (_, i) => row((i + 1) * 0.1, i < 10));
  const w = activeWindow(long);
  assert.is(w.rows.length, 11, 'the active window plus one idle interval');
  assert.is(w.clippedFrom, 1.1);
  assert.is(w.clippedTo, 5);
  // an idle tail of a quarter of the series or less is drawn
  const short = Array.from({ length: 20 }, (_, i) => row((i + 1) * 0.1, i < 15));
  assert.is(activeWindow(short).rows.length, 20);
  assert.is(activeWindow(short).clippedFrom, null);
  // a run idle from start to end is drawn whole
  assert.is(activeWindow(Array.from({ length: 8 }, (_, i) => row(i, false))).rows.length, 8);
  const fx = makeFixture();
  fx.timeseries.rows = long as typeof fx.timeseries.rows;
  const tp = chartSpecs(fx).map((c) => JSON.stringify(c.spec)).join('\n');
  assert.match(tp, /idle from 1\.1 s to 5 s not shown/);
});

test.run();
