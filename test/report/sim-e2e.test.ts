// `npm run sim` end to end, as a user runs it: a child process, real files, exit codes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripWallTime } from '../../src/report/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'sim-e2e-'));

/** `npm run sim -- args`; direct: the same command line without npm (saves ~0.5 s of npm start-up). */
function sim(args: string[], direct = false) {
  const r = direct
    ? spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/sim.ts', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 })
    : spawnSync('npm', ['run', '-s', 'sim', '--', ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
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
  const s = sim([schema], true);
  assert.is(s.code, 2);
  assert.ok(s.err.includes(`${schema}:5:10 clients.count:`), s.err);
  const opt = sim([schema, '--crypto', 'openssl'], true);
  assert.is(opt.code, 2);
});

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

test('single-client: exit 0, every output file, the table on stdout, byte-identical on a second run', () => {
  const a = join(tmp, 'a');
  const b = join(tmp, 'b');
  const ra = sim(['scenarios/single-client.yaml', '--out', a, '--quiet']);
  assert.is(ra.code, 0, ra.err);
  // --quiet: nothing on stderr (npm's own warnings aside)
  assert.is(ra.err.split('\n').filter((l) => l !== '' && !l.startsWith('npm ')).join('\n'), '');
  const files = listFiles(a);
  for (const f of ['summary.json', 'config.json', 'stats.txt', 'timeseries.csv', 'summary.txt', 'report.html', 'charts/handshake_latency_cdf.svg', 'charts/handshake_latency_cdf.png', 'charts/time_breakdown.png']) {
    assert.ok(files.includes(f), f);
  }
  assert.not.ok(files.includes('INCOMPLETE'));
  assert.is(ra.out, readFileSync(join(a, 'summary.txt'), 'utf8'));
  const s = JSON.parse(readFileSync(join(a, 'summary.json'), 'utf8'));
  assert.is(s.scenario, 'single-client');
  assert.is(s.handshakes.completed, 1);
  assert.is(s.records.received, s.records.sent);
  assert.ok(s.wall_time_s > 0);
  assert.ok(s.handshake_latency_ms.p50 > 0.1, 'at least one RTT');
  // SLA verdicts are consistent with the values (whatever the model gives)
  assert.is(s.sla.length, 2);
  for (const x of s.sla as { name: string; op: string; target: number; value: number; pass: boolean }[]) {
    assert.is(x.pass, x.op === '<=' ? x.value <= x.target : x.value >= x.target, x.name);
  }
  const config = JSON.parse(readFileSync(join(a, 'config.json'), 'utf8'));
  assert.is(config.model.name, 'baseline');
  assert.is(config.cli.scenario_file, 'scenarios/single-client.yaml');
  const html = readFileSync(join(a, 'report.html'), 'utf8');
  assert.not.ok(/https?:\/\//.test(html));
  assert.is((html.match(/<svg/g) ?? []).length, 4);

  const rb = sim(['scenarios/single-client.yaml', '--out', b, '--quiet'], true);
  assert.is(rb.code, 0, rb.err);
  assert.equal(listFiles(b), files);
  for (const f of files) {
    const x = readFileSync(join(a, f));
    const y = readFileSync(join(b, f));
    if (f === 'summary.json') assert.is(stripWallTime(y.toString()), stripWallTime(x.toString()));
    else assert.ok(x.equals(y), `${f} differs between identical runs`);
  }
});

test('failed SLA with --strict: exit 1, results still written', () => {
  const out = join(tmp, 'strict');
  const r = sim(['scenarios/single-client.yaml', '--out', out, '--quiet', '--no-charts', '--strict', '--set', 'sla.0.min=2'], true);
  assert.is(r.code, 1, r.err);
  assert.ok(r.out.includes('FAIL'));
  assert.ok(r.err.includes('SLA'));
  const s = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.is(s.sla[0].name, 'handshakes.completed');
  assert.is(s.sla[0].target, 2);
  assert.is(s.sla[0].pass, false);
  assert.not.ok(existsSync(join(out, 'charts')));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
