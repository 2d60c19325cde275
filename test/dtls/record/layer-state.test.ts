// Packed record-layer state (src/dtls/record/layer-state.ts, dormant connections): a layer with every field away
// from its default is packed into one string and unpacked into a fresh layer built with the same options; every
// field must be equal, the fresh layer must seal and open exactly like the original from then on, and packing the
// copy gives the same string. Plus the field encodings of src/dtls/record/pack.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveEpochKeys } from '../../../src/dtls/keyschedule.ts';
import { SUITES, type CryptoProvider } from '../../../src/dtls/crypto/index.ts';
import {
  ContentType, PackReader, PackWriter, RecordLayer, packLayer, unpackLayer, type RecordLayerOptions,
} from '../../../src/dtls/record/index.ts';
import { provider } from '../util.ts';

const suite = SUITES.TLS_AES_128_CCM_8_SHA256;
const other = SUITES.TLS_CHACHA20_POLY1305_SHA256;
const keysOf = (p: CryptoProvider, e: number, s = suite) => deriveEpochKeys(p, s, new Uint8Array(s.hashLength).fill(e));
const pl = (n: number, salt: number) => new Uint8Array(n).map((_, i) => (i * 13 + salt) & 0xff);
const hexOf = (b: Uint8Array | undefined) => (b ? Buffer.from(b).toString('hex') : '-');

/** Everything observable about a layer's state, as plain data. */
function snapshot(l: RecordLayer): unknown {
  const f = l.saveFields();
  const ep = (st: (typeof f.reads)[number], read: boolean) => ({
    epoch: st.epoch, suite: st.suite.name, raw: st.raw, iv: hexOf(st.iv), nextSeq: st.nextSeq, sealed: st.sealed,
    failures: st.failures, limitSignalled: st.limitSignalled,
    ...(read ? { highest: st.window.highest, size: st.window.size, words: [...st.window.words] } : {}),
  });
  return {
    drops: { ...l.drops }, acceptPlaintext: l.acceptPlaintext, forgeryLimitReached: l.forgeryLimitReached, authFailures: l.authFailures,
    recordsOpened: l.recordsOpened, recordsSealed: l.recordsSealed, padding: l.padding, seqLength: l.seqLength,
    plainWriteSeq: f.plainWriteSeq, readCid: hexOf(f.readCid), writeCid: hexOf(f.writeCid), writeInnerLimit: f.writeInnerLimit,
    readInnerLimit: f.readInnerLimit, windowSize: f.windowSize, perRecordKeys: f.perRecordKeys,
    reads: f.reads.map((s) => ep(s, true)), writes: f.writes.map((s) => ep(s, false)),
  };
}

function packed(l: RecordLayer): string {
  const w = new PackWriter();
  packLayer(l, w);
  return w.finish();
}

for (const kind of ['node', 'noble'] as const) {
  for (const recordKeys of ['kept', 'per-record'] as const) {
    test(`[${kind}, ${recordKeys}] record layer state: pack -> unpack keeps every field and the behaviour`, () => {
      const p = provider(kind, 'layer-state');
      const opts: RecordLayerOptions = { provider: p, replayWindow: 100, recordKeys, forgeryLimit: 3, seqLength: 1, padding: { kind: 'multiple', of: 16 } };
      const a = new RecordLayer(opts);
      const peer = new RecordLayer({ provider: p });
      const cidA = Uint8Array.of(0xa1, 0xa2, 0xa3, 0xa4);
      const cidPeer = Uint8Array.of(0x51, 0x52);
      a.setCid({ read: cidA, write: cidPeer });
      peer.setCid({ read: cidPeer, write: cidA });
      a.setRecordSizeLimit({ write: 500, read: 1000 });
      for (const e of [2, 3, 4]) a.installReadKeys(e, keysOf(p, e, e === 4 ? other : suite));
      for (const e of [3, 5]) a.installWriteKeys(e, keysOf(p, 10 + e));
      for (const e of [2, 3, 4]) peer.installWriteKeys(e, keysOf(p, e, e === 4 ? other : suite));
      // traffic into `a`: in order, reordered, replayed, too old, forged (to the forgery limit in epoch 2), junk
      const recs: Uint8Array[] = [];
      for (let i = 0; i < 150; i++) recs.push(peer.seal(ContentType.applicationData, 3, pl(20 + (i % 7), i)));
      for (let i = 0; i < 150; i++) if (i % 5 !== 1) a.open(recs[i]!);
      a.open(recs[145]!); // replay
      a.open(recs[1]!); // too old
      a.open(recs[141]!); // in the window, not seen yet
      for (let i = 0; i < 3; i++) {
        const f = peer.seal(ContentType.handshake, 2, pl(30, i));
        f[f.length - 1]! ^= 1;
        a.open(f);
      }
      a.open(peer.seal(ContentType.alert, 4, pl(2, 9)));
      a.open(Uint8Array.of(0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1)); // epoch-0 record
      a.acceptPlaintext = false;
      a.open(Uint8Array.of(0x16, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1)); // refused now
      a.open(Uint8Array.of(0x40)); // bad header
      for (let i = 0; i < 5; i++) a.seal(ContentType.applicationData, i % 2 ? 3 : 5, pl(40, i));
      a.seal(ContentType.handshake, 0, pl(10, 1), { seq: 7 });
      assert.ok(a.forgeryLimitReached && a.drops['auth-failed'] === 3 && a.drops.replay >= 1 && a.drops['too-old'] >= 1, JSON.stringify(a.drops));

      const s = packed(a);
      const b = new RecordLayer(opts);
      const r = new PackReader(s);
      unpackLayer(b, r);
      assert.ok(r.done, 'every packed field read');
      assert.equal(snapshot(b), snapshot(a));
      assert.is(packed(b), s, 'packing the copy gives the same string');
      // from now on both behave the same: sealing, and opening (new, replayed, reordered records)
      for (let i = 0; i < 6; i++) {
        assert.equal(hexOf(b.seal(ContentType.applicationData, 5, pl(33, i))), hexOf(a.seal(ContentType.applicationData, 5, pl(33, i))));
      }
      const more = [recs[6]!, recs[149]!, peer.seal(ContentType.applicationData, 3, pl(9, 1)), recs[141]!, peer.seal(ContentType.applicationData, 4, pl(9, 2))];
      for (const d of more) assert.equal(b.open(d).map((x) => hexOf(x.payload)), a.open(d).map((x) => hexOf(x.payload)));
      assert.equal(snapshot(b), snapshot(a));
    });
  }
}

test('an owned read CID is kept instead of a copy; options that differ are refused', () => {
  const p = provider('node', 'owned');
  const a = new RecordLayer({ provider: p });
  const cid = Uint8Array.of(1, 2, 3, 4);
  a.setCid({ read: cid, readOwned: true });
  a.installReadKeys(3, keysOf(p, 3));
  const s = packed(a);
  const b = new RecordLayer({ provider: p });
  unpackLayer(b, new PackReader(s), cid);
  assert.is(b.saveFields().readCid, cid);
  const c = new RecordLayer({ provider: p });
  unpackLayer(c, new PackReader(s), Uint8Array.of(1, 2, 3, 5));
  assert.is.not(c.saveFields().readCid, cid);
  assert.equal([...c.saveFields().readCid!], [...cid]);
  assert.throws(() => unpackLayer(new RecordLayer({ provider: p, replayWindow: 32 }), new PackReader(s)), /options differ/);
});

test('pack field encodings round-trip (uint, num incl. -0, NaN, infinities, undefined; bytes; strings)', () => {
  const nums = [0, 1, 127, 128, 16383, 16384, 2 ** 31, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, -1, -(2 ** 40), 0.5, -0, 1e300, NaN, Infinity, -Infinity, undefined];
  const w = new PackWriter();
  for (const x of nums) w.num(x);
  w.uint(0).uint(300).uint(Number.MAX_SAFE_INTEGER);
  w.bytes(Uint8Array.of(0, 255, 7)).optBytes(undefined).optBytes(new Uint8Array(0)).str('\u0000\u00ffabc').bool(true).u8(0x1ff);
  const s = w.finish();
  assert.ok([...s].every((ch) => ch.charCodeAt(0) < 256), 'one byte per character');
  const r = new PackReader(s);
  for (const x of nums) {
    const v = r.num();
    assert.ok(Object.is(v, x), `${String(x)} -> ${String(v)}`);
  }
  assert.equal([r.uint(), r.uint(), r.uint()], [0, 300, Number.MAX_SAFE_INTEGER]);
  assert.equal([...r.bytes()], [0, 255, 7]);
  assert.is(r.optBytes(), undefined);
  assert.equal(r.optBytes(), new Uint8Array(0));
  assert.is(r.str(), '\u0000\u00ffabc');
  assert.is(r.bool(), true);
  assert.is(r.u8(), 0xff);
  assert.ok(r.done);
  assert.throws(() => r.u8(), /truncated/);
  assert.throws(() => new PackWriter().uint(-1), /not a uint/);
  assert.throws(() => new PackWriter().uint(1.5), /not a uint/);
});

test.run();
