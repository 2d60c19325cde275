// Bad input never crashes the loader: any text, any structure, any override string gives a value or a ConfigError
// whose issues all carry a file and a message; and what is accepted is exactly what was given: accepted overrides
// and in-range field values (docs/scenarios.md ranges) come back unchanged, out-of-range ones are refused
// (fast-check, fixed seeds).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
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

/** Value at a dotted path (array indices as numbers). */
function getPath(o: unknown, path: string): unknown {
  let v: unknown = o;
  for (const k of path.split('.')) v = (v as Record<string, unknown>)[k];
  return v;
}
/** Copy of `o` with the value at a dotted path replaced. */
function withPath<T>(o: T, path: string, value: unknown): T {
  const c = structuredClone(o);
  const keys = path.split('.');
  let v = c as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) v = v[k] as Record<string, unknown>;
  v[keys[keys.length - 1]!] = value;
  return c;
}

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

test('accepted overrides of a number leaf change exactly that leaf, to the YAML value given', () => {
  const leaves = [
    { apply: (o: string[]) => applyModelOverrides(model, o), base: model as unknown, path: 'aead.instances' },
    { apply: (o: string[]) => applyModelOverrides(model, o), base: model, path: 'port.mtu' },
    { apply: (o: string[]) => applyModelOverrides(model, o), base: model, path: 'cpu.software.pke_cycles.x25519_derive' },
    { apply: (o: string[]) => applyScenarioOverrides(scenario, o), base: scenario as unknown, path: 'clients.count' },
    { apply: (o: string[]) => applyScenarioOverrides(scenario, o), base: scenario, path: 'network.loss' },
    { apply: (o: string[]) => applyScenarioOverrides(scenario, o), base: scenario, path: 'sla.0.max' },
  ];
  const value = fc.oneof(
    fc.integer({ min: -5, max: 100_000 }).map(String),
    fc.double({ min: -2, max: 2, noNaN: true }).map(String),
    fc.constantFrom('1e3', '0x10', ' 8 ', '0.5', '1', '0', 'null', 'true', '[1]', '{a: 1}', '"7"'),
  );
  let accepted = 0;
  fc.assert(
    fc.property(fc.constantFrom(...leaves), value, (leaf, v) => {
      let out: unknown;
      try {
        out = leaf.apply([`${leaf.path}=${v}`]);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        return;
      }
      accepted++;
      const want = parse(v) as unknown;
      assert.type(want, 'number', `${leaf.path}=${v} accepted`);
      assert.equal(out, withPath(leaf.base, leaf.path, want), `${leaf.path}=${v}`);
    }),
    { seed: 19, numRuns: 300 },
  );
  assert.ok(accepted > 50, `${accepted} of 300 overrides accepted`);
});

// docs/scenarios.md ranges of some scenario fields: a value inside is accepted and comes back unchanged, a value
// outside is refused with a ConfigError.
type Range = { path: string; int: boolean; min: number; max: number; minOpen?: boolean };
const RANGES: Range[] = [
  { path: 'clients.count', int: true, min: 1, max: Infinity },
  { path: 'clients.certificate.chain_length', int: true, min: 1, max: 8 },
  { path: 'traffic.size', int: false, min: 0, max: 16384, minOpen: true },
  { path: 'network.loss', int: false, min: 0, max: 1 },
  { path: 'network.jitter_ms', int: false, min: 0, max: 1_000_000 },
  { path: 'network.rtt_ms', int: false, min: 0, max: 2_000_000 },
  { path: 'network.mtu', int: true, min: 284, max: 65535 },
  { path: 'sim.end_ms', int: false, min: 0, max: 4_500_000, minOpen: true },
  { path: 'sim.seed', int: true, min: 0, max: Infinity },
];
const doc = parse(base) as Record<string, unknown>;
const inDocRange = (r: Range, v: number) => (!r.int || Number.isInteger(v)) && (r.minOpen ? v > r.min : v >= r.min) && v <= r.max;
/** Parses the scenario with `v` at the range's path: the value read back, or undefined when refused. */
function roundTrip(r: Range, v: number): { accepted: true; got: unknown } | { accepted: false; why: string } {
  try {
    return { accepted: true, got: getPath(parseScenario(stringify(withPath(doc, r.path, v)), 'f.yaml'), r.path) };
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { accepted: false, why: e.message };
  }
}
function checkRange(r: Range, v: number): boolean {
  const res = roundTrip(r, v);
  const ok = inDocRange(r, v);
  if (!res.accepted) assert.not.ok(ok, `${r.path}: ${v} is in the documented range but was refused: ${res.why}`);
  else {
    assert.ok(ok, `${r.path}: ${v} is outside the documented range but was accepted`);
    assert.is(res.got, v, r.path);
  }
  return res.accepted;
}

test('scenario fields: the documented range bounds, just inside and just outside', () => {
  for (const r of RANGES) {
    const edges = [r.min, r.max, r.min - 1, r.max + 1, r.min + 0.5, r.max - 0.5].filter(Number.isFinite);
    for (const v of edges) checkRange(r, v);
  }
});

test('scenario fields: random in-range values round-trip, out-of-range values are refused', () => {
  const num = fc.oneof(fc.integer({ min: -10, max: 70_000 }), fc.double({ min: -1, max: 2, noNaN: true }));
  let accepted = 0;
  fc.assert(
    fc.property(fc.constantFrom(...RANGES), num, (r, v) => {
      if (checkRange(r, v)) accepted++;
    }),
    { seed: 23, numRuns: 300 },
  );
  assert.ok(accepted > 60, `${accepted} of 300 values accepted`);
});

test.run();
