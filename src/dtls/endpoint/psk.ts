// Pre-shared keys on both sides (RFC 8446 2.2, 4.2.9-4.2.11, 4.6.1): external PSKs (identity + key, as IoT
// provisioning does) and resumption PSKs from session tickets, with psk_ke and psk_dhe_ke; binders; the
// obfuscated ticket age; 0-RTT acceptance (./anti-replay.ts). One PSK is offered per ClientHello (a ticket if the
// store has one, else the external PSK).
import type { CryptoProvider, HashAlg, KxGroup } from '../crypto/provider.ts';
import { type CipherSuite, getSuite, suiteByCode } from '../crypto/suites.ts';
import { type EpochKeys, KeySchedule, TLS13_PREFIX } from '../keyschedule.ts';
import type { CipherSuiteName } from '../crypto/suites.ts';
import { AlertError, ctEqual } from '../handshake/bytes.ts';
import { AlertDescription, ExtensionType as X } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import { type ClientHello, decodeNewSessionTicket, encodeNewSessionTicket } from '../handshake/messages.ts';
import { EarlyDataExt, PskMode, checkPskLast, fillBinders, truncateClientHello } from '../handshake/psk-extensions.ts';
import type { AntiReplay, ReplayVerdict } from './anti-replay.ts';
import { groupCode, logSecret, scheduleFor } from './common.ts';
import type { ResolvedCommon } from './config.ts';
import type { StoredTicket, TicketKeys, TicketState } from './tickets.ts';

/** An external PSK (RFC 8446 2.2, RFC 9258 importers not used): identity and key, and the hash it is used with. */
export interface ExternalPsk {
  identity: Uint8Array;
  key: Uint8Array;
  /** Hash of the suites this PSK may be used with (default SHA-256). */
  hash?: HashAlg;
}
export type PskKeMode = 'psk_ke' | 'psk_dhe_ke';
const modeCode = (m: PskKeMode): number => PskMode[m];

/** Server-side PSK settings (`ServerConfig.psk`). */
export interface ServerPskConfig {
  /** External PSKs by identity. */
  external?: ExternalPsk[];
  /** External PSKs looked up by identity (asked for an identity neither `external` holds nor our tickets open): a
   *  server provisioned with many devices keeps its table outside the endpoint (or derives each key from the
   *  identity) instead of building an array up front. Undefined: unknown identity. */
  lookup?: (identity: Uint8Array) => ExternalPsk | undefined;
  /** Issue NewSessionTickets after each handshake and accept them for resumption. */
  tickets?: {
    keys: TicketKeys;
    /** ticket_lifetime in seconds (default 7200 s; RFC 8446 4.6.1 caps it at 604800). */
    lifetimeS?: number;
    /** max_early_data_size in tickets (default 0: no 0-RTT). */
    maxEarlyData?: number;
    /** Tickets sent after each full or resumed handshake (default 1). */
    count?: number;
    /** wolfSSL 5.5.4 compatibility: derive the resumption PSK with the TLS label "tls13 resumption" (its
     *  DeriveResumptionPSK ignores DTLS; RFC 9147 5.9 wants "dtls13resumption"). Default false. */
    tls13ResumptionLabel?: boolean;
  };
  /** Modes the server accepts, in preference order (default ['psk_dhe_ke', 'psk_ke']). */
  modes?: PskKeMode[];
  /** 0-RTT anti-replay state; without it early data is always rejected. */
  antiReplay?: AntiReplay;
}

/** What the client offers: one PSK. */
export interface PskOffer {
  kind: 'external' | 'resumption';
  identity: Uint8Array;
  psk: Uint8Array;
  hash: HashAlg;
  /** Resumption: the ticket (suite, age). */
  ticket: StoredTicket | undefined;
  early: Uint8Array;
  ks: KeySchedule;
}

export function makeOffer(crypto: CryptoProvider, ext: ExternalPsk | undefined, ticket: StoredTicket | undefined): PskOffer | undefined {
  if (ticket) {
    const hash = getSuite(ticket.suite).hash;
    const ks = scheduleFor(crypto, hash);
    return { kind: 'resumption', identity: ticket.ticket, psk: ticket.psk, hash, ticket, early: ks.earlySecret(ticket.psk), ks };
  }
  if (ext) {
    const hash = ext.hash ?? 'SHA-256';
    const ks = scheduleFor(crypto, hash);
    return { kind: 'external', identity: ext.identity, psk: ext.key, hash, ticket: undefined, early: ks.earlySecret(ext.key), ks };
  }
  return undefined;
}

/** obfuscated_ticket_age (RFC 8446 4.2.11.1): ticket age in ms + age_add mod 2^32; 0 for external PSKs. */
export function obfuscatedAge(o: PskOffer, nowMs: number): number {
  return o.ticket ? (Math.max(0, Math.floor(nowMs - o.ticket.receivedAtMs)) + o.ticket.ageAdd) >>> 0 : 0;
}

/** Extensions a PSK-offering client adds: psk_key_exchange_modes, early_data (if sending it), pre_shared_key
 *  (last; binders zero until `binder` fills them). */
export function offerExtensions(o: PskOffer, modes: PskKeMode[], earlyData: boolean, nowMs: number): E.Extension[] {
  const out: E.Extension[] = [{ type: X.psk_key_exchange_modes, data: E.PskKeyExchangeModes.encode(modes.map(modeCode)) }];
  if (earlyData) out.push({ type: X.early_data, data: new Uint8Array(0) });
  out.push(pskExtension(o, nowMs));
  return out;
}
export function pskExtension(o: PskOffer, nowMs: number): E.Extension {
  return {
    type: X.pre_shared_key,
    data: encodeOfferedPsksFor(o, obfuscatedAge(o, nowMs)),
  };
}
function encodeOfferedPsksFor(o: PskOffer, age: number): Uint8Array {
  // identities<7..2^16-1> || binders<33..2^16-1> with one zeroed binder of Hash.length
  const n = o.ks.hashLength;
  const out = new Uint8Array(2 + 2 + o.identity.length + 4 + 2 + 1 + n);
  const v = new DataView(out.buffer);
  v.setUint16(0, 2 + o.identity.length + 4);
  v.setUint16(2, o.identity.length);
  out.set(o.identity, 4);
  v.setUint32(4 + o.identity.length, age >>> 0);
  v.setUint16(8 + o.identity.length, 1 + n);
  out[10 + o.identity.length] = n;
  return out;
}

/** The binder for a TLS-form ClientHello `message` whose binders are still zero; `prefix` = the transcript before
 *  it (message_hash(ClientHello1), HelloRetryRequest) when this is ClientHello2. */
export function binderFor(crypto: CryptoProvider, ks: KeySchedule, early: Uint8Array, kind: 'external' | 'resumption',
  message: Uint8Array, prefix: readonly Uint8Array[] | undefined): Uint8Array {
  const t = crypto.transcript(ks.hash);
  if (prefix) for (const m of prefix) t.update(m);
  t.update(truncateClientHello(message, [ks.hashLength]));
  return ks.finishedVerifyData(ks.binderKey(early, kind === 'external' ? 'ext' : 'res'), t.digest());
}

/** Computes the binder over the truncated ClientHello (TLS form `full`, after `prefix` for ClientHello2) and writes
 *  it into both the body and the TLS form. */
export function bindClientHello(crypto: CryptoProvider, o: PskOffer, body: Uint8Array, full: Uint8Array,
  prefix: Uint8Array[] | undefined): void {
  const binder = binderFor(crypto, o.ks, o.early, o.kind, full, prefix);
  fillBinders(body, [binder]);
  fillBinders(full, [binder]);
}

/** 0-RTT is possible: a ticket whose max_early_data_size covers `length` and whose suite we still offer; the data
 *  fits one record (2^14 bytes). */
export function canSendEarly(o: PskOffer | undefined, length: number, suites: readonly CipherSuiteName[]): boolean {
  const t = o?.ticket;
  return t !== undefined && t.maxEarlyData >= length && length <= 16384 && suites.includes(t.suite);
}

/** Epoch-1 keys from client_early_traffic_secret = Derive-Secret(early, "c e traffic", ClientHello) (RFC 9147 6.1). */
export function earlyKeys(crypto: CryptoProvider, o: PskOffer, ch1: Uint8Array, random: Uint8Array, cfg: ResolvedCommon): EpochKeys {
  const suite = getSuite(o.ticket!.suite);
  const secret = o.ks.clientEarlyTrafficSecret(o.early, crypto.hash(suite.hash, ch1));
  logSecret(cfg, 'CLIENT_EARLY_TRAFFIC_SECRET', random, secret);
  return o.ks.epochKeys(secret, suite);
}

/** The PSK a ServerHello accepted (pre_shared_key: the only identity we offer, with the suite's hash), or undefined.
 *  Throws illegal_parameter for any other selection. */
export function acceptedPsk(shExts: readonly E.Extension[], offer: PskOffer | undefined, suite: CipherSuite): PskOffer | undefined {
  const data = E.findExt(shExts, X.pre_shared_key);
  if (!data) return undefined;
  if (!offer || E.PreSharedKey.decodeServer(data) !== 0 || offer.hash !== suite.hash) {
    throw new AlertError(AlertDescription.illegal_parameter, 'pre_shared_key selection');
  }
  return offer;
}

/** The server's choice of PSK for a ClientHello. */
export interface PskChoice {
  kind: 'external' | 'resumption';
  /** Index of the chosen identity (pre_shared_key in ServerHello). */
  index: number;
  mode: PskKeMode;
  suite: CipherSuite;
  ks: KeySchedule;
  early: Uint8Array;
  /** psk_dhe_ke: the group and the client's share for it (undefined: a HelloRetryRequest must ask for it). */
  group: KxGroup | undefined;
  share: Uint8Array | undefined;
  /** Resumption of a session in which the client authenticated with a certificate: its leaf (from the ticket). */
  clientCertificate: Uint8Array | undefined;
  /** 0-RTT: accepted (max_early_data_size from the ticket), or why not. */
  earlyData: { accepted: true; max: number } | { accepted: false; why: ReplayVerdict | 'not-offered' | 'no-ticket-allowance' | 'hrr' | 'suite' } ;
}

/**
 * Chooses a PSK for `ch` (its TLS form `chFull`, and the HRR transcript prefix if this is ClientHello2), verifying
 * the binder. Undefined when the ClientHello offers none the server can use (full handshake). Throws AlertError
 * for a bad binder (decrypt_error), a misplaced pre_shared_key or missing psk_key_exchange_modes. `probe`: only
 * the choice (the stateless HelloRetryRequest's suite and group): no binder check (ClientHello2's binder is
 * checked, and a stateless server should spend little on unauthenticated input), no anti-replay bookkeeping.
 * `needClientCert` (a server whose clientAuth is 'require'): tickets of sessions without client authentication
 * are passed over (a PSK handshake has no CertificateRequest, RFC 8446 4.3.2); external PSKs authenticate the
 * client themselves.
 */
export function choosePsk(cfg: ResolvedCommon, psk: ServerPskConfig, ch: ClientHello, chFull: Uint8Array,
  prefix: readonly Uint8Array[] | undefined, nowMs: number, probe = false, needClientCert = false): PskChoice | undefined {
  const data = E.findExt(ch.extensions, X.pre_shared_key);
  if (!data) return undefined;
  checkPskLast(ch.extensions, X.pre_shared_key);
  const modesData = E.findExt(ch.extensions, X.psk_key_exchange_modes);
  if (!modesData) throw new AlertError(AlertDescription.missing_extension, 'pre_shared_key without psk_key_exchange_modes');
  const clientModes = E.PskKeyExchangeModes.decode(modesData);
  const offered = E.PreSharedKey.decodeClient(data);
  const sharesData = E.findExt(ch.extensions, X.key_share);
  const sgData = E.findExt(ch.extensions, X.supported_groups);
  // the mode: server preference among the client's; psk_dhe_ke needs a common group
  let mode: PskKeMode | undefined;
  let group: KxGroup | undefined;
  let share: Uint8Array | undefined;
  for (const m of psk.modes ?? ['psk_dhe_ke', 'psk_ke']) {
    if (!clientModes.includes(modeCode(m))) continue;
    if (m === 'psk_ke') { mode = m; break; }
    if (!sgData || !sharesData) continue;
    const shares = E.KeyShare.decodeClient(sharesData);
    const groups = E.SupportedGroups.decode(sgData);
    const withShare = cfg.groups.find((g) => shares.some((s) => s.group === groupCode(g)));
    const any = withShare ?? cfg.groups.find((g) => groups.includes(groupCode(g)));
    if (!any) continue;
    mode = m;
    group = any;
    share = withShare ? shares.find((s) => s.group === groupCode(withShare))!.keyExchange : undefined;
    break;
  }
  if (!mode) return undefined;
  const bindersLen: number[] = offered.binders.map((b) => b.length);
  for (let i = 0; i < offered.identities.length; i++) {
    const id = offered.identities[i]!;
    let kind: 'external' | 'resumption';
    let key: Uint8Array;
    let hash: HashAlg;
    let state: TicketState | undefined;
    // the configured external PSKs, then our tickets, then the lookup: a ticket opens only under our ticket key (its
    // key id first, then the AEAD: an external identity costs no crypto here), while a lookup may claim any
    // identity (one that derives keys from identities would claim every ticket, and its binder then fails: until
    // 2026-12-08 a server with both refused every resumption with decrypt_error)
    let ext = psk.external?.find((e) => e.identity.length === id.identity.length && ctEqual(e.identity, id.identity));
    if (!ext && !(psk.tickets && (state = psk.tickets.keys.open(id.identity)))) ext = psk.lookup?.(id.identity);
    if (ext) {
      kind = 'external';
      key = ext.key;
      hash = ext.hash ?? 'SHA-256';
    } else if (state) {
      const age = (id.obfuscatedTicketAge - state.ageAdd) >>> 0;
      if (nowMs - state.issuedAtMs > state.lifetimeS * 1000 || age > state.lifetimeS * 1000) continue; // expired
      if (needClientCert && !state.clientCertificate) continue;
      const s = suiteByCode(state.suiteCode);
      if (!s) continue;
      kind = 'resumption';
      key = state.psk;
      hash = s.hash;
    } else {
      continue;
    }
    // a suite the client offers, in our order, with the PSK's hash
    let suite: CipherSuite | undefined;
    for (const name of cfg.suites) {
      const s = getSuite(name);
      if (s.hash === hash && ch.cipherSuites.includes(s.code)) { suite = s; break; }
    }
    if (!suite) continue;
    const ks = scheduleFor(cfg.crypto, hash);
    const early = ks.earlySecret(key);
    const got = offered.binders[i]!;
    if (!probe) {
      // binder over the truncated ClientHello: everything but the binders list (RFC 8446 4.2.11.2)
      const t = cfg.crypto.transcript(hash);
      if (prefix) for (const m of prefix) t.update(m);
      t.update(truncateClientHello(chFull, bindersLen));
      const expected = ks.finishedVerifyData(ks.binderKey(early, kind === 'external' ? 'ext' : 'res'), t.digest());
      if (got.length !== expected.length || !ctEqual(got, expected)) throw new AlertError(AlertDescription.decrypt_error, 'bad PSK binder');
    }
    let earlyData: PskChoice['earlyData'];
    if (probe || !E.findExt(ch.extensions, X.early_data)) earlyData = { accepted: false, why: 'not-offered' };
    else if (i !== 0) earlyData = { accepted: false, why: 'not-offered' }; // 0-RTT only with the first PSK (4.2.10)
    else if (prefix) earlyData = { accepted: false, why: 'hrr' };
    else if (!state || state.maxEarlyData === 0 || !psk.antiReplay) earlyData = { accepted: false, why: 'no-ticket-allowance' };
    else if (state.suiteCode !== suite.code) earlyData = { accepted: false, why: 'suite' };
    else {
      const age = (id.obfuscatedTicketAge - state.ageAdd) >>> 0;
      const v = psk.antiReplay.check(got, state.issuedAtMs + age, nowMs);
      earlyData = v === 'accept' ? { accepted: true, max: state.maxEarlyData } : { accepted: false, why: v };
    }
    return { kind, index: i, mode, suite, ks, early, group, share, clientCertificate: state?.clientCertificate, earlyData };
  }
  return undefined;
}

/** A NewSessionTicket body (RFC 8446 4.6.1) for resumption secret `rms`: PSK = HKDF-Expand-Label(rms,
 *  "resumption", nonce); the ticket seals it with the issue time, lifetime, age_add and max_early_data, and the
 *  client's leaf certificate when the session authenticated the client. */
export function newSessionTicket(t: NonNullable<ServerPskConfig['tickets']>, cfg: ResolvedCommon, ks: KeySchedule,
  suite: CipherSuite, rms: Uint8Array, index: number, nowMs: number, clientCertificate?: Uint8Array): Uint8Array {
  const nonce = Uint8Array.of(index & 0xff);
  const psk = resumptionPsk(cfg.crypto, ks, rms, nonce, t.tls13ResumptionLabel ?? false);
  const r = new Uint8Array(4);
  cfg.rng.fill(r);
  const ageAdd = ((r[0]! << 24) | (r[1]! << 16) | (r[2]! << 8) | r[3]!) >>> 0;
  const lifetimeS = Math.min(t.lifetimeS ?? 7200, 604800);
  const maxEarlyData = t.maxEarlyData ?? 0;
  const ticket = t.keys.seal({ suiteCode: suite.code, issuedAtMs: Math.floor(nowMs), lifetimeS, ageAdd, maxEarlyData, psk, clientCertificate });
  const exts: E.Extension[] = maxEarlyData > 0 ? [{ type: X.early_data, data: EarlyDataExt.encode(maxEarlyData) }] : [];
  return encodeNewSessionTicket({ lifetime: lifetimeS, ageAdd, nonce, ticket, extensions: exts });
}

/** The client's side of a NewSessionTicket: what to store (undefined: lifetime 0, nothing to keep). */
export function ticketFromMessage(body: Uint8Array, ks: KeySchedule, suite: CipherSuite, rms: Uint8Array, nowMs: number,
  crypto: CryptoProvider, tls13Label: boolean): StoredTicket | undefined {
  const m = decodeNewSessionTicket(body);
  if (m.lifetime > 604800) throw new AlertError(AlertDescription.illegal_parameter, 'ticket_lifetime above 7 days');
  if (m.lifetime === 0) return undefined;
  const ed = E.findExt(m.extensions, X.early_data);
  return {
    ticket: m.ticket.slice(), psk: resumptionPsk(crypto, ks, rms, m.nonce, tls13Label), suite: suite.name, receivedAtMs: nowMs,
    lifetimeS: m.lifetime, ageAdd: m.ageAdd, maxEarlyData: ed ? E.EarlyData.decode(ed) ?? 0 : 0,
  };
}

/** HKDF-Expand-Label(rms, "resumption", nonce, Hash.length), with the DTLS prefix or (wolfSSL 5.5.4 compatibility)
 *  the TLS one. */
function resumptionPsk(crypto: CryptoProvider, ks: KeySchedule, rms: Uint8Array, nonce: Uint8Array, tls13Label: boolean): Uint8Array {
  return tls13Label ? new KeySchedule(crypto, ks.hash, TLS13_PREFIX).resumptionPsk(rms, nonce) : ks.resumptionPsk(rms, nonce);
}
