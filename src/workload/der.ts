// The few DER encodings (ITU-T X.690) the simulated certificates and keys need: definite-length TLVs, OIDs and
// non-negative INTEGERs (from a number or a BigInt). Encoding only; src/dtls/cert parses.

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x & 0xff);
  return [0x80 | b.length, ...b];
}

export function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const h = [tag, ...len(n)];
  const out = new Uint8Array(h.length + n);
  out.set(h, 0);
  let o = h.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const seq = (...p: Uint8Array[]): Uint8Array => tlv(0x30, ...p);
export const set = (...p: Uint8Array[]): Uint8Array => tlv(0x31, ...p);
export const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
export const nul = (): Uint8Array => bytes(0x05, 0x00);
export const bitString = (b: Uint8Array): Uint8Array => tlv(0x03, bytes(0), b);

export function oid(dotted: string): Uint8Array {
  const a = dotted.split('.').map(Number);
  const out: number[] = [a[0]! * 40 + a[1]!];
  for (const v of a.slice(2)) {
    const b: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) b.unshift(0x80 | (x & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** A non-negative INTEGER (a JS number up to 2^53, or a BigInt). */
export function integer(n: number | bigint): Uint8Array {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const b: number[] = [];
  for (let i = 0; i < hex.length; i += 2) b.push(Number.parseInt(hex.slice(i, i + 2), 16));
  while (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) b.shift();
  if (b[0]! & 0x80) b.unshift(0);
  return tlv(0x02, Uint8Array.from(b));
}
