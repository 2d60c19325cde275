// `npm run validate -- systemc [--trace FILE] [--model NAME|FILE] [--jobs N] [--rate R] [--json]`
// Replays an operation trace through the project's replay (src/workload/replay.ts) and through an independent
// SystemC 2.3 model of the same blocks (validation/systemc/model.cpp, built with g++ against libsystemc-dev),
// compares every operation's submit, start and end time, and prints the largest difference and both replay wall
// times. Without --trace: a synthetic trace (src/workload/trace/synthetic.ts, --jobs root jobs at --rate per s).
// Model: --model (a name in models/ or a YAML file); default the trace header's model if models/ has it, else
// baseline. Exit status 1 if any time differs or the runs disagree on the operations.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModel } from '../../workload/config/index.ts';
import type { OpTrace } from '../../workload/trace/format.ts';
import { readOpTraceFile } from '../trace-file.ts';
import { syntheticTrace } from '../../workload/trace/synthetic.ts';
import { replayOpTrace } from '../../workload/replay.ts';
import { compareJobs } from '../../workload/trace/compare.ts';
import { buildSystemcModel, runSystemcModel } from '../systemc-model.ts';

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

function modelFile(spec: string): string {
  if (existsSync(spec)) return spec;
  return join('models', `${spec}.yaml`);
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const traceFile = arg(opts.args, '--trace');
  let trace: OpTrace;
  if (traceFile) trace = readOpTraceFile(traceFile);
  else trace = syntheticTrace({ jobs: Number(arg(opts.args, '--jobs') ?? 20000), ratePerS: Number(arg(opts.args, '--rate') ?? 2e6), connections: 2000, seed: 1 });
  const spec = arg(opts.args, '--model') ?? (existsSync(modelFile(trace.header.model)) ? trace.header.model : 'baseline');
  const mf = modelFile(spec);
  const model = parseModel(readFileSync(mf, 'utf8'), mf);

  const b = buildSystemcModel();
  if (b.built && !opts.json) process.stderr.write(`built ${b.binary} in ${b.seconds.toFixed(1)} s\n`);

  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const ours = replayOpTrace(trace, model);
  const oursS = (performance.now() - t0) / 1000;
  const cu = process.cpuUsage(c0);
  const oursCpuS = (cu.user + cu.system) / 1e6;
  const sc = runSystemcModel(b.binary, trace, model);
  const d = compareJobs(ours.trace.jobs, sc.jobs);
  const ok = d.maxDiffPs === 0 && d.mismatches.length === 0;
  const row = {
    trace: traceFile ?? `synthetic (${trace.jobs.length} jobs)`,
    model: model.name,
    jobs: d.jobs,
    ops_compared: d.ops,
    largest_difference_ps: d.maxDiffPs,
    largest_difference_at: d.at ?? null,
    mismatches: d.mismatches,
    dropped: ours.stats.dropped,
    simulated_s: ours.stats.endPs / 1e12,
    replay_wall_s: oursS,
    replay_cpu_s: oursCpuS,
    systemc_replay_wall_s: sc.replayWallS,
    systemc_replay_cpu_s: sc.replayCpuS,
    systemc_process_wall_s: sc.processWallS,
    ok,
  };
  if (opts.json) process.stdout.write(JSON.stringify(row, null, 2) + '\n');
  else {
    const lines = [
      `trace            ${row.trace}`,
      `model            ${row.model}`,
      `jobs / ops       ${row.jobs} / ${row.ops_compared} compared (submit, start, end each)`,
      `largest diff     ${row.largest_difference_ps} ps${d.at ? `  (${d.at})` : ''}`,
      ...(d.mismatches.length ? [`mismatches       ${d.mismatches.join('; ')}`] : []),
      `simulated        ${(row.simulated_s * 1e3).toFixed(3)} ms, ${row.dropped} jobs dropped at a port`,
      `replay wall      project ${oursS.toFixed(3)} s | SystemC ${sc.replayWallS.toFixed(3)} s (sc_start; whole process ${sc.processWallS.toFixed(3)} s)`,
      `replay CPU       project ${oursCpuS.toFixed(3)} s | SystemC ${sc.replayCpuS.toFixed(3)} s (process CPU time, GC threads included on the project's side)`,
      ok ? 'ok: every operation time identical' : 'FAIL',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
  if (!ok) process.exitCode = 1;
}
