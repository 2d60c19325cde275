// Bounds on the state a server holds for handshakes that have not completed (half-open connections), the state a
// flood of ClientHellos with spoofed source addresses creates when cookies are off (RFC 9147 5.1: the cookie is the
// defence, "servers SHOULD use cookies"; without it every ClientHello costs a connection, a key exchange, a
// signature and a retransmitted flight). Three limits, all applied by the dispatcher:
//   - a cap on half-open connections in total: a new one evicts the oldest (so a legitimate client arriving during
//     a flood still gets a slot; it completes if its handshake ends before `maxHalfOpen` newer ClientHellos arrive);
//   - a cap per source address (IP without the port): a new one from that source evicts the source's oldest;
//   - a handshake timeout: a connection not connected this long after its ClientHello is abandoned ('timeout').
// Entries are kept in creation order in a queue (./fifo.ts), so the oldest is the first; removed ones stay in it,
// skipped once when they reach the front (~4 us per lookup at 5,000 half-open handshakes as a Map iterated from its
// start, 2026-12-07: the cost of makeRoom per ClientHello in the iot-fleet ramp).
import type { ServerConnection } from './server.ts';
import { Fifo } from './fifo.ts';

export interface HalfOpenLimits {
  maxHalfOpen: number;
  maxHalfOpenPerSource: number;
  handshakeTimeoutMs: number;
}

/** Defaults. 4096 half-open connections: ~40 MiB at the ~10 KiB each measured with a full server flight held for
 *  retransmission (issue 13); 256 per source address leaves room for many clients behind one NAT or a load
 *  generator on one host (1000 handshakes/s at ~250 ms each); 60 s is the
 *  maximum retransmission timer (RFC 9147 5.8.2, "no less than 60 seconds"): a handshake still incomplete after
 *  that long has lost its flights repeatedly (a spoofed source never answers). */
export const HALF_OPEN_DEFAULTS: Readonly<HalfOpenLimits> = { maxHalfOpen: 4096, maxHalfOpenPerSource: 256, handshakeTimeoutMs: 60_000 };

/** The source part of an address string: the host of "host:port" / "[v6]:port", else the whole string. */
export function sourceOf(address: string): string {
  const i = address.lastIndexOf(':');
  if (i <= 0) return address;
  for (let j = i + 1; j < address.length; j++) {
    const c = address.charCodeAt(j);
    if (c < 48 || c > 57) return address;
  }
  return i + 1 < address.length ? address.slice(0, i) : address;
}

interface Entry {
  /** undefined once removed. */
  conn: ServerConnection | undefined;
  readonly deadline: number;
  readonly source: string;
}

export class HalfOpen {
  readonly limits: HalfOpenLimits;
  /** Half-open connections -> their entry in `queue`. */
  private readonly entries = new Map<ServerConnection, Entry>();
  /** Entries in creation order; removed ones (`conn` undefined) stay until they reach the front or are dropped. */
  private readonly queue = new Fifo<Entry>();
  /** Removed entries still in the queue. */
  private dead = 0;
  private readonly bySource = new Map<string, ServerConnection[]>();
  /** Connections evicted by a cap, abandoned by the timeout. */
  evicted = 0;
  timedOut = 0;

  constructor(limits: HalfOpenLimits) {
    this.limits = limits;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Makes room for one more half-open connection from `address` at `now`: abandons expired ones, then the
   *  source's oldest and the overall oldest while a cap would be exceeded. */
  makeRoom(address: string, now: number): void {
    this.expire(now);
    const list = this.bySource.get(sourceOf(address));
    while (list && list.length >= this.limits.maxHalfOpenPerSource && list.length > 0) this.evict(list[0]!);
    while (this.entries.size >= this.limits.maxHalfOpen && this.entries.size > 0) this.evict(this.oldest()!.conn!);
  }

  add(conn: ServerConnection, now: number): void {
    const src = sourceOf(conn.address);
    const e: Entry = { conn, deadline: now + this.limits.handshakeTimeoutMs, source: src };
    this.entries.set(conn, e);
    this.queue.push(e);
    const list = this.bySource.get(src);
    if (list) list.push(conn);
    else this.bySource.set(src, [conn]);
  }

  /** The connection completed its handshake or closed: no longer half-open. */
  remove(conn: ServerConnection): void {
    const e = this.entries.get(conn);
    if (!e) return;
    this.entries.delete(conn);
    e.conn = undefined;
    this.dead++;
    const list = this.bySource.get(e.source)!;
    list.splice(list.indexOf(conn), 1); // short: at most maxHalfOpenPerSource entries
    if (!list.length) this.bySource.delete(e.source);
    // drop the removed entries once they outnumber the live ones (amortised O(1); the queue never holds more than
    // twice the live entries plus 64)
    if (this.dead > 64 && this.dead > this.entries.size) {
      this.queue.retain((x) => x.conn !== undefined);
      this.dead = 0;
    }
  }

  /** The oldest half-open entry (removed ones before it leave the queue), if any. */
  private oldest(): Entry | undefined {
    const q = this.queue;
    for (let e = q.peek(); e !== undefined && e.conn === undefined; e = q.peek()) {
      q.shift();
      this.dead--;
    }
    return q.peek();
  }

  /** Earliest handshake deadline, if any. */
  nextDeadline(): number | undefined {
    return this.oldest()?.deadline;
  }

  /** Abandons the connections whose handshake deadline has passed. */
  expire(now: number): void {
    for (let e = this.oldest(); e !== undefined && e.deadline <= now; e = this.oldest()) {
      // creation order = deadline order (one timeout for all)
      this.timedOut++;
      this.drop(e.conn!, 'timeout');
    }
  }

  private evict(conn: ServerConnection): void {
    this.evicted++;
    this.drop(conn, 'evicted');
  }

  private drop(conn: ServerConnection, reason: 'timeout' | 'evicted'): void {
    this.remove(conn); // first: abandon() reports 'closed', which calls remove() again (a no-op then)
    conn.abandon(reason);
  }
}
