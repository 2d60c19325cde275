// Application data that arrives before the peer's Finished (RFC 9147 5.8.1): under epoch 3 it proves the peer
// completed the handshake while its Finished was lost or reordered. A few records are kept for delivery after
// the Finished, and an empty ACK (at most once per half retransmission timer) asks the peer to resend its final
// flight now instead of waiting for its timer.
import type { Acks } from './acks.ts';
import type { EndpointStats, EventQueue } from './events.ts';
import type { Flights } from './flights.ts';
import { countDrop } from './records.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

/** Application records from the peer held until its Finished arrives. */
export const EARLY_DATA_RECORDS = 8;

export class EarlyData {
  private readonly stats: EndpointStats;
  private readonly events: EventQueue;
  private readonly acks: Acks;
  private readonly flights: Flights;
  /** Records held (created on demand, dropped on release or close) and when we last answered one. */
  private held: Uint8Array[] | undefined;
  private ackAt = -Infinity;

  constructor(stats: EndpointStats, events: EventQueue, acks: Acks, flights: Flights) {
    this.stats = stats;
    this.events = events;
    this.acks = acks;
    this.flights = flights;
  }

  /** No record held (./dormant.ts). */
  get quiet(): boolean {
    return this.held === undefined;
  }
  pack(w: PackWriter): void {
    w.num(this.ackAt);
  }
  unpack(r: PackReader): void {
    this.ackAt = r.n();
  }

  /** An epoch-3 application record during the handshake. */
  add(payload: Uint8Array, now: number): void {
    if (!this.held) this.held = [];
    if (this.held.length < EARLY_DATA_RECORDS) this.held.push(payload);
    else countDrop(this.stats, 'early_application_data');
    if (now - this.ackAt >= this.flights.rto / 2) {
      this.ackAt = now;
      this.acks.sendEmpty();
    }
  }

  /** Delivers the held records (call after the 'connected' event). */
  release(): void {
    const held = this.held;
    this.held = undefined;
    if (held) for (const data of held) this.events.emit({ type: 'data', data });
  }

  /** Connection closed: the held records go undelivered. */
  clear(): void {
    this.held = undefined;
  }
}
