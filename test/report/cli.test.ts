// `npm run sim` in process (src/cli/sim.ts main) with an injected runScenario, plus the progress bar and the
// output writer. The end-to-end run of the real simulation is in sim-e2e.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, splitOverrides } from '../../src/cli/sim.ts';
import type { RunScenarioArgs, RunScenarioFn } from '../../src/cli/sim.ts';
import { createProgress } from '../../src/cli/progress.ts';
import { INCOMPLETE_MARKER, defaultOutDir, timestampName, writeOutputs } from '../../src/cli/output.ts';
import { evaluateSla, metricValue } from '../../src/report/index.ts';
import { makeFixture } from './fixture.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scenario = join(root, 'scenarios', 'single-client.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'sim-cli-'));

function sink(tty = false) {
  let s = '';
  return { write: (x: string) => ((s += x), true), isTTY: tty, columns: 100, get text() { return s; } };
}

async function run(args: string[], fn?: RunScenarioFn) {
  const stdout = sink();
  const stderr = sink();
  let seen: RunScenarioArgs | undefined;
  const runner: RunScenarioFn =
    fn ??
    ((a) => {
      seen = a;
      a.onProgress?.(0.5, 0.25);
      a.onProgress?.(1, 0.5);
      return makeFixture({ rows: 20, handshakes: 50 });
    });
  const code = await main(args, { stdout, stderr }, (a) => {
    seen = a;
    return runner(a);
  });
  return { code, out: stdout.text, err: stderr.text, seen: seen! };
}

test('completed run: exit 0, all files written, table on stdout, nothing on stdout but the table', async () => {
  const out = join(tmp, 'ok');
  const r = await run([scenario, '--out', out, '--quiet']);
  assert.is(r.code, 0, r.err);
  for (const f of ['summary.json', 'config.json', 'stats.txt', 'timeseries.csv', 'report.html', 'summary.txt', 'charts/queue_depth.png']) {
    assert.ok(existsSync(join(out, f)), f);
  }
  assert.not.ok(existsSync(join(out, INCOMPLETE_MARKER)));
  assert.is(r.out, readFileSync(join(out, 'summary.txt'), 'utf8'));
  assert.is(r.err, '', 'quiet: nothing on stderr');
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.ok(summary.wall_time_s >= 0 && summary.wall_time_s < 60, 'wall time measured by the CLI');
  assert.is.not(summary.wall_time_s, 3.25, 'fixture value replaced');
  const config = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.is(config.cli.seed, 1);
  assert.is(config.cli.crypto, 'node');
  // what runScenario received
  assert.is(r.seen.scenario.name, 'single-client');
  assert.is(r.seen.model.name, 'baseline');
  assert.is(r.seen.seed, 1);
});

test('--seed, --set (scenario and model), --crypto reach runScenario', async () => {
  const r = await run([scenario, '--out', join(tmp, 'ovr'), '--quiet', '--seed', '7', '--set', 'clients.count=3', '--set', 'model.aead.instances=8', '--crypto', 'noble', '--no-charts']);
  assert.is(r.code, 0, r.err);
  assert.is(r.seen.seed, 7);
  assert.is(r.seen.scenario.sim.seed, 7);
  assert.is(r.seen.scenario.clients.count, 3);
  assert.is(r.seen.model.aead?.instances, 8);
  assert.is(r.seen.crypto, 'noble');
  assert.not.ok(existsSync(join(tmp, 'ovr', 'charts')));
  assert.equal(splitOverrides(['model.aead.instances=8', 'model.file=x.yaml', 'sim.seed=3']), { scenario: ['model.file=x.yaml', 'sim.seed=3'], model: ['aead.instances=8'] });
});

test('SLA: evaluated from the scenario when the workload left it empty; --strict turns failures into exit 1', async () => {
  const fx = () => {
    const f = makeFixture({ rows: 5, handshakes: 10 });
    f.summary.sla = [];
    f.summary.handshakes.retransmissions = 2; // single-client.yaml: retransmissions max 0 -> FAIL
    return f;
  };
  const lax = await run([scenario, '--out', join(tmp, 'sla1'), '--quiet', '--no-charts'], fx);
  assert.is(lax.code, 0);
  assert.ok(lax.out.includes('SLA: 1 of 2 FAILED'), lax.out);
  const sla = JSON.parse(readFileSync(join(tmp, 'sla1', 'summary.json'), 'utf8')).sla;
  assert.equal(sla.map((s: { pass: boolean }) => s.pass), [true, false]);
  const strict = await run([scenario, '--out', join(tmp, 'sla2'), '--quiet', '--no-charts', '--strict'], fx);
  assert.is(strict.code, 1);
  assert.ok(strict.err.includes('SLA'));
  const okStrict = await run([scenario, '--out', join(tmp, 'sla3'), '--quiet', '--no-charts', '--strict'], () => {
    const f = fx();
    f.summary.handshakes.retransmissions = 0;
    return f;
  });
  assert.is(okStrict.code, 0);
});

test('bad input exits 2 with file:line:col and no stack trace', async () => {
  const bad = join(tmp, 'bad.yaml');
  writeFileSync(bad, `name: bad\nmodel:\n  file: ${join(root, 'models', 'baseline.yaml')}\nclients:\n  count: -3\n`);
  let called = false;
  const r = await run([bad, '--out', join(tmp, 'bad-out')], () => {
    called = true;
    return makeFixture();
  });
  assert.is(r.code, 2);
  assert.not.ok(called);
  assert.ok(r.err.includes(`${bad}:5:10 clients.count`), r.err);
  assert.not.ok(/\n\s+at /.test(r.err), 'no stack trace');
  assert.not.ok(existsSync(join(tmp, 'bad-out')));
  const missing = await run([join(tmp, 'nope.yaml')]);
  assert.is(missing.code, 2);
  assert.ok(missing.err.includes('nope.yaml: cannot read scenario file'));
  const ovr = await run([scenario, '--set', 'clients.count=0']);
  assert.is(ovr.code, 2);
  assert.ok(ovr.err.includes('clients.count'), ovr.err);
  const ovFile = join(tmp, 'ov.yaml');
  writeFileSync(ovFile, `name: ov\nmodel:\n  file: ${join(root, 'models', 'baseline.yaml')}\n  overrides:\n    - aead.instances=-2\nclients:\n  count: 1\n`);
  const ov = await run([ovFile]);
  assert.is(ov.code, 2);
  assert.ok(ov.err.startsWith(`${ovFile}:5:7 model.overrides.0:`), ov.err);
  const setModel = await run([scenario, '--set', 'model.aead.instances=-1']);
  assert.is(setModel.code, 2);
  assert.ok(setModel.err.includes('aead.instances'), setModel.err);
  assert.is((await run([scenario, '--seed', 'x'])).code, 2);
  assert.is((await run([scenario, '--crypto', 'openssl'])).code, 2);
  assert.is((await run([])).code, 2);
  assert.is((await run([scenario, '--bogus'])).code, 2);
  const cfgErr = new Error('scenarios/x.yaml:1:1 clients: not supported');
  cfgErr.name = 'ConfigError';
  const thrown = await run([scenario, '--out', join(tmp, 'cfg-out'), '--quiet'], () => {
    throw cfgErr;
  });
  assert.is(thrown.code, 2);
  assert.is(thrown.err, 'scenarios/x.yaml:1:1 clients: not supported\n');
});

test('a run that throws exits 1 and writes nothing', async () => {
  const out = join(tmp, 'boom');
  const r = await run([scenario, '--out', out], (a) => {
    a.onProgress?.(0.3, 0.1);
    throw new Error('kernel exploded');
  });
  assert.is(r.code, 1);
  assert.ok(r.err.includes('simulation failed, nothing written: kernel exploded'), r.err);
  assert.not.ok(existsSync(out));
  assert.is(r.out, '');
});

test('progress: TTY bar redrawn with \\r, plain lines otherwise, nothing when quiet', () => {
  let now = 0;
  const tty = sink(true);
  const p = createProgress({ stream: tty, clock: () => now, label: 'x' });
  for (let i = 1; i <= 10; i++) {
    now += 50;
    p.onProgress(i / 10, i * 0.01);
  }
  p.finish(true);
  assert.ok(tty.text.startsWith('\r'));
  assert.ok(tty.text.includes('ETA'));
  assert.ok(tty.text.includes('[###'));
  assert.is(tty.text.split('\n').length, 2, 'one final line only');
  assert.is(p.writes, 6, '5 redraws at 100 ms + final line');

  now = 0;
  const pipe = sink(false);
  const q = createProgress({ stream: pipe, clock: () => now, lineIntervalMs: 5000 });
  for (let i = 1; i <= 100; i++) {
    now += 500;
    q.onProgress(i / 100, i);
  }
  q.finish(false);
  assert.not.ok(pipe.text.includes('\r'));
  const lines = pipe.text.trimEnd().split('\n');
  assert.is(lines.length, 11, pipe.text); // 10 progress lines (every 5 s of 50 s) + final
  assert.ok(lines[1]!.includes('20.0%') && lines[1]!.includes('ETA 40s'), lines[1]);
  assert.ok(lines[10]!.includes('stopped at 100.0%'));

  const quiet = sink(true);
  const z = createProgress({ stream: quiet, quiet: true });
  z.onProgress(0.5, 1);
  z.finish();
  assert.is(quiet.text, '');
});

test('output writer: files in place, summary.json last, INCOMPLETE removed, no escape from the directory', () => {
  const dir = join(tmp, 'w');
  const written = writeOutputs(dir, [
    { path: 'summary.json', data: '{}\n' },
    { path: 'charts/a.png', data: new Uint8Array([1, 2, 3]) },
    { path: 'stats.txt', data: 'x\n' },
  ]);
  assert.is(written[written.length - 1], join(dir, 'summary.json'));
  assert.equal([...readFileSync(join(dir, 'charts/a.png'))], [1, 2, 3]);
  assert.equal(readdirSync(dir).sort(), ['charts', 'stats.txt', 'summary.json']);
  assert.throws(() => writeOutputs(join(tmp, 'w2'), [{ path: '../evil', data: 'x' }]), /outside/);
  assert.ok(existsSync(join(tmp, 'w2', INCOMPLETE_MARKER)), 'failed write leaves the marker');
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  assert.is(timestampName(when), '20260102-030405');
  const first = defaultOutDir(join(tmp, 'res'), 'my scenario', when);
  assert.is(first, join(tmp, 'res', 'my_scenario', '20260102-030405'));
  mkdirSync(first, { recursive: true });
  assert.is(defaultOutDir(join(tmp, 'res'), 'my scenario', when), `${first}-2`);
});

test('evaluateSla: max/min bounds, undefined values fail, absent drop reasons count zero', () => {
  const s = makeFixture().summary;
  const r = evaluateSla(s, [
    { metric: 'throughput.goodput_gbps', min: 8, max: 9 },
    { metric: 'handshake_latency_ms.p99', max: 10 },
    { metric: 'blocks.aead.utilization', max: 0.7 },
    { metric: 'drops.replay', max: 0 },
    { metric: 'blocks.nosuch.utilization', max: 1 },
  ]);
  assert.equal(r.map((x) => [x.op, x.pass]), [['<=', true], ['>=', true], ['<=', false], ['<=', true], ['<=', true], ['<=', false]]);
  assert.is(r[1]!.unit, 'Gbit/s');
  assert.is(r[2]!.unit, 'ms');
  assert.ok(Number.isNaN(r[5]!.value));
  assert.is(metricValue(s, 'drops.queue_full'), 17);
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
