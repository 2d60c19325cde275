// `npm run sim -- --replay ops.jsonl --model MODEL [--out DIR] [--trace ops,perfetto,vcd] [--quiet]`
// Trace-driven replay (src/workload/replay.ts): the timing model alone, from an operation trace, on the model
// MODEL (a name in models/ or a YAML file). Writes into DIR (default results/replay-<model>/<UTC timestamp>/):
// replay-summary.json (jobs, operations, drops, simulated and wall time, the largest difference from the input's
// times when the input has times) and the requested traces of the replayed run (default ops: ops.jsonl; perfetto:
// perfetto.json; vcd: trace.vcd). Exit status 0, 1 on a failure, 2 on bad input.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseModel } from '../workload/config/index.ts';
import { modelDigest, type OpTrace } from '../workload/trace/format.ts';
import { opTraceFileBytes, readOpTraceFile } from './trace-file.ts';
import { replayOpTrace } from '../workload/replay.ts';
import { compareJobs } from '../workload/trace/compare.ts';
import { perfettoJson } from '../report/trace/perfetto.ts';
import { vcdText } from '../report/trace/vcd.ts';
import { defaultOutDir, writeOutputs } from './output.ts';

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

const KINDS = ['ops', 'perfetto', 'vcd'] as const;

function value(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** True if argv asks for a replay (the sim CLI hands it over before parsing its own options). */
export function isReplay(argv: readonly string[]): boolean {
  return argv.includes('--replay');
}

export async function replayMain(argv: readonly string[], io: Io = process): Promise<number> {
  const known = new Set(['--replay', '--model', '--out', '--trace']);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (known.has(a)) i++;
    else if (a !== '--quiet') {
      io.stderr.write(`--replay: unexpected argument ${a} (a replay takes --model, --out, --trace, --quiet)\n`);
      return 2;
    }
  }
  const file = value(argv, '--replay');
  const spec = value(argv, '--model');
  if (!file || !spec) {
    io.stderr.write('usage: npm run sim -- --replay ops.jsonl --model MODEL [--out DIR] [--trace ops,perfetto,vcd] [--quiet]\n');
    return 2;
  }
  const kinds = (value(argv, '--trace') ?? 'ops').split(',').map((s) => s.trim()).filter((s) => s !== '');
  const unknown = kinds.filter((k) => !(KINDS as readonly string[]).includes(k));
  if (unknown.length) {
    io.stderr.write(`--trace: unknown kind(s) ${unknown.join(', ')} (replay writes ${KINDS.join(', ')})\n`);
    return 2;
  }
  let trace: OpTrace;
  let model;
  try {
    trace = readOpTraceFile(file);
    const mf = existsSync(spec) ? spec : join('models', `${spec}.yaml`);
    model = parseModel(readFileSync(mf, 'utf8'), mf);
  } catch (e) {
    io.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  const t0 = performance.now();
  const r = replayOpTrace(trace, model);
  const wallS = (performance.now() - t0) / 1000;
  const sameModel = trace.header.params_digest === modelDigest(model);
  const timed = trace.jobs.some((j) => j.ops.some((o) => o.end !== undefined));
  const diff = timed ? compareJobs(trace.jobs, r.trace.jobs) : undefined;
  const summary = {
    input: file,
    input_model: trace.header.model,
    model: model.name,
    same_model: sameModel,
    jobs: r.stats.jobs,
    operations: r.stats.ops,
    dropped_jobs: r.stats.dropped,
    orphaned_jobs: r.stats.orphaned,
    simulated_s: r.stats.endPs / 1e12,
    kernel_events: r.stats.events,
    wall_time_s: wallS,
    ...(diff ? { largest_difference_from_input_ps: diff.maxDiffPs, difference_at: diff.at ?? null, structural_differences: diff.mismatches } : {}),
  };
  const files: { path: string; data: string | Uint8Array }[] = [{ path: 'replay-summary.json', data: JSON.stringify(summary, null, 2) + '\n' }];
  if (kinds.includes('ops')) files.push({ path: 'ops.jsonl', data: opTraceFileBytes(r.trace) });
  if (kinds.includes('perfetto')) files.push({ path: 'perfetto.json', data: perfettoJson(r.trace) });
  if (kinds.includes('vcd')) files.push({ path: 'trace.vcd', data: vcdText(r.trace) });
  const out = value(argv, '--out') ?? defaultOutDir('results', `replay-${model.name}`, new Date());
  try {
    writeOutputs(out, files);
  } catch (e) {
    io.stderr.write(`error: writing ${out}: ${(e as Error).message}\n`);
    return 1;
  }
  io.stdout.write(
    `replayed ${summary.jobs} jobs, ${summary.operations} operations on ${model.name} in ${wallS.toFixed(3)} s wall; ` +
      `${(summary.simulated_s * 1e3).toFixed(3)} ms simulated; ${summary.dropped_jobs} dropped` +
      (diff ? `; largest difference from the input ${diff.maxDiffPs} ps${sameModel ? ' (same model)' : ''}` : '') + '\n',
  );
  if (!argv.includes('--quiet')) io.stderr.write(`wrote ${files.length} files to ${out}\n`);
  return 0;
}
