// The refusal path of `npm run sim` (argument, scenario and memory checks) must answer fast (issue 12: a refused
// 10-million-client run in under 2 s). Wall time is not asserted here (machines are shared); instead this checks the
// cause of a slow answer: the modules that `src/cli/sim.ts` loads before those checks, i.e. its static (non-type)
// import closure, must not include the protocol implementation, the crypto libraries or the report renderer, which
// sim.ts loads with import() once the run is accepted.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Static value imports and re-exports of one file (`import|export ... from '...'`), not `import type`. */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  const re = /^(?:import|export)\s+(?!type\b)[^;]*?from\s+'([^']+)';/gms;
  for (let m = re.exec(src); m; m = re.exec(src)) out.push(m[1]!);
  const bare = /^import\s+'([^']+)';/gm;
  for (let m = bare.exec(src); m; m = bare.exec(src)) out.push(m[1]!);
  return out;
}

function closure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.pop()!;
    if (files.has(f)) continue;
    files.add(f);
    for (const spec of staticImports(f)) {
      if (spec.startsWith('.')) todo.push(resolve(dirname(f), spec));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files, packages };
}

test('sim.ts loads neither the protocol, the crypto libraries nor the report before its checks', () => {
  const { files, packages } = closure(resolve(root, 'src/cli/sim.ts'));
  const rel = [...files].map((f) => f.slice(root.length + 1));
  for (const heavy of ['@noble/curves', '@noble/ciphers', '@noble/hashes', 'vega', 'vega-lite', '@resvg/resvg-js']) {
    assert.not.ok(packages.has(heavy), `sim.ts statically loads ${heavy}`);
  }
  for (const f of ['src/dtls/index.ts', 'src/workload/index.ts', 'src/report/index.ts', 'src/dtls/endpoint/connection.ts']) {
    assert.not.ok(rel.includes(f), `sim.ts statically loads ${f}`);
  }
  // the checks themselves are in the closure (the test would pass vacuously otherwise)
  assert.ok(rel.includes('src/cli/guard.ts') && rel.includes('src/workload/estimate.ts') && rel.includes('src/workload/config/scenario.ts'));
});

test.run();
