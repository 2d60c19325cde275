// Loads a sweep: the sweep file, its base scenario and model (paths relative to the sweep file), and the
// materialiser that applies a point's overrides with the config helper's own validation. File reading is
// injected (the CLI passes fs; tests may pass a map).
import * as path from 'node:path';
import { applyModelOverrides, applyScenarioOverrides, parseModel, parseScenario, resolveModelPath, scenarioName } from '../workload/config/index.ts';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import type { Materialize } from './plan.ts';
import { parseSweep } from './sweep.ts';
import type { Sweep } from './sweep.ts';

export interface LoadedSweep {
  sweep: Sweep;
  /** Sweep name: its `name:`, else the file base name. */
  name: string;
  file: string;
  scenarioFile: string;
  modelFile: string;
  /** Base scenario; its model overrides are already folded into baseModel (and cleared here). */
  baseScenario: Scenario;
  baseModel: ModelConfig;
  materialize: Materialize;
}

/** Throws ConfigError (file:line:col) for a malformed sweep, scenario or model file, Error if a file is missing. */
export function loadSweep(file: string, readText: (p: string) => string): LoadedSweep {
  const sweep = parseSweep(readText(file), file);
  const dir = path.dirname(file);
  const scenarioFile = path.normalize(path.join(dir, sweep.scenario));
  const scenario = parseScenario(readText(scenarioFile), scenarioFile);
  const modelFile = sweep.model !== undefined ? path.normalize(path.join(dir, sweep.model)) : resolveModelPath(scenarioFile, scenario.model.file);
  let model = parseModel(readText(modelFile), modelFile);
  if (scenario.model.overrides.length > 0) model = applyModelOverrides(model, scenario.model.overrides);
  const baseScenario: Scenario = { ...scenario, name: scenarioName(scenario, scenarioFile), model: { ...scenario.model, overrides: [] } };
  const baseModel = model;
  const materialize: Materialize = (ov) => ({
    scenario: ov.scenario.length > 0 ? applyScenarioOverrides(baseScenario, ov.scenario) : baseScenario,
    model: ov.model.length > 0 ? applyModelOverrides(baseModel, ov.model) : baseModel,
  });
  const name = sweep.name ?? path.basename(file).replace(/\.ya?ml$/i, '');
  return { sweep, name, file, scenarioFile, modelFile, baseScenario, baseModel, materialize };
}
