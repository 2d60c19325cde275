// Loading a server (or client) credential from PEM text: certificate chain + private key.
//
//   loadCredential(pemChain, pemKey, provider?) -> { ok: true, credential } | { ok: false, reason, detail }
//
// Keys: "PRIVATE KEY" (PKCS#8, RFC 5208/5958) for Ed25519, EC P-256 and RSA (rsaEncryption), "EC PRIVATE KEY"
// (SEC1, RFC 5915) for P-256 and "RSA PRIVATE KEY" (PKCS#1, RFC 8017 A.1.2) for RSA. RSA keys must have 2048..8192
// bits and consistent CRT parameters. Encrypted keys, RSASSA-PSS-only keys and other curves are reported as
// unsupported. An RSA credential signs CertificateVerify with rsa_pss_rsae_sha256. The key is returned in the
// CryptoProvider's canonical form ({ kind, raw }), with the TLS signature scheme it signs with. When a provider is
// given, the key is checked against the leaf certificate's public key.
import type { CryptoProvider, SignatureScheme, SigningKey, VerifyKey } from '../crypto/provider.ts';
import { RsaKeySizeError, encodeRsaPublicKey, parseRsaPrivateKey } from '../crypto/rsa.ts';
import { DerError, DerReader, Tag, content, decodeOid, decodeSmallUint } from './der.ts';
import { parsePem } from './pem.ts';
import { Oid, bytesEqual, parseCertificate, type Certificate } from './x509.ts';
import { describeKey, leafKey } from './verify.ts';

export type Credential = {
  /** DER certificates, leaf first, as sent in the Certificate message. */
  chain: Uint8Array[];
  /** Parsed chain (same order). */
  certificates: Certificate[];
  privateKey: SigningKey;
  publicKey: VerifyKey;
  scheme: SignatureScheme;
};

export type CredentialResult =
  | { ok: true; credential: Credential }
  | { ok: false; reason: 'malformed' | 'unsupported' | 'key-mismatch' | 'no-certificate' | 'no-key'; detail: string };

type KeyResult = { ok: true; key: SigningKey; publicKey?: Uint8Array } | { ok: false; reason: 'malformed' | 'unsupported'; detail: string };

/** Parses a PKCS#8 PrivateKeyInfo (or OneAsymmetricKey) DER. */
export function parsePkcs8Key(der: Uint8Array): KeyResult {
  try {
    const top = new DerReader(der);
    const seq = top.expect(Tag.SEQUENCE, 'PrivateKeyInfo');
    top.finish('PrivateKeyInfo');
    const r = top.enter(seq);
    const version = decodeSmallUint(der, r.expect(Tag.INTEGER, 'version'));
    if (version > 1) throw new DerError(`PKCS#8 version ${version}`);
    const alg = r.expect(Tag.SEQUENCE, 'privateKeyAlgorithm');
    const pk = r.expect(Tag.OCTET_STRING, 'privateKey');
    // [0] attributes, [1] publicKey: ignored.
    const ar = r.enter(alg);
    const oid = decodeOid(der, ar.expect(Tag.OID, 'algorithm'));
    if (oid === Oid.ed25519) {
      const ir = new DerReader(der, pk.contentStart, pk.end);
      const inner = ir.expect(Tag.OCTET_STRING, 'CurvePrivateKey');
      ir.finish('CurvePrivateKey');
      const raw = content(der, inner);
      if (raw.length !== 32) throw new DerError('Ed25519 private key is not 32 bytes');
      return { ok: true, key: { kind: 'ed25519', raw: raw.slice() } };
    }
    if (oid === Oid.ecPublicKey) {
      const p = ar.done ? undefined : ar.next();
      const curve = p && p.tag === Tag.OID ? decodeOid(der, p) : undefined;
      if (curve !== Oid.prime256v1) return { ok: false, reason: 'unsupported', detail: `EC curve ${curve ?? '(none)'}` };
      return parseSec1(der.subarray(pk.contentStart, pk.end));
    }
    if (oid === Oid.rsaEncryption) return parsePkcs1Key(der.subarray(pk.contentStart, pk.end));
    if (oid === Oid.rsassaPss) return { ok: false, reason: 'unsupported', detail: 'RSASSA-PSS (rsa_pss_pss) private key' };
    return { ok: false, reason: 'unsupported', detail: `key algorithm ${oid}` };
  } catch (e) {
    return { ok: false, reason: 'malformed', detail: (e as Error).message };
  }
}

/** Parses a PKCS#1 RSAPrivateKey DER (two primes, 2048..8192 bits, CRT parameters checked). */
export function parsePkcs1Key(der: Uint8Array): KeyResult {
  try {
    const k = parseRsaPrivateKey(der);
    return { ok: true, key: { kind: 'rsa', raw: der.slice() }, publicKey: encodeRsaPublicKey(k.n, k.e) };
  } catch (e) {
    if (e instanceof RsaKeySizeError) return { ok: false, reason: 'unsupported', detail: e.message };
    return { ok: false, reason: 'malformed', detail: (e as Error).message };
  }
}

/** Parses a SEC1 ECPrivateKey DER (P-256 only). */
export function parseSec1(der: Uint8Array): KeyResult {
  try {
    const top = new DerReader(der);
    const seq = top.expect(Tag.SEQUENCE, 'ECPrivateKey');
    top.finish('ECPrivateKey');
    const r = top.enter(seq);
    if (decodeSmallUint(der, r.expect(Tag.INTEGER, 'version')) !== 1) throw new DerError('ECPrivateKey version');
    const priv = content(der, r.expect(Tag.OCTET_STRING, 'privateKey'));
    let publicKey: Uint8Array | undefined;
    const params = r.optional(0xa0);
    if (params) {
      const pr = r.enter(params);
      const curve = decodeOid(der, pr.expect(Tag.OID, 'namedCurve'));
      if (curve !== Oid.prime256v1) return { ok: false, reason: 'unsupported', detail: `EC curve ${curve}` };
    }
    const pub = r.optional(0xa1);
    if (pub) {
      const pr = r.enter(pub);
      const bs = content(der, pr.expect(Tag.BIT_STRING, 'publicKey'));
      if (bs[0] === 0) publicKey = bs.slice(1);
    }
    r.finish('ECPrivateKey');
    if (priv.length !== 32) throw new DerError(`P-256 private key is ${priv.length} bytes`);
    return publicKey
      ? { ok: true, key: { kind: 'p256', raw: priv.slice() }, publicKey }
      : { ok: true, key: { kind: 'p256', raw: priv.slice() } };
  } catch (e) {
    return { ok: false, reason: 'malformed', detail: (e as Error).message };
  }
}

/** Parses the first private key block of a PEM text. */
export function parsePrivateKeyPem(pem: string): KeyResult | { ok: false; reason: 'no-key'; detail: string } {
  const { blocks, errors } = parsePem(pem);
  for (const b of blocks) {
    if (b.label === 'PRIVATE KEY') return parsePkcs8Key(b.der);
    if (b.label === 'EC PRIVATE KEY') return parseSec1(b.der);
    if (b.label === 'ENCRYPTED PRIVATE KEY') return { ok: false, reason: 'unsupported', detail: 'encrypted private key' };
    if (b.label === 'RSA PRIVATE KEY') return parsePkcs1Key(b.der);
  }
  return { ok: false, reason: 'no-key', detail: errors[0] ?? 'no PRIVATE KEY block' };
}

/** DER certificates of all "CERTIFICATE" blocks in a PEM text, in order. */
export function parseCertificatesPem(pem: string): { ok: true; der: Uint8Array[] } | { ok: false; detail: string } {
  const { blocks, errors } = parsePem(pem);
  const der = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (der.length === 0) return { ok: false, detail: errors[0] ?? 'no CERTIFICATE block' };
  return { ok: true, der };
}

/**
 * Loads a certificate chain (leaf first) and its private key from PEM text. With a provider, checks that the key
 * matches the leaf certificate (publicKeyOf). Never throws.
 */
export function loadCredential(pemChain: string, pemKey: string, provider?: Pick<CryptoProvider, 'publicKeyOf'>): CredentialResult {
  const certs = parseCertificatesPem(pemChain);
  if (!certs.ok) return { ok: false, reason: 'no-certificate', detail: certs.detail };
  const parsed: Certificate[] = [];
  for (const [i, d] of certs.der.entries()) {
    const r = parseCertificate(d);
    if (!r.ok) return { ok: false, reason: 'malformed', detail: `certificate ${i}: ${r.detail}` };
    parsed.push(r.cert);
  }
  const leaf = parsed[0]!;
  const lk = leafKey(leaf.publicKey);
  if (!lk) return { ok: false, reason: 'unsupported', detail: `leaf key ${describeKey(leaf.publicKey)}` };
  const k = parsePrivateKeyPem(pemKey);
  if (!k.ok) return k;
  if (k.key.kind !== lk.key.kind) {
    return { ok: false, reason: 'key-mismatch', detail: `private key is ${k.key.kind}, certificate key is ${lk.key.kind}` };
  }
  if (k.publicKey && !bytesEqual(k.publicKey, lk.key.raw)) {
    return { ok: false, reason: 'key-mismatch', detail: 'SEC1 public key differs from the certificate' };
  }
  if (provider) {
    let pub: VerifyKey | undefined;
    try {
      pub = provider.publicKeyOf(k.key);
    } catch (e) {
      return { ok: false, reason: 'malformed', detail: `private key rejected: ${(e as Error).message}` };
    }
    if (!bytesEqual(pub.raw, lk.key.raw)) {
      return { ok: false, reason: 'key-mismatch', detail: 'private key does not match the leaf certificate' };
    }
  }
  return {
    ok: true,
    credential: { chain: certs.der, certificates: parsed, privateKey: k.key, publicKey: lk.key, scheme: lk.scheme },
  };
}
