// AntiReplay (src/dtls/endpoint/anti-replay.ts, RFC 8446 8.2 / 8.3) against a plain reference: the recorded binders
// as an array searched and filtered in full at every check. Random ClientHellos (binders from a small pool, so that
// replays happen; expected arrival times sometimes off the window; a small cap, so that 'full' happens) over
// increasing time; the two must give the same verdict every time, and an instance rebuilt from `export()` must go on
// giving the same verdicts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AntiReplay, type ReplayVerdict } from '../../../src/dtls/endpoint/anti-replay.ts';
import { uniform } from '../util.ts';

class Reference {
  seen: { key: string; exp: number }[] = [];
  constructor(readonly windowMs: number, readonly startMs: number, readonly maxEntries: number) {}
  check(binder: Uint8Array, expected: number, now: number): ReplayVerdict {
    // kept through exp itself: a replay repeats the reported age, so it is fresh until its expected arrival + half a
    // window, which can be exp (test/dtls/endpoint/hello-checks.test.ts; until 2026-12-08 records went at exp)
    this.seen = this.seen.filter((e) => e.exp >= now);
    if (Math.abs(now - expected) > this.windowMs / 2) return 'stale';
    if (expected < this.startMs + this.windowMs / 2) return 'restart';
    const key = [...binder].join(',');
    if (this.seen.some((e) => e.key === key)) return 'replay';
    if (this.seen.length >= this.maxEntries) return 'full';
    this.seen.push({ key, exp: now + this.windowMs });
    return 'accept';
  }
}

for (const [seed, maxEntries, steps] of [[1, 40, 20_000], [2, 5_000, 30_000]] as const) {
  test(`AntiReplay = reference over ${steps} ClientHellos (cap ${maxEntries}, seed ${seed})`, () => {
    const opts = { windowMs: 100, startMs: 0, maxEntries };
    let a = new AntiReplay(opts);
    const ref = new Reference(opts.windowMs, opts.startMs, maxEntries);
    const rnd = uniform(seed);
    const seenVerdicts = new Set<ReplayVerdict>();
    let now = 0;
    for (let i = 0; i < steps; i++) {
      now += rnd() < 0.9 ? Math.floor(rnd() * 2) : Math.floor(rnd() * 60);
      const binder = new Uint8Array([Math.floor(rnd() * 400) & 0xff, Math.floor(rnd() * 400) >> 8, 7]);
      const expected = now + (rnd() < 0.9 ? Math.floor((rnd() - 0.5) * 90) : Math.floor((rnd() - 0.5) * 400));
      const want = ref.check(binder, expected, now);
      assert.is(a.check(binder, expected, now), want, `check ${i} at ${now}`);
      seenVerdicts.add(want);
      if (i % 5000 === 4999) a = AntiReplay.from(a.export(), opts); // a successor sharing the records
    }
    for (const v of ['accept', 'replay', 'stale', 'restart'] as const) assert.ok(seenVerdicts.has(v), `verdict ${v} exercised`);
    if (maxEntries < 100) assert.ok(seenVerdicts.has('full'), 'verdict full exercised');
  });
}

test.run();
