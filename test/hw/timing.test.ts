// Timing functions against hand-computed cycle counts from the YAML parameters (formulas: docs/models.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  aeadCycles,
  aeadOpCycles,
  snMaskCycles,
  classifyAead,
  classifyMask,
  hashCycles,
  hashOpCycles,
  estimateHashBlocks,
  classifyPke,
  softwareCycles,
  wireBytes,
  frameCount,
  maxUdpPayload,
  serializationPs,
  dmaLinkPs,
  dmaLatencyPs,
  dmaThroughputGbps,
  recordCapacity,
  pkeOpsPerS,
  type HwCryptoOp,
} from '../../src/hw/index.ts';
import { hashBlocks, hmacBlocks, hkdfExpandBlocks } from '../../src/dtls/crypto/index.ts';
import { loadModel } from './helpers.ts';

const base = loadModel('baseline');
const iot = loadModel('iot-gateway');
const aead = base.aead!;
const seal = (alg: string, n: number, aad?: number): HwCryptoOp => ({ op: 'aead-seal', alg, inputBytes: n, outputBytes: n + 16, aadBytes: aad });

test('baseline parameters are the ones the hand computations below assume', () => {
  assert.equal(aead.cycles_per_block, { aes_128_gcm: 11, aes_256_gcm: 15, aes_128_ccm: 22, chacha20: 22, poly1305: 15 });
  assert.is(aead.setup_cycles, 40);
  assert.is(aead.mask_setup_cycles, 4);
  assert.is(aead.aad_bytes, 5);
  assert.is(base.hash!.op_overhead_cycles, 40);
  assert.equal(base.hash!.cycles_per_compression, { sha256: 65, sha384: 81 });
});

test('AES-128-GCM 1200 B record: 40 + (ceil(5/16) + ceil(1200/16) + 1) * 11 = 887 cycles', () => {
  assert.is(aeadCycles(aead, 'aes_128_gcm', 1200, 5), 40 + (1 + 75 + 1) * 11);
  assert.is(aeadOpCycles(aead, seal('AES-128-GCM', 1200, 5)), 887);
  // the AAD default (aead.aad_bytes = 5) applies when the op does not say
  assert.is(aeadOpCycles(aead, seal('AES-128-GCM', 1200)), 887);
  // open: input is ciphertext + 16-byte tag, same work
  assert.is(aeadOpCycles(aead, { op: 'aead-open', alg: 'AES-128-GCM', inputBytes: 1216, outputBytes: 1200, aadBytes: 5 }), 887);
  // 13-byte AAD (DTLS 1.2-style header) still one AAD block; 17 B -> two
  assert.is(aeadCycles(aead, 'aes_128_gcm', 1200, 13), 887);
  assert.is(aeadCycles(aead, 'aes_128_gcm', 1200, 17), 887 + 11);
  // 1 byte payload: 40 + (1 + 1 + 1) * 11
  assert.is(aeadCycles(aead, 'aes_128_gcm', 1, 5), 73);
});

test('AES-256-GCM, AES-128-CCM and ChaCha20-Poly1305 formulas', () => {
  assert.is(aeadOpCycles(aead, seal('AES-256-GCM', 1200, 5)), 40 + 77 * 15);
  // CCM: 40 + 75 * 22 + ceil((1 + ceil(7/16)) * 22 / 2) = 40 + 1650 + 22
  assert.is(aeadOpCycles(aead, seal('AES-128-CCM', 1200, 5)), 1712);
  // ChaCha20-Poly1305 in parallel: 40 + 22 + max(19 * 22, 77 * 15) = 40 + 22 + 1155
  assert.is(aeadOpCycles(aead, seal('CHACHA20-POLY1305', 1200, 5)), 1217);
  // iot-gateway runs them one after the other: 60 + 22 + 19*22 + 77*15
  assert.is(iot.aead!.chacha_poly_parallel, false);
  assert.is(aeadOpCycles(iot.aead!, seal('CHACHA20-POLY1305', 1200, 5)), 60 + 22 + 418 + 1155);
  // 16 KiB record, AES-128-GCM: 40 + (1 + 1024 + 1) * 11
  assert.is(aeadOpCycles(aead, seal('AES-128-GCM', 16384, 5)), 40 + 1026 * 11);
});

test('record-number masks: one cipher block + mask setup', () => {
  assert.is(snMaskCycles(aead, 'aes_128'), 4 + 11);
  assert.is(snMaskCycles(aead, 'aes_256'), 4 + 15);
  assert.is(snMaskCycles(aead, 'chacha20'), 4 + 22);
  assert.is(aeadOpCycles(aead, { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 }), 15);
  assert.is(aeadOpCycles(aead, { op: 'sn-mask', alg: 'CHACHA20', inputBytes: 16, outputBytes: 16, blocks: 1 }), 26);
});

test('algorithm classification', () => {
  assert.is(classifyAead('AES-128-GCM'), 'aes_128_gcm');
  assert.is(classifyAead('AES-256-GCM'), 'aes_256_gcm');
  assert.is(classifyAead('CHACHA20-POLY1305'), 'chacha20_poly1305');
  assert.is(classifyAead('AES-128-CCM'), 'aes_128_ccm');
  assert.is(classifyAead('TLS_AES_128_CCM_8_SHA256'), 'aes_128_ccm');
  assert.is(classifyMask('AES-256-ECB'), 'aes_256');
  assert.is(classifyPke({ op: 'kx-keygen', alg: 'X25519', inputBytes: 0, outputBytes: 32 }), 'x25519_keygen');
  assert.is(classifyPke({ op: 'kx-derive', alg: 'P-256', inputBytes: 65, outputBytes: 32 }), 'p256_derive');
  assert.is(classifyPke({ op: 'kx-derive', alg: 'secp256r1', inputBytes: 65, outputBytes: 32 }), 'p256_derive');
  assert.is(classifyPke({ op: 'sign', alg: 'ed25519', inputBytes: 100, outputBytes: 64 }), 'ed25519_sign');
  assert.is(classifyPke({ op: 'verify', alg: 'ecdsa_secp256r1_sha256', inputBytes: 100, outputBytes: 0 }), 'ecdsa_p256_verify');
  assert.is(classifyPke({ op: 'verify', alg: 'rsa_pss_rsae_sha256', inputBytes: 100, outputBytes: 0 }), undefined);
  assert.is(classifyPke({ op: 'hash', alg: 'SHA-256', inputBytes: 100, outputBytes: 0 }), undefined);
});

test('HKDF/SHA unit: overhead + blocks x cycles per compression; 0 blocks cost nothing', () => {
  const h = base.hash!;
  assert.is(hashCycles(h, 'sha256', 3), 40 + 3 * 65);
  assert.is(hashCycles(h, 'sha384', 2), 40 + 2 * 81);
  assert.is(hashCycles(h, 'sha256', 0), 0);
  assert.is(hashOpCycles(h, { op: 'hmac', alg: 'HMAC-SHA-256', inputBytes: 32, outputBytes: 32, blocks: 4 }), 40 + 4 * 65);
  assert.is(hashOpCycles(h, { op: 'hkdf-expand', alg: 'HKDF-SHA-384', inputBytes: 20, outputBytes: 48, blocks: 4 }), 40 + 4 * 81);
});

test('block estimate without `blocks` equals the DTLS core counts (FIPS 180-4 padding, RFC 2104, RFC 5869)', () => {
  for (const n of [0, 1, 55, 56, 63, 64, 119, 120, 1000]) {
    assert.is(estimateHashBlocks({ op: 'hash', alg: 'SHA-256', inputBytes: n, outputBytes: 32 }), hashBlocks('SHA-256', n), `sha256 ${n}`);
    assert.is(estimateHashBlocks({ op: 'hash', alg: 'SHA-384', inputBytes: n, outputBytes: 48 }), hashBlocks('SHA-384', n), `sha384 ${n}`);
    assert.is(estimateHashBlocks({ op: 'hmac', alg: 'HMAC-SHA-256', inputBytes: n, outputBytes: 32 }), hmacBlocks('SHA-256', 32, n));
    assert.is(estimateHashBlocks({ op: 'hkdf-extract', alg: 'HKDF-SHA-384', inputBytes: n, outputBytes: 48 }), hmacBlocks('SHA-384', 48, n));
  }
  for (const [info, len] of [[10, 16], [20, 32], [30, 12], [13, 100]] as const) {
    assert.is(estimateHashBlocks({ op: 'hkdf-expand', alg: 'HKDF-SHA-256', inputBytes: info, outputBytes: len }), hkdfExpandBlocks('SHA-256', 32, info, len));
  }
  // given blocks win
  assert.is(estimateHashBlocks({ op: 'hash', alg: 'SHA-256', inputBytes: 1000, outputBytes: 0, blocks: 0 }), 0);
});

test('software rates (software-only model): setup + bytes x cycles/B; per-op tables', () => {
  const sw = loadModel('software-only');
  const c = sw.cpu;
  assert.is(c.software.aead_setup_cycles, 1000);
  assert.is(c.software.aead_cycles_per_byte.aes_128_gcm, 0.9);
  // 1000 + (1200 + 5) * 0.9 = 2084.5 -> 2085
  assert.is(softwareCycles(c, seal('AES-128-GCM', 1200, 5)), 2085);
  assert.is(softwareCycles(c, seal('AES-128-CCM', 1200, 5)), Math.ceil(1000 + 1205 * 2.8));
  assert.is(softwareCycles(c, { op: 'sn-mask', alg: 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 }), 200);
  assert.is(softwareCycles(c, { op: 'hash', alg: 'SHA-384', inputBytes: 0, outputBytes: 48, blocks: 2 }), 300 + 2 * 606);
  assert.is(softwareCycles(c, { op: 'kx-derive', alg: 'X25519', inputBytes: 32, outputBytes: 32 }), 119000);
  assert.is(softwareCycles(c, { op: 'verify', alg: 'ecdsa_secp256r1_sha256', inputBytes: 100, outputBytes: 0 }), 173000);
  assert.throws(() => softwareCycles(c, { op: 'sign', alg: 'rsa', inputBytes: 1, outputBytes: 1 }), /unsupported/);
});

test('port framing: Ethernet 20+14+4, IPv4 20 / IPv6 40, UDP 8, 64 B minimum frame, IP fragmentation', () => {
  const v4 = { ip_version: 4 as const, mtu: 1500 };
  const v6 = { ip_version: 6 as const, mtu: 1500 };
  assert.is(wireBytes(v4, 1200), 1200 + 8 + 20 + 14 + 4 + 20);
  assert.is(wireBytes(v6, 1200), 1200 + 8 + 40 + 14 + 4 + 20);
  assert.is(wireBytes(v4, 10), 64 + 20); // 14 + 20 + 8 + 10 + 4 = 56 -> padded to 64
  assert.is(maxUdpPayload(v4), 1472);
  assert.is(maxUdpPayload(v6), 1452);
  assert.is(frameCount(v4, 1472), 1);
  assert.is(frameCount(v4, 1473), 2);
  // 3000 B: L4 3008 = 1480 + 1480 + 48 -> frames of 1538, 1538, 106 wire bytes
  assert.is(frameCount(v4, 3000), 3);
  assert.is(wireBytes(v4, 3000), 2 * (20 + 14 + 20 + 1480 + 4) + (20 + 14 + 20 + 48 + 4));
  // IPv6 fragments carry an 8-byte fragment header: F = floor((1500 - 48) / 8) * 8 = 1448
  assert.is(frameCount(v6, 3000), 3);
  assert.is(wireBytes(v6, 3000), 2 * (20 + 14 + 48 + 1448 + 4) + (20 + 14 + 48 + (3008 - 2896) + 4));
  // 100 Gbit/s: 1266 B -> 101.28 ns
  assert.is(serializationPs({ line_rate_gbps: 100 }, 1266), 101280);
  assert.is(serializationPs({ line_rate_gbps: 1 }, 84), 672000);
});

test('DMA: link time, unloaded latency, latency-bound throughput', () => {
  const d = base.dma; // 50 Gbit/s, 750 ns, 64 outstanding
  assert.is(dmaLinkPs(d, 1250), 200000); // 10,000 bits at 50 Gbit/s = 200 ns
  assert.is(dmaLatencyPs(d, 1250), 950000);
  // 256 B: 40.96 ns link; 64 x 2048 bit / 790.96 ns = 165.7 Gbit/s > 50 => bandwidth-bound
  assert.is(dmaThroughputGbps(d, 256), 50);
  // 4 outstanding: 4 x 2048 / 790.96 = 10.36 Gbit/s
  assert.ok(Math.abs(dmaThroughputGbps({ ...d, max_outstanding: 4 }, 256) - (4 * 2048) / 790.96) < 1e-9);
});

test('analytic capacity: saturation rates from the same timing functions', () => {
  // 1200 B payload + 1 content-type byte: 40 + (1 + 76 + 1) * 11 = 898 cycles, + mask 4 + 11 = 913 per record
  const c = recordCapacity(base, { alg: 'AES-128-GCM', payloadBytes: 1200 });
  assert.ok(Math.abs(c.aead_records_per_s - 4e9 / 913) < 1e-6);
  // CPU per record: 1500 protocol + 1 invocation (seal + mask in one descriptor) x 1000 cycles on 8 x 2.6 GHz
  assert.ok(Math.abs(c.cpu_records_per_s - 8 * 2.6e9 / 2500) < 1e-6);
  const two = recordCapacity(base, { alg: 'AES-128-GCM', payloadBytes: 1200, invocationsPerRecord: 2 });
  assert.ok(Math.abs(two.cpu_records_per_s - 8 * 2.6e9 / 3500) < 1e-6);
  assert.is(c.bottleneck, 'aead');
  assert.ok(Math.abs(c.goodput_gbps - (4e9 / 913) * 1200 * 8 / 1e9) < 1e-9);
  // small records, one invocation per crypto op: the host is the bottleneck and software-only beats the offload
  const small = recordCapacity(base, { alg: 'AES-128-GCM', payloadBytes: 64, invocationsPerRecord: 2 });
  const sw = recordCapacity(loadModel('software-only'), { alg: 'AES-128-GCM', payloadBytes: 64 });
  assert.is(small.bottleneck, 'cpu');
  assert.ok(sw.records_per_s > small.records_per_s);
  assert.is(pkeOpsPerS(base, 'x25519_derive'), 2e6 / 10.4);
  assert.is(pkeOpsPerS(loadModel('software-only'), 'ecdsa_p256_sign'), (8 * 2.6e9) / 80000);
});

test.run();
