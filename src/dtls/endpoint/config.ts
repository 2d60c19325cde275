// Endpoint configuration: algorithm preferences (a small "security policy"), timers, MTU, CID, credentials and the
// pluggable certificate verifier. Everything is injected: crypto provider, randomness, verifier.
import type { CryptoProvider, KxGroup, RandomSource, SignatureScheme, SigningKey, VerifyKey } from '../crypto/provider.ts';
import type { CipherSuiteName } from '../crypto/suites.ts';
import type { HelloReassemblyConfig } from './hello-fragments.ts';

/** Server credential: DER certificates leaf first, the leaf's private key in the provider's canonical form,
 *  and the signature scheme used in CertificateVerify (must match the key kind). */
export interface ServerCredential {
  chain: Uint8Array[];
  privateKey: SigningKey;
  scheme: SignatureScheme;
}

export type VerifyResult =
  | { ok: true; publicKey: VerifyKey }
  | { ok: false; alert: number; reason: string };

/** Pluggable certificate-chain verifier used by the client. `chain` is leaf first, as received. `nowMs` is the
 *  time the endpoint was given with the datagram (the verifier decides how that maps to wall-clock validity). */
export interface CertificateVerifier {
  verify(chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }): VerifyResult;
}

export interface CommonConfig {
  crypto: CryptoProvider;
  /** Randomness (ClientHello.random, CIDs, cookie secrets). Defaults to crypto.rng. */
  rng?: RandomSource;
  /** Preference order. Defaults: all four suites (AES-128-GCM first), [x25519, secp256r1],
   *  [ecdsa_secp256r1_sha256, ed25519]. */
  suites?: CipherSuiteName[];
  groups?: KxGroup[];
  signatureSchemes?: SignatureScheme[];
  /** Path MTU in bytes of UDP payload (default 1400). Handshake messages are fragmented to fit. */
  mtu?: number;
  /** Retransmission timer (RFC 9147 5.8.2; read by ./flights.ts and ./acks.ts). Initial value: default 1000 ms
   *  (5.8.2: "SHOULD use an initial timer value of 1000 ms"); doubled on every expiry up to the cap: default
   *  60000 ms (5.8.2: "up to no less than 60 seconds", RFC 6298); once a flight is acknowledged without a
   *  retransmission the timer becomes 1.5 x its round trip (5.8.2), but not below the floor: default 1 ms (a
   *  project choice: only keeps the timer positive on a zero-delay link). The partial-flight ACK waits 1/4 and
   *  empty ACKs are spaced by 1/2 of the current timer (RFC 9147 7.1). */
  initialRetransmitMs?: number;
  maxRetransmitMs?: number;
  minRetransmitMs?: number;
  /** Give up (alert-less 'closed' with reason 'timeout') after this many consecutive expiries of one flight, or of
   *  the partial-flight ACK timer (default 10: a project choice, RFC 9147 sets no count; with the defaults above
   *  the last retransmission of a flight goes out at 303 s and the connection closes at 363 s). */
  maxRetransmissions?: number;
  /** record_size_limit to advertise (RFC 8449), default none. */
  recordSizeLimit?: number;
  /** Start a KeyUpdate automatically after this many application records under one key (default: 90 % of the
   *  suite's confidentiality limit, RFC 9147 4.5.3 / RFC 8446 5.5). */
  keyUpdateAfterRecords?: number;
  /** Records failing authentication under one key before the connection closes (default: the suite's limit,
   *  2^36 or 2^23.5 for CCM; lower values are for tests). */
  aeadForgeryLimit?: number;
  /** Receives NSS key-log lines (CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0,
   *  EXPORTER_SECRET) for debugging captures. Off by default. */
  keylog?: (line: string) => void;
}

export interface ClientConfig extends CommonConfig {
  serverName?: string;
  /** Groups to send key shares for in the first ClientHello (default: the first of `groups`). A group listed in
   *  `groups` but without a share can be selected by the server through HelloRetryRequest. */
  keyShareGroups?: KxGroup[];
  /** Certificate verifier (required): e.g. `new cert.CertificateVerifier({ trustAnchors, provider, clock })`. */
  verifier: CertificateVerifier;
  /** Offer the connection_id extension (default true). `connectionId` is the CID this client wants to receive
   *  (default empty: the server's records to us carry no CID, but the server may give us one to use). */
  offerConnectionId?: boolean;
  connectionId?: Uint8Array;
}

export interface CookieConfig {
  /** Send a stateless HelloRetryRequest with a cookie before creating any per-connection state (default true). */
  enabled?: boolean;
  /** Cookie validity in ms (default 60000). */
  lifetimeMs?: number;
  /** Secret rotation period (default 30000 ms); the previous secret stays accepted. */
  rotateMs?: number;
}

export interface ServerConfig extends CommonConfig {
  credential: ServerCredential;
  cookie?: CookieConfig;
  /** Length of the CIDs the server issues (0 = do not negotiate a CID for our side; default 0). When > 0 the
   *  dispatcher routes datagrams by CID. */
  connectionIdLength?: number;
  /** Compatibility switch for wolfSSL resumption: echo a non-empty legacy_session_id (default false: RFC 9147
   *  5.3 says the server MUST NOT echo it). */
  echoLegacySessionId?: boolean;
  /** Cap on concurrent connections held by the dispatcher (default Infinity). */
  maxConnections?: number;
  /** Caps of the buffer that reassembles fragmented ClientHellos before any per-connection state exists
   *  (defaults in ./hello-fragments.ts). */
  helloReassembly?: HelloReassemblyConfig;
}

export interface ResolvedCommon {
  crypto: CryptoProvider;
  rng: RandomSource;
  suites: CipherSuiteName[];
  groups: KxGroup[];
  signatureSchemes: SignatureScheme[];
  mtu: number;
  initialRetransmitMs: number;
  maxRetransmitMs: number;
  minRetransmitMs: number;
  maxRetransmissions: number;
  recordSizeLimit: number | undefined;
  keylog: ((line: string) => void) | undefined;
  keyUpdateAfterRecords: number | undefined;
  aeadForgeryLimit: number | undefined;
}

export const DEFAULT_SUITES: CipherSuiteName[] = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256',
];
export const DEFAULT_GROUPS: KxGroup[] = ['x25519', 'secp256r1'];
export const DEFAULT_SCHEMES: SignatureScheme[] = ['ecdsa_secp256r1_sha256', 'ed25519'];

export function resolveCommon(c: CommonConfig): ResolvedCommon {
  const mtu = c.mtu ?? 1400;
  if (!(mtu >= 256 && mtu <= 65507)) throw new RangeError(`mtu ${mtu} outside [256, 65507]`);
  return {
    crypto: c.crypto,
    rng: c.rng ?? c.crypto.rng,
    suites: c.suites && c.suites.length ? c.suites.slice() : DEFAULT_SUITES.slice(),
    groups: c.groups && c.groups.length ? c.groups.slice() : DEFAULT_GROUPS.slice(),
    signatureSchemes: c.signatureSchemes && c.signatureSchemes.length ? c.signatureSchemes.slice() : DEFAULT_SCHEMES.slice(),
    mtu,
    initialRetransmitMs: c.initialRetransmitMs ?? 1000,
    maxRetransmitMs: c.maxRetransmitMs ?? 60000,
    minRetransmitMs: c.minRetransmitMs ?? 1,
    maxRetransmissions: c.maxRetransmissions ?? 10,
    recordSizeLimit: c.recordSizeLimit,
    keylog: c.keylog,
    keyUpdateAfterRecords: c.keyUpdateAfterRecords,
    aeadForgeryLimit: c.aeadForgeryLimit,
  };
}
