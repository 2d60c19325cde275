// One list of cipher suites: a scenario accepts exactly the suites the DTLS core implements (SUITE_NAMES), and a
// suite the core does not implement is a configuration error (exit 2, position and field), never a crash.
// TLS_SM4_GCM_SM3 (RFC 8998) stands for "a real suite the core does not implement".
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/sim.ts';
import { ConfigError, parseScenario } from '../../src/workload/config/index.ts';
import { getSuite, isSuiteName, SUITE_NAMES, UnknownSuiteError } from '../../src/dtls/crypto/suites.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MISSING = 'TLS_SM4_GCM_SM3';
const FIXTURE = 'test/config/fixtures/unimplemented-suite.yaml';
const fixtureText = readFileSync(join(root, FIXTURE), 'utf8');
/** line:col of the unimplemented name in the fixture, found by text search. */
const where = (() => {
  const lines = fixtureText.split('\n');
  const i = lines.findIndex((l) => l.includes(MISSING));
  return `${i + 1}:${lines[i]!.indexOf(MISSING) + 1}`;
})();

function sink() {
  let s = '';
  return { write: (x: string) => ((s += x), true), isTTY: false, columns: 100, get text() { return s; } };
}
async function cli(args: string[]) {
  const stdout = sink();
  const stderr = sink();
  let ran = false;
  const code = await main(args, { stdout, stderr }, () => {
    ran = true;
    throw new Error('runScenario must not be reached');
  });
  return { code, err: stderr.text, ran };
}

test('getSuite: a typed error for a name the core does not implement', () => {
  assert.not.ok(isSuiteName(MISSING));
  assert.throws(() => getSuite(MISSING), (e: unknown) => e instanceof UnknownSuiteError && e.suite === MISSING);
  for (const n of SUITE_NAMES) assert.is(getSuite(n).name, n);
});

test('scenario: every suite the core implements is accepted', () => {
  for (const n of SUITE_NAMES) {
    const s = parseScenario(`model: { file: m.yaml }\nclients:\n  count: 1\n  mix:\n    suites: { ${n}: 1 }\n`, 'x.yaml');
    assert.equal(s.clients.mix.suites, { [n]: 1 });
  }
});

test('scenario: an unimplemented suite is an error at its position, naming the field', () => {
  const file = FIXTURE;
  let err: unknown;
  try {
    parseScenario(fixtureText, file);
  } catch (e) {
    err = e;
  }
  assert.instance(err, ConfigError);
  const lines = (err as ConfigError).message.split('\n');
  assert.is(lines.length, 1);
  assert.ok(lines[0]!.startsWith(`${file}:${where} clients.mix.suites.${MISSING}: not a cipher suite the DTLS core implements (`), lines[0]);
});

test('CLI: unimplemented suite in the scenario file -> exit 2, file:line:col and field, no run', async () => {
  const file = join(root, FIXTURE);
  const r = await cli([file, '--quiet', '--out', join(root, 'never-written')]);
  assert.is(r.code, 2);
  assert.not.ok(r.ran);
  assert.match(r.err, `${file}:${where} clients.mix.suites.${MISSING}: not a cipher suite the DTLS core implements`);
  assert.not.match(r.err, /TypeError|at \w+ \(/);
});

test('CLI: unimplemented suite through --set -> exit 2 naming the override and field, no run', async () => {
  const file = join(root, 'scenarios/10k-clients.yaml');
  const set = `clients.mix.suites={${MISSING}: 1}`;
  const r = await cli([file, '--quiet', '--out', join(root, 'never-written'), '--set', set]);
  assert.is(r.code, 2);
  assert.not.ok(r.ran);
  assert.is(r.err, `override ${JSON.stringify(set)} clients.mix.suites.${MISSING}: not a cipher suite the DTLS core implements (${SUITE_NAMES.join(', ')})\n`);
});

test.run();
