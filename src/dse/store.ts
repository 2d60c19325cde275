// Point results on disk, one JSON file per run under <out>/points/<key>.json. The file system comes from the
// CLI (src/dse touches no fs itself); `writeAtomic` must write a temporary file and rename it, so a killed run
// leaves either a whole result or none.
import { decodeOutcome, encodeOutcome } from './metrics.ts';
import type { RunOutcome } from './metrics.ts';

export interface DseFs {
  /** File text, or undefined if the file does not exist. */
  readText(path: string): string | undefined;
  /** Write to a temporary name in the same directory, then rename over `path`. Creates parent directories. */
  writeAtomic(path: string, data: string | Uint8Array): void;
  /** File names (not paths) in a directory; [] if it does not exist. */
  list(dir: string): string[];
}

export interface StoredRun {
  key: string;
  seed: number;
  outcome: RunOutcome;
}

export interface RunStore {
  get(key: string): StoredRun | undefined;
  put(run: StoredRun): void;
  keys(): string[];
}

const KEY_RE = /^[0-9a-f]{32}$/;

function join(a: string, b: string): string {
  return a.endsWith('/') ? a + b : `${a}/${b}`;
}

/** Store rooted at `dir` (results in dir/points). A half-written or corrupt file counts as missing. */
export function dirStore(dir: string, fs: DseFs): RunStore {
  const pdir = join(dir, 'points');
  return {
    get(key) {
      if (!KEY_RE.test(key)) return undefined;
      const text = fs.readText(join(pdir, `${key}.json`));
      if (text === undefined) return undefined;
      try {
        const raw = JSON.parse(text) as { key: string; seed: number; outcome: unknown };
        if (raw.key !== key) return undefined;
        return { key, seed: raw.seed, outcome: decodeOutcome(raw.outcome) };
      } catch {
        return undefined;
      }
    },
    put(run) {
      const text = `${JSON.stringify({ key: run.key, seed: run.seed, outcome: encodeOutcome(run.outcome) })}\n`;
      fs.writeAtomic(join(pdir, `${run.key}.json`), text);
    },
    keys() {
      return fs
        .list(pdir)
        .filter((f) => f.endsWith('.json') && KEY_RE.test(f.slice(0, -5)))
        .map((f) => f.slice(0, -5))
        .sort();
    },
  };
}

/** In-memory store (tests, benchmarks). */
export function memoryStore(): RunStore & { map: Map<string, StoredRun> } {
  const map = new Map<string, StoredRun>();
  return {
    map,
    get: (k) => map.get(k),
    put: (r) => void map.set(r.key, structuredClone(r)),
    keys: () => [...map.keys()].sort(),
  };
}

/** Reads from several stores (first hit wins); writes go to the first. Used by merge. */
export function unionStore(stores: RunStore[]): RunStore {
  return {
    get(key) {
      for (const s of stores) {
        const r = s.get(key);
        if (r) return r;
      }
      return undefined;
    },
    put(run) {
      stores[0]!.put(run);
    },
    keys() {
      return [...new Set(stores.flatMap((s) => s.keys()))].sort();
    },
  };
}
