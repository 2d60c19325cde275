// Generic YAML + zod loader with source positions, shared by scenarios, models and DSE sweep files.
//
//   const cfg = parseYamlConfig(text, 'scenarios/x.yaml', ScenarioSchema);   // typed value or throws ConfigError
//   const cfg2 = applyOverrides(cfg, ['aead.instances=8'], ModelSchema);      // same validation, names the override
//
// Every issue is rendered as `file:line:col field.path: message` (1-based line and column). Pure: no fs.
import { LineCounter, parseDocument, isMap, isPair, isScalar, isSeq, visit } from 'yaml';
import type { Document, Node as YamlNode } from 'yaml';
import type * as z from 'zod';
import { closest, fieldPaths } from './suggest.ts';

export type ConfigIssue = {
  /** File name as given by the caller, or `override "a.b=c"` for an override. */
  file: string;
  /** 1-based; 0 when unknown. */
  line: number;
  col: number;
  /** Dotted field path (`clients.count`, `sla.0.metric`); empty for document-level problems. */
  path: string;
  message: string;
};

export function formatIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.col}` : i.file;
  return i.path ? `${where} ${i.path}: ${i.message}` : `${where} ${i.message}`;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

type PathKey = string | number;

/** A bound's reason given by the schema (`.max(n, { error: 'why' })`), as ` (why)`; '' for zod's own wording. */
function reason(message: string): string {
  return message === '' || /^Too (small|big)\b/.test(message) ? '' : ` (${message})`;
}

/** Human message for one zod issue (replaces zod's generic wording with the field's constraint). */
function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type': {
      const inputDesc = (issue as { input?: unknown }).input;
      const got = inputDesc === undefined ? 'nothing' : Array.isArray(inputDesc) ? 'array' : inputDesc === null ? 'null' : typeof inputDesc;
      if (inputDesc === undefined) return `required field is missing (expected ${issue.expected})`;
      if (typeof inputDesc === 'number' && (issue.expected === 'number' || issue.expected === 'int')) {
        return Number.isFinite(inputDesc) ? 'must be an integer' : 'must be a finite number';
      }
      return `expected ${issue.expected}, got ${got}`;
    }
    case 'too_small': {
      const bound = `${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}`;
      if (issue.origin === 'array') return `must have at least ${String(issue.minimum)} item(s)`;
      if (issue.origin === 'string') return `must not be empty`;
      return `must be ${bound}${reason(issue.message)}`;
    }
    case 'too_big': {
      const bound = `${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}`;
      if (issue.origin === 'array') return `must have at most ${String(issue.maximum)} item(s)`;
      return `must be ${bound}${reason(issue.message)}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'unrecognized_keys':
      return `unknown key`;
    case 'invalid_union': {
      const disc = (issue as { discriminator?: string; options?: unknown[] }).options;
      if (disc) return `must be one of ${disc.map((v) => JSON.stringify(v)).join(', ')}`;
      return issue.message;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    case 'invalid_format':
      return `invalid ${issue.format}`;
    default:
      return issue.message;
  }
}

/**
 * Flattens zod issues: unknown keys become one issue per key (path ends in the key), a union whose value
 * matched one branch's type reports that branch's issues instead of the generic "Invalid input".
 */
function flatten(issues: readonly z.core.$ZodIssue[], base: PathKey[] = []): { path: PathKey[]; message: string; key: boolean }[] {
  const out: { path: PathKey[]; message: string; key: boolean }[] = [];
  for (const issue of issues) {
    const path = [...base, ...(issue.path as PathKey[])];
    if (issue.code === 'unrecognized_keys') {
      // zod's own message names the keys; a schema may give a more helpful one (e.g. the names it accepts)
      const message = issue.message.startsWith('Unrecognized key') ? 'unknown key' : issue.message;
      for (const k of issue.keys) out.push({ path: [...path, k], message, key: true });
      continue;
    }
    if (issue.code === 'invalid_union' && issue.errors.length > 0 && !issue.message.startsWith('Invalid discriminator')) {
      // Pick the branch that got furthest: the one whose issues are not all a type mismatch at the root.
      const branches = issue.errors;
      const deep = branches.filter((b) => !b.every((e) => e.code === 'invalid_type' && e.path.length === 0));
      if (deep.length === 1) {
        out.push(...flatten(deep[0]!, path));
        continue;
      }
      const expected = branches
        .flat()
        .filter((e) => e.code === 'invalid_type' && e.path.length === 0)
        .map((e) => (e as { expected: string }).expected);
      if (deep.length === 0 && expected.length > 0) {
        out.push({ path, message: `expected ${[...new Set(expected)].join(' or ')}`, key: false });
        continue;
      }
      if (deep.length > 1) {
        // Prefer the branch with the fewest issues (closest match).
        const best = [...deep].sort((a, b) => a.length - b.length)[0]!;
        out.push(...flatten(best, path));
        continue;
      }
    }
    out.push({ path, message: describe(issue), key: false });
  }
  return out;
}

/** Locates a path in the document: the node for the value, or the key node if `key`, else the nearest existing parent. */
function locate(doc: Document | undefined, path: PathKey[], key: boolean): number | undefined {
  if (!doc) return undefined;
  let node: unknown = doc.contents;
  let lastRange: number | undefined = (node as YamlNode | null)?.range?.[0];
  // Position reported for a missing child: the key of the parent (`port:`), else the parent's value.
  let parentKey: number | undefined = lastRange;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg));
      if (!pair) return parentKey;
      const keyNode = pair.key as YamlNode | null;
      parentKey = keyNode?.range?.[0] ?? lastRange;
      if (isLast && key && keyNode?.range) return keyNode.range[0];
      const val = pair.value as YamlNode | null;
      if (val?.range) {
        node = val;
        lastRange = val.range[0];
      } else {
        // `key:` with no value: point at the key.
        return keyNode?.range?.[0] ?? lastRange;
      }
    } else if (isSeq(node)) {
      const item = node.items[Number(seg)] as YamlNode | undefined;
      if (!item?.range) return lastRange;
      node = item;
      lastRange = item.range[0];
      parentKey = lastRange;
    } else {
      return lastRange;
    }
  }
  return lastRange;
}

/** 1-based line/column of the node at `path` in YAML text (nearest existing parent if absent); undefined if unparseable. */
export function positionOf(text: string, path: readonly (string | number)[]): { line: number; col: number } | undefined {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) return undefined;
  const off = locate(doc, [...path], false);
  return off === undefined ? undefined : lineCounter.linePos(off);
}

export type ValidationContext = { file: string; doc?: Document; lineCounter?: LineCounter };

/** Validates an already-parsed value; positions come from `doc` when given. Throws ConfigError. */
export function validateConfig<S extends z.ZodType>(value: unknown, schema: S, ctx: ValidationContext): z.output<S> {
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  const issues: ConfigIssue[] = [];
  for (const f of flatten(r.error.issues)) {
    const off = locate(ctx.doc, f.path, f.key);
    const pos = off !== undefined && ctx.lineCounter ? ctx.lineCounter.linePos(off) : undefined;
    issues.push({ file: ctx.file, line: pos?.line ?? 0, col: pos?.col ?? 0, path: f.path.join('.'), message: f.message });
  }
  throw new ConfigError(issues);
}

/**
 * Parses YAML text and validates it against a zod schema. Syntax errors and schema errors both throw a
 * ConfigError whose issues carry `file:line:col`. Duplicate keys are syntax errors.
 */
export function parseYamlConfig<S extends z.ZodType>(text: string, fileName: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  // logLevel 'silent': warnings are returned (and reported below as errors), never printed by the library
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, logLevel: 'silent' });
  const problems = [...doc.errors, ...doc.warnings];
  if (problems.length > 0) {
    throw new ConfigError(
      problems.map((e) => {
        const pos = lineCounter.linePos(e.pos[0]);
        const msg = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        return { file: fileName, line: pos.line, col: pos.col, path: '', message: `YAML syntax error: ${msg}` };
      }),
    );
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // e.g. an alias to an undefined anchor, or an alias bomb beyond maxAliasCount: point at the first bad alias
    let off: number | undefined;
    visit(doc, {
      Alias(_k, node) {
        if (off === undefined && node.resolve(doc) === undefined) off = node.range?.[0];
      },
    });
    const pos = off !== undefined ? lineCounter.linePos(off) : { line: 1, col: 1 };
    throw new ConfigError([{ file: fileName, line: pos.line, col: pos.col, path: '', message: `YAML error: ${(e as Error).message.split('\n')[0]}` }]);
  }
  return validateConfig(value ?? {}, schema, { file: fileName, doc, lineCounter });
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Adds "did you mean X?" to unknown-key issues of an override, X the closest existing field path of `before`. */
function withSuggestion(e: unknown, pathText: string, before: unknown): unknown {
  if (!(e instanceof ConfigError) || !e.issues.some((i) => i.message === 'unknown key')) return e;
  const guess = closest(pathText, fieldPaths(before));
  if (guess === undefined) return e;
  return new ConfigError(e.issues.map((i) => (i.message === 'unknown key' ? { ...i, message: `unknown key (did you mean ${guess}?)` } : i)));
}

/**
 * Applies `path=value` overrides (value parsed as YAML: `8`, `true`, `[a, b]`, `{dist: exponential, mean: 2}`)
 * to a copy of `config` and re-validates the result with `schema`. Array items are addressed by index
 * (`sla.0.max=5`). Errors name the override: `override "aead.instances=0" aead.instances: must be >= 1`.
 */
export function applyOverrides<S extends z.ZodType>(config: z.input<S> | z.output<S>, overrides: readonly string[], schema: S): z.output<S> {
  let current: unknown = clone(config);
  if (overrides.length === 0) return validateConfig(current, schema, { file: 'config' });
  for (const ov of overrides) {
    const file = `override ${JSON.stringify(ov)}`;
    const eq = ov.indexOf('=');
    if (eq <= 0) throw new ConfigError([{ file, line: 0, col: 0, path: '', message: 'expected path=value' }]);
    const pathText = ov.slice(0, eq).trim();
    const raw = ov.slice(eq + 1);
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(pathText)) {
      throw new ConfigError([{ file, line: 0, col: 0, path: pathText, message: 'invalid field path' }]);
    }
    let value: unknown = null;
    if (raw.trim() !== '') {
      const vdoc = parseDocument(raw, { logLevel: 'silent', prettyErrors: false, uniqueKeys: true });
      const bad = [...vdoc.errors, ...vdoc.warnings][0];
      let msg = bad?.message;
      if (!bad) {
        try {
          value = vdoc.toJS({ maxAliasCount: 100 });
        } catch (e) {
          msg = (e as Error).message;
        }
      }
      if (msg !== undefined) {
        throw new ConfigError([{ file, line: 0, col: 0, path: pathText, message: `value is not valid YAML: ${msg.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}` }]);
      }
    }
    const segs = pathText.split('.');
    const next = clone(current) as Record<string, unknown>;
    let obj: Record<string, unknown> | unknown[] = next;
    for (let i = 0; i < segs.length - 1; i++) {
      const s = segs[i]!;
      const child = (obj as Record<string, unknown>)[s];
      if (child === undefined || child === null) {
        const fresh: Record<string, unknown> = {};
        (obj as Record<string, unknown>)[s] = fresh;
        obj = fresh;
      } else if (typeof child === 'object') {
        obj = child as Record<string, unknown>;
      } else {
        throw new ConfigError([{ file, line: 0, col: 0, path: segs.slice(0, i + 1).join('.'), message: `is a ${typeof child}, cannot set a field inside it` }]);
      }
    }
    const last = segs[segs.length - 1]!;
    if (Array.isArray(obj) && !/^\d+$/.test(last)) {
      throw new ConfigError([{ file, line: 0, col: 0, path: pathText, message: 'array items are addressed by index' }]);
    }
    (obj as Record<string, unknown>)[last] = value;
    try {
      validateConfig(next, schema, { file });
    } catch (e) {
      throw withSuggestion(e, pathText, current);
    }
    current = next;
  }
  return validateConfig(current, schema, { file: 'config' });
}
