// Short-lived byte arrays that are fully overwritten (a sealed record, an opened record's plaintext): taken from
// Node's pooled Buffer allocator where there is one, without zero-filling. On this machine an array of 65..16384
// bytes from `new Uint8Array(n)` costs ~0.6-1 us (its own ArrayBuffer, zero-filled, off the JavaScript heap) against
// ~0.1-0.2 us for a slice of the shared 8 KiB pool (a 64-byte record's inner plaintext is 65 bytes: every echo
// record paid it). The array returned is a plain Uint8Array view whose `buffer` is the shared pool: callers use
// byteOffset / byteLength, never the whole buffer, and an array kept for long keeps its 8 KiB pool alive (use
// `new Uint8Array` or `slice()` for what a connection keeps: the endpoint's reassembly copies every handshake message
// out of the record it came in).
type Alloc = (n: number) => Uint8Array;
const NodeBuffer = (globalThis as { Buffer?: { allocUnsafe: Alloc } }).Buffer;

export const allocBytes: Alloc = NodeBuffer
  ? (n) => { const b = NodeBuffer.allocUnsafe(n); return new Uint8Array(b.buffer, b.byteOffset, n); }
  : (n) => new Uint8Array(n);
