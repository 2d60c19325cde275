// npm run validate -- loopback --repredict: a saved run's predictions made again from its saved inputs. The
// expectations come from predict() called directly with the same inputs (not through the saved file), and the
// effect of an override from the model's own figures by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { fig, predictedFigures, type Row } from '../../src/cli/validate/loopback.ts';
import { clientCostsFrom, predict, type PredictInput } from '../../src/cli/loopback/predict.ts';
import { repredict, RepredictError, type SavedRun } from '../../src/cli/loopback/repredict.ts';
import { clientShareFor, predictedClientMs } from '../../src/cli/loopback/client-time.ts';

const modelFile = join(ROOT, 'models/host.yaml');
const lin = (fixedNs: number, perUnitNs: number) => ({ fixedNs, perUnitNs, how: 'test' });
const clientCosts = clientCostsFrom({
  aead: { aes_128_gcm: lin(1000, 2), aes_256_gcm: lin(1100, 3), chacha20_poly1305: lin(900, 4), aes_128_ccm: lin(1200, 5) },
  snMaskNs: 300,
  hash: { sha256: lin(500, 100), sha384: lin(600, 200) },
  pkeNs: { x25519_keygen: 50_000, x25519_derive: 60_000, p256_keygen: 70_000, p256_derive: 80_000, ed25519_sign: 40_000, ed25519_verify: 90_000, ecdsa_p256_sign: 45_000, ecdsa_p256_verify: 95_000 },
}, { clock_ghz: 2, cycles_per_handshake_message: 100_000, cycles_per_record: 10_000, cycles_per_datagram: 6_000 });
const shared = { records: 1, size: 100, cookie: true, oneWayMs: 0.01, clientCosts, arrival: 'constant' as const };

/** Two rows at 4 handshakes/s (a light load), each with its own repetition's overrides, shares and slowdown. */
const rowInputs = [
  { rate: 4, clients: 6, seed: 1, core_share: 1, client_share: 1, overrides: ['cpu.cycles_per_handshake_message=50000'], host_slowdown: null },
  { rate: 4, clients: 6, seed: 2, core_share: 0.9, client_share: 0.8, overrides: ['cpu.cycles_per_wakeup=400000', 'cpu.service_cv=0', 'cpu.gc_pause_cycles=0'], host_slowdown: 1.1 },
];
const direct = (r: (typeof rowInputs)[number], extra: string[] = []) => predict({
  modelFile, ...shared, clients: r.clients, rate: r.rate, seed: r.seed, coreShare: r.core_share, clientShare: r.client_share,
  modelOverrides: [...r.overrides, ...extra], ...(r.host_slowdown !== null ? { hostSlowdown: r.host_slowdown } : {}),
} satisfies PredictInput);

/** A saved run whose measured figures are made up (1.25 x what the direct prediction gives). */
function saved(): SavedRun {
  const rows = rowInputs.map((r, rep): Row => {
    const p = predictedFigures(direct(r));
    const figures = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, fig(1.25 * v, v)]));
    const { rate, ...pi } = r;
    return { rate, rep, figures, predict_input: pi, context: {} as Row['context'] };
  });
  return { model_capacity_handshakes_per_s: 123, rows, inputs: { model_yaml: readFileSync(modelFile, 'utf8'), base: shared } };
}

test('repredict: without overrides each row is predicted exactly as from its inputs, against its measured figures', () => {
  const s = saved();
  const out = repredict(s, [], false);
  assert.is(out.rows.length, 2);
  out.rows.forEach((r, i) => {
    const want = predictedFigures(direct(rowInputs[i]!));
    for (const [k, f] of Object.entries(r.figures)) {
      assert.is(f.predicted, want[k], k);
      assert.is(f.measured, s.rows[i]!.figures[k]!.measured, k);
    }
  });
  // the measured side is 1.25 x: every relative error is -0.2 (where defined)
  assert.ok(Math.abs(out.summary[0]!.figures.server_cpu_ms_per_handshake!.rel_error + 0.2) < 1e-12);
  assert.is(out.saved_capacity_handshakes_per_s, 123);
  assert.ok(out.model_capacity_handshakes_per_s > 0);
});

test('repredict: --set overrides come after the row\'s own (a free wake-up on the path takes its cost off every handshake)', () => {
  const before = repredict(saved(), [], false).rows;
  const after = repredict(saved(), ['cpu.cycles_per_wakeup=0'], false).rows;
  const model = readFileSync(modelFile, 'utf8');
  const ghz = Number(/clock_ghz:\s*([\d.]+)/.exec(model)![1]);
  assert.is(Number(/wakeup_refill_ms:\s*([\d.]+)/.exec(model)![1]), 0); // every wake-up at its full cost
  // row 1 overrides cycles_per_wakeup with 400,000 cycles; --set 0 comes after it. At 4/s the handshakes do not
  // overlap: CPU per handshake falls by wake-ups x 400,000 cycles at the row's clock (x slowdown 1.1 as CPU time;
  // the row turns the service variation and the GC pauses off, which would scale the cycles by their draws)
  const r = 1;
  const w = before[r]!.figures.wakeups_per_handshake!.predicted;
  assert.ok(w > 1);
  const fall = before[r]!.figures.server_cpu_ms_per_handshake!.predicted - after[r]!.figures.server_cpu_ms_per_handshake!.predicted;
  const want = (w * 400_000 * 1.1) / (ghz * 1e6);
  assert.ok(Math.abs(fall - want) / want < 1e-3, `${fall} vs ${want}`);
  assert.is(after[r]!.figures.wakeups_per_handshake!.predicted, w);
});

test('repredict: a row\'s speed schedule goes to the model (--no-speed-schedule: the steady host); a slower stretch costs CPU time', () => {
  const s = saved();
  // row 0 at 4/s over 1.5 s: the host 1.5 x slower from 500 ms on
  const schedule: [number, number][] = [[500, 1.5]];
  s.rows[0]!.predict_input = { ...s.rows[0]!.predict_input!, speed_schedule: schedule };
  const r0 = rowInputs[0]!;
  const withIt = predictedFigures(predict({
    modelFile, ...shared, clients: r0.clients, rate: r0.rate, seed: r0.seed, coreShare: 1, clientShare: 1, modelOverrides: r0.overrides, speedSchedule: schedule,
  }));
  const on = repredict(s, [], false).rows[0]!.figures;
  const off = repredict(s, [], false, false).rows[0]!.figures;
  for (const [k, f] of Object.entries(on)) assert.is(f.predicted, withIt[k], k);
  assert.is(off.server_cpu_ms_per_handshake!.predicted, predictedFigures(direct(r0)).server_cpu_ms_per_handshake);
  // clients at 0, 250, ..., 1250 ms: 4 of 6 handshakes start after 500 ms, on-path work 1.5 x there (off-path not scaled)
  const ratio = on.server_cpu_ms_per_handshake!.predicted / off.server_cpu_ms_per_handshake!.predicted;
  assert.ok(ratio > 1.1 && ratio < 1.5, `${ratio}`);
});

test('repredict: a saved run without inputs, or a row without its own, is refused with a reason', () => {
  const s = saved();
  assert.throws(() => repredict({ ...s, inputs: undefined }, [], false), (e: unknown) => e instanceof RepredictError && /no `inputs`/.test(e.message));
  const bare = { ...s, rows: [s.rows[0]!, { ...s.rows[1]!, predict_input: undefined }] };
  assert.throws(() => repredict(bare, [], false), (e: unknown) => e instanceof RepredictError && /row 1/.test(e.message));
});

test('client time: the share from clientShareFor makes the model clients take the measured time', () => {
  const r = rowInputs[1]!;
  const micro = predictedClientMs(direct(r));
  assert.ok(micro > 0.1, String(micro));
  // a generator whose clients take 1.5 x the micro-measured time: the model's client time follows within 0.5 %
  const share = clientShareFor(r.client_share, micro, 1.5 * micro);
  assert.ok(Math.abs(share - r.client_share / 1.5) < 1e-12);
  const again = predictedClientMs(direct({ ...r, client_share: share }));
  assert.ok(Math.abs(again / (1.5 * micro) - 1) < 0.005, `${again} against ${1.5 * micro}`);
  // nothing measured (or nothing predicted): the share stays
  assert.is(clientShareFor(0.8, micro, Number.NaN), 0.8);
  assert.is(clientShareFor(0.8, 0, 1), 0.8);
});

test.run();
