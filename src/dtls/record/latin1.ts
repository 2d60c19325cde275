// Byte strings kept as JavaScript strings of one character per byte (U+0000..U+00FF), for key material a connection
// keeps for its whole life but uses rarely or only as a copy: a flat one-byte string costs its length plus ~16 B of
// heap, a Uint8Array of it its bytes plus a typed-array object and an ArrayBuffer object (~180 B more; above 64 bytes
// the bytes also live outside the heap). docs/simulation.md "Memory per connection".

/** The bytes of `parts`, in order, as one flat string (`+=` would build a rope of cons strings). */
export function latin1(...parts: Uint8Array[]): string {
  let n = 0;
  for (const p of parts) n += p.length;
  const all = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  // apply takes the typed array as its argument list (fast, flat result); at most a few hundred bytes here
  return String.fromCharCode.apply(null, all as unknown as number[]);
}

/** The bytes of s[from..to) (a latin1() string), in a new array. */
export function bytesOf(s: string, from = 0, to = s.length): Uint8Array {
  const b = new Uint8Array(to - from);
  for (let i = from; i < to; i++) b[i - from] = s.charCodeAt(i);
  return b;
}
