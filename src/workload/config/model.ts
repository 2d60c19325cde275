// Hardware model files (models/*.yaml): the hardware parameters' schemas live with the blocks that take them
// (src/hw/params.ts, one definition per parameter); this module adds the model's description and the YAML parsing
// and overrides. Every parameter, its unit and its source: docs/models.md.
import * as z from 'zod';
import { parseYamlConfig, applyOverrides } from './yaml.ts';
import { HwModelSchema } from '../../hw/params.ts';

export { PortSchema, DmaSchema, AeadSchema, HashSchema, PkeSchema, CpuSchema, ContextCacheSchema, HwModelSchema } from '../../hw/params.ts';

const { name, ...blocks } = HwModelSchema.shape;

/** A model file: the hardware model plus a free-text description (key order as dumped in config.json). */
export const ModelSchema = z.strictObject({
  name,
  description: z.string().default(''),
  ...blocks,
});

/** A validated model; it is an HwModel (src/hw) with a description. */
export type ModelConfig = z.output<typeof ModelSchema>;
export type ModelInput = z.input<typeof ModelSchema>;

/** Parses and validates a model file's text. Throws ConfigError (`file:line:col path: message`). */
export function parseModel(text: string, fileName: string): ModelConfig {
  return parseYamlConfig(text, fileName, ModelSchema);
}

/** Applies `path=value` overrides to a validated model (e.g. `aead.instances=8`). Throws ConfigError naming the override. */
export function applyModelOverrides(model: ModelConfig, overrides: readonly string[]): ModelConfig {
  return applyOverrides(model, overrides, ModelSchema);
}
