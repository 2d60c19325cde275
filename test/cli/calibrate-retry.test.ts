// validate loopback --calibrate-tries: a refused calibration (exit 3) is run again, anything else is final.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { retryRefused } from '../../src/cli/loopback/retry.ts';
import { REFUSED } from '../../src/cli/calibrate/server.ts';

const scripted = (codes: number[]) => {
  const seen: number[] = [];
  return { seen, run: async (attempt: number) => { seen.push(attempt); return codes[attempt - 1]!; } };
};

test('retryRefused: refused then accepted runs twice; accepted or failed at once runs once', async () => {
  const logs: string[] = [];
  const a = scripted([REFUSED, 0]);
  assert.equal(await retryRefused(2, a.run, (s) => logs.push(s)), { code: 0, runs: 2 });
  assert.equal(a.seen, [1, 2]);
  assert.is(logs.length, 1);
  assert.match(logs[0]!, /run 1 of 2/);
  const b = scripted([0]);
  assert.equal(await retryRefused(3, b.run, () => {}), { code: 0, runs: 1 });
  const c = scripted([1, 0]);
  assert.equal(await retryRefused(3, c.run, () => {}), { code: 1, runs: 1 });
});

test('retryRefused: stops after the given number of runs, still refused; bad counts mean one run', async () => {
  const a = scripted([REFUSED, REFUSED, REFUSED, 0]);
  assert.equal(await retryRefused(3, a.run, () => {}), { code: REFUSED, runs: 3 });
  for (const n of [0, -2, Number.NaN]) {
    const b = scripted([REFUSED, 0]);
    assert.equal(await retryRefused(n, b.run, () => {}), { code: REFUSED, runs: 1 });
  }
});

test.run();
