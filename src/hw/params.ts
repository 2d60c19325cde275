// Parameters of the hardware blocks, as plain structural types. src/hw may not import src/workload, so the
// model schema (src/workload/config/model.ts, zod) is checked against these types at compile time instead:
// a validated ModelConfig is assignable to HwModel. Units are in the names (see docs/models.md).

export interface CostParams {
  /** Area of one instance, mm^2. */
  area_mm2: number;
  /** Static power of one instance, mW. */
  static_mw: number;
}

export interface PortParams {
  line_rate_gbps: number;
  /** IP MTU, bytes. */
  mtu: number;
  ip_version: 4 | 6;
  rx_queue_packets: number;
  tx_queue_packets: number;
  propagation_ns: number;
  cost: CostParams & { energy_pj_per_byte: number };
}

export interface DmaParams {
  bandwidth_gbps: number;
  descriptor_latency_ns: number;
  max_outstanding: number;
  cost: CostParams & { energy_pj_per_byte: number };
}

export interface AeadCycles {
  aes_128_gcm: number;
  aes_256_gcm: number;
  aes_128_ccm: number;
  chacha20: number;
  poly1305: number;
}

export interface AeadParams {
  instances: number;
  clock_mhz: number;
  cycles_per_block: AeadCycles;
  chacha_poly_parallel: boolean;
  setup_cycles: number;
  mask_setup_cycles: number;
  pipeline_depth: number;
  aad_bytes: number;
  cost: CostParams & { energy_pj_per_cycle: number };
}

export interface HashParams {
  instances: number;
  clock_mhz: number;
  cycles_per_compression: { sha256: number; sha384: number };
  op_overhead_cycles: number;
  cost: CostParams & { energy_pj_per_cycle: number };
}

export interface PkeTable {
  x25519_keygen: number;
  x25519_derive: number;
  p256_keygen: number;
  p256_derive: number;
  ed25519_sign: number;
  ed25519_verify: number;
  ecdsa_p256_sign: number;
  ecdsa_p256_verify: number;
}
export type PkeOp = keyof PkeTable;

export interface PkeParams {
  instances: number;
  /** Microseconds per operation. */
  latency_us: PkeTable;
  cost: CostParams & { active_mw: number };
}

export interface CpuSoftwareParams {
  aead_cycles_per_byte: { aes_128_gcm: number; aes_256_gcm: number; aes_128_ccm: number; chacha20_poly1305: number };
  aead_setup_cycles: number;
  sn_mask_cycles: number;
  cycles_per_compression: { sha256: number; sha384: number };
  hash_op_cycles: number;
  /** Cycles per operation. */
  pke_cycles: PkeTable;
}

export interface CpuParams {
  cores: number;
  clock_ghz: number;
  cycles_per_handshake_message: number;
  cycles_per_record: number;
  invocation_cycles: number;
  software: CpuSoftwareParams;
  cost: CostParams & { energy_pj_per_cycle: number };
}

export interface ContextCacheParams {
  capacity_connections: number;
  context_bytes: number;
  hit_ns: number;
  ports: number;
  cost: { static_mw: number; area_mm2_per_kib: number; energy_pj_per_access: number };
}

/** A whole hardware model (models/*.yaml after validation). Absent accelerator blocks (or instances 0) => CPU. */
export interface HwModel {
  name: string;
  port: PortParams;
  dma: DmaParams;
  aead?: AeadParams | undefined;
  hash?: HashParams | undefined;
  pke?: PkeParams | undefined;
  cpu: CpuParams;
  context_cache?: ContextCacheParams | undefined;
}
