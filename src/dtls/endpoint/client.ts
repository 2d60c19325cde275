// DTLS 1.3 client state machine (RFC 8446 4, RFC 9147 5):
//   idle --connect--> WAIT_SH --HRR--> WAIT_SH (ClientHello2, at most one HRR)
//   WAIT_SH --SH--> WAIT_EE --EE--> WAIT_CERT_CR --(CR)--> WAIT_CERT --Cert--> WAIT_CV --CV--> WAIT_FINISHED
//   WAIT_FINISHED --Finished--> CONNECTED (final flight [Certificate [CertificateVerify]] Finished, retransmitted
//   until ACKed; the client-authentication messages come from ./client-auth.ts)
// The handshake state is a union with one member per phase (ClientHs): each handler takes the member of its
// phase, which holds exactly what that phase has learnt, and returns by installing the next phase's member.
// The phase types are in ./client-phases.ts, the resolved configuration in ./client-config.ts (both re-exported).
import type { KxGroup } from '../crypto/provider.ts';
import { type CipherSuite, suiteByCode } from '../crypto/suites.ts';
import { keylogLine } from '../keylog.ts';
import { AlertError, ctEqual } from '../handshake/bytes.ts';
import { AlertDescription, ContentType, DTLS12, DTLS13, ExtensionType as X, HandshakeType as H } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import {
  decodeCertificate, decodeCertificateVerify, decodeEncryptedExtensions,
  decodeNewSessionTicket, decodeServerHello, encodeClientHello, messageHash, tlsMessage, tlsMessageTransient,
} from '../handshake/messages.ts';
import type { ClientConfig, ClientCredential, CertificateVerifier } from './config.ts';
import { clientAuthMessages, readCertificateRequest } from './client-auth.ts';
import { type ResolvedClient, resolveClient } from './client-config.ts';
import { type ClientHs, type FirstHello, type WaitCert, type WaitCertCr, type WaitCv, type WaitEe, type WaitFinished, type WaitSh, extensionTypes } from './client-phases.ts';
import { Connection } from './connection.ts';
import { certificateVerifyContent, groupFromCode, handshakeSecretNoPsk, logSecret, scheduleFor, schemeFromCode, verifySignature } from './common.ts';
import type { Negotiated } from './epochs.ts';
import { PackError, type PackReader, type PackWriter } from '../record/pack.ts';
import { acceptedPsk, bindClientHello, canSendEarly, earlyKeys, makeOffer, ticketFromMessage } from './psk.ts';
import { buildClientHello } from './client-hello.ts';

/** Extensions a server may put in EncryptedExtensions only if we offered them; these must never appear there. */
const NOT_IN_EE = new Set<number>([X.key_share, X.supported_versions, X.cookie, X.pre_shared_key,
  X.signature_algorithms, X.psk_key_exchange_modes, X.connection_id, X.signature_algorithms_cert]);
/** The only extensions a ServerHello and a HelloRetryRequest may carry (RFC 8446 4.2's table; connection_id in
 *  ServerHello: RFC 9146 3, RFC 9147 9). Every other one we know (we offered it, checkServerExtensions) is an
 *  illegal_parameter there (RFC 8446 4.2: "not specified for the message in which it appears"). */
const IN_SH = new Set<number>([X.key_share, X.pre_shared_key, X.supported_versions, X.connection_id]);
const IN_HRR = new Set<number>([X.key_share, X.cookie, X.supported_versions]);

export { resolveClient, type ResolvedClient } from './client-config.ts';
export type { ClientHs } from './client-phases.ts';
export class ClientEndpoint extends Connection {
  private readonly verifier: CertificateVerifier;
  private readonly serverName: string | undefined;
  private readonly keyShareGroups: KxGroup[];
  private readonly myCid: Uint8Array;
  private readonly credential: ClientCredential | undefined;
  private readonly rc: ResolvedClient;
  /** Resumption master secret of this connection (kept only with a ticket store, for NewSessionTicket). */
  private rms: { secret: Uint8Array; keys: Negotiated } | undefined;
  /** Handshake state; undefined before connect() and once the handshake is over. */
  private hs: ClientHs | undefined;
  private cidOk = false;
  private hrrSeen = false;
  private emptyAckAt = -Infinity;
  /** Peer record_size_limit (RFC 8449), if any. */
  peerRecordSizeLimit: number | undefined;

  /** `config`: a ClientConfig, or a ResolvedClient (resolveClient) that many endpoints share. */
  constructor(config: ClientConfig | ResolvedClient) {
    const cfg = 'resolvedClient' in config ? config : resolveClient(config);
    super('client', cfg);
    this.verifier = cfg.verifier;
    this.serverName = cfg.serverName;
    this.keyShareGroups = cfg.keyShareGroups;
    this.myCid = cfg.connectionId;
    this.credential = cfg.credential;
    this.rc = cfg;
  }

  /** Handshake records arrived before the ServerHello that carries their keys: the ServerHello was lost. Send an
   *  empty ACK (RFC 9147 7.1) so that the server resends at once; at most once per half timer period. */
  protected override onUndecryptable(bits: number): void {
    const now = this.nowRx;
    if (this.state !== 'handshaking' || this.hs?.phase !== 'wait_sh' || bits !== 2 || now - this.emptyAckAt < this.flights.rto / 2) return;
    this.emptyAckAt = now;
    this.acks.sendEmpty();
  }

  /** Sends the first ClientHello. `earlyData`: 0-RTT data, sent in epoch 1 if a ticket allows it (up to its
   *  max_early_data_size); if the server rejects it (or it cannot go early) it is sent after the handshake. */
  connect(nowMs: number, earlyData?: Uint8Array): void {
    if (this.state !== 'idle') return;
    this.state = 'handshaking';
    const random = new Uint8Array(32);
    this.cfg.rng.fill(random);
    const rc = this.rc;
    const offer = rc.ticketStore || rc.externalPsk
      ? makeOffer(this.crypto, rc.externalPsk, rc.ticketStore?.take(rc.ticketServerId, nowMs)) : undefined;
    const pskOnly = offer !== undefined && !rc.pskModes.includes('psk_dhe_ke');
    const shares = pskOnly ? [] : this.keyShareGroups.map((g) => this.crypto.kxGenerate(g));
    const goEarly = earlyData !== undefined && canSendEarly(offer, earlyData.length, this.cfg.suites);
    const ch = buildClientHello(this.rc, random, shares, undefined, undefined, offer, goEarly, nowMs);
    const body = encodeClientHello(ch);
    const ch1 = tlsMessage(H.client_hello, body);
    if (offer) bindClientHello(this.crypto, offer, body, ch1, undefined);
    this.hs = {
      phase: 'wait_sh', offer, earlySent: earlyData, random, shares, chExts: extensionTypes(ch.extensions),
      hello: { retried: false, ch1, ch1Exts: ch.extensions },
    };
    this.sendHandshakeFlight([this.flights.newMessage(0, H.client_hello, body)], nowMs);
    this.out.flush();
    if (goEarly && offer) {
      // 0-RTT: epoch 1 under client_early_traffic_secret (a datagram of its own: see docs/protocol.md)
      this.rec.installWrite(1, earlyKeys(this.crypto, offer, ch1, random, this.cfg));
      this.out.record(1, ContentType.application_data, earlyData);
      this.out.flush();
    }
  }

  protected override cidNegotiated(): boolean {
    return this.cidOk;
  }

  protected override releaseHandshakeState(): void {
    this.hs = undefined;
  }

  // dormancy (./dormant.ts): the resumption secret is packed
  protected override quietRole(): boolean {
    return this.hs === undefined;
  }
  protected override packRole(w: PackWriter): void {
    const r = this.rms;
    if (r) w.u8(1).uint(r.keys.suite.code).bytes(r.secret);
    else w.u8(0);
  }
  protected override releaseRole(): void {
    this.rms = undefined;
  }
  protected override unpackRole(r: PackReader): void {
    if (r.u8() === 0) return;
    const code = r.uint();
    const suite = suiteByCode(code);
    if (!suite) throw new PackError(`unknown suite 0x${code.toString(16)}`);
    this.rms = { keys: { suite, ks: scheduleFor(this.crypto, suite.hash) }, secret: r.bytes() };
  }

  protected onHandshakeMessage(msgType: number, body: Uint8Array, epoch: number, now: number): void {
    const hs = this.hs;
    if (!hs) throw new AlertError(AlertDescription.unexpected_message, 'no handshake in progress');
    const expectEpoch = hs.phase === 'wait_sh' ? 0 : 2;
    if (epoch !== expectEpoch) throw new AlertError(AlertDescription.unexpected_message, `message in epoch ${epoch}`);
    // TLS form of the message for the transcript. A copy, not tlsMessageTransient's shared view: the handlers run
    // user code (the certificate verifier, the provider's observer) before they feed it to the transcript, and that
    // code may drive other endpoints, which would overwrite a shared view (a nested handshake then failed)
    const full = tlsMessage(msgType, body);
    switch (hs.phase) {
      case 'wait_sh':
        if (msgType !== H.server_hello) break;
        this.flights.implicitAck(now);
        this.onServerHello(hs, body, full, now);
        return;
      case 'wait_ee':
        if (msgType !== H.encrypted_extensions) break;
        this.onEncryptedExtensions(hs, body, full);
        return;
      case 'wait_cert_cr':
        if (msgType === H.certificate_request) {
          const certRequest = readCertificateRequest(body);
          hs.k.transcript.update(full);
          this.hs = { phase: 'wait_cert', k: hs.k, certRequest };
          return;
        }
        if (msgType !== H.certificate) break;
        this.onCertificate(hs, body, full, now);
        return;
      case 'wait_cert':
        if (msgType !== H.certificate) break;
        this.onCertificate(hs, body, full, now);
        return;
      case 'wait_cv':
        if (msgType !== H.certificate_verify) break;
        this.onCertificateVerify(hs, body, full);
        return;
      case 'wait_finished':
        if (msgType !== H.finished) break;
        this.onFinished(hs, body, full, now);
        return;
    }
    throw new AlertError(AlertDescription.unexpected_message, `unexpected handshake message ${msgType} in ${hs.phase}`);
  }

  private checkServerExtensions(exts: E.Extension[], offered: Set<number>, allowCookie: boolean): void {
    for (const e of exts) {
      if (e.type === X.cookie && allowCookie) continue;
      if (!offered.has(e.type)) throw new AlertError(AlertDescription.unsupported_extension, `unsolicited extension ${e.type}`);
    }
  }

  private onServerHello(hs: WaitSh, body: Uint8Array, full: Uint8Array, now: number): void {
    const sh = decodeServerHello(body);
    if (sh.legacyVersion !== DTLS12) throw new AlertError(AlertDescription.protocol_version, 'legacy_version');
    const sv = E.findExt(sh.extensions, X.supported_versions);
    if (!sv || E.SupportedVersions.decodeServer(sv) !== DTLS13) throw new AlertError(AlertDescription.protocol_version, 'not DTLS 1.3');
    if (sh.compressionMethod !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'compression');
    if (sh.legacySessionIdEcho.length !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'session id echo');
    const suite = suiteByCode(sh.cipherSuite);
    if (!suite || !this.cfg.suites.includes(suite.name)) throw new AlertError(AlertDescription.illegal_parameter, 'cipher suite not offered');
    const hello = hs.hello;
    if (sh.isHrr) {
      if (hello.retried) throw new AlertError(AlertDescription.unexpected_message, 'second HelloRetryRequest');
      this.onHelloRetryRequest(hs, hello, sh.extensions, suite, full, now);
      return;
    }
    this.checkServerExtensions(sh.extensions, hs.chExts, false);
    onlyAllowed(sh.extensions, IN_SH, 'ServerHello');
    if (hello.retried && hello.suite !== suite) throw new AlertError(AlertDescription.illegal_parameter, 'suite differs from HRR');
    // PSK accepted (./psk.ts): the only identity we offer, with the PSK's hash; psk_ke has no key_share
    const psk = acceptedPsk(sh.extensions, hs.offer, suite);
    const ksData = E.findExt(sh.extensions, X.key_share);
    let shared: Uint8Array | undefined;
    let group: KxGroup | undefined;
    if (ksData || !psk || !this.rc.pskModes.includes('psk_ke')) {
      if (!ksData) throw new AlertError(AlertDescription.missing_extension, 'no key_share');
      const share = E.KeyShare.decodeServer(ksData);
      group = groupFromCode(share.group);
      const mine = group ? hs.shares.find((s) => s.group === group) : undefined;
      if (!mine || !group) throw new AlertError(AlertDescription.illegal_parameter, 'key_share group not offered');
      shared = this.crypto.kxDerive(group, mine.privateKey, share.keyExchange) ?? undefined;
      if (!shared) throw new AlertError(AlertDescription.illegal_parameter, 'bad key share');
    }
    const cid = E.findExt(sh.extensions, X.connection_id);
    if (cid) {
      const peerCid = E.ConnectionIdExt.decode(cid);
      this.cidOk = true;
      if (peerCid.length) this.rec.writeCid = peerCid;
      this.rec.setReadCid(this.myCid);
    }
    const keys: Negotiated = { suite, ks: scheduleFor(this.crypto, suite.hash) };
    const transcript = hello.retried ? hello.transcript : this.crypto.transcript(suite.hash).update(hello.ch1);
    transcript.update(full);
    const hsSecret = psk ? keys.ks.handshakeSecret(psk.early, shared) : handshakeSecretNoPsk(this.crypto, keys.ks, shared!);
    const sec = keys.ks.handshakeTrafficSecrets(hsSecret, transcript.digest());
    logSecret(this.cfg, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', hs.random, sec.client);
    logSecret(this.cfg, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', hs.random, sec.server);
    this.epochs.installHandshake(keys, sec.client, sec.server);
    this.hs = {
      phase: 'wait_ee',
      k: {
        random: hs.random, chExts: hs.chExts, transcript, keys, group: group ?? 'none', hsSecret, cHs: sec.client, sHs: sec.server,
        psk, earlySent: hs.earlySent,
      },
    };
  }

  private onHelloRetryRequest(hs: WaitSh, first: FirstHello, exts: E.Extension[], suite: CipherSuite, full: Uint8Array,
    now: number): void {
    this.hrrSeen = true;
    this.checkServerExtensions(exts, hs.chExts, true);
    onlyAllowed(exts, IN_HRR, 'HelloRetryRequest');
    const ksData = E.findExt(exts, X.key_share);
    const cookieData = E.findExt(exts, X.cookie);
    let newGroup: KxGroup | undefined;
    if (ksData) {
      const g = groupFromCode(E.KeyShare.decodeHrr(ksData));
      if (!g || !this.cfg.groups.includes(g) || hs.shares.some((s) => s.group === g)) {
        throw new AlertError(AlertDescription.illegal_parameter, 'HRR selected an unusable group');
      }
      newGroup = g;
    }
    const cookie = cookieData ? E.Cookie.decode(cookieData) : undefined;
    if (!newGroup && !cookie) throw new AlertError(AlertDescription.illegal_parameter, 'HRR changes nothing');
    // transcript: message_hash(Hash(ClientHello1)) || HelloRetryRequest || ClientHello2 (RFC 8446 4.4.1)
    const transcript = this.crypto.transcript(suite.hash)
      .update(messageHash(this.crypto.hash(suite.hash, first.ch1)))
      .update(full);
    if (newGroup) hs.shares = [this.crypto.kxGenerate(newGroup)];
    const offer = hs.offer && hs.offer.hash === suite.hash ? hs.offer : undefined; // a PSK for another hash goes
    hs.offer = offer;
    const ch = buildClientHello(this.rc, hs.random, hs.shares, first.ch1Exts.filter((e) => offer || e.type !== X.pre_shared_key),
      cookie ? cookie.slice() : undefined, offer, false, now);
    hs.chExts = extensionTypes(ch.extensions);
    hs.hello = { retried: true, transcript, suite };
    const body = encodeClientHello(ch);
    if (offer) {
      // binder recomputed over message_hash(CH1) || HRR || truncated CH2 (RFC 8446 4.1.2, 4.2.11.2)
      const full2 = tlsMessage(H.client_hello, body);
      bindClientHello(this.crypto, offer, body, full2, [messageHash(this.crypto.hash(suite.hash, first.ch1)), full.slice()]);
    }
    transcript.update(tlsMessageTransient(H.client_hello, body));
    this.sendHandshakeFlight([this.flights.newMessage(0, H.client_hello, body)], now);
  }

  private onEncryptedExtensions(hs: WaitEe, body: Uint8Array, full: Uint8Array): void {
    const exts = decodeEncryptedExtensions(body);
    for (const e of exts) {
      if (NOT_IN_EE.has(e.type)) throw new AlertError(AlertDescription.illegal_parameter, `extension ${e.type} in EE`);
    }
    // wolfSSL 5.5.4 compatibility (ignoreEarlyDataAfterHrr): an early_data answer to a ClientHello2 that had none
    // is ignored (our 0-RTT data then counts as rejected) instead of ending in unsupported_extension
    const stray = this.rc.ignoreEarlyDataAfterHrr && this.hrrSeen && !hs.k.chExts.has(X.early_data) && E.findExt(exts, X.early_data) !== undefined;
    this.checkServerExtensions(stray ? exts.filter((e) => e.type !== X.early_data) : exts, hs.k.chExts, false);
    const earlyExt = stray ? undefined : E.findExt(exts, X.early_data);
    const rsl = E.findExt(exts, X.record_size_limit);
    if (rsl) {
      // RFC 8449 (TLS 1.3 semantics: the limit counts the inner content type); ours applies once both sent one
      this.peerRecordSizeLimit = E.RecordSizeLimit.decode(rsl);
      this.rec.layer.setRecordSizeLimit({ write: this.peerRecordSizeLimit });
      if (this.cfg.recordSizeLimit !== undefined) this.rec.layer.setRecordSizeLimit({ read: this.cfg.recordSizeLimit });
    }
    hs.k.transcript.update(full);
    if (hs.k.psk) {
      // PSK: no Certificate / CertificateVerify; early_data in EE = our 0-RTT data was accepted
      this.hs = { phase: 'wait_finished', k: hs.k, certRequest: undefined, scheme: 'psk', earlyAccepted: earlyExt !== undefined };
      return;
    }
    if (earlyExt) throw new AlertError(AlertDescription.illegal_parameter, 'early_data without PSK');
    this.hs = { phase: 'wait_cert_cr', k: hs.k };
  }

  private onCertificate(hs: WaitCertCr | WaitCert, body: Uint8Array, full: Uint8Array, now: number): void {
    const cert = decodeCertificate(body);
    if (cert.context.length !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'certificate_request_context');
    if (cert.entries.length === 0) throw new AlertError(AlertDescription.decode_error, 'empty server certificate list');
    const res = this.verifier.verify(cert.entries.map((e) => e.data), { serverName: this.serverName, nowMs: now });
    if (!res.ok) throw new AlertError(res.alert, res.reason);
    hs.k.transcript.update(full);
    const certRequest = hs.phase === 'wait_cert' ? hs.certRequest : undefined;
    this.hs = { phase: 'wait_cv', k: hs.k, certRequest, serverKey: res.publicKey };
  }

  private onCertificateVerify(hs: WaitCv, body: Uint8Array, full: Uint8Array): void {
    const cv = decodeCertificateVerify(body);
    const scheme = schemeFromCode(cv.scheme);
    if (!scheme || !this.cfg.signatureSchemes.includes(scheme)) throw new AlertError(AlertDescription.illegal_parameter, 'signature scheme not offered');
    const t = hs.k.transcript;
    verifySignature(this.crypto, scheme, hs.serverKey, certificateVerifyContent('server', t.digest()), cv.signature);
    t.update(full);
    this.hs = { phase: 'wait_finished', k: hs.k, certRequest: hs.certRequest, scheme, earlyAccepted: false };
  }

  private onFinished(hs: WaitFinished, body: Uint8Array, full: Uint8Array, now: number): void {
    const k = hs.k;
    const ks = k.keys.ks;
    const t = k.transcript;
    const expected = ks.finishedVerifyData(k.sHs, t.digest());
    if (body.length !== expected.length) throw new AlertError(AlertDescription.decode_error, 'Finished length');
    if (!ctEqual(body, expected)) throw new AlertError(AlertDescription.decrypt_error, 'bad server Finished');
    t.update(full);
    const th = t.digest();
    const master = ks.masterSecret(k.hsSecret);
    const app = ks.applicationTrafficSecrets(master, th);
    if (this.cfg.secrets || this.cfg.keylog) {
      logSecret(this.cfg, 'CLIENT_TRAFFIC_SECRET_0', k.random, app.client);
      logSecret(this.cfg, 'SERVER_TRAFFIC_SECRET_0', k.random, app.server);
      // the keylog line alone derives the exporter secret (one more key-schedule operation); `secrets` does not
      if (this.cfg.keylog) this.cfg.keylog(keylogLine('EXPORTER_SECRET', k.random, ks.exporterMasterSecret(master, th)));
    }
    const msgs = [];
    let finHash = th;
    if (hs.certRequest) {
      // client authentication: Certificate (empty without a usable credential) [CertificateVerify]
      for (const m of clientAuthMessages(this.crypto, this.credential, hs.certRequest, t)) {
        msgs.push(this.flights.newMessage(2, m.type, m.body));
      }
      finHash = t.digest();
    }
    const fin = ks.finishedVerifyData(k.cHs, finHash);
    msgs.push(this.flights.newMessage(2, H.finished, fin));
    if (this.rc.ticketStore) {
      t.update(tlsMessageTransient(H.finished, fin));
      this.rms = { secret: ks.resumptionMasterSecret(master, t.digest()), keys: k.keys };
    }
    this.epochs.installApp(k.keys, app.client, app.server, master, th);
    this.sendHandshakeFlight(msgs, now, true, () => this.epochs.dropHandshake());
    this.completeHandshake(now, k.keys.suite);
    this.events.emit({
      type: 'connected', suite: k.keys.suite.name, group: k.group, signatureScheme: hs.scheme,
      helloRetry: this.hrrSeen, sendCid: this.rec.writeCid, recvCid: this.cidOk && this.myCid.length ? this.myCid : undefined,
      ...(k.psk ? { psk: k.psk.kind } : {}),
      ...(k.earlySent ? { earlyData: hs.earlyAccepted ? 'accepted' as const : 'rejected' as const } : {}),
    });
    if (this.rec.layer.hasWriteEpoch(1)) this.rec.dropWrite(1);
    // 0-RTT data the server did not take (or that could not go early) is sent now, under epoch 3
    if (k.earlySent && !hs.earlyAccepted && this.state === 'connected') this.send(k.earlySent, now);
  }

  /** NewSessionTicket: stored for resumption when a ticket store is configured, otherwise validated and dropped. */
  protected override onNewSessionTicket(body: Uint8Array, now: number): void {
    const r = this.rms;
    const t = r ? ticketFromMessage(body, r.keys.ks, r.keys.suite, r.secret, now, this.crypto, this.rc.tls13ResumptionLabel) : void decodeNewSessionTicket(body); // no store: validated, dropped
    if (t) this.rc.ticketStore!.put(this.rc.ticketServerId, t);
  }
}

/** Throws illegal_parameter for an extension outside `allowed` (IN_SH, IN_HRR). */
function onlyAllowed(exts: readonly E.Extension[], allowed: ReadonlySet<number>, where: string): void {
  for (const e of exts) if (!allowed.has(e.type)) throw new AlertError(AlertDescription.illegal_parameter, `extension ${e.type} in ${where}`);
}
