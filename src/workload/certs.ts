// In-memory X.509 v3 chains for the simulated server: a root CA (the clients' trust anchor, not sent), then
// chain_length - 1 intermediates and a leaf for "localhost", all of one key type. Certificates are DER-encoded here
// (RFC 5280 profile: version 3, serial, ecdsa-with-SHA256 or Ed25519, CN names, validity 2020..2099,
// basicConstraints, subjectAltName) and signed through the DTLS core's CryptoProvider, so the Certificate message
// has realistic sizes (about 380 B per ECDSA P-256 certificate) and the client verifies one real signature per
// certificate. src/dtls/cert parses and checks them (test/workload/certs.test.ts).
import { createProvider } from '../dtls/index.ts';
import type { CryptoProvider, SigningKey, SignatureScheme } from '../dtls/index.ts';
import { Rng } from '../sim/index.ts';

export type CertKeyType = 'ecdsa-p256' | 'ed25519';

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
const OID_CN = '2.5.4.3';
const OID_BASIC_CONSTRAINTS = '2.5.29.19';
const OID_SAN = '2.5.29.17';
const OID_KEY_USAGE = '2.5.29.15';

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x & 0xff);
  return [0x80 | b.length, ...b];
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const h = [tag, ...len(n)];
  const out = new Uint8Array(h.length + n);
  out.set(h, 0);
  let o = h.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const seq = (...p: Uint8Array[]) => tlv(0x30, ...p);
const set = (...p: Uint8Array[]) => tlv(0x31, ...p);
const bytes = (...b: number[]) => Uint8Array.from(b);
const ascii = (s: string) => new TextEncoder().encode(s);

function oid(dotted: string): Uint8Array {
  const a = dotted.split('.').map(Number);
  const out: number[] = [a[0]! * 40 + a[1]!];
  for (const v of a.slice(2)) {
    const b: number[] = [v & 0x7f];
    for (let x = Math.floor(v / 128); x > 0; x = Math.floor(x / 128)) b.unshift(0x80 | (x & 0x7f));
    out.push(...b);
  }
  return tlv(0x06, Uint8Array.from(out));
}

function integer(n: number): Uint8Array {
  const b: number[] = [];
  for (let x = n; x > 0; x = Math.floor(x / 256)) b.unshift(x & 0xff);
  if (b.length === 0 || b[0]! & 0x80) b.unshift(0);
  return tlv(0x02, Uint8Array.from(b));
}

const name = (cn: string) => seq(set(seq(oid(OID_CN), tlv(0x0c, ascii(cn)))));
const bitString = (b: Uint8Array) => tlv(0x03, bytes(0), b);

function extension(id: string, critical: boolean, value: Uint8Array): Uint8Array {
  return critical ? seq(oid(id), tlv(0x01, bytes(0xff)), tlv(0x04, value)) : seq(oid(id), tlv(0x04, value));
}

function spki(type: CertKeyType, pub: Uint8Array): Uint8Array {
  return type === 'ed25519' ? seq(seq(oid(OID_ED25519)), bitString(pub)) : seq(seq(oid(OID_EC_PUBLIC_KEY), oid(OID_P256)), bitString(pub));
}

/**
 * Builds a chain of `length` certificates (leaf + length-1 intermediates) under a root CA, keys drawn from the
 * provider's RandomSource. Deterministic when the provider's signatures are (Ed25519; ECDSA with RFC 6979).
 */
export function buildChain(provider: CryptoProvider, type: CertKeyType, length: number, serverName = 'localhost'): SimChain {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`chain length must be >= 1, got ${length}`);
  const kind = type === 'ed25519' ? 'ed25519' : 'p256';
  const scheme: SignatureScheme = type === 'ed25519' ? 'ed25519' : 'ecdsa_secp256r1_sha256';
  const sigAlg = type === 'ed25519' ? seq(oid(OID_ED25519)) : seq(oid(OID_ECDSA_SHA256));
  const validity = seq(tlv(0x17, ascii('200101000000Z')), tlv(0x18, ascii('20991231235959Z')));

  const make = (serial: number, subject: string, issuer: string, subjectKey: SigningKey, issuerKey: SigningKey, ca: boolean) => {
    const pub = provider.publicKeyOf(subjectKey).raw;
    const exts = ca
      ? [extension(OID_BASIC_CONSTRAINTS, true, seq(tlv(0x01, bytes(0xff)))), extension(OID_KEY_USAGE, true, bitString(bytes(0x06)))]
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

  const rootKey = provider.generateSigningKey(kind);
  const root = make(1, 'dtls-accel-sim root CA', 'dtls-accel-sim root CA', rootKey, rootKey, true);
  let issuer = 'dtls-accel-sim root CA';
  let issuerKey = rootKey;
  const intermediates: Uint8Array[] = [];
  for (let i = 1; i < length; i++) {
    const key = provider.generateSigningKey(kind);
    const subject = `dtls-accel-sim intermediate ${i}`;
    intermediates.unshift(make(1 + i, subject, issuer, key, issuerKey, true));
    issuer = subject;
    issuerKey = key;
  }
  const leafKey = provider.generateSigningKey(kind);
  const leaf = make(100, serverName, issuer, leafKey, issuerKey, false);
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

/** Empties the serverChains memo (benchmarks measure the uncached cost). */
export function clearChainMemo(): void {
  chainMemo.clear();
}
