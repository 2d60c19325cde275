// A sweep's fields checked before any simulation (src/dse/check.ts, src/dse/load.ts) and after the runs: each
// mistake is a ConfigError at its line and column in the sweep file, not a sweep of error rows that exits 0. The
// expected positions are counted by hand in the texts below.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadSweep } from '../../src/dse/load.ts';
import { checkResultMetrics, SweepFailed } from '../../src/dse/check.ts';

const SCENARIO = readFileSync('scenarios/single-client.yaml', 'utf8').replace(/file: \S+/, 'file: model.yaml');
const MODEL = readFileSync('models/baseline.yaml', 'utf8');

/** Loads sweep text `sweep` (as /s/sweep.yaml) beside /s/scn.yaml and /s/model.yaml; returns the error message. */
function loadError(sweep: string, scenario = SCENARIO): string {
  const files = new Map([['/s/sweep.yaml', sweep], ['/s/scn.yaml', scenario], ['/s/model.yaml', MODEL]]);
  try {
    loadSweep('/s/sweep.yaml', (p) => {
      const t = files.get(p);
      if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
      return t;
    });
  } catch (e) {
    assert.is((e as Error).name, 'ConfigError', String(e));
    return (e as Error).message;
  }
  throw new Error('loaded without error');
}

const head = 'scenario: scn.yaml\nparameters:\n';

test('a good sweep loads', () => {
  const files = new Map([['/s/sweep.yaml', `${head}  - { param: aead.instances, values: [1, 2] }\n`], ['/s/scn.yaml', SCENARIO], ['/s/model.yaml', MODEL]]);
  const l = loadSweep('/s/sweep.yaml', (p) => files.get(p)!);
  assert.is(l.sweep.parameters.length, 1);
});

test('an unknown parameter field is an error at its param (a value invalid for some points is not)', () => {
  assert.is(loadError(`${head}  - { param: aead.instancez, values: [1, 2] }\n`),
    '/s/sweep.yaml:3:14 parameters.0.param: aead.instancez: unknown key (did you mean aead.instances?)');
  // 0 AEAD instances is an infeasible design of one point, reported in its row, not a load error
  const files = new Map([['/s/sweep.yaml', `${head}  - { param: aead.instances, values: [0, 2] }\n`], ['/s/scn.yaml', SCENARIO], ['/s/model.yaml', MODEL]]);
  loadSweep('/s/sweep.yaml', (p) => files.get(p)!);
});

test('the same parameter twice is an error at the second', () => {
  assert.is(loadError(`${head}  - { param: aead.instances, values: [1, 2] }\n  - { param: aead.instances, values: [4, 8] }\n`),
    '/s/sweep.yaml:4:14 parameters.1.param: aead.instances is already swept by parameters.0');
});

test('a fixed override that fails is an error at its place', () => {
  assert.is(loadError(`${head}  - { param: aead.instances, values: [1, 2] }\noverrides: [aead.instances=-1]\n`),
    '/s/sweep.yaml:4:13 overrides.0: "aead.instances=-1" aead.instances: must be >= 0');
});

test('adaptive: a fidelity field that is not a number in the base is an error at its place', () => {
  const sweep = `${head}  - { param: aead.instances, values: [1, 2, 4, 8] }\nstrategy: { kind: adaptive, budget: 4, eta: 2, fidelity: [scenario.clients.cuont] }\n`;
  assert.is(loadError(sweep), '/s/sweep.yaml:4:59 strategy.fidelity.0: scenario.clients.cuont is not a number in the base configuration');
});

test('a misspelt SLA metric is a schema error; a missing scenario file is an error at `scenario`', () => {
  assert.match(loadError(`${head}  - { param: aead.instances, values: [1, 2] }\nconstraints: { sla: [{ metric: handshake_latency_ms.p999, max: 5 }] }\n`),
    /^\/s\/sweep\.yaml:4:\d+ constraints\.sla\.0\.metric: unknown metric/);
  assert.is(loadError(`scenario: nope.yaml\nparameters:\n  - { param: aead.instances, values: [1, 2] }\n`),
    '/s/sweep.yaml:1:11 scenario: cannot read /s/nope.yaml: no such file');
});

test('an absolute scenario path in a sweep is taken as is, not joined onto the sweep\'s folder', () => {
  const files = new Map([['/s/sweep.yaml', `scenario: /elsewhere/scn.yaml\nparameters:\n  - { param: aead.instances, values: [1, 2] }\n`],
    ['/elsewhere/scn.yaml', SCENARIO.replace('file: model.yaml', 'file: /s/model.yaml')], ['/s/model.yaml', MODEL]]);
  const l = loadSweep('/s/sweep.yaml', (p) => {
    const t = files.get(p);
    if (t === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return t;
  });
  assert.is(l.scenarioFile, '/elsewhere/scn.yaml');
});

test("the base scenario's invalid model override is reported in the scenario file", () => {
  const scn = SCENARIO.replace('file: model.yaml', 'file: model.yaml\n  overrides: [aead.instances=-2]');
  assert.match(loadError(`${head}  - { param: aead.instances, values: [1, 2] }\n`, scn),
    /^\/s\/scn\.yaml:\d+:\d+ model\.overrides\.0: "aead\.instances=-2" aead\.instances: must be >= 0$/);
});

test('after the runs: a cost or objective metric no run produced is an error at its place; no result at all is SweepFailed', () => {
  const text = 'scenario: scn.yaml\nobjectives:\n  - { metric: cost.area_mm2, direction: min }\n  - { metric: throughput.goodputgbps, direction: max }\ncost_metric: cost.aera_mm2\nparameters: []\n';
  const sweep = { cost_metric: 'cost.aera_mm2', objectives: [{ metric: 'cost.area_mm2', direction: 'min' as const }, { metric: 'throughput.goodputgbps', direction: 'max' as const }], metrics: [] as string[] };
  const points = [{ metrics: { 'cost.area_mm2': 1, 'throughput.goodput_gbps': 2 } }, { error: 'x', metrics: {} }];
  try {
    checkResultMetrics(points, sweep as never, 'f.yaml', text);
    assert.unreachable();
  } catch (e) {
    assert.is((e as Error).message, [
      "f.yaml:5:14 cost_metric: cost.aera_mm2 is not a field of the runs' summaries (docs/outputs.md lists them)",
      "f.yaml:4:15 objectives.1.metric: throughput.goodputgbps is not a field of the runs' summaries (docs/outputs.md lists them)",
    ].join('\n'));
  }
  assert.throws(() => checkResultMetrics([{ error: 'override "port.mtu=10" ...', metrics: {} }], sweep as never, 'f.yaml', text), (e: unknown) => e instanceof SweepFailed);
});

test.run();
