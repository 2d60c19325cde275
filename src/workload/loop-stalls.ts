// Stalls of the clients' shared event loops (clients.costs.loop_stall_share > 0): a load generator's thread does work
// of its own beside its clients' handlers (garbage collection, timers, bookkeeping); a client's datagram or timer that
// arrives during such a stall waits for it. Each loop stalls at Poisson instants (its own stream) for loop_stall_us,
// FIFO with the clients' work on that loop (client-processor.ts `occupy`), so that the stalls take loop_stall_share
// of its time; they stop once every client is done. Why (issue 16): the generator's clients' time per handshake is
// modelled at its median, while its mean carries pauses (1.66 against 1.29 ms at 67/s,
// src/cli/loopback/client-time.ts) which make the other clients on the loop wait; src/cli/validate/loopback.ts
// measures the share and the length from that spread.
import { fromUs, type Kernel, type Ps, type RngStream } from '../sim/index.ts';

/** What the stalls need of the clients' processor. */
export interface StallTarget {
  readonly loops: number;
  /** Loop `j` is busy for `dur` ps from when it is free (now at the earliest). */
  occupy(j: number, now: Ps, dur: Ps): void;
}

export class LoopStalls {
  private readonly stallPs: Ps;
  /** Stalls per ps on each loop (the rate of its Poisson instants). */
  private readonly rate: number;
  private readonly fireFn = (j: number): void => this.fire(j);
  /** Stalls so far (all loops). */
  count = 0;

  constructor(
    private readonly k: Kernel, private readonly target: StallTarget, private readonly rng: RngStream,
    share: number, stallUs: number, private readonly active: () => boolean,
  ) {
    this.stallPs = fromUs(stallUs);
    this.rate = share / this.stallPs;
  }

  /** Schedules every loop's first stall. */
  start(): void {
    for (let j = 0; j < this.target.loops; j++) this.next(j);
  }

  private next(j: number): void {
    // exponential gap, at least 1 ps (the kernel's time advances)
    const gap = Math.max(1, Math.round(this.rng.exponential(this.rate)));
    this.k.at(this.k.now + gap, this.fireFn, j);
  }

  private fire(j: number): void {
    if (!this.active()) return;
    this.count++;
    this.target.occupy(j, this.k.now, this.stallPs);
    this.next(j);
  }
}
