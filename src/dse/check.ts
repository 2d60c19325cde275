// Checks of a loaded sweep that need its base scenario and model, run before any simulation: whatever would make
// every point fail the same way, or make the ranking compare nothing, is an error at its place in the sweep file
// (`sweeps/x.yaml:12:14 parameters.1.param: ...`, exit 2), not a sweep of error rows that exits 0.
//   - the fixed `overrides` must apply to the base (an invalid one fails every point);
//   - a parameter names a field that exists (an unknown key fails every point; a value that is invalid for some
//     points only, e.g. 0 instances, stays that point's error row: it is an infeasible design, not a typo);
//   - no parameter twice (a point is one value per field: the second would silently replace the first);
//   - an adaptive search's fidelity fields are numbers in the base configuration.
// The metric names (objectives, cost_metric, constraints) are checked by the sweep's schema (./sweep.ts).
import { ConfigError, positionOf, type ConfigIssue } from '../workload/config/index.ts';
import { fidelityOverrides } from './adaptive.ts';
import { formatOverride, splitOverrides, type Materialize } from './plan.ts';
import { gridValues } from './space.ts';
import type { Sweep } from './sweep.ts';

/** What checkSweep needs of a loaded sweep. */
export interface SweepUnderCheck {
  sweep: Sweep;
  file: string;
  /** The sweep file's text (positions only). */
  text: string;
  base: { scenario: unknown; model: unknown };
  materialize: Materialize;
}

/** Throws ConfigError naming the sweep file's line and column for the first field found wrong (see the header). */
export function checkSweep(s: SweepUnderCheck): void {
  const { sweep } = s;
  const fail = (path: (string | number)[], message: string): never => {
    const pos = positionOf(s.text, path);
    throw new ConfigError([{ file: s.file, line: pos?.line ?? 0, col: pos?.col ?? 0, path: path.join('.'), message }]);
  };
  const problem = (e: unknown): ConfigIssue[] | undefined => (e instanceof ConfigError ? e.issues : undefined);
  const text = (issues: ConfigIssue[]): string => issues.map((i) => `${i.path ? `${i.path}: ` : ''}${i.message}`).join('; ');

  sweep.overrides.forEach((ov, i) => {
    try {
      s.materialize(splitOverrides([ov]));
    } catch (e) {
      const issues = problem(e);
      if (!issues) throw e;
      fail(['overrides', i], `${JSON.stringify(ov)} ${text(issues)}`);
    }
  });

  const seen = new Map<string, number>();
  sweep.parameters.forEach((p, i) => {
    const first = seen.get(p.param);
    if (first !== undefined) fail(['parameters', i, 'param'], `${p.param} is already swept by parameters.${first}`);
    seen.set(p.param, i);
    // an unknown field fails for any value; try the first one (values checked per point later)
    try {
      s.materialize(splitOverrides([...sweep.overrides, formatOverride(p.param, gridValues(p)[0]!)]));
    } catch (e) {
      const issues = problem(e);
      if (!issues) throw e;
      const unknown = issues.filter((x) => x.message.startsWith('unknown key') || x.message.includes('invalid field path'));
      if (unknown.length > 0) fail(['parameters', i, 'param'], text(unknown));
    }
  });

  if (sweep.strategy.kind === 'adaptive') {
    sweep.strategy.fidelity.forEach((f, i) => {
      try {
        fidelityOverrides([f], s.base, 0.5);
      } catch (e) {
        const issues = problem(e);
        if (!issues) throw e;
        fail(['strategy', 'fidelity', i], text(issues.map((x) => ({ ...x, path: '' }))));
      }
    });
  }
}

/** A ConfigError raised while running the sweep for one of its fields (file 'sweep'), placed in the sweep file. */
export function placeSweepIssues(e: ConfigError, file: string, text: string): ConfigError {
  if (!e.issues.some((i) => i.file === 'sweep')) return e;
  return new ConfigError(
    e.issues.map((i) => {
      if (i.file !== 'sweep') return i;
      const pos = positionOf(text, i.path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k)));
      return { ...i, file, line: pos?.line ?? 0, col: pos?.col ?? 0 };
    }),
  );
}

/** Every point of a sweep failed: the outputs (written, with each point's error) hold no result. Exit status 1. */
export class SweepFailed extends Error {
  override name = 'SweepFailed';
}

/**
 * After the runs: the metrics the sweep ranks and reports by (`cost_metric`, `objectives`, `metrics`) must be
 * fields of the runs' summaries (a typo would rank every point on a missing value and report nulls). Any summary
 * field is allowed (docs/dse.md), so this is checked against the fields the successful runs produced. Throws
 * ConfigError at the field's place in the sweep file; SweepFailed when no point produced a result.
 */
export function checkResultMetrics(points: readonly { error?: string; metrics: Record<string, unknown> }[], sweep: Sweep, file: string, text: string): void {
  const ok = points.filter((p) => p.error === undefined && Object.keys(p.metrics).length > 0);
  if (ok.length === 0) {
    const first = points.find((p) => p.error !== undefined)?.error;
    throw new SweepFailed(`dse: every point failed, no result (first error: ${first ?? 'none recorded'}); the point errors are in dse.csv`);
  }
  const known = new Set<string>();
  for (const p of ok) for (const k of Object.keys(p.metrics)) known.add(k);
  const named: { path: (string | number)[]; metric: string }[] = [
    { path: ['cost_metric'], metric: sweep.cost_metric },
    ...sweep.objectives.map((o, i) => ({ path: ['objectives', i, 'metric'], metric: o.metric })),
    ...sweep.metrics.map((m, i) => ({ path: ['metrics', i], metric: m })),
  ];
  const issues: ConfigIssue[] = [];
  for (const n of named) {
    if (known.has(n.metric)) continue;
    const pos = positionOf(text, n.path);
    issues.push({ file, line: pos?.line ?? 0, col: pos?.col ?? 0, path: n.path.join('.'), message: `${n.metric} is not a field of the runs' summaries (docs/outputs.md lists them)` });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
