// Scenario and model configuration: schemas (zod 4), YAML parsing with positions, overrides.
export { ConfigError, formatIssue, parseYamlConfig, validateConfig, applyOverrides, positionOf } from './yaml.ts';
export type { ConfigIssue, ValidationContext } from './yaml.ts';
export * from './dist.ts';
export * from './model.ts';
export * from './dtls.ts';
export * from './scenario.ts';
export * from './sla.ts';
export * from './auth.ts';
export * from './attack.ts';
export * from './fleet.ts';
export * from './limits.ts';
