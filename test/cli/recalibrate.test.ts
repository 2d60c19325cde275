// The repetition's re-measured server figures (src/cli/loopback/recalibrate.ts): the keys it re-measures are model
// keys, read back from a model file, and their drift from the full calibration. By hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { SERVER_KEYS, drift, serverValues, type ServerKey } from '../../src/cli/loopback/recalibrate.ts';
import { applyModelOverrides, parseModel } from '../../src/workload/config/index.ts';

const vals = (o: Partial<Record<ServerKey, number>>): Record<ServerKey, number> =>
  Object.fromEntries(SERVER_KEYS.map((k) => [k, o[k] ?? 0])) as Record<ServerKey, number>;

test('drift: relative change per figure; the difference itself where the full calibration had 0', () => {
  const d = drift(vals({ cycles_per_handshake_message: 200_000, cycles_per_wakeup: 400_000, service_cv: 0.25 }), vals({ cycles_per_handshake_message: 250_000, cycles_per_wakeup: 300_000, service_cv: 0.3, offpath_cycles_per_wakeup: 5 }));
  assert.is(d.cycles_per_handshake_message, 0.25);
  assert.is(d.cycles_per_wakeup, -0.25);
  assert.ok(Math.abs(d.service_cv - 0.2) < 1e-12);
  assert.is(d.offpath_cycles_per_wakeup, 5);
  assert.is(d.gc_pause_cycles, 0);
});

test('the re-measured keys are cpu keys of a model: read back, and applied as overrides', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'recal-'));
  try {
    const file = join(tmp, 'm.yaml');
    const yaml = readFileSync(join(ROOT, 'models/software-only.yaml'), 'utf8');
    writeFileSync(file, yaml);
    const v = serverValues(file);
    const m = parseModel(yaml, file);
    assert.is(v.cycles_per_handshake_message, m.cpu.cycles_per_handshake_message);
    assert.is(v.offpath_cycles_per_wakeup, 0);
    const over = applyModelOverrides(m, SERVER_KEYS.map((k, i) => `cpu.${k}=${k === 'gc_every_cycles' ? 1000 : i + 1}`));
    assert.is(over.cpu.offpath_cycles_per_wakeup, SERVER_KEYS.indexOf('offpath_cycles_per_wakeup') + 1);
    assert.is(over.cpu.gc_every_cycles, 1000);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
