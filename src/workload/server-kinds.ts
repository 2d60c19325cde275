// Public-key operations of the server by handshake kind (summary `handshake_kinds.<kind>.server_pke_ops_per_handshake`):
// every public-key operation the server's DTLS core performs for a peer address is held until that address's
// handshake completes, then added to the kind of the completed handshake as the server saw it (its 'connected'
// event: PSK or not, 0-RTT accepted or not, client certificate or not). Operations of handshakes that never
// complete (failed, evicted, a flood's spoofed hellos) are dropped when the connection closes.
import type { CryptoOp } from '../dtls/index.ts';
import { HANDSHAKE_KINDS, type HandshakeKind } from './resumption.ts';

/** The server's public-key operation classes: signatures made, signatures verified (CertificateVerify and
 *  certificate chains), key-share / KEM key generation, shared-secret derivation / KEM encapsulation. */
export const PKE_CLASSES = ['sign', 'verify', 'keygen', 'derive'] as const;
export type PkeClass = (typeof PKE_CLASSES)[number];

/** The class of a crypto operation, or -1 when it is not a public-key operation. */
function classIndex(op: CryptoOp): number {
  switch (op.op as string) {
    case 'sign':
      return 0;
    case 'verify':
      return 1;
    case 'kx-keygen':
    case 'kem-keygen':
      return 2;
    case 'kx-derive':
    case 'kem-encaps':
    case 'kem-decaps':
      return 3;
    default:
      return -1;
  }
}

export interface ServerPkeSummary {
  /** Handshakes of this kind the server completed (after warm-up). */
  handshakes: number;
  sign: number;
  verify: number;
  keygen: number;
  derive: number;
  total: number;
}

export class ServerPkeByKind {
  private readonly pending = new Map<string, number[]>();
  private readonly sums = new Map<HandshakeKind, number[]>();

  /** The server performed `op` for the peer at `address`. */
  op(address: string, op: CryptoOp): void {
    const i = classIndex(op);
    if (i < 0) return;
    let p = this.pending.get(address);
    if (!p) this.pending.set(address, (p = [0, 0, 0, 0]));
    p[i]!++;
  }

  /** The server's side of `address`'s handshake completed as `kind`; `counted`: after warm-up. */
  connected(address: string, kind: HandshakeKind, counted: boolean): void {
    const p = this.pending.get(address);
    this.pending.delete(address);
    if (!counted) return;
    let s = this.sums.get(kind);
    if (!s) this.sums.set(kind, (s = [0, 0, 0, 0, 0]));
    s[0]!++;
    if (p) for (let i = 0; i < 4; i++) s[i + 1]! += p[i]!;
  }

  /** The connection of `address` closed. `completed`: its handshake completed in the DTLS core; the application
   *  may not have seen its 'connected' event yet (under contention a later, shorter job of the connection, its
   *  data and close_notify, can be released before the job that completed the handshake), so its operations stay
   *  pending for that event. The operations of a handshake that never completed are dropped. */
  closed(address: string, completed: boolean): void {
    if (!completed) this.pending.delete(address);
  }

  /** Per kind: operations per completed handshake of that kind (NaN for a kind never completed). */
  summary(): Record<HandshakeKind, ServerPkeSummary> {
    const out = {} as Record<HandshakeKind, ServerPkeSummary>;
    for (const kind of HANDSHAKE_KINDS) {
      const s = this.sums.get(kind);
      const n = s ? s[0]! : 0;
      const per = (i: number) => (n > 0 ? s![i]! / n : NaN);
      out[kind] = { handshakes: n, sign: per(1), verify: per(2), keygen: per(3), derive: per(4), total: n > 0 ? (s![1]! + s![2]! + s![3]! + s![4]!) / n : NaN };
    }
    return out;
  }
}
