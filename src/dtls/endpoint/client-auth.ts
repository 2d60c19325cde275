// Client certificate authentication in the main handshake (RFC 8446 4.3.2 CertificateRequest, 4.4.2 Certificate,
// 4.4.2.4 empty Certificate, 4.4.3 CertificateVerify). Transcript order (4.4.1): ClientHello ... server Finished,
// client Certificate, client CertificateVerify, client Finished; the application traffic secrets still end at the
// server Finished, so only the expected client Finished moves. The server's side (its request, its checks of the
// answer) and the client's side (its answer) live here; server.ts and client.ts call them from their phases.
import type { CryptoProvider, SignatureScheme, TranscriptHash, VerifyKey } from '../crypto/provider.ts';
import { SCHEME_KEY_KIND } from '../crypto/provider.ts';
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, ExtensionType as X, HandshakeType as H } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import {
  decodeCertificate, decodeCertificateRequest, decodeCertificateVerify, encodeCertificate, encodeCertificateRequest,
  encodeCertificateVerify, tlsMessageTransient,
} from '../handshake/messages.ts';
import type { CertificateVerifier, ClientAuthMode, ClientCredential, ServerConfig } from './config.ts';
import { certificateVerifyContent, schemeCode, schemeFromCode, verifySignature } from './common.ts';
import type { Negotiated } from './epochs.ts';
import { CERT_SCHEMES } from '../cert/schemes.ts';

const NO_CONTEXT = new Uint8Array(0);
/** Schemes that may sign a CertificateVerify (rsa_pkcs1_* only ever sign certificates, RFC 8446 4.2.3). */
const CV_SCHEMES = new Set<SignatureScheme>(['ed25519', 'ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384']);
/** Signatures inside RSA certificates are mostly PKCS#1 v1.5: listed in signature_algorithms_cert alongside the
 *  CertificateVerify schemes whenever RSA schemes are offered (RFC 8446 4.2.3: without that extension,
 *  signature_algorithms also governs certificate signatures). */
const RSA_CERT_SCHEMES: SignatureScheme[] = ['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384'];

export interface ResolvedClientAuth {
  clientAuth: ClientAuthMode;
  clientVerifier: CertificateVerifier | undefined;
}

export function resolveClientAuth(c: ServerConfig): ResolvedClientAuth {
  const clientAuth = c.clientAuth ?? 'none';
  if (clientAuth !== 'none' && clientAuth !== 'request' && clientAuth !== 'require') {
    throw new TypeError(`ServerConfig.clientAuth: '${String(clientAuth)}' is not none, request or require`);
  }
  if (clientAuth !== 'none' && !c.clientVerifier) throw new TypeError(`ServerConfig.clientAuth '${clientAuth}' needs clientVerifier`);
  return { clientAuth, clientVerifier: clientAuth === 'none' ? undefined : c.clientVerifier };
}

/**
 * signature_algorithms_cert (RFC 8446 4.2.3) for an offer of `schemes` by an endpoint whose certificate verifier
 * checks `certSchemes` in certificates: the offered schemes it can check there, plus rsa_pkcs1_* (which only ever sign
 * certificates) when RSA is offered. Undefined when that list is the offer itself (signature_algorithms then governs
 * certificates too): e.g. ECDSA / Ed25519 offered to the project's verifier. Throws TypeError when the verifier checks
 * none of them (no chain could be accepted).
 */
export function signatureAlgorithmsCert(schemes: readonly SignatureScheme[],
  certSchemes: readonly SignatureScheme[] = CERT_SCHEMES): E.Extension | undefined {
  const wanted = schemes.some((s) => SCHEME_KEY_KIND[s] === 'rsa')
    ? [...schemes, ...RSA_CERT_SCHEMES.filter((s) => !schemes.includes(s))] : schemes;
  const list = wanted.filter((s) => certSchemes.includes(s));
  if (list.length === schemes.length && list.every((s, i) => s === schemes[i])) return undefined;
  if (!list.length) throw new TypeError(`the certificate verifier checks none of the signature schemes ${schemes.join(', ')}`);
  return { type: X.signature_algorithms_cert, data: E.SignatureAlgorithms.encode(list.map(schemeCode)) };
}

// ---- server ----

/** CertificateRequest of the main handshake: empty certificate_request_context (RFC 8446 4.3.2), the schemes we
 *  verify in signature_algorithms (and signature_algorithms_cert when our client verifier's certificate schemes
 *  differ, see signatureAlgorithmsCert). */
export function certificateRequestBody(schemes: readonly SignatureScheme[], certSchemes?: readonly SignatureScheme[]): Uint8Array {
  const cv = schemes.filter((s) => CV_SCHEMES.has(s));
  const exts: E.Extension[] = [{ type: X.signature_algorithms, data: E.SignatureAlgorithms.encode(cv.map(schemeCode)) }];
  const cert = signatureAlgorithmsCert(cv, certSchemes);
  if (cert) exts.push(cert);
  return encodeCertificateRequest({ context: NO_CONTEXT, extensions: exts });
}

/** What the server holds between its flight and the client's Finished when it asked for a certificate. */
export interface AwaitingClient {
  keys: Negotiated;
  /** Transcript through the server Finished, extended by the client's Certificate and CertificateVerify. */
  transcript: TranscriptHash;
  /** Client handshake traffic secret (the client Finished key derives from it). */
  cHs: Uint8Array;
  /** Master secret, kept only when the server issues tickets (the resumption secret derives from it). */
  master?: Uint8Array | undefined;
}

/** The client's Certificate. Returns the leaf key and the chain, or undefined for an empty list under 'request'
 *  (the handshake continues without client authentication). */
export function onClientCertificate(cfg: ResolvedClientAuth, a: AwaitingClient, body: Uint8Array, full: Uint8Array,
  nowMs: number): { key: VerifyKey; chain: Uint8Array[] } | undefined {
  const cert = decodeCertificate(body);
  if (cert.context.length !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'certificate_request_context');
  if (cert.entries.length === 0) {
    if (cfg.clientAuth === 'require') throw new AlertError(AlertDescription.certificate_required, 'client sent no certificate');
    a.transcript.update(full);
    return undefined;
  }
  const chain = cert.entries.map((e) => e.data.slice());
  const res = cfg.clientVerifier!.verify(chain, { nowMs });
  if (!res.ok) throw new AlertError(res.alert, `client certificate: ${res.reason}`);
  a.transcript.update(full);
  return { key: res.publicKey, chain };
}

/** The client's CertificateVerify: a scheme from our CertificateRequest, signed with the leaf key over the
 *  transcript through the client Certificate. Returns the scheme. */
export function onClientCertificateVerify(crypto: CryptoProvider, offered: readonly SignatureScheme[], a: AwaitingClient,
  key: VerifyKey, body: Uint8Array, full: Uint8Array): SignatureScheme {
  const cv = decodeCertificateVerify(body);
  const scheme = schemeFromCode(cv.scheme);
  if (!scheme || !offered.includes(scheme)) throw new AlertError(AlertDescription.illegal_parameter, 'client signature scheme not requested');
  verifySignature(crypto, scheme, key, certificateVerifyContent('client', a.transcript.digest()), cv.signature);
  a.transcript.update(full);
  return scheme;
}

/** The client Finished the server expects once the client's authentication messages are in the transcript. */
export function expectedClientFinished(a: AwaitingClient): Uint8Array {
  return a.keys.ks.finishedVerifyData(a.cHs, a.transcript.digest());
}

/** The expected client Finished and, when `a.master` is kept (tickets), the resumption master secret:
 *  Derive-Secret(Master Secret, "res master", ClientHello...client Finished) (RFC 8446 7.1), whose transcript
 *  includes the client's Certificate and CertificateVerify (4.4.1; RFC 8448 section 6 "res master"). */
export function clientAuthDone(a: AwaitingClient): { expectedFinished: Uint8Array; rms: Uint8Array | undefined } {
  const expectedFinished = expectedClientFinished(a);
  const rms = a.master
    ? a.keys.ks.resumptionMasterSecret(a.master, a.transcript.update(tlsMessageTransient(H.finished, expectedFinished)).digest())
    : undefined;
  return { expectedFinished, rms };
}

// ---- client ----

/** A CertificateRequest as the client keeps it until its final flight. */
export interface CertRequest {
  context: Uint8Array;
  schemes: number[];
}

export function readCertificateRequest(body: Uint8Array): CertRequest {
  const cr = decodeCertificateRequest(body);
  const sa = E.findExt(cr.extensions, X.signature_algorithms);
  if (!sa) throw new AlertError(AlertDescription.missing_extension, 'CertificateRequest without signature_algorithms');
  return { context: cr.context.slice(), schemes: E.SignatureAlgorithms.decode(sa) };
}

/** The scheme our credential signs with for this request: its own scheme if listed, else another
 *  CertificateVerify scheme of the same key kind the server listed (RSA: the other rsa_pss_rsae hash). */
function pickScheme(cred: ClientCredential, req: CertRequest): SignatureScheme | undefined {
  if (req.schemes.includes(schemeCode(cred.scheme))) return cred.scheme;
  const kind = SCHEME_KEY_KIND[cred.scheme];
  for (const c of req.schemes) {
    const s = schemeFromCode(c);
    if (s && CV_SCHEMES.has(s) && SCHEME_KEY_KIND[s] === kind) return s;
  }
  return undefined;
}

/** The client's answer to a CertificateRequest, in order, fed to the transcript: Certificate (empty without a
 *  usable credential, RFC 8446 4.4.2.4) and, with one, CertificateVerify. */
export function clientAuthMessages(crypto: CryptoProvider, cred: ClientCredential | undefined, req: CertRequest,
  t: TranscriptHash): { type: number; body: Uint8Array }[] {
  const scheme = cred ? pickScheme(cred, req) : undefined;
  if (!cred || !scheme) {
    const empty = encodeCertificate({ context: req.context, entries: [] });
    t.update(tlsMessageTransient(H.certificate, empty));
    return [{ type: H.certificate, body: empty }];
  }
  const certBody = encodeCertificate({ context: req.context, entries: cred.chain.map((d) => ({ data: d, extensions: [] })) });
  t.update(tlsMessageTransient(H.certificate, certBody));
  const sig = crypto.sign(scheme, cred.privateKey, certificateVerifyContent('client', t.digest()));
  const cvBody = encodeCertificateVerify({ scheme: schemeCode(scheme), signature: sig });
  t.update(tlsMessageTransient(H.certificate_verify, cvBody));
  return [{ type: H.certificate, body: certBody }, { type: H.certificate_verify, body: cvBody }];
}
