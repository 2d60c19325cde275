// Issue 12 item 8: Ctrl-C during a run prints "interrupted", clears the progress line and exits 130. A real child
// process (`node --import tsx src/cli/sim.ts`) gets SIGINT while the simulation runs in its worker thread.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sim-sigint-'));

test('SIGINT while simulating: "interrupted", exit 130, nothing written', async () => {
  const out = join(tmp, 'run');
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'src/cli/sim.ts'), join(root, 'scenarios/10k-clients.yaml'), '--no-charts', '--out', out], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  let sent = false;
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
    // the simulation has started once the setup line is out; give the worker a moment to be busy in it
    if (!sent && err.includes('setting up')) {
      sent = true;
      setTimeout(() => child.kill('SIGINT'), 1500);
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.ok(sent, err);
  assert.is(code, 130, err);
  assert.ok(err.trimEnd().endsWith('interrupted'), err);
  assert.match(err, /stopped at/);
  assert.not.ok(existsSync(join(out, 'summary.json')));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
