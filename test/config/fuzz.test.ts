// Bad input never crashes the loader: any text, any structure, any override string gives a value or a ConfigError
// whose issues all carry a file and a message (fast-check, fixed seeds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ConfigError, parseScenario, parseModel, applyModelOverrides, applyScenarioOverrides } from '../../src/workload/config/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const base = readFileSync(join(root, 'scenarios/10k-clients.yaml'), 'utf8');
const model = parseModel(readFileSync(join(root, 'models/baseline.yaml'), 'utf8'), 'models/baseline.yaml');
const scenario = parseScenario(base, 's.yaml');

function onlyConfigErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    assert.ok(e.issues.length > 0);
    for (const i of e.issues) {
      assert.type(i.message, 'string');
      assert.ok(i.message.length > 0);
      assert.ok(Number.isInteger(i.line) && Number.isInteger(i.col));
    }
  }
}

test('arbitrary text', () => {
  fc.assert(fc.property(fc.string({ maxLength: 300 }), (t) => onlyConfigErrors(() => parseScenario(t, 'f.yaml'))), { seed: 7, numRuns: 500 });
});

test('mutated scenario text (byte edits of a valid file)', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(base.length), fc.string({ maxLength: 4 })), { minLength: 1, maxLength: 4 }), (edits) => {
      let t = base;
      for (const [at, s] of edits) t = t.slice(0, at % (t.length + 1)) + s + t.slice((at % (t.length + 1)) + 1);
      onlyConfigErrors(() => parseScenario(t, 'f.yaml'));
    }),
    { seed: 11, numRuns: 400 },
  );
});

test('arbitrary JSON-like structures as YAML', () => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => {
      onlyConfigErrors(() => parseScenario(stringify(v), 'f.yaml'));
      onlyConfigErrors(() => parseModel(stringify(v), 'm.yaml'));
    }),
    { seed: 13, numRuns: 300 },
  );
});

test('arbitrary override strings', () => {
  const path = fc.constantFrom('aead.instances', 'aead', 'port.mtu', 'cpu.software.pke_cycles.x25519_derive', 'x.y.z', 'clients.count', 'sla.0.max', 'sla.7', '');
  fc.assert(
    fc.property(path, fc.string({ maxLength: 20 }), (p, v) => {
      onlyConfigErrors(() => applyModelOverrides(model, [`${p}=${v}`]));
      onlyConfigErrors(() => applyScenarioOverrides(scenario, [`${p}=${v}`]));
      onlyConfigErrors(() => applyScenarioOverrides(scenario, [v]));
    }),
    { seed: 17, numRuns: 400 },
  );
});

test.run();
