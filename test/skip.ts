// Skipped tests. A test whose prerequisite is missing on this machine (an external peer binary, outside CI) is
// registered with uvu's test.skip: uvu counts it under "Skipped:" and test/run.ts reports it in its closing line
// ("N passed, N failed, N skipped"); its name and the reason are printed. Under CI=true a missing prerequisite must
// fail instead (the caller registers a failing test), so skips never hide a broken CI machine.
import type { Test } from 'uvu';

/** Registers `name` on suite `t` as skipped and prints why. */
export function skipTest(t: Test, name: string, why: string): void {
  t.skip(name);
  console.log(`[skip] ${name}: ${why}`);
}

/** Whether this run is CI (CI=true): missing prerequisites fail rather than skip. */
export const IN_CI = process.env.CI === 'true';
