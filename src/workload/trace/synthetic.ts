// A synthetic operation trace shaped like a DTLS 1.3 server's work (seeded, deterministic), for cross-checks and
// benchmarks before a captured trace exists: Poisson arrivals of
//   - received records (port_rx, DMA, context access, record processing, AEAD open + record-number mask) that
//     answer with an echoed record (a 'send' child: record processing, seal + mask) and its datagram (a 'tx'
//     grandchild: DMA from the engine, port_tx);
//   - handshakes (ClientHello processing with key exchange, signature and key schedule, a server flight of 3
//     datagrams as tx children).
// Sizes and mixes are illustrative, not measured: use a captured trace for numbers about a real scenario.
import { Rng } from '../../sim/index.ts';
import { OP_TRACE_FORMAT, OP_TRACE_VERSION, type OpTrace, type TraceJob, type TraceOp } from './format.ts';

export interface SyntheticOptions {
  jobs: number;
  /** Mean arrivals per second of root jobs. */
  ratePerS: number;
  /** Fraction of roots that are handshakes (the rest are records). */
  handshakeFraction?: number;
  connections?: number;
  seed?: number;
  /** Handshakes sign with an RSA key of this modulus length (rsa_pss_rsae_sha256; default: ECDSA P-256). */
  rsaBits?: number;
}

const MASK: TraceOp = { block: 'aead', op: 'sn-mask', alg: 'AES-128-ECB', bytes: 16, out: 16 };

export function syntheticTrace(o: SyntheticOptions): OpTrace {
  const rng = new Rng(o.seed ?? 1).stream('synthetic-trace');
  const hsFrac = o.handshakeFraction ?? 0.05;
  const conns = o.connections ?? 1000;
  const jobs: TraceJob[] = [];
  let t = 0;
  let id = 0;
  let rec = 0;
  const tx = (parent: number, bytes: number, arrival: number, record?: number): TraceJob => {
    const j: TraceJob = { id: id++, kind: 'tx', arrival, parent, ops: [{ block: 'dma_from_engine', op: 'transfer', bytes }, { block: 'port_tx', op: 'datagram', bytes }] };
    if (record !== undefined) j.record = record;
    return j;
  };
  while (jobs.length < o.jobs) {
    t += Math.max(1, Math.round(rng.exponential(o.ratePerS) * 1e12));
    const conn = rng.int(conns);
    if (rng.next() < hsFrac) {
      const root: TraceJob = {
        id: id++, kind: 'rx', arrival: t, peer: `client-${conn}`, phase: 'handshake',
        ops: [
          { block: 'port_rx', op: 'datagram', bytes: 250 },
          { block: 'dma_to_engine', op: 'transfer', bytes: 250 },
          { block: 'cpu', op: 'handshake-message' },
          { block: 'cpu', op: 'handshake-record' },
          { block: 'hash', op: 'hash', alg: 'SHA-256', bytes: 200, out: 32, blocks: 3 },
          { block: 'pke', op: 'kx-keygen', alg: 'X25519', bytes: 0, out: 32 },
          { block: 'pke', op: 'kx-derive', alg: 'X25519', bytes: 32, out: 32 },
          { block: 'hash', op: 'hkdf-extract', alg: 'HKDF-SHA-256', bytes: 32, out: 32, blocks: 4 },
          { block: 'hash', op: 'hkdf-expand', alg: 'HKDF-SHA-256', bytes: 40, out: 32, blocks: 4 },
          { block: 'hash', op: 'hash', alg: 'SHA-256', bytes: 10, out: 32, blocks: 0 },
          o.rsaBits === undefined
            ? { block: 'pke', op: 'sign', alg: 'ecdsa_secp256r1_sha256', bytes: 130, out: 72 }
            : { block: 'pke', op: 'sign', alg: 'rsa_pss_rsae_sha256', bytes: 130, out: Math.ceil(o.rsaBits / 8), key_bits: o.rsaBits },
          { block: 'aead', op: 'aead-seal', alg: 'AES-128-GCM', bytes: 900, out: 916, aad: 5 },
          MASK,
        ],
      };
      jobs.push(root);
      for (const b of [150, 950, 300]) jobs.push(tx(root.id, b, t));
    } else {
      const size = 64 + rng.int(1200);
      const r = rec++;
      const root: TraceJob = {
        id: id++, kind: 'rx', arrival: t, peer: `client-${conn}`, phase: 'data', record: r,
        ops: [
          { block: 'port_rx', op: 'datagram', bytes: size + 22 },
          { block: 'dma_to_engine', op: 'transfer', bytes: size + 22 },
          { block: 'ctx_cache', op: 'access', conn },
          { block: 'cpu', op: 'record' },
          MASK,
          { block: 'aead', op: 'aead-open', alg: 'AES-128-GCM', bytes: size + 17, out: size + 1, aad: 5 },
        ],
      };
      const send: TraceJob = {
        id: id++, kind: 'send', arrival: t, parent: root.id, peer: root.peer!, phase: 'data', record: r,
        ops: [
          { block: 'cpu', op: 'record' },
          { block: 'aead', op: 'aead-seal', alg: 'AES-128-GCM', bytes: size + 1, out: size + 17, aad: 5 },
          MASK,
        ],
      };
      // now and then the peer closes: its context leaves the cache when the job releases
      if (rng.next() < 0.02) root.ops.push({ block: 'ctx_cache', op: 'remove', conn });
      jobs.push(root, send, tx(send.id, size + 22, t, r));
    }
  }
  return {
    header: { type: 'header', format: OP_TRACE_FORMAT, version: OP_TRACE_VERSION, model: 'synthetic', params_digest: 'none', time_unit: 'ps', source: { synthetic: { ...o } } },
    jobs,
  };
}
