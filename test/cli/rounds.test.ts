// analyseRounds (src/cli/calibrate/rounds.ts): a measurement from chosen rounds of the calibration batches, the
// server's turn statistics read over exactly those rounds' windows. A fake server answers the SIGUSR2 request with a
// hand-made turn-statistics file; the expected in-turn CPU per handshake is summed by hand from it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseRounds, type Round } from '../../src/cli/calibrate/rounds.ts';
import type { BatchFigures } from '../../src/cli/calibrate/server.ts';
import type { TurnStatsFile } from '../../src/cli/demo-turns.ts';
import type { ServerHandle } from '../../src/cli/loopback/measure.ts';

const fig = (cpuMs: number, handshakes: number): BatchFigures => ({
  cpuMsPerHandshake: cpuMs, wakeupsPerHandshake: 3, retransmissionsPerHandshake: 0, otherLoadServerCore: 0, coreShare: 1, handshakes,
});

/** Round `r` starts at epoch r * 100 s; its batches a..e take 10 s windows 18 s apart; `hs` handshakes each. */
function round(r: number, hs: number): Round {
  const t0 = r * 100_000;
  const windows = [0, 1, 2, 3, 4].map((i) => ({ startEpochMs: t0 + i * 18_000, endEpochMs: t0 + i * 18_000 + 10_000, cpuS: 1 }));
  return { a: fig(5 + r, hs), b: fig(9, hs), c: fig(4, hs), d: fig(3.5, hs), e: fig(3.2, hs), windows };
}

test('analyseRounds: batch figures copied per measurement, in-turn CPU from each batch\'s own window only', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'rounds-'));
  try {
    const turnStats = join(tmp, 'turns.json');
    const rounds = [round(0, 10), round(1, 10), round(2, 20)];
    // per batch window: two turns of 3 ms and 1 ms CPU (the first after a 5 ms gap), plus one turn outside every
    // window (between rounds) that must not count
    const turns: TurnStatsFile['turns'] = [];
    for (const r of rounds) {
      for (const w of r.windows) {
        turns.push([w.startEpochMs + 100, 3000, 3000, 200, 1200, 1]);
        turns.push([w.startEpochMs + 105, 1000, 1000, 200, 0, 0]);
      }
    }
    turns.push([250_000, 50_000, 50_000, 200, 1200, 1]); // between round 2's windows c and d: outside
    turns.sort((x, y) => x[0] - y[0]);
    const data: TurnStatsFile = { turns, gcs: [] };
    const server = { port: 0, pid: 0, stop: async () => {}, child: { kill: () => { writeFileSync(turnStats, JSON.stringify(data)); return true; } } } as unknown as ServerHandle;
    const logs: string[] = [];
    const opts = { reps: 1, log: (s: string) => logs.push(s), ca: '' };
    const m12 = await analyseRounds('noble', [rounds[1]!, rounds[2]!], server, turnStats, opts);
    const m01 = await analyseRounds('noble', [rounds[0]!, rounds[1]!], server, turnStats, opts);
    assert.is(m12.reps, 2);
    assert.equal(m12.a.batches.map((b) => b.cpuMsPerHandshake), [6, 7]);
    assert.equal(m01.a.batches.map((b) => b.cpuMsPerHandshake), [5, 6]);
    // 4 ms of in-turn CPU per window: 0.4 ms per handshake with 10 handshakes, 0.2 with 20
    assert.equal(m12.c.batches.map((b) => b.inTurnMsPerHandshake), [0.4, 0.2]);
    assert.equal(m01.d.batches.map((b) => b.inTurnMsPerHandshake), [0.4, 0.4]);
    assert.equal(m12.e!.batches.map((b) => [b.cpuMsPerHandshake, b.inTurnMsPerHandshake]), [[3.2, 0.4], [3.2, 0.2]]);
    // the rounds themselves are untouched (round 1 entered both measurements)
    assert.is(rounds[1]!.a.inTurnMsPerHandshake, undefined);
    assert.is.not(m12.a.batches[0], rounds[1]!.a);
    assert.ok(!logs.some((l) => l.startsWith('no turn statistics')), logs.join('\n'));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
