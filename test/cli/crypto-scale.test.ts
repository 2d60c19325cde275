// validate -- loopback prices the full calibration's crypto and socket figures at each repetition's host speed
// (src/cli/loopback/recalibrate.ts cryptoScaleOverrides). Expectations from the model file's own figures by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { cryptoScaleOverrides } from '../../src/cli/loopback/recalibrate.ts';
import { applyModelOverrides, parseModel } from '../../src/workload/config/index.ts';
import { softwareCycles } from '../../src/hw/index.ts';

const modelFile = join(ROOT, 'models/host.yaml');
const model = parseModel(readFileSync(modelFile, 'utf8'), modelFile);

test('cryptoScaleOverrides: every software figure and the socket cost x scale, nothing else', () => {
  const scaled = applyModelOverrides(model, cryptoScaleOverrides(modelFile, 1.25)).cpu;
  const c = model.cpu;
  const near = (x: number, want: number, what: string) => assert.ok(Math.abs(x - want) <= 1e-5 * want, `${what}: ${x} vs ${want}`);
  near(scaled.software.aead_setup_cycles, 1.25 * c.software.aead_setup_cycles, 'aead_setup_cycles');
  near(scaled.software.sn_mask_cycles, 1.25 * c.software.sn_mask_cycles, 'sn_mask_cycles');
  near(scaled.software.hash_op_cycles, 1.25 * c.software.hash_op_cycles, 'hash_op_cycles');
  near(scaled.software.aead_cycles_per_byte.aes_128_gcm, 1.25 * c.software.aead_cycles_per_byte.aes_128_gcm, 'aes_128_gcm');
  near(scaled.software.cycles_per_compression.sha256, 1.25 * c.software.cycles_per_compression.sha256, 'sha256');
  near(scaled.software.pke_cycles.ecdsa_p256_sign, 1.25 * c.software.pke_cycles.ecdsa_p256_sign, 'ecdsa_p256_sign');
  near(scaled.cycles_per_datagram, 1.25 * c.cycles_per_datagram, 'cycles_per_datagram');
  // an operation's software cost follows (the figures kept to 6 significant digits)
  const op = { op: 'sign' as const, alg: 'ecdsa_secp256r1_sha256', inputBytes: 32, outputBytes: 64 };
  near(softwareCycles(scaled, op), 1.25 * softwareCycles(c, op), 'ecdsa_p256 sign op');
  // the server's own figures are not touched
  assert.is(scaled.cycles_per_wakeup, c.cycles_per_wakeup);
  assert.is(scaled.cycles_per_handshake_message, c.cycles_per_handshake_message);
  assert.is(scaled.clock_ghz, c.clock_ghz);
});

test('cryptoScaleOverrides: none at scale 1 or without a usable scale', () => {
  assert.equal(cryptoScaleOverrides(modelFile, 1), []);
  assert.equal(cryptoScaleOverrides(modelFile, Number.NaN), []);
  assert.equal(cryptoScaleOverrides(modelFile, 0), []);
  assert.equal(cryptoScaleOverrides(modelFile, Number.POSITIVE_INFINITY), []);
});

test.run();
