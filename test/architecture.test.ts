// The engineering rules of docs/architecture.md, checked on the source tree: imports point down only, and nothing
// outside src/cli reads wall clocks or unseeded randomness.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const SRC = join(import.meta.dirname, '..', 'src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const layerOf = (path: string) => relative(SRC, path).split('/')[0]!;

/** What each layer may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  dtls: [],
  sim: [],
  hw: ['sim'],
  workload: ['dtls', 'sim', 'hw'],
  report: ['workload', 'sim', 'hw'],
  dse: ['report', 'workload', 'sim', 'hw', 'dtls'],
  cli: ['dse', 'report', 'workload', 'sim', 'hw', 'dtls'],
};

test('imports point down only', () => {
  const bad: string[] = [];
  let crossLayer = 0;
  for (const f of files(SRC)) {
    const from = layerOf(f);
    const text = readFileSync(f, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.[^']+)'/g)) {
      const target = join(f, '..', m[1]!);
      if (!target.startsWith(SRC)) continue;
      const to = layerOf(target);
      if (to !== from) crossLayer++;
      if (to !== from && !(ALLOWED[from] ?? []).includes(to)) bad.push(`${relative(SRC, f)} -> ${m[1]}`);
    }
  }
  assert.ok(crossLayer > 30, `only ${crossLayer} cross-layer imports seen: the scan is broken`);
  assert.equal(bad, []);
});

test('no Math.random / Date.now / performance.now / process.argv outside src/cli', () => {
  const bad: string[] = [];
  for (const f of files(SRC)) {
    if (layerOf(f) === 'cli') continue;
    const code = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const pat of [/Math\.random\(/, /Date\.now\(/, /performance\.now\(/, /process\.argv/, /new Date\(\)/]) {
      if (pat.test(code)) bad.push(`${relative(SRC, f)}: ${pat.source}`);
    }
  }
  assert.equal(bad, []);
});
test.run();
