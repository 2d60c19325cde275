// A small hand-written hardware model for the trace tests: round clocks (1 GHz everywhere: 1 cycle = 1000 ps) so
// that expected times are computed by hand in the tests, independently of the code under test.
import type { HwModel } from '../../src/hw/index.ts';
import { CpuSchema, PkeSchema } from '../../src/hw/params.ts';

export function tinyModel(o: { aead?: number; cores?: number; invocation?: number; cache?: boolean } = {}): HwModel {
  // pke and cpu go through their schemas: fields added later get their defaults
  const m = {
    name: 'tiny',
    port: {
      line_rate_gbps: 100, mtu: 1500, ip_version: 4, rx_queue_packets: 2, tx_queue_packets: 2, propagation_ns: 500,
      cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 },
    },
    dma: { bandwidth_gbps: 50, descriptor_latency_ns: 750, max_outstanding: 4, cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 } },
    aead: {
      instances: o.aead ?? 1,
      clock_mhz: 1000,
      cycles_per_block: { aes_128_gcm: 11, aes_256_gcm: 15, aes_128_ccm: 22, chacha20: 22, poly1305: 15 },
      chacha_poly_parallel: true,
      setup_cycles: 40,
      mask_setup_cycles: 4,
      pipeline_depth: 1,
      aad_bytes: 5,
      cost: { area_mm2: 0, static_mw: 0, energy_pj_per_cycle: 0, knee_mhz: 1000, area_growth: 1, clock_power_fraction: 0.3 },
    },
    hash: { instances: 1, clock_mhz: 1000, cycles_per_compression: { sha256: 65, sha384: 81 }, op_overhead_cycles: 40, cost: { area_mm2: 0, static_mw: 0, energy_pj_per_cycle: 0, knee_mhz: 1000, area_growth: 1, clock_power_fraction: 0.3 } },
    pke: {
      instances: 1,
      latency_us: { x25519_keygen: 10, x25519_derive: 10, p256_keygen: 20, p256_derive: 20, ed25519_sign: 10, ed25519_verify: 20, ecdsa_p256_sign: 20, ecdsa_p256_verify: 40,
        rsa2048_sign: 50, rsa2048_verify: 1.5, rsa3072_sign: 169, rsa3072_verify: 3.4, rsa4096_sign: 400, rsa4096_verify: 6 },
      cost: { area_mm2: 0, static_mw: 0, active_mw: 0 },
    },
    cpu: {
      cores: o.cores ?? 1,
      clock_ghz: 1,
      cycles_per_handshake_message: 20000,
      cycles_per_record: 1500,
      cycles_per_datagram: 0,
      invocation_cycles: o.invocation ?? 0,
      software: {
        aead_cycles_per_byte: { aes_128_gcm: 1, aes_256_gcm: 1, aes_128_ccm: 3, chacha20_poly1305: 1 },
        aead_setup_cycles: 1000,
        sn_mask_cycles: 200,
        cycles_per_compression: { sha256: 100, sha384: 600 },
        hash_op_cycles: 300,
        pke_cycles: { x25519_keygen: 150000, x25519_derive: 120000, p256_keygen: 130000, p256_derive: 320000, ed25519_sign: 100000, ed25519_verify: 280000, ecdsa_p256_sign: 80000, ecdsa_p256_verify: 170000,
          rsa2048_sign: 1682000, rsa2048_verify: 232000, rsa3072_sign: 10745000, rsa3072_verify: 304000, rsa4096_sign: 25246000, rsa4096_verify: 436000 },
      },
      cost: { area_mm2: 0, static_mw: 0, energy_pj_per_cycle: 0 },
    },
    ...(o.cache ? { context_cache: { capacity_connections: 1, context_bytes: 100, hit_ns: 10, ports: 1, cost: { static_mw: 0, area_mm2_per_kib: 0, energy_pj_per_access: 0 } } } : {}),
  };
  return { ...m, pke: PkeSchema.parse(m.pke), cpu: CpuSchema.parse(m.cpu) } as HwModel;
}

export const HEADER = '{"type":"header","format":"dtls-accel-sim/ops","version":1,"model":"hand","params_digest":"none","time_unit":"ps"}';

export const seal = (bytes: number) => ({ block: 'aead', op: 'aead-seal', alg: 'AES-128-GCM', bytes, out: bytes + 16, aad: 5 });
export const mask = { block: 'aead', op: 'sn-mask', alg: 'AES-128-ECB', bytes: 16, out: 16 };

export function traceText(jobs: object[]): string {
  return [HEADER, ...jobs.map((j) => JSON.stringify({ type: 'job', ...j }))].join('\n') + '\n';
}
