// The run header of report.html: what was run (scenario and model files, every override as typed, seed, crypto
// provider, code version), from result.config.cli as the CLI records it. Without it (a result built in code) only
// the model name and seed are known.
import type { SimResult } from './types.ts';

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

type Cli = {
  scenario_file?: unknown;
  model_file?: unknown;
  seed?: unknown;
  crypto?: unknown;
  overrides?: unknown;
  scenario_overrides?: unknown;
  model_overrides?: unknown;
  code_version?: unknown;
};

const str = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined);
const list = (v: unknown): string[] => (Array.isArray(v) ? v.map((x) => String(x)) : []);

/** The overrides as typed (`cli.overrides`), else the split lists the CLI records (model ones with `model.`). */
export function runOverrides(result: SimResult): string[] {
  const cli = (result.config['cli'] ?? {}) as Cli;
  if (Array.isArray(cli.overrides)) return list(cli.overrides);
  return [...list(cli.scenario_overrides), ...list(cli.model_overrides).map((o) => `model.${o}`)];
}

/** Title suffix: the model and the overrides, so two runs of one scenario have different titles. */
export function runTitle(result: SimResult): string {
  const s = result.summary;
  const ov = runOverrides(result);
  return `${s.scenario} / ${s.model}${ov.length ? ` (${ov.join(', ')})` : ''}`;
}

export function renderRunHeader(result: SimResult): string {
  const s = result.summary;
  const cli = (result.config['cli'] ?? {}) as Cli;
  const ov = runOverrides(result);
  const rows: [string, string][] = [
    ['scenario file', str(cli.scenario_file) ?? s.scenario],
    ['model', `${s.model}${str(cli.model_file) ? ` (${str(cli.model_file)})` : ''}`],
    ['overrides', ov.length ? ov.join('\n') : 'none'],
    ['seed', String(s.seed)],
    ...(str(cli.crypto) ? [['crypto provider', str(cli.crypto)!] as [string, string]] : []),
    ['code version', str(cli.code_version) ?? 'not recorded'],
  ];
  const body = rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v).replace(/\n/g, '<br>')}</td></tr>`).join('\n');
  return `<table class="run">\n${body}\n</table>`;
}
