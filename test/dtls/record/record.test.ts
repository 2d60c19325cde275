// RecordLayer: round trips for every suite x header form x CID, rejection reasons, windows, limits, padding.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { deriveEpochKeys, type EpochKeys } from '../../../src/dtls/keyschedule.ts';
import { SUITES, SUITE_NAMES, type CipherSuite, type CryptoProvider } from '../../../src/dtls/crypto/index.ts';
import {
  RecordLayer, RecordError, ContentType, concatRecords, reconstructSeq, splitDatagram, peekCid, formOf,
  ReplayWindow, type RecordEvent, type RecordLayerOptions,
} from '../../../src/dtls/record/index.ts';
import { hex, provider } from '../util.ts';

const secretFor = (suite: CipherSuite, tag: number) => new Uint8Array(suite.hashLength).fill(tag);

function pair(suite: CipherSuite, p: CryptoProvider, opts: Partial<RecordLayerOptions> = {}, epochs = [2, 3]) {
  const tx = new RecordLayer({ provider: p, ...opts });
  const rx = new RecordLayer({ provider: p, ...opts });
  const keys: Record<number, EpochKeys> = {};
  for (const e of epochs) {
    keys[e] = deriveEpochKeys(p, suite, secretFor(suite, e));
    tx.installWriteKeys(e, keys[e]!);
    rx.installReadKeys(e, keys[e]!);
  }
  return { tx, rx, keys };
}
const payloadOf = (n: number, salt = 0) => new Uint8Array(n).map((_, i) => (i * 7 + salt) & 0xff);

for (const kind of ['node', 'noble'] as const) {
  for (const name of SUITE_NAMES) {
    test(`[${kind}] ${name}: round trip for every header form x CID`, () => {
      const p = provider(kind);
      const suite = SUITES[name];
      for (const cid of [undefined, new Uint8Array([0xc1, 0xd2, 0xe3, 0xf4]), new Uint8Array([9])]) {
        const { tx, rx } = pair(suite, p);
        if (cid) { tx.setCid({ write: cid }); rx.setCid({ read: cid }); }
        for (const seqLength of [1, 2] as const) {
          for (const length of [true, false]) {
            for (const n of kind === 'noble' ? [0, 1, 1200] : [0, 1, 15, 64, 1200, 16383]) {
              const pl = payloadOf(n, seqLength + (length ? 2 : 0));
              const epoch = n % 2 === 0 ? 3 : 2;
              const seq = tx.nextWriteSeq(epoch);
              const rec = tx.seal(ContentType.applicationData, epoch, pl, { seqLength, length });
              const f = formOf(rec[0]!);
              assert.equal({ ...f }, { cid: cid !== undefined, seqLength, length });
              assert.is(rec[0]! & 3, epoch & 3);
              // ciphertext = inner plaintext + tag, padded to >= 16 bytes (RFC 9147 4.2.3; 8-byte CCM_8 tag)
              assert.is(rec.length, 1 + (cid?.length ?? 0) + seqLength + (length ? 2 : 0) + Math.max(16, n + 1 + suite.tagLength));
              const out = rx.open(rec);
              assert.is(out.length, 1, `${name} cid=${cid?.length} S=${seqLength} L=${length} n=${n}`);
              assert.is(out[0]!.epoch, epoch);
              assert.is(out[0]!.seq, seq);
              assert.is(out[0]!.contentType, 23);
              assert.is(hex(out[0]!.payload), hex(pl));
              if (cid) assert.is(hex(out[0]!.cid!), hex(cid));
            }
          }
        }
        assert.is(rx.dropped, 0);
      }
    });
  }
}

const suite = SUITES.TLS_AES_128_GCM_SHA256;
const node = () => provider('node');

test('several records per datagram (epoch 0, 2, 3; last without length) open in order', () => {
  const { tx, rx } = pair(suite, node());
  const d = concatRecords([
    tx.seal(ContentType.handshake, 0, payloadOf(30)),
    tx.seal(ContentType.handshake, 2, payloadOf(100)),
    tx.seal(ContentType.ack, 2, payloadOf(10), { seqLength: 1 }),
    tx.seal(ContentType.applicationData, 3, payloadOf(50), { length: false }),
  ]);
  const split = splitDatagram(d, 0);
  assert.is(split.records.length, 4);
  assert.is(split.error, undefined);
  const out = rx.open(d);
  assert.equal(out.map((r) => [r.epoch, r.seq, r.contentType, r.payload.length]), [[0, 0, 22, 30], [2, 0, 22, 100], [2, 1, 26, 10], [3, 0, 23, 50]]);
});

test('openEach: keys installed by the callback apply to the next record of the same datagram; stop', () => {
  const p = node();
  const { tx, keys } = pair(suite, p);
  const d = concatRecords([tx.seal(22, 0, payloadOf(10)), tx.seal(22, 2, payloadOf(20)), tx.seal(23, 3, payloadOf(30))]);
  const rx = new RecordLayer({ provider: p });
  const seen: number[] = [];
  rx.openEach(d, (r) => {
    seen.push(r.epoch);
    if (r.epoch === 0) rx.installReadKeys(2, keys[2]!); // "ServerHello" -> handshake keys
  });
  assert.equal(seen, [0, 2]);
  assert.is(rx.drops['unknown-epoch'], 1, 'epoch 3 keys were never installed');
  const rx2 = new RecordLayer({ provider: p });
  const n: number[] = [];
  rx2.openEach(d, (r) => { n.push(r.epoch); return false; });
  assert.equal(n, [0]);
  assert.is(rx2.dropped, 0);
  // open() sees all keys up front only
  const rx3 = new RecordLayer({ provider: p });
  assert.is(rx3.open(d).length, 1);
});

test('tampered, truncated, wrong-epoch, replayed and too-old records are dropped with the right reason', () => {
  const { tx, rx } = pair(suite, node());
  const rec = tx.seal(23, 3, payloadOf(40));
  // tampered ciphertext / tag / header bits (AAD) -> auth-failed
  for (const i of [rec.length - 1, 10, 0]) {
    const bad = rec.slice();
    bad[i]! ^= i === 0 ? 0x08 /* S bit: header changes */ : 1;
    assert.is(rx.open(bad).length, 0);
  }
  assert.is(rx.drops['auth-failed'] + rx.drops['too-short'], 3);
  const seqFlip = rec.slice();
  seqFlip[2]! ^= 0x01; // encrypted low sequence byte
  assert.is(rx.open(seqFlip).length, 0);
  const before = rx.drops['auth-failed'];
  assert.ok(before >= 2);
  // truncated
  assert.is(rx.open(rec.subarray(0, rec.length - 3)).length, 0);
  assert.is(rx.open(rec.subarray(0, 4)).length, 0);
  assert.is(rx.drops['too-short'] >= 2, true);
  // wrong epoch: receiver without epoch 3 keys
  const rx2 = new RecordLayer({ provider: node() });
  rx2.installReadKeys(2, deriveEpochKeys(node(), suite, secretFor(suite, 2)));
  assert.is(rx2.open(rec).length, 0);
  assert.is(rx2.drops['unknown-epoch'], 1);
  // same low bits (epoch 7) but different keys -> auth-failed
  rx2.installReadKeys(7, deriveEpochKeys(node(), suite, secretFor(suite, 7)));
  assert.is(rx2.open(rec).length, 0);
  assert.is(rx2.drops['auth-failed'], 1);
  // valid once, then replay
  assert.is(rx.open(rec).length, 1);
  assert.is(rx.open(rec).length, 0);
  assert.is(rx.drops.replay, 1);
  // too old: 70 newer records
  const old = tx.seal(23, 3, payloadOf(5));
  for (let i = 0; i < 70; i++) assert.is(rx.open(tx.seal(23, 3, payloadOf(5))).length, 1);
  assert.is(rx.open(old).length, 0);
  assert.is(rx.drops['too-old'], 1);
  assert.is(rx.highestReadSeq(3), 71);
});

test('replay window size is configurable and works out of order', () => {
  const { tx, rx } = pair(suite, node(), { replayWindow: 128 });
  const recs = Array.from({ length: 120 }, () => tx.seal(23, 3, payloadOf(3)));
  assert.is(rx.open(recs[119]!).length, 1);
  for (let i = 118; i >= 0; i -= 2) assert.is(rx.open(recs[i]!).length, 1, `seq ${i}`);
  for (let i = 118; i >= 0; i -= 2) assert.is(rx.open(recs[i]!).length, 0);
  assert.is(rx.drops.replay, 60);
  const w = new ReplayWindow(4);
  assert.is(w.check(0), 'ok');
  w.mark(0); w.mark(5);
  assert.is(w.check(0), 'too-old');
  assert.is(w.check(2), 'ok');
  assert.is(w.check(5), 'replay');
});

test('sequence reconstruction: closest to highest+1, across 8- and 16-bit wraps', () => {
  assert.is(reconstructSeq(0, 0, 8), 0);
  assert.is(reconstructSeq(255, 255, 8), 255);
  assert.is(reconstructSeq(256, 0, 8), 256);
  assert.is(reconstructSeq(256, 255, 8), 255);
  assert.is(reconstructSeq(300, 10, 8), 266);
  assert.is(reconstructSeq(0x1fffe, 3, 16), 0x20003);
  assert.is(reconstructSeq(0x20001, 0xfffe, 16), 0x1fffe);
  assert.is(reconstructSeq(5, 250, 8), 250);
  // 1000 records with 8-bit sequence numbers, delivered with losses and reordering
  const { tx, rx } = pair(suite, node());
  const recs = Array.from({ length: 1000 }, (_, i) => tx.seal(23, 3, payloadOf(4, i), { seqLength: 1 }));
  const order: number[] = [];
  for (let i = 0; i < 1000; i += 10) order.push(i + 3, i + 1, i + 2, i + 7, i + 5); // drop some, swap some
  for (const i of order) {
    const out = rx.open(recs[i]!);
    assert.is(out.length, 1);
    assert.is(out[0]!.seq, i);
    assert.is(hex(out[0]!.payload), hex(payloadOf(4, i)));
  }
});

test('padding policies; record_size_limit on both sides; too-large ciphertext', () => {
  const { tx, rx } = pair(suite, node());
  const r1 = tx.seal(23, 3, payloadOf(10), { padding: { kind: 'multiple', of: 64 } });
  assert.is(r1.length, 5 + 64 + 16);
  const r2 = tx.seal(23, 3, payloadOf(10), { padding: { kind: 'size', to: 300 } });
  assert.is(r2.length, 5 + 300 + 16);
  const o = rx.open(concatRecords([r1, r2]));
  assert.equal(o.map((r) => [r.payload.length, r.paddingLength]), [[10, 53], [10, 289]]);
  tx.setRecordSizeLimit({ write: 100 });
  assert.is(tx.maxPayload, 99);
  assert.throws(() => tx.seal(23, 3, payloadOf(100)), (e: unknown) => e instanceof RecordError);
  const capped = tx.seal(23, 3, payloadOf(50), { padding: { kind: 'size', to: 1000 } });
  assert.is(capped.length, 5 + 100 + 16, 'padding stops at the limit');
  assert.is(rx.open(capped).length, 1);
  tx.setRecordSizeLimit({ write: 2 ** 14 + 1 });
  rx.setRecordSizeLimit({ read: 200 });
  assert.is(rx.open(tx.seal(23, 3, payloadOf(199))).length, 1);
  assert.is(rx.open(tx.seal(23, 3, payloadOf(200))).length, 0);
  assert.is(rx.drops['too-large'], 1);
  assert.throws(() => tx.seal(23, 3, payloadOf(2 ** 14 + 1)), (e: unknown) => e instanceof RecordError);
  assert.is(tx.seal(23, 3, payloadOf(2 ** 14)).length, 5 + 2 ** 14 + 1 + 16);
  // ciphertext above 2^14 + 256 (crafted header, no L bit)
  const big = new Uint8Array(3 + 2 ** 14 + 257);
  big[0] = 0x2b; // 001 0 1 0 11: S, no L, epoch 3
  assert.is(rx.open(big).length, 0);
  assert.is(rx.drops['too-large'], 2);
});

test('forgery limit: counter, flag and event; write confidentiality counter', () => {
  const events: RecordEvent[] = [];
  const { tx, rx } = pair(suite, node(), { forgeryLimit: 3, onEvent: (e) => events.push(e) });
  const rec = tx.seal(23, 2, payloadOf(30));
  for (let i = 0; i < 5; i++) {
    const bad = rec.slice();
    bad[20]! ^= 1 << (i % 8);
    rx.open(bad);
  }
  assert.is(rx.authFailures, 5);
  assert.is(rx.epochAuthFailures(2), 5);
  assert.ok(rx.forgeryLimitReached);
  assert.equal(events, [{ type: 'forgery-limit', epoch: 2, failures: 3 }]);
  assert.is(tx.epochSealed(2), 1);
  assert.is(SUITES.TLS_AES_128_CCM_SHA256.forgeryLimit, Math.floor(2 ** 23.5));
  assert.is(SUITES.TLS_AES_128_GCM_SHA256.forgeryLimit, 2 ** 36);
});

test('write limit event, sequence space exhaustion, and the per-record operation trace', () => {
  const events: RecordEvent[] = [];
  const p = node();
  const { tx, rx } = pair(suite, p, { writeLimit: 2, onEvent: (e) => events.push(e) });
  tx.seal(23, 3, payloadOf(1));
  tx.seal(23, 3, payloadOf(1));
  tx.seal(23, 3, payloadOf(1));
  assert.equal(events, [{ type: 'write-limit', epoch: 3, sealed: 2 }]);
  tx.seal(23, 2, payloadOf(1), { seq: 2 ** 48 - 1 });
  assert.throws(() => tx.seal(23, 2, payloadOf(1)), (e: unknown) => e instanceof RecordError);
  const ops: string[] = [];
  p.observer = (o) => ops.push(`${o.op}:${o.alg}:${o.inputBytes}:${o.outputBytes}:${o.aadBytes ?? ''}`);
  const rec = tx.seal(23, 3, payloadOf(100));
  rx.open(rec);
  p.observer = undefined;
  assert.equal(ops, [
    'aead-seal:AES-128-GCM:101:117:5',
    'sn-mask:AES-128-ECB:16:16:',
    'sn-mask:AES-128-ECB:16:16:',
    'aead-open:AES-128-GCM:117:101:5',
  ]);
});

test('bad inner content type (all-zero or unknown) is dropped after authentication', () => {
  const p = node();
  const { tx, rx, keys } = pair(suite, p);
  void tx;
  const k = keys[3]!;
  const craft = (inner: Uint8Array, seq: number) => {
    const hdr = new Uint8Array([0x2f, seq >> 8, seq & 0xff, (inner.length + 16) >> 8, (inner.length + 16) & 0xff]);
    const nonce = k.iv.slice();
    nonce[11]! ^= seq & 0xff;
    nonce[10]! ^= seq >> 8;
    const ct = p.aead(k.suite.aead, k.key).seal(nonce, hdr, inner);
    const m = p.snMasker(k.suite.aead, k.snKey).mask(ct);
    hdr[1]! ^= m[0]!;
    hdr[2]! ^= m[1]!;
    return concatRecords([hdr, ct]);
  };
  assert.is(rx.open(craft(new Uint8Array(20), 0)).length, 0);
  assert.is(rx.open(craft(new Uint8Array([1, 2, 99, 0, 0]), 1)).length, 0);
  assert.is(rx.drops['bad-content-type'], 2);
  const ok = rx.open(craft(new Uint8Array([1, 2, 23, 0, 0, 0]), 2));
  assert.is(ok.length, 1);
  assert.is(ok[0]!.paddingLength, 3);
  assert.is(rx.dropped, 2);
});

test('CID: mismatch -> bad-cid (rest of datagram dropped); C bit without CID -> bad-header; peekCid', () => {
  const { tx, rx } = pair(suite, node());
  tx.setCid({ write: new Uint8Array([1, 2, 3]) });
  rx.setCid({ read: new Uint8Array([1, 2, 4]) });
  const d = concatRecords([tx.seal(23, 3, payloadOf(5)), tx.seal(23, 3, payloadOf(5))]);
  assert.is(hex(peekCid(d, 3)!), '010203');
  assert.is(rx.open(d).length, 0);
  assert.is(rx.drops['bad-cid'], 1);
  rx.setCid({ read: null });
  assert.is(rx.open(d).length, 0);
  assert.is(rx.drops['bad-header'], 1);
  rx.setCid({ read: new Uint8Array([1, 2, 3]) });
  assert.is(rx.open(d).length, 2);
  // sender may omit its CID per record
  assert.is(rx.open(tx.seal(23, 3, payloadOf(5), { cid: false })).length, 1);
});

test('epoch 0 DTLSPlaintext: framing, version check, refusal, bad first byte; send-side misuse throws', () => {
  const { tx, rx } = pair(suite, node());
  const r = tx.seal(22, 0, payloadOf(20), { version: 0xfeff });
  assert.is(hex(r.subarray(0, 13)), '16feff000000000000000000' + '14');
  assert.is(rx.open(r)[0]!.seq, 0);
  const badVer = r.slice();
  badVer[2] = 0xfc;
  assert.is(rx.open(badVer).length, 0);
  const badEpoch = r.slice();
  badEpoch[4] = 1;
  assert.is(rx.open(badEpoch).length, 0);
  assert.is(rx.drops['bad-header'], 2);
  for (const first of [0x17, 0x14, 0x00, 0x40, 0xff, 0x19]) {
    const x = r.slice();
    x[0] = first;
    assert.is(rx.open(x).length, 0);
  }
  assert.is(rx.drops['bad-header'], 8);
  rx.acceptPlaintext = false;
  assert.is(rx.open(r).length, 0);
  assert.is(rx.drops['unknown-epoch'], 1);
  assert.throws(() => tx.seal(23, 0, payloadOf(1)), (e: unknown) => e instanceof RecordError);
  assert.throws(() => tx.seal(23, 5, payloadOf(1)), (e: unknown) => e instanceof RecordError);
  assert.throws(() => tx.seal(99, 3, payloadOf(1)), (e: unknown) => e instanceof RecordError);
  assert.is(rx.open(new Uint8Array(0)).length, 0);
});

test('KeyUpdate: old and new epochs readable side by side; dropping the old one', () => {
  const p = node();
  const { tx, rx } = pair(suite, p);
  const k4 = deriveEpochKeys(p, suite, secretFor(suite, 4));
  tx.installWriteKeys(4, k4);
  rx.installReadKeys(4, k4);
  const late3 = tx.seal(23, 3, payloadOf(8));
  const first4 = tx.seal(23, 4, payloadOf(9));
  assert.is(tx.nextWriteSeq(4), 1);
  assert.equal(rx.open(concatRecords([first4, late3])).map((r) => r.epoch), [4, 3]);
  rx.dropReadEpoch(3);
  assert.is(rx.open(tx.seal(23, 3, payloadOf(8))).length, 0);
  assert.is(rx.drops['unknown-epoch'], 1);
  assert.equal(rx.readEpochs(), [2, 4]);
});

test.run();
