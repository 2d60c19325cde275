// Dormant connections in sparse traffic (docs/simulation.md "Memory per connection"): an endpoint that did some work
// is noted, and at the next time-series tick every noted endpoint is asked to sleep (src/dtls Connection.sleep():
// its protocol state packed into one string, ~2.2 KB of heap per connected pair instead of ~5.9 KB). The core
// refuses while anything is in flight (a flight unacknowledged, a timer armed, data queued), and a sleeping
// connection wakes transparently on its next datagram, record or timer: the bytes on the wire, the crypto operations
// charged and so every output are the same with or without (test/dtls/endpoint/dormant.test.ts checks the core,
// test/workload/fleet.test.ts the simulator).
//
// Only with sparse traffic (population.ts recordKeys: 'per-record', at most SPARSE_RECORDS_PER_S records/s per
// connection): a connection that sends again within a tick would pay a wake (~8 us) for nothing. Sleeping at the tick
// rather than at once keeps a connection awake across its record and the echo that follows (one wake per exchange).

/** What can sleep: a DTLS endpoint (client or server connection). */
export interface Sleeper {
  sleep(): boolean;
}

export class Dormancy {
  private noted: Sleeper[] = [];
  private spare: Sleeper[] = [];

  /** `sleeper` did some work: ask it to sleep at the next sweep. */
  note(sleeper: Sleeper): void {
    this.noted.push(sleeper);
  }

  /** Asks every endpoint noted since the last sweep to sleep (a refusal leaves it awake; it is noted again when it
   *  next works). */
  sweep(): void {
    const list = this.noted;
    this.noted = this.spare;
    for (let i = 0; i < list.length; i++) list[i]!.sleep();
    list.length = 0;
    this.spare = list;
  }
}
