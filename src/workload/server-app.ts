// The server application of the co-simulation, on top of the ServerSides (server.ts, one per dispatcher): it echoes
// every record it receives (`traffic.direction: echo`) or sends each client its download (`down`), keeps the
// connections' retransmission/ACK timers on simulated time, and counts connections, their context memory and their
// retransmissions.
import { fromMs, PS_PER_MS, type EventId, type Kernel, type Ps, type Sampler } from '../sim/index.ts';
import type { Platform } from '../hw/index.ts';
import {
  getSuite, type CipherSuiteName, type CryptoOp, type DispatcherEvent, type ServerConnection, type ServerDispatcher,
} from '../dtls/index.ts';
import type { Client, ClientSide } from './client-side.ts';
import { makePayload, payloadTag } from './clients.ts';
import { HeldEchoes, kindOf } from './resumption.ts';
import type { ServerPkeByKind } from './server-kinds.ts';
import type { CosimContext } from './context.ts';
import { afterGap, recordSize, sizeSampler } from './population.ts';
import { ServerSide, type RecordLog } from './server.ts';
import type { Transport } from './transport.ts';

/** What the application keeps per client address. */
interface SrvInfo {
  /** Connection id for the context cache. */
  id: number;
  timer: EventId;
  /** Deadline (ms) the armed timer is for, NaN if none. */
  timerAt: number;
  /** The connection and server side the armed timer is for. */
  conn: ServerConnection | undefined;
  side: ServerSide | undefined;
  /** Download records planned and sent (direction down). */
  toSend: number;
  sent: number;
  /** Largest buffered bytes seen on the established connection (time-series samples). */
  held: number;
  /** Protocol state of the established connection (contextBytes), 0 before. */
  contextBytes: number;
}

/** A download in progress: the application sends records on `conn` to client `c` until `until`. */
class Download {
  constructor(
    readonly s: SrvInfo, readonly side: ServerSide, readonly conn: ServerConnection, readonly c: Client,
    readonly until: Ps, readonly size: Sampler,
  ) {}
}

/**
 * Protocol state the server holds per established connection (what an accelerator's context memory must keep):
 * per direction key + IV + sn_key, both traffic secrets (for KeyUpdate), 64-bit next/highest sequence numbers,
 * a 64-record replay bitmap, epochs and the peer address (IPv6 + port).
 */
export function contextBytes(suite: CipherSuiteName): number {
  const s = getSuite(suite);
  const keyLen = s.keyLength;
  return 2 * (keyLen + s.ivLength + keyLen) + 2 * s.hashLength + 2 * 8 + 8 + 8 + 4 + 18;
}

export class ServerApp {
  /** One per dispatcher: the side a connection's datagrams reach is the one whose dispatcher holds it. */
  readonly sides: ServerSide[];
  /** Established connections now, and their peak. */
  established = 0;
  peak = 0;
  private closedRetransmissions = 0;
  private readonly info = new Map<string, SrvInfo>();
  /** Connections the core ran on since the last held-bytes sample (sampleHeld): only their buffers can have
   *  changed, so only they need sampling. */
  private readonly touched = new Set<ServerConnection>();
  /** Echoes of 0-RTT records waiting for their connection's handshake (resumption.ts). */
  private readonly heldEchoes = new HeldEchoes();
  private nextConnId = 0;
  /** Connections moved to a client's new address by their CID (NAT rebinding, fleet.ts). */
  migrated = 0;
  /** Told of every connection the dispatchers create and every one that closes (the hello flood, attack.ts). */
  watch: { created(address: string): void; closed(address: string): void } | undefined = undefined;
  private readonly k: Kernel;
  private readonly timerFn = (s: SrvInfo): void => this.timer(s);
  private readonly downloadFn = (dl: Download): void => this.sendDownload(dl);

  constructor(
    private readonly ctx: CosimContext,
    private readonly hw: Platform,
    private readonly dispatchers: readonly ServerDispatcher[],
    transport: Transport,
    private readonly clients: ClientSide,
    tap: ((op: CryptoOp) => void) | undefined,
    /** Server public-key operations by handshake kind (server-kinds.ts), when the summary has handshake_kinds. */
    private readonly pkeKinds?: ServerPkeByKind,
  ) {
    this.k = ctx.k;
    const kinds = pkeKinds;
    const sideTap = kinds
      ? (op: CryptoOp, address: string | undefined) => {
        if (tap) tap(op);
        if (address !== undefined) kinds.op(address, op);
      }
      : tap;
    this.sides = dispatchers.map(
      (d, i) =>
        new ServerSide(ctx.k, hw, d, {
          onEvent: (ev, now, log) => this.onEvent(this.sides[i]!, ev, now, log),
          onTransmit: (address, datagram, now, _phase, log) => {
            ctx.activity.last = now;
            transport.down(address, datagram, log, now);
          },
          armTimer: (conn) => {
            this.touched.add(conn);
            if (ctx.dormancy !== undefined) ctx.dormancy.note(conn);
            this.arm(this.sides[i]!, conn);
          },
          connId: (address) => this.infoOf(address).id,
          created: (address) => this.watch?.created(address),
          moved: (from, to) => this.moved(from, to),
        }, ctx.probe, ctx.acc, sideTap),
    );
  }

  private infoOf(address: string): SrvInfo {
    let s = this.info.get(address);
    if (!s) {
      s = { id: this.nextConnId++, timer: -1, timerAt: NaN, conn: undefined, side: undefined, toSend: 0, sent: 0, held: 0, contextBytes: 0 };
      this.info.set(address, s);
    }
    return s;
  }

  /** A connection moved to its client's new address (RFC 9146 6): what the application keeps for it moves along
   *  (its context stays the same context). */
  private moved(from: string, to: string): void {
    const s = this.info.get(from);
    this.migrated++;
    if (s === undefined) return;
    this.info.delete(from);
    this.info.set(to, s);
  }

  private onEvent(side: ServerSide, e: DispatcherEvent, now: Ps, log: RecordLog | null): void {
    const { acc, probe, sendTimes, warmupPs } = this.ctx;
    this.ctx.activity.last = now;
    const ev = e.event;
    if (ev.type === 'connected') {
      this.established++;
      if (this.established > this.peak) this.peak = this.established;
      this.infoOf(e.address).contextBytes = contextBytes(ev.suite as CipherSuiteName);
      this.pkeKinds?.connected(e.address, kindOf(ev, ev.peerChain !== undefined), now >= warmupPs);
      const held = this.heldEchoes.take(e.address);
      if (held !== undefined) {
        const ci = this.clients.byAddr.get(e.address)?.i ?? 0;
        for (const n of held) this.echo(side, e.connection, n, ci, now);
      }
      if (this.ctx.traffic.direction === 'down') {
        const c = this.clients.byAddr.get(e.address);
        if (c) this.startDownload(side, e.connection, c);
      }
    } else if (ev.type === 'data') {
      const sent = sendTimes.get(payloadTag(ev.data));
      const ci = this.clients.byAddr.get(e.address)?.i ?? 0;
      if (sent !== undefined && sent >= warmupPs) {
        acc.recordDelivered(now - sent, ev.data.length, now, ci);
        this.ctx.onRecord?.(now - sent, true);
        probe.recordAtServer(e.address, log, sent, now);
      }
      probe.dataEvent(log);
      if (this.ctx.traffic.direction === 'echo') {
        // 0-RTT data arrives before the server's side of the handshake completes: its echo waits for it
        if (ev.early === true && !e.connection.isConnected) this.heldEchoes.hold(e.address, ev.data.length);
        else this.echo(side, e.connection, ev.data.length, ci, now);
      } else this.ctx.dormancy?.idle(e.connection); // nothing to answer: the exchange is over (dormancy.ts)
    } else if (ev.type === 'closed') {
      probe.connectionClosed(e.address);
      this.watch?.closed(e.address);
      this.pkeKinds?.closed(e.address, e.connection.receiveEpoch >= 3);
      const s = this.info.get(e.address);
      this.closedRetransmissions += e.connection.stats.retransmissions;
      if (s) {
        // the timer may already belong to a new association from the same address (RFC 9147 5.11)
        if (s.timer >= 0 && s.conn === e.connection) {
          this.k.cancel(s.timer);
          s.timer = -1;
          s.timerAt = NaN;
        }
        side.traceRemove(s.id);
        this.hw.contextCache?.remove(s.id);
      }
      if (s && s.contextBytes > 0) this.established--;
    }
  }

  /** Echoes `n` bytes back to client `ci` on `conn` (direction echo). */
  private echo(side: ServerSide, conn: ServerConnection, n: number, ci: number, now: Ps): void {
    const { acc, probe, sendTimes, warmupPs } = this.ctx;
    const t = sendTimes.add(now);
    if (now >= warmupPs) acc.recordSent(now, ci);
    side.send(conn, makePayload(t, n), probe.recordLog(now));
    this.ctx.dormancy?.idle(conn); // the exchange is over (dormancy.ts)
  }

  // ---- download (direction down): the server's side of the handshake completed

  private startDownload(side: ServerSide, conn: ServerConnection, c: Client): void {
    const s = this.infoOf(conn.address);
    const traffic = this.ctx.traffic;
    s.toSend = this.ctx.recordsPlanned;
    s.sent = 0; // a reconnecting client's new session (clients.resumption) starts a new download
    const until = traffic.duration_ms !== undefined ? this.k.now + fromMs(traffic.duration_ms) : Infinity;
    this.sendDownload(new Download(s, side, conn, c, until, sizeSampler(traffic, c)));
  }

  /** Sends the download's next record and schedules the one after. */
  private sendDownload(dl: Download): void {
    const { k, ctx } = this;
    const s = dl.s;
    if (dl.conn.isClosed || s.sent >= s.toSend || k.now > dl.until) {
      this.clients.downloadEnded(dl.c, s.sent); // a duration-limited download: the client now knows how many
      return;
    }
    const t = ctx.sendTimes.add(k.now);
    if (k.now >= ctx.warmupPs) ctx.acc.recordSent(k.now, dl.c.i);
    s.sent++;
    dl.side.send(dl.conn, makePayload(t, recordSize(dl.size())), ctx.probe.recordLog(k.now));
    ctx.dormancy?.idle(dl.conn); // dormancy.ts
    afterGap(k, ctx.traffic, dl.c, ctx.endPs, this.downloadFn, dl);
  }

  // ---- connection timers

  private arm(side: ServerSide, conn: ServerConnection): void {
    const s = this.infoOf(conn.address);
    const t = conn.isClosed ? undefined : conn.nextTimeout();
    if (t === s.timerAt || (t === undefined && s.timer < 0)) return;
    if (s.timer >= 0) this.k.cancel(s.timer);
    s.timer = -1;
    s.timerAt = t ?? NaN;
    if (t === undefined) return;
    const at = Math.max(this.k.now, Math.ceil(t * PS_PER_MS));
    s.conn = conn;
    s.side = side;
    s.timer = this.k.at(at, this.timerFn, s);
  }

  /** A server connection's timer, armed for s.timerAt on s.conn, fires. */
  private timer(s: SrvInfo): void {
    const t = s.timerAt;
    const conn = s.conn!;
    s.timer = -1;
    s.timerAt = NaN;
    this.ctx.activity.timerFired('server connection', conn.address);
    if (!conn.isClosed) s.side!.timeout(conn, t);
  }

  // ---- figures

  /**
   * Time-series sample: the buffers each established connection holds (memory figure), as the peak over samples.
   * A connection's buffers and state change only when the core runs on it (every such piece of work re-arms its
   * timer: `touched`), so a connection untouched since the last sample holds what it held then, already counted:
   * sampling the touched ones (still in their dispatcher) gives the same peaks as sampling every connection, at a
   * cost proportional to the activity instead of to the live connections.
   */
  sampleHeld(): void {
    for (const conn of this.touched) {
      if (!conn.isConnected) continue;
      const s = this.info.get(conn.address);
      if (s && this.dispatchers.some((d) => d.get(conn.address) === conn)) {
        const h = conn.heldBytes();
        if (h > s.held) s.held = h;
      }
    }
    this.touched.clear();
  }

  /** Retransmissions of every server connection, closed or not. */
  retransmissions(): number {
    let n = 0;
    for (const d of this.dispatchers) for (const conn of d.connections.values()) n += conn.stats.retransmissions;
    return n + this.closedRetransmissions;
  }

  /** Mean protocol state plus peak buffers per connection that was established, bytes. */
  bytesPerConnection(): number {
    let bytes = 0;
    let n = 0;
    for (const s of this.info.values()) {
      if (s.contextBytes > 0) {
        bytes += s.contextBytes + s.held;
        n++;
      }
    }
    return n > 0 ? Math.round(bytes / n) : 0;
  }
}
