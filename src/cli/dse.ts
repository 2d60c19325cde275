// `npm run dse -- sweeps/NAME.yaml [--jobs N] [--out DIR] [--shard i/N] [--fresh] [--no-png]`
// `npm run dse -- merge DIR... [--out DIR] [--no-png]`
// The only place of the DSE that touches argv, files, wall clocks and the terminal; src/dse gets the file
// system through DseFs. Exit status: 0 done, 1 failure (or merge with missing runs), 2 bad input, 130 interrupted.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../workload/config/yaml.ts';
import { aggregate } from '../dse/aggregate.ts';
import type { SweepResult } from '../dse/aggregate.ts';
import { loadSweep } from '../dse/load.ts';
import { checkResultMetrics, placeSweepIssues, SweepFailed } from '../dse/check.ts';
import { renderOutputs, renderPlanJson, recommendationText } from '../dse/outputs.ts';
import { buildPlan, parseShard, planHash, PLAN_FORMAT } from '../dse/plan.ts';
import type { Plan, Shard } from '../dse/plan.ts';
import { poolEvaluator } from '../dse/pool.ts';
import { runPlan } from '../dse/run.ts';
import { runAdaptive } from '../dse/adaptive.ts';
import type { AdaptiveResult } from '../dse/adaptive.ts';
import type { Evaluator, RunPlanResult } from '../dse/run.ts';
import { createProgress } from './progress.ts';
import { dirStore, unionStore } from '../dse/store.ts';
import type { DseFs } from '../dse/store.ts';
import { workerBundle, workerSources } from './dse-bundle.ts';

export { DSE_NODE_FLAGS, workerBundle } from './dse-bundle.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

let tmpCounter = 0;
/** Node implementation of the file functions src/dse receives. */
export const nodeFs: DseFs = {
  readText(p) {
    try {
      return readFileSync(p, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  },
  writeAtomic(p, data) {
    mkdirSync(path.dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}-${tmpCounter++}`;
    writeFileSync(tmp, data);
    renameSync(tmp, p);
  },
  list(dir) {
    try {
      return readdirSync(dir).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
  },
};

function listTs(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listTs(dir, r));
    else if (e.name.endsWith('.ts')) out.push(r);
  }
  return out;
}

/**
 * Package version + a hash of the sources a worker's results depend on (workerSources: the import graph of
 * src/dse/worker.ts) and of package-lock.json (the libraries): results of other code versions are never reused, and
 * an edit elsewhere (the demo server, the loadtest, the CLI) no longer discards every stored run (until 2026-12-08
 * every src/**.ts file was hashed). Without esbuild at hand (a build from JavaScript), every src file as before.
 */
export function codeVersion(): string {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  const h = createHash('sha256');
  let files: string[];
  try {
    files = workerSources();
  } catch {
    files = listTs(path.join(root, 'src')).map((f) => `src/${f}`);
  }
  for (const f of files) h.update(f).update('\0').update(readFileSync(path.join(root, f))).update('\0');
  try {
    h.update('package-lock.json\0').update(readFileSync(path.join(root, 'package-lock.json')));
  } catch {
    // no lock file beside the sources: the package version alone stands for the libraries
  }
  return `${pkg.version}+${h.digest('hex').slice(0, 16)}`;
}

async function writeOutputs(out: string, result: SweepResult, png: boolean): Promise<void> {
  for (const f of await renderOutputs(result, { png })) nodeFs.writeAtomic(path.join(out, f.path), f.data);
}

/**
 * The outputs of a whole run (a sweep or a merge), with its checks (src/dse/check.ts checkResultMetrics) over a
 * complete result (runs missing after a timeout or from a partial merge are reported by the caller): a metric no run
 * produced is an error before any output is written; a sweep whose every point failed, after them (dse.csv holds
 * each point's error). `sweepFile`/`sweepText` place the errors.
 */
async function writeCheckedOutputs(out: string, result: SweepResult, png: boolean, sweep: SweepResult['plan']['sweep'], sweepFile: string, sweepText: string): Promise<void> {
  const complete = result.missingRuns === 0;
  const anyResult = result.points.some((p) => p.error === undefined);
  const check = (): void => checkResultMetrics(result.points, sweep, sweepFile, sweepText);
  if (complete && anyResult) check();
  await writeOutputs(out, result, png);
  if (complete && !anyResult) check();
}

export interface SweepCliOptions {
  jobs?: number;
  out?: string;
  shard?: Shard;
  fresh?: boolean;
  png?: boolean;
  quiet?: boolean;
  /** Replaces the worker pool (tests). */
  evaluate?: Evaluator;
  codeVersion?: string;
  /** Wall-clock limit per run, seconds (0 = none). Runs over it are not stored and are retried next time. */
  timeoutS?: number;
}

/** Runs (or resumes) a sweep into `out`. Returns the aggregated result (undefined for a shard run). */
export interface SweepCliResult {
  result?: SweepResult;
  plan: Plan;
  out: string;
  evaluated: number;
  reused: number;
  stopped: boolean;
  /** Runs that hit --timeout (not stored; the outputs miss them). */
  timedOut: RunPlanResult['timedOut'];
  /** Wall-clock seconds per phase: loading + planning, running the points (pool start included), outputs. */
  timings: { plan_s: number; run_s: number; outputs_s: number };
}

export async function runSweepCli(file: string, o: SweepCliOptions = {}): Promise<SweepCliResult> {
  const tPlan = performance.now();
  const loaded = loadSweep(file, (p) => readFileSync(p, 'utf8'));
  const out = o.out ?? path.join('results', 'dse', loaded.name);
  // DSE_CODE_VERSION pins the version (e.g. a git commit id on a cluster, or a fixed string in tests whose
  // working tree other processes edit); otherwise it is computed from the sources.
  const version = o.codeVersion ?? (process.env['DSE_CODE_VERSION'] || codeVersion());
  const adaptive = loaded.sweep.strategy.kind === 'adaptive';
  // An adaptive sweep's plan (its finalists) is known only once its rungs have run: written at the end.
  let { plan, configs } = adaptive
    ? { plan: undefined as unknown as Plan, configs: new Map<number, { scenario: unknown; model: unknown }>() }
    : buildPlan(loaded.sweep, { name: loaded.name, codeVersion: version, materialize: loaded.materialize });
  if (o.fresh) rmSync(path.join(out, 'points'), { recursive: true, force: true });
  if (!adaptive) nodeFs.writeAtomic(path.join(out, 'plan.json'), renderPlanJson(plan));
  const store = dirStore(out, nodeFs);
  const jobs = o.jobs ?? availableParallelism();
  const tRun = performance.now();
  const timings = { plan_s: (tRun - tPlan) / 1000, run_s: 0, outputs_s: 0 };
  const bundle = o.evaluate ? undefined : workerBundle();
  let pool: ReturnType<typeof poolEvaluator> | undefined;
  try {
    pool = o.evaluate ? undefined : poolEvaluator(jobs, o.timeoutS ?? 0, bundle?.entry);
  } catch (e) {
    bundle?.dispose();
    throw e;
  }
  const evaluate = o.evaluate ?? pool!.evaluate;
  let stop = false;
  const onSig = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\ninterrupted: finishing the runs in progress (Ctrl-C again to quit now)\n');
  };
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  // The shared progress bar (src/cli/progress.ts): fraction of this invocation's runs done, and the simulated
  // time those runs covered.
  const shardText = o.shard ? ` shard ${o.shard.index}/${o.shard.count}` : '';
  let bar: ReturnType<typeof createProgress> | undefined;
  let simS = 0;
  const baseEvaluate = evaluate;
  const counted: Evaluator = async (t) => {
    const r = await baseEvaluate(t);
    simS += Number.isFinite(r.metrics['sim_time_s']) ? r.metrics['sim_time_s']! : 0;
    return r;
  };
  try {
    let r: Pick<RunPlanResult, 'evaluated' | 'reused' | 'stopped' | 'timedOut'>;
    if (adaptive) {
      // One progress bar per rung (each rung is a plan of its own).
      let rungShown = -1;
      const a = await runAdaptive({
        sweep: loaded.sweep,
        name: loaded.name,
        codeVersion: version,
        materialize: loaded.materialize,
        store,
        evaluate: counted,
        jobs,
        ...(o.shard ? { shard: o.shard } : {}),
        onProgress: (p) => {
          if (p.rung !== rungShown) {
            bar?.finish(true);
            rungShown = p.rung;
            bar = createProgress({ label: `dse ${loaded.name}${shardText} rung ${p.rung + 1}/${p.rungs}: ${p.todo} runs (${p.reused} stored) x ${jobs} jobs`, quiet: o.quiet ?? false });
          }
          bar!.onProgress(p.todo === 0 ? 1 : p.done / p.todo, simS);
        },
        shouldStop: () => stop,
      }).catch((e: unknown) => {
        // its checks of the strategy (the budget) name a sweep field: placed in the sweep file
        throw e instanceof ConfigError ? placeSweepIssues(e, loaded.file, loaded.text) : e;
      });
      ({ plan, configs } = a);
      r = a;
      if (!a.stopped) nodeFs.writeAtomic(path.join(out, 'plan.json'), renderPlanJson(plan));
    } else {
      r = await runPlan({
        plan,
        configs,
        evaluate: counted,
        store,
        jobs,
        ...(o.shard ? { shard: o.shard } : {}),
        onProgress: (p) => {
          bar ??= createProgress({ label: `dse ${loaded.name}${shardText}: ${p.todo} runs (${p.reused} stored) x ${jobs} jobs`, quiet: o.quiet ?? false });
          bar.onProgress(p.todo === 0 ? 1 : p.done / p.todo, simS);
        },
        shouldStop: () => stop,
      });
    }
    bar?.finish(!r.stopped);
    const tOut = performance.now();
    timings.run_s = (tOut - tRun) / 1000;
    if (r.stopped || (o.shard && !adaptive)) return { plan, out, evaluated: r.evaluated, reused: r.reused, stopped: r.stopped, timedOut: r.timedOut, timings };
    const result = aggregate(plan, store);
    await writeCheckedOutputs(out, result, o.png ?? true, loaded.sweep, loaded.file, loaded.text);
    timings.outputs_s = (performance.now() - tOut) / 1000;
    return { result, plan, out, evaluated: r.evaluated, reused: r.reused, stopped: false, timedOut: r.timedOut, timings };
  } finally {
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
    await pool?.close();
    bundle?.dispose();
  }
}

/** Merges shard output directories into `out` (points copied, outputs recomputed over the whole plan). */
export async function mergeCli(dirs: string[], o: { out?: string; png?: boolean } = {}): Promise<{ result: SweepResult; out: string; copied: number }> {
  if (dirs.length === 0) throw new UsageError('merge needs at least one directory');
  const plans = dirs.map((d) => {
    const text = nodeFs.readText(path.join(d, 'plan.json'));
    if (text === undefined) throw new UsageError(`${d}: no plan.json (not a dse output directory)`);
    const plan = JSON.parse(text) as Plan;
    if (plan.format !== PLAN_FORMAT) throw new UsageError(`${d}/plan.json: unknown format ${String(plan.format)}`);
    return plan;
  });
  const hashes = plans.map(planHash);
  for (let i = 1; i < dirs.length; i++) {
    if (hashes[i] !== hashes[0]) throw new UsageError(`${dirs[i]}: plan differs from ${dirs[0]} (different sweep, base files or code version)`);
  }
  const plan = plans[0]!;
  const out = o.out ?? dirs[0]!;
  const target = dirStore(out, nodeFs);
  const sources = dirs.filter((d) => path.resolve(d) !== path.resolve(out)).map((d) => dirStore(d, nodeFs));
  let copied = 0;
  const union = unionStore([target, ...sources]);
  for (const p of plan.points) {
    for (const r of p.runs) {
      if (target.get(r.key)) continue;
      const s = union.get(r.key);
      if (s) {
        target.put(s);
        copied++;
      }
    }
  }
  nodeFs.writeAtomic(path.join(out, 'plan.json'), renderPlanJson(plan));
  const result = aggregate(plan, target);
  // the sweep file is not at hand here, only plan.json's copy of it: an error names the field, without a line
  await writeCheckedOutputs(out, result, o.png ?? true, plan.sweep, `${dirs[0]}/plan.json (sweep)`, '');
  return { result, out, copied };
}

class UsageError extends Error {}

function positiveNumber(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} must be a positive number, got "${v}"`);
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--jobs must be a positive integer, got "${v}"`);
  return n;
}

export async function main(argv: string[]): Promise<number> {
  try {
    if (argv[0] === 'merge') {
      const cmd = new Command('dse merge')
        .exitOverride()
        .argument('<dirs...>', 'shard output directories')
        .option('--out <dir>', 'output directory (default: the first directory)')
        .option('--no-png', 'SVG charts only');
      cmd.parse(argv.slice(1), { from: 'user' });
      const opts = cmd.opts<{ out?: string; png: boolean }>();
      const { result, out, copied } = await mergeCli(cmd.args, { ...(opts.out ? { out: opts.out } : {}), png: opts.png });
      process.stdout.write(`merged ${cmd.args.length} director${cmd.args.length === 1 ? 'y' : 'ies'} into ${out} (${copied} runs copied)\n`);
      process.stdout.write(recommendationText(result));
      if (result.missingRuns > 0) {
        process.stderr.write(`dse merge: ${result.missingRuns} planned runs have no result (missing shards?)\n`);
        return 1;
      }
      return 0;
    }
    const cmd = new Command('dse')
      .exitOverride()
      .argument('<sweep>', 'sweep file (sweeps/NAME.yaml)')
      .option('--jobs <n>', 'worker threads (default: number of cores)')
      .option('--out <dir>', 'output directory (default: results/dse/NAME)')
      .option('--shard <i/N>', 'run only shard i of N (0-based); combine with `dse merge`')
      .option('--fresh', 'discard stored point results in the output directory first')
      .option('--timeout <s>', 'wall-clock limit per run in seconds; runs over it are skipped (not stored), retried next time')
      .option('--no-png', 'SVG charts only')
      .option('--quiet', 'no progress bar');
    cmd.parse(argv, { from: 'user' });
    const opts = cmd.opts<{ jobs?: string; out?: string; shard?: string; fresh?: boolean; timeout?: string; png: boolean; quiet?: boolean }>();
    const file = cmd.args[0]!;
    try {
      statSync(file);
    } catch {
      throw new UsageError(`${file}: no such file`);
    }
    let shard: Shard | undefined;
    if (opts.shard) {
      try {
        shard = parseShard(opts.shard);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
    const r = await runSweepCli(file, {
      ...(opts.jobs ? { jobs: positiveInt(opts.jobs) } : {}),
      ...(opts.timeout ? { timeoutS: positiveNumber(opts.timeout, '--timeout') } : {}),
      ...(opts.out ? { out: opts.out } : {}),
      ...(shard ? { shard } : {}),
      fresh: opts.fresh ?? false,
      png: opts.png,
      quiet: opts.quiet ?? false,
    });
    if (r.stopped) {
      process.stderr.write(`stopped: ${r.evaluated} runs stored in ${r.out}; run the same command again to resume\n`);
      return 130;
    }
    process.stdout.write(`${r.evaluated} runs simulated, ${r.reused} reused; outputs in ${r.out}\n`);
    if (r.result) {
      const text = recommendationText(r.result);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    } else process.stdout.write(`shard done; combine with: npm run dse -- merge DIR... --out DIR\n`);
    const ad = (r.plan as Partial<AdaptiveResult['plan']>).adaptive;
    if (ad) {
      const sizes = ad.rungs.map((x) => `${x.ranking.length} x ${x.replications} at ${Number(x.fidelity.toPrecision(3))}`).join(', ');
      process.stdout.write(`adaptive search: ${ad.candidates.length} candidates; rungs (points x replications at fidelity): ${sizes}; ${ad.runs} runs planned costing ${Number(ad.cost.toFixed(2))} full-length runs (budget ${ad.budget})\n`);
    }
    if (r.timedOut.length > 0) {
      for (const t of r.timedOut) process.stderr.write(`dse: timeout: ${t.message}\n`);
      process.stderr.write(`dse: ${r.timedOut.length} run(s) timed out and were not stored; the outputs miss them. Run again to retry.\n`);
      return 1;
    }
    return 0;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) {
      process.stderr.write(`${e.message}\n`);
      return 2;
    }
    if (e instanceof SweepFailed) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`dse: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  process.exitCode = await main(process.argv.slice(2));
}
