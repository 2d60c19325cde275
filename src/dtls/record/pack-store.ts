// Slots for packed states (./pack.ts) outside the JavaScript heap's object graph: dormant connections
// (../endpoint/dormant.ts) keep their state here as a number (a slot handle) instead of a string.
//
// Why not a string: a connection that sleeps between sparse records (one every 10 s in the IoT fleet) made a new
// ~330-byte string at every sleep; it always outlived the next young-generation collection, so V8 copied it twice
// (within the young generation, then into the old one) and later collected it there: at 10^6 devices ~2 x 10^5 such
// strings a second, the largest part of what every scavenge had to copy. A slot is written in place: a sleep
// allocates nothing, and the collector never sees the bytes (ArrayBuffer backing stores).
//
// Layout: size classes of 32 bytes (class c holds up to 32 (c + 1) - 2 bytes of state after a 2-byte length),
// classes 0 .. 127 (4 KiB slots; a longer state is refused: the connection stays awake). Each class has chunks of
// slots, the first small (4 slots) and each twice the previous up to 4,096 slots, so that a store of a few
// connections costs a few hundred bytes; freed slots go on the class's free stack and are reused first (last in,
// first out). A handle is (chunk * 4096 + slot) * 128 + class: a small integer, no heap object.
//
// Ownership: the connection that stored a state frees its slot when it wakes; a dormant connection that is dropped
// without waking has its slot freed by a FinalizationRegistry once the collector reclaims it (`track`), later and
// at a time only the collector decides, which no output depends on (slot numbers are never visible).

const CLASSES = 128;
const GRAIN = 32;
const MAX_CHUNK_SLOTS = 4096;
/** Chunks per class: handles stay below 2^31. */
const MAX_CHUNKS = 4096;
/** Largest state a slot holds (bytes), after the 2-byte length. */
export const PACK_SLOT_MAX = CLASSES * GRAIN - 2;

/** Bytes of the chunks of every PackStore alive (a store's share is taken off once the collector reclaims it): what
 *  dormant connections hold outside the JavaScript heap, for memory figures (the bench adds it to heapUsed). */
let liveStoreBytes = 0;
const storeGone = new FinalizationRegistry<{ bytes: number }>((t) => {
  liveStoreBytes -= t.bytes;
});
export function packStoreBytes(): number {
  return liveStoreBytes;
}

/** What a dormant connection holds while asleep: its slot, -1 once woken (freed). Held by the registry instead of
 *  the connection, so that the finaliser frees the right slot. */
export interface SlotRef {
  handle: number;
}

export class PackStore {
  /** Made at the first put: a configuration whose connections never sleep costs this one object. */
  private s: Slabs | undefined = undefined;
  private registry: FinalizationRegistry<SlotRef> | undefined = undefined;

  /** Copies the first `len` bytes of `src` into a free slot; the handle, or -1 when longer than PACK_SLOT_MAX (or
   *  the class has its 4,096 chunks full: 2^24 slots). */
  put(src: Buffer, len: number): number {
    if (len > PACK_SLOT_MAX) return -1;
    const c = ((len + 2 + GRAIN - 1) / GRAIN | 0) - 1;
    let slabs = this.s;
    if (slabs === undefined) {
      slabs = this.s = new Slabs();
      storeGone.register(this, slabs.tally);
    }
    const h = slabs.take(c);
    if (h < 0) return -1;
    const buf = this.chunkOf(h);
    const off = this.slotOffset(h);
    buf[off] = len >>> 8;
    buf[off + 1] = len & 0xff;
    src.copy(buf, off + 2, 0, len);
    return h;
  }

  /** The chunk holding `handle`'s bytes; they start at slotOffset(handle) + 2 and are slotLength(handle) long. */
  chunkOf(handle: number): Buffer {
    return this.s!.chunks[handle & (CLASSES - 1)]![(handle >>> 7) >>> 12]!;
  }
  slotOffset(handle: number): number {
    return ((handle >>> 7) & (MAX_CHUNK_SLOTS - 1)) * GRAIN * ((handle & (CLASSES - 1)) + 1);
  }
  slotLength(handle: number): number {
    const buf = this.chunkOf(handle);
    const off = this.slotOffset(handle);
    return (buf[off]! << 8) | buf[off + 1]!;
  }

  /** Returns `handle`'s slot to its class (its bytes are left as they are until reused). */
  release(handle: number): void {
    this.s!.release(handle);
  }

  /** Frees `ref.handle` when `owner` is collected while `ref.handle` >= 0 (a dormant connection dropped asleep). */
  track(owner: object, ref: SlotRef): void {
    (this.registry ??= new FinalizationRegistry<SlotRef>((r) => {
      if (r.handle >= 0) this.release(r.handle);
      r.handle = -1;
    })).register(owner, ref);
  }

  /** Slots in use. */
  get live(): number {
    return this.s ? this.s.live : 0;
  }
  /** Bytes of every chunk allocated (the store never shrinks). */
  get allocatedBytes(): number {
    return this.s ? this.s.tally.bytes : 0;
  }
}

/** The chunks and free stacks of a PackStore. */
class Slabs {
  /** chunks[c][k]: chunk k of class c. */
  readonly chunks: Buffer[][] = [];
  /** Free handles of each class (a stack; `freeTop[c]` entries in use). */
  private readonly free: Int32Array[] = [];
  private readonly freeTop = new Int32Array(CLASSES);
  /** Slots handed out in each class's newest chunk. */
  private readonly fill = new Int32Array(CLASSES);
  live = 0;
  /** Bytes of the chunks (an object of its own: the finaliser of the store reads it once the store is gone). */
  readonly tally = { bytes: 0 };

  take(c: number): number {
    if (this.free[c] === undefined) {
      this.free[c] = new Int32Array(16);
      this.chunks[c] = [];
    }
    if (this.freeTop[c]! > 0) {
      this.live++;
      return this.free[c]![--this.freeTop[c]]!;
    }
    const list = this.chunks[c]!;
    const k = list.length - 1;
    if (k < 0 || this.fill[c] === chunkSlots(k)) {
      if (k + 1 >= MAX_CHUNKS) return -1;
      const n = chunkSlots(k + 1);
      list.push(Buffer.alloc(n * GRAIN * (c + 1)));
      this.tally.bytes += n * GRAIN * (c + 1);
      liveStoreBytes += n * GRAIN * (c + 1);
      this.fill[c] = 0;
    }
    const slot = this.fill[c]++;
    this.live++;
    return ((list.length - 1) * MAX_CHUNK_SLOTS + slot) * CLASSES + c;
  }

  release(handle: number): void {
    const c = handle & (CLASSES - 1);
    let stack = this.free[c]!;
    if (this.freeTop[c] === stack.length) {
      const bigger = new Int32Array(stack.length * 2);
      bigger.set(stack);
      this.free[c] = stack = bigger;
    }
    stack[this.freeTop[c]++] = handle;
    this.live--;
  }
}

/** Slots in chunk k of a class: 4, 8, ... 4096, then 4096. */
function chunkSlots(k: number): number {
  return k >= 10 ? MAX_CHUNK_SLOTS : 4 << k;
}
