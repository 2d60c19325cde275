// Reassembly property: handshake messages cut into overlapping fragments, shuffled and duplicated, come out once,
// in message_seq order, byte-identical; a fragment that changes an already received byte is illegal_parameter.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { AlertError, Connection, createProvider, seededRandom } from '../../../src/dtls/index.ts';
import { resolveCommon } from '../../../src/dtls/endpoint/config.ts';
import type { HandshakeFragment } from '../../../src/dtls/handshake/messages.ts';

class Probe extends Connection {
  got: { type: number; body: Uint8Array }[] = [];
  constructor() {
    super('client', resolveCommon({ crypto: createProvider('node', seededRandom(1)) }));
    this.state = 'handshaking';
  }
  protected onHandshakeMessage(type: number, body: Uint8Array): void {
    this.got.push({ type, body: body.slice() });
  }
  feed(f: HandshakeFragment): void {
    this.reasm.add(f, 0);
    (this as unknown as { processMessages(n: number): void }).processMessages(0);
  }
}

const msgArb = fc.uint8Array({ minLength: 0, maxLength: 1500 });
const cutArb = fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true })), { maxLength: 12 });

test('property: overlapping, shuffled, duplicated fragments reassemble exactly once and in order', () => {
  fc.assert(fc.property(fc.array(fc.tuple(msgArb, cutArb, fc.nat(20)), { minLength: 1, maxLength: 4 }), fc.array(fc.nat(), { maxLength: 80 }),
    (msgs, shuffle) => {
      const probe = new Probe();
      const frags: HandshakeFragment[] = [];
      msgs.forEach(([body, cuts, step], seq) => {
        // a covering set of contiguous pieces...
        const size = Math.max(1, step * 37 % 400 + 1);
        for (let o = 0; o < body.length || o === 0; o += size) {
          frags.push({ msgType: 11, length: body.length, messageSeq: seq, fragmentOffset: o, fragment: body.subarray(o, Math.min(body.length, o + size)) });
          if (body.length === 0) break;
        }
        // ...plus random overlapping ranges
        for (const [a, b] of cuts) {
          const s = Math.floor(Math.min(a, b) * body.length);
          const e = Math.floor(Math.max(a, b) * body.length);
          frags.push({ msgType: 11, length: body.length, messageSeq: seq, fragmentOffset: s, fragment: body.subarray(s, e) });
        }
      });
      // shuffle deterministically from the generated indices, with duplicates
      const order = frags.map((_, i) => i);
      for (let i = 0; i < shuffle.length; i++) {
        const a = shuffle[i]! % order.length;
        const b = (i * 7 + 3) % order.length;
        [order[a], order[b]] = [order[b]!, order[a]!];
      }
      for (const i of order) probe.feed(frags[i]!);
      for (const i of order.slice(0, 5)) probe.feed(frags[i]!); // duplicates after completion are ignored
      assert.is(probe.got.length, msgs.length);
      msgs.forEach(([body], i) => assert.equal(Array.from(probe.got[i]!.body), Array.from(body)));
    }), { seed: 11, numRuns: 150 });
});

test('a retransmitted fragment with different bytes is illegal_parameter; different length too', () => {
  const p = new Probe();
  p.feed({ msgType: 11, length: 10, messageSeq: 0, fragmentOffset: 0, fragment: Uint8Array.of(1, 2, 3, 4) });
  assert.throws(() => p.feed({ msgType: 11, length: 10, messageSeq: 0, fragmentOffset: 2, fragment: Uint8Array.of(3, 9) }),
    (e: unknown) => e instanceof AlertError && e.alert === 47);
  assert.throws(() => p.feed({ msgType: 11, length: 11, messageSeq: 0, fragmentOffset: 0, fragment: Uint8Array.of(1) }),
    (e: unknown) => e instanceof AlertError && e.alert === 47);
});

test('messages beyond the reassembly window are dropped and counted', () => {
  const p = new Probe();
  p.feed({ msgType: 11, length: 1, messageSeq: 8, fragmentOffset: 0, fragment: Uint8Array.of(1) });
  assert.is(p.stats.dropsByReason.handshake_window, 1);
  p.feed({ msgType: 11, length: 1, messageSeq: 7, fragmentOffset: 0, fragment: Uint8Array.of(1) });
  assert.is(p.got.length, 0);
});

test.run();
