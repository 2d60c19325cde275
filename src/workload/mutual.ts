// Client certificate authentication in the co-simulation (scenario `clients.client_auth`, docs/scenarios.md): which
// clients hold a certificate and of which key type, their chains (certs.ts), and the server's side: a
// CertificateRequest in every certificate-authenticated handshake and a verifier of the client chains that runs on
// the server dispatcher's own provider, so its signature verifications are charged to the server's blocks.
import type { Rng } from '../sim/index.ts';
import { cert, type CertificateVerifierInterface, type ClientAuthMode, type CryptoProvider } from '../dtls/index.ts';
import type { ClientAuthConfig, ClientKeyType } from './config/index.ts';
import { clientChains, type SimChain } from './certs.ts';
import { SIM_EPOCH_MS } from './client-crypto.ts';
import { pickWeighted } from './population.ts';

export class ClientAuth {
  /** The client chain of each key type in use (key types with weight > 0, in CLIENT_KEY_TYPES order). */
  readonly chains = new Map<ClientKeyType, SimChain>();
  private readonly roots: Uint8Array[] = [];

  constructor(readonly cfg: ClientAuthConfig, seed: number) {
    const types = (Object.keys(cfg.key_types) as ClientKeyType[]).filter((t) => (cfg.key_types[t] ?? 0) > 0).sort();
    const chains = clientChains(seed, types, cfg.chain_length);
    types.forEach((t, i) => {
      this.chains.set(t, chains[i]!);
      this.roots.push(chains[i]!.root);
    });
  }

  /** The ServerConfig fields of one dispatcher: its CertificateRequest mode and a verifier on its provider. */
  server(crypto: CryptoProvider): { clientAuth: ClientAuthMode; clientVerifier: CertificateVerifierInterface } {
    return {
      clientAuth: this.cfg.mode,
      clientVerifier: new cert.CertificateVerifier({ trustAnchors: this.roots, provider: crypto, purpose: 'client', clock: (t) => SIM_EPOCH_MS + t }),
    };
  }

  /** Client `i`'s certificate key type, or undefined if it holds none: draws from its stream `client-auth/<i>`. */
  pick(i: number, root: Rng): ClientKeyType | undefined {
    const s = root.derive(`client-auth/${i}`);
    if (!(s.next() < this.cfg.fraction)) return undefined;
    return pickWeighted(this.cfg.key_types, s);
  }
}
