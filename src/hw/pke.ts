// Public-key engine: X25519 / P-256 key generation and shared-secret derivation, Ed25519 / ECDSA-P256 signatures,
// ML-KEM-768 keygen / encapsulation / decapsulation (pke.kem: on these engines, or on a separate lattice unit, an
// instance of this same class named 'lattice' that the platform builds when pke.kem.unit is 'separate').
// Timing: a fixed latency per operation (pke.latency_us, pke.kem.latency_us); energy per operation =
// cost.active_mw x latency.
// RSA-PSS (rsa_pss_rsae_*) sign and verify by modulus length (2048, 3072, 4096 bits: the op's keyBits).
// Timing: a fixed latency per operation (pke.latency_us); energy per operation = cost.active_mw x latency.
import type { Kernel, Ps } from '../sim/index.ts';
import type { Discipline } from '../sim/index.ts';
import { BlockBase, usToPs } from './block.ts';
import type { KemOp, PkeOp, PkeParams } from './params.ts';
import type { Done, HwCryptoOp } from './types.ts';

const cache = new Map<string, PkeOp>();

/**
 * Which asymmetric operation a crypto op is: kx-keygen/kx-derive with 'X25519' | 'P-256' (also 'secp256r1'),
 * sign/verify with 'ed25519' | 'ecdsa_secp256r1_sha256', kem-keygen/kem-encaps/kem-decaps with 'ML-KEM-768'.
 * Returns undefined for anything else.
 */
export function classifyPke(op: HwCryptoOp): PkeOp | undefined {
  if (op.keyBits !== undefined && (op.op === 'sign' || op.op === 'verify')) return rsaOp(op.op, op.keyBits);
  const key = op.op + '|' + op.alg;
  let c = cache.get(key);
  if (c === undefined) {
    const a = op.alg.toLowerCase();
    const x = a.includes('25519') && !a.includes('ed25519');
    const ed = a.includes('ed25519');
    const p256 = a.includes('256') && (a.includes('p-256') || a.includes('p256') || a.includes('secp256r1') || a.includes('prime256'));
    const mlkem768 = a.replace(/[^a-z0-9]/g, '') === 'mlkem768';
    switch (op.op) {
      case 'kem-keygen':
        c = mlkem768 ? 'mlkem768_keygen' : undefined;
        break;
      case 'kem-encaps':
        c = mlkem768 ? 'mlkem768_encaps' : undefined;
        break;
      case 'kem-decaps':
        c = mlkem768 ? 'mlkem768_decaps' : undefined;
        break;
      case 'kx-keygen':
        c = x ? 'x25519_keygen' : p256 ? 'p256_keygen' : undefined;
        break;
      case 'kx-derive':
        c = x ? 'x25519_derive' : p256 ? 'p256_derive' : undefined;
        break;
      case 'sign':
        c = ed ? 'ed25519_sign' : p256 || a.includes('ecdsa') ? 'ecdsa_p256_sign' : undefined;
        break;
      case 'verify':
        c = ed ? 'ed25519_verify' : p256 || a.includes('ecdsa') ? 'ecdsa_p256_verify' : undefined;
        break;
      default:
        c = undefined;
    }
    if (c === undefined) return undefined;
    cache.set(key, c);
  }
  return c;
}

export function isKemOp(which: PkeOp): which is KemOp {
  return which === 'mlkem768_keygen' || which === 'mlkem768_encaps' || which === 'mlkem768_decaps';
}

/** An RSA operation by modulus length: the smallest modelled size that holds it (2048, 3072, 4096 bits); larger
 *  moduli are not modelled (undefined). */
function rsaOp(op: 'sign' | 'verify', bits: number): PkeOp | undefined {
  const size = bits <= 2048 ? 2048 : bits <= 3072 ? 3072 : bits <= 4096 ? 4096 : 0;
  if (size === 0) return undefined;
  return `rsa${size}_${op}` as PkeOp;
}

export class PkEngine extends BlockBase {
  readonly params: PkeParams;
  private readonly latPs: Record<PkeOp, Ps>;

  /** `instances` overrides p.instances (the lattice unit: p.kem.instances). */
  constructor(k: Kernel, p: PkeParams, name = 'pke', discipline: Discipline = 'fifo', instances = p.instances) {
    super(k, { name, kind: name === 'pke' ? 'pke' : name, instances, clockHz: 0, areaMm2: p.cost.area_mm2, staticMw: p.cost.static_mw, resource: { discipline } });
    this.params = p;
    const l = p.latency_us;
    this.latPs = {
      x25519_keygen: usToPs(l.x25519_keygen),
      x25519_derive: usToPs(l.x25519_derive),
      p256_keygen: usToPs(l.p256_keygen),
      p256_derive: usToPs(l.p256_derive),
      ed25519_sign: usToPs(l.ed25519_sign),
      ed25519_verify: usToPs(l.ed25519_verify),
      ecdsa_p256_sign: usToPs(l.ecdsa_p256_sign),
      ecdsa_p256_verify: usToPs(l.ecdsa_p256_verify),
      mlkem768_keygen: usToPs(p.kem.latency_us.mlkem768_keygen),
      mlkem768_encaps: usToPs(p.kem.latency_us.mlkem768_encaps),
      mlkem768_decaps: usToPs(p.kem.latency_us.mlkem768_decaps),
      rsa2048_sign: usToPs(l.rsa2048_sign),
      rsa2048_verify: usToPs(l.rsa2048_verify),
      rsa3072_sign: usToPs(l.rsa3072_sign),
      rsa3072_verify: usToPs(l.rsa3072_verify),
      rsa4096_sign: usToPs(l.rsa4096_sign),
      rsa4096_verify: usToPs(l.rsa4096_verify),
    };
  }

  /** Latency of an asymmetric operation, ps. */
  latencyPs(which: PkeOp): Ps {
    return this.latPs[which];
  }

  /** Serves an op that classifyPke recognises; throws RangeError for anything else. */
  serve(op: HwCryptoOp, done: Done | null, priority = 0): boolean {
    const which = classifyPke(op);
    if (which === undefined) throw new RangeError(`pke: unsupported operation ${op.op} ${op.alg}`);
    this.count(which);
    const ps = this.latPs[which];
    // mW x ps = 1e-3 J/s x 1e-12 s = 1e-15 J = 1e-3 pJ
    this.energyPj += this.params.cost.active_mw * ps * 1e-3;
    return this.resource.use(ps, done, priority);
  }
}
