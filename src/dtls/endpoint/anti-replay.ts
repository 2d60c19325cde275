// 0-RTT anti-replay (RFC 8446 8.2 ClientHello recording + 8.3 freshness check). Accepting early data needs:
//  - freshness: the ClientHello's expected arrival time (ticket issue time + the client's ticket age, from the
//    obfuscated age) within +-windowMs/2 of now; older or future ClientHellos get 1-RTT only;
//  - recording: the first binder of every accepted ClientHello is kept for windowMs; a ClientHello whose binder
//    was already recorded is a replay (1-RTT only: its early data is never delivered twice);
//  - restarts (8.2: a server that loses its recording state must reject 0-RTT for the window): a ClientHello that
//    could have reached the server before `startMs` (expected arrival < startMs + windowMs/2) is refused 0-RTT.
//    A restarted server that shares this object's records (the same instance, or one rebuilt from `export()`)
//    may keep `startMs` of the original.
// Recording is bounded (`maxEntries`): when full, 0-RTT is refused (fail safe) until entries expire.
// Times are the endpoint's clock (ms): across a restart it must continue, as a wall clock does.

import { Fifo } from './fifo.ts';

export interface AntiReplayOptions {
  /** Recording / freshness window in ms (default 10000: RFC 8446 8.3 suggests on the order of 10 s). */
  windowMs?: number;
  /** When this server instance started recording (ms, default 0). */
  startMs?: number;
  maxEntries?: number;
}

export type ReplayVerdict = 'accept' | 'replay' | 'stale' | 'restart' | 'full';

export class AntiReplay {
  readonly windowMs: number;
  readonly startMs: number;
  readonly maxEntries: number;
  /** Recorded binders (latin1). */
  private readonly seen = new Set<string>();
  /** The same binders and the times they stop mattering, in recording order = expiry order (window constant, time
   *  monotonic). */
  private readonly queue = new Fifo<{ key: string; exp: number }>();
  readonly counts: Record<ReplayVerdict, number> = { accept: 0, replay: 0, stale: 0, restart: 0, full: 0 };

  constructor(opts: AntiReplayOptions = {}) {
    this.windowMs = opts.windowMs ?? 10000;
    this.startMs = opts.startMs ?? 0;
    this.maxEntries = opts.maxEntries ?? 100000;
  }

  /** Decides whether early data of a ClientHello may be accepted, and records it if so. */
  check(binder: Uint8Array, expectedArrivalMs: number, nowMs: number): ReplayVerdict {
    const v = this.verdict(binder, expectedArrivalMs, nowMs);
    this.counts[v]++;
    return v;
  }

  private verdict(binder: Uint8Array, expected: number, now: number): ReplayVerdict {
    const half = this.windowMs / 2;
    this.expire(now);
    if (Math.abs(now - expected) > half) return 'stale';
    if (expected < this.startMs + half) return 'restart';
    // the binder's bytes as a latin1 string (one native decode: building a hex string byte by byte cost ~6 us)
    const key = Buffer.from(binder.buffer, binder.byteOffset, binder.length).toString('latin1');
    if (this.seen.has(key)) return 'replay';
    if (this.seen.size >= this.maxEntries) return 'full';
    this.record(key, now + this.windowMs);
    return 'accept';
  }

  private record(key: string, exp: number): void {
    this.seen.add(key);
    this.queue.push({ key, exp });
  }

  /** Forgets records whose ClientHello can no longer be fresh. A replay repeats the reported age, so its expected
   *  arrival is the original's, fresh while now <= expected + window / 2 <= (first arrival) + window = exp: a
   *  record goes only after exp (at exp itself a replay was accepted until 2026-12-08, RFC 8446 8.2). */
  private expire(now: number): void {
    const q = this.queue;
    for (let e = q.peek(); e !== undefined && e.exp < now; e = q.peek()) this.seen.delete(q.shift()!.key);
  }

  get recorded(): number {
    return this.seen.size;
  }

  /** The recorded binders, for a successor instance (`AntiReplay.from`). */
  export(): [string, number][] {
    const out: [string, number][] = [];
    this.queue.forEach((e) => out.push([e.key, e.exp]));
    return out;
  }

  static from(records: [string, number][], opts: AntiReplayOptions): AntiReplay {
    const a = new AntiReplay(opts);
    for (const [k, v] of records) a.record(k, v);
    return a;
  }
}
