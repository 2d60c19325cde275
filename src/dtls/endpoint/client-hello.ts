// The client's ClientHello (./client.ts): extensions in a fixed order from the resolved configuration; the second
// ClientHello after a HelloRetryRequest repeats the first one's extensions with the new key_share and the cookie.
import type { KxKeyPair } from '../crypto/provider.ts';
import { getSuite } from '../crypto/suites.ts';
import { DTLS12, DTLS13, ExtensionType as X } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import type { ClientHello } from '../handshake/messages.ts';
import type { ResolvedClient } from './client-config.ts';
import { groupCode, schemeCode } from './common.ts';
import { type PskOffer, offerExtensions, pskExtension } from './psk.ts';

/** ClientHello1 (`ch1Exts` undefined), or ClientHello2: ClientHello1's extensions (same order, same bytes) with
 *  the new key_share, then the cookie. */
export function buildClientHello(rc: ResolvedClient, random: Uint8Array, shares: KxKeyPair[], ch1Exts: E.Extension[] | undefined,
  cookie: Uint8Array | undefined, offer?: PskOffer, earlyData = false, now = 0): ClientHello {
  const keyShare: E.Extension = {
    type: X.key_share, data: E.KeyShare.encodeClient(shares.map((s) => ({ group: groupCode(s.group), keyExchange: s.publicKey }))),
  };
  let exts: E.Extension[];
  let pskExt: E.Extension | undefined;
  if (ch1Exts) {
    // ClientHello2: no early_data (RFC 8446 4.2.10); pre_shared_key stays last with a new age and binder
    exts = [];
    for (const e of ch1Exts) {
      if (e.type === X.early_data) continue;
      if (e.type === X.pre_shared_key && offer) pskExt = pskExtension(offer, now);
      else exts.push(e.type === X.key_share ? keyShare : e);
    }
  } else {
    exts = [{ type: X.supported_versions, data: E.SupportedVersions.encodeClient([DTLS13]) }];
    // psk_ke only: no groups, no share (no public-key operation at all)
    if (shares.length) exts.push({ type: X.supported_groups, data: E.SupportedGroups.encode(rc.groups.map(groupCode)) }, keyShare);
    exts.push({ type: X.signature_algorithms, data: E.SignatureAlgorithms.encode(rc.signatureSchemes.map(schemeCode)) });
    if (rc.sigAlgsCert) exts.push(rc.sigAlgsCert);
    if (rc.serverName !== undefined) exts.push({ type: X.server_name, data: E.ServerName.encode(rc.serverName) });
    if (rc.offerConnectionId) exts.push({ type: X.connection_id, data: E.ConnectionIdExt.encode(rc.connectionId) });
    if (rc.recordSizeLimit !== undefined) exts.push({ type: X.record_size_limit, data: E.RecordSizeLimit.encode(rc.recordSizeLimit) });
    if (offer) {
      const pe = offerExtensions(offer, rc.pskModes, earlyData, now);
      pskExt = pe.pop();
      exts.push(...pe);
    }
  }
  if (cookie) exts.push({ type: X.cookie, data: E.Cookie.encode(cookie) });
  if (pskExt) exts.push(pskExt);
  return {
    legacyVersion: DTLS12, random, legacySessionId: new Uint8Array(0), legacyCookie: new Uint8Array(0),
    cipherSuites: rc.suites.map((s) => getSuite(s).code), compressionMethods: Uint8Array.of(0), extensions: exts,
  };
}
