// Key format helpers (pure, no crypto): canonical raw keys <-> PKCS#8 / SPKI DER.
//
//   signingKeyFromPkcs8(der): SigningKey      PKCS#8 PrivateKeyInfo for Ed25519 (1.3.101.112), EC P-256
//                                              (id-ecPublicKey + prime256v1, SEC1 ECPrivateKey inside) or RSA
//                                              (rsaEncryption, raw = the PKCS#1 RSAPrivateKey inside)
//   verifyKeyFromSpki(der): VerifyKey         SubjectPublicKeyInfo for Ed25519, P-256 (uncompressed point) or RSA
//                                              (rsaEncryption, raw = the PKCS#1 RSAPublicKey)
//   parsePkcs8(der) / parseSpki(der)          same, also accept X25519 (1.3.101.110): { alg, raw }
//   pkcs8FromRaw(alg, raw) / spkiFromRaw(alg, raw)   the reverse (used by the node provider)
//   pemToDer(pem)                              first PEM block's bytes
// All parse functions throw KeyFormatError on malformed or unsupported input.
import type { SigningKey, VerifyKey } from './provider.ts';
import { parseRsaPrivateKey, parseRsaPublicKey } from './rsa.ts';

export type KeyAlg = 'ed25519' | 'p256' | 'x25519' | 'rsa';

export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}

const OID_ED25519 = '2b6570';
const OID_X25519 = '2b656e';
const OID_EC = '2a8648ce3d0201';
const OID_P256 = '2a8648ce3d030107';
const OID_RSA = '2a864886f70d010101';

interface Tlv { tag: number; start: number; end: number; next: number }

function readTlv(b: Uint8Array, pos: number, limit: number): Tlv {
  if (pos + 2 > limit) throw new KeyFormatError('truncated DER');
  const tag = b[pos]!;
  let len = b[pos + 1]!;
  let p = pos + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 3 || p + n > limit) throw new KeyFormatError('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[p + i]!;
    p += n;
  }
  if (p + len > limit) throw new KeyFormatError('truncated DER');
  return { tag, start: p, end: p + len, next: p + len };
}

function children(b: Uint8Array, t: Tlv): Tlv[] {
  const out: Tlv[] = [];
  let p = t.start;
  while (p < t.end) {
    const c = readTlv(b, p, t.end);
    out.push(c);
    p = c.next;
  }
  return out;
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

function algOf(b: Uint8Array, algId: Tlv): KeyAlg {
  const parts = children(b, algId);
  if (parts.length < 1 || parts[0]!.tag !== 0x06) throw new KeyFormatError('bad AlgorithmIdentifier');
  const oid = hex(b.subarray(parts[0]!.start, parts[0]!.end));
  if (oid === OID_ED25519) return 'ed25519';
  if (oid === OID_X25519) return 'x25519';
  if (oid === OID_RSA) return 'rsa';
  if (oid === OID_EC) {
    const p = parts[1];
    if (!p || p.tag !== 0x06 || hex(b.subarray(p.start, p.end)) !== OID_P256) {
      throw new KeyFormatError('unsupported EC curve (only P-256)');
    }
    return 'p256';
  }
  throw new KeyFormatError(`unsupported key algorithm OID ${oid}`);
}

export function parsePkcs8(der: Uint8Array): { alg: KeyAlg; raw: Uint8Array } {
  const top = readTlv(der, 0, der.length);
  if (top.tag !== 0x30) throw new KeyFormatError('PKCS#8: not a SEQUENCE');
  const f = children(der, top);
  if (f.length < 3 || f[0]!.tag !== 0x02 || f[1]!.tag !== 0x30 || f[2]!.tag !== 0x04) {
    throw new KeyFormatError('PKCS#8: bad structure');
  }
  const alg = algOf(der, f[1]!);
  const pk = f[2]!;
  if (alg === 'rsa') {
    const raw = der.slice(pk.start, pk.end);
    checkRsa(() => parseRsaPrivateKey(raw));
    return { alg, raw };
  }
  if (alg === 'p256') {
    const ec = readTlv(der, pk.start, pk.end);
    if (ec.tag !== 0x30) throw new KeyFormatError('ECPrivateKey: not a SEQUENCE');
    const e = children(der, ec);
    if (e.length < 2 || e[1]!.tag !== 0x04) throw new KeyFormatError('ECPrivateKey: bad structure');
    let raw = der.slice(e[1]!.start, e[1]!.end);
    if (raw.length > 32) throw new KeyFormatError('ECPrivateKey: scalar too long');
    if (raw.length < 32) { const r = new Uint8Array(32); r.set(raw, 32 - raw.length); raw = r; }
    return { alg, raw };
  }
  const inner = readTlv(der, pk.start, pk.end);
  if (inner.tag !== 0x04 || inner.end - inner.start !== 32) throw new KeyFormatError('PKCS#8: bad CurvePrivateKey');
  return { alg, raw: der.slice(inner.start, inner.end) };
}

export function parseSpki(der: Uint8Array): { alg: KeyAlg; raw: Uint8Array } {
  const top = readTlv(der, 0, der.length);
  if (top.tag !== 0x30) throw new KeyFormatError('SPKI: not a SEQUENCE');
  const f = children(der, top);
  if (f.length !== 2 || f[0]!.tag !== 0x30 || f[1]!.tag !== 0x03) throw new KeyFormatError('SPKI: bad structure');
  const alg = algOf(der, f[0]!);
  const bits = f[1]!;
  if (bits.end - bits.start < 1 || der[bits.start] !== 0) throw new KeyFormatError('SPKI: bad BIT STRING');
  const raw = der.slice(bits.start + 1, bits.end);
  if (alg === 'rsa') {
    checkRsa(() => parseRsaPublicKey(raw));
    return { alg, raw };
  }
  const want = alg === 'p256' ? 65 : 32;
  if (raw.length !== want || (alg === 'p256' && raw[0] !== 4)) {
    throw new KeyFormatError('SPKI: bad public key length (P-256 must be uncompressed)');
  }
  return { alg, raw };
}

function checkRsa(parse: () => unknown): void {
  try {
    parse();
  } catch (e) {
    throw new KeyFormatError((e as Error).message);
  }
}

export function signingKeyFromPkcs8(der: Uint8Array): SigningKey {
  const k = parsePkcs8(der);
  if (k.alg === 'x25519') throw new KeyFormatError('X25519 key is not a signing key');
  return { kind: k.alg, raw: k.raw };
}

export function verifyKeyFromSpki(der: Uint8Array): VerifyKey {
  const k = parseSpki(der);
  if (k.alg === 'x25519') throw new KeyFormatError('X25519 key is not a signature key');
  return { kind: k.alg, raw: k.raw };
}

const PKCS8_PREFIX: Record<Exclude<KeyAlg, 'rsa'>, string> = {
  ed25519: '302e020100300506032b657004220420',
  x25519: '302e020100300506032b656e04220420',
  p256: '3041020100301306072a8648ce3d020106082a8648ce3d030107042730250201010420',
};
const SPKI_PREFIX: Record<Exclude<KeyAlg, 'rsa'>, string> = {
  ed25519: '302a300506032b6570032100',
  x25519: '302a300506032b656e032100',
  p256: '3059301306072a8648ce3d020106082a8648ce3d030107034200',
};

function fromHex(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

function prefixed(prefix: string, raw: Uint8Array): Uint8Array {
  const p = fromHex(prefix);
  const out = new Uint8Array(p.length + raw.length);
  out.set(p);
  out.set(raw, p.length);
  return out;
}

/** PKCS#8 DER for a raw 32-byte private key (P-256 without the optional public key). */
export function pkcs8FromRaw(alg: KeyAlg, raw: Uint8Array): Uint8Array {
  if (alg === 'rsa') throw new KeyFormatError('RSA keys are imported as PKCS#1');
  if (raw.length !== 32) throw new KeyFormatError(`${alg} private key must be 32 bytes`);
  return prefixed(PKCS8_PREFIX[alg], raw);
}

/** SPKI DER for a raw public key (32 bytes, or 65-byte uncompressed P-256 point). */
export function spkiFromRaw(alg: KeyAlg, raw: Uint8Array): Uint8Array {
  if (alg === 'rsa') throw new KeyFormatError('RSA keys are imported as PKCS#1');
  if (raw.length !== (alg === 'p256' ? 65 : 32)) throw new KeyFormatError(`bad ${alg} public key length`);
  return prefixed(SPKI_PREFIX[alg], raw);
}

/** Bytes of the first PEM block (any label). */
export function pemToDer(pem: string): Uint8Array {
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(pem);
  if (!m) throw new KeyFormatError('no PEM block');
  const b64 = m[1]!.replace(/\s+/g, '');
  return base64Decode(b64);
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let acc = 0, bits = 0, o = 0;
  for (const ch of clean) {
    const v = B64.indexOf(ch);
    if (v < 0) throw new KeyFormatError('bad base64');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) { bits -= 8; out[o++] = (acc >> bits) & 0xff; }
  }
  return out.subarray(0, o);
}
