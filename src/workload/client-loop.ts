// The load generator's event loops (clients.costs.shared_processors = N > 0): client i's work runs on loop i mod N,
// one piece at a time, and what reaches a client (a datagram, its retransmission timer, the timer of its next record)
// waits until its loop gets to it; the client's endpoint sees it only then, at that instant. A client's start does
// not wait: it is the instant the client started (with a `trace` arrival, the generator's measured start), and its
// first work takes its turn on the loop from there (client-processor.ts). This is how a Node
// process serves its clients: one thread reads their sockets and runs their timers. Its order is libuv's: each
// iteration of the loop runs the timers due when it begins, then the I/O ready when it polls. A retransmission timer
// that expires while the answer to its flight waits unread in the socket therefore fires first, and the flight is
// sent again although its answer is there (the generator's spurious retransmissions under load, docs/validation.md
// "Real server"). Without shared processors (the default) a client's endpoint sees every datagram as it arrives and
// only its output waits for its processor (client-processor.ts).
import type { Kernel, Ps } from '../sim/index.ts';

/** A piece of work waiting for its loop. */
interface Item<A = unknown> {
  fn: (a: A) => void;
  a: A;
}

/** One event loop: its timer and I/O queues, the phase it is in and how many items that phase still runs. */
class Loop {
  readonly timers: Item[] = [];
  th = 0;
  readonly io: Item[] = [];
  ih = 0;
  /** 0: timers phase, 1: poll (I/O) phase. */
  phase = 1;
  /** Items the current phase still runs (those queued when it began). */
  left = 0;
  /** A wake-up is scheduled on the kernel. */
  wake = false;
  constructor(readonly index: number) {}
}

/** Which loop serves a client and when a loop is free: the clients' processor's (client-processor.ts). */
export interface LoopProcessor {
  readonly loops: number;
  loopOf(i: number): number;
  freeAt(j: number): Ps;
}

export class ClientLoops {
  private readonly loops: Loop[];
  private readonly wakeFn = (l: Loop): void => this.run(l);

  constructor(private readonly k: Kernel, private readonly processor: LoopProcessor) {
    this.loops = Array.from({ length: processor.loops }, (_, i) => new Loop(i));
  }

  /** A timer of client `i` is due now: `fn(a)` runs in its loop's next timers phase. */
  timer<A>(i: number, fn: (a: A) => void, a: A): void {
    const l = this.loops[this.processor.loopOf(i)]!;
    l.timers.push({ fn, a } as Item);
    this.kick(l);
  }

  /** A datagram for client `i` arrived now: `fn(a)` runs in its loop's next poll phase. */
  io<A>(i: number, fn: (a: A) => void, a: A): void {
    const l = this.loops[this.processor.loopOf(i)]!;
    l.io.push({ fn, a } as Item);
    this.kick(l);
  }

  private kick(l: Loop): void {
    if (l.wake) return;
    l.wake = true;
    const free = this.processor.freeAt(l.index);
    this.k.at(free > this.k.now ? free : this.k.now, this.wakeFn, l);
  }

  /** The loop is (nearly) free: runs its next item, if its processor is free now, and schedules the next wake-up. */
  private run(l: Loop): void {
    l.wake = false;
    const now = this.k.now;
    if (this.processor.freeAt(l.index) > now) {
      this.kick(l);
      return;
    }
    const item = this.next(l);
    if (item === undefined) return;
    item.fn(item.a);
    if (l.th < l.timers.length || l.ih < l.io.length) this.kick(l);
  }

  /** The next item in libuv's order: the rest of the current phase, else the other phase's queue as it is now. */
  private next(l: Loop): Item | undefined {
    for (let tries = 0; l.left === 0 && tries < 2; tries++) {
      l.phase = 1 - l.phase;
      l.left = l.phase === 0 ? l.timers.length - l.th : l.io.length - l.ih;
    }
    if (l.left === 0) return undefined;
    l.left--;
    const q = l.phase === 0 ? l.timers : l.io;
    const h = l.phase === 0 ? l.th++ : l.ih++;
    const item = q[h]!;
    q[h] = undefined as unknown as Item;
    if (l.phase === 0 && l.th === l.timers.length) (l.timers.length = 0), (l.th = 0);
    if (l.phase === 1 && l.ih === l.io.length) (l.io.length = 0), (l.ih = 0);
    return item;
  }
}
