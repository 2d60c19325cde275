// Loads a sweep: the sweep file, its base scenario and model (paths relative to the sweep file), and the
// materialiser that applies a point's overrides with the config helper's own validation. File reading is
// injected (the CLI passes fs; tests may pass a map).
import * as path from 'node:path';
import {
  applyModelOverrides, applyScenarioModelOverrides, applyScenarioOverrides, ConfigError, parseModel, parseScenario, positionOf, resolveModelPath,
  scenarioName,
} from '../workload/config/index.ts';
import { checkSweep } from './check.ts';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import type { Materialize } from './plan.ts';
import { parseSweep } from './sweep.ts';
import type { Sweep } from './sweep.ts';

export interface LoadedSweep {
  sweep: Sweep;
  /** Sweep name: its `name:`, else the file base name. */
  name: string;
  file: string;
  /** The sweep file's text (positions of errors found while running, ./check.ts placeSweepIssues). */
  text: string;
  scenarioFile: string;
  modelFile: string;
  /** Base scenario; its model overrides are already folded into baseModel (and cleared here). */
  baseScenario: Scenario;
  baseModel: ModelConfig;
  materialize: Materialize;
}

/**
 * Throws ConfigError (file:line:col and field) for a malformed sweep, scenario or model file, a file that cannot
 * be read (placed at the field naming it), and whatever ./check.ts finds before any simulation.
 */
export function loadSweep(file: string, readText: (p: string) => string): LoadedSweep {
  const sweepText = readOrFail(readText, file, undefined);
  const sweep = parseSweep(sweepText, file);
  const dir = path.dirname(file);
  const scenarioFile = path.normalize(path.resolve(dir, sweep.scenario)); // relative to the sweep file, or absolute
  const scenarioText = readOrFail(readText, scenarioFile, { file, text: sweepText, path: ['scenario'] });
  const scenario = parseScenario(scenarioText, scenarioFile);
  const modelFile = sweep.model !== undefined ? path.normalize(path.resolve(dir, sweep.model)) : resolveModelPath(scenarioFile, scenario.model.file);
  const modelRef = sweep.model !== undefined ? { file, text: sweepText, path: ['model'] } : { file: scenarioFile, text: scenarioText, path: ['model', 'file'] };
  let model = parseModel(readOrFail(readText, modelFile, modelRef), modelFile);
  // the scenario's own model.overrides: an invalid one is reported at its place in the scenario file
  if (scenario.model.overrides.length > 0) model = applyScenarioModelOverrides(model, scenario, scenarioText, scenarioFile);
  const baseScenario: Scenario = { ...scenario, name: scenarioName(scenario, scenarioFile), model: { ...scenario.model, overrides: [] } };
  const baseModel = model;
  const materialize: Materialize = (ov) => ({
    scenario: ov.scenario.length > 0 ? applyScenarioOverrides(baseScenario, ov.scenario) : baseScenario,
    model: ov.model.length > 0 ? applyModelOverrides(baseModel, ov.model) : baseModel,
  });
  checkSweep({ sweep, file, text: sweepText, base: { scenario: baseScenario, model: baseModel }, materialize });
  const name = sweep.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  return { sweep, name, file, text: sweepText, scenarioFile, modelFile, baseScenario, baseModel, materialize };
}

/** The text of `p`; a file that cannot be read is a ConfigError at the field that names it (`ref`), if any. */
function readOrFail(readText: (p: string) => string, p: string, ref: { file: string; text: string; path: (string | number)[] } | undefined): string {
  try {
    return readText(p);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e instanceof Error ? e.message : String(e);
    const pos = ref ? positionOf(ref.text, ref.path) : undefined;
    throw new ConfigError([{ file: ref?.file ?? p, line: pos?.line ?? 0, col: pos?.col ?? 0, path: ref ? ref.path.join('.') : '', message: `cannot read ${p}: ${why}` }]);
  }
}
