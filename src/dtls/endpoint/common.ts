// Helpers shared by the client and server state machines.
import { SCHEME_KEY_KIND, type CryptoProvider, type HashAlg, type KxGroup, type SignatureScheme, type VerifyKey } from '../crypto/provider.ts';
import { KeySchedule } from '../keyschedule.ts';
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, groupCodes, signatureCodes } from '../handshake/constants.ts';
import { keylogLine, type KeylogLabel } from '../keylog.ts';
import type { ResolvedCommon } from './config.ts';

const groupByCode = new Map<number, KxGroup>([[0x001d, 'x25519'], [0x0017, 'secp256r1'], [0x11ec, 'X25519MLKEM768'], [0x0201, 'MLKEM768']]);
// rsa_pkcs1_* (0x0401, 0x0501) deliberately absent: never valid in CertificateVerify (RFC 8446 4.2.3)
const schemeByCode = new Map<number, SignatureScheme>([[0x0807, 'ed25519'], [0x0403, 'ecdsa_secp256r1_sha256'],
  [0x0804, 'rsa_pss_rsae_sha256'], [0x0805, 'rsa_pss_rsae_sha384']]);

export function groupCode(g: KxGroup): number {
  return groupCodes[g];
}
export function groupFromCode(c: number): KxGroup | undefined {
  return groupByCode.get(c);
}
export function schemeCode(s: SignatureScheme): number {
  return signatureCodes[s];
}
export function schemeFromCode(c: number): SignatureScheme | undefined {
  return schemeByCode.get(c);
}

const SPACES = new Uint8Array(64).fill(0x20);
const enc = new TextEncoder();
const SERVER_CTX = enc.encode('TLS 1.3, server CertificateVerify');
const CLIENT_CTX = enc.encode('TLS 1.3, client CertificateVerify');

/** RFC 8446 4.4.3: 64 spaces || context string || 0x00 || transcript hash. */
export function certificateVerifyContent(side: 'server' | 'client', transcriptHash: Uint8Array): Uint8Array {
  const ctx = side === 'server' ? SERVER_CTX : CLIENT_CTX;
  const out = new Uint8Array(64 + ctx.length + 1 + transcriptHash.length);
  out.set(SPACES);
  out.set(ctx, 64);
  out[64 + ctx.length] = 0;
  out.set(transcriptHash, 65 + ctx.length);
  return out;
}

export function verifySignature(crypto: CryptoProvider, scheme: SignatureScheme, key: VerifyKey, content: Uint8Array,
  sig: Uint8Array): void {
  if (key.kind !== SCHEME_KEY_KIND[scheme]) throw new AlertError(AlertDescription.illegal_parameter, 'signature scheme does not match key');
  if (!crypto.verify(scheme, key, content, sig)) throw new AlertError(AlertDescription.decrypt_error, 'bad CertificateVerify');
}

/** Derive-Secret(Early Secret without PSK, "derived", "") is a constant per hash: cached per provider. */
const derivedSaltCache = new WeakMap<CryptoProvider, Map<HashAlg, Uint8Array>>();
/** Handshake Secret = HKDF-Extract(Derive-Secret(Early Secret(0), "derived", ""), ecdhe) with the constant salt
 *  cached (a PSK-less handshake needs no early-secret work; hardware would keep it in a register too). */
export function handshakeSecretNoPsk(crypto: CryptoProvider, ks: KeySchedule, ecdhe: Uint8Array): Uint8Array {
  let m = derivedSaltCache.get(crypto);
  if (!m) derivedSaltCache.set(crypto, (m = new Map()));
  let salt = m.get(ks.hash);
  if (!salt) {
    salt = ks.deriveSecret(ks.earlySecret(), 'derived', ks.emptyHash());
    m.set(ks.hash, salt);
  }
  return crypto.hkdfExtract(ks.hash, salt, ecdhe);
}

/** One KeySchedule per provider and hash: it is stateless apart from its cached Hash(""), which connections share. */
const scheduleCache = new WeakMap<CryptoProvider, Map<HashAlg, KeySchedule>>();
export function scheduleFor(crypto: CryptoProvider, hash: HashAlg): KeySchedule {
  let m = scheduleCache.get(crypto);
  if (!m) scheduleCache.set(crypto, (m = new Map()));
  let ks = m.get(hash);
  if (!ks) m.set(hash, (ks = new KeySchedule(crypto, hash)));
  return ks;
}

/** A secret the key schedule just derived for the connection: to the `secrets` sink and the `keylog` (as a line). */
export function logSecret(cfg: ResolvedCommon, label: KeylogLabel, clientRandom: Uint8Array, secret: Uint8Array): void {
  if (cfg.secrets) cfg.secrets(label, clientRandom, secret);
  if (cfg.keylog) cfg.keylog(keylogLine(label, clientRandom, secret));
}
