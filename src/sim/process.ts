// Processes of the discrete-event kernel: a running generator (Process) and a one-shot event it can wait on
// (Signal). Split from ./kernel.ts, which schedules them.
import type { Kernel } from './kernel.ts';
import type { Ps } from './time.ts';
import { SimError } from './errors.ts';

/** A running generator. Yield a delay (number of ps), a Resource request, a Store get/put, a Signal, or another
 *  Process (waits for it to finish; the yield evaluates to its return value). */
export class Process<R = unknown> implements Awaitable {
  readonly kernel: Kernel;
  readonly name: string | undefined;
  /** Value passed back into the generator at its next step. */
  value: unknown = undefined;
  done = false;
  result: R | undefined = undefined;
  private joiners: Process[] | null = null;
  private readonly gen: ProcessGen<R>;

  constructor(kernel: Kernel, gen: ProcessGen<R>, name?: string) {
    this.kernel = kernel;
    this.gen = gen;
    this.name = name;
  }

  /** Continue the process now (synchronously) with `value` as the result of its pending yield. */
  resume(value?: unknown): void {
    this.value = value;
    stepProcess(this as Process);
  }

  /** Schedule the continuation as an event at the current time (use from inside other callbacks to avoid deep
   *  recursion). */
  resumeLater(value?: unknown): void {
    this.value = value;
    this.kernel.after(0, stepProcess, this as Process);
  }

  _await(p: Process): boolean {
    if (this.done) {
      p.value = this.result;
      return true;
    }
    (this.joiners ??= []).push(p);
    return false;
  }

  /** @internal */
  _step(): void {
    const k = this.kernel;
    let v = this.value;
    this.value = undefined;
    for (;;) {
      const r = this.gen.next(v);
      if (r.done === true) {
        this.done = true;
        this.result = r.value;
        const j = this.joiners;
        if (j !== null) {
          this.joiners = null;
          for (const q of j) q.resumeLater(r.value);
        }
        return;
      }
      const y = r.value;
      if (typeof y === 'number') {
        k.after(y, stepProcess, this as Process);
        return;
      }
      if (y !== null && typeof y === 'object' && typeof (y as Awaitable)._await === 'function') {
        if ((y as Awaitable)._await(this as Process)) {
          v = this.value;
          this.value = undefined;
          continue;
        }
        return;
      }
      throw new SimError(`process ${this.name ?? ''} yielded ${String(y)}: expected a delay in ps or an awaitable`);
    }
  }
}

export function stepProcess(p: Process): void {
  p._step();
}

/** A one-shot event a process can wait on: `const v = yield sig;` ... `sig.succeed(v)` resumes all waiters (at the
 *  current time, as events in waiting order). Waiting on an already-triggered signal continues at once. */
export class Signal<T = unknown> implements Awaitable {
  triggered = false;
  value: T | undefined = undefined;
  private waiters: Process[] = [];
  private callbacks: ((v: T) => void)[] = [];

  succeed(value?: T): void {
    if (this.triggered) throw new SimError('Signal already triggered');
    this.triggered = true;
    this.value = value;
    const w = this.waiters;
    this.waiters = [];
    for (const p of w) p.resumeLater(value);
    const cbs = this.callbacks;
    this.callbacks = [];
    for (const cb of cbs) cb(value as T);
  }

  /** Callback form: `cb(value)` when triggered (synchronously if already triggered). */
  onTrigger(cb: (v: T) => void): void {
    if (this.triggered) cb(this.value as T);
    else this.callbacks.push(cb);
  }

  _await(p: Process): boolean {
    if (this.triggered) {
      p.value = this.value;
      return true;
    }
    this.waiters.push(p);
    return false;
  }
}

/** Something a process can `yield` besides a plain delay. `_await` either completes synchronously (sets `p.value`
 *  and returns true, the process continues at once) or arranges for `p.resume(value)` later and returns false. */
export interface Awaitable {
  _await(p: Process): boolean;
}
/** What a process generator may yield: a delay in ps (a number, e.g. `k.timeout(dt)`) or an Awaitable. */
export type Yieldable = Ps | Awaitable;
export type ProcessGen<R = unknown> = Generator<Yieldable, R, any>;
