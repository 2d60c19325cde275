// The real server's irregular service as the calibration reads it (src/cli/calibrate/variability.ts) and writes it
// (cpu.gc_pause_cycles, gc_every_cycles, service_cv); the demo server's per-turn record (src/cli/demo-turns.ts).
// Expectations by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseTurns, type Window } from '../../src/cli/calibrate/variability.ts';
import { variabilityLines } from '../../src/cli/calibrate/render.ts';
import { FLIGHT_MIN_BYTES_OUT, TurnRecorder, type TurnStatsFile } from '../../src/cli/demo-turns.ts';

// two batches: [1000, 2000] and [5000, 6000] epoch ms, 0.2 s and 0.3 s of server CPU
const windows: Window[] = [
  { startEpochMs: 1000, endEpochMs: 2000, cpuS: 0.2 },
  { startEpochMs: 5000, endEpochMs: 6000, cpuS: 0.3 },
];
// flight turns (first flight 1): batch 1 CPU 2000 and 4000 us (mean 3000, deviations +-1000), batch 2 CPU 1000 and
// 3000 (mean 2000, +-1000), one more in batch 2 of 9000 us during which a collection starts (left out), one outside
// the batches and a resent flight (first flight 0) that count for nothing
const data: TurnStatsFile = {
  turns: [
    [1100, 2000, 2000, 250, 900, 1],
    [1200, 4000, 4000, 250, 900, 1],
    [1300, 100, 100, 250, 900, 0],
    [5100, 1000, 1000, 250, 900, 1],
    [5200, 3000, 3000, 250, 900, 1],
    [5300, 9000, 9000, 250, 900, 1],
    [3000, 7000, 7000, 250, 900, 1],
  ],
  gcs: [
    [1500, 1.0, 'minor'],
    [5304, 3.0, 'minor'], // inside the 9 ms turn starting at 5300
    [5800, 2.0, 'minor'],
    [5900, 20, 'major'],
    [3500, 50, 'minor'], // between the batches: not counted
  ],
};

test('analyseTurns: collections within the batches, CPU per scavenge, the flight turn cv pooled within batches', () => {
  const v = analyseTurns(data, windows);
  assert.is(v.minorGcs, 3);
  assert.is(v.majorGcs, 1);
  assert.ok(Math.abs(v.minorPauseUs - 2000) < 1e-9); // (1 + 3 + 2) / 3 ms
  assert.ok(Math.abs(v.majorPauseUs - 20_000) < 1e-9);
  assert.ok(Math.abs(v.cpuMsPerMinorGc - 500 / 3) < 1e-9); // (0.2 + 0.3) s / 3
  assert.is(v.flightTurns, 4);
  assert.is(v.flightTurnsWithGc, 1);
  assert.ok(Math.abs(v.flightCpuUs - 2500) < 1e-9); // (2000 + 4000 + 1000 + 3000) / 4
  // pooled sd: sqrt(4 x 1000^2 / 4) = 1000 (the batches' means 3000 and 2000 differ: not counted)
  assert.ok(Math.abs(v.flightCv - 1000 / 2500) < 1e-12);
});

test('variabilityLines: pause and period in cycles at the clock, cv as measured; 0 when not measured', () => {
  const v = analyseTurns(data, windows);
  const text = variabilityLines(v, 2);
  assert.match(text, /gc_pause_cycles: 4000000 /); // 2 ms x 2 GHz
  assert.match(text, /gc_every_cycles: 333333333 /); // 166.67 ms x 2 GHz
  assert.match(text, /service_cv: 0.4 /);
  assert.match(text, /1 mark-compacts \(mean 20.00 ms, not modelled\)/);
  const none = variabilityLines(undefined, 2);
  assert.match(none, /gc_pause_cycles: 0 /);
  assert.match(none, /service_cv: 0\n/);
});

test('TurnRecorder: the first turn per address that sends a flight is marked, a resend or a timer is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'turns-'));
  try {
    const file = join(dir, 't.json');
    const r = new TurnRecorder(file);
    const turn = (bytesIn: number, bytesOut: number, address?: string) => {
      r.begin();
      r.end(bytesIn, bytesOut, address);
    };
    turn(200, 100, 'a'); //                          HelloRetryRequest
    turn(250, FLIGHT_MIN_BYTES_OUT, 'a'); //        the flight
    turn(250, 900, 'a'); //                          resent flight
    turn(0, 900); //                                 timer
    turn(250, 900, 'b'); //                          another client's flight
    r.flush();
    const d = JSON.parse(readFileSync(file, 'utf8')) as TurnStatsFile;
    assert.equal(d.turns.map((t) => t[5]), [0, 1, 0, 0, 1]);
    assert.equal(d.turns.map((t) => [t[3], t[4]]), [[200, 100], [250, 512], [250, 900], [0, 900], [250, 900]]);
    assert.ok(d.turns.every((t) => t[1] >= 0 && t[2] >= 0));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
