// Bounded big-endian reader/writer for the handshake codec. The reader throws AlertError(decode_error) on any
// overrun or bad vector length; the endpoint catches AlertError at its boundary and turns it into an alert.
import { AlertDescription } from './constants.ts';

/** A protocol failure that ends the connection with the given alert. Thrown inside the handshake code only;
 *  endpoints catch it and never let it escape. */
export class AlertError extends Error {
  readonly alert: number;
  constructor(alert: number, message: string) {
    super(message);
    this.name = 'AlertError';
    this.alert = alert;
  }
}

export function decodeError(msg: string): AlertError {
  return new AlertError(AlertDescription.decode_error, msg);
}

export class Reader {
  pos: number;
  readonly end: number;
  constructor(readonly buf: Uint8Array, start = 0, end = buf.length) {
    this.pos = start;
    this.end = end;
  }
  get remaining(): number {
    return this.end - this.pos;
  }
  private need(n: number): void {
    if (this.pos + n > this.end) throw decodeError(`truncated: need ${n} bytes, have ${this.end - this.pos}`);
  }
  u8(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }
  u16(): number {
    this.need(2);
    const v = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return v;
  }
  u24(): number {
    this.need(3);
    const b = this.buf;
    const p = this.pos;
    this.pos += 3;
    return (b[p]! << 16) | (b[p + 1]! << 8) | b[p + 2]!;
  }
  u32(): number {
    this.need(4);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }
  /** uint64 as a JS number; values above 2^53 lose precision (record numbers stay below 2^48). */
  u64(): number {
    const hi = this.u32();
    const lo = this.u32();
    return hi * 0x100000000 + lo;
  }
  bytes(n: number): Uint8Array {
    this.need(n);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** Vector with a 1, 2 or 3-byte length prefix, and [min, max] byte bounds from the RFC's presentation language. */
  vec(lenBytes: 1 | 2 | 3, min = 0, max = Infinity): Uint8Array {
    const n = lenBytes === 1 ? this.u8() : lenBytes === 2 ? this.u16() : this.u24();
    if (n < min || n > max) throw decodeError(`vector length ${n} outside [${min}, ${max}]`);
    return this.bytes(n);
  }
  /** A sub-reader over a length-prefixed vector. */
  sub(lenBytes: 1 | 2 | 3, min = 0, max = Infinity): Reader {
    const v = this.vec(lenBytes, min, max);
    return new Reader(v);
  }
  done(what: string): void {
    if (this.pos !== this.end) throw decodeError(`${this.end - this.pos} trailing bytes in ${what}`);
  }
}

/**
 * Scratch buffers lent to Writers: a Writer encodes into one and copies the exact result out at finish(), which
 * returns the buffer here. Encoding then allocates only the result (on the JS heap when it is small) instead of an
 * oversized zero-filled buffer per message; nested Writers each borrow their own. Every byte below `pos` is written
 * before it can be read, so stale scratch contents never leak into a result.
 */
const SCRATCH: Uint8Array[] = [];
const SCRATCH_SIZE = 4096;
const SCRATCH_KEEP = 8;
const NO_BUF = new Uint8Array(0);

export class Writer {
  private buf: Uint8Array;
  pos = 0;
  /** `initial`: expected size (a hint: the buffer grows as needed). */
  constructor(initial = 256) {
    this.buf = initial <= SCRATCH_SIZE ? (SCRATCH.pop() ?? new Uint8Array(SCRATCH_SIZE)) : new Uint8Array(initial);
  }
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let cap = Math.max(64, this.buf.length * 2);
    while (cap < this.pos + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.pos));
    this.buf = nb;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u24(v: number): this {
    this.ensure(3);
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf[this.pos++] = (v >>> 24) & 0xff;
    this.buf[this.pos++] = (v >>> 16) & 0xff;
    this.buf[this.pos++] = (v >>> 8) & 0xff;
    this.buf[this.pos++] = v & 0xff;
    return this;
  }
  u64(v: number): this {
    this.u32(Math.floor(v / 0x100000000));
    return this.u32(v >>> 0);
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
    return this;
  }
  vec(lenBytes: 1 | 2 | 3, b: Uint8Array): this {
    this.len(lenBytes, b.length);
    return this.bytes(b);
  }
  private len(lenBytes: 1 | 2 | 3, n: number): void {
    if (lenBytes === 1) this.u8(n);
    else if (lenBytes === 2) this.u16(n);
    else this.u24(n);
  }
  /** Writes a length-prefixed block whose content is produced by fn. */
  block(lenBytes: 1 | 2 | 3, fn: (w: this) => void): this {
    this.len(lenBytes, 0);
    const start = this.pos;
    fn(this);
    const n = this.pos - start;
    const p = start - lenBytes;
    if (lenBytes === 1) this.buf[p] = n;
    else if (lenBytes === 2) {
      this.buf[p] = n >>> 8;
      this.buf[p + 1] = n & 0xff;
    } else {
      this.buf[p] = n >>> 16;
      this.buf[p + 1] = (n >>> 8) & 0xff;
      this.buf[p + 2] = n & 0xff;
    }
    return this;
  }
  /** The written bytes (a copy of exactly `pos` bytes). Ends the Writer: its buffer goes back to the scratch pool. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    this.release();
    return out;
  }
  /** The written bytes as a view into the Writer's buffer (no copy): valid only until the next write, reset() or
   *  release(). For bytes consumed at once, e.g. a record payload that sealing copies. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
  /** Starts over in the same buffer. */
  reset(): this {
    this.pos = 0;
    return this;
  }
  /** Ends the Writer without a result: its buffer goes back to the scratch pool. */
  release(): void {
    const b = this.buf;
    this.buf = NO_BUF;
    this.pos = 0;
    if (b.length === SCRATCH_SIZE && SCRATCH.length < SCRATCH_KEEP) SCRATCH.push(b);
  }
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Constant-time comparison for MACs (cookie, Finished). */
export function ctEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
