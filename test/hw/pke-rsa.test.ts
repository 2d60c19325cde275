// RSA in the public-key engine and the software model: operations are classified by the op's keyBits (modulus
// length) and charged the model's rsa<bits>_<op> latency (engine) or cycles (host CPU). Expected values come from
// the defaults listed in docs/models.md, not from the code under test.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kernel } from '../../src/sim/index.ts';
import { classifyPke, PkEngine } from '../../src/hw/index.ts';
import { loadModel } from './helpers.ts';

const rsa = (op: 'sign' | 'verify', keyBits: number) => ({ op, alg: 'rsa_pss_rsae_sha256', inputBytes: 100, outputBytes: op === 'sign' ? keyBits / 8 : 0, keyBits });

test('RSA ops are classified by modulus length; larger than 4096 bits is not modelled', () => {
  assert.is(classifyPke(rsa('sign', 2048)), 'rsa2048_sign');
  assert.is(classifyPke(rsa('verify', 2048)), 'rsa2048_verify');
  assert.is(classifyPke(rsa('sign', 3072)), 'rsa3072_sign');
  assert.is(classifyPke(rsa('verify', 4096)), 'rsa4096_verify');
  assert.is(classifyPke(rsa('sign', 8192)), undefined);
  // ECDSA unchanged
  assert.is(classifyPke({ op: 'sign', alg: 'ecdsa_secp256r1_sha256', inputBytes: 1, outputBytes: 1 }), 'ecdsa_p256_sign');
});

test('baseline engine: RSA-2048/3072/4096 sign and verify take the documented default latencies', () => {
  const k = new Kernel();
  const m = loadModel('baseline');
  assert.equal(
    [m.pke!.latency_us.rsa2048_sign, m.pke!.latency_us.rsa2048_verify, m.pke!.latency_us.rsa3072_sign, m.pke!.latency_us.rsa4096_sign],
    [50, 1.5, 169, 400],
  );
  const p = new PkEngine(k, { ...m.pke!, instances: 1 });
  const t: number[] = [];
  p.serve(rsa('sign', 2048), () => t.push(k.now));
  p.serve(rsa('verify', 2048), () => t.push(k.now));
  p.serve(rsa('sign', 3072), () => t.push(k.now));
  p.serve(rsa('sign', 4096), () => t.push(k.now));
  k.run();
  assert.equal(t, [50e6, 51.5e6, 220.5e6, 620.5e6]); // ps, one engine, back to back
  assert.equal(p.stats().ops, { rsa2048_sign: 1, rsa2048_verify: 1, rsa3072_sign: 1, rsa4096_sign: 1 });
  assert.throws(() => p.serve(rsa('sign', 8192), null), /unsupported/);
});

test('software model: RSA cycles default to the measured node:crypto figures', () => {
  const m = loadModel('software-only');
  const c = m.cpu.software!.pke_cycles;
  assert.equal([c.rsa2048_sign, c.rsa2048_verify, c.rsa3072_sign, c.rsa4096_sign], [1_682_000, 232_000, 10_745_000, 25_246_000]);
});

test.run();
