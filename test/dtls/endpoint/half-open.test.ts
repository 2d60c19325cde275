// HalfOpen (src/dtls/endpoint/half-open.ts) against a plain reference: an array in creation order, searched and
// filtered in full at every step. Random operations (new handshakes, completions in any order, time passing) with
// small caps, so that evictions by source and in total and timeouts all happen; the two must abandon the same
// connections, for the same reason, in the same order, and agree on the size and the next deadline throughout.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { HalfOpen, sourceOf } from '../../../src/dtls/endpoint/half-open.ts';
import type { ServerConnection } from '../../../src/dtls/endpoint/server.ts';
import { uniform } from '../util.ts';

interface Fake {
  id: number;
  address: string;
  abandon(reason: string): void;
}

class Reference {
  entries: { c: Fake; deadline: number; source: string }[] = [];
  constructor(private readonly max: number, private readonly perSource: number, private readonly timeout: number, private readonly log: string[]) {}
  private drop(i: number, why: string): void {
    this.log.push(`${why} ${this.entries[i]!.c.id}`);
    this.entries.splice(i, 1);
  }
  makeRoom(address: string, now: number): void {
    while (this.entries.length > 0 && this.entries[0]!.deadline <= now) this.drop(0, 'timeout');
    const src = sourceOf(address);
    for (;;) {
      const mine = this.entries.filter((e) => e.source === src);
      if (mine.length < this.perSource) break;
      this.drop(this.entries.indexOf(mine[0]!), 'evicted');
    }
    while (this.entries.length >= this.max) this.drop(0, 'evicted');
  }
  add(c: Fake, now: number): void {
    this.entries.push({ c, deadline: now + this.timeout, source: sourceOf(c.address) });
  }
  remove(c: Fake): void {
    const i = this.entries.findIndex((e) => e.c === c);
    if (i >= 0) this.entries.splice(i, 1);
  }
  expire(now: number): void {
    while (this.entries.length > 0 && this.entries[0]!.deadline <= now) this.drop(0, 'timeout');
  }
}

// [seed, cap in total, cap per source, steps, handshake timeout (ms), share of steps that complete a handshake, share
//  of the time steps that jump by up to two timeouts]
const CASES = [[1, 8, 3, 20_000, 100, 0.4, 0.01], [2, 40, 5, 20_000, 300, 0.4, 0.01], [3, 300, 1000, 30_000, 3000, 0.3, 0.01], [4, 2000, 1000, 40_000, 20_000, 0.25, 0.0005]] as const;

for (const [seed, max, perSource, steps, timeout, pComplete, pJump] of CASES) {
  test(`HalfOpen = reference over ${steps} random steps (cap ${max}, ${perSource} per source, timeout ${timeout} ms, seed ${seed})`, () => {
    const got: string[] = [];
    const want: string[] = [];
    const h = new HalfOpen({ maxHalfOpen: max, maxHalfOpenPerSource: perSource, handshakeTimeoutMs: timeout });
    const ref = new Reference(max, perSource, timeout, want);
    const rnd = uniform(seed);
    const open: Fake[] = [];
    let now = 0;
    let next = 0;
    for (let step = 0; step < steps; step++) {
      const r = rnd();
      if (r < 0.5) {
        const id = next++;
        const c: Fake = {
          id,
          address: `10.0.${Math.floor(rnd() * 4)}.1:${1000 + id}`,
          abandon(reason: string) {
            got.push(`${reason} ${id}`);
            h.remove(c as unknown as ServerConnection); // what the dispatcher does on the 'closed' it reports
          },
        };
        h.makeRoom(c.address, now);
        ref.makeRoom(c.address, now);
        h.add(c as unknown as ServerConnection, now);
        ref.add(c, now);
        open.push(c);
      } else if (r < 0.5 + pComplete && open.length > 0) {
        // a handshake completes: mostly one of the oldest (they finish roughly in order), sometimes any
        const i = rnd() < 0.7 ? Math.floor(rnd() * Math.min(5, open.length)) : Math.floor(rnd() * open.length);
        const c = open.splice(i, 1)[0]!;
        h.remove(c as unknown as ServerConnection);
        ref.remove(c);
      } else if (r < 0.97) {
        // time passes: mostly 0..3 ms (the caps fill), now and then up to two timeouts at once (handshakes expire)
        now += rnd() < pJump ? Math.floor(rnd() * 2 * timeout) : Math.floor(rnd() * 4);
      } else {
        h.expire(now);
        ref.expire(now);
      }
      assert.is(h.size, ref.entries.length, `size at step ${step}`);
      assert.is(h.nextDeadline(), ref.entries[0]?.deadline, `next deadline at step ${step}`);
    }
    assert.equal(got, want);
    const evicted = want.filter((x) => x.startsWith('evicted')).length;
    const timedOut = want.filter((x) => x.startsWith('timeout')).length;
    assert.ok(evicted > 20 && timedOut > 20, `caps and timeouts exercised: ${evicted} evicted, ${timedOut} timed out`);
    assert.is(h.evicted, evicted);
    assert.is(h.timedOut, timedOut);
  });
}

test('HalfOpen: completions behind an old live handshake are dropped from the queue (bounded), creation order kept', () => {
  const order: string[] = [];
  const h = new HalfOpen({ maxHalfOpen: 3, maxHalfOpenPerSource: 1000, handshakeTimeoutMs: 1e9 });
  const make = (name: string) => {
    const c = { address: `10.0.0.1:${name.length}`, abandon: (reason: string) => { order.push(`${reason} ${name}`); h.remove(c as unknown as ServerConnection); } };
    return c as unknown as ServerConnection;
  };
  const a = make('a');
  const b = make('bb');
  h.add(a, 0);
  h.add(b, 0);
  let maxQueue = 0;
  for (let i = 0; i < 5000; i++) {
    const c = make('c');
    h.makeRoom('10.0.0.1:9', i);
    h.add(c, i);
    h.remove(c);
    maxQueue = Math.max(maxQueue, (h as unknown as { queue: unknown[] }).queue.length);
  }
  assert.ok(maxQueue <= 2 * 2 + 66, `queue held ${maxQueue} entries for 2 live ones`);
  h.add(make('ddd'), 5000);
  h.makeRoom('10.0.0.1:9', 5000); // 3 half-open at the cap of 3: the oldest goes
  h.add(make('eeee'), 5000);
  h.makeRoom('10.0.0.1:9', 5000);
  assert.equal(order, ['evicted a', 'evicted bb']);
  assert.is(h.size, 2);
});

test.run();
