// Analytic capacity of a model: the saturation throughput of each block for a given operation, from the same
// timing functions the simulation uses (no queueing). Used to check simulations against first principles
// (a saturated block in a run should serve at exactly this rate) and to size scenarios.
import { BIT_S_PER_GBIT_S, HZ_PER_GHZ, HZ_PER_MHZ, US_PER_S } from '../sim/index.ts';
import { aeadCycles, classifyAead } from './aead.ts';
import { dmaThroughputGbps } from './dma.ts';
import { softwareCycles } from './cpu.ts';
import type { HwModel, PkeOp } from './params.ts';
import { isKemOp } from './pke.ts';
import { wireBytes } from './port.ts';

export interface RecordCapacity {
  /** Records/s the AEAD engines can protect (or the CPU cores in software when there is no engine). */
  aead_records_per_s: number;
  /** Records/s the host cores can handle: per-record protocol cycles + invocations (or software crypto). */
  cpu_records_per_s: number;
  /** Records/s one DMA direction can move (one transfer per record). */
  dma_records_per_s: number;
  /** Records/s the port can send in one direction (one record per datagram). */
  port_records_per_s: number;
  /** The smallest of the above and its name. */
  bottleneck: 'aead' | 'cpu' | 'dma' | 'port';
  records_per_s: number;
  /** records_per_s x payload, 10^9 bit/s. */
  goodput_gbps: number;
}

/**
 * Saturation rate of one direction of record traffic: each record is one AEAD op with `aadBytes` of header and
 * one record-number mask, one DMA transfer of the datagram, one datagram on the port; accelerated records cost the
 * host `cycles_per_record + invocationsPerRecord x invocation_cycles` (default 1: seal + mask in one descriptor,
 * as Platform.serveGroup does). `datagramBytes` defaults to payload + 16-byte tag + 1 content-type byte + aadBytes.
 */
export function recordCapacity(
  m: HwModel,
  o: { alg: string; payloadBytes: number; aadBytes?: number; datagramBytes?: number; invocationsPerRecord?: number },
): RecordCapacity {
  const aad = o.aadBytes ?? m.aead?.aad_bytes ?? 5;
  const inner = o.payloadBytes + 1; // DTLSInnerPlaintext content type
  const dgram = o.datagramBytes ?? inner + 16 + aad;
  const cpuHz = m.cpu.clock_ghz * HZ_PER_GHZ;
  const seal = { op: 'aead-seal' as const, alg: o.alg, inputBytes: inner, outputBytes: inner + 16, aadBytes: aad };
  const mask = { op: 'sn-mask' as const, alg: o.alg.toUpperCase().includes('CHACHA') ? 'CHACHA20' : o.alg.includes('256') ? 'AES-256-ECB' : 'AES-128-ECB', inputBytes: 16, outputBytes: 16, blocks: 1 };
  let aeadRate: number;
  let cpuCycles: number;
  if (m.aead && m.aead.instances > 0) {
    const a = m.aead;
    const maskCycles = a.mask_setup_cycles + (mask.alg === 'CHACHA20' ? a.cycles_per_block.chacha20 : mask.alg === 'AES-256-ECB' ? a.cycles_per_block.aes_256_gcm : a.cycles_per_block.aes_128_gcm);
    const cycles = Math.ceil(aeadCycles(a, classifyAead(o.alg), inner, aad)) + Math.ceil(maskCycles);
    aeadRate = (a.instances * a.clock_mhz * HZ_PER_MHZ) / cycles;
    cpuCycles = m.cpu.cycles_per_record + (o.invocationsPerRecord ?? 1) * m.cpu.invocation_cycles;
  } else {
    aeadRate = Infinity;
    cpuCycles = m.cpu.cycles_per_record + softwareCycles(m.cpu, seal, aad) + softwareCycles(m.cpu, mask, aad);
  }
  const cpuRate = (m.cpu.cores * cpuHz) / cpuCycles;
  if (aeadRate === Infinity) aeadRate = cpuRate;
  const dmaRate = (dmaThroughputGbps(m.dma, dgram) * BIT_S_PER_GBIT_S) / (dgram * 8);
  const portRate = (m.port.line_rate_gbps * BIT_S_PER_GBIT_S) / (wireBytes(m.port, dgram) * 8);
  const rates = { aead: aeadRate, cpu: cpuRate, dma: dmaRate, port: portRate } as const;
  // cpu first so that software-only (aead rate = cpu rate) names the cores
  let bottleneck: RecordCapacity['bottleneck'] = 'cpu';
  for (const k of ['aead', 'dma', 'port'] as const) if (rates[k] < rates[bottleneck]) bottleneck = k;
  const r = rates[bottleneck];
  return {
    aead_records_per_s: aeadRate,
    cpu_records_per_s: cpuRate,
    dma_records_per_s: dmaRate,
    port_records_per_s: portRate,
    bottleneck,
    records_per_s: r,
    goodput_gbps: (r * o.payloadBytes * 8) / BIT_S_PER_GBIT_S,
  };
}

/** Asymmetric operations/s: all PKE engines (latency-bound; ML-KEM: the lattice units if separate), or all host
 *  cores in software. */
export function pkeOpsPerS(m: HwModel, op: PkeOp): number {
  if (m.pke && m.pke.instances > 0) {
    if (!isKemOp(op)) return (m.pke.instances * US_PER_S) / m.pke.latency_us[op];
    const n = m.pke.kem.unit === 'separate' ? m.pke.kem.instances : m.pke.instances;
    return (n * US_PER_S) / m.pke.kem.latency_us[op];
  }
  const cycles = isKemOp(op) ? m.cpu.software.kem_cycles[op] : m.cpu.software.pke_cycles[op];
  return (m.cpu.cores * m.cpu.clock_ghz * HZ_PER_GHZ) / cycles;
}
