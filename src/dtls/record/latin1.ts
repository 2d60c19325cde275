// Byte strings kept as JavaScript strings of one character per byte (U+0000..U+00FF), for key material a connection
// keeps for its whole life but uses rarely or only as a copy: a flat one-byte string costs its length plus ~16 B of
// heap, a Uint8Array of it its bytes plus a typed-array object and an ArrayBuffer object (~180 B more; above 64 bytes
// the bytes also live outside the heap). docs/simulation.md "Memory per connection".

/** Scratch of latin1(): the parts are copied in, then Buffer's native latin1 decoder makes the string (no array
 *  per call). Grown on demand. */
let scratch = Buffer.alloc(256);

/** The bytes of `parts`, in order, as one flat string (`+=` would build a rope of cons strings). */
export function latin1(...parts: Uint8Array[]): string {
  let n = 0;
  for (let i = 0; i < parts.length; i++) n += parts[i]!.length;
  if (n > scratch.length) scratch = Buffer.alloc(Math.max(n, 2 * scratch.length));
  let off = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    scratch.set(p, off);
    off += p.length;
  }
  return scratch.toString('latin1', 0, n);
}

/** The bytes of s[from..to) (a latin1() string), in a new array. */
export function bytesOf(s: string, from = 0, to = s.length): Uint8Array {
  const b = new Uint8Array(to - from);
  for (let i = from; i < to; i++) b[i - from] = s.charCodeAt(i);
  return b;
}
