// A calibration that refuses its batches (exit code 3: the fit was not identifiable, e.g. the host slowed for one
// round of them) is measured again, up to `tries` runs in all (npm run validate -- loopback --calibrate-tries).
import { REFUSED } from '../calibrate/server.ts';

/** Runs `run` until it returns anything but REFUSED, at most `tries` times; the last code and the runs made. */
export async function retryRefused(tries: number, run: (attempt: number) => Promise<number>, log: (s: string) => void): Promise<{ code: number; runs: number }> {
  const n = Math.max(1, Math.floor(tries) || 1);
  let code = REFUSED;
  let runs = 0;
  while (runs < n && code === REFUSED) {
    if (runs > 0) log(`calibrate refused the batches (run ${runs} of ${n}): measuring them again`);
    runs++;
    code = await run(runs);
  }
  return { code, runs };
}
