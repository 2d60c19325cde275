// In-memory X.509 v3 chains for the simulated server and clients: a root CA (the peer's trust anchor, not sent), then
// chain_length - 1 intermediates and a leaf ("localhost" for a server, "client" for a client), all of one key type.
// Certificates are DER-encoded here (RFC 5280 profile: version 3, serial, ecdsa-with-SHA256, Ed25519 or RSASSA-PSS
// with SHA-256 (RFC 4055), CN names, validity 2020..2099, basicConstraints, subjectAltName on a server leaf) and
// signed through the DTLS core's CryptoProvider, so the Certificate message has realistic sizes (about 380 B per
// ECDSA P-256 certificate, about 800 B per RSA-2048 one) and the peer verifies one real signature per certificate.
// ECDSA and Ed25519 keys are drawn from the provider's RandomSource; RSA keys are fixed test keys (./rsa-keys.ts:
// the core does not generate RSA keys), their certificate signatures use the RandomSource for the PSS salt.
// src/dtls/cert parses and checks them (test/workload/certs.test.ts).
import { createProvider } from '../dtls/index.ts';
import type { CryptoProvider, SigningKey, SignatureScheme } from '../dtls/index.ts';
import { Rng } from '../sim/index.ts';
import { ascii, bitString, bytes, integer, nul, oid, seq, set, tlv } from './der.ts';
import { rsaKey, rsaKeyCount, type RsaBits } from './rsa-keys.ts';

import type { CertKeyType } from './config/index.ts';

export type { CertKeyType } from './config/index.ts';

export interface SimChain {
  /** DER certificates as sent: leaf first. */
  chain: Uint8Array[];
  /** Root CA certificate (trust anchor). */
  root: Uint8Array;
  leafKey: SigningKey;
  scheme: SignatureScheme;
}

const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
const OID_ED25519 = '1.3.101.112';
const OID_EC_PUBLIC_KEY = '1.2.840.10045.2.1';
const OID_P256 = '1.2.840.10045.3.1.7';
const OID_RSA_ENCRYPTION = '1.2.840.113549.1.1.1';
const OID_RSASSA_PSS = '1.2.840.113549.1.1.10';
const OID_MGF1 = '1.2.840.113549.1.1.8';
const OID_SHA256 = '2.16.840.1.101.3.4.2.1';
const OID_CN = '2.5.4.3';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_SAN = '2.5.29.17';
const OID_KEY_USAGE = '2.5.29.15';

const name = (cn: string) => seq(set(seq(oid(OID_CN), tlv(0x0c, ascii(cn)))));

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), tlv(0x01, bytes(0xff)), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}

const RSA_BITS: Partial<Record<CertKeyType, RsaBits>> = { 'rsa-2048': 2048, 'rsa-3072': 3072 };

function spki(type: CertKeyType, pub: Uint8Array): Uint8Array {
  if (type === 'ed25519') return seq(seq(oid(OID_ED25519)), bitString(pub));
  if (RSA_BITS[type]) return seq(seq(oid(OID_RSA_ENCRYPTION), nul()), bitString(pub)); // pub: PKCS#1 RSAPublicKey
  return seq(seq(oid(OID_EC_PUBLIC_KEY), oid(OID_P256)), bitString(pub));
}

/** Signature AlgorithmIdentifier: RSASSA-PSS carries its parameters (RFC 4055 3.1: SHA-256, MGF1-SHA-256, salt 32). */
function sigAlgOf(type: CertKeyType): Uint8Array {
  if (type === 'ed25519') return seq(oid(OID_ED25519));
  if (RSA_BITS[type]) {
    const sha256 = seq(oid(OID_SHA256), nul());
    return seq(oid(OID_RSASSA_PSS), seq(tlv(0xa0, sha256), tlv(0xa1, seq(oid(OID_MGF1), sha256)), tlv(0xa2, integer(32))));
  }
  return seq(oid(OID_ECDSA_SHA256));
}

/** The TLS signature scheme a key type signs with (CertificateVerify and, here, certificate signatures). */
export function schemeOf(type: CertKeyType): SignatureScheme {
  return type === 'ed25519' ? 'ed25519' : RSA_BITS[type] ? 'rsa_pss_rsae_sha256' : 'ecdsa_secp256r1_sha256';
}

/**
 * Builds a chain of `length` certificates (leaf + length-1 intermediates) under a root CA, keys drawn from the
 * provider's RandomSource (RSA: the fixed keys of ./rsa-keys.ts from index `rsaOffset` on). Deterministic when the
 * provider's signatures are (Ed25519; ECDSA with RFC 6979; RSA-PSS with the salt from the RandomSource).
 * `leafName`: the server name in the leaf's subjectAltName, or for a client certificate (`client: true`) its
 * common name, with no subjectAltName.
 */
export function buildChain(
  provider: CryptoProvider, type: CertKeyType, length: number, serverName = 'localhost', opts: { client?: boolean; rsaOffset?: number } = {},
): SimChain {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`chain length must be >= 1, got ${length}`);
  const scheme = schemeOf(type);
  const sigAlg = sigAlgOf(type);
  const validity = seq(tlv(0x17, ascii('200101000000Z')), tlv(0x18, ascii('20991231235959Z')));
  const rsaBits = RSA_BITS[type];
  let nextRsa = opts.rsaOffset ?? 0;
  const newKey = (): SigningKey => {
    if (rsaBits) return rsaKey(rsaBits, nextRsa++ % rsaKeyCount(rsaBits));
    return provider.generateSigningKey(type === 'ed25519' ? 'ed25519' : 'p256');
  };
  const caName = opts.client ? 'dtls-accel-sim client CA' : 'dtls-accel-sim root CA';

  const make = (serial: number, subject: string, issuer: string, subjectKey: SigningKey, issuerKey: SigningKey, ca: boolean) => {
    const pub = provider.publicKeyOf(subjectKey).raw;
    const exts = ca
      ? [extension(OID_BASIC_CONSTRAINTS, true, seq(tlv(0x01, bytes(0xff)))), extension(OID_KEY_USAGE, true, bitString(bytes(0x06)))]
      : opts.client
        ? [extension(OID_BASIC_CONSTRAINTS, true, seq())]
        : [extension(OID_BASIC_CONSTRAINTS, true, seq()), extension(OID_SAN, false, seq(tlv(0x82, ascii(serverName))))];
    const tbs = seq(
      tlv(0xa0, integer(2)),
      integer(serial),
      sigAlg,
      name(issuer),
      validity,
      name(subject),
      spki(type, pub),
      tlv(0xa3, seq(...exts)),
    );
    return seq(tbs, sigAlg, bitString(provider.sign(scheme, issuerKey, tbs)));
  };

  const rootKey = newKey();
  const root = make(1, caName, caName, rootKey, rootKey, true);
  let issuer = caName;
  let issuerKey = rootKey;
  const intermediates: Uint8Array[] = [];
  for (let i = 1; i < length; i++) {
    const key = newKey();
    const subject = `dtls-accel-sim intermediate ${i}`;
    intermediates.unshift(make(1 + i, subject, issuer, key, issuerKey, true));
    issuer = subject;
    issuerKey = key;
  }
  const leafKey = newKey();
  const leaf = make(100, opts.client ? 'client' : serverName, issuer, leafKey, issuerKey, false);
  return { chain: [leaf, ...intermediates], root, leafKey, scheme };
}

const chainMemo = new Map<string, SimChain[]>();
const CHAIN_MEMO_MAX = 8;

/**
 * The server's chains for one run: one per certificate type, built in order with the noble provider on the
 * stream `certificates` of `new Rng(seed)` (independent of every other stream of the run). They depend only on
 * (seed, types, length), so consecutive runs in one thread (the points of a sweep share their replication seeds)
 * reuse them instead of generating keys and signing again (~40-90 ms per run with noble). Memoised, at most 8
 * entries; the arrays are never modified after construction.
 */
export function serverChains(seed: number, types: readonly CertKeyType[], length: number): SimChain[] {
  const key = `${seed}|${types.join(',')}|${length}`;
  const hit = chainMemo.get(key);
  if (hit) return hit;
  const provider = createProvider('noble', new Rng(seed).stream('certificates'));
  const chains = types.map((t) => buildChain(provider, t, length));
  if (chainMemo.size >= CHAIN_MEMO_MAX) chainMemo.delete(chainMemo.keys().next().value!);
  chainMemo.set(key, chains);
  return chains;
}

/**
 * The clients' chains for one run, one per client key type (every client of a type presents the same chain: the
 * server's work, one verification per certificate plus the CertificateVerify, does not depend on which), under
 * one client CA per type, built like serverChains on the stream `client-certificates` (RSA: the fixed keys from
 * #9 on, apart from a server chain of up to 8). Memoised with the server chains.
 */
export function clientChains(seed: number, types: readonly CertKeyType[], length: number): SimChain[] {
  const key = `client|${seed}|${types.join(',')}|${length}`;
  const hit = chainMemo.get(key);
  if (hit) return hit;
  const provider = createProvider('noble', new Rng(seed).stream('client-certificates'));
  const chains = types.map((t) => buildChain(provider, t, length, 'client', { client: true, rsaOffset: 9 }));
  if (chainMemo.size >= CHAIN_MEMO_MAX) chainMemo.delete(chainMemo.keys().next().value!);
  chainMemo.set(key, chains);
  return chains;
}

/** Empties the serverChains memo (benchmarks measure the uncached cost). */
export function clearChainMemo(): void {
  chainMemo.clear();
}
