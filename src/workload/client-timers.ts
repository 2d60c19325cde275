// The simulated clients' protocol timers (retransmission and ACK, RFC 9147 5.8 / 7): after each piece of a client's
// work the deadline its endpoint asks for (ClientEndpoint.nextTimeout, ms) is (re)armed on the kernel; when it fires
// the endpoint handles the timeout as a piece of that client's work (ClientSide.work), which arms the next one.
import { PS_PER_MS, type Kernel } from '../sim/index.ts';
import type { ClientEndpoint } from '../dtls/index.ts';
import type { Client } from './client-state.ts';
import type { Activity } from './context.ts';
import type { ClientLoops } from './client-loop.ts';

export class ClientTimers {
  /** The time handed to the endpoint by the timer firing now (read by timeoutFn). */
  private nowMs = 0;
  private readonly fireFn = (c: Client): void => this.fire(c);
  private readonly timeoutFn = (ep: ClientEndpoint): void => ep.handleTimeout(this.nowMs);
  private readonly expireFn = (a: { c: Client; due: number }): void => this.expire(a.c, a.due);

  constructor(
    private readonly k: Kernel,
    private readonly activity: Activity,
    /** Runs `f` on the client's endpoint as a piece of its work (charged, its output released, its timer re-armed). */
    private readonly work: (c: Client, f: (ep: ClientEndpoint) => void) => void,
    /** With shared event loops (client-loop.ts): a due timer runs when the client's loop gets to it. */
    private readonly loops?: ClientLoops,
  ) {}

  /** (Re)arms client `c`'s timer to the deadline its endpoint asks for, or cancels it. */
  arm(c: Client): void {
    const t = c.ep!.isClosed ? undefined : c.ep!.nextTimeout();
    if (t === c.timerAt || (t === undefined && c.timer < 0)) return;
    if (c.timer >= 0) this.k.cancel(c.timer);
    c.timer = -1;
    c.timerAt = t ?? NaN;
    if (t === undefined) return;
    c.timer = this.k.at(Math.max(this.k.now, Math.ceil(t * PS_PER_MS)), this.fireFn, c);
  }

  private fire(c: Client): void {
    this.activity.timerFired('client', c.addr);
    const due = c.timerAt;
    c.timer = -1;
    c.timerAt = NaN;
    if (this.loops === undefined) this.expire(c, due);
    else this.loops.timer(c.i, this.expireFn, { c, due });
  }

  /** Client `c`'s timer, due at `due` ms, runs now (at once, or when its event loop gets to it). */
  private expire(c: Client, due: number): void {
    // Tell the core at least the deadline it asked for: ps / PS_PER_MS can round to just below it (see
    // ServerSide.timeout).
    this.nowMs = Math.max(this.k.now / PS_PER_MS, due);
    if (c.ep && !c.ep.isClosed) this.work(c, this.timeoutFn);
  }
}
