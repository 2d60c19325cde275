// Endpoint configuration: algorithm preferences (a small "security policy"), timers, MTU, CID, credentials and the
// pluggable certificate verifier. Everything is injected: crypto provider, randomness, verifier.
import type { CryptoProvider, KxGroup, RandomSource, SignatureScheme, SigningKey, VerifyKey } from '../crypto/provider.ts';
import type { CipherSuiteName } from '../crypto/suites.ts';
import type { ExternalPsk, PskKeMode, ServerPskConfig } from './psk.ts';
import type { TicketStore } from './tickets.ts';
import type { HelloReassemblyConfig } from './hello-fragments.ts';
import type { KeylogLabel } from '../keylog.ts';
import { PackStore } from '../record/pack-store.ts';
import type { Connection } from './connection.ts';

/** Receives one secret of the NSS key log (label, the connection's ClientHello.random, the secret). */
export type SecretSink = (label: KeylogLabel, clientRandom: Uint8Array, secret: Uint8Array) => void;

/** Server credential: DER certificates leaf first, the leaf's private key in the provider's canonical form,
 *  and the signature scheme used in CertificateVerify (must match the key kind). */
export interface ServerCredential {
  chain: Uint8Array[];
  privateKey: SigningKey;
  scheme: SignatureScheme;
}
/** A client's credential for certificate authentication (same shape; an RSA key may also sign with the other
 *  rsa_pss_rsae_* scheme when the server's CertificateRequest lists only that one). */
export type ClientCredential = ServerCredential;

/** Client certificate authentication on the server (RFC 8446 4.3.2, 4.4.2.4): 'none' sends no
 *  CertificateRequest; 'request' asks and continues without authentication on an empty Certificate; 'require'
 *  answers an empty Certificate with a certificate_required alert. */
export type ClientAuthMode = 'none' | 'request' | 'require';

export type VerifyResult =
  | { ok: true; publicKey: VerifyKey }
  | { ok: false; alert: number; reason: string };

/** Pluggable certificate-chain verifier used by the client. `chain` is leaf first, as received. `nowMs` is the
 *  time the endpoint was given with the datagram (the verifier decides how that maps to wall-clock validity). */
export interface CertificateVerifier {
  verify(chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }): VerifyResult;
  /** Signature schemes this verifier checks in certificates (RFC 8446 4.2.3); absent = those of the project's
   *  verifier (cert.CERT_SCHEMES). The endpoint advertises them in signature_algorithms_cert when they differ from
   *  its signature_algorithms. */
  readonly certificateSchemes?: readonly SignatureScheme[];
}

export interface CommonConfig {
  crypto: CryptoProvider;
  /** Randomness (ClientHello.random, CIDs, cookie secrets). Defaults to crypto.rng. */
  rng?: RandomSource;
  /** Preference order. Defaults: all four suites (AES-128-GCM first), [x25519, secp256r1],
   *  [ecdsa_secp256r1_sha256, ed25519] on a client (DEFAULT_SCHEMES: the ClientHello's signature_algorithms, kept
   *  as they were so that shipped outputs stay byte-identical; a client opts in to RSA servers by listing
   *  rsa_pss_rsae_sha256/384), the same plus rsa_pss_rsae_sha256, rsa_pss_rsae_sha384 on a server
   *  (DEFAULT_SERVER_SCHEMES: which credentials it may use and what its CertificateRequest accepts). */
  suites?: CipherSuiteName[];
  groups?: KxGroup[];
  signatureSchemes?: SignatureScheme[];
  /** Path MTU in bytes of UDP payload (default 1400). Handshake messages are fragmented to fit. */
  mtu?: number;
  /** Retransmission timer (RFC 9147 5.8.2; read by ./flights.ts and ./acks.ts). Initial value: default 1000 ms
   *  (5.8.2: "SHOULD use an initial timer value of 1000 ms"); doubled on every expiry up to the cap: default
   *  60000 ms (5.8.2: "up to no less than 60 seconds", RFC 6298); once a flight is acknowledged without a
   *  retransmission the timer becomes 1.5 x its round trip (5.8.2), but not below the floor: default 10 ms. RFC
   *  9147 5.8.2 and draft-ietf-tls-rfc9147bis ("Timer Values", same text) set no floor, warn against timing out
   *  early, and the bis draft (7.1) calls handshake RTT estimates "very rough": one sample includes the peer's
   *  processing of the flight, which on loopback dwarfs the path (a 1 ms floor made our client resend ClientHello2
   *  while a wolfSSL server was still signing, and the server then resent its whole flight). 10 ms covers a
   *  software ECDSA/Ed25519 peer's flight processing (wolfSSL ~2 ms, node ~1 ms, noble ~10 ms here) and leaves
   *  1.5 x RTT in force on any path above 6.7 ms. Simulated scenarios keep their own floor (dtls.timers.rto_floor_ms,
   *  1 ms, docs/scenarios.md). The partial-flight ACK waits 1/4 and
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
  /** 'per-record': prepare the provider's AEAD key and record-number masker for every record instead of keeping
   *  them per epoch (RecordLayerOptions.recordKeys): less memory per connection for connections idle most of the
   *  time, the same bytes on the wire. Default 'kept'. */
  recordKeys?: 'kept' | 'per-record';
  /** Receives NSS key-log lines (CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0,
   *  EXPORTER_SECRET) for debugging captures. Off by default. */
  keylog?: (line: string) => void;
  /** Receives each key-log secret at the moment the key schedule derives it for the connection's own use
   *  (CLIENT_EARLY_TRAFFIC_SECRET when 0-RTT keys are installed, CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET,
   *  CLIENT/SERVER_TRAFFIC_SECRET_0) and derives nothing for it: no EXPORTER_SECRET (derived on first use only), so
   *  the crypto operations of a connection are the same with or without it. Off by default. */
  secrets?: SecretSink;
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
  /** Certificate and key sent when the server asks for client authentication (default none: the client answers
   *  a CertificateRequest with an empty Certificate). */
  credential?: ClientCredential;
  /** Session resumption (./psk.ts, ./tickets.ts): tickets from NewSessionTicket go to this store, keyed by
   *  `ticketServerId` (default: serverName, else 'default'), and the next connect() offers one. Off when absent. */
  ticketStore?: TicketStore;
  ticketServerId?: string;
  /** External PSK offered when no ticket is available. */
  externalPsk?: ExternalPsk;
  /** psk_key_exchange_modes offered (default ['psk_dhe_ke']). With only 'psk_ke' the ClientHello carries no
   *  key share (no public-key operation; no full-handshake fallback). */
  pskModes?: PskKeMode[];
  /** wolfSSL 5.5.4 compatibility: derive the resumption PSK of received tickets with "tls13 resumption"
   *  (see ServerPskConfig.tickets.tls13ResumptionLabel). Default false (RFC 9147: "dtls13resumption"). */
  tls13ResumptionLabel?: boolean;
  /** wolfSSL 5.5.4 compatibility: after its HelloRetryRequest its server still answers early_data in
   *  EncryptedExtensions although ClientHello2 carries none (RFC 8446 4.2.10 forbids early_data there). With this
   *  switch that answer is ignored: the 0-RTT data counts as rejected and is sent after the handshake. Default false:
   *  the handshake ends with unsupported_extension (RFC 8446 4.2: a response to an extension not sent). */
  ignoreEarlyDataAfterHrr?: boolean;
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
  /** Certificate credential(s), in preference order; for each ClientHello the first whose CertificateVerify scheme
   *  the client offers and whose chain is signed with algorithms the client accepts (./server-params.ts). May be
   *  left out by a PSK-only server (`psk` with external PSKs, a PSK lookup or tickets): a client without a usable PSK then gets
   *  a handshake_failure alert. */
  credential?: ServerCredential | readonly ServerCredential[];
  /** Client certificate authentication (default 'none'). Other modes need `clientVerifier`. The
   *  CertificateRequest lists this server's `signatureSchemes`. */
  clientAuth?: ClientAuthMode;
  /** Validates client chains against the client trust anchors, e.g. `new cert.CertificateVerifier({ trustAnchors,
   *  provider, purpose: 'client', clock })` (called with no serverName). */
  clientVerifier?: CertificateVerifier;
  cookie?: CookieConfig;
  /** Length of the CIDs the server issues (0 = do not negotiate a CID for our side; default 0). When > 0 the
   *  dispatcher routes datagrams by CID. */
  connectionIdLength?: number;
  /** Compatibility switch for wolfSSL resumption: echo a non-empty legacy_session_id (default false: RFC 9147
   *  5.3 says the server MUST NOT echo it). */
  echoLegacySessionId?: boolean;
  /** External PSKs, session tickets, 0-RTT (./psk.ts). Off when absent. */
  psk?: ServerPskConfig;
  /** Cap on concurrent connections held by the dispatcher (default Infinity). */
  maxConnections?: number;
  /** Bounds on handshakes not yet completed (./half-open.ts; defaults HALF_OPEN_DEFAULTS: 4096 in total, 256 per
   *  source address, 60 s): a new half-open connection beyond a cap evicts the oldest one (of its source, or overall);
   *  one not connected within handshakeTimeoutMs of its ClientHello is abandoned ('timeout'). */
  maxHalfOpen?: number;
  maxHalfOpenPerSource?: number;
  handshakeTimeoutMs?: number;
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
  secrets: SecretSink | undefined;
  keyUpdateAfterRecords: number | undefined;
  aeadForgeryLimit: number | undefined;
  recordKeys: 'kept' | 'per-record' | undefined;
  /** Where the connections sharing this configuration keep their packed state while dormant (../record/pack-store.ts). */
  packStore: PackStore;
  /** Called at the end of every public call that can change a connection's timers (receive, handleTimeout, send,
   *  keyUpdate, close, abandon), with that connection. Set by a ServerDispatcher once something asks it for the
   *  connections' timers (./dispatcher.ts); undefined otherwise. */
  called: ((c: Connection) => void) | undefined;
}

/** Retransmission timer defaults (see CommonConfig; the scenario `dtls.timers` defaults are these). */
export const TIMER_DEFAULTS = {
  initialRetransmitMs: 1000,
  maxRetransmitMs: 60000,
  minRetransmitMs: 10,
  maxRetransmissions: 10,
} as const;

export const DEFAULT_SUITES: CipherSuiteName[] = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256',
];
export const DEFAULT_GROUPS: KxGroup[] = ['x25519', 'secp256r1'];
export const DEFAULT_SCHEMES: SignatureScheme[] = ['ecdsa_secp256r1_sha256', 'ed25519'];
export const DEFAULT_SERVER_SCHEMES: SignatureScheme[] = [...DEFAULT_SCHEMES, 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384'];

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
    initialRetransmitMs: c.initialRetransmitMs ?? TIMER_DEFAULTS.initialRetransmitMs,
    maxRetransmitMs: c.maxRetransmitMs ?? TIMER_DEFAULTS.maxRetransmitMs,
    minRetransmitMs: c.minRetransmitMs ?? TIMER_DEFAULTS.minRetransmitMs,
    maxRetransmissions: c.maxRetransmissions ?? TIMER_DEFAULTS.maxRetransmissions,
    recordSizeLimit: c.recordSizeLimit,
    keylog: c.keylog,
    secrets: c.secrets,
    keyUpdateAfterRecords: c.keyUpdateAfterRecords,
    aeadForgeryLimit: c.aeadForgeryLimit,
    recordKeys: c.recordKeys,
    packStore: new PackStore(),
    called: undefined,
  };
}
