// `npm run sim -- <scenario.yaml> [--out DIR] [--seed N] [--set key=value ...] [--crypto node|noble] [--strict]
//  [--quiet] [--no-charts]`
// `npm run sim -- --replay ops.jsonl --model MODEL [--out DIR] [--trace ops,perfetto,vcd]`: trace-driven replay
// (src/cli/replay.ts).
//
// Reads the scenario and the model it references, applies overrides, runs the co-simulation, writes the outputs
// (docs/outputs.md) into results/<scenario>/<model>[-<overrides hash>]-<UTC timestamp>/ or --out DIR, prints the summary table on stdout and
// progress on stderr.
// Exit status: 0 completed run (SLA failures are reported but do not fail the run unless --strict); 130 Ctrl-C;
// 1 SLA failure with --strict, or any other error; 2 bad input (argument, scenario or model file, override).
import { readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { splitOverrides as splitSweepOverrides } from '../dse/plan.ts';
import {
  ConfigError,
  applyModelOverrides,
  applyScenarioModelOverrides,
  applyScenarioOverrides,
  mtuIssue,
  parseModel,
  positionOf,
  parseScenario,
  resolveModelPath,
  scenarioName,
} from '../workload/config/index.ts';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import type { SimResult } from '../report/types.ts';
import type { RunScenarioArgs } from '../workload/index.ts';
import { checkRun, describeEstimate, machineLimit, type MemoryLimit } from './guard.ts';
import { createProgress } from './progress.ts';
import { defaultOutDir, writeOutputs } from './output.ts';
import { addTraceOptions, emptyTraceWarning, traceFiles, traceList, traceRequest, type TraceCliOptions, type TraceRequest } from './sim-trace.ts';

export const EXIT_OK = 0;
export const EXIT_FAIL = 1;
export const EXIT_BAD_INPUT = 2;
/** Ctrl-C (128 + SIGINT), as a shell reports it. */
export const EXIT_INTERRUPTED = 130;

export interface SimCliOptions {
  out?: string;
  seed?: number;
  set: string[];
  crypto?: 'node' | 'noble';
  strict?: boolean;
  quiet?: boolean;
  charts: boolean;
  force?: boolean;
}

export type { RunScenarioArgs };
export type RunScenarioFn = (args: RunScenarioArgs) => SimResult | Promise<SimResult>;

/** Bad input the user can fix: printed without a stack trace, exit status 2. */
export class InputError extends Error {
  override name = 'InputError';
}

/** Bad input the user can fix (a scenario or model error naming file:line:col and the field, or an InputError). */
export function isConfigError(e: unknown): e is Error {
  return e instanceof Error && (e.name === 'ConfigError' || e.name === 'InputError');
}

/**
 * Split --set values, the same convention as `npm run dse` (src/dse/plan.ts): `model.<path>=v` and a bare path
 * starting with a model block (`aead.instances=8`) go to the model (without the prefix), except `model.file` and
 * `model.overrides`, which are scenario fields; `scenario.<path>=v` and everything else go to the scenario.
 */
export function splitOverrides(sets: readonly string[]): { scenario: string[]; model: string[] } {
  return splitSweepOverrides(sets);
}

/**
 * Applies overrides one at a time; a ConfigError names the override as typed (`model.aed.instances=2`), not as
 * passed on after the prefix was stripped.
 */
function applyTyped<T>(value: T, typed: readonly string[], target: 'scenario' | 'model', apply: (v: T, ov: string[]) => T): T {
  let v = value;
  for (const t of typed) {
    const split = splitOverrides([t]);
    const stripped = split[target][0];
    if (stripped === undefined) continue;
    try {
      v = apply(v, [stripped]);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const prefix = t.trim().endsWith(stripped.trim()) ? t.trim().slice(0, t.trim().length - stripped.trim().length) : '';
      throw new ConfigError(
        e.issues.map((i) => ({
          ...i,
          file: `override ${JSON.stringify(t)}`,
          path: i.path ? `${prefix}${i.path}` : i.path,
          message: i.message.replace(/\(did you mean (\S+)\?\)/, `(did you mean ${prefix}$1?)`),
        })),
      );
    }
  }
  return v;
}

function readText(path: string, what: string, hint = ''): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${path}: cannot read ${what}${code ? ` (${code})` : ''}${hint}`);
  }
}

/** For a relative model.file: where it was resolved from, since it is not the current directory. */
export function modelFileHint(scenarioFile: string, given: string, resolved: string): string {
  if (isAbsolute(given)) return '';
  return `\nhint: a relative model.file is resolved against the scenario's folder (${dirname(scenarioFile) || '.'}/), so "${given}" is ${resolved}; if you meant ${given} from the current directory, write model.file=${relative(dirname(scenarioFile) || '.', given)}`;
}

export interface LoadedInput {
  scenario: Scenario;
  model: ModelConfig;
  scenarioFile: string;
  modelFile: string;
  seed: number;
  crypto: 'node' | 'noble';
  overrides: { scenario: string[]; model: string[] };
}

/** Read and validate the scenario and model, apply overrides, --seed and --crypto. Throws ConfigError/InputError. */
export function loadInput(scenarioFile: string, opts: Pick<SimCliOptions, 'seed' | 'set' | 'crypto'>): LoadedInput {
  const split = splitOverrides(opts.set);
  const scenarioText = readText(scenarioFile, 'scenario file');
  let scenario = parseScenario(scenarioText, scenarioFile);
  if (split.scenario.length) scenario = applyTyped(scenario, opts.set, 'scenario', applyScenarioOverrides);
  if (opts.seed !== undefined) scenario = { ...scenario, sim: { ...scenario.sim, seed: opts.seed } };
  scenario = { ...scenario, name: scenarioName(scenario, scenarioFile) };
  const modelFile = resolveModelPath(scenarioFile, scenario.model.file);
  let model = parseModel(readText(modelFile, `model file (model.file of ${scenarioFile})`, modelFileHint(scenarioFile, scenario.model.file, modelFile)), modelFile);
  // The scenario's own model.overrides (errors point into the scenario file), then --set model.<path>=v.
  if (scenario.model.overrides.length) model = applyScenarioModelOverrides(model, scenario, scenarioText, scenarioFile);
  if (split.model.length) model = applyTyped(model, opts.set, 'model', applyModelOverrides);
  const mtuBad = mtuIssue(scenario.network, model.port.ip_version);
  if (mtuBad) {
    // named where the value came from: the last --set of it, else its place in the scenario file
    const ov = [...opts.set].reverse().find((t) => /^\s*(scenario\.)?network\.mtu\s*=/.test(t));
    const pos = ov === undefined ? positionOf(scenarioText, ['network', 'mtu']) : undefined;
    const file = ov === undefined ? scenarioFile : `override ${JSON.stringify(ov)}`;
    throw new ConfigError([{ file, line: pos?.line ?? 0, col: pos?.col ?? 0, path: 'network.mtu', message: `${mtuBad} (${modelFile})` }]);
  }
  const crypto = opts.crypto ?? scenario.crypto ?? 'node';
  return { scenario, model, scenarioFile, modelFile, seed: scenario.sim.seed, crypto, overrides: split };
}

function parseSeed(v: string): number {
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(Number(v))) throw new InvalidArgumentError('must be a non-negative integer');
  return Number(v);
}

function collect(v: string, prev: string[]): string[] {
  if (!v.includes('=')) throw new InvalidArgumentError('expected key=value');
  return [...prev, v];
}

export interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown; isTTY?: boolean; columns?: number };
}

/**
 * Run the command with the given arguments (without node and script). Returns the exit status; never calls
 * process.exit. `runScenario` (default: src/workload/index.ts) can be injected (tests).
 */
export async function main(argv: readonly string[], io: Io = process, runScenario?: RunScenarioFn, limit?: MemoryLimit): Promise<number> {
  // The modules a run needs (protocol, kernel, report) load after the argument and memory checks, so that a
  // refused run answers at once (issue 12: under 2 s).
  if (argv.includes('--replay')) return (await import('./replay.ts')).replayMain(argv, io);
  const program = new Command('sim')
    .description('Run one DTLS 1.3 accelerator scenario and write summary.json, stats.txt, timeseries.csv, charts, report.html')
    .argument('<scenario>', 'scenario YAML file (it names the model file)')
    .option('--out <dir>', 'output directory (default results/<scenario>/<model>[-<overrides hash>]-<UTC timestamp>)')
    .option('--seed <n>', 'random seed (overrides sim.seed)', parseSeed)
    .option('--set <key=value>', 'override a scenario field (clients.count=100) or model field (aead.instances=8 or model.aead.instances=8); repeatable', collect, [] as string[])
    .addOption(new Option('--crypto <provider>', 'crypto provider of the DTLS implementation').choices(['node', 'noble']))
    .option('--strict', 'exit 1 when an SLA check fails')
    .option('--quiet', 'no progress on stderr')
    .option('--no-charts', 'skip charts (SVG/PNG); faster')
    .option('--force', 'run even when the memory estimate exceeds what the machine has')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });

  addTraceOptions(program);
  let scenarioFile: string;
  let opts: SimCliOptions & TraceCliOptions;
  try {
    program.parse([...argv], { from: 'user' });
    scenarioFile = program.args[0]!;
    opts = program.opts<SimCliOptions & TraceCliOptions>();
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT;
    }
    throw e;
  }

  let input: LoadedInput;
  let tracing: TraceRequest | undefined;
  try {
    input = loadInput(scenarioFile, opts);
    tracing = traceRequest(opts, input.scenario, input.model, input.seed);
  } catch (e) {
    if (isConfigError(e)) {
      io.stderr.write(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(`error: ${(e as Error).message ?? String(e)}\n`);
    return EXIT_FAIL;
  }

  const check = checkRun(input.scenario, limit ?? machineLimit());
  if (check.refusal && !opts.force) {
    io.stderr.write(`${check.refusal}\n`);
    return EXIT_BAD_INPUT;
  }
  if (!opts.quiet) {
    io.stderr.write(`setting up ${input.scenario.clients.count.toLocaleString('en-US')} clients (estimated ${describeEstimate(check.estimate)})${check.refusal ? '; --force given despite the estimate' : ''}\n`);
  }
  const { evaluateSla, normalizeSimResult, renderAll, renderTerminalSummary, slaFailures } = await import('../report/index.ts');
  const progress = createProgress({ stream: io.stderr, quiet: opts.quiet ?? false, label: input.scenario.name ?? 'sim' });
  let result: SimResult;
  let wallS: number;
  // SIGINT while the simulation runs: clear the progress line, say "interrupted", exit 130. The real simulation
  // runs in a worker thread (src/cli/sim-worker.ts) so that this handler can run while it computes.
  let onSigint = () => {};
  const interrupted = new Promise<'interrupted'>((resolve) => {
    onSigint = () => resolve('interrupted');
  });
  process.once('SIGINT', onSigint);
  let stop: () => Promise<unknown> = async () => {};
  try {
    const t0 = performance.now();
    const args = { scenario: input.scenario, model: input.model, seed: input.seed, crypto: input.crypto };
    let running: Promise<SimResult>;
    if (runScenario || tracing) {
      // injected runners (tests) and traced runs stay in this thread (the capture object lives here)
      const fn = runScenario ?? (await import('../workload/index.ts')).runScenario;
      running = Promise.resolve(fn({ ...args, onProgress: (f, t) => progress.onProgress(f, t), ...(tracing ? { capture: tracing.capture } : {}) }));
    } else {
      const { runInWorker } = await import('./sim-worker.ts');
      const w = runInWorker(args, (f, t) => progress.onProgress(f, t));
      running = w.result;
      stop = w.terminate;
    }
    running.catch(() => {});
    const raw = await Promise.race([running, interrupted]);
    if (raw === 'interrupted') {
      await stop();
      progress.finish(false);
      io.stderr.write('interrupted\n');
      return EXIT_INTERRUPTED;
    }
    wallS = (performance.now() - t0) / 1000;
    result = normalizeSimResult(raw);
    progress.finish(true, result.summary.sim_end_s);
  } catch (e) {
    progress.finish(false);
    if (isConfigError(e)) {
      io.stderr.write(`${e.message}\n`);
      return EXIT_BAD_INPUT;
    }
    io.stderr.write(`error: simulation failed, nothing written: ${errorText(e)}\n`);
    return EXIT_FAIL;
  } finally {
    process.off('SIGINT', onSigint);
    await stop();
  }

  try {
    result.summary.wall_time_s = wallS;
    if (result.summary.sla.length === 0 && input.scenario.sla.length) result.summary.sla = evaluateSla(result.summary, input.scenario.sla);
    result.config = {
      ...result.config,
      cli: {
        scenario_file: input.scenarioFile,
        model_file: input.modelFile,
        seed: input.seed,
        crypto: input.crypto,
        overrides: opts.set,
        scenario_overrides: input.overrides.scenario,
        model_overrides: input.overrides.model,
        code_version: codeVersion(),
      },
    };
    const files = await renderAll(result, { charts: opts.charts, ...(tracing ? { traces: traceList(tracing) } : {}) });
    if (tracing) {
      files.push(...traceFiles(tracing));
      const empty = emptyTraceWarning(tracing, opts);
      if (empty) io.stderr.write(`${empty}\n`);
    }
    const outDir =
      opts.out ??
      defaultOutDir('results', input.scenario.name ?? 'run', new Date(), {
        model: basename(input.modelFile).replace(/\.ya?ml$/i, ''),
        overrides: [...opts.set, ...(opts.seed !== undefined ? [`--seed=${opts.seed}`] : []), ...(opts.crypto ? [`--crypto=${opts.crypto}`] : [])],
      });
    writeOutputs(outDir, files);
    io.stdout.write(renderTerminalSummary(result));
    if (!opts.quiet) io.stderr.write(`wrote ${files.length} files to ${outDir} (wall time ${wallS.toFixed(2)} s)\n`);
  } catch (e) {
    io.stderr.write(`error: rendering or writing the results failed: ${errorText(e)}\n`);
    return EXIT_FAIL;
  }
  const failed = slaFailures(result);
  if (failed && opts.strict) {
    io.stderr.write(`${failed} SLA check(s) failed (--strict)\n`);
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

/** `<package version> (<git describe>)`, or the package version alone outside a git checkout. */
export function codeVersion(): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  let version = 'unknown';
  try {
    version = String((JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    // no package.json next to the sources: leave 'unknown'
  }
  try {
    const git = execFileSync('git', ['describe', '--always', '--dirty', '--tags'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return git ? `${version} (${git})` : version;
  } catch {
    return version;
  }
}

function errorText(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  return process.env.DTLS_SIM_DEBUG ? (e.stack ?? e.message) : `${e.name === 'Error' ? '' : `${e.name}: `}${e.message}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
