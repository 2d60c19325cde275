// RSA signatures (RFC 8017), pure JS on BigInt, hashing injected; shared by both providers:
//   - keys: PKCS#1 RSAPrivateKey / RSAPublicKey DER (RFC 8017 A.1) <-> numbers; the canonical key form of the
//     providers is { kind: 'rsa', raw: <PKCS#1 DER> } (private: RSAPrivateKey, public: RSAPublicKey);
//   - EMSA-PSS encoding and verification (9.1.1 / 9.1.2) with MGF1 (B.2.1), EMSA-PKCS1-v1_5 encoding (9.2);
//   - RSASP1 with the Chinese remainder theorem (5.2.1 2b) and RSAVP1 (5.2.2) by fixed-window exponentiation.
// The node provider uses the encodings only (its RSA primitive is OpenSSL's); the noble provider uses all of it.
// Accepted moduli: RSA_MIN_BITS (2048, NIST SP 800-131A Rev. 2: smaller RSA keys are disallowed for signatures)
// to RSA_MAX_BITS (8192, bounds the work a peer's certificate can demand); public exponent odd, 3 <= e < n.
// Not constant-time (BigInt): acceptable for this simulator, noted in docs/protocol.md.
import { CryptoError } from './provider.ts';

export type HashFn = (data: Uint8Array) => Uint8Array;

export const RSA_MIN_BITS = 2048;
export const RSA_MAX_BITS = 8192;

/** A well-formed RSA key whose modulus is outside RSA_MIN_BITS..RSA_MAX_BITS. */
export class RsaKeySizeError extends CryptoError {
  constructor(readonly bits: number) {
    super(`RSA modulus of ${bits} bits (supported: ${RSA_MIN_BITS}..${RSA_MAX_BITS})`);
  }
}

export interface RsaPublic {
  n: bigint;
  e: bigint;
  /** Modulus length in bits (2048, 3072, 4096 ...). */
  bits: number;
  /** Modulus length in bytes (signature length). */
  k: number;
}
export interface RsaPrivate extends RsaPublic {
  d: bigint;
  p: bigint;
  q: bigint;
  dp: bigint;
  dq: bigint;
  qinv: bigint;
}

// ---- DER (just what PKCS#1 keys need: SEQUENCE of INTEGERs) ----

interface Tlv { tag: number; start: number; end: number }

function tlv(b: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new CryptoError('RSA key: truncated DER');
  const tag = b[pos]!;
  let len = b[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > limit) throw new CryptoError('RSA key: bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    if (len < 0x80 || (n > 1 && b[p] === 0)) throw new CryptoError('RSA key: non-minimal DER length');
    p += n;
  }
  if (p + len > limit) throw new CryptoError('RSA key: truncated DER');
  return { tag, start: p, end: p + len };
}

/** The INTEGERs of a DER SEQUENCE that fills `der` exactly (non-negative, minimally encoded). */
function integers(der: Uint8Array): bigint[] {
  const top = tlv(der, 0, der.length);
  if (top.tag !== 0x30 || top.end !== der.length) throw new CryptoError('RSA key: not a single DER SEQUENCE');
  const out: bigint[] = [];
  for (let p = top.start; p < top.end; ) {
    const t = tlv(der, p, top.end);
    if (t.tag !== 0x02 || t.end === t.start) throw new CryptoError('RSA key: expected an INTEGER');
    if (der[t.start]! & 0x80) throw new CryptoError('RSA key: negative INTEGER');
    if (t.end - t.start > 1 && der[t.start] === 0 && !(der[t.start + 1]! & 0x80)) throw new CryptoError('RSA key: non-minimal INTEGER');
    out.push(os2ip(der.subarray(t.start, t.end)));
    p = t.end;
  }
  return out;
}

function derLength(n: number): number[] {
  if (n < 0x80) return [n];
  const b: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) b.unshift(v & 0xff);
  return [0x80 | b.length, ...b];
}

function derInteger(x: bigint): number[] {
  let h = x.toString(16);
  if (h.length % 2) h = '0' + h;
  const bytes: number[] = [];
  for (let i = 0; i < h.length; i += 2) bytes.push(parseInt(h.slice(i, i + 2), 16));
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return [0x02, ...derLength(bytes.length), ...bytes];
}

function checkPublic(n: bigint, e: bigint): { bits: number; k: number } {
  const bits = n.toString(2).length;
  if (bits < RSA_MIN_BITS || bits > RSA_MAX_BITS) throw new RsaKeySizeError(bits);
  if ((n & 1n) === 0n) throw new CryptoError('RSA modulus is even');
  if (e < 3n || (e & 1n) === 0n || e >= n) throw new CryptoError('RSA public exponent out of range');
  return { bits, k: Math.ceil(bits / 8) };
}

/** RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }. Throws CryptoError. */
export function parseRsaPublicKey(der: Uint8Array): RsaPublic {
  const v = integers(der);
  if (v.length !== 2) throw new CryptoError('RSAPublicKey: expected 2 INTEGERs');
  const [n, e] = v as [bigint, bigint];
  return { n, e, ...checkPublic(n, e) };
}

/** RSAPrivateKey (two-prime, version 0). Throws CryptoError on malformed or inconsistent keys. */
export function parseRsaPrivateKey(der: Uint8Array): RsaPrivate {
  const v = integers(der);
  if (v.length !== 9) throw new CryptoError('RSAPrivateKey: expected 9 INTEGERs (multi-prime keys are not supported)');
  const [version, n, e, d, p, q, dp, dq, qinv] = v as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (version !== 0n) throw new CryptoError('RSAPrivateKey: version must be 0');
  const pub = checkPublic(n, e);
  if (p * q !== n || p < 3n || q < 3n) throw new CryptoError('RSAPrivateKey: n != p * q');
  if (d <= 0n || d >= n || dp !== d % (p - 1n) || dq !== d % (q - 1n) || (qinv * q) % p !== 1n) {
    throw new CryptoError('RSAPrivateKey: inconsistent CRT parameters');
  }
  return { n, e, d, p, q, dp, dq, qinv, ...pub };
}

/** DER RSAPublicKey for (n, e): the public half of an RSAPrivateKey, as certificates carry it. */
export function encodeRsaPublicKey(n: bigint, e: bigint): Uint8Array {
  const body = [...derInteger(n), ...derInteger(e)];
  return Uint8Array.from([0x30, ...derLength(body.length), ...body]);
}

// ---- integers <-> octets, primitives ----

export function os2ip(b: Uint8Array): bigint {
  let h = '';
  for (let i = 0; i < b.length; i++) h += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return h === '' ? 0n : BigInt('0x' + h);
}

/** I2OSP (RFC 8017 4.1); undefined when x >= 256^len. */
export function i2osp(x: bigint, len: number): Uint8Array | undefined {
  const h = x.toString(16);
  if (h.length > 2 * len) return undefined;
  const p = h.padStart(2 * len, '0');
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(p.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** b^e mod m, 4-bit fixed window. */
export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  const base = b % m;
  const table: bigint[] = [1n, base];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * base) % m);
  const h = e.toString(16);
  let r = 1n;
  for (let i = 0; i < h.length; i++) {
    if (i > 0) for (let s = 0; s < 4; s++) r = (r * r) % m;
    const w = parseInt(h[i]!, 16);
    if (w) r = (r * table[w]!) % m;
  }
  return r;
}

/** RSAVP1: s^e mod n, or undefined when s >= n. */
export function rsavp1(k: RsaPublic, s: bigint): bigint | undefined {
  return s >= k.n ? undefined : modPow(s, k.e, k.n);
}

/** RSASP1 with CRT; the result is checked with the public exponent (a wrong key never yields a bad signature). */
export function rsasp1(k: RsaPrivate, m: bigint): bigint {
  if (m >= k.n) throw new CryptoError('RSASP1: message representative out of range');
  const m1 = modPow(m % k.p, k.dp, k.p);
  const m2 = modPow(m % k.q, k.dq, k.q);
  let h = ((m1 - m2) * k.qinv) % k.p;
  if (h < 0n) h += k.p;
  const s = m2 + h * k.q;
  if (modPow(s, k.e, k.n) !== m) throw new CryptoError('RSASP1: signature check failed (inconsistent key)');
  return s;
}

// ---- encodings ----

/** MGF1 (RFC 8017 B.2.1). */
export function mgf1(hash: HashFn, hLen: number, seed: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  const buf = new Uint8Array(seed.length + 4);
  buf.set(seed);
  for (let c = 0, pos = 0; pos < len; c++, pos += hLen) {
    buf[seed.length] = c >>> 24;
    buf[seed.length + 1] = (c >>> 16) & 0xff;
    buf[seed.length + 2] = (c >>> 8) & 0xff;
    buf[seed.length + 3] = c & 0xff;
    const t = hash(buf);
    out.set(t.subarray(0, Math.min(hLen, len - pos)), pos);
  }
  return out;
}

/** EMSA-PSS-ENCODE (RFC 8017 9.1.1) of a message hash with the given salt; emBits = modBits - 1. */
export function emsaPssEncode(hash: HashFn, mHash: Uint8Array, salt: Uint8Array, emBits: number): Uint8Array {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (emLen < hLen + salt.length + 2) throw new CryptoError('EMSA-PSS: encoding error (modulus too short)');
  const mp = new Uint8Array(8 + hLen + salt.length);
  mp.set(mHash, 8);
  mp.set(salt, 8 + hLen);
  const h = hash(mp);
  const dbLen = emLen - hLen - 1;
  const db = new Uint8Array(dbLen);
  db[dbLen - salt.length - 1] = 0x01;
  db.set(salt, dbLen - salt.length);
  const mask = mgf1(hash, hLen, h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = db[i]! ^ mask[i]!;
  db[0] = db[0]! & (0xff >>> (8 * emLen - emBits));
  const em = new Uint8Array(emLen);
  em.set(db);
  em.set(h, dbLen);
  em[emLen - 1] = 0xbc;
  return em;
}

/** EMSA-PSS-VERIFY (RFC 8017 9.1.2) with a fixed salt length; true for "consistent". */
export function emsaPssVerify(hash: HashFn, mHash: Uint8Array, em: Uint8Array, emBits: number, sLen: number): boolean {
  const hLen = mHash.length;
  const emLen = Math.ceil(emBits / 8);
  if (em.length !== emLen || emLen < hLen + sLen + 2 || em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const topMask = 0xff >>> (8 * emLen - emBits);
  if ((em[0]! & ~topMask & 0xff) !== 0) return false;
  const h = em.subarray(dbLen, dbLen + hLen);
  const mask = mgf1(hash, hLen, h, dbLen);
  const db = new Uint8Array(dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = em[i]! ^ mask[i]!;
  db[0] = db[0]! & topMask;
  const psLen = emLen - hLen - sLen - 2;
  for (let i = 0; i < psLen; i++) if (db[i] !== 0) return false;
  if (db[psLen] !== 0x01) return false;
  const mp = new Uint8Array(8 + hLen + sLen);
  mp.set(mHash, 8);
  mp.set(db.subarray(dbLen - sLen), 8 + hLen);
  const h2 = hash(mp);
  let diff = 0;
  for (let i = 0; i < hLen; i++) diff |= h2[i]! ^ h[i]!;
  return diff === 0;
}

/** DigestInfo prefixes (RFC 8017 9.2 note 1) for SHA-256 and SHA-384 (AlgorithmIdentifier with NULL parameters). */
const DIGEST_INFO: Readonly<Record<number, readonly number[]>> = {
  32: [0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20],
  48: [0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30],
};

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 9.2) of a SHA-256 or SHA-384 message hash into emLen bytes. */
export function emsaPkcs1Encode(mHash: Uint8Array, emLen: number): Uint8Array {
  const prefix = DIGEST_INFO[mHash.length];
  if (!prefix) throw new CryptoError('EMSA-PKCS1-v1_5: unsupported hash');
  const tLen = prefix.length + mHash.length;
  if (emLen < tLen + 11) throw new CryptoError('EMSA-PKCS1-v1_5: intended encoded message length too short');
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - tLen - 1] = 0x00;
  em.set(prefix, emLen - tLen);
  em.set(mHash, emLen - mHash.length);
  return em;
}
