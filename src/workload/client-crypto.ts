// The clients' shared cryptography: one provider serves every simulated client (its random source switched to the
// client at work), every crypto operation it performs is charged to that client's processing time (`cost`), the
// server chains' certificate signatures are checked once, and client configurations are resolved once per
// combination of suite, group, scheme and server.
import { fromUs, type Ps, type RngStream } from '../sim/index.ts';
import {
  cert, createProvider, resolveClient, type CertificateVerifierInterface, type CipherSuiteName, type CryptoOp,
  type CryptoProvider, type KxGroup, type RandomSource, type ResolvedClient, type SignatureScheme, type TicketStore,
} from '../dtls/index.ts';
import type { ClientCosts, ClientKeyType, EndpointTimers } from './config/index.ts';
import type { SimChain } from './certs.ts';
import { clientOpPs } from './clients.ts';
import type { DevicePsk } from './device-psk.ts';

export type CryptoKind = 'node' | 'noble';

/** Wall-clock time the simulation's t = 0 stands for, for certificate validity (inside 2020..2099). */
export const SIM_EPOCH_MS = Date.UTC(2030, 0, 1);

/**
 * Both providers are reproducible for a given seed: the node provider signs ECDSA P-256 deterministically (RFC 6979,
 * low-S, src/dtls/crypto/ecdsa-p256.ts), byte-identical to noble, so no delegation is needed.
 */
export function reproducible(kind: CryptoKind, rng: RandomSource): CryptoProvider {
  return createProvider(kind, rng);
}

/** A RandomSource that forwards to whichever client stream is current (one provider serves all clients). */
class SwitchRandom implements RandomSource {
  current: RngStream;
  constructor(s: RngStream) {
    this.current = s;
  }
  fill(b: Uint8Array): void {
    this.current.fill(b);
  }
}

/**
 * Every simulated client receives the same server chain. Checking its certificate signatures once and reusing the
 * verdict for identical chain bytes saves wall time only: a cache hit still charges the client the cost of one
 * signature verification per certificate (`onHit`), exactly what the verification itself would have charged.
 * Validity is time-independent here (the chains are valid 2020..2099 and the simulated clock stays in 2030).
 */
class ChainCache implements CertificateVerifierInterface {
  private chain: Uint8Array[] | undefined;
  private result: ReturnType<CertificateVerifierInterface['verify']> | undefined;
  constructor(private readonly inner: CertificateVerifierInterface, private readonly onHit: () => void) {}
  verify(chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }) {
    if (this.result?.ok && this.chain && sameChain(this.chain, chain)) {
      this.onHit();
      return this.result;
    }
    const r = this.inner.verify(chain, ctx);
    if (r.ok) {
      this.chain = chain.map((c) => c.slice());
      this.result = r;
    }
    return r;
  }
}

function sameChain(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

/** What a client configuration depends on (client-side.ts Client). */
export interface ClientChoice {
  readonly suite: CipherSuiteName;
  readonly group: KxGroup;
  readonly scheme: SignatureScheme;
  /** Index of the server dispatcher (and chain) the client talks to. */
  readonly server: number;
  /** The client resumes (its configuration has the shared ticket store, resumption.ts). */
  readonly resumes?: boolean;
  /** Key type of the client's certificate (clients.client_auth, mutual.ts), undefined if it holds none. */
  readonly auth?: ClientKeyType | undefined;
}

export class ClientCrypto {
  /** Processing time charged by the operations since the last `begin`, ps. */
  cost: Ps = 0;
  /** Public-key operations performed (or charged, for a verdict of the chain cache) so far, all clients. */
  pkeOps = 0;
  private readonly random: SwitchRandom;
  private readonly provider: CryptoProvider;
  private readonly verifiers: ChainCache[];
  private readonly configs = new Map<string, ResolvedClient>();
  /** Client certificate chains by key type (mutual.ts), when the scenario has clients.client_auth. */
  credentials: ReadonlyMap<ClientKeyType, SimChain> | undefined = undefined;
  /** The devices' external PSKs (device-psk.ts), when the scenario has clients.psk. */
  psk: DevicePsk | undefined = undefined;
  /** Offer the connection_id extension (clients.connection_id_length > 0: the server issues CIDs). */
  offerCid = false;

  constructor(
    kind: CryptoKind, rng: RngStream, costs: ClientCosts, chains: readonly SimChain[], private readonly mtu: number,
    private readonly timers: EndpointTimers & { recordKeys: 'kept' | 'per-record' }, tap?: (op: CryptoOp) => void,
    /** Ticket store of the resuming clients (resumption.ts), if any client resumes. */
    private readonly tickets?: TicketStore,
  ) {
    this.random = new SwitchRandom(rng);
    const provider = (this.provider = reproducible(kind, this.random));
    provider.observer = (op: CryptoOp) => {
      this.cost += clientOpPs(costs, op);
      if (op.op === 'kx-keygen' || op.op === 'kx-derive' || op.op === 'sign' || op.op === 'verify') this.pkeOps++;
      if (tap) tap(op);
    };
    this.verifiers = chains.map(
      (ch) =>
        new ChainCache(
          new cert.CertificateVerifier({ trustAnchors: [ch.root], provider, serverName: 'localhost', clock: (t) => SIM_EPOCH_MS + t }),
          () => {
            this.cost += fromUs(costs.verify_us) * ch.chain.length;
            this.pkeOps += ch.chain.length;
          },
        ),
    );
  }

  /** Client work begins: its random stream (and its PSK, device `i`'s) is current and the cost counter restarts. */
  begin(rng: RngStream, i = -1): void {
    this.cost = 0;
    this.random.current = rng;
    if (this.psk) this.psk.current = i;
  }

  /** The configuration of a client: identical for every client that makes the same choice, so resolved once and
   *  shared (endpoints only read their configuration). */
  config(c: ClientChoice): ResolvedClient {
    const resumes = c.resumes === true && this.tickets !== undefined;
    const cred = c.auth !== undefined ? this.credentials?.get(c.auth) : undefined;
    const key = `${c.suite}|${c.group}|${c.scheme}|${c.server}${resumes ? '|r' : ''}${cred ? `|${c.auth}` : ''}`;
    let cfg = this.configs.get(key);
    if (!cfg) {
      cfg = resolveClient({
        crypto: this.provider,
        rng: this.random,
        suites: [c.suite],
        groups: [c.group],
        keyShareGroups: [c.group],
        signatureSchemes: [c.scheme],
        mtu: this.mtu,
        ...this.timers,
        serverName: 'localhost',
        verifier: this.verifiers[c.server]!,
        offerConnectionId: this.offerCid,
        ...(resumes ? { ticketStore: this.tickets } : {}),
        ...(this.psk ? { externalPsk: this.psk.client, pskModes: this.psk.modes } : {}),
        ...(cred ? { credential: { chain: cred.chain, privateKey: cred.leafKey, scheme: cred.scheme } } : {}),
      });
      this.configs.set(key, cfg);
    }
    return cfg;
  }
}
