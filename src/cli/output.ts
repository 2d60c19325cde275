// Writing a run's output files. Files are rendered in memory first, so a run that throws writes nothing. While
// writing, an INCOMPLETE marker exists in the directory; it is removed after the last file (summary.json, written
// last) is in place. A directory with INCOMPLETE in it is never a complete result.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import type { OutputFile } from '../report/types.ts';

export const INCOMPLETE_MARKER = 'INCOMPLETE';

/** `YYYYMMDD-HHMMSS` in UTC. */
export function timestampName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** Make a file-system-safe name (letters, digits, . _ -). */
export function safeName(s: string): string {
  const t = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  return t || 'run';
}

/**
 * Short hash naming a set of overrides (8 hex digits of SHA-256 over them, one per line, in order): runs of the
 * same scenario with different --set/--seed land in different folders. Empty when there are none.
 */
export function overridesHash(overrides: readonly string[]): string {
  if (overrides.length === 0) return '';
  return createHash('sha256').update(overrides.join('\n')).digest('hex').slice(0, 8);
}

/** What names a run's folder besides the scenario: the model file's base name and the overrides (hashed). */
export interface RunIdentity {
  model: string;
  overrides: readonly string[];
}

/**
 * results/<scenario>/<timestamp>[-N], or with `run` results/<scenario>/<model>[-<overrides hash>]-<timestamp>[-N]:
 * a directory that does not exist yet.
 */
export function defaultOutDir(root: string, scenario: string, now: Date, run?: RunIdentity): string {
  const hash = run ? overridesHash(run.overrides) : '';
  const leaf = run ? [safeName(run.model), ...(hash ? [hash] : []), timestampName(now)].join('-') : timestampName(now);
  const base = join(root, safeName(scenario), leaf);
  if (!existsSync(base)) return base;
  for (let i = 2; ; i++) {
    const d = `${base}-${i}`;
    if (!existsSync(d)) return d;
  }
}

/**
 * Write `files` under `dir` (created if needed). Each file goes through a temporary name and a rename, and
 * summary.json is written last; the INCOMPLETE marker is removed only when everything is in place.
 */
export function writeOutputs(dir: string, files: readonly OutputFile[]): string[] {
  mkdirSync(dir, { recursive: true });
  const marker = join(dir, INCOMPLETE_MARKER);
  writeFileSync(marker, 'This run is being written or failed while writing; its files are not a complete result.\n');
  const ordered = [...files.filter((f) => f.path !== 'summary.json'), ...files.filter((f) => f.path === 'summary.json')];
  const written: string[] = [];
  for (const f of ordered) {
    if (f.path.split('/').some((seg) => seg === '..' || seg === '') || f.path.startsWith('/')) {
      throw new Error(`refusing to write outside the output directory: ${f.path}`);
    }
    const target = join(dir, ...f.path.split('/'));
    mkdirSync(dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}`;
    writeFileSync(tmp, f.data);
    renameSync(tmp, target);
    written.push(target);
  }
  rmSync(marker, { force: true });
  return written;
}
