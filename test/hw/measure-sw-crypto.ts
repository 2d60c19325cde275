// Measures node:crypto software rates on this machine for models/software-only.yaml (not a test; run by hand):
//   node --import tsx test/hw/measure-sw-crypto.ts [clock_ghz]
// Prints per-operation times and the cycle figures at the given clock (default: 1st "cpu MHz" in /proc/cpuinfo).
import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';

let ghz = Number(process.argv[2]);
if (!(ghz > 0)) {
  try {
    const m = /cpu MHz\s*:\s*([\d.]+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    ghz = m ? Number(m[1]) / 1000 : 3;
  } catch {
    ghz = 3;
  }
}

function time(fn: () => void, minMs = 300): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = process.hrtime.bigint();
  let dt = 0;
  while (dt < minMs * 1e6) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    dt = Number(process.hrtime.bigint() - t0);
  }
  return dt / n; // ns per op
}

const key16 = crypto.randomBytes(16), key32 = crypto.randomBytes(32), iv = crypto.randomBytes(12), aad = crypto.randomBytes(5);
function aead(alg: string, key: Buffer, size: number) {
  const pt = crypto.randomBytes(size);
  return time(() => {
    const c = crypto.createCipheriv(alg as 'aes-128-gcm', key, iv, { authTagLength: 16 } as crypto.CipherGCMOptions);
    c.setAAD(aad, { plaintextLength: size });
    c.update(pt);
    c.final();
    c.getAuthTag();
  });
}
const out: Record<string, number> = {};
for (const [name, alg, key] of [
  ['aes_128_gcm', 'aes-128-gcm', key16],
  ['aes_256_gcm', 'aes-256-gcm', key32],
  ['chacha20_poly1305', 'chacha20-poly1305', key32],
  ['aes_128_ccm', 'aes-128-ccm', key16],
] as const) {
  const small = aead(alg, key, 64), big = aead(alg, key, 16384);
  const perByte = (big - small) / (16384 - 64);
  out[`aead.${name}.ns_per_byte`] = perByte;
  out[`aead.${name}.setup_ns`] = small - 64 * perByte;
  out[`aead.${name}.1200B_ns`] = aead(alg, key, 1200);
}
const ecb = crypto.createCipheriv('aes-128-ecb', key16, null);
out['sn_mask_ns'] = time(() => ecb.update(iv.subarray(0, 16)));
for (const [name, alg, bs] of [['sha256', 'sha256', 64], ['sha384', 'sha384', 128]] as const) {
  const small = time(() => crypto.createHash(alg).update(Buffer.alloc(bs - 20)).digest());
  const big = time(() => crypto.createHash(alg).update(Buffer.alloc(bs * 256 - 20)).digest());
  out[`${name}.ns_per_compression`] = (big - small) / 255;
  out[`${name}.op_ns`] = small - (big - small) / 255;
}
const x = crypto.generateKeyPairSync('x25519'), x2 = crypto.generateKeyPairSync('x25519');
out['x25519_keygen_ns'] = time(() => crypto.generateKeyPairSync('x25519'));
out['x25519_derive_ns'] = time(() => crypto.diffieHellman({ privateKey: x.privateKey, publicKey: x2.publicKey }));
const p = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }), p2 = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
out['p256_keygen_ns'] = time(() => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }));
out['p256_derive_ns'] = time(() => crypto.diffieHellman({ privateKey: p.privateKey, publicKey: p2.publicKey }));
const msg = crypto.randomBytes(130);
const e = crypto.generateKeyPairSync('ed25519');
const esig = crypto.sign(null, msg, e.privateKey);
out['ed25519_sign_ns'] = time(() => crypto.sign(null, msg, e.privateKey));
out['ed25519_verify_ns'] = time(() => crypto.verify(null, msg, e.publicKey, esig));
const psig = crypto.sign('sha256', msg, p.privateKey);
out['ecdsa_p256_sign_ns'] = time(() => crypto.sign('sha256', msg, p.privateKey));
out['ecdsa_p256_verify_ns'] = time(() => crypto.verify('sha256', msg, p.publicKey, psig));

console.log(`clock ${ghz.toFixed(3)} GHz (cycles = ns x GHz)`);
for (const [k, v] of Object.entries(out)) console.log(`${k.padEnd(34)} ${v.toFixed(2).padStart(10)} ns  ${(v * ghz).toFixed(1).padStart(10)} cycles`);
