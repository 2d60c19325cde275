// `npm run sim` end to end, as a user runs it: a child process, real files, exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sim-e2e-'));

function sim(args: string[]) {
  const r = spawnSync('npm', ['run', '-s', 'sim', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('malformed scenario: exit 2, file:line:col on stderr, no stack trace, nothing written', () => {
  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, `name: bad\nmodel:\n  file: ${join(root, 'models', 'baseline.yaml')}\nclients:\n  count: 0\ntraffic:\n  size: [1\n`);
  const r = sim([bad, '--out', join(tmp, 'bad-out')]);
  assert.is(r.code, 2, r.err);
  assert.ok(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+ `).test(r.err), r.err);
  assert.not.ok(/\n\s+at /.test(r.err), 'no stack trace');
  assert.is(r.out, '');
  const schema = join(tmp, 'schema.yaml');
  writeFileSync(schema, `name: bad\nmodel:\n  file: ${join(root, 'models', 'baseline.yaml')}\nclients:\n  count: -3\n`);
  const s = sim([schema]);
  assert.is(s.code, 2);
  assert.ok(s.err.includes(`${schema}:5:10 clients.count:`), s.err);
  const opt = sim([schema, '--crypto', 'openssl']);
  assert.is(opt.code, 2);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
