// The DTLS co-simulation: clients, network and the server's accelerator on one kernel.
//
// Every client is a real ClientEndpoint; the server is a real ServerDispatcher (one per certificate type in the
// mix) whose work is charged to the Platform's blocks by ServerSide. Crypto operations are reported by the DTLS
// core's provider observer; nothing here guesses what the protocol does.
import { fromMs, fromUs, Kernel, makeSampler, Rng, type EventId, type Ps, type RngStream } from '../sim/index.ts';
import { Platform, type HwBlockStats } from '../hw/index.ts';
import {
  cert, ClientEndpoint, createProvider, DEFAULT_GROUPS, EARLY_DATA_RECORDS, getSuite, resolveClient, ServerDispatcher,
  type CipherSuiteName, type CryptoOp, type CryptoProvider, type DispatcherEvent, type KxGroup, type RandomSource,
  type ResolvedClient, type ServerConnection, type SignatureScheme, type CertificateVerifierInterface,
} from '../dtls/index.ts';
import { endpointTimers, type ModelConfig, type Scenario, type SuiteName } from './config/index.ts';
import { Accounts } from './accounts.ts';
import { buildChain, type CertKeyType } from './certs.ts';
import { clientOpPs, makePayload, payloadTag, SendTimes } from './clients.ts';
import { NetworkModel, type LinkState } from './network.ts';
import { emptyArray, ServerSide, type RecordLog, type Stage } from './server.ts';
import { attribute } from './attribution.ts';

export type CryptoKind = 'node' | 'noble';

export interface CosimOptions {
  scenario: Scenario;
  model: ModelConfig;
  seed: number;
  crypto: CryptoKind;
  /** Called every time-series interval; `liveClients` = clients started whose connection is not closed. */
  onProgress?: ((fractionDone: number, simTimeS: number, liveClients: number) => void) | undefined;
  /** Diagnostics: every application record delivered after warm-up, with its latency and direction. */
  onRecord?: ((latencyPs: Ps, toServer: boolean) => void) | undefined;
  /** Diagnostics (bench): every crypto operation the clients and the server perform. */
  onCryptoOp?: ((op: CryptoOp) => void) | undefined;
}

export interface TickRow {
  t: Ps;
  payload: number;
  handshakes: number;
  active: number;
  busy: Record<string, number>; // utilisation over the interval
  queue: Record<string, number>; // mean waiting requests over the interval
}

export interface CosimRun {
  kernel: Kernel;
  hw: Platform;
  acc: Accounts;
  rows: TickRow[];
  intervalPs: Ps;
  warmupPs: Ps;
  endPs: Ps;
  events: number;
  retransmissions: number;
  peakConnections: number;
  bytesPerConnection: number;
  blockStats: HwBlockStats[];
  clientsDone: number;
  /** Datagrams lost on the network (random loss). */
  lost: number;
}

/** Thrown for scenario values the DTLS core cannot honour (exit status 2 at the CLI). */
export class InputError extends Error {
  override name = 'InputError';
}

/**
 * The simulation stopped making progress: protocol timers kept firing at one instant without simulated time
 * advancing. Always a defect of the simulator, reported instead of hanging.
 */
export class LivelockError extends Error {
  override name = 'LivelockError';
}

/** A RandomSource that forwards to whichever client stream is current (one provider serves all clients). */
class SwitchRandom implements RandomSource {
  current: RngStream;
  constructor(s: RngStream) {
    this.current = s;
  }
  fill(b: Uint8Array): void {
    this.current.fill(b);
  }
}

/**
 * Both providers are reproducible for a given seed: the node provider signs ECDSA P-256 deterministically (RFC 6979,
 * low-S, src/dtls/crypto/ecdsa-p256.ts), byte-identical to noble, so no delegation is needed any more.
 */
function reproducible(kind: CryptoKind, rng: RandomSource): CryptoProvider {
  return createProvider(kind, rng);
}

function pickWeighted<T extends string>(w: Partial<Record<T, number | undefined>>, s: RngStream): T {
  const entries = Object.entries(w).filter((e): e is [string, number] => typeof e[1] === 'number' && e[1] > 0) as [T, number][];
  entries.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  let total = 0;
  for (const [, x] of entries) total += x;
  let r = s.next() * total;
  for (const [k, x] of entries) {
    r -= x;
    if (r < 0) return k;
  }
  return entries[entries.length - 1]![0];
}

/**
 * Every simulated client receives the same server chain. Checking its certificate signatures once and reusing the
 * verdict for identical chain bytes saves wall time only: a cache hit still charges the client the cost of one
 * signature verification per certificate (`onHit`), exactly what the verification itself would have charged.
 * Validity is time-independent here (the chains are valid 2020..2099 and the simulated clock stays in 2030).
 */
class ChainCache implements CertificateVerifierInterface {
  private chain: Uint8Array[] | undefined;
  private result: ReturnType<CertificateVerifierInterface['verify']> | undefined;
  constructor(private readonly inner: CertificateVerifierInterface, private readonly onHit: () => void) {}
  verify(chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }) {
    if (this.result?.ok && this.chain && sameChain(this.chain, chain)) {
      this.onHit();
      return this.result;
    }
    const r = this.inner.verify(chain, ctx);
    if (r.ok) {
      this.chain = chain.map((c) => c.slice());
      this.result = r;
    }
    return r;
  }
}

function sameChain(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

const KEY_TYPE: Record<Extract<SignatureScheme, 'ecdsa_secp256r1_sha256' | 'ed25519'>, CertKeyType> = { ecdsa_secp256r1_sha256: 'ecdsa-p256', ed25519: 'ed25519' };
const SCHEME_OF: Record<CertKeyType, SignatureScheme> = { 'ecdsa-p256': 'ecdsa_secp256r1_sha256', ed25519: 'ed25519' };
/** Wall-clock time the simulation's t = 0 stands for, for certificate validity (inside 2020..2099). */
const SIM_EPOCH_MS = Date.UTC(2030, 0, 1);

interface Client {
  i: number;
  addr: string;
  /** Created when the client starts (keeps memory proportional to active clients). */
  ep: ClientEndpoint | null;
  suite: CipherSuiteName;
  group: KxGroup;
  scheme: SignatureScheme;
  rng: RngStream;
  net: RngStream;
  traffic: RngStream;
  delay: () => Ps;
  link: LinkState;
  busy: Ps;
  start: Ps;
  connected: boolean;
  done: boolean;
  timer: EventId;
  timerAt: number;
  toSend: number;
  sendUntil: Ps;
  sent: number;
  expected: number;
  got: number;
  server: number; // dispatcher index
  /** What this client's handshake was doing, while it runs: (component, from, to) triples (see attributeHandshake). */
  hsLog: number[] | null;
  /** Record size sampler while the client sends (its traffic stream). */
  size: (() => number) | undefined;
}

interface SrvInfo {
  id: number;
  timer: EventId;
  timerAt: number;
  /** The connection and server side the armed timer is for. */
  conn: ServerConnection | undefined;
  side: ServerSide | undefined;
  toSend: number;
  sent: number;
  held: number;
  contextBytes: number;
}

/** A client's work results, released when its processing is done (pooled, see takePending). */
interface Pending {
  c: Client;
  outs: Uint8Array[];
  events: ReturnType<ClientEndpoint['pollEvent']>[];
  /** Path log of the record this work sent (goes on with outs[0]) or received (ends with its data event). */
  log: RecordLog | null;
  logOut: boolean;
}

/** A datagram in flight on the network to or from client `c` (pooled, see takeDelivery). */
interface Delivery {
  c: Client;
  d: Uint8Array;
  /** Path log of the record the datagram carries, or null. */
  log: RecordLog | null;
}

const NO_BYTES = new Uint8Array(0);

// Components of the handshake and record attribution (attribution.ts): client processing, client queueing (work
// waiting for the client's processor; logged for records only: in a handshake the client's earlier work covers
// it), network, then per server stage a queueing and a service component.
// Ranks: 0 server service, 1 server queueing, 2 client, 3 network.
const STAGES: readonly Stage[] = ['port_rx', 'dma', 'ctx_cache', 'cpu', 'aead', 'hash', 'pke', 'port_tx'];
const STAGE_INDEX = Object.fromEntries(STAGES.map((st, i) => [st, i])) as Record<Stage, number>;
const COMP_CLIENT = 0;
const COMP_CLIENT_WAIT = 1;
const COMP_NET = 2;
const COMP_STAGE0 = 3;
const COMP_COUNT = COMP_STAGE0 + 2 * STAGES.length;
const COMP_RANK: readonly number[] = Array.from({ length: COMP_COUNT }, (_, comp) =>
  comp === COMP_CLIENT || comp === COMP_CLIENT_WAIT ? 2 : comp === COMP_NET ? 3 : (comp - COMP_STAGE0) % 2 === 1 ? 0 : 1);

export function runCosim(opts: CosimOptions): CosimRun {
  const { scenario: sc, model } = opts;
  const k = new Kernel();
  const hw = new Platform(k, model, { priorities: true });
  const acc = new Accounts(sc.clients.count);
  const root = new Rng(opts.seed);
  const ipVersion = model.port.ip_version === 6 ? 6 : 4;
  const net = new NetworkModel(sc.network, ipVersion);
  const mtu = sc.network.mtu - (ipVersion === 6 ? 40 : 20) - 8; // DTLS datagram size limit: path MTU - IP - UDP
  const warmupPs = fromMs(sc.sim.warmup_ms);
  const endPs = fromMs(sc.sim.end_ms);
  const intervalPs = fromMs(sc.sim.timeseries_interval_ms);
  const costs = sc.clients.costs;
  const recordPs = fromMsFloat(costs.record_us / 1000);
  const messagePs = fromMsFloat(costs.handshake_message_us / 1000);
  const traffic = sc.traffic;
  const sendTimes = new SendTimes();
  if (warmupPs > 0) acc.active = false;

  // ---- server: one dispatcher per certificate type in the signature mix
  const serverRng = root.stream('server');
  const setupRng = root.stream('certificates');
  const setupCrypto = createProvider('noble', setupRng);
  const types: CertKeyType[] = [sc.clients.certificate.type];
  for (const [s, w] of Object.entries(sc.clients.mix.signatures)) {
    const t = KEY_TYPE[s as keyof typeof KEY_TYPE];
    if (typeof w === 'number' && w > 0 && !types.includes(t)) types.push(t);
  }
  const chains = types.map((t) => buildChain(setupCrypto, t, sc.clients.certificate.chain_length));
  // the server accepts the default groups plus the post-quantum ones the client mix uses (each client sends one share
  // for its one group, so the order never causes a HelloRetryRequest)
  const serverGroups: KxGroup[] = [...DEFAULT_GROUPS];
  for (const [g, w] of Object.entries(sc.clients.mix.groups)) if (typeof w === 'number' && w > 0 && !serverGroups.includes(g as KxGroup)) serverGroups.push(g as KxGroup);
  const dispatchers = chains.map(
    (ch) =>
      new ServerDispatcher({
        // one provider per dispatcher: its observer attributes operations to that dispatcher's jobs
        crypto: reproducible(opts.crypto, serverRng),
        rng: serverRng,
        mtu,
        ...endpointTimers(sc.dtls),
        credential: { chain: ch.chain, privateKey: ch.leafKey, scheme: ch.scheme },
        cookie: { enabled: sc.clients.cookie },
        groups: serverGroups,
      }),
  );
  const srvInfo = new Map<string, SrvInfo>();
  let nextConnId = 0;
  let established = 0;
  let peak = 0;
  let lastActivity: Ps = 0;
  let clientsDone = 0;
  let closedRetransmissions = 0;
  let clientRetransmissions = 0;
  let liveClients = 0;

  // ---- clients
  const clientRandom = new SwitchRandom(root.stream('client-crypto'));
  const clientCrypto = reproducible(opts.crypto, clientRandom);
  let clientCost = 0;
  const tap = opts.onCryptoOp;
  clientCrypto.observer = (op: CryptoOp) => {
    clientCost += clientOpPs(costs, op);
    if (tap) tap(op);
  };
  const verifiers = chains.map(
    (ch) =>
      new ChainCache(
        new cert.CertificateVerifier({ trustAnchors: [ch.root], provider: clientCrypto, serverName: 'localhost', clock: (t) => SIM_EPOCH_MS + t }),
        () => {
          clientCost += fromUs(costs.verify_us) * ch.chain.length;
        },
      ),
  );
  for (const s of Object.keys(sc.clients.mix.suites)) {
    try {
      getSuite(s as CipherSuiteName);
    } catch {
      throw new InputError(`clients.mix.suites: ${s} is not implemented by the DTLS core (RFC 9147 suites: TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_CCM_SHA256)`);
    }
  }

  const count = sc.clients.count;
  const clients: Client[] = new Array(count);
  const arrivalStream = root.stream('arrivals');
  let tArrive = 0;
  for (let i = 0; i < count; i++) {
    const s = root.stream(`client/${i}`);
    const mix = root.stream(`mix/${i}`);
    const suite = pickWeighted(sc.clients.mix.suites, mix) as SuiteName as CipherSuiteName;
    const group = pickWeighted(sc.clients.mix.groups, mix) as KxGroup;
    const scheme = pickWeighted(sc.clients.mix.signatures, mix) as SignatureScheme;
    const server = types.indexOf(KEY_TYPE[scheme as keyof typeof KEY_TYPE]);
    let start = 0;
    const a = sc.clients.arrival;
    if (a.kind === 'ramp') start = Math.floor((i * fromMs(a.duration_ms)) / count);
    else if (a.kind === 'poisson') {
      tArrive += arrivalStream.exponential(a.rate_per_s) * 1e12;
      start = Math.round(tArrive);
    }
    const netStream = root.stream(`net/${i}`);
    clients[i] = {
      i, addr: `client-${i}`, ep: null, suite, group, scheme, rng: s, net: netStream, traffic: root.stream(`traffic/${i}`),
      delay: net.delaySampler(netStream), link: { upFree: 0, downFree: 0 }, busy: 0, start, connected: false,
      done: false, timer: -1, timerAt: NaN, toSend: 0, sendUntil: Infinity, sent: 0, expected: 0, got: 0, server, hsLog: null,
      size: undefined,
    };
  }
  const byAddr = new Map<string, Client>();
  for (const c of clients) byAddr.set(c.addr, c);

  const recordSize = (x: number) => Math.min(16384, Math.max(4, Math.round(x)));
  const sizeSampler = (s: RngStream) => {
    const f = makeSampler(traffic.size, s);
    return () => recordSize(f());
  };
  const gapPs = (s: RngStream): Ps => {
    const r = traffic.rate.records_per_s;
    return Math.round((traffic.rate.process === 'poisson' ? s.exponential(r) : 1 / r) * 1e12);
  };
  const recordsPlanned = traffic.records_per_client ?? (traffic.duration_ms === undefined ? 0 : Infinity);

  // ---- server side and its application (echo / download source)
  const sizes = new Map<string, () => number>();
  const serverSide: ServerSide[] = dispatchers.map(
    (d, i) =>
      new ServerSide(k, hw, d, {
        onEvent: (ev, now, log) => onServerEvent(serverSide[i]!, ev, now, log),
        onTransmit: (address, datagram, now, phase, log) => {
          lastActivity = now;
          acc.wire(net.wire(datagram.length));
          const c = byAddr.get(address);
          if (!c || net.drop(c.net)) {
            if (log !== null) freeLog(log);
            return;
          }
          const delay = c.delay();
          const at = net.downlink(c.link, datagram.length, now, delay);
          if (!c.connected) logHs(c, COMP_NET, now, at);
          if (log !== null) log.push(COMP_NET, now, at);
          k.at(at, clientReceive, takeDelivery(c, datagram, log));
        },
        // the side a connection's datagrams reach (serverReceive) is the one whose dispatcher holds it
        armTimer: (conn) => armServer(serverSide[i]!, conn),
        connId: (address) => info(address).id,
        onHandshakeStage: (address, stage, from, serviceFrom, to) => {
          const c = byAddr.get(address);
          if (c === undefined) return;
          const base = COMP_STAGE0 + 2 * STAGE_INDEX[stage];
          logHs(c, base, from, serviceFrom);
          logHs(c, base + 1, serviceFrom, to);
        },
        freeLog,
        onReceivedLog: (address, log, mayBeHeld) => {
          const used = logUsed;
          logUsed = false;
          // A record that produced no event either was dropped (replayed, too old, unknown epoch) or, if its
          // connection was still handshaking, may be early data the protocol holds (at most EARLY_DATA_RECORDS)
          // until the client's Finished; a later job of this address delivers it,
          // and gets this log back (oldest first: held records are delivered in arrival order).
          let held = heldLogs.get(address);
          if (used || !mayBeHeld || (held !== undefined && held.length >= EARLY_DATA_RECORDS)) {
            freeLog(log);
            return;
          }
          if (held === undefined) heldLogs.set(address, (held = []));
          held.push(log);
        },
        onRecordStage: (log, stage, from, serviceFrom, to) => {
          const base = COMP_STAGE0 + 2 * STAGE_INDEX[stage];
          if (serviceFrom > from) log.push(base, from, serviceFrom);
          log.push(base + 1, serviceFrom, to);
        },
      }, acc, opts.onCryptoOp),
  );

  function info(address: string): SrvInfo {
    let s = srvInfo.get(address);
    if (!s) {
      s = { id: nextConnId++, timer: -1, timerAt: NaN, conn: undefined, side: undefined, toSend: 0, sent: 0, held: 0, contextBytes: 0 };
      srvInfo.set(address, s);
    }
    return s;
  }

  // Livelock guard: protocol timers that fire at one instant; legitimately at most a few per connection.
  let spinAt = -1;
  let spins = 0;
  const spinLimit = 64 * (count + dispatchers.length) + 10_000;
  function timerFired(who: 'server connection' | 'client', address: string): void {
    if (k.now !== spinAt) {
      spinAt = k.now;
      spins = 0;
    } else if (++spins > spinLimit) {
      throw new LivelockError(`simulation livelock: ${spins} protocol timers fired at t = ${k.now} ps without time advancing (last: ${who} ${address})`);
    }
  }

  function armServer(side: ServerSide, conn: ServerConnection): void {
    const s = info(conn.address);
    const t = conn.isClosed ? undefined : conn.nextTimeout();
    if (t === s.timerAt || (t === undefined && s.timer < 0)) return;
    if (s.timer >= 0) k.cancel(s.timer);
    s.timer = -1;
    s.timerAt = t ?? NaN;
    if (t === undefined) return;
    const at = Math.max(k.now, Math.ceil(t * 1e9));
    s.conn = conn;
    s.side = side;
    s.timer = k.at(at, serverTimer, s);
  }

  /** A server connection's timer, armed for s.timerAt on s.conn, fires. */
  function serverTimer(s: SrvInfo): void {
    const t = s.timerAt;
    const conn = s.conn!;
    s.timer = -1;
    s.timerAt = NaN;
    timerFired('server connection', conn.address);
    if (!conn.isClosed) s.side!.timeout(conn, t);
  }

  function onServerEvent(side: ServerSide, e: DispatcherEvent, now: Ps, log: RecordLog | null): void {
    lastActivity = now;
    const ev = e.event;
    if (ev.type === 'connected') {
      established++;
      if (established > peak) peak = established;
      const s = info(e.address);
      s.contextBytes = contextBytes(ev.suite as CipherSuiteName);
      if (traffic.direction === 'down') {
        const c = byAddr.get(e.address);
        if (c) startServerTraffic(side, e.connection, c);
      }
    } else if (ev.type === 'data') {
      const tag = payloadTag(ev.data);
      const sent = sendTimes.get(tag);
      const ci = byAddr.get(e.address)?.i ?? 0;
      if (sent !== undefined && sent >= warmupPs) {
        acc.recordDelivered(now - sent, ev.data.length, now, ci);
        opts.onRecord?.(now - sent, true);
        if (acc.active) {
          // the record's own path log, or, for a record the protocol held and a later job delivered, the log its
          // own datagram came with
          const held = log === null ? heldLogs.get(e.address) : undefined;
          const own = log ?? (held !== undefined && held.length > 0 ? held.shift()! : null);
          if (held !== undefined && held.length === 0) heldLogs.delete(e.address);
          attributeRecord(own, sent, now);
          if (own !== null && own !== log) freeLog(own);
        }
      }
      if (log !== null) logUsed = true;
      if (traffic.direction === 'echo') {
        const t = sendTimes.add(now);
        if (now >= warmupPs) acc.recordSent(now, ci);
        side.send(e.connection, makePayload(t, ev.data.length), now >= warmupPs ? takeLog() : null);
      }
    } else if (ev.type === 'closed') {
      const held = heldLogs.get(e.address);
      if (held !== undefined) {
        for (const l of held) freeLog(l);
        heldLogs.delete(e.address);
      }
      const s = srvInfo.get(e.address);
      closedRetransmissions += e.connection.stats.retransmissions;
      if (s) {
        // the timer may already belong to a new association from the same address (RFC 9147 5.11)
        if (s.timer >= 0 && s.conn === e.connection) {
          k.cancel(s.timer);
          s.timer = -1;
          s.timerAt = NaN;
        }
        hw.contextCache?.remove(s.id);
      }
      if (s && s.contextBytes > 0) established--;
    }
  }

  function startServerTraffic(side: ServerSide, conn: ServerConnection, c: Client): void {
    const s = info(conn.address);
    s.toSend = recordsPlanned;
    const until = traffic.duration_ms !== undefined ? k.now + fromMs(traffic.duration_ms) : Infinity;
    const size = sizeSampler(c.traffic);
    const sendOne = () => {
      if (conn.isClosed || s.sent >= s.toSend || k.now > until) {
        c.expected = s.sent; // duration-limited download: the client now knows how many records to wait for
        maybeFinish(c);
        return;
      }
      const t = sendTimes.add(k.now);
      if (k.now >= warmupPs) acc.recordSent(k.now, c.i);
      s.sent++;
      side.send(conn, makePayload(t, size()), k.now >= warmupPs ? takeLog() : null);
      k.after(gapPs(c.traffic), sendOne);
    };
    sendOne();
  }

  // ---- client processing
  // One piece of client work is `workBegin(c); <calls on c.ep>; workEnd(c)`. Work never nests (the endpoint calls
  // back only into the crypto observer and the chain cache), so the counters before it are kept here.
  let workRecords0 = 0;
  let workMessages0 = 0;
  let workWasConnected = false;
  function workBegin(c: Client): void {
    clientCost = 0;
    clientRandom.current = c.rng;
    const st = c.ep!.stats;
    workRecords0 = st.recordsReceived + st.recordsSent;
    workMessages0 = st.handshakeMessagesReceived + st.handshakeMessagesSent;
    workWasConnected = c.ep!.isConnected;
  }

  /** `log`: the path log of the record this work sends (`logOut`) or receives, or null. */
  function workEnd(c: Client, log: RecordLog | null = null, logOut = false): void {
    const now = k.now;
    const st = c.ep!.stats;
    // protocol processing: per record (in and out) plus per handshake message (built or processed)
    clientCost += (st.recordsReceived + st.recordsSent - workRecords0) * recordPs
      + (st.handshakeMessagesReceived + st.handshakeMessagesSent - workMessages0) * messagePs;
    const start = now > c.busy ? now : c.busy;
    const release = start + clientCost;
    c.busy = release;
    if (!workWasConnected) logHs(c, COMP_CLIENT, start, release);
    if (log !== null) {
      if (start > now) log.push(COMP_CLIENT_WAIT, now, start);
      log.push(COMP_CLIENT, start, release);
    }
    const p = takePending(c);
    for (let d = c.ep!.pollTransmit(); d; d = c.ep!.pollTransmit()) p.outs.push(d);
    for (let e = c.ep!.pollEvent(); e; e = c.ep!.pollEvent()) p.events.push(e);
    armClient(c);
    if (p.outs.length || p.events.length) {
      p.log = log;
      p.logOut = logOut;
      k.at(release, clientRelease, p);
    } else {
      if (log !== null) freeLog(log);
      pendingPool.push(p);
    }
  }

  const pendingPool: Pending[] = [];
  function takePending(c: Client): Pending {
    const p = pendingPool.pop();
    if (!p) return { c, outs: [], events: [], log: null, logOut: false };
    p.c = c;
    return p;
  }

  const deliveryPool: Delivery[] = [];
  function takeDelivery(c: Client, d: Uint8Array, log: RecordLog | null): Delivery {
    const x = deliveryPool.pop();
    if (!x) return { c, d, log };
    x.c = c;
    x.d = d;
    x.log = log;
    return x;
  }

  // ---- "where the time goes" for handshakes (docs/simulation.md): while a client's handshake runs, every
  // interval of work for it is logged (client processing, network, and each server stage split into queueing and
  // service); when it completes, each instant of [start, completion] is attributed to exactly one component, so
  // the components add up to the handshake latency.
  /** Emptied logs (handshake and record path logs alike), for reuse. */
  const logPool: number[][] = [];
  function takeLog(): number[] {
    return logPool.pop() ?? [];
  }
  function freeLog(log: number[]): void {
    emptyArray(log);
    logPool.push(log);
  }
  const hsCompPs = new Float64Array(COMP_COUNT);
  let hsTimerPs = 0;
  function logHs(c: Client, comp: number, from: Ps, to: Ps): void {
    if (c.connected || c.done || c.start < warmupPs || !(to > from)) return;
    let log = c.hsLog;
    if (log === null) log = c.hsLog = takeLog();
    const n = log.length;
    // a job's consecutive stages on one component (e.g. the key schedule's hash steps) extend one interval
    if (n >= 3 && log[n - 3] === comp && log[n - 1] === from) log[n - 1] = to;
    else log.push(comp, from, to);
  }
  function dropHsLog(c: Client): void {
    if (c.hsLog === null) return;
    freeLog(c.hsLog);
    c.hsLog = null;
  }
  const bounds: number[] = [];
  /**
   * Attributes [c.start, end] of a completed handshake (attribution.ts): ranks server service > server queueing >
   * client processing > network; an instant with nothing in progress is `timer_wait` (retransmission, ACK and
   * anti-amplification waits). Work logged after `end` is not counted.
   */
  function attributeHandshake(c: Client, end: Ps): void {
    hsTimerPs += attribute(c.hsLog, c.start, end, COMP_RANK, hsCompPs, bounds);
  }

  // ---- "where the time goes" for records: a delivered record's path (client queueing and processing, its
  // datagram on the network, the server stages of its job) is logged from its hand-over to the endpoint to its
  // delivery, then attributed like a handshake; ACKs and other work off the record's path do not count.
  /** Logs of received datagrams whose record the protocol held (by address, oldest first). */
  const heldLogs = new Map<string, RecordLog[]>();
  /** The log passed to the current server job's events was used by a data event. */
  let logUsed = false;
  const recCompPs = new Float64Array(COMP_COUNT);
  let recIdlePs = 0;
  /** A record without a log (held by the protocol and not traceable) is all `other`. */
  function attributeRecord(log: RecordLog | null, sent: Ps, delivered: Ps): void {
    recIdlePs += attribute(log, sent, delivered, COMP_RANK, recCompPs, bounds);
  }

  function clientRelease(p: Pending): void {
    const c = p.c;
    const now = k.now;
    lastActivity = now;
    const log = p.log;
    p.log = null;
    // a sent record's log goes on with the first datagram (the record's); a received record's ends with its event
    let outLog = p.logOut ? log : null;
    for (const d of p.outs) {
      const dLog = outLog;
      outLog = null;
      if (net.drop(c.net)) {
        if (dLog !== null) freeLog(dLog);
        continue;
      }
      const delay = c.delay();
      const at = net.uplink(c.link, d.length, now, delay);
      if (!c.connected) logHs(c, COMP_NET, now, at);
      if (dLog !== null) dLog.push(COMP_NET, now, at);
      acc.wire(net.wire(d.length));
      k.at(at, serverReceive, takeDelivery(c, d, dLog));
    }
    if (outLog !== null) freeLog(outLog);
    const inLog = p.logOut ? null : log;
    for (const e of p.events) if (e) onClientEvent(c, e, now, inLog);
    if (inLog !== null) freeLog(inLog);
    emptyArray(p.outs);
    emptyArray(p.events);
    pendingPool.push(p);
  }

  function onClientEvent(c: Client, e: NonNullable<Pending['events'][number]>, now: Ps, log: RecordLog | null = null): void {
    if (e.type === 'connected') {
      if (c.start >= warmupPs && acc.active) attributeHandshake(c, now);
      dropHsLog(c);
      c.connected = true;
      if (c.start >= warmupPs) acc.handshakeDone(now - c.start);
      startClientTraffic(c);
    } else if (e.type === 'data') {
      const tag = payloadTag(e.data);
      const sent = sendTimes.get(tag);
      if (sent !== undefined && sent >= warmupPs) {
        acc.recordDelivered(now - sent, e.data.length, now, c.i);
        opts.onRecord?.(now - sent, false);
        if (acc.active) attributeRecord(log, sent, now);
      }
      c.got++;
      maybeFinish(c);
    } else if (e.type === 'closed') {
      if (!c.connected && c.start >= warmupPs) acc.handshakesFailed++;
      finish(c);
      // the endpoint is gone: keep its counters, free its state
      if (c.ep) {
        clientRetransmissions += c.ep.stats.retransmissions;
        liveClients--;
        if (c.timer >= 0) k.cancel(c.timer);
        c.timer = -1;
        c.ep = null;
      }
    }
  }

  function startClientTraffic(c: Client): void {
    if (traffic.direction === 'down') {
      // the server's application starts sending when its side of the handshake completes
      c.expected = recordsPlanned;
      maybeFinish(c);
      return;
    }
    c.toSend = recordsPlanned;
    c.expected = traffic.direction === 'echo' && Number.isFinite(recordsPlanned) ? recordsPlanned : 0;
    if (traffic.duration_ms !== undefined) c.sendUntil = k.now + fromMs(traffic.duration_ms);
    c.size = makeSampler(traffic.size, c.traffic);
    clientSendNext(c);
  }

  /** Sends a client's next record and schedules the one after; the kernel hands `c` back (no closure per client). */
  function clientSendNext(c: Client): void {
    if (c.done || !c.ep || !c.ep.isConnected) {
      c.size = undefined;
      return;
    }
    if (c.sent >= c.toSend || k.now > c.sendUntil) {
      c.size = undefined;
      c.toSend = c.sent;
      if (traffic.direction === 'echo') c.expected = c.sent;
      maybeFinish(c);
      return;
    }
    const t = sendTimes.add(k.now);
    if (k.now >= warmupPs) acc.recordSent(k.now, c.i);
    c.sent++;
    const payload = makePayload(t, recordSize(c.size!()));
    const ku = traffic.key_update_every;
    workBegin(c);
    c.ep.send(payload);
    if (ku > 0 && c.sent % ku === 0) c.ep.keyUpdate(false, k.now / 1e9);
    workEnd(c, k.now >= warmupPs ? takeLog() : null, true);
    k.after(gapPs(c.traffic), clientSendNext, c);
  }

  function maybeFinish(c: Client): void {
    if (c.done) return;
    const sentAll = traffic.direction === 'down' || c.sent >= c.toSend;
    if (!sentAll || c.got < c.expected) return;
    if (traffic.close && c.ep) {
      workBegin(c);
      c.ep.close();
      workEnd(c);
    }
    finish(c);
  }

  function finish(c: Client): void {
    if (c.done) return;
    dropHsLog(c);
    c.done = true;
    clientsDone++;
  }

  function armClient(c: Client): void {
    const t = c.ep!.isClosed ? undefined : c.ep!.nextTimeout();
    if (t === c.timerAt || (t === undefined && c.timer < 0)) return;
    if (c.timer >= 0) k.cancel(c.timer);
    c.timer = -1;
    c.timerAt = t ?? NaN;
    if (t === undefined) return;
    c.timer = k.at(Math.max(k.now, Math.ceil(t * 1e9)), clientTimer, c);
  }

  function clientTimer(c: Client): void {
    // Tell the core at least the deadline it asked for: ps / 1e9 can round to just below it (see ServerSide.timeout).
    const nowMs = Math.max(k.now / 1e9, c.timerAt);
    timerFired('client', c.addr);
    c.timer = -1;
    c.timerAt = NaN;
    if (c.ep && !c.ep.isClosed) {
      workBegin(c);
      c.ep.handleTimeout(nowMs);
      workEnd(c);
    }
  }

  /** The datagram of a delivery that has arrived; the record goes back to the pool. */
  function arrived(x: Delivery): Uint8Array {
    const d = x.d;
    x.d = NO_BYTES;
    x.log = null;
    deliveryPool.push(x);
    return d;
  }

  function clientReceive(x: Delivery): void {
    const c = x.c;
    const log = x.log;
    const d = arrived(x);
    if (c.ep) {
      workBegin(c);
      c.ep.receive(d, k.now / 1e9);
      workEnd(c, log, false);
    } else if (log !== null) freeLog(log);
  }

  function serverReceive(x: Delivery): void {
    const c = x.c;
    const log = x.log;
    serverSide[c.server]!.receive(c.addr, arrived(x), log);
  }

  /** Client configurations by suite, group, scheme and server: identical for every client that shares them, so
   *  resolved once and shared (endpoints only read their configuration). */
  const clientConfigs = new Map<string, ResolvedClient>();
  function clientConfig(c: Client): ResolvedClient {
    const key = `${c.suite}|${c.group}|${c.scheme}|${c.server}`;
    let cfg = clientConfigs.get(key);
    if (!cfg) {
      cfg = resolveClient({
        crypto: clientCrypto,
        rng: clientRandom,
        suites: [c.suite],
        groups: [c.group],
        keyShareGroups: [c.group],
        signatureSchemes: [c.scheme],
        mtu,
        ...endpointTimers(sc.dtls),
        serverName: 'localhost',
        verifier: verifiers[c.server]!,
        offerConnectionId: false,
      });
      clientConfigs.set(key, cfg);
    }
    return cfg;
  }

  function clientStart(c: Client): void {
    if (c.start >= warmupPs) acc.handshakesOffered++;
    liveClients++;
    c.ep = new ClientEndpoint(clientConfig(c));
    workBegin(c);
    c.ep.connect(k.now / 1e9);
    workEnd(c);
  }

  for (const c of clients) k.at(c.start, clientStart, c);

  // ---- warm-up, time series, progress
  if (warmupPs > 0) {
    k.at(warmupPs, () => {
      acc.active = true;
      hw.resetStats();
    });
  }
  const rows: TickRow[] = [];
  let prev = new Map<string, { busy: number; area: number }>();
  const snapshot = () => {
    const m = new Map<string, { busy: number; area: number; instances: number }>();
    const w = k.now - (warmupPs < k.now ? warmupPs : k.now);
    for (const b of hw.stats()) m.set(b.name, { busy: b.busy_s * 1e12, area: b.mean_queue * w, instances: b.instances });
    return m;
  };
  const tick = () => {
    const now = k.now;
    if (now > warmupPs) {
      const snap = snapshot();
      const busy: Record<string, number> = {};
      const queue: Record<string, number> = {};
      for (const [name, v] of snap) {
        const p = prev.get(name) ?? { busy: 0, area: 0 };
        busy[name] = v.instances > 0 ? Math.max(0, (v.busy - p.busy) / (v.instances * intervalPs)) : 0;
        queue[name] = Math.max(0, (v.area - p.area) / intervalPs);
      }
      prev = snap;
      rows.push({ t: now, payload: acc.intervalPayload, handshakes: acc.intervalHandshakes, active: established, busy, queue });
      // server-side buffers of established connections (memory figure)
      for (const d of dispatchers) {
        for (const conn of d.connections.values()) {
          if (!conn.isConnected) continue;
          const s = srvInfo.get(conn.address);
          if (s) {
            const h = conn.heldBytes();
            if (h > s.held) s.held = h;
          }
        }
      }
    }
    acc.intervalPayload = 0;
    acc.intervalHandshakes = 0;
    opts.onProgress?.(clientsDone / count, now / 1e12, liveClients);
    if (k.pending > 0 && now + intervalPs <= endPs) k.after(intervalPs, tick);
  };
  k.after(intervalPs, tick);

  const events = k.run({ until: endPs });
  const simEnd = Math.min(endPs, Math.max(lastActivity, warmupPs + 1));
  const blockStats = hw.stats(simEnd > k.now ? k.now : simEnd);
  acc.clientHsPs = hsCompPs[COMP_CLIENT]!;
  acc.networkHsPs = hsCompPs[COMP_NET]!;
  acc.timerHsPs = hsTimerPs;
  acc.clientRecPs = recCompPs[COMP_CLIENT]!;
  acc.clientRecWaitPs = recCompPs[COMP_CLIENT_WAIT]!;
  acc.networkRecPs = recCompPs[COMP_NET]!;
  acc.idleRecPs = recIdlePs;
  for (let i = 0; i < STAGES.length; i++) {
    const w = hsCompPs[COMP_STAGE0 + 2 * i]!;
    const sv = hsCompPs[COMP_STAGE0 + 2 * i + 1]!;
    if (w > 0 || sv > 0) acc.stages.handshake.set(STAGES[i]!, { waitPs: w, servicePs: sv });
    const rw = recCompPs[COMP_STAGE0 + 2 * i]!;
    const rs = recCompPs[COMP_STAGE0 + 2 * i + 1]!;
    if (rw > 0 || rs > 0) acc.stages.data.set(STAGES[i]!, { waitPs: rw, servicePs: rs });
  }

  let retrans = 0;
  for (const c of clients) if (c.ep) retrans += c.ep.stats.retransmissions;
  for (const d of dispatchers) for (const conn of d.connections.values()) retrans += conn.stats.retransmissions;
  retrans += closedRetransmissions + clientRetransmissions;
  let bytes = 0;
  let n = 0;
  for (const s of srvInfo.values()) {
    if (s.contextBytes > 0) {
      bytes += s.contextBytes + s.held;
      n++;
    }
  }
  return {
    kernel: k, hw, acc, rows, intervalPs, warmupPs, endPs: simEnd, events,
    retransmissions: retrans, peakConnections: peak, bytesPerConnection: n > 0 ? Math.round(bytes / n) : 0,
    blockStats, clientsDone, lost: net.lost,
  };
}

function fromMsFloat(ms: number): Ps {
  return Math.round(ms * 1e9);
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
