// `npm run bench -- dse [--json] [--file sweeps/bench/bench-16.yaml]`: the same 16-point sweep of real
// simulations run with 1 worker and with 2 workers (fresh output directories, PNG off); reports the ratio
// t(2 workers) / t(1 worker). Target: <= 0.6 on an idle 2-core machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { codeVersion, runSweepCli } from '../dse.ts';

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const fi = opts.args.indexOf('--file');
  const file = fi >= 0 ? opts.args[fi + 1]! : 'sweeps/bench/bench-16.yaml';
  const version = codeVersion();
  const tmp = mkdtempSync(path.join(tmpdir(), 'dse-bench-'));
  const times: Record<number, number> = {};
  const runPhase: Record<number, number> = {};
  const cpu: Record<number, number> = {};
  const load0 = loadavg()[0]!;
  let runs = 0;
  let errors = 0;
  try {
    for (const jobs of [1, 2]) {
      const t0 = performance.now();
      const c0 = process.cpuUsage(); // includes the worker threads
      const r = await runSweepCli(file, { out: path.join(tmp, `j${jobs}`), jobs, quiet: true, png: false, fresh: true, codeVersion: version });
      times[jobs] = (performance.now() - t0) / 1000;
      runPhase[jobs] = r.timings.run_s;
      const c = process.cpuUsage(c0);
      cpu[jobs] = (c.user + c.system) / 1e6;
      runs = r.evaluated;
      errors = r.result ? r.result.points.filter((p) => p.error !== undefined).length : 0;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const ratio = times[2]! / times[1]!;
  const result = {
    bench: 'dse',
    sweep: file,
    runs,
    points_with_errors: errors,
    cores: availableParallelism(),
    load_average_1m_at_start: Number(load0.toFixed(2)),
    t_1_worker_s: Number(times[1]!.toFixed(3)),
    t_2_workers_s: Number(times[2]!.toFixed(3)),
    cpu_1_worker_s: Number(cpu[1]!.toFixed(3)),
    cpu_2_workers_s: Number(cpu[2]!.toFixed(3)),
    ratio: Number(ratio.toFixed(3)),
    run_phase_1_worker_s: Number(runPhase[1]!.toFixed(3)),
    run_phase_2_workers_s: Number(runPhase[2]!.toFixed(3)),
    run_phase_ratio: Number((runPhase[2]! / runPhase[1]!).toFixed(3)),
    target_ratio: 0.6,
    pass: ratio <= 0.6,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `dse bench: ${runs} runs of ${file} (${result.cores} cores, load average ${result.load_average_1m_at_start} at start)\n` +
        `  1 worker:  ${result.t_1_worker_s} s wall, ${result.cpu_1_worker_s} s CPU\n` +
        `  2 workers: ${result.t_2_workers_s} s wall, ${result.cpu_2_workers_s} s CPU\n` +
        `  ratio t(2)/t(1) = ${result.ratio} (target <= 0.6): ${result.pass ? 'PASS' : 'FAIL'}\n` +
        `  points phase only (pool start + runs, without planning and outputs): ${result.run_phase_1_worker_s} s vs ${result.run_phase_2_workers_s} s, ratio ${result.run_phase_ratio}\n`,
    );
    if (errors > 0) process.stdout.write(`  warning: ${errors} points ended in an error (see the sweep's dse.csv)\n`);
  }
}
