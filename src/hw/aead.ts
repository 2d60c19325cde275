// AEAD engine: record protection (seal/open) and record-number masks (RFC 9147 4.2.3).
//
// Timing (cycles of the engine clock; c[x] = aead.cycles_per_block.x, S = setup_cycles, A = AAD bytes,
// P = payload bytes = plaintext for seal, ciphertext - tag for open (16 bytes; 8 for AES-128-CCM-8)):
//   AES-GCM:            S + (ceil(A/16) + ceil(P/16) + 1) * c[aes_*_gcm]        (+1: GHASH length block)
//   AES-CCM:            S + ceil(P/16) * c[aes_128_ccm] + ceil((1 + ceil((A+2)/16)) * c[aes_128_ccm] / 2)
//                       (payload blocks take CBC-MAC + CTR = 2 AES passes; B0 and the AAD blocks only CBC-MAC)
//   ChaCha20-Poly1305:  S + c[chacha20] (Poly1305 key block) + combine(ceil(P/64) * c[chacha20],
//                       (ceil(A/16) + ceil(P/16) + 1) * c[poly1305]), combine = max if chacha_poly_parallel else sum
//   sn-mask:            mask_setup_cycles + one block: c[aes_128_gcm] (AES-128-ECB), c[aes_256_gcm] (AES-256-ECB),
//                       c[chacha20] (ChaCha20)
// Pipelining: an engine is occupied for `occupancy` cycles (the formulas above; this bounds throughput to
// instances x clock / occupancy records/s) and the result leaves (pipeline_depth - 1) cycles later:
//   latency = occupancy + (pipeline_depth - 1).  With pipeline_depth 1 (iterative core) latency = occupancy.
import { Clock, type Kernel, type Ps } from '../sim/index.ts';
import type { Discipline } from '../sim/index.ts';
import { BlockBase, DelayedDone, hz } from './block.ts';
import { clockScaling } from './clock-cost.ts';
import type { AeadParams } from './params.ts';
import type { Done, HwCryptoOp } from './types.ts';

export type AeadAlgClass = 'aes_128_gcm' | 'aes_256_gcm' | 'aes_128_ccm' | 'chacha20_poly1305';
export type MaskAlgClass = 'aes_128' | 'aes_256' | 'chacha20';

export const AEAD_TAG_BYTES = 16;
/** Tag of AES-128-CCM-8 (RFC 6655 / RFC 8446 B.4 TLS_AES_128_CCM_8_SHA256), bytes. */
export const CCM_8_TAG_BYTES = 8;

/** Tag bytes of an AEAD algorithm name: 8 for AES-128-CCM-8, else 16. */
export function aeadTagBytes(alg: string): number {
  return alg.toUpperCase().replace('_', '-').includes('CCM-8') ? CCM_8_TAG_BYTES : AEAD_TAG_BYTES;
}

const aeadCache = new Map<string, AeadAlgClass>();
/** 'AES-128-GCM' -> 'aes_128_gcm', 'CHACHA20-POLY1305' -> 'chacha20_poly1305', 'AES-128-CCM(_8)' -> 'aes_128_ccm'. */
export function classifyAead(alg: string): AeadAlgClass {
  let c = aeadCache.get(alg);
  if (c === undefined) {
    const a = alg.toUpperCase();
    if (a.includes('CHACHA')) c = 'chacha20_poly1305';
    else if (a.includes('CCM')) c = 'aes_128_ccm';
    else if (a.includes('256')) c = 'aes_256_gcm';
    else c = 'aes_128_gcm';
    aeadCache.set(alg, c);
  }
  return c;
}

const maskCache = new Map<string, MaskAlgClass>();
/** 'AES-128-ECB' -> 'aes_128', 'AES-256-ECB' -> 'aes_256', 'CHACHA20' -> 'chacha20'. */
export function classifyMask(alg: string): MaskAlgClass {
  let c = maskCache.get(alg);
  if (c === undefined) {
    const a = alg.toUpperCase();
    c = a.includes('CHACHA') ? 'chacha20' : a.includes('256') ? 'aes_256' : 'aes_128';
    maskCache.set(alg, c);
  }
  return c;
}

/** Payload bytes an AEAD operation processes (plaintext length: an open's input less the algorithm's tag). */
export function aeadPayloadBytes(op: HwCryptoOp): number {
  return op.op === 'aead-seal' ? op.inputBytes : Math.max(0, op.inputBytes - aeadTagBytes(op.alg));
}

/** Engine occupancy in cycles for one record (see the formulas at the top of this file). */
export function aeadCycles(p: AeadParams, alg: AeadAlgClass, payloadBytes: number, aadBytes: number): number {
  const c = p.cycles_per_block;
  const aadBlocks = Math.ceil(aadBytes / 16);
  const pBlocks = Math.ceil(payloadBytes / 16);
  switch (alg) {
    case 'aes_128_gcm':
      return p.setup_cycles + (aadBlocks + pBlocks + 1) * c.aes_128_gcm;
    case 'aes_256_gcm':
      return p.setup_cycles + (aadBlocks + pBlocks + 1) * c.aes_256_gcm;
    case 'aes_128_ccm':
      return p.setup_cycles + pBlocks * c.aes_128_ccm + Math.ceil(((1 + Math.ceil((aadBytes + 2) / 16)) * c.aes_128_ccm) / 2);
    case 'chacha20_poly1305': {
      const chacha = Math.ceil(payloadBytes / 64) * c.chacha20;
      const poly = (aadBlocks + pBlocks + 1) * c.poly1305;
      return p.setup_cycles + c.chacha20 + (p.chacha_poly_parallel ? Math.max(chacha, poly) : chacha + poly);
    }
  }
}

/** Cycles of one record-number mask. */
export function snMaskCycles(p: AeadParams, alg: MaskAlgClass): number {
  const c = p.cycles_per_block;
  return p.mask_setup_cycles + (alg === 'chacha20' ? c.chacha20 : alg === 'aes_256' ? c.aes_256_gcm : c.aes_128_gcm);
}

/** Occupancy cycles of an AEAD-engine operation (aead-seal, aead-open or sn-mask). */
export function aeadOpCycles(p: AeadParams, op: HwCryptoOp): number {
  if (op.op === 'sn-mask') return Math.ceil(snMaskCycles(p, classifyMask(op.alg)));
  return Math.ceil(aeadCycles(p, classifyAead(op.alg), aeadPayloadBytes(op), op.aadBytes ?? p.aad_bytes));
}

export class AeadEngine extends BlockBase {
  readonly params: AeadParams;
  readonly clock: Clock;
  /** Dynamic energy per busy cycle at this clock (src/hw/clock-cost.ts), pJ. */
  private readonly energyPerCyclePj: number;
  private readonly drainPs: Ps;
  private readonly drain: DelayedDone;

  constructor(k: Kernel, p: AeadParams, name = 'aead', discipline: Discipline = 'fifo') {
    const scale = clockScaling(p.clock_mhz, p.cost);
    super(k, { name, kind: 'aead', instances: p.instances, clockHz: hz(p.clock_mhz), areaMm2: p.cost.area_mm2 * scale.area, staticMw: p.cost.static_mw * scale.static, resource: { discipline } });
    this.params = p;
    this.energyPerCyclePj = p.cost.energy_pj_per_cycle * scale.energy;
    this.clock = new Clock(this.clockHz);
    this.drainPs = this.clock.cyclesToPs(p.pipeline_depth - 1);
    this.drain = new DelayedDone(k, this.drainPs);
  }

  /** Occupancy of one operation, ps. */
  occupancyPs(op: HwCryptoOp): Ps {
    return this.clock.cyclesToPs(aeadOpCycles(this.params, op));
  }

  /** Latency of one operation on an idle engine, ps (occupancy + pipeline drain). */
  latencyPs(op: HwCryptoOp): Ps {
    return this.occupancyPs(op) + this.drainPs;
  }

  /** Charges one aead-seal / aead-open / sn-mask; done after occupancy + pipeline drain. */
  serve(op: HwCryptoOp, done: Done | null, priority = 0): boolean {
    const cycles = aeadOpCycles(this.params, op);
    this.count(op.op);
    this.energyPj += cycles * this.energyPerCyclePj;
    if (op.op !== 'sn-mask') this.bytes += aeadPayloadBytes(op);
    const occ = this.clock.cyclesToPs(cycles);
    if (this.drainPs === 0 || done === null) return this.resource.use(occ, done, priority);
    return this.resource.use(occ, this.drain.onUse, priority, this.drain.wrap(done));
  }
}
