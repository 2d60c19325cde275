// Content keys for stored point results: a hash of the effective configuration, the seed and the code version.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level; NaN and +-Infinity become null (as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Key of one simulation run: 32 hex digits (128 bits of SHA-256). */
export function runKey(parts: { scenario: unknown; model: unknown; seed: number; crypto: string; codeVersion: string }): string {
  return sha256Hex(canonicalJson(parts)).slice(0, 32);
}
