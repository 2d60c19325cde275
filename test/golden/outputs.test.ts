// Golden outputs: every shipped scenario, run through the CLI (`npm run sim -- scenarios/X.yaml --no-charts`),
// must give the summary.json (wall time removed), stats.txt and timeseries.csv whose SHA-256 digests are stored in
// test/fixtures/golden/digests.json. A refactor that changes any figure fails here.
//
// When a change is meant to alter outputs, regenerate with `GOLDEN_UPDATE=1 npm run golden` and say why in the
// commit message. The digests were first taken on the code before the issue-11 refactor (commit 1249b2d).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/sim.ts';
import { stripWallTime, toJson } from '../../src/report/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const digestFile = join(root, 'test/fixtures/golden/digests.json');
const update = process.env.GOLDEN_UPDATE === '1';
const only = process.env.GOLDEN_ONLY; // e.g. GOLDEN_ONLY=single-client,lossy-network for a quick local check

type Digests = Record<string, Record<string, string>>;
const stored: Digests = update ? {} : (JSON.parse(readFileSync(digestFile, 'utf8')) as Digests);
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const sink = { write: () => true };

// Scenarios too large to run here as shipped: iot-fleet (10^6 devices; test/workload/iot-fleet.test.ts runs it at
// small counts and checks its determinism).
const EXCLUDED = new Set(['iot-fleet.yaml']);

const scenarios = readdirSync(join(root, 'scenarios'))
  .filter((f) => f.endsWith('.yaml') && !EXCLUDED.has(f))
  .sort()
  .filter((f) => !only || only.split(',').includes(f.replace(/\.yaml$/, '')));

async function digestsOf(file: string): Promise<Record<string, string>> {
  const out = mkdtempSync(join(tmpdir(), 'golden-'));
  try {
    const code = await main([join(root, 'scenarios', file), '--out', out, '--no-charts', '--quiet'], { stdout: sink, stderr: sink });
    assert.is(code, 0, `${file}: sim exited ${code}`);
    const summary = toJson(stripWallTime(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'))));
    return {
      'summary.json': sha(summary),
      'stats.txt': sha(readFileSync(join(out, 'stats.txt'), 'utf8')),
      'timeseries.csv': sha(readFileSync(join(out, 'timeseries.csv'), 'utf8')),
    };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const fresh: Digests = {};
for (const file of scenarios) {
  const name = file.replace(/\.yaml$/, '');
  test(`golden outputs: ${name}`, async () => {
    const got = await digestsOf(file);
    fresh[name] = got;
    if (update) return;
    const want = stored[name];
    assert.ok(want, `no stored digests for ${name}: run GOLDEN_UPDATE=1 npm run golden`);
    for (const k of Object.keys(want!)) assert.is(got[k], want![k], `${name}/${k} differs from the stored digest`);
  });
}

test.after(() => {
  if (!update) return;
  // with GOLDEN_ONLY, only the scenarios run are replaced; the others keep their stored digests
  const all: Digests = only ? (JSON.parse(readFileSync(digestFile, 'utf8')) as Digests) : {};
  for (const [k, v] of Object.entries(fresh)) all[k] = v;
  const sorted: Digests = {};
  for (const k of Object.keys(all).sort()) sorted[k] = all[k]!;
  writeFileSync(digestFile, `${JSON.stringify(sorted, null, 2)}\n`);
});

test.run();
