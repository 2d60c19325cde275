// `npm run validate -- queueing [--json] [--scale X]`
// Simulates M/M/1, M/D/1 and M/M/4 at utilisation 0.5, 0.8, 0.9 with the kernel's Resource and compares mean
// waiting time and time-weighted queue length with the closed forms (M/M/1, Pollaczek-Khinchine, Erlang C), plus
// Little's law on the simulated path and utilisation. Exit status 1 if any relative error exceeds 0.02.
import { runQueueingCase, standardCases, type QueueingRow } from '../../sim/validation/queueing.ts';

const BOUND = 0.02;

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const i = opts.args.indexOf('--scale');
  const scale = i >= 0 ? Number(opts.args[i + 1]) : 1;
  if (!(scale > 0)) throw new Error('--scale needs a positive number');
  const rows: QueueingRow[] = [];
  const t0 = performance.now();
  for (const cs of standardCases(scale)) {
    const t = performance.now();
    rows.push(...runQueueingCase(cs));
    if (!opts.json) process.stderr.write(`  ${cs.model.padEnd(5)} rho ${cs.rho}: ${cs.customers} customers in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const secs = (performance.now() - t0) / 1000;
  const failed = rows.filter((r) => !(r.rel_error <= BOUND));
  if (opts.json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
  } else {
    const us = (x: number, metric: string) => (metric === 'mean_wait' ? (x / 1e6).toFixed(4) + ' us' : x.toFixed(4));
    const head = ['model', 'rho', 'metric', 'simulated', 'analytic', 'rel_err', '95% CI (batch means)', 'customers', ''];
    const body = rows.map((r) => [
      r.model,
      String(r.rho),
      r.metric,
      us(r.simulated, r.metric),
      us(r.analytic, r.metric),
      (r.rel_error * 100).toFixed(2) + ' %',
      r.ci_low === null ? '-' : `[${us(r.ci_low, r.metric)}, ${us(r.ci_high!, r.metric)}]`,
      String(r.customers),
      r.rel_error <= BOUND ? 'ok' : 'FAIL',
    ]);
    const w = head.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
    const fmt = (cells: string[]) => cells.map((c, j) => c.padEnd(w[j])).join('  ').trimEnd();
    const out = [fmt(head), fmt(w.map((n) => '-'.repeat(n))), ...body.map(fmt)];
    out.push('', `mean service time 1 us; bound rel_error <= ${BOUND}; ${failed.length} of ${rows.length} rows fail; ${secs.toFixed(1)} s`);
    process.stdout.write(out.join('\n') + '\n');
  }
  if (failed.length > 0) process.exitCode = 1;
}
