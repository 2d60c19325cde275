// Fifo (src/dtls/endpoint/fifo.ts) against a plain array with Array.prototype.shift / filter, over random steps that
// cross its prefix cut (1,024 entries) many times.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Fifo } from '../../../src/dtls/endpoint/fifo.ts';
import { uniform } from '../util.ts';

test('Fifo: push, shift, peek, retain and forEach agree with an array', () => {
  const rnd = uniform(11);
  const q = new Fifo<number>();
  let ref: number[] = [];
  let next = 0;
  for (let step = 0; step < 60_000; step++) {
    const r = rnd();
    if (r < 0.52) {
      q.push(next);
      ref.push(next++);
    } else if (r < 0.999) {
      assert.is(q.shift(), ref.shift(), `shift at step ${step}`);
    } else {
      const m = 2 + Math.floor(rnd() * 3);
      q.retain((x) => x % m !== 0);
      ref = ref.filter((x) => x % m !== 0);
    }
    assert.is(q.length, ref.length);
    assert.is(q.peek(), ref[0]);
  }
  const all: number[] = [];
  q.forEach((x) => all.push(x));
  assert.equal(all, ref);
  assert.ok(next > 30_000);
  // drained: nothing left, shift gives undefined
  while (q.length > 0) q.shift();
  assert.is(q.shift(), undefined);
  assert.is(q.peek(), undefined);
});

test.run();
