// TLS signature schemes of certificate signatures (RFC 8446 4.2.3 signature_algorithms_cert, 4.4.2.2 server
// certificate selection): which scheme signed a certificate, which schemes a chain needs from its verifier, and
// which of them this module verifies.
import type { SignatureScheme } from '../crypto/provider.ts';
import { RSA_MAX_BITS, RSA_MIN_BITS } from '../crypto/rsa.ts';
import { parseCertificate, type Certificate, type PssParams, type PublicKeyInfo } from './x509.ts';

/** Certificate signatures chain validation (./verify.ts) checks, in the order a client lists them. */
export const CERT_SCHEMES: readonly SignatureScheme[] = [
  'ecdsa_secp256r1_sha256', 'ed25519', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384',
];

/** An rsaEncryption key of a supported size (id-RSASSA-PSS keys, i.e. rsa_pss_pss_*, are not supported). */
export function usableRsa(pk: PublicKeyInfo): pk is Extract<PublicKeyInfo, { kind: 'rsa' }> {
  return pk.kind === 'rsa' && !pk.pss && pk.modulusBits >= RSA_MIN_BITS && pk.modulusBits <= RSA_MAX_BITS;
}

/**
 * The rsa_pss_rsae scheme of an RSASSA-PSS certificate signature by an rsaEncryption key: SHA-256 or SHA-384 with
 * MGF1 over the same hash, salt length = hash length, trailer 1 (RFC 8446 4.2.3); other parameters: undefined.
 */
export function pssScheme(p: PssParams | undefined): SignatureScheme | undefined {
  if (!p || p.trailerField !== 1 || p.mgfHash !== p.hash) return undefined;
  if (p.hash === 'SHA-256' && p.saltLength === 32) return 'rsa_pss_rsae_sha256';
  if (p.hash === 'SHA-384' && p.saltLength === 48) return 'rsa_pss_rsae_sha384';
  return undefined;
}

/** The TLS scheme of `cert`'s signature made with `issuerKey`, or undefined (algorithm and key do not go together,
 *  or neither is supported). Without `issuerKey` (the issuer is not at hand), from the algorithm alone. */
export function certSignatureScheme(cert: Certificate, issuerKey?: PublicKeyInfo): SignatureScheme | undefined {
  const alg = cert.signatureAlgorithm.name;
  const rsaKey = !issuerKey || usableRsa(issuerKey);
  if (alg === 'ecdsa-with-SHA256') return !issuerKey || issuerKey.kind === 'p256' ? 'ecdsa_secp256r1_sha256' : undefined;
  if (alg === 'Ed25519') return !issuerKey || issuerKey.kind === 'ed25519' ? 'ed25519' : undefined;
  if (alg === 'sha256WithRSAEncryption') return rsaKey ? 'rsa_pkcs1_sha256' : undefined;
  if (alg === 'sha384WithRSAEncryption') return rsaKey ? 'rsa_pkcs1_sha384' : undefined;
  if (alg === 'RSASSA-PSS') return rsaKey ? pssScheme(cert.signatureAlgorithm.pss) : undefined;
  return undefined;
}

/**
 * The signatures a peer must verify in `chain` (leaf first, as sent): one entry per certificate that is not
 * self-signed (RFC 8446 4.4.2.2: self-signed certificates and trust anchors "MAY be signed with any algorithm"),
 * its scheme or 'unknown'. The issuer key is the next certificate's when it is the issuer (same name). Unparsable
 * certificates count as 'unknown'.
 */
export function chainSignatureSchemes(chain: readonly Uint8Array[]): (SignatureScheme | 'unknown')[] {
  const certs = chain.map((d) => parseCertificate(d));
  const out: (SignatureScheme | 'unknown')[] = [];
  for (let i = 0; i < certs.length; i++) {
    const r = certs[i]!;
    if (!r.ok) { out.push('unknown'); continue; }
    const c = r.cert;
    if (sameBytes(c.subject.der, c.issuer.der)) continue; // self-signed: a trust anchor, not validated
    const next = certs[i + 1];
    const issuer = next?.ok && sameBytes(next.cert.subject.der, c.issuer.der) ? next.cert.publicKey : undefined;
    out.push(certSignatureScheme(c, issuer) ?? 'unknown');
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
