// Certificate chain validation for a DTLS client (or a server checking client certificates).
//
//   verifyChain(chainDer, { trustAnchors, nowMs, serverName, provider }) -> ChainResult
//
// Path building: from the leaf (chainDer[0]) repeatedly pick an issuer whose subject equals the current
// certificate's issuer name (byte comparison of the encoded Names) and whose key verifies its signature, first among
// the trust anchors, then among the other certificates sent (any order, unused extras allowed, RFC 8446 4.4.2).
// Checks: signatures (ecdsa-with-SHA256 with a P-256 key, Ed25519, sha256/sha384WithRSAEncryption and RSASSA-PSS
// (SHA-256/384, MGF1 same hash, salt = hash length) with an RSA key of 2048..8192 bits) through the CryptoProvider;
// validity of every
// certificate on the path against the caller's clock (nowMs, inclusive bounds); basicConstraints cA and keyUsage
// keyCertSign on every issuer, pathLenConstraint; unknown critical extensions; leaf keyUsage digitalSignature and
// extendedKeyUsage (serverAuth / clientAuth / any) when present; host name (SAN dNSName with RFC 6125 wildcard
// rules, SAN iPAddress for IP literals, subject CN only when the certificate has no SAN DNS/IP entries).
// Never throws: every failure is a typed { ok: false, reason, depth, detail }.
import type { SignatureScheme, VerifyKey } from '../crypto/provider.ts';
import { matchesName } from './names.ts';
import { CERT_SCHEMES, certSignatureScheme, usableRsa } from './schemes.ts';

export { matchHostname, matchesName } from './names.ts';
import { bytesEqual, parseCertificate, type Certificate, type ParseResult, type PublicKeyInfo } from './x509.ts';

/** The part of the CryptoProvider that chain validation uses. */
export interface SignatureVerifier {
  verify(scheme: SignatureScheme, key: VerifyKey, message: Uint8Array, signature: Uint8Array): boolean;
}

export type ChainFailure =
  | 'empty-chain'
  | 'malformed'
  | 'unsupported' // key/signature algorithm (e.g. RSA) or critical extension this implementation does not handle
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'name-mismatch'
  | 'not-ca'
  | 'bad-key-usage'
  | 'path-too-long'
  | 'unknown-issuer';

export type ChainResult =
  | {
      ok: true;
      leaf: Certificate;
      /** leaf, intermediates..., trust anchor (the anchor is the leaf itself for a pinned certificate). */
      path: Certificate[];
      /** The leaf's key in the provider's form, for CertificateVerify. */
      publicKey: VerifyKey;
      /** The TLS signature scheme this key signs CertificateVerify with. */
      scheme: SignatureScheme;
    }
  | { ok: false; reason: ChainFailure; depth: number; detail: string };

export type TrustAnchor = Uint8Array | Certificate;

export type VerifyOptions = {
  trustAnchors: readonly TrustAnchor[];
  /** The caller's clock, ms since the Unix epoch. */
  nowMs: number;
  /** Expected host name or IP literal; omitted = no name check (e.g. client certificates). */
  serverName?: string | undefined;
  provider: SignatureVerifier;
  /** 'server' (default) requires serverAuth in a leaf extendedKeyUsage; 'client' requires clientAuth. */
  purpose?: 'server' | 'client';
  /** Maximum number of certificates on the path, anchor included (default 8). */
  maxPathLength?: number;
  /** Certificate parser (default parseCertificate); CertificateVerifier passes its cache of parsed certificates. */
  parse?: (der: Uint8Array) => ParseResult;
  /** Certificate signature schemes accepted on the path (default: all of CERT_SCHEMES, ./schemes.ts); a certificate
   *  signed otherwise fails as 'unsupported' (the client's signature_algorithms_cert, RFC 8446 4.2.3). */
  certificateSchemes?: readonly SignatureScheme[];
};

const EKU_SERVER = '1.3.6.1.5.5.7.3.1';
const EKU_CLIENT = '1.3.6.1.5.5.7.3.2';
const EKU_ANY = '2.5.29.37.0';

type Fail = Extract<ChainResult, { ok: false }>;
const fail = (reason: ChainFailure, depth: number, detail: string): Fail => ({ ok: false, reason, depth, detail });

/**
 * The provider key and TLS scheme of a certificate's subject key, or undefined if unsupported. An RSA key signs
 * CertificateVerify with rsa_pss_rsae_sha256 (RFC 8446 4.2.3; rsa_pss_rsae_sha384 is also valid for it).
 */
export function leafKey(pk: PublicKeyInfo): { key: VerifyKey; scheme: SignatureScheme } | undefined {
  if (pk.kind === 'ed25519') return { key: { kind: 'ed25519', raw: pk.key }, scheme: 'ed25519' };
  if (pk.kind === 'p256') return { key: { kind: 'p256', raw: pk.key }, scheme: 'ecdsa_secp256r1_sha256' };
  if (usableRsa(pk)) return { key: { kind: 'rsa', raw: pk.key }, scheme: 'rsa_pss_rsae_sha256' };
  return undefined;
}

export function describeKey(pk: PublicKeyInfo): string {
  switch (pk.kind) {
    case 'ed25519':
      return 'Ed25519';
    case 'p256':
      return 'EC P-256';
    case 'rsa':
      return `RSA-${pk.modulusBits}${pk.pss ? ' (RSASSA-PSS)' : ''}`;
    default:
      return `${pk.algorithm}${pk.parameter ? ` (${pk.parameter})` : ''}`;
  }
}

/** Checks `cert`'s signature with `issuer`'s key; `accepted`: the certificate signature schemes allowed (others are
 *  'unsupported', RFC 8446 4.2.3), default all those ./schemes.ts knows. */
export function checkSignature(
  cert: Certificate,
  issuer: Certificate,
  provider: SignatureVerifier,
  accepted?: readonly SignatureScheme[],
): { ok: true } | { ok: false; reason: 'bad-signature' | 'unsupported'; detail: string } {
  const alg = cert.signatureAlgorithm.name;
  const ik = issuer.publicKey;
  const scheme = certSignatureScheme(cert, ik);
  if (!scheme || ik.kind === 'unknown') {
    const rsaAlg = alg === 'sha256WithRSAEncryption' || alg === 'sha384WithRSAEncryption';
    if ((alg === 'ecdsa-with-SHA256' || alg === 'Ed25519' || rsaAlg) && (ik.kind === 'p256' || ik.kind === 'ed25519' || usableRsa(ik))) {
      return { ok: false, reason: 'bad-signature', detail: `${alg} signature but issuer key is ${describeKey(ik)}` };
    }
    return { ok: false, reason: 'unsupported', detail: `signature ${alg} with issuer key ${describeKey(ik)}` };
  }
  if (accepted && !accepted.includes(scheme)) {
    return { ok: false, reason: 'unsupported', detail: `signature ${alg} (${scheme}) is not an accepted certificate signature scheme` };
  }
  let good = false;
  try {
    good = provider.verify(scheme, { kind: ik.kind, raw: ik.key }, cert.tbs, cert.signature) === true;
  } catch {
    good = false;
  }
  return good ? { ok: true } : { ok: false, reason: 'bad-signature', detail: `${alg} signature does not verify` };
}

function checkTime(cert: Certificate, nowMs: number, depth: number): Fail | undefined {
  if (nowMs < cert.notBefore) {
    return fail('not-yet-valid', depth, `${cert.subject.text}: not before ${new Date(cert.notBefore).toISOString()}`);
  }
  if (nowMs > cert.notAfter) {
    return fail('expired', depth, `${cert.subject.text}: expired ${new Date(cert.notAfter).toISOString()}`);
  }
  return undefined;
}

function checkCritical(cert: Certificate, depth: number): Fail | undefined {
  if (cert.extensions.unknownCritical.length > 0) {
    return fail('unsupported', depth, `unknown critical extension ${cert.extensions.unknownCritical.join(', ')}`);
  }
  return undefined;
}

/** Issuer requirements; `below` = number of non-self-issued intermediates between the issuer and the leaf. */
function checkIssuer(cert: Certificate, depth: number, below: number, isAnchor: boolean): Fail | undefined {
  const bc = cert.extensions.basicConstraints;
  // A legacy v1 trust anchor has no extensions; it is trusted by configuration.
  const legacyAnchor = isAnchor && cert.version < 3;
  if (!legacyAnchor && !bc?.ca) return fail('not-ca', depth, `${cert.subject.text} is not a CA (basicConstraints)`);
  const ku = cert.extensions.keyUsage;
  if (ku && !ku.keyCertSign) return fail('not-ca', depth, `${cert.subject.text}: keyUsage lacks keyCertSign`);
  if (bc?.pathLen !== undefined && below > bc.pathLen) {
    return fail('path-too-long', depth, `${cert.subject.text}: pathLenConstraint ${bc.pathLen} exceeded`);
  }
  return undefined;
}

/** Validates a certificate chain (leaf first) against trust anchors. Never throws. */
export function verifyChain(chainDer: readonly Uint8Array[], opts: VerifyOptions): ChainResult {
  try {
    return verifyChainInner(chainDer, opts);
  } catch (e) {
    return fail('malformed', 0, `internal: ${(e as Error)?.message ?? String(e)}`);
  }
}

function verifyChainInner(chainDer: readonly Uint8Array[], opts: VerifyOptions): ChainResult {
  if (!Array.isArray(chainDer) || chainDer.length === 0) return fail('empty-chain', 0, 'no certificate');
  const maxLen = opts.maxPathLength ?? 8;
  const chain: Certificate[] = [];
  const parse = opts.parse ?? parseCertificate;
  for (let i = 0; i < chainDer.length; i++) {
    const r = parse(chainDer[i]!);
    if (!r.ok) return fail('malformed', i, r.detail);
    chain.push(r.cert);
  }
  const anchors: Certificate[] = [];
  for (const a of opts.trustAnchors) {
    if (a instanceof Uint8Array) {
      const r = parseCertificate(a);
      if (r.ok) anchors.push(r.cert);
    } else if (a && typeof a === 'object' && a.der instanceof Uint8Array) {
      anchors.push(a);
    }
  }

  const leaf = chain[0]!;
  const lk = leafKey(leaf.publicKey);
  if (!lk) return fail('unsupported', 0, `leaf key ${describeKey(leaf.publicKey)} is not supported`);
  const crit = checkCritical(leaf, 0);
  if (crit) return crit;

  // Build the path.
  const path: Certificate[] = [leaf];
  const used = new Set<number>([0]);
  let cur = leaf;
  let anchored = anchors.some((a) => bytesEqual(a.der, leaf.der)); // pinned leaf
  let below = 0; // intermediates seen so far (for pathLen)
  while (!anchored) {
    const depth = path.length - 1;
    if (path.length >= maxLen) return fail('path-too-long', depth, `more than ${maxLen} certificates`);
    let lastErr: Fail | undefined;
    let next: { cert: Certificate; anchor: boolean; index: number } | undefined;
    // candidates: the trust anchors, then the unused certificates sent (index -1 = anchor)
    const nCand = anchors.length + chain.length;
    for (let k = 0; k < nCand; k++) {
      const anchor = k < anchors.length;
      const index = anchor ? -1 : k - anchors.length;
      if (!anchor && used.has(index)) continue;
      const cert = anchor ? anchors[k]! : chain[index]!;
      if (!bytesEqual(cert.subject.der, cur.issuer.der)) continue;
      const s = checkSignature(cur, cert, opts.provider, opts.certificateSchemes);
      if (s.ok) {
        next = { cert, anchor, index };
        break;
      }
      // Prefer reporting a bad signature over an unsupported algorithm.
      if (!lastErr || s.reason === 'bad-signature') lastErr = fail(s.reason, depth, `${cur.subject.text}: ${s.detail}`);
    }
    if (!next) {
      return lastErr ?? fail('unknown-issuer', depth, `no trusted or supplied issuer "${cur.issuer.text}"`);
    }
    const issuerDepth = depth + 1;
    const ic = checkIssuer(next.cert, issuerDepth, below, next.anchor);
    if (ic) return ic;
    const crit2 = checkCritical(next.cert, issuerDepth);
    if (crit2) return crit2;
    path.push(next.cert);
    if (next.anchor) anchored = true;
    else {
      used.add(next.index);
      if (!bytesEqual(next.cert.subject.der, next.cert.issuer.der)) below++;
      cur = next.cert;
    }
  }

  for (let d = 0; d < path.length; d++) {
    const t = checkTime(path[d]!, opts.nowMs, d);
    if (t) return t;
  }

  const ku = leaf.extensions.keyUsage;
  if (ku && !ku.digitalSignature) return fail('bad-key-usage', 0, 'leaf keyUsage lacks digitalSignature');
  const eku = leaf.extensions.extKeyUsage;
  const want = (opts.purpose ?? 'server') === 'server' ? EKU_SERVER : EKU_CLIENT;
  if (eku && !eku.includes(want) && !eku.includes(EKU_ANY)) {
    return fail('bad-key-usage', 0, `leaf extendedKeyUsage lacks ${opts.purpose ?? 'server'}Auth`);
  }

  if (opts.serverName !== undefined && !matchesName(leaf, opts.serverName)) {
    const san = leaf.extensions.subjectAltName?.dns ?? [];
    return fail('name-mismatch', 0, `"${opts.serverName}" not in [${san.join(', ') || leaf.subject.text}]`);
  }
  return { ok: true, leaf, path, publicKey: lk.key, scheme: lk.scheme };
}

/** Byte equality without early exit (a branch-free loop: about 1.5x faster than bytesEqual on certificates). */
function sameDer(a: Uint8Array, b: Uint8Array): boolean {
  const n = a.length;
  if (n !== b.length) return false;
  let d = 0;
  for (let i = 0; i < n; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}

/** TLS alert codes (RFC 8446 6.2) a client sends for each failure (close to OpenSSL's choices). */
export const CHAIN_FAILURE_ALERT: Readonly<Record<ChainFailure, number>> = {
  'empty-chain': 42, // bad_certificate
  malformed: 42, // bad_certificate
  'bad-signature': 42, // bad_certificate
  unsupported: 43, // unsupported_certificate
  'bad-key-usage': 43, // unsupported_certificate
  expired: 45, // certificate_expired
  'not-yet-valid': 45, // certificate_expired
  'name-mismatch': 46, // certificate_unknown
  'unknown-issuer': 48, // unknown_ca
  'not-ca': 48, // unknown_ca
  'path-too-long': 48, // unknown_ca
};

/** What CertificateVerifier.verify returns: the endpoint's VerifyResult shape plus the details. */
export type EndpointVerifyResult =
  | { ok: true; publicKey: VerifyKey; scheme: SignatureScheme; leaf: Certificate; path: Certificate[] }
  | { ok: false; alert: number; reason: string; failure: ChainFailure; depth: number; detail: string };

export type CertificateVerifierOptions = {
  trustAnchors: readonly TrustAnchor[];
  provider: SignatureVerifier;
  /** Name checked when the endpoint passes none. */
  serverName?: string;
  purpose?: 'server' | 'client';
  maxPathLength?: number;
  /** Certificate signature schemes this verifier accepts (default CERT_SCHEMES: all it can check). A client
   *  advertises them in signature_algorithms_cert when they differ from its signature_algorithms. */
  certificateSchemes?: readonly SignatureScheme[];
  /**
   * Maps the endpoint's time (ms) to the wall-clock time (ms since the Unix epoch) used for validity checks.
   * Default: identity (the endpoint is driven with epoch milliseconds). A simulation that starts at t = 0 passes
   * e.g. `(t) => Date.UTC(2030, 0, 1) + t`; a number fixes the validation time.
   */
  clock?: ((nowMs: number) => number) | number;
};

/**
 * A reusable verifier bound to trust anchors (parsed once). Implements the endpoint's CertificateVerifier
 * interface (src/dtls/endpoint/config.ts): `verify(chain, { serverName, nowMs })`.
 */
export class CertificateVerifier {
  readonly anchors: Certificate[] = [];
  /** Certificate signature schemes accepted (the endpoint's CertificateVerifier.certificateSchemes). */
  readonly certificateSchemes: readonly SignatureScheme[];
  /** Details of trust anchors that did not parse (they are ignored). */
  readonly rejectedAnchors: string[] = [];
  private readonly opts: CertificateVerifierOptions;
  /**
   * Parsed certificates by content, as a long-lived client keeps them: a server sends the same chain in every
   * handshake, and parsing it is most of the validation's non-signature work. Only the parse is cached; every
   * signature on the path is still verified through the provider on every call, and validity, usage and name
   * checks run each time. Keyed by a hash of the length and the last 24 bytes (inside the signature), confirmed by a
   * full byte comparison; bounded (oldest entry evicted). Each entry owns a private copy of the DER. Cached Certificate
   * objects are shared between results: callers must not mutate them.
   */
  private readonly parsed = new Map<number, Certificate[]>();
  private parsedCount = 0;
  static readonly PARSE_CACHE_SIZE = 64;
  private readonly parseCached = (der: Uint8Array): ParseResult => {
    const n = der.length;
    let key = n | 0; // FNV-1a over the length and the last 24 bytes (a bucket key: entries are compared in full)
    for (let i = Math.max(0, n - 24); i < n; i++) key = Math.imul(key ^ der[i]!, 0x01000193);
    const bucket = this.parsed.get(key);
    if (bucket) for (const c of bucket) if (sameDer(c.der, der)) return { ok: true, cert: c };
    const r = parseCertificate(der.slice()); // a private copy: the cached object must not pin or alias the input
    if (!r.ok) return r;
    if (this.parsedCount >= CertificateVerifier.PARSE_CACHE_SIZE) {
      const oldest = this.parsed.keys().next().value!;
      this.parsedCount -= this.parsed.get(oldest)!.length;
      this.parsed.delete(oldest);
    }
    const b = this.parsed.get(key); // (the eviction may have removed this key's bucket)
    if (b) b.push(r.cert);
    else this.parsed.set(key, [r.cert]);
    this.parsedCount++;
    return r;
  };

  constructor(opts: CertificateVerifierOptions) {
    this.opts = opts;
    this.certificateSchemes = opts.certificateSchemes ? CERT_SCHEMES.filter((x) => opts.certificateSchemes!.includes(x)) : CERT_SCHEMES;
    for (const a of opts.trustAnchors) {
      if (a instanceof Uint8Array) {
        const r = parseCertificate(a);
        if (r.ok) this.anchors.push(r.cert);
        else this.rejectedAnchors.push(r.detail);
      } else this.anchors.push(a);
    }
  }

  /** Full validation result at endpoint time `nowMs`. */
  check(chain: readonly Uint8Array[], nowMs: number, serverName?: string): ChainResult {
    const c = this.opts.clock;
    const wall = typeof c === 'function' ? c(nowMs) : typeof c === 'number' ? c : nowMs;
    const v: VerifyOptions = {
      trustAnchors: this.anchors,
      nowMs: wall,
      serverName: serverName ?? this.opts.serverName,
      provider: this.opts.provider,
      parse: this.parseCached,
    };
    if (this.opts.purpose) v.purpose = this.opts.purpose;
    if (this.opts.maxPathLength) v.maxPathLength = this.opts.maxPathLength;
    if (this.opts.certificateSchemes) v.certificateSchemes = this.certificateSchemes;
    return verifyChain(chain, v);
  }

  verify(chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }): EndpointVerifyResult {
    const r = this.check(chain, ctx.nowMs, ctx.serverName);
    if (r.ok) return { ok: true, publicKey: r.publicKey, scheme: r.scheme, leaf: r.leaf, path: r.path };
    return {
      ok: false,
      alert: CHAIN_FAILURE_ALERT[r.reason],
      reason: `${r.reason}: ${r.detail}`,
      failure: r.reason,
      depth: r.depth,
      detail: r.detail,
    };
  }
}
