// src/cli/sim-worker.ts: the simulation in a worker thread with its plain-UDP baseline computed in a second worker
// beside it gives the same result, to the byte, as runScenario in this thread (baseline run after the
// co-simulation); a baseline worker that fails or ends without its figures is an error, not waited on for ever.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadInput } from '../../src/cli/sim.ts';
import { awaitFigures, runInWorker, runUdpInWorker, startUdpFigures } from '../../src/cli/sim-worker.ts';
import { runScenario, runUdpBaseline, udpFigures } from '../../src/workload/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function input(file: string, set: string[]) {
  const { scenario, model } = loadInput(join(root, file), { set });
  return { scenario, model, seed: scenario.sim.seed, crypto: 'node' as const };
}

for (const [file, set] of [
  ['scenarios/iot-fleet.yaml', ['clients.count=25', 'sim.warmup_ms=0', 'sim.end_ms=3000']],
  ['scenarios/10k-clients.yaml', ['clients.count=40']],
] as const) {
  test(`${file}: worker + baseline worker = this thread, byte for byte`, async () => {
    const args = input(file, [...set]);
    assert.ok(args.scenario.baseline_udp, 'the scenario has a UDP baseline');
    const here = runScenario(args);
    let progress = 0;
    const w = runInWorker(args, () => progress++);
    const there = await w.result;
    assert.is(JSON.stringify(there), JSON.stringify(here));
    assert.ok(Number.isFinite(there.summary.udp_baseline.goodput_gbps));
    assert.ok(progress > 0);
  });
}

test('a scenario without a baseline starts no baseline worker and still runs', async () => {
  const args = input('scenarios/10k-clients.yaml', ['clients.count=10', 'baseline_udp=false']);
  const there = await runInWorker(args, () => {}).result;
  assert.is(JSON.stringify(there), JSON.stringify(runScenario(args)));
  assert.ok(Number.isNaN(there.summary.udp_baseline.goodput_gbps));
});

test('the baseline worker\'s figures, awaited, equal the baseline run here; a worker gone without them is an error', async () => {
  const args = input('scenarios/iot-fleet.yaml', ['clients.count=25', 'sim.warmup_ms=0', 'sim.end_ms=3000']);
  const ok = startUdpFigures(args.scenario, args.model, args.seed);
  const figures = awaitFigures(ok.port, ok.flag)();
  assert.equal(figures, udpFigures(runUdpBaseline(args.scenario, args.model, args.seed)));
  ok.port.close();
  const gone = startUdpFigures(args.scenario, args.model, args.seed);
  await gone.worker.terminate();
  assert.throws(() => awaitFigures(gone.port, gone.flag)(), /ended without a result/);
  gone.port.close();
  // a baseline that throws: its error, by name and message
  const bad = startUdpFigures({ ...args.scenario, traffic: { ...args.scenario.traffic, size: { kind: 'bogus' } as never } }, args.model, args.seed);
  assert.throws(() => awaitFigures(bad.port, bad.flag)(), /unknown distribution/);
  bad.port.close();
});

test('runUdpInWorker times the baseline in its own thread', async () => {
  const args = input('scenarios/iot-fleet.yaml', ['clients.count=25', 'sim.warmup_ms=0', 'sim.end_ms=3000']);
  const u = await runUdpInWorker(args.scenario, args.model, args.seed);
  assert.ok(u.wallS > 0);
  assert.ok(u.endMs >= u.startMs);
  assert.ok(Number.isNaN(u.cpuS) || u.cpuS > 0);
});

test.run();
