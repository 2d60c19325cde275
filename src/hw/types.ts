// Shared types of the hardware blocks. src/hw must not import src/dtls: HwCryptoOp is a structural copy of the
// fields of the DTLS core's CryptoOp that the timing functions use (a CryptoOp is assignable to it).
import type { Dist, Ps } from '../sim/index.ts';

export type HwOpKind =
  | 'aead-seal'
  | 'aead-open'
  | 'sn-mask'
  | 'hash'
  | 'hmac'
  | 'hkdf-extract'
  | 'hkdf-expand'
  | 'kx-keygen'
  | 'kx-derive'
  | 'kem-keygen'
  | 'kem-encaps'
  | 'kem-decaps'
  | 'sign'
  | 'verify';

export const HW_OP_KINDS: readonly HwOpKind[] = [
  'aead-seal',
  'aead-open',
  'sn-mask',
  'hash',
  'hmac',
  'hkdf-extract',
  'hkdf-expand',
  'kx-keygen',
  'kx-derive',
  'sign',
  'verify',
  'kem-keygen',
  'kem-encaps',
  'kem-decaps',
];

/**
 * One cryptographic operation as reported by the DTLS core:
 * - aead-seal: inputBytes = plaintext, outputBytes = ciphertext + 16-byte tag; aead-open: inputBytes = ciphertext + tag.
 * - aadBytes: additional data (the record header); when absent the model's aead.aad_bytes is assumed.
 * - hash/hmac/hkdf-*: blocks = compression-function calls actually performed (estimated from lengths if absent).
 * - alg: 'AES-128-GCM' | 'AES-256-GCM' | 'CHACHA20-POLY1305' | 'AES-128-CCM' (AEAD); 'AES-128-ECB' | 'AES-256-ECB' |
 *   'CHACHA20' (sn-mask); 'SHA-256' | 'SHA-384' possibly prefixed 'HMAC-' / 'HKDF-'; 'X25519' | 'P-256' (kx);
 *   'ed25519' | 'ecdsa_secp256r1_sha256' (sign/verify); 'ML-KEM-768' (kem-*: the public-key engine or
 *   the lattice unit, pke.kem; software: cpu.software.kem_cycles). Matching is case-insensitive and tolerant (see classify*).
 */
export interface HwCryptoOp {
  op: HwOpKind;
  alg: string;
  inputBytes: number;
  outputBytes: number;
  blocks?: number | undefined;
  aadBytes?: number | undefined;
  /** RSA modulus length, bits (sign/verify with an RSA key). */
  keyBits?: number | undefined;
}

/** Completion callback: total time spent waiting in queues (ps) and the start of the final service stage. */
export type Done = (waitPs: Ps, startPs: Ps) => void;

/** Detailed statistics of one hardware block (one `Resource`); BlockStats in SimResult (src/workload/result.ts). */
export interface HwBlockStats {
  /** Unique name, e.g. "port_rx", "dma_to_engine", "ctx_cache", "aead", "hash", "pke", "cpu", "dma_from_engine", "port_tx". */
  name: string;
  /** Block type (the model key it was built from), e.g. "aead". Free text. */
  kind: string;
  instances: number;
  /** Clock frequency, Hz (0 if not clocked). */
  clock_hz: number;
  utilization: number;
  mean_queue: number;
  max_queue: number;
  /** Completed operations. */
  served: number;
  /** Requests refused because the queue was full. */
  dropped: number;
  /** Sum over instances of busy time, seconds (utilization = busy_s / (instances x sim_time_s)). */
  busy_s: number;
  /** Wait before service, microseconds. */
  wait_us: Dist;
  /** Wait + service, microseconds. */
  sojourn_us: Dist;
  /** Bytes processed (payload through the block); 0 if not meaningful. */
  bytes: number;
  /** Dynamic energy (per-operation/per-byte) + static (leakage x time), joules. */
  energy_j: number;
  /** Area of all instances, mm^2. */
  area_mm2: number;
  /** Operation counts by operation type, e.g. {"aead-seal": 1200, "aead-open": 1180}. */
  ops: Record<string, number>;
  /** Hit/miss counters for caches, or any other block-specific counters. Optional. */
  counters?: Record<string, number>;
}

/** Cost of one block over the statistics window. */
export interface BlockCost {
  name: string;
  instances: number;
  area_mm2: number;
  static_mw: number;
  dynamic_j: number;
  static_j: number;
}

/** Cost summary of a platform over the statistics window (see Platform.cost). */
export interface CostReport {
  /** Sum of instances x area per instance, mm^2. */
  area_mm2: number;
  /** Sum of instances x static power, mW. */
  static_mw: number;
  /** Per-operation / per-byte / per-cycle energy accumulated, joules. */
  dynamic_j: number;
  /** static_mw x window, joules. */
  static_j: number;
  energy_j: number;
  /** energy_j / window (0 for an empty window), watts. */
  avg_power_w: number;
  window_s: number;
  /** Dynamic energy by crypto operation kind (all blocks that served it incl. invocation cost), joules. */
  energy_by_op_j: Record<HwOpKind, number>;
  /** The parts of energy_by_op_j booked to the handshake and to the data phase (Platform.serve `phase`), joules. */
  handshake_phase_j: number;
  data_phase_j: number;
  /** Dynamic energy of host protocol processing: handshake messages, records of handshaking connections, other
   *  records, joules. */
  protocol_j: { handshake_message: number; handshake_record: number; record: number };
  blocks: BlockCost[];
}
