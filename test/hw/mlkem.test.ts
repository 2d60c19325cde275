// ML-KEM-768 in the timing model: on the public-key engine (default, queueing with ECC), on a separate lattice unit
// (pke.kem.unit = separate), or in software (cpu.software.kem_cycles). Expected times are written out from the
// documented defaults (docs/models.md: 9 / 12 / 19 us; 1,690,000 / 1,326,000 / 1,170,000 cycles at 2.6 GHz).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { Platform, PkEngine, type HwCryptoOp } from '../../src/hw/index.ts';
import { pkeOpsPerS } from '../../src/hw/capacity.ts';
import { loadModel } from './helpers.ts';

const keygen: HwCryptoOp = { op: 'kem-keygen', alg: 'ML-KEM-768', inputBytes: 0, outputBytes: 1184 };
const encaps: HwCryptoOp = { op: 'kem-encaps', alg: 'ML-KEM-768', inputBytes: 1184, outputBytes: 1088 };
const decaps: HwCryptoOp = { op: 'kem-decaps', alg: 'ML-KEM-768', inputBytes: 1088, outputBytes: 32 };
const x25519: HwCryptoOp = { op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 };
const US = 1_000_000; // ps

test('defaults: the public-key engine serves ML-KEM with the published latencies', () => {
  const k = new Kernel();
  const m = loadModel('baseline');
  assert.equal(m.pke!.kem, { unit: 'shared', instances: 1, latency_us: { mlkem768_keygen: 9, mlkem768_encaps: 12, mlkem768_decaps: 19 } });
  const p = new PkEngine(k, m.pke!);
  const t: number[] = [];
  p.serve(keygen, () => t.push(k.now));
  p.serve(encaps, () => t.push(k.now));
  p.serve(decaps, () => t.push(k.now)); // two engines: waits for the keygen one
  k.run();
  assert.equal(t, [9 * US, 12 * US, (9 + 19) * US]);
  assert.equal(p.stats().ops, { mlkem768_keygen: 1, mlkem768_encaps: 1, mlkem768_decaps: 1 });
  assert.throws(() => p.serve({ op: 'kem-encaps', alg: 'ML-KEM-1024', inputBytes: 0, outputBytes: 0 }, null), /unsupported/);
});

test('shared: ML-KEM and X25519 queue on the same engines; separate: a lattice unit of its own, its own stats row', () => {
  const run = (overrides: string[]) => {
    const k = new Kernel();
    const hw = new Platform(k, loadModel('baseline', ['cpu.invocation_cycles=0', 'pke.instances=1', ...overrides]));
    const t: number[] = [];
    hw.serve(encaps, () => t.push(k.now));
    hw.serve(x25519, () => t.push(k.now));
    k.run();
    return { t, hw };
  };
  const shared = run([]);
  assert.equal(shared.t, [12 * US, (12 + 10.4) * US]);
  assert.is(shared.hw.lattice, undefined);
  const sep = run(['pke.kem.unit=separate']);
  assert.equal(sep.t.slice().sort((a, b) => a - b), [10.4 * US, 12 * US]);
  assert.is(sep.hw.route(encaps), 'pke');
  const names = sep.hw.stats().map((s) => s.name);
  assert.ok(names.includes('lattice') && names.indexOf('lattice') === names.indexOf('pke') + 1, names.join(','));
  assert.equal(sep.hw.stats().find((s) => s.name === 'lattice')!.ops, { mlkem768_encaps: 1 });
  assert.is(sep.hw.latencyPs(decaps), 19 * US);
  // the lattice unit costs what one public-key engine costs (area, leakage)
  const c = sep.hw.cost();
  const pkeCost = c.blocks.find((b) => b.name === 'pke')!;
  const latCost = c.blocks.find((b) => b.name === 'lattice')!;
  assert.is(latCost.area_mm2, pkeCost.area_mm2);
  // throughput bound: 1 lattice unit (separate) vs 1 engine (shared), per op
  assert.is(pkeOpsPerS(loadModel('baseline', ['pke.kem.unit=separate', 'pke.kem.instances=3']), 'mlkem768_decaps'), 3e6 / 19);
  assert.is(pkeOpsPerS(loadModel('baseline'), 'mlkem768_decaps'), 2e6 / 19);
});

test('software-only: ML-KEM at cpu.software.kem_cycles on the host', () => {
  const k = new Kernel();
  const m = loadModel('software-only');
  assert.equal(m.cpu.software.kem_cycles, { mlkem768_keygen: 1_690_000, mlkem768_encaps: 1_326_000, mlkem768_decaps: 1_170_000 });
  const hw = new Platform(k, m);
  assert.is(hw.route(keygen), 'cpu');
  // 1,690,000 cycles at 2.6 GHz = 650 us
  assert.is(hw.latencyPs(keygen), 650 * US);
  assert.is(hw.latencyPs(encaps), 510 * US);
  assert.is(hw.latencyPs(decaps), 450 * US);
  assert.is(pkeOpsPerS(m, 'mlkem768_encaps'), (8 * 2.6e9) / 1_326_000);
});

test.run();
