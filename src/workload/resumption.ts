// Session resumption in the co-simulation (scenario `clients.resumption`, docs/scenarios.md): which clients resume,
// the server's ticket and 0-RTT configuration, the clients' ticket store, and the handshakes counted by kind.
// Absent `clients.resumption`: no client resumes, the server issues no tickets (outputs as before).
import { Histogram, PS_PER_MS, type Ps, type Rng, type RngStream } from '../sim/index.ts';
import {
  AntiReplay, TicketKeys, type CryptoProvider, type ServerPskConfig, type StoredTicket, type TicketStore,
} from '../dtls/index.ts';
import type { ResumptionConfig } from './config/index.ts';

/** Anti-replay window of the simulated server, ms (RFC 8446 8.3 suggests on the order of 10 s; the core's default). */
const REPLAY_WINDOW_MS = 10_000;

/** Whether client `i` resumes: one draw from its stream `resume/<i>` below `fraction` (nested sets as the fraction
 *  grows). */
export function resumes(r: ResumptionConfig | undefined, i: number, root: Rng): boolean {
  if (!r || r.fraction <= 0) return false;
  return root.derive(`resume/${i}`).next() < r.fraction;
}

/** The server's PSK configuration when clients resume: one ticket key drawn from `rng` (the run's stream
 *  `tickets`), one ticket per handshake, 0-RTT (one record, 2^14 bytes) with anti-replay when early data is used.
 *  The server is taken to have been recording ClientHellos for a full window before t = 0 (startMs = -window):
 *  otherwise the restart rule (RFC 8446 8.2, docs/protocol.md) rejects every 0-RTT of the run's first 10 s. */
export function serverPsk(r: ResumptionConfig | undefined, crypto: CryptoProvider, rng: RngStream): ServerPskConfig | undefined {
  if (!r || r.fraction <= 0) return undefined;
  const key = new Uint8Array(32);
  rng.fill(key);
  const early = r.early_data_records > 0;
  return {
    tickets: { keys: new TicketKeys(crypto, [key], { rng }), ...(early ? { maxEarlyData: 16384 } : {}) },
    ...(early ? { antiReplay: new AntiReplay({ windowMs: REPLAY_WINDOW_MS, startMs: -REPLAY_WINDOW_MS }) } : {}),
  };
}

/**
 * The clients' ticket store: one store serves every simulated client (their configurations are shared), switched to
 * the client at work (`current`) as the provider's random source is. Each client keeps its newest ticket only.
 */
export class ClientTickets implements TicketStore {
  current = -1;
  private readonly byClient = new Map<number, StoredTicket>();
  put(_serverId: string, t: StoredTicket): void {
    this.byClient.set(this.current, t);
  }
  take(_serverId: string, nowMs: number): StoredTicket | undefined {
    const t = this.byClient.get(this.current);
    if (t === undefined) return undefined;
    this.byClient.delete(this.current);
    return nowMs - t.receivedAtMs < t.lifetimeS * 1000 ? t : undefined;
  }
  /** The client holds a ticket (its next session will offer it). */
  has(i: number): boolean {
    return this.byClient.has(i);
  }
}

/** Handshake kinds of the summary: full (certificate), resumed (ticket), resumed with 0-RTT accepted, external PSK,
 *  mutual (client certificate). */
export const HANDSHAKE_KINDS = ['full', 'resumed', 'resumed_0rtt', 'external_psk', 'mutual'] as const;
export type HandshakeKind = (typeof HANDSHAKE_KINDS)[number];

/** The kind of a completed client handshake, from its `connected` event. */
export function kindOf(e: { psk?: 'external' | 'resumption'; earlyData?: 'accepted' | 'rejected' }, mutual = false): HandshakeKind {
  if (e.psk === 'external') return 'external_psk';
  if (e.psk === 'resumption') return e.earlyData === 'accepted' ? 'resumed_0rtt' : 'resumed';
  return mutual ? 'mutual' : 'full';
}

/** Completed handshakes (after warm-up) and their latencies, by kind. */
export class HandshakeKinds {
  readonly latency = new Map<HandshakeKind, Histogram>();
  /** Client-side public-key operations (key shares, shared secrets, signatures, verifications), summed by kind. */
  readonly clientPke = new Map<HandshakeKind, number>();
  /** External-PSK handshakes by psk_key_exchange_mode: [psk_ke, psk_dhe_ke]. */
  readonly pskModes = [0, 0];
  /** `group`: the connected event's ('none' for psk_ke). */
  done(kind: HandshakeKind, latencyPs: Ps, clientPkeOps = 0, group?: string): void {
    let h = this.latency.get(kind);
    if (!h) this.latency.set(kind, (h = new Histogram()));
    h.add(latencyPs);
    this.clientPke.set(kind, (this.clientPke.get(kind) ?? 0) + clientPkeOps);
    if (kind === 'external_psk') this.pskModes[group === 'none' ? 0 : 1]!++;
  }
  count(kind: HandshakeKind): number {
    return this.latency.get(kind)?.count ?? 0;
  }
}

/** Echo sizes of 0-RTT records received before their connection's handshake completed, by client address: the
 *  server can send application data only once connected (src/dtls/endpoint/connection.ts send). */
export class HeldEchoes {
  private readonly byAddr = new Map<string, number[]>();
  hold(address: string, bytes: number): void {
    const l = this.byAddr.get(address);
    if (l) l.push(bytes);
    else this.byAddr.set(address, [bytes]);
  }
  take(address: string): number[] | undefined {
    const l = this.byAddr.get(address);
    if (l !== undefined) this.byAddr.delete(address);
    return l;
  }
}

/** One handshake kind in summary.json (`handshake_kinds`): completed handshakes after warm-up and their latency. */
export interface HandshakeKindSummary {
  count: number;
  /** Client-side public-key operations per handshake of this kind (mean). */
  client_pke_ops_per_handshake: number;
  latency_ms: { mean: number; p50: number; p90: number; p99: number; max: number };
  /** Handshakes of this kind the server completed (after warm-up; as the server saw them, server-kinds.ts). */
  server_handshakes?: number;
  /** The server's public-key operations per handshake of this kind, by class (NaN if none completed). */
  server_pke_ops_per_handshake?: { sign: number; verify: number; keygen: number; derive: number; total: number };
  /** external_psk only, when some completed: how many in each psk_key_exchange_mode (RFC 8446 4.2.9). */
  modes?: { psk_ke: number; psk_dhe_ke: number };
}

/** `handshake_kinds` of summary.json: every kind, in HANDSHAKE_KINDS order (NaN latencies for a kind never seen). */
export function kindsSummary(
  k: HandshakeKinds, server?: Record<HandshakeKind, { handshakes: number; sign: number; verify: number; keygen: number; derive: number; total: number }>,
): Record<HandshakeKind, HandshakeKindSummary> {
  const out = {} as Record<HandshakeKind, HandshakeKindSummary>;
  for (const kind of HANDSHAKE_KINDS) {
    const h = k.latency.get(kind);
    out[kind] = h && h.count > 0
      ? {
        count: h.count,
        client_pke_ops_per_handshake: (k.clientPke.get(kind) ?? 0) / h.count,
        latency_ms: { mean: h.mean / PS_PER_MS, p50: h.quantile(0.5) / PS_PER_MS, p90: h.quantile(0.9) / PS_PER_MS, p99: h.quantile(0.99) / PS_PER_MS, max: h.max / PS_PER_MS },
      }
      : { count: 0, client_pke_ops_per_handshake: NaN, latency_ms: { mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN } };
    if (kind === 'external_psk' && h && h.count > 0) out[kind].modes = { psk_ke: k.pskModes[0]!, psk_dhe_ke: k.pskModes[1]! };
    const s = server?.[kind];
    if (s) {
      out[kind].server_handshakes = s.handshakes;
      out[kind].server_pke_ops_per_handshake = { sign: s.sign, verify: s.verify, keygen: s.keygen, derive: s.derive, total: s.total };
    }
  }
  return out;
}
