// Idle timeout of the demo server's established connections (`npm run demo:server -- --idle-timeout-ms MS`).
// DTLS over UDP has no connection teardown the server can rely on: a client that crashes, loses power or simply
// drops its socket without close_notify leaves its connection in the dispatcher for ever (a reviewer's run held
// 18,000 of them, +130 MB). The dispatcher bounds handshakes in progress (half-open caps and handshake timeout) but
// keeps an established connection until it closes, so the server closes one that has received nothing for the
// timeout. Activity = a datagram from the peer routed to the connection (our own retransmissions do not count).
//
// The connections are kept in a Map in order of last activity (a touch moves an entry to the end), so the expired
// ones are always at the front: each expiry and each touch costs O(1) whatever the number of connections. The clock
// is the caller's (milliseconds, the server's nowMs), so a test can drive it.
export class IdleConnections<C> {
  private readonly last = new Map<C, number>();

  /** `timeoutMs` > 0: a connection that saw no activity for this long expires. */
  constructor(readonly timeoutMs: number) {
    if (!(timeoutMs > 0)) throw new RangeError(`idle timeout must be > 0 (got ${timeoutMs})`);
  }

  get size(): number {
    return this.last.size;
  }

  /** Records activity of `c` at `nowMs` (starts tracking it). */
  touch(c: C, nowMs: number): void {
    this.last.delete(c);
    this.last.set(c, nowMs);
  }

  /** Stops tracking `c` (it closed). */
  forget(c: C): void {
    this.last.delete(c);
  }

  /** Whether `c` is tracked (established and not yet expired or closed). */
  has(c: C): boolean {
    return this.last.has(c);
  }

  /** When the least recently active connection expires, or undefined when none is tracked. */
  nextDeadline(): number | undefined {
    for (const t of this.last.values()) return t + this.timeoutMs;
    return undefined;
  }

  /** Removes and returns the connections idle for at least the timeout at `nowMs` (least recently active first),
   *  each with how long it was idle. */
  expire(nowMs: number): { conn: C; idleMs: number }[] {
    const out: { conn: C; idleMs: number }[] = [];
    for (const [c, t] of this.last) {
      if (nowMs - t < this.timeoutMs) break;
      out.push({ conn: c, idleMs: nowMs - t });
    }
    for (const x of out) this.last.delete(x.conn);
    return out;
  }
}
