// DTLS 1.3 server state machine (RFC 8446 4, RFC 9147 5):
//   (dispatcher: stateless HRR + cookie, no state) --valid ClientHello--> START
//   START --CH (needs group, cookies off)--> WAIT_CH2 (stateful HRR) --CH2--> START
//   START --CH--> send [SH] {EE Cert CV Finished} --> WAIT_FINISHED --client Finished--> CONNECTED (+ ACK)
// The handshake state is a union with one member per phase (ServerHs).
import type { KxGroup, SignatureScheme } from '../crypto/provider.ts';
import { type CipherSuite, getSuite, suiteByCode } from '../crypto/suites.ts';
import { keylogLine } from '../keylog.ts';
import { AlertError, ctEqual } from '../handshake/bytes.ts';
import { AlertDescription, DTLS13, ExtensionType as X, HRR_RANDOM, HandshakeType as H } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import {
  type ClientHello, decodeClientHello, encodeCertificate, encodeCertificateVerify, encodeEncryptedExtensions, encodeServerHello,
  messageHash, tlsMessage, tlsMessageTransient,
} from '../handshake/messages.ts';
import { type ResolvedCommon, type ServerConfig, type ServerCredential, resolveCommon } from './config.ts';
import { Connection } from './connection.ts';
import { certificateVerifyContent, groupCode, groupFromCode, handshakeSecretNoPsk, scheduleFor, schemeCode } from './common.ts';
import type { Negotiated } from './epochs.ts';

export interface ResolvedServer extends ResolvedCommon {
  credentials: ServerCredential[];
  echoLegacySessionId: boolean;
  connectionIdLength: number;
}

export function resolveServer(c: ServerConfig): ResolvedServer {
  const creds = Array.isArray(c.credential) ? (c.credential as ServerCredential[]) : [c.credential];
  if (!creds.length || !creds[0]) throw new TypeError('ServerConfig.credential is required');
  return {
    ...resolveCommon(c),
    credentials: creds,
    echoLegacySessionId: c.echoLegacySessionId ?? false,
    connectionIdLength: c.connectionIdLength ?? 0,
  };
}

export interface Selection {
  suite: CipherSuite;
  group: KxGroup;
  /** The client's share for `group`, or undefined when a HelloRetryRequest must ask for it. */
  share: Uint8Array | undefined;
  credential: ServerCredential;
}

/** Negotiates suite, group and credential for a ClientHello (server preference order). Throws AlertError. */
export function selectParams(cfg: ResolvedServer, ch: ClientHello): Selection {
  if (ch.legacyCookie.length !== 0) throw new AlertError(AlertDescription.illegal_parameter, 'legacy_cookie not empty');
  if (ch.compressionMethods.length !== 1 || ch.compressionMethods[0] !== 0) {
    throw new AlertError(AlertDescription.illegal_parameter, 'compression methods');
  }
  const sv = E.findExt(ch.extensions, X.supported_versions);
  if (!sv || !E.SupportedVersions.decodeClient(sv).includes(DTLS13)) {
    throw new AlertError(AlertDescription.protocol_version, 'client does not offer DTLS 1.3');
  }
  let suite: CipherSuite | undefined;
  for (const name of cfg.suites) {
    const s = getSuite(name);
    if (ch.cipherSuites.includes(s.code)) { suite = s; break; }
  }
  if (!suite) throw new AlertError(AlertDescription.handshake_failure, 'no common cipher suite');
  const sgData = E.findExt(ch.extensions, X.supported_groups);
  const ksData = E.findExt(ch.extensions, X.key_share);
  const saData = E.findExt(ch.extensions, X.signature_algorithms);
  if (!sgData || !ksData) throw new AlertError(AlertDescription.missing_extension, 'supported_groups/key_share missing');
  if (!saData) throw new AlertError(AlertDescription.missing_extension, 'signature_algorithms missing');
  const clientGroups = E.SupportedGroups.decode(sgData);
  const shares = E.KeyShare.decodeClient(ksData);
  for (const s of shares) {
    if (!clientGroups.includes(s.group)) throw new AlertError(AlertDescription.illegal_parameter, 'key_share for unlisted group');
  }
  const schemes = E.SignatureAlgorithms.decode(saData);
  const credential = cfg.credentials.find((c) => cfg.signatureSchemes.includes(c.scheme) && schemes.includes(schemeCode(c.scheme)));
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

/** What the dispatcher learnt from a valid cookie: the synthetic transcript prefix and the HRR's choices. */
export interface HrrContext {
  prefix: Uint8Array[]; // message_hash(CH1), HelloRetryRequest (TLS form)
  suiteCode: number;
  group: KxGroup | undefined;
}

/** The server's handshake state, one member per phase. START: a ClientHello is being processed (`hrr`: the
 *  stateless HelloRetryRequest it answers, learnt from the cookie). WAIT_CH2: we sent a stateful HelloRetryRequest.
 *  WAIT_FINISHED: our flight is out; what the client's Finished must be, and what the 'connected' event reports. */
export type ServerHs =
  | { phase: 'start'; hrr: HrrContext | undefined }
  | { phase: 'wait_ch2'; hrr: HrrContext }
  | { phase: 'wait_finished'; keys: Negotiated; expectedFinished: Uint8Array; group: KxGroup; scheme: SignatureScheme; helloRetry: boolean };

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
  /** ClientHello.random of this association (tells a new association from a duplicate ClientHello). */
  clientRandom: Uint8Array | undefined;
  /** Incremented for every record authenticated under epoch >= 2 (proof of address ownership, CID migration). */
  authenticatedRecords = 0;

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
    this.clientRandom = ch.random.slice();
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
      this.fail(e instanceof AlertError ? e.alert : AlertDescription.internal_error);
    }
    this.out.flush();
  }

  protected override cidNegotiated(): boolean {
    return this.cidOk;
  }

  protected override releaseHandshakeState(): void {
    this.hs = undefined;
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
    throw new AlertError(AlertDescription.unexpected_message, `unexpected handshake message ${msgType} in ${hs ? hs.phase : 'done'}`);
  }

  private onFinished(hs: ServerHs & { phase: 'wait_finished' }, body: Uint8Array, now: number): void {
    const exp = hs.expectedFinished;
    if (body.length !== exp.length) throw new AlertError(AlertDescription.decode_error, 'Finished length');
    if (!ctEqual(body, exp)) throw new AlertError(AlertDescription.decrypt_error, 'bad client Finished');
    this.flights.implicitAck(now);
    this.dropWriteEpoch2();
    this.completeHandshake(now, hs.keys.suite);
    this.out.ampLimited = false;
    this.finalAck = this.acks.send()?.slice(); // exact-length copy: kept for the connection's life
    this.finalAckAt = now;
    this.events.emit({
      type: 'connected', suite: hs.keys.suite.name, group: hs.group, signatureScheme: hs.scheme,
      helloRetry: hs.helloRetry, sendCid: this.rec.writeCid, recvCid: this.cidOk ? this.localCid : undefined,
    });
    this.early.release();
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
    const sel = selectParams(cfg, ch);
    let share = sel.share;
    if (hrr) {
      // ClientHello2 after a stateless HRR: it must follow what the HRR asked for
      if (sel.suite.code !== hrr.suiteCode) {
        if (!ch.cipherSuites.includes(hrr.suiteCode)) throw new AlertError(AlertDescription.illegal_parameter, 'suite differs from HRR');
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
      if (!share) throw new AlertError(AlertDescription.illegal_parameter, 'ClientHello2 still lacks a usable share');
    } else if (!share) {
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
    const kx = this.crypto.kxEncapsulate(sel.group, share); // ECDHE: generate + derive; ML-KEM: encapsulate
    if (!kx) throw new AlertError(AlertDescription.illegal_parameter, 'bad key share');

    // ServerHello
    const random = new Uint8Array(32);
    cfg.rng.fill(random);
    const shExts: E.Extension[] = [
      { type: X.supported_versions, data: E.SupportedVersions.encodeServer(DTLS13) },
      { type: X.key_share, data: E.KeyShare.encodeServer({ group: groupCode(sel.group), keyExchange: kx.share }) },
    ];
    const cidExt = E.findExt(ch.extensions, X.connection_id);
    if (cidExt) {
      const clientCid = E.ConnectionIdExt.decode(cidExt);
      const mine = cfg.connectionIdLength > 0 && this.localCid ? this.localCid : new Uint8Array(0);
      shExts.push({ type: X.connection_id, data: E.ConnectionIdExt.encode(mine) });
      this.cidOk = true;
      if (clientCid.length) this.rec.writeCid = clientCid;
      this.rec.setReadCid(mine);
    }
    const shBody = encodeServerHello({ random, legacySessionIdEcho: this.sessionEcho(ch), cipherSuite: suite.code, compressionMethod: 0, extensions: shExts });
    const t = this.crypto.transcript(suite.hash);
    if (hrr) for (const m of hrr.prefix) t.update(m);
    t.update(chFull).update(tlsMessageTransient(H.server_hello, shBody));
    const hsSecret = handshakeSecretNoPsk(this.crypto, ks, kx.secret);
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
    const eeBody = encodeEncryptedExtensions(eeExts);
    t.update(tlsMessageTransient(H.encrypted_extensions, eeBody));
    // Certificate
    const cred = sel.credential;
    const certBody = encodeCertificate({ context: new Uint8Array(0), entries: cred.chain.map((d) => ({ data: d, extensions: [] })) });
    t.update(tlsMessageTransient(H.certificate, certBody));
    // CertificateVerify
    const sig = this.crypto.sign(cred.scheme, cred.privateKey, certificateVerifyContent('server', t.digest()));
    const cvBody = encodeCertificateVerify({ scheme: schemeCode(cred.scheme), signature: sig });
    t.update(tlsMessageTransient(H.certificate_verify, cvBody));
    // Finished
    const finBody = ks.finishedVerifyData(sec.server, t.digest());
    t.update(tlsMessageTransient(H.finished, finBody));
    const th = t.digest();
    const master = ks.masterSecret(hsSecret);
    const app = ks.applicationTrafficSecrets(master, th);
    const kl = cfg.keylog;
    if (kl) {
      kl(keylogLine('CLIENT_HANDSHAKE_TRAFFIC_SECRET', ch.random, sec.client));
      kl(keylogLine('SERVER_HANDSHAKE_TRAFFIC_SECRET', ch.random, sec.server));
      kl(keylogLine('CLIENT_TRAFFIC_SECRET_0', ch.random, app.client));
      kl(keylogLine('SERVER_TRAFFIC_SECRET_0', ch.random, app.server));
      kl(keylogLine('EXPORTER_SECRET', ch.random, ks.exporterMasterSecret(master, th)));
    }
    // no client authentication: the transcript is no longer needed
    const expectedFinished = ks.finishedVerifyData(sec.client, th);
    this.epochs.installApp(keys, app.client, app.server, master, th);
    this.hs = { phase: 'wait_finished', keys, expectedFinished, group: sel.group, scheme: cred.scheme, helloRetry: hrr !== undefined };
    this.sendHandshakeFlight([
      this.flights.newMessage(0, H.server_hello, shBody),
      this.flights.newMessage(2, H.encrypted_extensions, eeBody),
      this.flights.newMessage(2, H.certificate, certBody),
      this.flights.newMessage(2, H.certificate_verify, cvBody),
      this.flights.newMessage(2, H.finished, finBody),
    ], now);
  }

  private sessionEcho(ch: ClientHello): Uint8Array {
    return this.scfg.echoLegacySessionId ? ch.legacySessionId.slice() : new Uint8Array(0);
  }

  protected override onAuthenticated(epoch: number): void {
    if (epoch >= 2) {
      this.authenticatedRecords++;
      if (this.out.ampLimited) this.out.ampLimited = false;
    }
  }
}
