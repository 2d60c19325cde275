// When a simulated client's work runs: each client has one FIFO processor (its work waits for its own earlier work),
// and with clients.costs.shared_processors = N the clients share N event loops, client i on loop i mod N (a load
// generator of N processes; what reaches a client waits for its loop, client-loop.ts). The protocol part of a piece
// of work is priced here too (per record in and out, per handshake message built or processed); its crypto is
// ClientCrypto's.
import { PS_PER_MS, PS_PER_US, type Ps } from '../sim/index.ts';
import type { ClientCosts } from './config/index.ts';

export class ClientProcessor {
  private readonly recordPs: Ps;
  private readonly messagePs: Ps;
  /** When each shared processor is free (empty: every client has its own). */
  private readonly free: Ps[];

  constructor(costs: ClientCosts) {
    this.recordPs = costPs(costs.record_us);
    this.messagePs = costPs(costs.handshake_message_us);
    this.free = new Array<Ps>(costs.shared_processors).fill(0);
  }

  /** Protocol processing of `records` records and `messages` handshake messages, ps. */
  protocolPs(records: number, messages: number): Ps {
    return records * this.recordPs + messages * this.messagePs;
  }

  /** Work of `cost` ps for client `c` arriving `now`: when it starts (after the client's earlier work and, when
   *  shared, once its loop is free); the client and its loop are busy until start + cost. */
  take(c: { busy: Ps; readonly i: number }, now: Ps, cost: Ps): Ps {
    let start = now > c.busy ? now : c.busy;
    const free = this.free;
    if (free.length > 0) {
      const j = this.loopOf(c.i);
      if (free[j]! > start) start = free[j]!;
      free[j] = start + cost;
    }
    c.busy = start + cost;
    return start;
  }

  /** Shared loop `j` is busy for `dur` ps from when it is free, now at the earliest (loop-stalls.ts). */
  occupy(j: number, now: Ps, dur: Ps): void {
    const f = this.free[j]!;
    this.free[j] = (f > now ? f : now) + dur;
  }

  /** The shared loop of client `i` (with shared loops only). */
  loopOf(i: number): number {
    return i % this.free.length;
  }

  /** Shared event loops (clients.costs.shared_processors; 0: every client has its own processor). */
  get loops(): number {
    return this.free.length;
  }

  /** When shared loop `j` is free. */
  freeAt(j: number): Ps {
    return this.free[j]!;
  }
}

/**
 * A per-record or per-message client cost, us, in whole ps. Computed through milliseconds as it always was:
 * `fromUs` (as udp.ts uses for the same cost) rounds the other way for some half-picosecond values (5e-7 us).
 */
function costPs(us: number): Ps {
  return Math.round((us / (PS_PER_MS / PS_PER_US)) * PS_PER_MS);
}
