// Minimal strict DER reader for X.509 / PKCS#8: single-byte tags, definite minimal lengths, every read
// bounds-checked. Throws DerError internally; the public cert API catches it and returns { ok: false }.

export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

/** One TLV. `start..end` spans the whole element (header included), `contentStart..end` its value. */
export type DerNode = {
  tag: number;
  start: number;
  contentStart: number;
  end: number;
};

export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8String: 0x0c,
  PrintableString: 0x13,
  T61String: 0x14,
  IA5String: 0x16,
  UTCTime: 0x17,
  GeneralizedTime: 0x18,
  BMPString: 0x1e,
  UniversalString: 0x1c,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Reads consecutive TLVs inside buf[pos..end). */
export class DerReader {
  pos: number;
  readonly end: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    if (start < 0 || end > buf.length || start > end) throw new DerError('bad range');
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  peekTag(): number | undefined {
    return this.pos < this.end ? this.buf[this.pos] : undefined;
  }

  next(): DerNode {
    const b = this.buf;
    const start = this.pos;
    if (start + 2 > this.end) throw new DerError('truncated header');
    const tag = b[start]!;
    if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers not supported');
    let p = start + 1;
    const first = b[p++]!;
    let len: number;
    if (first < 0x80) {
      len = first;
    } else {
      const n = first & 0x7f;
      if (n === 0) throw new DerError('indefinite length');
      if (n > 4) throw new DerError('length too large');
      if (p + n > this.end) throw new DerError('truncated length');
      if (b[p] === 0) throw new DerError('non-minimal length');
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[p++]!;
      if (len < 0x80) throw new DerError('non-minimal length');
    }
    const end = p + len;
    if (end > this.end) throw new DerError('truncated value');
    this.pos = end;
    return { tag, start, contentStart: p, end };
  }

  /** Next element, which must carry `tag`. */
  expect(tag: number, what = 'element'): DerNode {
    const n = this.next();
    if (n.tag !== tag) throw new DerError(`${what}: expected tag 0x${hex2(tag)}, got 0x${hex2(n.tag)}`);
    return n;
  }

  /** Next element only if its tag matches, else undefined (nothing consumed). */
  optional(tag: number): DerNode | undefined {
    return this.peekTag() === tag ? this.next() : undefined;
  }

  /** Reader over the content of a constructed node. */
  enter(n: DerNode): DerReader {
    return new DerReader(this.buf, n.contentStart, n.end);
  }

  finish(what = 'structure'): void {
    if (this.pos !== this.end) throw new DerError(`${what}: trailing bytes`);
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

export function content(buf: Uint8Array, n: DerNode): Uint8Array {
  return buf.subarray(n.contentStart, n.end);
}

export function whole(buf: Uint8Array, n: DerNode): Uint8Array {
  return buf.subarray(n.start, n.end);
}

/** Dotted OID string; strict (minimal base-128 arcs). */
export function decodeOid(buf: Uint8Array, n: DerNode): string {
  if (n.tag !== Tag.OID) throw new DerError('expected OID');
  const c = content(buf, n);
  if (c.length === 0) throw new DerError('empty OID');
  const arcs: number[] = [];
  let v = 0;
  let started = false;
  for (let i = 0; i < c.length; i++) {
    const byte = c[i]!;
    if (!started && byte === 0x80) throw new DerError('non-minimal OID arc');
    started = true;
    v = v * 128 + (byte & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 128) throw new DerError('OID arc too large');
    if ((byte & 0x80) === 0) {
      arcs.push(v);
      v = 0;
      started = false;
    }
  }
  if (started) throw new DerError('truncated OID');
  const first = arcs[0]!;
  const head = first < 40 ? [0, first] : first < 80 ? [1, first - 40] : [2, first - 80];
  return [...head, ...arcs.slice(1)].join('.');
}

/** Non-negative INTEGER that fits in a JS number (versions, pathLen). */
export function decodeSmallUint(buf: Uint8Array, n: DerNode): number {
  if (n.tag !== Tag.INTEGER) throw new DerError('expected INTEGER');
  const c = content(buf, n);
  checkInteger(c);
  if (c[0]! & 0x80) throw new DerError('negative INTEGER');
  if (c.length > 6) throw new DerError('INTEGER too large');
  let v = 0;
  for (const b of c) v = v * 256 + b;
  return v;
}

/** Validates INTEGER encoding (non-empty, minimal). */
export function checkInteger(c: Uint8Array): void {
  if (c.length === 0) throw new DerError('empty INTEGER');
  if (c.length > 1 && ((c[0] === 0 && !(c[1]! & 0x80)) || (c[0] === 0xff && c[1]! & 0x80))) {
    throw new DerError('non-minimal INTEGER');
  }
}

export function decodeBoolean(buf: Uint8Array, n: DerNode): boolean {
  if (n.tag !== Tag.BOOLEAN || n.end - n.contentStart !== 1) throw new DerError('bad BOOLEAN');
  const v = buf[n.contentStart]!;
  if (v !== 0 && v !== 0xff) throw new DerError('non-DER BOOLEAN');
  return v === 0xff;
}

/** BIT STRING payload; `unusedBits` must be 0 unless allowUnused. */
export function decodeBitString(buf: Uint8Array, n: DerNode, allowUnused = false): { bytes: Uint8Array; unusedBits: number } {
  if (n.tag !== Tag.BIT_STRING) throw new DerError('expected BIT STRING');
  const c = content(buf, n);
  if (c.length === 0) throw new DerError('empty BIT STRING');
  const unused = c[0]!;
  if (unused > 7 || (c.length === 1 && unused !== 0)) throw new DerError('bad BIT STRING padding');
  if (unused !== 0 && !allowUnused) throw new DerError('BIT STRING with unused bits');
  return { bytes: c.subarray(1), unusedBits: unused };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Directory-string-like values as text; unknown string types give undefined. */
export function decodeString(buf: Uint8Array, n: DerNode): string | undefined {
  const c = content(buf, n);
  try {
    switch (n.tag) {
      case Tag.UTF8String:
        return utf8.decode(c);
      case Tag.PrintableString:
      case Tag.IA5String:
      case Tag.T61String:
        for (const b of c) if (b > 0x7f) return latin1.decode(c);
        return String.fromCharCode(...c);
      case Tag.BMPString: {
        if (c.length % 2) return undefined;
        let s = '';
        for (let i = 0; i < c.length; i += 2) s += String.fromCharCode((c[i]! << 8) | c[i + 1]!);
        return s;
      }
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

/** UTCTime / GeneralizedTime in the RFC 5280 profile (seconds present, 'Z'), as ms since the epoch. */
export function decodeTime(buf: Uint8Array, n: DerNode): number {
  const c = content(buf, n);
  let s = '';
  for (const b of c) {
    if (b < 0x20 || b > 0x7e) throw new DerError('bad time characters');
    s += String.fromCharCode(b);
  }
  let m: RegExpExecArray | null;
  let year: number;
  if (n.tag === Tag.UTCTime) {
    m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError(`bad UTCTime "${s}"`);
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (n.tag === Tag.GeneralizedTime) {
    m = /^(\d\d\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s);
    if (!m) throw new DerError(`bad GeneralizedTime "${s}"`);
    year = Number(m[1]);
  } else {
    throw new DerError('expected a time');
  }
  const [mon, day, hh, mm, ss] = [2, 3, 4, 5, 6].map((i) => Number(m![i]));
  if (mon! < 1 || mon! > 12 || day! < 1 || day! > 31 || hh! > 23 || mm! > 59 || ss! > 59) {
    throw new DerError(`time out of range "${s}"`);
  }
  const t = Date.UTC(year, mon! - 1, day!, hh!, mm!, ss!);
  // Reject e.g. Feb 30 (Date.UTC would roll it over).
  if (new Date(t).getUTCDate() !== day) throw new DerError(`invalid date "${s}"`);
  return t;
}
