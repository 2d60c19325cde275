// Session tickets (RFC 8446 4.6.1, 2.2): the server keeps no session state. A ticket is the resumption state sealed
// under a server ticket key (AES-256-GCM); the keys rotate (`TicketKeys.rotate`): new tickets use the newest key,
// tickets under the previous keys stay readable until those keys are dropped. The client keeps tickets per server
// identity in a `TicketStore` supplied in its configuration (`MemoryTicketStore` here; single use, RFC 8446 C.4).
//
// Ticket bytes: key_id(4) || nonce(12) || AES-256-GCM(key, nonce, aad = key_id, state), with
// key_id = the first 4 bytes of SHA-256(key) and state = version(1) = 1, cipher_suite(2), issued_at_ms(8),
// lifetime_s(4), age_add(4), max_early_data(4), psk<1..255>; version 2 (a session whose client authenticated with a
// certificate, RFC 8446 4.6.1: the resumed session keeps that identity) appends client_certificate<1..2^24-1>, the
// client's leaf certificate (as OpenSSL's sessions keep the peer's leaf, not its chain). The nonce comes from the
// injected RandomSource.
import type { CryptoProvider, RandomSource } from '../crypto/provider.ts';
import type { CipherSuiteName } from '../crypto/suites.ts';
import { Reader, Writer, bytesEqual } from '../handshake/bytes.ts';

export interface TicketState {
  suiteCode: number;
  /** Server time (ms) when the ticket was issued. */
  issuedAtMs: number;
  lifetimeS: number;
  ageAdd: number;
  maxEarlyData: number;
  psk: Uint8Array;
  /** The client's leaf certificate (DER) when it authenticated with one in the session the ticket resumes. */
  clientCertificate?: Uint8Array | undefined;
}

const KEY_LEN = 32;
const NONCE_LEN = 12;
const ID_LEN = 4;
const TAG_LEN = 16;

interface TicketKey {
  id: Uint8Array;
  key: Uint8Array;
}

/** The server's ticket keys, newest first. Share one instance between a server and its restarted successor to
 *  keep tickets valid across the restart. */
export class TicketKeys {
  private readonly crypto: CryptoProvider;
  private readonly rng: RandomSource;
  private keys: TicketKey[] = [];
  /** How many keys stay readable (the newest plus `keep - 1` older ones). */
  readonly keep: number;

  constructor(crypto: CryptoProvider, keys: Uint8Array[], opts: { keep?: number; rng?: RandomSource } = {}) {
    this.crypto = crypto;
    this.rng = opts.rng ?? crypto.rng;
    this.keep = opts.keep ?? 2;
    if (!keys.length) throw new TypeError('TicketKeys needs at least one key');
    for (const k of keys.slice().reverse()) this.rotate(k);
  }

  /** Makes `key` (32 bytes) the sealing key; keys beyond `keep` are forgotten. */
  rotate(key: Uint8Array): void {
    if (key.length !== KEY_LEN) throw new RangeError(`ticket key must be ${KEY_LEN} bytes`);
    const id = this.crypto.hash('SHA-256', key).slice(0, ID_LEN);
    this.keys.unshift({ id, key: key.slice() });
    if (this.keys.length > this.keep) this.keys.length = this.keep;
  }

  seal(s: TicketState): Uint8Array {
    const k = this.keys[0]!;
    const w = new Writer(64);
    const cc = s.clientCertificate;
    w.u8(cc ? 2 : 1).u16(s.suiteCode).u64(s.issuedAtMs).u32(s.lifetimeS).u32(s.ageAdd >>> 0).u32(s.maxEarlyData).vec(1, s.psk);
    if (cc) w.vec(3, cc);
    const plain = w.finish();
    const nonce = new Uint8Array(NONCE_LEN);
    this.rng.fill(nonce);
    const ct = this.crypto.aead('AES-256-GCM', k.key).seal(nonce, k.id, plain);
    const out = new Uint8Array(ID_LEN + NONCE_LEN + ct.length);
    out.set(k.id, 0);
    out.set(nonce, ID_LEN);
    out.set(ct, ID_LEN + NONCE_LEN);
    return out;
  }

  /** The state sealed in `ticket`, or undefined (unknown key, forged, malformed). Never throws. */
  open(ticket: Uint8Array): TicketState | undefined {
    if (ticket.length < ID_LEN + NONCE_LEN + TAG_LEN + 24) return undefined;
    const id = ticket.subarray(0, ID_LEN);
    const k = this.keys.find((x) => bytesEqual(x.id, id));
    if (!k) return undefined;
    const plain = this.crypto.aead('AES-256-GCM', k.key).open(ticket.subarray(ID_LEN, ID_LEN + NONCE_LEN), id,
      ticket.subarray(ID_LEN + NONCE_LEN));
    if (!plain) return undefined;
    try {
      const r = new Reader(plain);
      const version = r.u8();
      if (version !== 1 && version !== 2) return undefined;
      const suiteCode = r.u16();
      const issuedAtMs = r.u32() * 0x100000000 + r.u32();
      const s: TicketState = { suiteCode, issuedAtMs, lifetimeS: r.u32(), ageAdd: r.u32(), maxEarlyData: r.u32(), psk: r.vec(1, 1, 255).slice() };
      if (version === 2) s.clientCertificate = r.vec(3, 1).slice();
      r.done('ticket');
      return s;
    } catch {
      return undefined;
    }
  }
}

/** What a client keeps from a NewSessionTicket. */
export interface StoredTicket {
  ticket: Uint8Array;
  psk: Uint8Array;
  suite: CipherSuiteName;
  /** Client time (ms) when the ticket arrived. */
  receivedAtMs: number;
  lifetimeS: number;
  ageAdd: number;
  maxEarlyData: number;
}

/** Client-side ticket storage keyed by server identity (server name or a configured id). */
export interface TicketStore {
  put(serverId: string, t: StoredTicket): void;
  /** Removes and returns a usable ticket for `serverId` (the newest unexpired one), if any. */
  take(serverId: string, nowMs: number): StoredTicket | undefined;
}

/** In-memory TicketStore: up to `perServer` tickets per server (oldest dropped), each handed out once. */
export class MemoryTicketStore implements TicketStore {
  private readonly byServer = new Map<string, StoredTicket[]>();
  constructor(private readonly perServer = 4) {}
  put(serverId: string, t: StoredTicket): void {
    let l = this.byServer.get(serverId);
    if (!l) this.byServer.set(serverId, (l = []));
    l.push(t);
    if (l.length > this.perServer) l.shift();
  }
  take(serverId: string, nowMs: number): StoredTicket | undefined {
    const l = this.byServer.get(serverId);
    while (l && l.length) {
      const t = l.pop()!;
      if (nowMs - t.receivedAtMs < t.lifetimeS * 1000) return t;
    }
    return undefined;
  }
  size(serverId: string): number {
    return this.byServer.get(serverId)?.length ?? 0;
  }
}
