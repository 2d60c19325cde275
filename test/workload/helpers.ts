import { readFileSync } from 'node:fs';
import { applyModelOverrides, applyScenarioOverrides, parseModel, parseScenario, resolveModelPath, type ModelConfig, type Scenario } from '../../src/workload/config/index.ts';

/** Loads a shipped scenario and its model, with optional overrides (scenario `a.b=v`, model `x.y=v`). */
export function load(file: string, scenarioOverrides: string[] = [], modelOverrides: string[] = []): { scenario: Scenario; model: ModelConfig } {
  let scenario = parseScenario(readFileSync(file, 'utf8'), file);
  if (scenarioOverrides.length) scenario = applyScenarioOverrides(scenario, scenarioOverrides);
  const mf = resolveModelPath(file, scenario.model.file);
  let model = parseModel(readFileSync(mf, 'utf8'), mf);
  const mo = [...scenario.model.overrides, ...modelOverrides];
  if (mo.length) model = applyModelOverrides(model, mo);
  return { scenario: { ...scenario, name: scenario.name ?? 'test' }, model };
}
