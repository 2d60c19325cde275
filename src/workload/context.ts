// What the parts of one co-simulation run (client side, server application, transport) share: the kernel, the
// accounts, the breakdown probe, the send-time table, the traffic plan, and the activity monitor (time of the last
// activity, livelock guard).
import type { Dormancy } from './dormancy.ts';
import type { Kernel, Ps } from '../sim/index.ts';
import type { TrafficConfig } from './config/index.ts';
import type { Accounts } from './accounts.ts';
import type { SendTimes } from './clients.ts';
import type { BreakdownProbe } from './probe.ts';

/**
 * The simulation stopped making progress: protocol timers kept firing at one instant without simulated time
 * advancing. Always a defect of the simulator, reported instead of hanging.
 */
export class LivelockError extends Error {
  override name = 'LivelockError';
}

/** Last activity of the run (its end for the statistics) and the livelock guard of the protocol timers. */
export class Activity {
  /** Time of the last datagram leaving a client or the server, or server application event. */
  last: Ps = 0;
  private spinAt = -1;
  private spins = 0;

  /** `spinLimit`: protocol timers that may fire at one instant; legitimately at most a few per connection. */
  constructor(private readonly k: Kernel, private readonly spinLimit: number) {}

  /** A protocol timer fires now. Throws LivelockError past the limit of timers at one instant. */
  timerFired(who: 'server connection' | 'client', address: string): void {
    const now = this.k.now;
    if (now !== this.spinAt) {
      this.spinAt = now;
      this.spins = 0;
    } else if (++this.spins > this.spinLimit) {
      throw new LivelockError(`simulation livelock: ${this.spins} protocol timers fired at t = ${now} ps without time advancing (last: ${who} ${address})`);
    }
  }
}

export interface CosimContext {
  readonly k: Kernel;
  readonly acc: Accounts;
  readonly probe: BreakdownProbe;
  /** Send times of every application record, by tag (clients.ts). */
  readonly sendTimes: SendTimes;
  readonly traffic: TrafficConfig;
  /** Records each client sends (up, echo) or receives (down): population.ts plannedRecords. */
  readonly recordsPlanned: number;
  readonly warmupPs: Ps;
  /** When the run stops (sim.end_ms): nothing is scheduled after it (population.ts afterGap). */
  readonly endPs: Ps;
  readonly activity: Activity;
  /** Sparse traffic: endpoints that worked are put to sleep at the next tick (dormancy.ts); undefined otherwise. */
  readonly dormancy: Dormancy | undefined;
  /** Diagnostics: every application record delivered after warm-up, with its latency and direction. */
  readonly onRecord: ((latencyPs: Ps, toServer: boolean) => void) | undefined;
}
