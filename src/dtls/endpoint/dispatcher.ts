// ServerDispatcher: one per server socket. Routes datagrams to ServerConnections by CID (when the server issues
// CIDs and the record carries one) or by address string. With cookies on (default) an unknown address gets a
// stateless HelloRetryRequest and no per-connection state is created before a ClientHello with a valid cookie.
//
// Output and events of all connections funnel into the dispatcher's queues (pollTransmit / pollEvent) tagged with
// the address; callers that drive per-connection timers use receive()'s return value and the connection's own
// nextTimeout()/handleTimeout(). nextTimeout()/handleTimeout() here give the earliest timer of all connections
// and run the due ones: from their first call on, every public call on a connection reports it (config.called)
// and the dispatcher keeps its deadline in a heap (./deadlines.ts), O(log n) per call instead of a scan of every
// connection (32 us per call at 4,000 connections before 2026-12-07; a server that holds its connections paid it
// after every datagram).
import { AlertError, Writer } from '../handshake/bytes.ts';
import { AlertDescription, AlertLevel, ContentType, DTLS12, ExtensionType as X, HandshakeType as H } from '../handshake/constants.ts';
import * as E from '../handshake/extensions.ts';
import { decodeClientHello, decodeFragments, encodeAlert, messageHash, tlsMessage, tlsMessageTransient, writeFragment } from '../handshake/messages.ts';
import { getSuite, suiteByCode } from '../crypto/suites.ts';
import type { ServerConfig } from './config.ts';
import type { Connection, EndpointEvent } from './connection.ts';
import { CookieJar } from './cookie.ts';
import { Deadlines } from './deadlines.ts';
import { HALF_OPEN_DEFAULTS, HalfOpen } from './half-open.ts';
import { choosePsk } from './psk.ts';
import { HelloReassembly, clientHelloFragments } from './hello-fragments.ts';
import { groupCode, groupFromCode } from './common.ts';
import { type HrrContext, type ResolvedServer, ServerConnection, buildHrrBody, checkClientHello, resolveServer, selectParams } from './server.ts';

export interface DispatcherStats {
  connectionsCreated: number;
  statelessHrrSent: number;
  badCookies: number;
  /** Datagrams from unknown peers that were not a usable ClientHello, or refused (capacity). */
  dropped: number;
  alertsSent: number;
  /** Half-open connections evicted by a cap / abandoned by the handshake timeout (./half-open.ts). */
  halfOpenEvicted: number;
  handshakeTimeouts: number;
}

export interface DispatcherOutput {
  address: string;
  datagram: Uint8Array;
}
export interface DispatcherEvent {
  address: string;
  connection: ServerConnection;
  event: EndpointEvent;
}

export class ServerDispatcher {
  readonly config: ResolvedServer;
  readonly connections = new Map<string, ServerConnection>();
  private readonly byCid = new Map<string, ServerConnection>();
  private readonly cookies: CookieJar | undefined;
  private readonly maxConnections: number;
  /** Handshakes in progress, capped (./half-open.ts). */
  readonly halfOpen: HalfOpen;
  /** Fragmented ClientHellos from addresses without a connection, bounded (./hello-fragments.ts). */
  readonly hellos: HelloReassembly;
  private out: DispatcherOutput[] = [];
  private events: DispatcherEvent[] = [];
  /** The connections' timers, once nextTimeout() or handleTimeout() has been called (undefined before: a caller
   *  that drives each connection's timers itself pays nothing). `called`: connections called since the last look. */
  private timers: { deadlines: Deadlines<ServerConnection>; called: Set<ServerConnection>; due: ServerConnection[] } | undefined;
  readonly stats: DispatcherStats = {
    connectionsCreated: 0, statelessHrrSent: 0, badCookies: 0, dropped: 0, alertsSent: 0, halfOpenEvicted: 0, handshakeTimeouts: 0,
  };
  /** Sinks shared by every connection (each call names its connection): no closures per connection. */
  private readonly connTransmit = (datagram: Uint8Array, from: Connection): void => {
    this.out.push({ address: (from as ServerConnection).address, datagram });
  };
  private readonly connEvent = (event: EndpointEvent, from: Connection): void => {
    const conn = from as ServerConnection;
    this.events.push({ address: conn.address, connection: conn, event });
    if (event.type === 'closed') this.remove(conn);
    else if (event.type === 'connected') this.halfOpen.remove(conn);
  };

  constructor(config: ServerConfig) {
    this.config = resolveServer(config);
    const ck = config.cookie ?? {};
    this.cookies = ck.enabled === false ? undefined : new CookieJar(this.config.crypto, this.config.rng, ck.lifetimeMs, ck.rotateMs);
    this.maxConnections = config.maxConnections ?? Infinity;
    this.halfOpen = new HalfOpen({
      maxHalfOpen: positive(config.maxHalfOpen, HALF_OPEN_DEFAULTS.maxHalfOpen, 'maxHalfOpen'),
      maxHalfOpenPerSource: positive(config.maxHalfOpenPerSource, HALF_OPEN_DEFAULTS.maxHalfOpenPerSource, 'maxHalfOpenPerSource'),
      handshakeTimeoutMs: positive(config.handshakeTimeoutMs, HALF_OPEN_DEFAULTS.handshakeTimeoutMs, 'handshakeTimeoutMs'),
    });
    this.hellos = new HelloReassembly(config.helloReassembly);
  }

  pollTransmit(): DispatcherOutput | undefined {
    return this.out.shift();
  }
  pollEvent(): DispatcherEvent | undefined {
    return this.events.shift();
  }

  get(address: string): ServerConnection | undefined {
    return this.connections.get(address);
  }

  /** The connection a record header's CID names, if CIDs are on and the datagram starts with a CID record. */
  private byCidOf(datagram: Uint8Array): ServerConnection | undefined {
    const cidLen = this.config.connectionIdLength;
    if (cidLen > 0 && datagram.length > cidLen && (datagram[0]! & 0xf0) === 0x30) {
      return this.byCid.get(cidKey(datagram.subarray(1, 1 + cidLen)));
    }
    return undefined;
  }

  /** The existing connection `datagram` from `address` is routed to (by CID, else by address), without
   *  processing it; a ClientHello that starts a new association is not predicted. */
  connectionFor(datagram: Uint8Array, address: string): ServerConnection | undefined {
    return this.byCidOf(datagram) ?? this.connections.get(address);
  }

  /** Routes one datagram. Returns the connection it reached (existing or new), or undefined. Never throws. */
  receive(datagram: Uint8Array, address: string, nowMs: number): ServerConnection | undefined {
    let conn = this.byCidOf(datagram);
    if (!conn) {
      conn = this.connections.get(address);
      if (conn && conn.isConnected && (this.isNewAssociation(datagram, conn) || this.continuesHello(datagram, address))) {
        // RFC 9147 5.11: a ClientHello for a new association from the address of an established one. Proceed with
        // the new handshake statelessly; the old association is abandoned only once the cookie proves reachability.
        if (!this.cookies) {
          this.stats.dropped++; // without cookies the old association would have to be kept in parallel: not supported
          return conn;
        }
        try {
          return this.fromUnknown(datagram, address, nowMs, conn);
        } catch (e) {
          if (e instanceof AlertError) this.statelessAlert(address, e.alert, datagram.length);
          else this.stats.dropped++;
          return undefined;
        }
      }
    }
    if (conn) {
      const before = conn.authenticatedRecords;
      const newest = conn.newestRecords;
      const out0 = this.out.length;
      const ev0 = this.events.length;
      conn.receive(datagram, nowMs);
      if (conn.address !== address && conn.authenticatedRecords > before && conn.newestRecords > newest && !conn.isClosed) {
        // authenticated records under a CID from a new address, newer than any received before: the peer moved
        // (RFC 9146 6; an older datagram, reordered or replayed, does not move it back)
        const old = conn.address;
        if (this.connections.get(old) === conn) this.connections.delete(old);
        conn.address = address;
        this.connections.set(address, conn);
        // what this datagram produced (its data events, an ACK in reply) already belongs to the new address
        for (let i = ev0; i < this.events.length; i++) if (this.events[i]!.connection === conn) this.events[i]!.address = address;
        for (let i = out0; i < this.out.length; i++) if (this.out[i]!.address === old) this.out[i]!.address = address;
      }
      return conn;
    }
    try {
      return this.fromUnknown(datagram, address, nowMs);
    } catch (e) {
      if (e instanceof AlertError) this.statelessAlert(address, e.alert, datagram.length);
      else this.stats.dropped++;
      return undefined;
    }
  }

  /** An epoch-0 ClientHello whose random differs from the association's own (ClientHello2 keeps ClientHello1's). */
  private isNewAssociation(d: Uint8Array, conn: ServerConnection): boolean {
    if (d.length < 13 + 12 + 2 + 32 || d[0] !== ContentType.handshake || d[3] !== 0 || d[4] !== 0) return false;
    if (d[13] !== H.client_hello) return false;
    if (d[19] !== 0 || d[20] !== 0 || d[21] !== 0) return false; // a later fragment: no random to compare
    const r = conn.clientRandom;
    if (!r) return false;
    for (let i = 0; i < 32; i++) if (d[27 + i] !== r[i]) return true;
    return false;
  }

  /** An epoch-0 ClientHello fragment from an address whose fragmented ClientHello is being reassembled. */
  private continuesHello(d: Uint8Array, address: string): boolean {
    return this.hellos.size > 0 && d.length > 13 && d[0] === ContentType.handshake && d[3] === 0 && d[4] === 0 &&
      d[13] === H.client_hello && this.hellos.has(address);
  }

  private fromUnknown(d: Uint8Array, address: string, now: number, replacing?: ServerConnection): ServerConnection | undefined {
    // expect a DTLSPlaintext handshake record, epoch 0, carrying a complete ClientHello or fragments of one
    if (d.length < 13 + 12 || d[0] !== ContentType.handshake || d[3] !== 0 || d[4] !== 0) {
      this.stats.dropped++;
      return undefined;
    }
    let recordSeq = 0;
    for (let i = 5; i <= 10; i++) recordSeq = recordSeq * 256 + d[i]!;
    const len = (d[11]! << 8) | d[12]!;
    if (13 + len > d.length) {
      this.stats.dropped++;
      return undefined;
    }
    const frags = decodeFragments(d.subarray(13, 13 + len));
    const f = frags[0]!;
    if (this.connections.size >= this.maxConnections) {
      this.stats.dropped++;
      return undefined;
    }
    let body = f.fragment;
    let msgSeq = f.messageSeq;
    let inLen = d.length;
    if (f.msgType === H.client_hello && f.fragmentOffset === 0 && f.fragment.length === f.length) {
      if (this.hellos.size > 0) this.hellos.forget(address);
    } else {
      // a fragment of a ClientHello (RFC 9147 5.5): buffered within the caps until the message is complete
      const chFrags = this.hellos.maxMessageBytes > 0 ? clientHelloFragments(d) : [];
      const h = chFrags.length ? this.hellos.add(address, chFrags, d.length, now) : undefined;
      if (!h) {
        if (!chFrags.length) this.stats.dropped++;
        return undefined;
      }
      body = h.body;
      msgSeq = h.messageSeq;
      recordSeq = h.recordSeq;
      inLen = h.inBytes;
    }
    const ch = decodeClientHello(body);
    let hrr: HrrContext | undefined;
    if (this.cookies) {
      const cookieExt = E.findExt(ch.extensions, X.cookie);
      if (!cookieExt) {
        this.sendStatelessHrr(inLen, ch, body, msgSeq, recordSeq, address, now);
        return undefined;
      }
      const c = this.cookies.check(E.Cookie.decode(cookieExt), address, now);
      const suite = c ? suiteByCode(c.suiteCode) : undefined;
      if (!c || !suite) {
        this.stats.badCookies++;
        throw new AlertError(AlertDescription.illegal_parameter, 'bad cookie');
      }
      const group = c.groupCode ? groupFromCode(c.groupCode) : undefined;
      const echo = this.config.echoLegacySessionId ? ch.legacySessionId : new Uint8Array(0);
      const hrrBody = buildHrrBody(c.suiteCode, group, E.Cookie.decode(cookieExt), echo);
      hrr = { prefix: [messageHash(c.chHash), tlsMessage(H.server_hello, hrrBody)], suiteCode: c.suiteCode, group };
    }
    if (replacing) replacing.abandon('replaced'); // reachability proven by the cookie: the old association goes
    this.halfOpen.makeRoom(address, now);
    this.syncHalfOpenStats();
    let cid: Uint8Array | undefined;
    if (this.config.connectionIdLength > 0) {
      do {
        cid = new Uint8Array(this.config.connectionIdLength);
        this.config.rng.fill(cid);
      } while (this.byCid.has(cidKey(cid)));
    }
    const conn = new ServerConnection(this.config, address, cid);
    conn.transmitSink = this.connTransmit;
    conn.eventSink = this.connEvent;
    this.connections.set(address, conn);
    if (cid) this.byCid.set(cidKey(cid), conn);
    this.stats.connectionsCreated++;
    this.halfOpen.add(conn, now);
    conn.startWith(inLen, ch, body, msgSeq, recordSeq, hrr, now);
    this.timers?.called.add(conn);
    return conn;
  }

  private sendStatelessHrr(inLen: number, ch: ReturnType<typeof decodeClientHello>, body: Uint8Array, msgSeq: number,
    recordSeq: number, address: string, now: number): void {
    const hello = checkClientHello(ch);
    // a usable PSK decides the suite (its hash) and, with psk_ke, that no group is needed (./psk.ts)
    const psk = this.config.psk && E.findExt(ch.extensions, X.pre_shared_key)
      ? choosePsk(this.config, this.config.psk, ch, tlsMessage(H.client_hello, body), undefined, now, true,
        this.config.clientAuth === 'require') : undefined;
    const sel = psk ?? selectParams(this.config, ch, hello);
    const suite = getSuite(sel.suite.name);
    const chHash = this.config.crypto.hash(suite.hash, tlsMessageTransient(H.client_hello, body));
    const group = sel.share || !sel.group ? undefined : sel.group;
    const cookie = this.cookies!.make(address, { suiteCode: suite.code, groupCode: group ? groupCode(group) : 0, chHash }, now);
    const echo = this.config.echoLegacySessionId ? ch.legacySessionId : new Uint8Array(0);
    const hrrBody = buildHrrBody(suite.code, group, cookie, echo);
    const w = new Writer(hrrBody.length + 25);
    writeFragment(w, H.server_hello, hrrBody.length, msgSeq, 0, hrrBody);
    const dgram = plaintextRecord(ContentType.handshake, recordSeq, w.finish());
    if (dgram.length > 3 * inLen) {
      this.stats.dropped++; // would exceed the anti-amplification budget
      return;
    }
    this.stats.statelessHrrSent++;
    this.out.push({ address, datagram: dgram });
  }

  private statelessAlert(address: string, description: number, inLen: number): void {
    const dgram = plaintextRecord(ContentType.alert, 0, encodeAlert(AlertLevel.fatal, description));
    if (dgram.length > 3 * inLen) return;
    this.stats.alertsSent++;
    this.out.push({ address, datagram: dgram });
  }

  private syncHalfOpenStats(): void {
    this.stats.halfOpenEvicted = this.halfOpen.evicted;
    this.stats.handshakeTimeouts = this.halfOpen.timedOut;
  }

  private remove(conn: ServerConnection): void {
    if (this.timers) {
      this.timers.deadlines.delete(conn);
      this.timers.called.delete(conn);
    }
    this.halfOpen.remove(conn);
    if (this.connections.get(conn.address) === conn) this.connections.delete(conn.address);
    if (conn.localCid) this.byCid.delete(cidKey(conn.localCid));
  }

  /** Earliest timer over all connections and the half-open handshake deadlines. */
  nextTimeout(): number | undefined {
    const h = this.halfOpen.nextDeadline();
    const c = this.connectionTimers().deadlines.peek();
    return c === undefined || (h !== undefined && h < c) ? h : c;
  }

  /** Runs every connection timer that is due, earliest first, after the half-open handshakes' deadlines. */
  handleTimeout(nowMs: number): void {
    this.halfOpen.expire(nowMs);
    this.syncHalfOpenStats();
    const t = this.connectionTimers();
    const due = t.due;
    t.deadlines.popDue(nowMs, due);
    for (let i = 0; i < due.length; i++) due[i]!.handleTimeout(nowMs);
    due.length = 0;
  }

  /** The heap of the connections' deadlines, brought up to date with the connections called since the last look
   *  (created on the first call, from every connection). */
  private connectionTimers(): NonNullable<ServerDispatcher['timers']> {
    let t = this.timers;
    if (!t) {
      const called = new Set<ServerConnection>(this.connections.values());
      t = this.timers = { deadlines: new Deadlines<ServerConnection>(), called, due: [] };
      this.config.called = (c) => {
        called.add(c as ServerConnection);
      };
    }
    if (t.called.size > 0) {
      for (const c of t.called) t.deadlines.set(c, c.isClosed ? undefined : c.nextTimeout());
      t.called.clear();
    }
    return t;
  }
}

function positive(v: number | undefined, dflt: number, name: string): number {
  if (v === undefined) return dflt;
  if (!(v > 0)) throw new RangeError(`ServerConfig.${name} must be > 0 (got ${v})`);
  return v;
}

function cidKey(cid: Uint8Array): string {
  let s = '';
  for (let i = 0; i < cid.length; i++) s += String.fromCharCode(cid[i]!);
  return s;
}

function plaintextRecord(type: number, seq: number, payload: Uint8Array): Uint8Array {
  const w = new Writer(13 + payload.length);
  w.u8(type).u16(DTLS12).u16(0);
  w.u16(Math.floor(seq / 0x100000000)).u32(seq >>> 0);
  w.vec(2, payload);
  return w.finish();
}
