// Client certificate authentication in a scenario (`clients.client_auth`, docs/scenarios.md): the server sends a
// CertificateRequest in every certificate-authenticated handshake (RFC 8446 4.3.2; never with a PSK) and verifies
// the chain and CertificateVerify of the clients that present one.
import * as z from 'zod';

/** Key types of the server's simulated certificate chain (`clients.certificate.type`, src/workload/certs.ts). */
export const CERT_KEY_TYPES = ['ecdsa-p256', 'ed25519', 'rsa-2048', 'rsa-3072'] as const;
export type CertKeyType = (typeof CERT_KEY_TYPES)[number];

/** Key types a simulated client certificate may have (src/workload/certs.ts builds the chains). */
export const CLIENT_KEY_TYPES = ['ecdsa-p256', 'ed25519', 'rsa-2048'] as const;
export type ClientKeyType = (typeof CLIENT_KEY_TYPES)[number];

export const ClientAuthSchema = z.strictObject({
  /** request: a client without a certificate continues unauthenticated; require: it is refused with
   *  certificate_required (RFC 8446 4.4.2.4) and its handshake fails. */
  mode: z.enum(['request', 'require']).default('require'),
  /** Fraction of clients holding a certificate, [0, 1]: one draw per client from its stream `client-auth/<i>`. */
  fraction: z.number().min(0).max(1).default(1),
  /** Key types of the client certificates, by weight (drawn per certificate-holding client, same stream). */
  key_types: z
    .strictObject({
      'ecdsa-p256': z.number().nonnegative().optional(),
      ed25519: z.number().nonnegative().optional(),
      'rsa-2048': z.number().nonnegative().optional(),
    }, { error: (iss) => (iss.code === 'unrecognized_keys' ? `not a client key type (${CLIENT_KEY_TYPES.join(', ')})` : undefined) })
    .refine((w) => Object.values(w).some((v) => typeof v === 'number' && v > 0), { message: 'at least one weight must be > 0' })
    .prefault({ 'ecdsa-p256': 1 }),
  /** Certificates a client sends (leaf + intermediates) under the client CA; the server verifies one signature
   *  per certificate plus the CertificateVerify. */
  chain_length: z.number().int().min(1).max(4).default(1),
});

export type ClientAuthConfig = z.output<typeof ClientAuthSchema>;
