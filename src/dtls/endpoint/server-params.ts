// Server negotiation without connection state: the resolved server configuration, the choice of suite, group and
// credential for a ClientHello, and the HelloRetryRequest body (also used by the stateless dispatcher).
import type { KxGroup } from '../crypto/provider.ts';
import { type CipherSuite, getSuite } from '../crypto/suites.ts';
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, DTLS13, ExtensionType as X, HRR_RANDOM } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import { type ClientHello, encodeServerHello } from '../handshake/messages.ts';
import { DEFAULT_SERVER_SCHEMES, type ResolvedCommon, type ServerConfig, type ServerCredential, resolveCommon } from './config.ts';
import { type ResolvedClientAuth, certificateRequestBody, resolveClientAuth } from './client-auth.ts';
import { groupCode, schemeCode } from './common.ts';
import type { ServerPskConfig } from './psk.ts';
import { chainSignatureSchemes } from '../cert/schemes.ts';

export interface ResolvedServer extends ResolvedCommon, ResolvedClientAuth {
  credentials: ServerCredential[];
  /** For each credential, the codes of the signature schemes its chain's certificates are signed with (self-signed
   *  ones left out; -1 for an algorithm without a TLS code), matched against the client's signature_algorithms_cert. */
  credentialCertSchemes: number[][];
  /** The CertificateRequest body (client authentication 'request' / 'require'), built once: it depends on the
   *  configuration only (a client verifier that checks none of our schemes fails here, as a TypeError). */
  certificateRequest: Uint8Array | undefined;
  echoLegacySessionId: boolean;
  connectionIdLength: number;
  psk: ServerPskConfig | undefined;
}

export function resolveServer(c: ServerConfig): ResolvedServer {
  const given = c.credential;
  const creds: ServerCredential[] = given === undefined ? [] : isCredentialList(given) ? given.slice() : [given];
  if (creds.some((x) => !x || !Array.isArray(x.chain) || !x.chain.length)) throw new TypeError('ServerConfig.credential: a credential without a chain');
  const pskOnly = (c.psk?.external?.length ?? 0) > 0 || c.psk?.lookup !== undefined || c.psk?.tickets !== undefined;
  if (!creds.length && !pskOnly) throw new TypeError('ServerConfig.credential is required unless psk has external PSKs (or a lookup) or tickets');
  const common = resolveCommon(c);
  if (!c.signatureSchemes?.length) common.signatureSchemes = DEFAULT_SERVER_SCHEMES.slice();
  const auth = resolveClientAuth(c);
  return {
    ...common,
    credentials: creds,
    credentialCertSchemes: creds.map((x) => chainSignatureSchemes(x.chain).map((sc) => (sc === 'unknown' ? -1 : schemeCode(sc)))),
    echoLegacySessionId: c.echoLegacySessionId ?? false,
    connectionIdLength: c.connectionIdLength ?? 0,
    ...auth,
    certificateRequest: auth.clientAuth === 'none' ? undefined : certificateRequestBody(common.signatureSchemes, auth.clientVerifier?.certificateSchemes),
    psk: c.psk,
  };
}

function isCredentialList(c: ServerCredential | readonly ServerCredential[]): c is readonly ServerCredential[] {
  return Array.isArray(c);
}

export interface Selection {
  suite: CipherSuite;
  group: KxGroup;
  /** The client's share for `group`, or undefined when a HelloRetryRequest must ask for it. */
  share: Uint8Array | undefined;
  credential: ServerCredential;
}

/**
 * What every ClientHello must satisfy, whether a PSK or a certificate will authenticate the handshake (checked
 * before the PSK is chosen; until 2026-12-08 only the certificate path checked, so a ClientHello with a usable PSK
 * was accepted with DTLS 1.3 missing from supported_versions or with bad legacy fields): an empty legacy_cookie
 * (RFC 9147 5.3), compression methods exactly [0] (RFC 8446 4.1.2), DTLS 1.3 in supported_versions (RFC 8446
 * 4.2.1), and every key share for a group listed in supported_groups (RFC 8446 4.2.8). Throws AlertError.
 */
export function checkClientHello(ch: ClientHello): HelloShares {
  if (ch.legacyCookie.length !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'legacy_cookie not empty');
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    throw new AlertError(AlertDescription.illegal_parameter, 'compression methods');
  }
  const sv = E.findExt(ch.extensions, X.supported_versions);
  if (!sv || !E.SupportedVersions.decodeClient(sv).includes(DTLS13)) {
    throw new AlertError(AlertDescription.protocol_version, 'client does not offer DTLS 1.3');
  }
  const ksData = E.findExt(ch.extensions, X.key_share);
  if (!ksData) return NO_SHARES;
  const sgData = E.findExt(ch.extensions, X.supported_groups);
  if (!sgData) throw new AlertError(AlertDescription.missing_extension, 'key_share without supported_groups');
  const groups = E.SupportedGroups.decode(sgData);
  const shares = E.KeyShare.decodeClient(ksData);
  for (const s of shares) {
    if (!groups.includes(s.group)) throw new AlertError(AlertDescription.illegal_parameter, 'key_share for unlisted group');
  }
  return { groups, shares };
}

/** A ClientHello's supported_groups and key_share as checkClientHello decoded them (both undefined without a
 *  key_share), handed to selectParams so that they are decoded once per hello. */
export interface HelloShares {
  groups: number[] | undefined;
  shares: E.KeyShareEntry[] | undefined;
}
const NO_SHARES: HelloShares = { groups: undefined, shares: undefined };

/** Negotiates suite, group and credential for a ClientHello that passed checkClientHello (`hello`: what it decoded;
 *  server preference order). Throws AlertError. */
export function selectParams(cfg: ResolvedServer, ch: ClientHello, hello: HelloShares): Selection {
  // a PSK-only server (no certificate credential): the ClientHello offered no PSK it could use
  if (!cfg.credentials.length) throw new AlertError(AlertDescription.handshake_failure, 'no usable PSK offered and no certificate credential');
  let suite: CipherSuite | undefined;
  for (const name of cfg.suites) {
    const s = getSuite(name);
    if (ch.cipherSuites.includes(s.code)) { suite = s; break; }
  }
  if (!suite) throw new AlertError(AlertDescription.handshake_failure, 'no common cipher suite');
  const { groups: clientGroups, shares } = hello; // each share for a listed group (checkClientHello)
  const saData = E.findExt(ch.extensions, X.signature_algorithms);
  if (!clientGroups || !shares) throw new AlertError(AlertDescription.missing_extension, 'supported_groups/key_share missing');
  if (!saData) throw new AlertError(AlertDescription.missing_extension, 'signature_algorithms missing');
  const schemes = E.SignatureAlgorithms.decode(saData);
  // the credential: its CertificateVerify scheme offered by the client, and preferably its chain signed only with
  // schemes the client accepts in certificates (signature_algorithms_cert, else signature_algorithms: RFC 8446
  // 4.2.3); without such a chain, the first usable one (4.4.2.2: the server "SHOULD continue the handshake by
  // sending the client a certificate chain of its choice"; a client that cannot validate it fails cleanly with
  // unsupported_certificate)
  const sacData = E.findExt(ch.extensions, X.signature_algorithms_cert);
  const certOk = sacData ? E.SignatureAlgorithms.decode(sacData) : schemes;
  let credential: ServerCredential | undefined;
  let fallback: ServerCredential | undefined;
  for (let i = 0; i < cfg.credentials.length; i++) {
    const c = cfg.credentials[i]!;
    if (!cfg.signatureSchemes.includes(c.scheme) || !schemes.includes(schemeCode(c.scheme))) continue;
    if (cfg.credentialCertSchemes[i]!.every((code) => certOk.includes(code))) { credential = c; break; }
    fallback ??= c;
  }
  credential ??= fallback;
  if (!credential) throw new AlertError(AlertDescription.handshake_failure, 'no common signature scheme');
  for (const g of cfg.groups) {
    const sh = shares.find((s) => s.group === groupCode(g));
    if (sh) return { suite, group: g, share: sh.keyExchange, credential };
  }
  for (const g of cfg.groups) {
    if (clientGroups.includes(groupCode(g))) return { suite, group: g, share: undefined, credential };
  }
  throw new AlertError(AlertDescription.handshake_failure, 'no common group');
}

/** HelloRetryRequest body; deterministic so a stateless server can rebuild it from the cookie. */
export function buildHrrBody(suiteCode: number, group: KxGroup | undefined, cookie: Uint8Array | undefined,
  sessionIdEcho: Uint8Array): Uint8Array {
  const exts: E.Extension[] = [{ type: X.supported_versions, data: E.SupportedVersions.encodeServer(DTLS13) }];
  if (group) exts.push({ type: X.key_share, data: E.KeyShare.encodeHrr(groupCode(group)) });
  if (cookie) exts.push({ type: X.cookie, data: E.Cookie.encode(cookie) });
  return encodeServerHello({ random: HRR_RANDOM, legacySessionIdEcho: sessionIdEcho, cipherSuite: suiteCode, compressionMethod: 0, extensions: exts });
}
