// Simulated clients: each is a real DTLS 1.3 ClientEndpoint with its own seeded random stream, its own simple
// per-operation costs (the clients are not the subject of the model: no contention between clients, one
// processing queue per client), and its own traffic schedule.
import { fromUs, type Ps } from '../sim/index.ts';
import type { CryptoOp } from '../dtls/index.ts';
import type { ClientCosts } from './config/index.ts';

/** Client processing time of one crypto operation, ps, from the scenario's `clients.costs`. */
export function clientOpPs(c: ClientCosts, op: CryptoOp): Ps {
  switch (op.op) {
    case 'aead-seal':
    case 'aead-open':
      return fromUs(c.aead_op_us + (c.aead_ns_per_byte * op.inputBytes) / 1000);
    case 'sn-mask':
      return fromUs(c.hash_block_ns / 1000);
    case 'hash':
    case 'hmac':
    case 'hkdf-extract':
    case 'hkdf-expand':
      return fromUs(((op.blocks ?? 0) * c.hash_block_ns) / 1000);
    case 'kx-keygen':
      return fromUs(c.kx_keygen_us);
    case 'kx-derive':
      return fromUs(c.kx_derive_us);
    case 'kem-keygen':
      return fromUs(c.kem_keygen_us);
    case 'kem-encaps': // the server's operation; a client never encapsulates (charged like a decapsulation)
    case 'kem-decaps':
      return fromUs(c.kem_decaps_us);
    case 'sign':
      return fromUs(c.sign_us);
    case 'verify':
      return fromUs(c.verify_us);
  }
}

const scratch = new Uint8Array(16384);

/**
 * Payload of one application record: a 4-byte record tag (index into the send-time table) then filler. The bytes
 * live in a shared scratch buffer: the DTLS core seals them synchronously in send() and keeps no reference, so the
 * record path allocates no payload.
 */
export function makePayload(tag: number, size: number): Uint8Array {
  const p = scratch.subarray(0, size < 4 ? 4 : size > 16384 ? 16384 : size);
  p[0] = tag >>> 24;
  p[1] = (tag >>> 16) & 0xff;
  p[2] = (tag >>> 8) & 0xff;
  p[3] = tag & 0xff;
  return p;
}

export function payloadTag(p: Uint8Array): number {
  return p.length < 4 ? -1 : ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

/** Send-time table for record latency: tag -> time the sender's application handed the record over. */
export class SendTimes {
  private t = new Float64Array(1024);
  private n = 0;
  add(time: Ps): number {
    if (this.n === this.t.length) {
      const g = new Float64Array(this.t.length * 2);
      g.set(this.t);
      this.t = g;
    }
    this.t[this.n] = time;
    return this.n++;
  }
  get(tag: number): Ps | undefined {
    return tag >= 0 && tag < this.n ? this.t[tag] : undefined;
  }
}
