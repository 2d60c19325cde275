// `npm run bench -- dse [--json] [--file sweeps/bench/bench-16.yaml]`: the same 16-point sweep of real
// simulations run with 1 worker and with 2 workers (fresh output directories, PNG off); reports the ratio
// t(2 workers) / t(1 worker). Target: <= 0.6 on an idle 2-core machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { codeVersion, runSweepCli } from '../dse.ts';

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const fi = opts.args.indexOf('--file');
  const file = fi >= 0 ? opts.args[fi + 1]! : 'sweeps/bench/bench-16.yaml';
  const version = codeVersion();
  const tmp = mkdtempSync(path.join(tmpdir(), 'dse-bench-'));
  const times: Record<number, number> = {};
  let runs = 0;
  let errors = 0;
  try {
    for (const jobs of [1, 2]) {
      const t0 = performance.now();
      const r = await runSweepCli(file, { out: path.join(tmp, `j${jobs}`), jobs, quiet: true, png: false, fresh: true, codeVersion: version });
      times[jobs] = (performance.now() - t0) / 1000;
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
    t_1_worker_s: Number(times[1]!.toFixed(3)),
    t_2_workers_s: Number(times[2]!.toFixed(3)),
    ratio: Number(ratio.toFixed(3)),
    target_ratio: 0.6,
    pass: ratio <= 0.6,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `dse bench: ${runs} runs of ${file}\n  1 worker:  ${result.t_1_worker_s} s\n  2 workers: ${result.t_2_workers_s} s\n  ratio ${result.ratio} (target <= 0.6): ${result.pass ? 'PASS' : 'FAIL'}\n`,
    );
    if (errors > 0) process.stdout.write(`  warning: ${errors} points ended in an error (see the sweep's dse.csv)\n`);
  }
}
