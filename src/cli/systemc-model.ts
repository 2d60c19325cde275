// Builds and runs the SystemC model of validation/systemc (g++ against Debian's libsystemc-dev), for
// `npm run validate -- systemc` and its test. The binary is cached in .cache/systemc/ under the hash of its source.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HwModel } from '../hw/index.ts';
import type { OpTrace, TraceJob } from '../workload/trace/format.ts';
import { modelLines, parseTimesLines, traceLines } from '../workload/trace/lines.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SYSTEMC_SOURCE = join(ROOT, 'validation', 'systemc', 'model.cpp');

export class SystemcUnavailable extends Error {
  override name = 'SystemcUnavailable';
}

/** True if g++ and the SystemC headers are installed. */
export function systemcAvailable(): boolean {
  const gxx = spawnSync('sh', ['-c', 'command -v g++'], { encoding: 'utf8' }).status === 0;
  return gxx && (existsSync('/usr/include/systemc.h') || existsSync('/usr/include/systemc'));
}

/** Path of the compiled model, building it if its source changed. Throws SystemcUnavailable or the compiler's error. */
export function buildSystemcModel(): { binary: string; built: boolean; seconds: number } {
  if (!systemcAvailable()) throw new SystemcUnavailable('g++ or libsystemc-dev missing: run .ci/systemc.sh (apt-get install -y libsystemc-dev g++)');
  const src = readFileSync(SYSTEMC_SOURCE);
  const tag = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(ROOT, '.cache', 'systemc');
  const binary = join(dir, `model-${tag}`);
  if (existsSync(binary)) return { binary, built: false, seconds: 0 };
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  const tmp = `${binary}.tmp${process.pid}`;
  const r = spawnSync('g++', ['-O2', '-std=c++17', '-o', tmp, SYSTEMC_SOURCE, '-lsystemc'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`g++ failed building ${SYSTEMC_SOURCE}:\n${r.stderr}`);
  spawnSync('mv', [tmp, binary]);
  return { binary, built: true, seconds: (performance.now() - t0) / 1000 };
}

export interface SystemcRun {
  jobs: TraceJob[];
  /** Wall time of sc_start() as the model measured it, s. */
  replayWallS: number;
  /** CPU time of sc_start() (std::clock), s. */
  replayCpuS: number;
  /** Wall time of the whole process (reading the files, elaboration, output), s. */
  processWallS: number;
  stderr: string;
}

/** Replays `trace` on `model` with the SystemC model. */
export function runSystemcModel(binary: string, trace: OpTrace, model: HwModel): SystemcRun {
  const dir = mkdtempSync(join(tmpdir(), 'systemc-'));
  try {
    writeFileSync(join(dir, 'model.txt'), modelLines(model));
    writeFileSync(join(dir, 'trace.txt'), traceLines(trace));
    const t0 = performance.now();
    const r = spawnSync(binary, [join(dir, 'model.txt'), join(dir, 'trace.txt')], {
      encoding: 'utf8',
      maxBuffer: 1 << 30,
      env: { ...process.env, SC_COPYRIGHT_MESSAGE: 'DISABLE' },
    });
    const processWallS = (performance.now() - t0) / 1000;
    if (r.status !== 0) throw new Error(`SystemC model failed (status ${r.status}): ${r.stderr}`);
    const m = /wall_s ([0-9.]+) cpu_s ([0-9.]+)/.exec(r.stderr);
    return { jobs: parseTimesLines(r.stdout), replayWallS: m ? Number(m[1]) : NaN, replayCpuS: m ? Number(m[2]) : NaN, processWallS, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
