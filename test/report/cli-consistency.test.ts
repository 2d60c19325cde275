// Issue 12 item 7: the same override paths in `sim` and `dse`, errors that echo what was typed, "did you mean",
// a hint for relative model.file paths, result folders named by model and overrides, dse under results/dse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, modelFileHint, splitOverrides } from '../../src/cli/sim.ts';
import type { RunScenarioArgs } from '../../src/cli/sim.ts';
import { splitOverrides as dseSplit } from '../../src/dse/plan.ts';
import { defaultOutDir, overridesHash } from '../../src/cli/output.ts';
import { closest, editDistance } from '../../src/workload/config/suggest.ts';
import { makeFixture } from './fixture.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const scenario = join(root, 'scenarios', 'single-client.yaml');
const tmp = mkdtempSync(join(tmpdir(), 'sim-cli12-'));

function sink() {
  let s = '';
  return { write: (x: string) => ((s += x), true), isTTY: false, columns: 100, get text() { return s; } };
}

async function run(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  let seen: RunScenarioArgs | undefined;
  const code = await main(args, { stdout, stderr }, (a) => {
    seen = a;
    return makeFixture({ rows: 5, handshakes: 5 });
  });
  return { code, err: stderr.text, seen };
}

test('sim and dse split overrides the same way', () => {
  const list = ['aead.instances=2', 'model.hash.clock_mhz=3', 'clients.count=5', 'scenario.sim.end_ms=9', 'model.file=x', 'model.overrides=[]'];
  assert.equal(splitOverrides(list), dseSplit(list));
  assert.equal(splitOverrides(list), {
    scenario: ['clients.count=5', 'sim.end_ms=9', 'model.file=x', 'model.overrides=[]'],
    model: ['aead.instances=2', 'hash.clock_mhz=3'],
  });
});

test('sim accepts aead.instances with and without model.', async () => {
  for (const set of ['aead.instances=5', 'model.aead.instances=5']) {
    const r = await run([scenario, '--out', join(tmp, set), '--quiet', '--no-charts', '--set', set]);
    assert.is(r.code, 0, r.err);
    assert.is(r.seen?.model.aead?.instances, 5, set);
  }
});

test('errors echo the override as typed and suggest the closest key', async () => {
  let r = await run([scenario, '--quiet', '--set', 'model.aed.instances=2']);
  assert.is(r.code, 2);
  assert.match(r.err, 'override "model.aed.instances=2" model.aed: unknown key (did you mean model.aead.instances?)');
  r = await run([scenario, '--quiet', '--set', 'aead.instanses=2']);
  assert.is(r.code, 2);
  assert.match(r.err, 'override "aead.instanses=2" aead.instanses: unknown key (did you mean aead.instances?)');
  r = await run([scenario, '--quiet', '--set', 'clients.cuont=2']);
  assert.is(r.code, 2);
  assert.match(r.err, '(did you mean clients.count?)');
  r = await run([scenario, '--quiet', '--set', 'zzzzzzzzzz=2']);
  assert.is(r.code, 2);
  assert.not.match(r.err, 'did you mean');
  r = await run([scenario, '--quiet', '--set', 'model.aead.instances=-1']);
  assert.match(r.err, 'override "model.aead.instances=-1" model.aead.instances:');
});

test('edit distance and closest', () => {
  assert.is(editDistance('kitten', 'sitting'), 3);
  assert.is(editDistance('', 'abc'), 3);
  assert.is(editDistance('aed', 'aead'), 1);
  assert.is(closest('aed.instances', ['hash.instances', 'aead.instances', 'aead']), 'aead.instances');
  assert.is(closest('completely.different', ['aead.instances']), undefined);
});

test('a relative model.file that does not exist: hint names the scenario folder and the fix', async () => {
  const r = await run([scenario, '--quiet', '--set', 'model.file=models/iot-gateway.yaml']);
  assert.is(r.code, 2);
  assert.match(r.err, "resolved against the scenario's folder");
  assert.match(r.err, 'model.file=../models/iot-gateway.yaml');
  assert.is(modelFileHint('scenarios/x.yaml', '/abs/m.yaml', '/abs/m.yaml'), '');
});

test('result folders name the model and a hash of the overrides', () => {
  const when = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
  const res = join(tmp, 'res');
  assert.is(defaultOutDir(res, 'sc', when, { model: 'baseline', overrides: [] }), join(res, 'sc', 'baseline-20260102-030405'));
  const h = overridesHash(['aead.instances=2']);
  assert.match(h, /^[0-9a-f]{8}$/);
  assert.is.not(h, overridesHash(['aead.instances=3']));
  const d = defaultOutDir(res, 'sc', when, { model: 'iot-gateway', overrides: ['aead.instances=2'] });
  assert.is(d, join(res, 'sc', `iot-gateway-${h}-20260102-030405`));
  mkdirSync(d, { recursive: true });
  assert.is(defaultOutDir(res, 'sc', when, { model: 'iot-gateway', overrides: ['aead.instances=2'] }), `${d}-2`);
});

test('report.html header: model file, every override as typed, seed, code version; raw JSON collapsed', async () => {
  const out = join(tmp, 'header');
  const r = await run([scenario, '--out', out, '--quiet', '--no-charts', '--seed', '9', '--set', 'aead.instances=3', '--set', 'model.hash.instances=1', '--set', 'clients.count=2']);
  assert.is(r.code, 0, r.err);
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const head = html.slice(0, html.indexOf('<h2>'));
  assert.match(head, /models\/baseline\.yaml/);
  for (const ov of ['aead.instances=3', 'model.hash.instances=1', 'clients.count=2']) assert.ok(head.includes(ov), ov);
  assert.match(head, /<title>[^<]*aead\.instances=3/);
  assert.match(head, '<th>seed</th><td>42</td>'); // the fixture's own seed: the header shows the result's
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version as string;
  assert.match(head, new RegExp(`<th>code version</th><td>${version.replace(/\./g, '\\.')}`));
  assert.match(html, /<details><summary>Summary \(summary\.json/);
  assert.match(html, /<details><summary>Configuration \(config\.json\)/);
  assert.not.match(html.slice(0, html.indexOf('<h2>Raw data</h2>')), '<pre>');
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
