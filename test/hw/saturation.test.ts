// Simulation vs first principles: a block driven above its capacity serves at exactly the analytic rate, and below
// capacity its utilization equals offered load / capacity. The rates are computed here by hand from the model files'
// numbers and the cost formulas of docs/models.md (not through src/hw), then also compared with recordCapacity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, type Ps } from '../../src/sim/index.ts';
import { Platform, recordCapacity, type HwCryptoOp } from '../../src/hw/index.ts';
import type { ModelConfig } from '../../src/workload/config/index.ts';
import { loadModel } from './helpers.ts';

const MS: Ps = 1_000_000_000;

// One 1200 B AES-128-GCM record: P = 1201 (payload + content type), A = 5 (unified header, 16-bit seq, length).
// models/baseline.yaml, engine cycles (docs/models.md): seal S + (ceil(A/16) + ceil(P/16) + 1) * c = 40 + (1 + 76 + 1)
// * 11 = 898; record-number mask: mask_setup_cycles + one AES block = 4 + 11 = 15; 4 engines at 1 GHz.
const BASE_AEAD_RATE = (4 * 1e9) / (898 + 15);
// host: cycles_per_record 1500 + one invocation (seal + mask share a descriptor) 1000; 8 cores at 2.6 GHz.
const BASE_CPU_RATE = (8 * 2.6e9) / (1500 + 1000);
// models/software-only.yaml: 1500 + ceil(aead_setup 1000 + (P + A) * 0.9 = 2085.4) + sn_mask 200 = 3786 cycles.
const SW_CPU_RATE = (8 * 2.6e9) / (1500 + 2086 + 200);

/**
 * Offers `rate` records/s (per-record protocol work + seal and mask under one invocation) for `ms` ms, runs until
 * every record is done; returns records / time of the last completion (the service rate once saturated).
 */
function driveRecords(model: ModelConfig, rate: number, ms: number): { served: number; hw: Platform } {
  const k = new Kernel();
  const hw = new Platform(k, model);
  const seal: HwCryptoOp = { op: 'aead-seal', alg: 'AES-128-GCM', inputBytes: 1201, outputBytes: 1217, aadBytes: 5 };
  const mask: HwCryptoOp = { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 };
  const group = [seal, mask];
  let served = 0;
  let last = 0;
  const onSeal = () => {
    served++;
    last = k.now;
  };
  const gap = Math.round(1e12 / rate);
  const end = ms * MS;
  const arrive = () => {
    hw.protocol('record', null);
    hw.serveGroup(group, onSeal); // seal, then mask over the ciphertext, one descriptor
    if (k.now + gap < end) k.after(gap, arrive);
  };
  k.at(0, arrive);
  k.run();
  return { served: served / (last / 1e12), hw };
}

const close = (a: number, b: number, rel: number) => Math.abs(a / b - 1) < rel;

test('recordCapacity agrees with the hand-computed rates', () => {
  const base = recordCapacity(loadModel('baseline'), { alg: 'AES-128-GCM', payloadBytes: 1200 });
  assert.is(base.bottleneck, 'aead');
  assert.ok(close(base.aead_records_per_s, BASE_AEAD_RATE, 1e-12), `${base.aead_records_per_s} vs ${BASE_AEAD_RATE}`);
  assert.ok(close(base.cpu_records_per_s, BASE_CPU_RATE, 1e-12), `${base.cpu_records_per_s} vs ${BASE_CPU_RATE}`);
  const sw = recordCapacity(loadModel('software-only'), { alg: 'AES-128-GCM', payloadBytes: 1200 });
  assert.ok(close(sw.cpu_records_per_s, SW_CPU_RATE, 1e-12), `${sw.cpu_records_per_s} vs ${SW_CPU_RATE}`);
});

test('baseline, 1200 B AES-128-GCM: saturated AEAD engines serve at 4e9 / 913 records/s', () => {
  const m = loadModel('baseline');
  const { served, hw } = driveRecords(m, BASE_AEAD_RATE * 1.25, 2);
  assert.ok(close(served, BASE_AEAD_RATE, 0.01), `${served} vs ${BASE_AEAD_RATE}`);
  assert.ok(hw.aead!.stats().utilization > 0.99);
});

test('below capacity, utilization = offered / capacity (AEAD and CPU)', () => {
  const m = loadModel('baseline');
  const offered = BASE_AEAD_RATE * 0.5;
  const { served, hw } = driveRecords(m, offered, 2);
  assert.ok(close(served, offered, 0.01));
  const u = hw.aead!.stats().utilization;
  assert.ok(Math.abs(u - 0.5) < 0.01, String(u));
  const uc = hw.cpu.stats().utilization;
  assert.ok(Math.abs(uc - offered / BASE_CPU_RATE) < 0.01, `${uc} vs ${offered / BASE_CPU_RATE}`);
});

test('software-only: the cores saturate at the analytic software rate', () => {
  const m = loadModel('software-only');
  const { served, hw } = driveRecords(m, SW_CPU_RATE * 1.25, 1);
  assert.ok(close(served, SW_CPU_RATE, 0.01), `${served} vs ${SW_CPU_RATE}`);
  assert.ok(hw.cpu.stats().utilization > 0.99);
});

test('PKE saturation: 2 engines x 1 / 10.4 us X25519 derives', () => {
  const m = loadModel('baseline', ['cpu.invocation_cycles=0']);
  const k = new Kernel();
  const hw = new Platform(k, m);
  const op: HwCryptoOp = { op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 };
  let n = 0;
  for (let i = 0; i < 1000; i++) hw.serve(op, () => n++);
  k.run({ until: 2 * MS });
  // each of the 2 engines completes a derive every 10.4 us (pke.latency_us.x25519_derive): floor(2000 / 10.4) = 192
  // by t = 2 ms (the 193rd would end at 2007.2 us)
  assert.is(n, 2 * 192);
});

test.run();
