// 104k random and mutated datagrams into a RecordLayer (node provider): zero exceptions, every drop counted, and
// nothing is ever delivered that the sender did not seal (same epoch, seq, type and payload).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { SUITES } from '../../../src/dtls/crypto/index.ts';
import { fuzzRecordLayer } from '../../../src/dtls/record/fuzz.ts';
import { provider } from '../util.ts';

test('104k random/mutated datagrams: no exception, all accounted for, only genuine records delivered', () => {
  let total = 0;
  let delivered = 0;
  let dropped = 0;
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.constantFrom(...Object.values(SUITES)), (seed, suite) => {
      const r = fuzzRecordLayer({ provider: provider('node', seed), suite, seed, datagrams: 200 });
      assert.is(r.exceptions, 0, r.firstException);
      assert.is(r.forged, 0, 'a record not sealed by the sender was delivered');
      assert.ok(r.dropped > 0);
      total += r.datagrams;
      delivered += r.delivered;
      dropped += r.dropped;
    }),
    { seed: 42, numRuns: 520 },
  );
  assert.ok(total >= 100_000, `${total}`);
  assert.ok(delivered > 1000 && dropped > 50_000, `${delivered} delivered, ${dropped} dropped`);
});

test.run();
