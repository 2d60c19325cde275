// HKDF/SHA unit: hash, HMAC, HKDF-Extract/Expand and transcript-hash updates.
//
// Timing (cycles of the unit's clock): op_overhead_cycles + blocks x cycles_per_compression[sha256|sha384],
// where blocks = the compression-function calls the DTLS core actually performed (CryptoOp.blocks). A transcript
// update that completes no block (blocks = 0) is buffered by the host and costs nothing here. When `blocks` is
// missing it is estimated from the lengths with FIPS 180-4 padding (see estimateHashBlocks).
import { Clock, type Kernel, type Ps } from '../sim/index.ts';
import type { Discipline } from '../sim/index.ts';
import { BlockBase, hz } from './block.ts';
import { clockScaling } from './clock-cost.ts';
import type { HashParams } from './params.ts';
import type { Done, HwCryptoOp } from './types.ts';

export type HashAlgClass = 'sha256' | 'sha384';

const cache = new Map<string, HashAlgClass>();
/** 'SHA-256', 'HMAC-SHA-256', 'HKDF-SHA-256' -> 'sha256'; anything naming 384 -> 'sha384'. */
export function classifyHash(alg: string): HashAlgClass {
  let c = cache.get(alg);
  if (c === undefined) {
    c = alg.includes('384') ? 'sha384' : 'sha256';
    cache.set(alg, c);
  }
  return c;
}

const BLOCK = { sha256: 64, sha384: 128 } as const;
const PAD = { sha256: 9, sha384: 17 } as const;
const OUT = { sha256: 32, sha384: 48 } as const;

function oneShot(a: HashAlgClass, len: number): number {
  return Math.ceil((len + PAD[a]) / BLOCK[a]);
}
function hmac(a: HashAlgClass, msgLen: number): number {
  return oneShot(a, BLOCK[a] + msgLen) + oneShot(a, BLOCK[a] + OUT[a]);
}

/** Compression calls of an operation: `op.blocks` if given, else estimated (keys assumed <= one block). */
export function estimateHashBlocks(op: HwCryptoOp): number {
  if (op.blocks !== undefined) return op.blocks;
  const a = classifyHash(op.alg);
  switch (op.op) {
    case 'hash':
      return oneShot(a, op.inputBytes);
    case 'hmac':
    case 'hkdf-extract':
      return hmac(a, op.inputBytes);
    case 'hkdf-expand': {
      const n = Math.ceil(op.outputBytes / OUT[a]);
      let t = 0;
      for (let i = 1; i <= n; i++) t += hmac(a, (i > 1 ? OUT[a] : 0) + op.inputBytes + 1);
      return t;
    }
    default:
      return 0;
  }
}

/** Cycles of one hash-family operation on the unit. */
export function hashCycles(p: HashParams, alg: HashAlgClass, blocks: number): number {
  if (blocks === 0) return 0;
  return p.op_overhead_cycles + blocks * p.cycles_per_compression[alg];
}

export function hashOpCycles(p: HashParams, op: HwCryptoOp): number {
  return Math.ceil(hashCycles(p, classifyHash(op.alg), estimateHashBlocks(op)));
}

export class HashUnit extends BlockBase {
  readonly params: HashParams;
  readonly clock: Clock;
  /** Dynamic energy per busy cycle at this clock (src/hw/clock-cost.ts), pJ. */
  private readonly energyPerCyclePj: number;
  private compressions = 0;

  constructor(k: Kernel, p: HashParams, name = 'hash', discipline: Discipline = 'fifo') {
    const scale = clockScaling(p.clock_mhz, p.cost);
    super(k, { name, kind: 'hash', instances: p.instances, clockHz: hz(p.clock_mhz), areaMm2: p.cost.area_mm2 * scale.area, staticMw: p.cost.static_mw * scale.static, resource: { discipline } });
    this.params = p;
    this.energyPerCyclePj = p.cost.energy_pj_per_cycle * scale.energy;
    this.clock = new Clock(this.clockHz);
  }

  latencyPs(op: HwCryptoOp): Ps {
    return this.clock.cyclesToPs(hashOpCycles(this.params, op));
  }

  serve(op: HwCryptoOp, done: Done | null, priority = 0): boolean {
    const blocks = estimateHashBlocks(op);
    const cycles = Math.ceil(hashCycles(this.params, classifyHash(op.alg), blocks));
    this.count(op.op);
    this.compressions += blocks;
    this.bytes += op.inputBytes;
    this.energyPj += cycles * this.energyPerCyclePj;
    return this.resource.use(this.clock.cyclesToPs(cycles), done, priority);
  }

  override resetStats(): void {
    super.resetStats();
    this.compressions = 0;
  }

  protected override counters(): Record<string, number> {
    return { compressions: this.compressions };
  }
}
