// Slots of packed states (src/dtls/record/pack-store.ts): random puts and releases against a Map model of what each
// live handle must hold; size classes, refusal above the largest slot, reuse of freed slots, the finaliser of a
// dormant owner dropped without waking.
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PACK_SLOT_MAX, PackStore, packStoreBytes } from '../../../src/dtls/record/pack-store.ts';
import { PackReader, PackWriter } from '../../../src/dtls/record/pack.ts';

/** Deterministic byte stream (xorshift32), independent of the code under test. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x;
  };
}

function read(store: PackStore, h: number): Buffer {
  const off = store.slotOffset(h) + 2;
  return Buffer.from(store.chunkOf(h).subarray(off, off + store.slotLength(h)));
}

test('random puts and releases: every live slot holds what was put, handles unique', () => {
  const store = new PackStore();
  const next = rng(7);
  const model = new Map<number, Buffer>();
  for (let step = 0; step < 20000; step++) {
    if (model.size > 0 && next() % 3 === 0) {
      // release a live handle chosen by position
      const k = next() % model.size;
      const h = [...model.keys()][k]!;
      store.release(h);
      model.delete(h);
      continue;
    }
    const len = next() % 1200;
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = next() & 0xff;
    const padded = Buffer.concat([b, Buffer.alloc(7, 0xee)]); // only the first len bytes are stored
    const h = store.put(padded, len);
    assert.ok(h >= 0 && Number.isInteger(h) && h < 2 ** 31);
    assert.not.ok(model.has(h), `handle ${h} handed out twice`);
    model.set(h, b);
  }
  assert.is(store.live, model.size);
  for (const [h, b] of model) assert.ok(read(store, h).equals(b), `slot ${h}`);
});

test('size classes: a slot of class c holds 32 (c + 1) - 2 bytes; longer states are refused', () => {
  const store = new PackStore();
  const src = Buffer.alloc(PACK_SLOT_MAX + 1, 0x5a);
  assert.is(PACK_SLOT_MAX, 128 * 32 - 2);
  assert.is(store.put(src, 30) & 127, 0);
  assert.is(store.put(src, 31) & 127, 1);
  assert.is(store.put(src, 62) & 127, 1);
  assert.is(store.put(src, 0) & 127, 0);
  assert.is(store.put(src, PACK_SLOT_MAX) & 127, 127);
  assert.is(store.put(src, PACK_SLOT_MAX + 1), -1);
  assert.is(store.live, 5);
});

test('a released slot is reused first; chunks grow 4, 8, 16 slots', () => {
  const store = new PackStore();
  const before = packStoreBytes();
  const src = Buffer.alloc(100, 1);
  const hs: number[] = [];
  for (let i = 0; i < 12; i++) hs.push(store.put(src, 100)); // class 3: 128-byte slots
  assert.is(store.allocatedBytes, (4 + 8) * 128);
  hs.push(store.put(src, 100));
  assert.is(store.allocatedBytes, (4 + 8 + 16) * 128);
  assert.is(packStoreBytes() - before, (4 + 8 + 16) * 128, 'the process-wide tally counts the new chunks');
  store.release(hs[5]!);
  assert.is(store.put(src, 100), hs[5]);
});

test('writer and reader through a slot: the same fields back', () => {
  const store = new PackStore();
  const w = new PackWriter();
  w.u8(7).uint(2 ** 40 + 3).num(-5).num(0.25).num(undefined).bytes(Uint8Array.of(1, 2, 3)).optBytes(undefined).str('k\u00ffy');
  const h = w.finishInto(store);
  const r = PackReader.ofSlot(store, h);
  assert.is(r.u8(), 7);
  assert.is(r.uint(), 2 ** 40 + 3);
  assert.is(r.num(), -5);
  assert.is(r.num(), 0.25);
  assert.is(r.num(), undefined);
  assert.equal([...r.bytes()], [1, 2, 3]);
  assert.is(r.optBytes(), undefined);
  assert.is(r.str(), 'k\u00ffy');
  assert.ok(r.done);
  assert.throws(() => r.u8(), /truncated/);
});

test('an owner dropped while its slot is held: the finaliser frees the slot', async () => {
  v8.setFlagsFromString('--expose_gc');
  const gc = runInNewContext('gc') as () => void;
  const store = new PackStore();
  const keep = { handle: store.put(Buffer.alloc(10), 10) };
  store.track({}, { handle: store.put(Buffer.alloc(10), 10) }); // owner unreachable at once
  const owner = {};
  store.track(owner, keep);
  assert.is(store.live, 2);
  for (let i = 0; i < 50 && store.live > 1; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.is(store.live, 1, 'the dropped owner\'s slot is freed, the live owner\'s kept');
  assert.ok(keep.handle >= 0 && owner !== undefined);
});

test.run();
