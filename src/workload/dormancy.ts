// Dormant connections in sparse traffic (docs/simulation.md "Memory per connection"): an endpoint whose exchange is
// over sleeps at once (src/dtls Connection.sleep(): its protocol state packed into a slot, ~2.2 KB of heap per
// connected pair instead of ~5.9 KB); one that worked but could not sleep yet is noted, and every noted endpoint is
// asked again at the next time-series tick. The core refuses while anything is in flight (a flight unacknowledged, a
// timer armed, data queued), and a sleeping connection wakes transparently on its next datagram, record or timer:
// the bytes on the wire, the crypto operations charged and so every output are the same with or without
// (test/dtls/endpoint/dormant.test.ts checks the core, test/workload/fleet.test.ts the simulator).
//
// Only with sparse traffic (population.ts recordKeys: 'per-record', at most SPARSE_RECORDS_PER_S records/s per
// connection): a connection that sends again soon would pay a wake and a sleep (~8 us per endpoint, docs/protocol.md)
// for nothing.
//
// When: the callers know when an exchange is over (client-side.ts: a connected client whose work leaves no echo
// outstanding, the server's ACK of its Finished included; server-app.ts: the server after its echo, or after a
// record it will not answer), and put the endpoint to sleep right then
// (`idle`), so that the awake state lives for one piece of work and dies young, in the collector's young generation.
// Sleeping at the tick instead kept it for up to a tick of simulated time, seconds of wall time at 10^6 devices:
// it was promoted to the old generation and collected there (measured in docs/validation.md "Large fleets"). Until
// 2026-12-06 a client stayed awake from its handshake to the next tick: 5.6 KB of heap per device instead of 3.7 KB
// 990 ms into a 40,000-device iot-fleet ramp (arrivals over 400 ms; heapUsed after a forced GC at the end).
// An endpoint in the middle of an exchange (a client waiting for its echo, a server about to answer) is only noted,
// so that an exchange costs one wake per side.

/** What can sleep: a DTLS endpoint (client or server connection). */
export interface Sleeper {
  sleep(): boolean;
}

export class Dormancy {
  private noted: Sleeper[] = [];
  private spare: Sleeper[] = [];

  /** `sleeper` did some work and its exchange goes on: ask it to sleep at the next sweep. */
  note(sleeper: Sleeper): void {
    this.noted.push(sleeper);
  }

  /** `sleeper`'s exchange is over: it sleeps now, or (refused: something still in flight) at the next sweep. */
  idle(sleeper: Sleeper): void {
    if (!sleeper.sleep()) this.noted.push(sleeper);
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
