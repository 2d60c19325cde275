// Shared helpers for hw tests: load the shipped models through the real config loader.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { parseModel, applyModelOverrides, type ModelConfig } from '../../src/workload/config/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function loadModel(name: string, overrides: string[] = []): ModelConfig {
  const file = `models/${name}.yaml`;
  return applyModelOverrides(parseModel(readFileSync(join(root, file), 'utf8'), file), overrides);
}
