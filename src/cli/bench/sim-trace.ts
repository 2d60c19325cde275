// `npm run bench -- sim --trace [--json] [--scenario FILE] [--clients N] [--crypto node|noble] [--trace-window A..B]
//  [--reps N]` (also `npm run bench -- sim-trace ...`): the cost of the traces (docs/validation.md "Cost of the
// traces"). Runs the scenario's DTLS co-simulation (default scenarios/10k-clients.yaml) without traces and with
// `--trace ops,perfetto,vcd,pcap --trace-window A..B` (default 0..50 ms) as `npm run sim` builds them
// (src/cli/sim-trace.ts), alternating off, on, off, on, ... (`--reps` of each, default 2), in one process. A traced
// run is timed from the start of the co-simulation until its four files are rendered and written (to a temporary
// directory, removed afterwards); a 200-client run first warms the process up, unmeasured. Reports each run's wall and CPU time (process.cpuUsage: user + system, every
// thread of the process), the ratios traced / untraced (of the sums), the files' sizes and the process's peak RSS.
// Target: wall ratio <= 1.5 on the full 10k-clients run with a 50 ms window. The plain-UDP baseline, the reports and
// the charts of `npm run sim` are left out of both (the same in both runs): the ratio is that of the co-simulation.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { runCosim } from '../../workload/index.ts';
import { loadInput } from '../sim.ts';
import { writeOutputs } from '../output.ts';
import { TRACE_KINDS, traceFiles, traceRequest } from '../sim-trace.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Timed {
  traced: boolean;
  wall_s: number;
  cpu_s: number;
  /** Traced runs: of which rendering and writing the files (after the co-simulation), wall and CPU. */
  files_wall_s?: number;
  files_cpu_s?: number;
  events: number;
}

const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const file = arg(opts.args, '--scenario') ?? 'scenarios/10k-clients.yaml';
  const clients = arg(opts.args, '--clients');
  const window = arg(opts.args, '--trace-window') ?? '0..50';
  const reps = Number(arg(opts.args, '--reps') ?? '2');
  if (!Number.isInteger(reps) || reps < 1) throw new Error(`--reps: expected a positive integer, got ${arg(opts.args, '--reps')}`);
  const input = loadInput(file, { set: clients ? [`clients.count=${clients}`] : [] });
  const { scenario, model, seed } = input;
  const crypto = (arg(opts.args, '--crypto') ?? input.crypto) as 'node' | 'noble';
  const kinds = TRACE_KINDS.join(',');
  const dir = mkdtempSync(join(tmpdir(), 'bench-trace-'));
  const runs: Timed[] = [];
  const sizes: Record<string, number> = {};
  let jobs = 0;
  let ops = 0;
  // warm-up, not measured: the first run of a process pays for compiling the code and building the certificates
  const small = loadInput(file, { set: [`clients.count=${Math.min(scenario.clients.count, 200)}`] });
  runCosim({ scenario: small.scenario, model: small.model, seed, crypto });
  try {
    for (let i = 0; i < 2 * reps; i++) {
      const traced = i % 2 === 1;
      gc();
      const w0 = performance.now();
      const c0 = cpuNow();
      const tracing = traced ? traceRequest({ trace: kinds, traceWindow: window }, scenario, model, seed) : undefined;
      const r = runCosim({ scenario, model, seed, crypto, ...(tracing ? { capture: tracing.capture } : {}) });
      const w1 = performance.now();
      const c1 = cpuNow();
      const t: Timed = { traced, wall_s: (w1 - w0) / 1000, cpu_s: c1 - c0, events: r.events };
      if (tracing) {
        const files = traceFiles(tracing);
        const out = join(dir, `run-${i}`);
        writeOutputs(out, files);
        t.wall_s = (performance.now() - w0) / 1000;
        t.cpu_s = cpuNow() - c0;
        t.files_wall_s = (performance.now() - w1) / 1000;
        t.files_cpu_s = cpuNow() - c1;
        for (const f of files) sizes[f.path] = statSync(join(out, f.path)).size;
        jobs = tracing.capture.recorder.jobs;
        ops = tracing.capture.recorder.ops;
        rmSync(out, { recursive: true, force: true });
      }
      runs.push(t);
      if (!opts.json) process.stderr.write(`  run ${i + 1}/${2 * reps} ${traced ? 'traced  ' : 'untraced'} ${t.wall_s.toFixed(2)} s wall, ${t.cpu_s.toFixed(2)} s CPU\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const sum = (traced: boolean, k: 'wall_s' | 'cpu_s') => runs.filter((r) => r.traced === traced).reduce((s, r) => s + r[k], 0);
  const result = {
    scenario: scenario.name ?? file,
    clients: scenario.clients.count,
    crypto,
    traces: kinds,
    trace_window_ms: window,
    reps,
    runs,
    untraced_wall_s: sum(false, 'wall_s') / reps,
    traced_wall_s: sum(true, 'wall_s') / reps,
    untraced_cpu_s: sum(false, 'cpu_s') / reps,
    traced_cpu_s: sum(true, 'cpu_s') / reps,
    wall_ratio: sum(true, 'wall_s') / sum(false, 'wall_s'),
    cpu_ratio: sum(true, 'cpu_s') / sum(false, 'cpu_s'),
    trace_jobs: jobs,
    trace_ops: ops,
    file_bytes: sizes,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    targets: { wall_ratio: 1.5 },
  };
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f = (x: number, d = 2) => x.toFixed(d);
  const mb = (b: number) => `${f(b / 1e6, 1)} MB`;
  const per = (traced: boolean, k: 'wall_s' | 'cpu_s') => runs.filter((r) => r.traced === traced).map((r) => f(r[k])).join(', ');
  const filesPart = runs.filter((r) => r.traced).map((r) => `${f(r.files_wall_s!)} s wall / ${f(r.files_cpu_s!)} s CPU`).join(', ');
  process.stdout.write(
    [
      `sim trace bench: ${result.scenario}, ${result.clients} clients, crypto ${crypto}, --trace ${kinds} --trace-window ${window}`,
      `  untraced  wall ${per(false, 'wall_s')} s   CPU ${per(false, 'cpu_s')} s`,
      `  traced    wall ${per(true, 'wall_s')} s   CPU ${per(true, 'cpu_s')} s   (of which files: ${filesPart})`,
      `  ratio traced / untraced   wall ${f(result.wall_ratio)} (target <= 1.5: ${result.wall_ratio <= 1.5 ? 'PASS' : 'FAIL'})   CPU ${f(result.cpu_ratio)}`,
      `  trace: ${jobs} jobs, ${ops} operations; ${Object.entries(sizes).map(([p, b]) => `${p} ${mb(b)}`).join(', ')}`,
      `  peak RSS of the process ${result.peak_rss_mb} MB`,
      '',
    ].join('\n'),
  );
}
