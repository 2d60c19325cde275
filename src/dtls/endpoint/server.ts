// DTLS 1.3 server state machine (RFC 8446 4, RFC 9147 5):
//   (dispatcher: stateless HRR + cookie, no state) --valid ClientHello--> START
//   START --CH (needs group, cookies off)--> WAIT_CH2 (stateful HRR) --CH2--> START
//   START --CH--> send [SH] {EE Cert CV Finished} --> WAIT_FINISHED --client Finished--> CONNECTED (+ ACK)
//   with client authentication ('request' / 'require', ./client-auth.ts): [SH] {EE CR Cert CV Finished} -->
//   WAIT_CLIENT_CERT --Cert--> WAIT_CLIENT_CV --CV--> WAIT_FINISHED (an empty Certificate under 'request' goes
//   straight to WAIT_FINISHED; under 'require' it is a certificate_required alert)
// The handshake state is a union with one member per phase (ServerHs).
import type { KxEncapsulation, KxGroup } from '../crypto/provider.ts';
import { type CipherSuite, suiteByCode } from '../crypto/suites.ts';
import { keylogLine } from '../keylog.ts';
import { AlertError, ctEqual } from '../handshake/bytes.ts';
import { AlertDescription, DTLS13, ExtensionType as X, HandshakeType as H } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import {
  type ClientHello, decodeClientHello, encodeCertificate, encodeCertificateVerify, encodeEncryptedExtensions, encodeServerHello,
  messageHash, tlsMessage, tlsMessageTransient,
} from '../handshake/messages.ts';
import type { ServerConfig, ServerCredential } from './config.ts';
import { clientAuthDone, onClientCertificate, onClientCertificateVerify } from './client-auth.ts';
import { Connection } from './connection.ts';
import type { EndpointEvent } from './events.ts';
import { certificateVerifyContent, groupCode, handshakeSecretNoPsk, logSecret, scheduleFor, schemeCode } from './common.ts';
import type { Negotiated } from './epochs.ts';
import { EarlyDataExt, PreSharedKeyServer } from '../handshake/psk-extensions.ts';
import { choosePsk, newSessionTicket } from './psk.ts';
import { countDrop } from './records.ts';
import { bytesOf, latin1 } from '../record/latin1.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';
import { buildHrrBody, checkClientHello, type ResolvedServer, resolveServer, selectParams } from './server-params.ts';

/** The Certificate body of a server chain (empty context, no per-entry extensions) is the same in every handshake:
 *  encoded once per chain array (re-encoded if its entries were replaced) and shared by the flights (message bodies
 *  are never modified). */
const certBodies = new WeakMap<readonly Uint8Array[], { entries: Uint8Array[]; body: Uint8Array }>();
function certificateBody(chain: readonly Uint8Array[]): Uint8Array {
  const c = certBodies.get(chain);
  if (c && c.entries.length === chain.length && c.entries.every((d, i) => d === chain[i])) return c.body;
  const body = encodeCertificate({ context: new Uint8Array(0), entries: chain.map((d) => ({ data: d, extensions: [] })) });
  certBodies.set(chain, { entries: [...chain], body });
  return body;
}

export { buildHrrBody, checkClientHello, resolveServer, selectParams, type ResolvedServer, type Selection } from './server-params.ts';

import type { HrrContext, ServerHs, ToFinished, WaitFinished } from './server-phases.ts';
export type { HrrContext, ServerHs } from './server-phases.ts';

/** What a ClientHello negotiates: with a PSK no credential and, for psk_ke, no group. */
interface PskOrCert {
  suite: CipherSuite;
  group: KxGroup | undefined;
  share: Uint8Array | undefined;
  credential: ServerCredential | undefined;
}

export class ServerConnection extends Connection {
  address: string;
  /** CID the client puts in records it sends us (our choice), or undefined. */
  readonly localCid: Uint8Array | undefined;
  private readonly scfg: ResolvedServer;
  /** Handshake state; undefined once the handshake is over. */
  private hs: ServerHs | undefined;
  private cidOk = false;
  /** Our ACK of the client's final flight (re-sent for a late copy of that flight) and when it was last sent. */
  private finalAck: { epoch: number; seq: number }[] | undefined;
  private finalAckAt = 0;
  /** ClientHello.random of this association, one character per byte (../record/latin1.ts). */
  private random: string | undefined;
  /** Early data bytes still acceptable (0-RTT accepted: max_early_data_size), -1 when 0-RTT is off. */
  private earlyBudget = -1;
  /** Incremented for every record authenticated under epoch >= 2 (proof of address ownership, CID migration). */
  authenticatedRecords = 0;
  /** Incremented for every authenticated record newer (epoch, then sequence number) than any before it: RFC 9146 6
   *  moves the peer address only on such a datagram, so a reordered or replayed older one cannot move it back. */
  newestRecords = 0;
  private newestEpoch = -1;
  private newestSeq = -1;

  constructor(config: ServerConfig | ResolvedServer, address: string, localCid?: Uint8Array) {
    const scfg = 'credentials' in config ? config : resolveServer(config);
    super('server', scfg);
    this.scfg = scfg;
    this.address = address;
    this.localCid = localCid;
    this.state = 'handshaking';
  }

  /** Starts from a ClientHello that the dispatcher already decoded (after a valid cookie, if cookies are on).
   *  `recordSeq` is the ClientHello's record sequence number (our epoch-0 numbering continues from it). */
  startWith(datagramLength: number, ch: ClientHello, chBody: Uint8Array, messageSeq: number, recordSeq: number,
    hrr: HrrContext | undefined, now: number): void {
    this.stats.datagramsReceived++;
    this.stats.bytesReceived += datagramLength;
    this.stats.recordsReceived++;
    this.stats.handshakeMessagesReceived++;
    this.hs = { phase: 'start', hrr };
    this.random = latin1(ch.random);
    this.out.ampLimited = hrr === undefined; // a valid cookie proves the address
    this.reasm.recvSeq = messageSeq + 1;
    this.flights.sendSeq = messageSeq;
    this.rec.setPlaintextSeq(recordSeq);
    this.guardedStart(() => this.onClientHello(hrr, ch, tlsMessage(H.client_hello, chBody), now));
  }

  private guardedStart(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.fail(e instanceof AlertError ? e.alert : AlertDescription.internal_error, e instanceof Error ? e.message : undefined);
    }
    this.out.flush();
  }

  protected override cidNegotiated(): boolean {
    return this.cidOk;
  }

  protected override releaseHandshakeState(): void {
    this.hs = undefined;
  }

  /** ClientHello.random of this association (tells a new association from a duplicate ClientHello): a copy. */
  get clientRandom(): Uint8Array | undefined {
    return this.random === undefined ? undefined : bytesOf(this.random);
  }

  // dormancy (./dormant.ts): the ACK of the client's final flight is packed; the read CID is the dispatcher's
  protected override quietRole(): boolean {
    return this.hs === undefined;
  }
  protected override packRole(w: PackWriter): void {
    const a = this.finalAck ?? [];
    w.uint(a.length);
    for (let i = 0; i < a.length; i++) w.uint(a[i]!.epoch).uint(a[i]!.seq); // no iterator per sleep
  }
  protected override releaseRole(): void {
    this.finalAck = undefined;
  }
  protected override unpackRole(r: PackReader): void {
    const n = r.uint();
    if (n === 0) return;
    const a = new Array<{ epoch: number; seq: number }>(n);
    for (let i = 0; i < n; i++) a[i] = { epoch: r.uint(), seq: r.uint() };
    this.finalAck = a;
  }
  protected override ownedReadCid(): Uint8Array | undefined {
    return this.localCid;
  }

  protected onHandshakeMessage(msgType: number, body: Uint8Array, epoch: number, now: number): void {
    const hs = this.hs;
    if (hs?.phase === 'wait_ch2' && msgType === H.client_hello && epoch === 0) {
      this.onClientHello(hs.hrr, decodeClientHello(body), tlsMessage(H.client_hello, body), now);
      return;
    }
    if (hs?.phase === 'wait_finished' && msgType === H.finished && epoch === 2) {
      this.onFinished(hs, body, now);
      return;
    }
    if (hs?.phase === 'wait_client_cert' && msgType === H.certificate && epoch === 2) {
      const got = onClientCertificate(this.scfg, hs.a, body, tlsMessage(msgType, body), now);
      if (got) this.hs = { phase: 'wait_client_cv', a: hs.a, next: { ...hs.next, peerChain: got.chain }, key: got.key };
      else this.hs = { phase: 'wait_finished', ...hs.next, ...clientAuthDone(hs.a) };
      return;
    }
    if (hs?.phase === 'wait_client_cv' && msgType === H.certificate_verify && epoch === 2) {
      onClientCertificateVerify(this.crypto, this.scfg.signatureSchemes, hs.a, hs.key, body, tlsMessage(msgType, body));
      this.hs = { phase: 'wait_finished', ...hs.next, ...clientAuthDone(hs.a) };
      return;
    }
    throw new AlertError(AlertDescription.unexpected_message, `unexpected handshake message ${msgType} in ${hs ? hs.phase : 'done'}`);
  }

  private onFinished(hs: WaitFinished, body: Uint8Array, now: number): void {
    const exp = hs.expectedFinished;
    if (body.length !== exp.length) throw new AlertError(AlertDescription.decode_error, 'Finished length');
    if (!ctEqual(body, exp)) throw new AlertError(AlertDescription.decrypt_error, 'bad client Finished');
    this.flights.implicitAck(now);
    this.dropWriteEpoch2();
    this.completeHandshake(now, hs.keys.suite);
    this.out.ampLimited = false;
    this.finalAck = this.acks.send()?.slice(); // exact-length copy: kept for the connection's life
    this.finalAckAt = now;
    if (this.earlyBudget >= 0) {
      this.rec.dropRead(1); // no epoch-1 records once the handshake is complete (RFC 9147 5.6)
      this.earlyBudget = -1;
    }
    const ev: EndpointEvent = {
      type: 'connected', suite: hs.keys.suite.name, group: hs.group, signatureScheme: hs.scheme,
      helloRetry: hs.helloRetry, sendCid: this.rec.writeCid, recvCid: this.cidOk ? this.localCid : undefined,
      ...(hs.psk ? { psk: hs.psk.kind } : {}),
      ...(hs.psk && hs.psk.earlyData !== undefined ? { earlyData: hs.psk.earlyData ? 'accepted' as const : 'rejected' as const } : {}),
    };
    if (hs.peerChain) ev.peerChain = hs.peerChain;
    this.events.emit(ev);
    this.early.release();
    const tk = this.scfg.psk?.tickets;
    if (tk && hs.rms && this.state === 'connected') {
      // NewSessionTicket(s) in epoch 3, retransmitted until ACKed (RFC 9147 5.8.4); after client authentication
      // they carry the client's leaf certificate (the resumed session keeps that identity)
      const msgs = [];
      const clientCert = hs.peerChain?.[0];
      for (let i = 0; i < (tk.count ?? 1); i++) {
        msgs.push(this.flights.newMessage(3, H.new_session_ticket, newSessionTicket(tk, this.scfg, hs.keys.ks, hs.keys.suite, hs.rms, i, now, clientCert)));
      }
      this.flights.startHandshake(msgs, now, true, undefined);
    }
  }

  /** 0-RTT application data (epoch 1), accepted up to max_early_data_size; delivered as 'data' with `early`. */
  protected override onEarlyData(payload: Uint8Array): void {
    if (this.earlyBudget < payload.length) {
      countDrop(this.stats, 'early_application_data');
      return;
    }
    this.earlyBudget -= payload.length;
    this.events.emit({ type: 'data', data: payload, early: true });
  }

  private dropWriteEpoch2(): void {
    // Our flight is implicitly acknowledged by the client's Finished: epoch-2 keys are done in both directions.
    // If our ACK of the client's final flight is lost, the client resends that flight in epoch 2, which we can no
    // longer decrypt: such a record (epoch bits 2, no keys) makes us resend the same ACK (for records that did
    // authenticate earlier; at most once per half timer period, never larger than the record that triggered it).
    this.rec.dropWrite(2);
    this.rec.dropRead(2);
  }
  protected override onUndecryptable(bits: number): void {
    const now = this.nowRx;
    if (bits !== 2 || this.state !== 'connected' || !this.finalAck || now - this.finalAckAt < this.flights.rto / 2) return;
    this.finalAckAt = now;
    this.acks.send(this.finalAck);
  }
  /** A ClientHello: the first, or the second after a HelloRetryRequest (`hrr`, stateless or stateful). */
  private onClientHello(hrr: HrrContext | undefined, ch: ClientHello, chFull: Uint8Array, now: number): void {
    const cfg = this.scfg;
    const hello = checkClientHello(ch);
    // a usable PSK (./psk.ts) replaces certificate authentication; otherwise the full handshake
    const psk = cfg.psk ? choosePsk(cfg, cfg.psk, ch, chFull, hrr?.prefix, now, false, cfg.clientAuth === 'require') : undefined;
    const sel: PskOrCert = psk
      ? { suite: psk.suite, group: psk.group, share: psk.share, credential: undefined }
      : selectParams(cfg, ch, hello);
    let share = sel.share;
    if (hrr) {
      // ClientHello2 after a stateless HRR: it must follow what the HRR asked for
      if (sel.suite.code !== hrr.suiteCode) {
        if (!ch.cipherSuites.includes(hrr.suiteCode) || psk) throw new AlertError(AlertDescription.illegal_parameter, 'suite differs from HRR');
        sel.suite = suiteByCode(hrr.suiteCode)!;
      }
      if (hrr.group) {
        const shares = E.KeyShare.decodeClient(E.findExt(ch.extensions, X.key_share)!);
        if (shares.length !== 1 || shares[0]!.group !== groupCode(hrr.group)) {
          throw new AlertError(AlertDescription.illegal_parameter, 'ClientHello2 key_share does not match HRR');
        }
        sel.group = hrr.group;
        share = shares[0]!.keyExchange;
      }
      if (!share && sel.group) throw new AlertError(AlertDescription.illegal_parameter, 'ClientHello2 still lacks a usable share');
    } else if (!share && sel.group) {
      // stateful HRR (cookies disabled): keep Hash(CH1), ask for the group (a second ClientHello comes with `hrr`)
      const hrrBody = buildHrrBody(sel.suite.code, sel.group, undefined, this.sessionEcho(ch));
      this.hs = {
        phase: 'wait_ch2',
        hrr: {
          prefix: [messageHash(this.crypto.hash(sel.suite.hash, chFull)), tlsMessage(H.server_hello, hrrBody)],
          suiteCode: sel.suite.code, group: sel.group,
        },
      };
      this.sendHandshakeFlight([this.flights.newMessage(0, H.server_hello, hrrBody)], now, false);
      return;
    }
    const suite = sel.suite;
    const ks = scheduleFor(this.crypto, suite.hash);
    const group = sel.group;
    let kx: KxEncapsulation | undefined;
    if (group && share) {
      kx = this.crypto.kxEncapsulate(group, share) ?? undefined; // ECDHE: generate + derive; ML-KEM: encapsulate
      if (!kx) throw new AlertError(AlertDescription.illegal_parameter, 'bad key share');
    }

    // ServerHello
    const random = new Uint8Array(32);
    cfg.rng.fill(random);
    const shExts: E.Extension[] = [{ type: X.supported_versions, data: E.SupportedVersions.encodeServer(DTLS13) }];
    if (group && kx) shExts.push({ type: X.key_share, data: E.KeyShare.encodeServer({ group: groupCode(group), keyExchange: kx.share }) });
    if (psk) shExts.push({ type: X.pre_shared_key, data: PreSharedKeyServer.encode(psk.index) });
    const cidExt = E.findExt(ch.extensions, X.connection_id);
    if (cidExt) {
      const clientCid = E.ConnectionIdExt.decode(cidExt);
      const mine = cfg.connectionIdLength > 0 && this.localCid ? this.localCid : new Uint8Array(0);
      shExts.push({ type: X.connection_id, data: E.ConnectionIdExt.encode(mine) });
      this.cidOk = true;
      if (clientCid.length) this.rec.writeCid = clientCid;
      this.rec.setReadCid(mine, mine === this.localCid); // the dispatcher's CID for this connection: never changed
    }
    const shBody = encodeServerHello({ random, legacySessionIdEcho: this.sessionEcho(ch), cipherSuite: suite.code, compressionMethod: 0, extensions: shExts });
    const t = this.crypto.transcript(suite.hash);
    if (hrr) for (const m of hrr.prefix) t.update(m);
    t.update(chFull);
    if (psk?.earlyData.accepted) {
      // 0-RTT accepted: epoch 1 read keys from client_early_traffic_secret = Derive-Secret(early, "c e traffic", CH)
      const early = ks.clientEarlyTrafficSecret(psk.early, t.digest());
      logSecret(cfg, 'CLIENT_EARLY_TRAFFIC_SECRET', ch.random, early);
      this.rec.installRead(1, ks.epochKeys(early, suite));
      this.earlyBudget = psk.earlyData.max;
    }
    t.update(tlsMessageTransient(H.server_hello, shBody));
    const hsSecret = psk ? ks.handshakeSecret(psk.early, kx?.secret) : handshakeSecretNoPsk(this.crypto, ks, kx!.secret);
    const sec = ks.handshakeTrafficSecrets(hsSecret, t.digest());
    const keys: Negotiated = { suite, ks };
    this.epochs.installHandshake(keys, sec.client, sec.server);

    // EncryptedExtensions
    const eeExts: E.Extension[] = [];
    if (E.findExt(ch.extensions, X.server_name)) eeExts.push({ type: X.server_name, data: new Uint8Array(0) });
    const rsl = E.findExt(ch.extensions, X.record_size_limit);
    if (rsl) {
      // RFC 8449: answer with our limit (2^14 + 1 = none) and honour the client's from the first encrypted record
      this.rec.layer.setRecordSizeLimit({ write: E.RecordSizeLimit.decode(rsl) });
      const mine = cfg.recordSizeLimit ?? 16385;
      eeExts.push({ type: X.record_size_limit, data: E.RecordSizeLimit.encode(mine) });
      this.rec.layer.setRecordSizeLimit({ read: mine });
    }
    if (psk?.earlyData.accepted) eeExts.push({ type: X.early_data, data: EarlyDataExt.encode() });
    const eeBody = encodeEncryptedExtensions(eeExts);
    t.update(tlsMessageTransient(H.encrypted_extensions, eeBody));
    // CertificateRequest (client authentication asked for; never in a PSK handshake, RFC 8446 4.3.2)
    const crBody = psk ? undefined : cfg.certificateRequest;
    if (crBody) t.update(tlsMessageTransient(H.certificate_request, crBody));
    const flight = [this.flights.newMessage(0, H.server_hello, shBody), this.flights.newMessage(2, H.encrypted_extensions, eeBody)];
    if (crBody) flight.push(this.flights.newMessage(2, H.certificate_request, crBody));
    const cred = sel.credential;
    if (cred) {
      // Certificate
      const certBody = certificateBody(cred.chain);
      t.update(tlsMessageTransient(H.certificate, certBody));
      // CertificateVerify
      const sig = this.crypto.sign(cred.scheme, cred.privateKey, certificateVerifyContent('server', t.digest()));
      const cvBody = encodeCertificateVerify({ scheme: schemeCode(cred.scheme), signature: sig });
      t.update(tlsMessageTransient(H.certificate_verify, cvBody));
      flight.push(this.flights.newMessage(2, H.certificate, certBody), this.flights.newMessage(2, H.certificate_verify, cvBody));
    }
    // Finished
    const finBody = ks.finishedVerifyData(sec.server, t.digest());
    t.update(tlsMessageTransient(H.finished, finBody));
    flight.push(this.flights.newMessage(2, H.finished, finBody));
    const th = t.digest();
    const master = ks.masterSecret(hsSecret);
    const app = ks.applicationTrafficSecrets(master, th);
    if (cfg.secrets || cfg.keylog) {
      logSecret(cfg, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', ch.random, sec.client);
      logSecret(cfg, 'SERVER_HANDSHAKE_TRAFFIC_SECRET', ch.random, sec.server);
      logSecret(cfg, 'CLIENT_TRAFFIC_SECRET_0', ch.random, app.client);
      logSecret(cfg, 'SERVER_TRAFFIC_SECRET_0', ch.random, app.server);
      // the keylog line alone derives the exporter secret (one more key-schedule operation); `secrets` does not
      if (cfg.keylog) cfg.keylog(keylogLine('EXPORTER_SECRET', ch.random, ks.exporterMasterSecret(master, th)));
    }
    this.epochs.installApp(keys, app.client, app.server, master, th);
    const pskInfo = psk ? { kind: psk.kind, earlyData: psk.earlyData.accepted || psk.earlyData.why !== 'not-offered' ? psk.earlyData.accepted : undefined } : undefined;
    if (crBody) {
      // client authentication: the transcript runs on through the client's Certificate/CertificateVerify and its
      // Finished (./client-auth.ts: the expected Finished and, with tickets, the resumption secret)
      const next: ToFinished = { keys, group: group ?? 'none', scheme: cred ? cred.scheme : 'psk', helloRetry: hrr !== undefined, rms: undefined, psk: pskInfo };
      this.hs = { phase: 'wait_client_cert', a: { keys, transcript: t, cHs: sec.client, master: cfg.psk?.tickets ? master : undefined }, next };
    } else {
      // no client authentication: the transcript is no longer needed (except for the resumption secret of tickets)
      const expectedFinished = ks.finishedVerifyData(sec.client, th);
      const rms = cfg.psk?.tickets
        ? ks.resumptionMasterSecret(master, t.update(tlsMessageTransient(H.finished, expectedFinished)).digest())
        : undefined;
      this.hs = {
        phase: 'wait_finished', keys, expectedFinished, group: group ?? 'none', scheme: cred ? cred.scheme : 'psk',
        helloRetry: hrr !== undefined, rms, psk: pskInfo, peerChain: psk?.clientCertificate ? [psk.clientCertificate] : undefined,
      };
    }
    this.sendHandshakeFlight(flight, now);
  }

  private sessionEcho(ch: ClientHello): Uint8Array {
    return this.scfg.echoLegacySessionId ? ch.legacySessionId.slice() : new Uint8Array(0);
  }

  protected override onAuthenticated(epoch: number, seq: number): void {
    if (epoch > this.newestEpoch || (epoch === this.newestEpoch && seq > this.newestSeq)) {
      this.newestEpoch = epoch;
      this.newestSeq = seq;
      this.newestRecords++;
    }
    if (epoch >= 2) {
      this.authenticatedRecords++;
      if (this.out.ampLimited) this.out.ampLimited = false;
    }
  }
}
