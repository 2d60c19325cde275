// Packed states (dormant connections, ./layer-state.ts and ../endpoint/dormant.ts): a sequence of fields written as
// flat bytes, kept in a slot of a PackStore (./pack-store.ts) or, for tests and tools, as a one-byte string (one
// character per byte, like ./latin1.ts).
// Field encodings (read back in the same order; the bytes carry no field names):
//   u8     one byte
//   uint   unsigned LEB128, 7 bits per byte, low group first (integers 0 .. 2^53)
//   num    any number: tag byte 0 = non-negative integer (uint follows), 1 = negative integer (uint of -x follows),
//          2 = +Infinity, 3 = -Infinity, 4 = other double (8 bytes IEEE 754, big-endian), 5 = undefined
//   bytes  uint length, then the bytes; `optBytes` writes length + 1 (0 = undefined)
//   str    a one-byte string: uint length, then its characters
import type { PackStore } from './pack-store.ts';

/** Scratch shared by every writer: one pack is built at a time (synchronously), then copied into a store's slot
 *  (or into a string by Buffer's native latin1 decoder). Grown on demand, never shrunk. */
let scratch = Buffer.alloc(1024);
const F64 = new DataView(new ArrayBuffer(8));

/** Makes room for `n` more bytes at `pos`. */
function room(pos: number, n: number): void {
  if (pos + n <= scratch.length) return;
  const bigger = Buffer.alloc(Math.max(2 * scratch.length, pos + n));
  bigger.set(scratch);
  scratch = bigger;
}

export class PackWriter {
  private pos = 0;

  u8(v: number): this {
    if (this.pos >= scratch.length) room(this.pos, 1);
    scratch[this.pos++] = v & 0xff;
    return this;
  }
  uint(v: number): this {
    if (!(Number.isInteger(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER)) throw new RangeError(`pack: not a uint: ${v}`);
    room(this.pos, 8);
    while (v >= 0x80) {
      scratch[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    scratch[this.pos++] = v;
    return this;
  }
  num(v: number | undefined): this {
    if (v === undefined) return this.u8(5);
    if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER && !Object.is(v, -0)) {
      return v >= 0 ? this.u8(0).uint(v) : this.u8(1).uint(-v);
    }
    if (v === Infinity) return this.u8(2);
    if (v === -Infinity) return this.u8(3);
    F64.setFloat64(0, v);
    this.u8(4);
    for (let i = 0; i < 8; i++) this.u8(F64.getUint8(i));
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  bytes(b: Uint8Array): this {
    this.uint(b.length);
    room(this.pos, b.length);
    scratch.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  optBytes(b: Uint8Array | undefined): this {
    if (b === undefined) return this.u8(0);
    this.uint(b.length + 1);
    room(this.pos, b.length);
    scratch.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  str(s: string): this {
    this.uint(s.length);
    room(this.pos, s.length);
    this.pos += scratch.write(s, this.pos, 'latin1');
    return this;
  }

  /** The fields written so far as one flat one-byte string. */
  finish(): string {
    return scratch.toString('latin1', 0, this.pos);
  }
  /** The fields written so far, copied into a slot of `store`: its handle, or -1 (too long for a slot). */
  finishInto(store: PackStore): number {
    return store.put(scratch, this.pos);
  }
}

export class PackError extends Error {
  override readonly name = 'PackError';
}

export class PackReader {
  pos: number;
  private readonly b: Buffer;
  private readonly end: number;
  /** Reads a packed string, or `length` bytes of `bytes` from `offset` (a store's chunk: chunkOf / slotOffset). */
  constructor(src: string | Buffer, offset = 0, length?: number) {
    this.b = typeof src === 'string' ? Buffer.from(src, 'latin1') : src;
    this.pos = offset;
    this.end = length === undefined ? this.b.length : offset + length;
  }
  /** Reads `store`'s slot `handle`. */
  static ofSlot(store: PackStore, handle: number): PackReader {
    return new PackReader(store.chunkOf(handle), store.slotOffset(handle) + 2, store.slotLength(handle));
  }

  u8(): number {
    if (this.pos >= this.end) throw new PackError('packed state truncated');
    return this.b[this.pos++]!;
  }
  uint(): number {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = this.u8();
      v += (b & 0x7f) * mul;
      if (b < 0x80) return v;
      mul *= 0x80;
    }
  }
  num(): number | undefined {
    const tag = this.u8();
    switch (tag) {
      case 0: return this.uint();
      case 1: return -this.uint();
      case 2: return Infinity;
      case 3: return -Infinity;
      case 4:
        for (let i = 0; i < 8; i++) F64.setUint8(i, this.u8());
        return F64.getFloat64(0);
      case 5: return undefined;
      default: throw new PackError(`bad number tag ${tag}`);
    }
  }
  /** A num() that must be defined. */
  n(): number {
    const v = this.num();
    if (v === undefined) throw new PackError('number expected');
    return v;
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  bytes(): Uint8Array {
    return this.take(this.uint());
  }
  optBytes(): Uint8Array | undefined {
    const n = this.uint();
    return n === 0 ? undefined : this.take(n - 1);
  }
  /** optBytes(), returning `owned` instead of a new array when the bytes equal it (no allocation then). */
  optBytesOr(owned: Uint8Array | undefined): Uint8Array | undefined {
    const n = this.uint();
    if (n === 0) return undefined;
    const len = n - 1;
    if (owned !== undefined && owned.length === len && this.pos + len <= this.end) {
      const b = this.b;
      let same = true;
      for (let i = 0; i < len; i++) if (owned[i] !== b[this.pos + i]) { same = false; break; }
      if (same) {
        this.pos += len;
        return owned;
      }
    }
    return this.take(len);
  }
  str(): string {
    const n = this.uint();
    if (this.pos + n > this.end) throw new PackError('packed state truncated');
    const v = this.b.toString('latin1', this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  /** True once every field was read. */
  get done(): boolean {
    return this.pos === this.end;
  }
  private take(n: number): Uint8Array {
    if (this.pos + n > this.end) throw new PackError('packed state truncated');
    const b = new Uint8Array(n);
    const src = this.b;
    for (let i = 0; i < n; i++) b[i] = src[this.pos + i]!;
    this.pos += n;
    return b;
  }
}
