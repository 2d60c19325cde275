// The client's resolved configuration (./client.ts): defaults applied once, shared by any number of endpoints.
import type { KxGroup } from '../crypto/provider.ts';
import type * as E from '../handshake/extensions.ts';
import { type CertificateVerifier, type ClientConfig, type ClientCredential, type ResolvedCommon, resolveCommon } from './config.ts';
import { signatureAlgorithmsCert } from './client-auth.ts';
import type { ExternalPsk, PskKeMode } from './psk.ts';
import type { TicketStore } from './tickets.ts';

/** The empty CID shared by every client that has none (never written to). */
const NO_CID = new Uint8Array(0);

/** A client configuration with its defaults applied (resolveClient), shareable by any number of endpoints: they
 *  only read it. Simulating thousands of identical clients, one of these saves a copy of the lists per client. */
export interface ResolvedClient extends ResolvedCommon {
  readonly resolvedClient: true;
  verifier: CertificateVerifier;
  serverName: string | undefined;
  keyShareGroups: KxGroup[];
  offerConnectionId: boolean;
  connectionId: Uint8Array;
  credential: ClientCredential | undefined;
  ticketStore: TicketStore | undefined;
  ticketServerId: string;
  externalPsk: ExternalPsk | undefined;
  pskModes: PskKeMode[];
  tls13ResumptionLabel: boolean;
  ignoreEarlyDataAfterHrr: boolean;
  /** The ClientHello's signature_algorithms_cert: undefined unless the verifier's certificate schemes differ from
   *  signature_algorithms (./client-auth.ts; computed once: usually nothing is kept). */
  sigAlgsCert: E.Extension | undefined;
}

export function resolveClient(config: ClientConfig): ResolvedClient {
  const cfg = resolveCommon(config);
  if (!config.verifier) throw new TypeError('ClientConfig.verifier is required');
  // Fields listed one by one: `{ ...cfg, more }` measured ~7 us here (V8 builds the spread object slowly), which
  // is a noticeable share of a handshake's protocol work when every client resolves its own configuration.
  return {
    crypto: cfg.crypto,
    rng: cfg.rng,
    suites: cfg.suites,
    groups: cfg.groups,
    signatureSchemes: cfg.signatureSchemes,
    mtu: cfg.mtu,
    initialRetransmitMs: cfg.initialRetransmitMs,
    maxRetransmitMs: cfg.maxRetransmitMs,
    minRetransmitMs: cfg.minRetransmitMs,
    maxRetransmissions: cfg.maxRetransmissions,
    recordSizeLimit: cfg.recordSizeLimit,
    keylog: cfg.keylog,
    secrets: cfg.secrets,
    keyUpdateAfterRecords: cfg.keyUpdateAfterRecords,
    aeadForgeryLimit: cfg.aeadForgeryLimit,
    recordKeys: cfg.recordKeys,
    packStore: cfg.packStore,
    called: undefined,
    resolvedClient: true,
    verifier: config.verifier,
    serverName: config.serverName,
    keyShareGroups: (config.keyShareGroups ?? [cfg.groups[0]!]).filter((g) => cfg.groups.includes(g)),
    offerConnectionId: config.offerConnectionId ?? true,
    connectionId: config.connectionId ?? NO_CID,
    credential: config.credential,
    ticketStore: config.ticketStore,
    ticketServerId: config.ticketServerId ?? config.serverName ?? 'default',
    externalPsk: config.externalPsk,
    pskModes: config.pskModes ?? ['psk_dhe_ke'],
    tls13ResumptionLabel: config.tls13ResumptionLabel ?? false,
    ignoreEarlyDataAfterHrr: config.ignoreEarlyDataAfterHrr ?? false,
    sigAlgsCert: signatureAlgorithmsCert(cfg.signatureSchemes, config.verifier.certificateSchemes),
  };
}
