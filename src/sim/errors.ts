// Typed errors thrown by the simulation kernel and its building blocks.

/** A simulated time (or duration) that is not an integer number of picoseconds in [0, Number.MAX_SAFE_INTEGER],
 *  or that lies in the past. */
export class SimTimeError extends RangeError {
  override readonly name = 'SimTimeError';
  constructor(message: string) {
    super(message);
  }
}

/** Misuse of a kernel object (re-entrant run, release without holder, bad option, ...). */
export class SimError extends Error {
  override readonly name = 'SimError';
  constructor(message: string) {
    super(message);
  }
}
