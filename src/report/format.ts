// Deterministic number formatting shared by the text renderers (no locale, no Intl).

/** True for numbers that can be printed (not NaN, not +-Infinity, not null/undefined). */
export function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/**
 * Compact number for text tables: integers as is, otherwise `sig` significant digits with trailing zeros removed,
 * exponent notation below 1e-4 and at or above 1e15. Non-finite -> `missing` ("-" by default).
 */
export function fmt(x: number | null | undefined, sig = 6, missing = '-'): string {
  if (!isNum(x)) return missing;
  if (Object.is(x, -0)) x = 0;
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  const a = Math.abs(x);
  // Large non-integers: no exponent, just round (toPrecision would give "9.083e+4").
  if (a >= 10 ** sig && a < 1e15) return String(Math.round(x));
  if (a !== 0 && (a < 1e-4 || a >= 1e15)) {
    const [m, e] = x.toExponential(sig - 1).split('e');
    return `${trimZeros(m!)}e${e}`;
  }
  return trimZeros(x.toPrecision(sig));
}

/** Fixed decimals (for tables), non-finite -> missing. */
export function fixed(x: number | null | undefined, decimals: number, missing = '-'): string {
  if (!isNum(x)) return missing;
  const s = x.toFixed(decimals);
  return s === `-${(0).toFixed(decimals)}` ? s.slice(1) : s;
}

/**
 * Percentage of a ratio in [0,1] with one decimal: 0.4567 -> "45.7%". Small non-zero values keep two significant
 * digits instead of rounding to zero: 0.00026 -> "0.026%".
 */
export function pct(ratio: number | null | undefined, decimals = 1, missing = '-'): string {
  if (!isNum(ratio)) return missing;
  const p = ratio * 100;
  if (p !== 0 && Math.abs(p) < 10 ** -decimals * 5) return `${fmt(Number(p.toPrecision(2)))}%`;
  return `${fixed(p, decimals)}%`;
}

function trimZeros(s: string): string {
  if (!s.includes('.')) return s;
  return s.replace(/0+$/, '').replace(/\.$/, '');
}

/** Pad to width (left-aligned by default). */
export function pad(s: string, width: number, right = false): string {
  if (s.length >= width) return s;
  const fill = ' '.repeat(width - s.length);
  return right ? fill + s : s + fill;
}

/** Render rows as an aligned plain-text table; first row is the header. Numeric-looking cells are right-aligned. */
export function textTable(rows: string[][], opts: { indent?: string; rightAlign?: boolean[] } = {}): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  const indent = opts.indent ?? '';
  const right = (i: number, c: string) => opts.rightAlign?.[i] ?? /^[-+]?[\d.]+(e[-+]?\d+)?%?$|^-$/.test(c);
  const lines = rows.map((r, ri) =>
    indent +
    r
      .map((c, i) => (ri > 0 && right(i, c) ? pad(c, widths[i]!, true) : pad(c, widths[i]!)))
      .join('  ')
      .replace(/\s+$/, ''),
  );
  if (rows.length > 1) lines.splice(1, 0, indent + widths.map((w) => '-'.repeat(w)).join('  '));
  return lines.join('\n');
}
