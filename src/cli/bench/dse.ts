// `npm run bench -- dse [--json] [--file sweeps/bench/bench-16.yaml] [--repeat N] [--as-is] [--shared-only]`: the same 16-point
// sweep of real simulations (small scenario, CPU-bound) run with 1 worker and with 2 workers (fresh output
// directories, PNG off), interleaved N times (default 2); the fastest of each is kept because the machine is shared.
// Reports t(2 workers) / t(1 worker); target <= 0.6 on an otherwise idle 2-core machine. Also reports the time
// one point saves by reusing the work done once per sweep (UDP baseline, certificate chains; src/dse/worker.ts).
// Both arms run as `npm run dse` does: with its V8 options (DSE_NODE_FLAGS; the bench re-runs itself with them
// when they are missing) and its bundled worker. `--as-is` keeps this process's options instead (comparison).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import { codeVersion, DSE_NODE_FLAGS, runSweepCli } from '../dse.ts';
import { loadSweep } from '../../dse/load.ts';
import { buildPlan } from '../../dse/plan.ts';
import type { EvalTask } from '../../dse/run.ts';
import evaluateTask, { clearSharedBaselines } from '../../dse/worker.ts';
import { clearChainMemo } from '../../workload/index.ts';

/**
 * Work done once (src/dse/worker.ts): one point of the sweep evaluated in this thread cold (UDP baseline and
 * certificate chains computed) and warm (both reused from another point on the same seed), CPU seconds, best of
 * `repeat` each,
 * after one untimed run to load and warm up the code. The difference is what every point after the first saves.
 */
function sharedWorkSaving(file: string, repeat: number): { cold_s: number; warm_s: number; saved_s: number; saved_pct: number } {
  const loaded = loadSweep(file, (p) => readFileSync(p, 'utf8'));
  const { plan, configs } = buildPlan(loaded.sweep, { name: loaded.name, codeVersion: 'bench', materialize: loaded.materialize });
  const valid = plan.points.filter((p) => configs.has(p.index));
  const task = (k: number): EvalTask => {
    const p = valid[k % valid.length]!;
    const c = configs.get(p.index)!;
    return { key: p.runs[0]!.key, pointIndex: p.index, replication: 0, seed: p.runs[0]!.seed, params: p.params, crypto: loaded.sweep.crypto, scenario: c.scenario, model: c.model };
  };
  // CPU time of this process (no other thread works meanwhile): steadier than wall time on a shared machine.
  const time = (t: EvalTask) => {
    const c0 = process.cpuUsage();
    evaluateTask(t);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  };
  time(task(0));
  let cold = Infinity;
  let warm = Infinity;
  for (let k = 0; k < repeat; k++) {
    clearSharedBaselines();
    clearChainMemo();
    cold = Math.min(cold, time(task(0)));
    time(task(1)); // another point, same seed: fills nothing new
    warm = Math.min(warm, time(task(0)));
  }
  return { cold_s: cold, warm_s: warm, saved_s: cold - warm, saved_pct: ((cold - warm) / cold) * 100 };
}

type Sample = { wall: number; cpu: number; runPhase: number };

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const arg = (name: string) => {
    const i = opts.args.indexOf(name);
    return i >= 0 ? opts.args[i + 1] : undefined;
  };
  const missing = DSE_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length > 0 && !opts.args.includes('--as-is')) {
    const r = spawnSync(process.execPath, [...DSE_NODE_FLAGS, ...process.execArgv, ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exitCode = r.status ?? 1;
    return;
  }
  const file = arg('--file') ?? 'sweeps/bench/bench-16.yaml';
  const repeat = Math.max(1, Number(arg('--repeat') ?? 2));
  if (opts.args.includes('--shared-only')) {
    // Only the work-done-once measurement (e.g. on a sweep of larger runs: --file sweeps/examples/aead-sizing-500.yaml).
    const w = sharedWorkSaving(file, repeat + 1);
    const out = { bench: 'dse-shared-work', sweep: file, per_point_cold_cpu_s: Number(w.cold_s.toFixed(3)), per_point_warm_cpu_s: Number(w.warm_s.toFixed(3)), per_point_saved_cpu_s: Number(w.saved_s.toFixed(3)), per_point_saved_pct: Number(w.saved_pct.toFixed(1)) };
    process.stdout.write(opts.json ? `${JSON.stringify(out)}\n` : `dse bench, work done once (${file}): one point ${out.per_point_cold_cpu_s} s CPU cold, ${out.per_point_warm_cpu_s} s warm: ${out.per_point_saved_cpu_s} s (${out.per_point_saved_pct} %) saved per point\n`);
    return;
  }
  const version = codeVersion();
  const tmp = mkdtempSync(path.join(tmpdir(), 'dse-bench-'));
  const samples: Record<number, Sample[]> = { 1: [], 2: [] };
  const load0 = loadavg()[0]!;
  let runs = 0;
  let errors = 0;
  let timedOut = 0;
  try {
    for (let k = 0; k < repeat; k++) {
      for (const jobs of [1, 2]) {
        const t0 = performance.now();
        const c0 = process.cpuUsage(); // includes the worker threads
        // 60 s per run: a hung simulation is skipped (and reported) instead of blocking the benchmark.
        const r = await runSweepCli(file, { out: path.join(tmp, `j${jobs}`), jobs, quiet: true, png: false, fresh: true, codeVersion: version, timeoutS: 60 });
        timedOut = Math.max(timedOut, r.timedOut.length);
        const wall = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        samples[jobs]!.push({ wall, cpu: (c.user + c.system) / 1e6, runPhase: r.timings.run_s });
        runs = r.evaluated;
        errors = r.result ? r.result.points.filter((p) => p.error !== undefined).length : 0;
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const shared = sharedWorkSaving(file, repeat + 1);
  const best = (jobs: number) => samples[jobs]!.reduce((a, b) => (b.wall < a.wall ? b : a));
  const b1 = best(1);
  const b2 = best(2);
  const r3 = (x: number) => Number(x.toFixed(3));
  const ratio = b2.wall / b1.wall;
  const result = {
    bench: 'dse',
    sweep: file,
    runs,
    points_with_errors: errors,
    runs_timed_out: timedOut,
    repeat,
    cores: availableParallelism(),
    node_flags: process.execArgv.filter((a) => a.startsWith('--') && a !== '--import' && !a.startsWith('--import=')),
    load_average_1m_at_start: r3(load0),
    load_average_1m_at_end: r3(loadavg()[0]!),
    t_1_worker_s: r3(b1.wall),
    t_2_workers_s: r3(b2.wall),
    cpu_1_worker_s: r3(b1.cpu),
    cpu_2_workers_s: r3(b2.cpu),
    ratio: r3(ratio),
    run_phase_1_worker_s: r3(b1.runPhase),
    run_phase_2_workers_s: r3(b2.runPhase),
    run_phase_ratio: r3(b2.runPhase / b1.runPhase),
    all_walls_1_worker_s: samples[1]!.map((s) => r3(s.wall)),
    all_walls_2_workers_s: samples[2]!.map((s) => r3(s.wall)),
    per_point_cold_cpu_s: r3(shared.cold_s),
    per_point_warm_cpu_s: r3(shared.warm_s),
    per_point_saved_cpu_s: r3(shared.saved_s),
    per_point_saved_pct: Number(shared.saved_pct.toFixed(1)),
    target_ratio: 0.6,
    pass: ratio <= 0.6,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `dse bench: ${runs} runs of ${file}, best of ${repeat} (${result.cores} cores, load average ${result.load_average_1m_at_start} -> ${result.load_average_1m_at_end}; node ${result.node_flags.join(' ') || '(no options)'})\n` +
        `  1 worker:  ${result.t_1_worker_s} s wall, ${result.cpu_1_worker_s} s CPU   (all: ${result.all_walls_1_worker_s.join(', ')})\n` +
        `  2 workers: ${result.t_2_workers_s} s wall, ${result.cpu_2_workers_s} s CPU   (all: ${result.all_walls_2_workers_s.join(', ')})\n` +
        `  ratio t(2)/t(1) = ${result.ratio} (target <= 0.6): ${result.pass ? 'PASS' : 'FAIL'}\n` +
        `  points phase only (pool start + runs, without planning and outputs): ${result.run_phase_1_worker_s} s vs ${result.run_phase_2_workers_s} s, ratio ${result.run_phase_ratio}\n` +
        `  work done once (UDP baseline + certificate chains reused across points): one point ${result.per_point_cold_cpu_s} s CPU cold, ${result.per_point_warm_cpu_s} s warm: ${result.per_point_saved_cpu_s} s (${result.per_point_saved_pct} %) saved per point\n`,
    );
    if (timedOut > 0) process.stdout.write(`  warning: ${timedOut} runs hit the 60 s limit (simulator hang): times are not comparable\n`);
    if (errors > 0) process.stdout.write(`  warning: ${errors} points ended in an error (see the sweep's dse.csv)\n`);
  }
}
