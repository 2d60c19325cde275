// The DSE worker bundle (`npm run dse`): src/dse/worker.ts and the src/ modules it imports built into one plain
// JavaScript module, so a worker thread starts without the TypeScript loader; and the V8 options the DSE runs with.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync, type BuildOptions } from 'esbuild';
import type { WorkerEntry } from '../dse/pool.ts';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let bundleCounter = 0;

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

/**
 * V8 options `npm run dse` runs with (package.json "dse" script; a test keeps the two equal). With one
 * simulation per core, V8's own helper threads (concurrent GC marking, parallel scavenges, concurrent JIT) have
 * no idle core to use and only slow the other workers; a 32 MB semi-space means fewer young-generation
 * collections of the simulator's short-lived objects. Why: docs/dse.md ("How the workers run"); measured in
 * docs/validation.md ("Speed and memory"): the 16-point bench sweep on 2 workers took 6.5 s instead of 7.3 s.
 */
export const DSE_NODE_FLAGS = ['--single-threaded', '--max-semi-space-size=32'] as const;

/**
 * The source files a DSE worker's results depend on: the import graph of src/dse/worker.ts (esbuild's metafile, no
 * output written), paths relative to the project root, sorted. Packages stay external (package-lock.json stands for
 * them in codeVersion).
 */
export function workerSources(): string[] {
  const r = buildSync({ ...WORKER_BUILD, absWorkingDir: root, metafile: true });
  return Object.keys(r.metafile.inputs).map((f) => f.split(path.sep).join('/')).sort();
}

/** esbuild's options for the worker: one ESM file for Node 20, npm packages left as imports, nothing written. */
const WORKER_BUILD = {
  entryPoints: [path.join(root, 'src', 'dse', 'worker.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  write: false,
  logLevel: 'silent',
} satisfies BuildOptions;

/**
 * Bundles src/dse/worker.ts and the src/ modules it imports into one JavaScript file (npm packages stay
 * imports), written under node_modules/.cache/dtls-accel-sim/ so those imports resolve. A worker thread then
 * loads one plain module instead of running the TypeScript loader over 86 src/ modules: about 0.5 s less start-up per
 * worker on the 2-core machine, paid once per worker per sweep. Takes ~50 ms; one file per invocation, removed by
 * `dispose`. Returns undefined (the pool then uses its default entry) when running compiled JavaScript, or when
 * bundling fails (reported on stderr unless `quiet`, which only tests set).
 */
export function workerBundle(quiet = false): { entry: WorkerEntry; dispose(): void } | undefined {
  const self = fileURLToPath(import.meta.url);
  if (!self.endsWith('.ts')) return undefined;
  const dir = path.join(root, 'node_modules', '.cache', 'dtls-accel-sim');
  // host and pid in the name: shards on several machines may share one checkout (Slurm), and piscina reloads the
  // file whenever it replaces a worker, so no process may remove another's live bundle
  const file = path.join(dir, `dse-worker-${bundleHost()}-${process.pid}-${bundleCounter++}.mjs`);
  try {
    removeStaleBundles(dir);
    const r = buildSync(WORKER_BUILD);
    // written under a temporary name and renamed: a worker never loads a half-written file
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}-${bundleCounter++}`;
    writeFileSync(tmp, r.outputFiles[0]!.contents);
    renameSync(tmp, file);
  } catch (e) {
    if (!quiet) process.stderr.write(`dse: could not bundle the worker (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); using the TypeScript entry\n`);
    return undefined;
  }
  return {
    entry: { filename: pathToFileURL(file).href, execArgv: [] },
    dispose: () => rmSync(file, { force: true }),
  };
}

/** This machine's name as used in bundle file names (letters, digits, '.', '_' only). */
function bundleHost(): string {
  return hostname().replace(/[^A-Za-z0-9._]/g, '_') || 'host';
}

/**
 * Removes bundles (and half-written `.tmp-*` copies) left by dse processes of this host that no longer run
 * (killed before `dispose`). Bundles of other hosts are left alone: their processes cannot be checked from here.
 */
function removeStaleBundles(dir: string): void {
  const host = bundleHost();
  for (const name of listDir(dir)) {
    const m = /^dse-worker-(.+)-(\d+)-\d+\.mjs(\.tmp-\d+-\d+)?$/.exec(name);
    if (!m || m[1] !== host || Number(m[2]) === process.pid) continue;
    try {
      process.kill(Number(m[2]), 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') rmSync(path.join(dir, name), { force: true });
    }
  }
}
