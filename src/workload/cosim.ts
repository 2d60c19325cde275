// The DTLS co-simulation: clients, network and the server's accelerator on one kernel.
//
// Every client is a real ClientEndpoint (ClientSide, client-side.ts); the server is a real ServerDispatcher (one per
// certificate type in the mix) whose work is charged to the Platform's blocks by ServerSide (server.ts), under the
// server application (server-app.ts); datagrams travel on the network model (transport.ts). Crypto operations are
// reported by the DTLS core's provider observer; nothing here guesses what the protocol does. The population and
// its traffic (population.ts) are shared with the plain-UDP baseline (udp.ts); "where the time goes" is the
// breakdown probe's (probe.ts), the time series timeseries.ts's. This file builds and wires them, runs the kernel
// and collects the figures.
import { fromMs, Kernel, PS_PER_S, Rng, type Ps } from '../sim/index.ts';
import { Platform, type HwBlockStats } from '../hw/index.ts';
import {
  DEFAULT_GROUPS, DEFAULT_SUITES, getSuite, ServerDispatcher, SUITE_NAMES, type CipherSuiteName, type CryptoOp, type KxGroup,
  type SignatureScheme,
} from '../dtls/index.ts';
import { endpointTimers, mtuIssue, type ModelConfig, type Scenario, type SuiteName } from './config/index.ts';
import { Accounts } from './accounts.ts';
import { schemeOf, serverChains, type CertKeyType } from './certs.ts';
import { ClientCrypto, reproducible, type CryptoKind } from './client-crypto.ts';
import { Client, ClientSide } from './client-side.ts';
import { SendTimes } from './clients.ts';
import { Activity, type CosimContext } from './context.ts';
import { NetworkModel } from './network.ts';
import { arrivalTimes, pickWeighted, plannedRecords, recordKeys } from './population.ts';
import { Dormancy } from './dormancy.ts';
import { BreakdownProbe } from './probe.ts';
import { ServerApp } from './server-app.ts';
import { TimeSeries, type TickRow } from './timeseries.ts';
import { Transport } from './transport.ts';
import type { TraceCapture } from './trace/capture.ts';
import { ClientTickets, HandshakeKinds, resumes, serverPsk } from './resumption.ts';
import { ClientAuth } from './mutual.ts';
import { HelloFlood } from './attack.ts';
import { ServerPkeByKind } from './server-kinds.ts';
import { DevicePsk } from './device-psk.ts';
import { fleetOf, type Fleet } from './fleet.ts';

export { LivelockError } from './context.ts';
export { contextBytes } from './server-app.ts';
export type { CryptoKind } from './client-crypto.ts';
export type { TickRow } from './timeseries.ts';

export interface CosimOptions {
  scenario: Scenario;
  model: ModelConfig;
  seed: number;
  crypto: CryptoKind;
  /** Called every time-series interval; `fractionDone`: the larger of the clients done and the simulated time run
   *  (of sim.end_ms); `liveClients` = clients started whose connection is not closed. */
  onProgress?: ((fractionDone: number, simTimeS: number, liveClients: number) => void) | undefined;
  /** Diagnostics: every application record delivered after warm-up, with its latency and direction. */
  onRecord?: ((latencyPs: Ps, toServer: boolean) => void) | undefined;
  /** Diagnostics (bench): every crypto operation the clients and the server perform. */
  onCryptoOp?: ((op: CryptoOp) => void) | undefined;
  /** Operation-trace capture of the server's jobs (src/workload/trace/capture.ts); off when absent. */
  capture?: TraceCapture | undefined;
  /** Idle endpoints sleep (dormancy.ts): 'auto' (default) with sparse traffic only, false never (tests: the outputs
   *  must not change). */
  dormancy?: 'auto' | false | undefined;
  /** Diagnostics (tests): every context-cache access and removal, in order (the model's cache, if any). */
  onContextCache?: ((conn: number, op: 'access' | 'remove') => void) | undefined;
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
  /** The clients' share of `retransmissions` (flights the clients sent again). */
  clientRetransmissions: number;
  /** Stalls of the clients' shared loops (clients.costs.loop_stall_share, loop-stalls.ts). */
  loopStalls: number;
  peakConnections: number;
  bytesPerConnection: number;
  blockStats: HwBlockStats[];
  clientsDone: number;
  /** Datagrams lost on the network (random loss). */
  lost: number;
  /** Completed handshakes by kind (resumption.ts), when the scenario has `clients.resumption`. */
  handshakeKinds: HandshakeKinds | undefined;
  /** The server's public-key operations by handshake kind (server-kinds.ts), with handshakeKinds. */
  serverPkeKinds: ServerPkeByKind | undefined;
  /** The hello flood (attack.ts), when the scenario has `attack`. */
  attack: HelloFlood | undefined;
  /** Churn and NAT rebinding (fleet.ts), when the scenario has either; `dispatchers` for its summary. */
  fleet: Fleet | undefined;
  dispatchers: readonly ServerDispatcher[];
}

/** Thrown for scenario values the DTLS core cannot honour (exit status 2 at the CLI). */
export class InputError extends Error {
  override name = 'InputError';
}

/** The server chain a client's signature scheme needs: RSA clients get the configured RSA chain (rsa-2048 if the
 *  configured type is not RSA). */
function keyTypeOf(scheme: string, configured: CertKeyType): CertKeyType {
  if (scheme === 'ed25519') return 'ed25519';
  if (scheme === 'rsa_pss_rsae_sha256') return configured === 'rsa-2048' || configured === 'rsa-3072' ? configured : 'rsa-2048';
  return 'ecdsa-p256';
}

export function runCosim(opts: CosimOptions): CosimRun {
  const { scenario: sc, model } = opts;
  const ipVersion = model.port.ip_version === 6 ? 6 : 4;
  // the schema's mtu floor is IPv4's; an IPv6 model leaves the DTLS core 20 B less (src/cli/sim.ts checks it first)
  const mtuBad = mtuIssue(sc.network, ipVersion);
  if (mtuBad) throw new InputError(`network.mtu: ${mtuBad}`);
  const k = new Kernel();
  const root = new Rng(opts.seed);
  // cpu.service_cv draws from its own stream of the run's seed (derive: no other stream moves)
  const hw = new Platform(k, model, { priorities: true, rng: root.derive('cpu/service') });
  if (opts.onContextCache && hw.contextCache) hw.contextCache.observer = opts.onContextCache;
  const acc = new Accounts(sc.clients.count);
  const net = new NetworkModel(sc.network, ipVersion);
  acc.framing = (p) => net.wire(p);
  const mtu = sc.network.mtu - (ipVersion === 6 ? 40 : 20) - 8; // DTLS datagram size limit: path MTU - IP - UDP
  const warmupPs = fromMs(sc.sim.warmup_ms);
  const endPs = fromMs(sc.sim.end_ms);
  if (warmupPs > 0) acc.active = false;

  // ---- server: one dispatcher per certificate type in the signature mix
  const serverRng = root.stream('server');
  const types: CertKeyType[] = [sc.clients.certificate.type];
  for (const [s, w] of Object.entries(sc.clients.mix.signatures)) {
    const t = keyTypeOf(s, sc.clients.certificate.type);
    if (typeof w === 'number' && w > 0 && !types.includes(t)) types.push(t);
  }
  // stream 'certificates' of the run's seed; the same for every run on that seed (memoised, src/workload/certs.ts)
  const chains = serverChains(opts.seed, types, sc.clients.certificate.chain_length);
  // the server accepts the default groups plus the post-quantum ones the client mix uses (each client sends one share
  // for its one group, so the order never causes a HelloRetryRequest)
  const serverGroups: KxGroup[] = [...DEFAULT_GROUPS];
  for (const [g, w] of Object.entries(sc.clients.mix.groups)) if (typeof w === 'number' && w > 0 && !serverGroups.includes(g as KxGroup)) serverGroups.push(g as KxGroup);
  const resumption = sc.clients.resumption;
  const ticketRng = resumption ? root.stream('tickets') : undefined;
  const clientAuth = sc.clients.client_auth ? new ClientAuth(sc.clients.client_auth, opts.seed) : undefined;
  const halfOpen = sc.dtls.half_open;
  const devices = sc.clients.psk ? new DevicePsk(sc.clients.psk, root.stream('psk'), sc.clients.count) : undefined;
  // the core's default suites leave out CCM_8 (RFC 9147 4.5.3: not without safeguards); offered when the mix has it
  const serverSuites = DEFAULT_SUITES.concat(SUITE_NAMES.filter((n) => !DEFAULT_SUITES.includes(n) && (sc.clients.mix.suites[n] ?? 0) > 0));
  const endpoint = { ...endpointTimers(sc.dtls), recordKeys: recordKeys(sc.traffic) };
  const dispatchers = chains.map((ch) => {
    // one provider per dispatcher: its observer attributes operations to that dispatcher's jobs
    const crypto = reproducible(opts.crypto, serverRng);
    const tickets = ticketRng ? serverPsk(resumption, crypto, ticketRng) : undefined;
    const psk = devices ? { ...tickets, ...devices.server() } : tickets;
    return new ServerDispatcher({
      crypto,
      rng: serverRng,
      mtu,
      ...endpoint,
      credential: { chain: ch.chain, privateKey: ch.leafKey, scheme: ch.scheme },
      cookie: { enabled: sc.clients.cookie },
      ...(psk ? { psk } : {}),
      ...(serverSuites.length > DEFAULT_SUITES.length ? { suites: serverSuites } : {}),
      ...(sc.clients.connection_id_length > 0 ? { connectionIdLength: sc.clients.connection_id_length } : {}),
      groups: serverGroups,
      ...(clientAuth ? clientAuth.server(crypto) : {}),
      maxHalfOpen: halfOpen.max,
      maxHalfOpenPerSource: halfOpen.max_per_source,
      handshakeTimeoutMs: halfOpen.handshake_timeout_ms,
    });
  });

  // ---- clients: the population (population.ts) with each one's pick of suite, group and signature scheme
  const tickets = resumption ? new ClientTickets() : undefined;
  const clientCrypto = new ClientCrypto(opts.crypto, root.stream('client-crypto'), sc.clients.costs, chains, mtu, endpoint, opts.onCryptoOp, tickets);
  if (clientAuth) clientCrypto.credentials = clientAuth.chains;
  clientCrypto.psk = devices;
  clientCrypto.offerCid = sc.clients.connection_id_length > 0;
  for (const s of Object.keys(sc.clients.mix.suites)) {
    try {
      getSuite(s as CipherSuiteName);
    } catch {
      throw new InputError(`clients.mix.suites: ${s} is not implemented by the DTLS core (RFC 9147 suites: ${SUITE_NAMES.join(', ')})`);
    }
  }
  const count = sc.clients.count;
  const starts = arrivalTimes(sc.clients.arrival, count, root);
  // A client's state is created when it starts (ClientSide.schedule), from its index alone: every stream it draws
  // from depends only on (seed, name), so creating it late draws exactly what creating it up front did.
  const makeClient = (i: number): Client => {
    const mix = root.derive(`mix/${i}`);
    const suite = pickWeighted(sc.clients.mix.suites, mix) as SuiteName as CipherSuiteName;
    const group = pickWeighted(sc.clients.mix.groups, mix) as KxGroup;
    const scheme = pickWeighted(sc.clients.mix.signatures, mix) as SignatureScheme;
    const c = new Client(i, starts[i]!, root, net, suite, group, scheme, types.indexOf(keyTypeOf(scheme, sc.clients.certificate.type)), resumes(resumption, i, root));
    if (clientAuth) c.auth = clientAuth.pick(i, root);
    return c;
  };

  // ---- the parts, wired: transport between client side and server sides
  const probe = new BreakdownProbe(acc, warmupPs);
  const ctx: CosimContext = {
    k, acc, probe, sendTimes: new SendTimes(), traffic: sc.traffic, recordsPlanned: plannedRecords(sc.traffic), warmupPs, endPs,
    // livelock guard: protocol timers that fire at one instant; legitimately at most a few per connection
    activity: new Activity(k, 64 * (count + dispatchers.length) + 10_000),
    dormancy: opts.dormancy !== false && endpoint.recordKeys === 'per-record' ? new Dormancy() : undefined,
    onRecord: opts.onRecord,
  };
  const transport = new Transport(k, net, acc, probe);
  const kinds = resumption || clientAuth || devices ? new HandshakeKinds() : undefined;
  const pkeKinds = kinds ? new ServerPkeByKind() : undefined;
  const resume = tickets && kinds && resumption
    ? { tickets, kinds, sessions: resumption.sessions_per_client, delayPs: fromMs(resumption.reconnect_delay_ms), earlyRecords: resumption.early_data_records }
    : undefined;
  const clientSide = new ClientSide(ctx, { count, starts, make: makeClient }, clientCrypto, transport, sc.clients.costs, resume, kinds);
  const app = new ServerApp(ctx, hw, dispatchers, transport, clientSide, opts.onCryptoOp, pkeKinds);
  transport.attach(clientSide, app.sides);
  const attack = sc.attack ? helloFlood(sc, k, acc, root, warmupPs, mtu, types[0]!, app, transport, probe) : undefined;
  const fleet = fleetOf(sc, k, root, endPs, clientSide, app, transport);
  if (opts.capture) {
    opts.capture.attach(hw);
    for (const side of app.sides) side.attachTracer(opts.capture);
  }
  clientSide.schedule();
  // the shared loops' stalls draw from their own stream of the run's seed (derive: no other stream moves)
  const stalls = clientSide.startStalls(root.derive('clients/loop-stalls'), sc.clients.costs.loop_stall_share, sc.clients.costs.loop_stall_us);
  attack?.start();
  fleet?.start();

  // ---- warm-up, time series, progress
  if (warmupPs > 0) {
    k.at(warmupPs, () => {
      acc.active = true;
      hw.resetStats();
    });
  }
  const series = new TimeSeries(k, hw, acc, app, fromMs(sc.sim.timeseries_interval_ms), warmupPs, endPs, (now) => {
    ctx.dormancy?.sweep();
    // done: the clients finished, or the simulated time run, whichever is further (a fleet's devices never finish)
    opts.onProgress?.(Math.max(clientSide.done / count, now / endPs), now / PS_PER_S, clientSide.live);
  });
  series.start();

  const events = k.run({ until: endPs });
  const simEnd = Math.min(endPs, Math.max(ctx.activity.last, warmupPs + 1));
  const blockStats = hw.stats(simEnd > k.now ? k.now : simEnd);
  probe.fill(acc);
  const clientRetransmissions = clientSide.retransmissions();
  return {
    kernel: k, hw, acc, rows: series.rows, intervalPs: series.intervalPs, warmupPs, endPs: simEnd, events,
    retransmissions: clientRetransmissions + app.retransmissions(), clientRetransmissions, loopStalls: stalls?.count ?? 0, peakConnections: app.peak,
    bytesPerConnection: app.bytesPerConnection(), blockStats, clientsDone: clientSide.done, lost: net.lost,
    handshakeKinds: kinds, serverPkeKinds: pkeKinds, attack, fleet, dispatchers,
  };
}

/** The hello flood of `sc.attack` against the first dispatcher (the configured certificate type), wired to the
 *  server application (connections created and closed), the transport (replies to spoofed sources) and the
 *  breakdown probe (block time of the attack's jobs). */
function helloFlood(
  sc: Scenario, k: Kernel, acc: Accounts, root: Rng, warmupPs: Ps, mtu: number, type: CertKeyType, app: ServerApp,
  transport: Transport, probe: BreakdownProbe,
): HelloFlood {
  const first = <T extends string>(w: Partial<Record<T, number | undefined>>): T =>
    (Object.keys(w) as T[]).filter((n) => (w[n] ?? 0) > 0).sort()[0]!;
  const side = app.sides[0]!;
  const flood = new HelloFlood(k, sc.attack!, { receive: (a, d) => side.receive(a, d), dispatcher: side.dispatcher }, acc, root.stream('attack'), warmupPs, {
    suite: first(sc.clients.mix.suites) as CipherSuiteName, group: first(sc.clients.mix.groups) as KxGroup, scheme: schemeOf(type), mtu,
  });
  app.watch = {
    created: (a) => {
      if (HelloFlood.isAttacker(a)) flood.connectionCreated(a);
    },
    closed: (a) => {
      if (HelloFlood.isAttacker(a)) flood.connectionClosed(a);
    },
  };
  transport.unknownPeer = (a, bytes) => {
    if (!HelloFlood.isAttacker(a)) return 'no_endpoint';
    flood.reply(a, bytes);
    return 'attack_reply';
  };
  probe.foreignStage = (a, stage, from, to) => {
    if (HelloFlood.isAttacker(a)) flood.stage(stage, from, to);
  };
  return flood;
}
