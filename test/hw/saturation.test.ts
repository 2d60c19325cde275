// Simulation vs first principles: a block driven above its capacity serves at exactly the analytic rate
// (recordCapacity / pkeOpsPerS), and below capacity its utilization equals offered load / capacity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel, type Ps } from '../../src/sim/index.ts';
import { Platform, recordCapacity, pkeOpsPerS, type HwCryptoOp } from '../../src/hw/index.ts';
import type { ModelConfig } from '../../src/workload/config/index.ts';
import { loadModel } from './helpers.ts';

const MS: Ps = 1_000_000_000;

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

test('baseline, 1200 B AES-128-GCM: saturated AEAD engines serve at 4e9 / 913 records/s', () => {
  const m = loadModel('baseline');
  const cap = recordCapacity(m, { alg: 'AES-128-GCM', payloadBytes: 1200 });
  assert.is(cap.bottleneck, 'aead');
  const { served, hw } = driveRecords(m, cap.aead_records_per_s * 1.25, 2);
  assert.ok(Math.abs(served / cap.aead_records_per_s - 1) < 0.01, `${served} vs ${cap.aead_records_per_s}`);
  assert.ok(hw.aead!.stats().utilization > 0.99);
});

test('below capacity, utilization = offered / capacity (AEAD and CPU)', () => {
  const m = loadModel('baseline');
  const cap = recordCapacity(m, { alg: 'AES-128-GCM', payloadBytes: 1200 });
  const offered = cap.aead_records_per_s * 0.5;
  const { served, hw } = driveRecords(m, offered, 2);
  assert.ok(Math.abs(served / offered - 1) < 0.01);
  const u = hw.aead!.stats().utilization;
  assert.ok(Math.abs(u - 0.5) < 0.01, String(u));
  const uc = hw.cpu.stats().utilization;
  assert.ok(Math.abs(uc - offered / cap.cpu_records_per_s) < 0.01, `${uc} vs ${offered / cap.cpu_records_per_s}`);
});

test('software-only: the cores saturate at the analytic software rate', () => {
  const m = loadModel('software-only');
  const cap = recordCapacity(m, { alg: 'AES-128-GCM', payloadBytes: 1200 });
  const { served, hw } = driveRecords(m, cap.cpu_records_per_s * 1.25, 1);
  assert.ok(Math.abs(served / cap.cpu_records_per_s - 1) < 0.01, `${served} vs ${cap.cpu_records_per_s}`);
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
  assert.is(n, Math.floor(2e-3 * pkeOpsPerS(m, 'x25519_derive') / 2) * 2);
});

test.run();
