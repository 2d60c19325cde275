// The client side of the co-simulation, the counterpart of ServerSide (server.ts): every client is a real DTLS 1.3
// ClientEndpoint with simple per-operation costs (clients.ts) and a FIFO processor (client-processor.ts); what its
// endpoint produces (datagrams, events) becomes visible when the client's processing of it is done.
//
//   start:    ClientEndpoint.connect (ClientHello)
//   work:     begin -> [DTLS core runs: connect, send, receive, timeout, close] -> end: the crypto operations and
//             protocol work are charged to the client's processor -> release: datagrams to the network (transport.ts),
//             events to the client application (handshake done, record received, closed)
//   traffic:  after its handshake a client sends its records (up, echo) or waits for the server's (down)
//
// Work never nests (the endpoint calls back only into the crypto observer and the chain cache), so the counters
// taken before a piece of work are kept on the ClientSide. Pending work results are pooled; the kernel hands the
// client or the pooled result back to handlers bound once (no closure per client or per event).
import { fromMs, PS_PER_MS, type Kernel, type Ps, type RngStream } from '../sim/index.ts';
import { ClientEndpoint } from '../dtls/index.ts';
import type { ClientCosts } from './config/index.ts';
import type { Accounts } from './accounts.ts';
import type { ClientCrypto } from './client-crypto.ts';
import { makePayload, payloadTag } from './clients.ts';
import type { CosimContext } from './context.ts';
import { afterGap, recordSize, sizeSampler } from './population.ts';
import type { BreakdownProbe } from './probe.ts';
import { emptyArray, type RecordLog } from './server.ts';
import type { Transport } from './transport.ts';
import { ClientTimers } from './client-timers.ts';
import { ClientProcessor } from './client-processor.ts';
import { ClientLoops } from './client-loop.ts';
import { LoopStalls } from './loop-stalls.ts';
import { kindOf, type HandshakeKinds } from './resumption.ts';
import type { Fleet } from './fleet.ts';

export { Client, type ClientPopulation, type ResumeHooks } from './client-state.ts';
import type { Client, ClientPopulation, ResumeHooks } from './client-state.ts';

type ClientEvent = NonNullable<ReturnType<ClientEndpoint['pollEvent']>>;

/** A client's work results, released when its processing is done (pooled). */
interface Pending {
  c: Client;
  outs: Uint8Array[];
  events: ClientEvent[];
  /** Path log of the record this work sent (goes on with outs[0]) or received (ends with its data event). */
  log: RecordLog | null;
  logOut: boolean;
}

export class ClientSide {
  /** Clients started so far, by address (an ended client stays: its member state routes the datagrams still
   *  addressed to it, with the loss and delay draws they always had). */
  readonly byAddr = new Map<string, Client>();
  /** Clients by index, once started (undefined before: a client is created at its start). */
  readonly clients: (Client | undefined)[];
  /** Clients done (finished their traffic, or closed). */
  done = 0;
  /** Clients started whose endpoint is not closed. */
  live = 0;
  /** Retransmissions of the endpoints already closed (and freed). */
  private closedRetransmissions = 0;
  private readonly k: Kernel;
  private readonly acc: Accounts;
  private readonly probe: BreakdownProbe;
  /** When each piece of a client's work runs, and its protocol cost (client-processor.ts). */
  private readonly processor: ClientProcessor;
  private readonly pendingPool: Pending[] = [];
  /** Retransmission and ACK timers (client-timers.ts). */
  private readonly timers: ClientTimers;
  /** The clients' shared event loops (clients.costs.shared_processors > 0, client-loop.ts), else undefined. */
  private readonly loops: ClientLoops | undefined;
  // counters before the current piece of work
  private records0 = 0;
  private messages0 = 0;
  private wasConnected = false;
  private pke0 = 0;
  private readonly kinds: HandshakeKinds | undefined;
  /** Churn and NAT rebinding (fleet.ts), when the scenario has them. */
  fleet: Fleet | undefined = undefined;

  private readonly startFn = (c: Client): void => this.start(c);
  // a client starts at its start time even on a shared event loop (a generator's latency counts from its actual start)
  private readonly startNewFn = (i: number): void => this.startNew(i);
  private readonly receiveLoopFn = (a: { c: Client; d: Uint8Array; log: RecordLog | null }): void => this.receiveNow(a.c, a.d, a.log);
  private readonly sendLoopFn = (c: Client): void => this.loops!.timer(c.i, this.sendNextFn, c);

  private startNew(i: number): void {
    const c = this.population.make(i);
    if (this.resume) c.sessionsLeft = this.resume.sessions;
    this.byAddr.set(c.addr, c);
    this.clients[i] = c;
    this.start(c);
  }
  private readonly sendNextFn = (c: Client): void => this.sendNext(c);
  private readonly releaseFn = (p: Pending): void => this.release(p);

  constructor(
    private readonly ctx: CosimContext,
    private readonly population: ClientPopulation,
    private readonly crypto: ClientCrypto,
    private readonly transport: Transport,
    costs: ClientCosts,
    private readonly resume?: ResumeHooks,
    /** Handshakes by kind when no client resumes but the summary has them (clients.client_auth). */
    kinds?: HandshakeKinds,
  ) {
    this.kinds = resume?.kinds ?? kinds;
    this.k = ctx.k;
    this.acc = ctx.acc;
    this.probe = ctx.probe;
    this.clients = Array.from({ length: population.count }, () => undefined); // packed (new Array(n) of 10^6 is a dictionary)
    this.processor = new ClientProcessor(costs);
    this.loops = this.processor.loops > 0 ? new ClientLoops(this.k, this.processor) : undefined;
    this.timers = new ClientTimers(this.k, ctx.activity, (c, f) => this.work(c, f), this.loops);
  }

  /** Schedules every client's start (the client is created then, startNewFn). */
  schedule(): void {
    const starts = this.population.starts;
    for (let i = 0; i < this.population.count; i++) this.k.at(starts[i]!, this.startNewFn, i);
  }

  /** Starts the shared loops' stalls on `rng` (clients.costs.loop_stall_share > 0 with shared loops; loop-stalls.ts). */
  startStalls(rng: RngStream, share: number, us: number): LoopStalls | undefined {
    if (!(share > 0) || !this.loops) return undefined;
    const s = new LoopStalls(this.k, this.processor, rng, share, us, () => this.done < this.population.count);
    s.start();
    return s;
  }

  /** Retransmissions of every client endpoint, closed or not. */
  retransmissions(): number {
    let n = 0;
    for (const c of this.byAddr.values()) if (c.ep) n += c.ep.stats.retransmissions;
    return n + this.closedRetransmissions;
  }

  private start(c: Client): void {
    if (c.start >= this.ctx.warmupPs) this.acc.handshakesOffered++;
    this.live++;
    this.probe.handshakeStarted(c);
    c.hsPke = 0;
    c.ep = new ClientEndpoint(this.crypto.config(c));
    this.begin(c);
    c.ep.connect(this.k.now / PS_PER_MS, this.earlyData(c));
    this.end(c);
  }

  /** A resuming client's 0-RTT record (counted as its session's first record), or undefined. */
  private earlyData(c: Client): Uint8Array | undefined {
    const r = this.resume;
    if (!r || r.earlyRecords === 0 || !r.tickets.has(c.i) || this.ctx.traffic.direction === 'down') return undefined;
    if (this.ctx.recordsPlanned < 1) return undefined;
    const k = this.k;
    const t = this.ctx.sendTimes.add(k.now);
    if (k.now >= this.ctx.warmupPs) this.acc.recordSent(k.now, c.i);
    c.sent++;
    c.size = sizeSampler(this.ctx.traffic, c);
    return makePayload(t, recordSize(c.size()));
  }

  /** A client's next session (with `clients.resumption`; a resuming client offers its ticket): its state back to a new client's, started after the reconnect delay. */
  private reconnect(c: Client): void {
    this.acc.sessionEnded(c.i);
    c.nextSession(this.k.now + this.resume!.delayPs);
    this.k.at(c.start, this.startFn, c);
  }

  /** A datagram for `c` arrived now (transport.ts); `log`: the path log of the record it carries, or null. */
  receive(c: Client, d: Uint8Array, log: RecordLog | null): void {
    if (this.loops) this.loops.io(c.i, this.receiveLoopFn, { c, d, log });
    else this.receiveNow(c, d, log);
  }

  private receiveNow(c: Client, d: Uint8Array, log: RecordLog | null): void {
    if (c.ep) {
      this.acc.datagramDelivered(d.length);
      this.begin(c);
      c.ep.receive(d, this.k.now / PS_PER_MS);
      this.end(c, log, false);
    } else {
      this.acc.datagramLedger.drop('no_endpoint');
      if (log !== null) this.probe.freeLog(log);
    }
  }

  // ---- work: begin(c); <calls on c.ep>; end(c)

  private begin(c: Client): void {
    this.crypto.begin(c.rng, c.i);
    if (this.resume) this.resume.tickets.current = c.i;
    this.pke0 = this.crypto.pkeOps;
    const st = c.ep!.stats;
    this.records0 = st.recordsReceived + st.recordsSent;
    this.messages0 = st.handshakeMessagesReceived + st.handshakeMessagesSent;
    this.wasConnected = c.ep!.isConnected;
  }

  /** `log`: the path log of the record this work sends (`logOut`) or receives, or null. */
  private end(c: Client, log: RecordLog | null = null, logOut = false): void {
    const now = this.k.now;
    const ep = c.ep!;
    const st = ep.stats;
    // protocol processing: per record (in and out) plus per handshake message (built or processed)
    const cost = this.crypto.cost + this.processor.protocolPs(st.recordsReceived + st.recordsSent - this.records0,
      st.handshakeMessagesReceived + st.handshakeMessagesSent - this.messages0);
    const start = this.processor.take(c, now, cost);
    const release = start + cost;
    if (!c.connected) c.hsPke += this.crypto.pkeOps - this.pke0;
    this.probe.clientWork(c, !this.wasConnected, log, now, start, release);
    const p = this.takePending(c);
    for (let d = ep.pollTransmit(); d; d = ep.pollTransmit()) p.outs.push(d);
    for (let e = ep.pollEvent(); e; e = ep.pollEvent()) p.events.push(e);
    this.timers.arm(c);
    const dormancy = this.ctx.dormancy;
    if (dormancy !== undefined) {
      // connected with no echo outstanding (e.g. the server's ACK of the client's Finished came in): the exchange is
      // over, sleep now rather than at the next tick (dormancy.ts); otherwise it goes on
      if (c.connected && !logOut && (this.ctx.traffic.direction !== 'echo' || c.got >= c.sent)) dormancy.idle(ep);
      else dormancy.note(ep);
    }
    if (p.outs.length || p.events.length) {
      p.log = log;
      p.logOut = logOut;
      this.k.at(release, this.releaseFn, p);
    } else {
      if (log !== null) this.probe.freeLog(log);
      this.pendingPool.push(p);
    }
  }

  private takePending(c: Client): Pending {
    const p = this.pendingPool.pop();
    if (!p) return { c, outs: [], events: [], log: null, logOut: false };
    p.c = c;
    return p;
  }

  /** The client's processing of a piece of work is done: its datagrams leave, its events reach the application. */
  private release(p: Pending): void {
    const c = p.c;
    const now = this.k.now;
    this.ctx.activity.last = now;
    const log = p.log;
    p.log = null;
    // a sent record's log goes on with the first datagram (the record's); a received record's ends with its event
    let outLog = p.logOut ? log : null;
    for (const d of p.outs) {
      this.transport.up(c, d, outLog, now);
      outLog = null;
    }
    if (outLog !== null) this.probe.freeLog(outLog);
    const inLog = p.logOut ? null : log;
    for (const e of p.events) if (e) this.onEvent(c, e, now, inLog);
    if (inLog !== null) this.probe.freeLog(inLog);
    emptyArray(p.outs);
    emptyArray(p.events);
    this.pendingPool.push(p);
  }

  private onEvent(c: Client, e: ClientEvent, now: Ps, log: RecordLog | null): void {
    const warmupPs = this.ctx.warmupPs;
    if (e.type === 'connected') {
      this.probe.handshakeDone(c, now);
      c.connected = true;
      this.acc.handshakesCompletedAll++;
      if (c.start >= warmupPs) {
        this.acc.handshakeDone(now - c.start);
        // a certificate-holding client authenticates in every certificate (non-PSK) handshake: the server of a
        // clients.client_auth scenario always sends a CertificateRequest (kindOf ignores `mutual` with a PSK)
        this.kinds?.done(kindOf(e, c.auth !== undefined), now - c.start, c.hsPke, e.group);
      }
      this.startTraffic(c);
    } else if (e.type === 'data') {
      const sent = this.ctx.sendTimes.get(payloadTag(e.data));
      if (sent !== undefined && sent >= warmupPs) {
        this.acc.recordDelivered(now - sent, e.data.length, now, c.i);
        this.ctx.onRecord?.(now - sent, false);
        this.probe.recordAtClient(log, sent, now);
      }
      c.got++;
      if (this.fleet !== undefined) this.fleet.answered(c);
      this.maybeFinish(c);
      // the exchange is over once every record sent has its echo (dormancy.ts)
      const dormancy = this.ctx.dormancy;
      if (dormancy !== undefined && c.ep && (this.ctx.traffic.direction !== 'echo' || c.got >= c.sent)) dormancy.idle(c.ep);
    } else if (e.type === 'closed') {
      if (!c.connected && c.start >= warmupPs) this.acc.handshakesFailed++;
      const again = c.rejoin && c.connected;
      if (!again) this.finish(c);
      // the endpoint is gone: keep its counters, free its state
      if (c.ep) {
        this.closedRetransmissions += c.ep.stats.retransmissions;
        this.live--;
        if (c.timer >= 0) this.k.cancel(c.timer);
        c.timer = -1;
        c.ep = null;
        if (again) this.restart(c);
        else if (c.sessionsLeft > 0) this.reconnect(c);
      }
    }
  }

  // ---- traffic

  private startTraffic(c: Client): void {
    if (c.rejoin) {
      c.rejoin = false; // a rejoining client's traffic goes on where it was (its sendNext chain kept running)
      this.maybeFinish(c);
      return;
    }
    const traffic = this.ctx.traffic;
    const planned = this.ctx.recordsPlanned;
    if (traffic.direction === 'down') {
      // the server's application starts sending when its side of the handshake completes
      c.expected = planned;
      this.maybeFinish(c);
      return;
    }
    c.toSend = planned;
    if (c.sent === 0) c.size = sizeSampler(traffic, c);
    c.expected = traffic.direction === 'echo' && Number.isFinite(planned) ? planned : 0;
    if (traffic.duration_ms !== undefined) c.sendUntil = this.k.now + fromMs(traffic.duration_ms);
    this.sendNext(c);
  }

  /** Sends a client's next record and schedules the one after. */
  private sendNext(c: Client): void {
    const k = this.k;
    const traffic = this.ctx.traffic;
    if (this.fleet !== undefined && this.fleet.holdsRecord(c, k.now)) {
      afterGap(k, traffic, c, this.ctx.endPs, this.sendNextFn, c); // between associations (fleet.ts): not sent
      return;
    }
    if (c.done || !c.ep || !c.ep.isConnected) {
      c.size = undefined;
      return;
    }
    if (c.sent >= c.toSend || k.now > c.sendUntil) {
      c.size = undefined;
      c.toSend = c.sent;
      if (traffic.direction === 'echo') c.expected = c.sent;
      this.maybeFinish(c);
      return;
    }
    const t = this.ctx.sendTimes.add(k.now);
    if (k.now >= this.ctx.warmupPs) this.acc.recordSent(k.now, c.i);
    c.sent++;
    const payload = makePayload(t, recordSize(c.size!()));
    const ku = traffic.key_update_every;
    this.begin(c);
    c.ep.send(payload);
    if (ku > 0 && c.sent % ku === 0) c.ep.keyUpdate(false, k.now / PS_PER_MS);
    this.end(c, this.probe.recordLog(k.now), true);
    // no echo to wait for: the exchange is over (dormancy.ts)
    if (this.ctx.dormancy !== undefined && traffic.direction !== 'echo') this.ctx.dormancy.idle(c.ep);
    if (this.fleet !== undefined) this.fleet.sent(c, k.now);
    afterGap(k, traffic, c, this.ctx.endPs, this.loops ? this.sendLoopFn : this.sendNextFn, c);
  }

  // ---- fleets (fleet.ts)

  /** Runs `f` on client `c`'s endpoint as a piece of its work (fleet.ts: leaving an association). */
  work(c: Client, f: (ep: ClientEndpoint) => void): void {
    this.begin(c);
    f(c.ep!);
    this.end(c);
  }

  /** A rejoining client's old endpoint is gone: its new handshake starts now (records still unanswered are lost). */
  private restart(c: Client): void {
    c.connected = false;
    c.got = c.sent;
    c.timerAt = NaN;
    c.start = this.k.now;
    this.start(c);
  }

  /** The server's download to `c` ended after `sent` records: the client now knows how many to wait for. */
  downloadEnded(c: Client, sent: number): void {
    c.expected = sent;
    this.maybeFinish(c);
  }

  private maybeFinish(c: Client): void {
    if (c.done) return;
    const sentAll = this.ctx.traffic.direction === 'down' || c.sent >= c.toSend;
    if (!sentAll || c.got < c.expected) return;
    if (this.ctx.traffic.close && c.ep) {
      this.begin(c);
      c.ep.close();
      this.end(c);
    }
    this.finish(c);
  }

  private finish(c: Client): void {
    if (c.done) return;
    this.probe.handshakeEnded(c);
    c.done = true;
    if (c.sessionsLeft === 0) this.done++;
  }
}
