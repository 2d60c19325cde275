// Hello floods (scenario `attack:`, docs/scenarios.md): beside the legitimate clients, attackers send ClientHellos
// from spoofed source addresses (a new address per hello: `spoof-<n>`) and malformed datagrams (random bytes, from
// `garbage-<n>`) at fixed rates, straight to the server port of the first dispatcher (the configured certificate
// type). The spoofed hellos are real ClientHellos, built once by DTLS client endpoints on the stream `attack`
// (16 of them, reused in turn): with cookies on the server answers each with a stateless HelloRetryRequest, with
// cookies off it starts a handshake, keeps a half-open connection (within dtls.half_open) and sends its flight,
// which nobody answers. What the flood costs is measured, not assumed:
//   - every datagram the server sends to an attacker address (replies, retransmissions): `replies`;
//   - connections the attack made the server create, and their state (buffered flights + the connection context
//     estimate of contextBytes) sampled every millisecond while any is alive: `server_state`;
//   - the time the server's jobs for attacker addresses spent in service at each stage, after warm-up (the
//     breakdown's attribution, server.ts: a stage's time includes its fixed latencies, e.g. the DMA descriptor
//     latency and the host's invocation of an engine, so it is not the block's busy time; what the flood adds to
//     each block's utilisation is blocks.* of the run against the same run without the attack).
import { fromMs, PS_PER_MS, PS_PER_S, PS_PER_US, type Kernel, type Ps, type RngStream } from '../sim/index.ts';
import {
  ClientEndpoint, createProvider, resolveClient, type CipherSuiteName, type KxGroup, type ServerConnection,
  type ServerDispatcher, type SignatureScheme,
} from '../dtls/index.ts';
import type { AttackConfig } from './config/index.ts';
import type { Accounts } from './accounts.ts';
import type { Stage } from './server.ts';
import { contextBytes } from './server-app.ts';

const TEMPLATES = 16;
const SPOOF = 'spoof-';
const GARBAGE = 'garbage-';

/** Where attack datagrams go and what the attack module watches (wired by cosim.ts). */
export interface AttackTarget {
  /** A datagram from `address` arrives at the server port now. */
  receive(address: string, datagram: Uint8Array): void;
  readonly dispatcher: ServerDispatcher;
}

export interface AttackSummary {
  hellos: { sent: number; answered: number; not_answered: number };
  garbage: { sent: number; answered: number; not_answered: number };
  /** Datagrams (and bytes) the server sent to attacker addresses: HelloRetryRequests, flights, retransmissions. */
  replies: { datagrams: number; bytes: number; amplification: number };
  server_state: {
    /** Connections the attack's datagrams created on the server. */
    connections_created: number;
    /** Largest number of attack connections held at once and their largest state, bytes (sampled every ms). */
    peak_connections: number;
    peak_bytes: number;
    /** peak_bytes / peak_connections: the state one held attack connection costs (0 with none). */
    bytes_per_connection: number;
    /** Largest number of half-open connections (all sources) when an attack connection was created or at a
     *  sample, and the configured cap (dtls.half_open.max). */
    peak_half_open: number;
    half_open_cap: number;
    half_open_evicted: number;
    handshake_timeouts: number;
  };
  /** Time the server's jobs for attacker addresses spent in service, per stage: in total, and per attack datagram
   *  sent, us. */
  service_by_stage: Record<string, { total_us: number; per_datagram_us: number }>;
}

export class HelloFlood {
  private readonly templates: Uint8Array[] = [];
  private hellos = 0;
  private garbage = 0;
  private readonly answeredHello: Uint8Array;
  private readonly answeredGarbage: Uint8Array;
  private helloAnswers = 0;
  private garbageAnswers = 0;
  private replies = 0;
  private replyBytes = 0;
  private sentBytes = 0;
  private created = 0;
  private readonly live = new Map<string, ServerConnection>();
  private peakConnections = 0;
  private peakBytes = 0;
  private peakHalfOpen = 0;
  private readonly stageBusy = new Map<Stage, number>();
  private readonly startPs: Ps;
  private readonly endPs: Ps;
  private readonly helloGapPs: Ps;
  private readonly garbageGapPs: Ps;
  private sampling = false;
  /** Connection context estimate of one attack connection (contextBytes of the hellos' suite). */
  private readonly ctxBytes: number;
  private readonly helloFn = (): void => this.hello();
  private readonly garbageFn = (): void => this.junk();
  private readonly sampleFn = (): void => this.sample();

  constructor(
    private readonly k: Kernel,
    private readonly cfg: AttackConfig,
    private readonly target: AttackTarget,
    private readonly acc: Accounts,
    private readonly rng: RngStream,
    private readonly warmupPs: Ps,
    client: { suite: CipherSuiteName; group: KxGroup; scheme: SignatureScheme; mtu: number },
  ) {
    this.ctxBytes = contextBytes(client.suite);
    this.startPs = fromMs(cfg.start_ms);
    this.endPs = this.startPs + fromMs(cfg.duration_ms);
    this.helloGapPs = cfg.hello_rate_per_s > 0 ? Math.max(1, Math.round(PS_PER_S / cfg.hello_rate_per_s)) : Infinity;
    this.garbageGapPs = cfg.garbage_rate_per_s > 0 ? Math.max(1, Math.round(PS_PER_S / cfg.garbage_rate_per_s)) : Infinity;
    this.answeredHello = new Uint8Array(sends(this.endPs - this.startPs, this.helloGapPs));
    this.answeredGarbage = new Uint8Array(sends(this.endPs - this.startPs, this.garbageGapPs));
    if (cfg.hello_rate_per_s > 0) {
      const provider = createProvider('noble', rng);
      const resolved = resolveClient({
        crypto: provider, rng, suites: [client.suite], groups: [client.group], keyShareGroups: [client.group],
        signatureSchemes: [client.scheme], mtu: client.mtu, offerConnectionId: false, serverName: 'localhost',
        verifier: { verify: () => ({ ok: false, alert: 42, reason: 'attacker' }) },
      });
      for (let i = 0; i < TEMPLATES; i++) {
        const ep = new ClientEndpoint(resolved);
        ep.connect(0);
        this.templates.push(ep.pollTransmit()!);
      }
    }
  }

  /** Schedules the first datagrams. */
  start(): void {
    if (this.cfg.hello_rate_per_s > 0) this.k.at(this.startPs, this.helloFn);
    if (this.cfg.garbage_rate_per_s > 0) this.k.at(this.startPs, this.garbageFn);
    this.sampling = true;
    this.k.at(this.startPs, this.sampleFn);
  }

  private hello(): void {
    const n = this.hellos++;
    const d = this.templates[n % TEMPLATES]!;
    this.inject(`${SPOOF}${n}`, d);
    const next = this.k.now + this.helloGapPs;
    if (next < this.endPs) this.k.at(next, this.helloFn);
  }

  private junk(): void {
    const n = this.garbage++;
    const d = new Uint8Array(this.cfg.garbage_bytes);
    this.rng.fill(d);
    this.inject(`${GARBAGE}${n}`, d);
    const next = this.k.now + this.garbageGapPs;
    if (next < this.endPs) this.k.at(next, this.garbageFn);
  }

  private inject(address: string, d: Uint8Array): void {
    this.acc.datagramLedger.send();
    this.sentBytes += d.length;
    this.target.receive(address, d);
  }

  /** Whether `address` is an attacker's. */
  static isAttacker(address: string): boolean {
    return address.startsWith(SPOOF) || address.startsWith(GARBAGE);
  }

  /** The server sent `bytes` to an attacker address (the transport drops it: nobody is there). */
  reply(address: string, bytes: number): void {
    this.replies++;
    this.replyBytes += bytes;
    const spoof = address.startsWith(SPOOF);
    const n = Number(address.slice(spoof ? SPOOF.length : GARBAGE.length));
    const flags = spoof ? this.answeredHello : this.answeredGarbage;
    if (n < flags.length && flags[n] === 0) {
      flags[n] = 1;
      if (spoof) this.helloAnswers++;
      else this.garbageAnswers++;
    }
  }

  /** The server created a connection for an attacker address. */
  connectionCreated(address: string): void {
    const conn = this.target.dispatcher.get(address);
    if (!conn) return;
    this.created++;
    this.live.set(address, conn);
    // the cap is applied when a connection is created: this is where the half-open count peaks
    const h = this.target.dispatcher.halfOpen.size;
    if (h > this.peakHalfOpen) this.peakHalfOpen = h;
    if (!this.sampling) {
      this.sampling = true;
      this.k.after(PS_PER_MS, this.sampleFn);
    }
  }

  /** An attacker connection closed (evicted, timed out), as the application learns it (at the end of the job
   *  that closed it: the sample below also drops the connections the dispatcher has closed meanwhile). */
  connectionClosed(address: string): void {
    this.live.delete(address);
  }

  /** A stage of a job for an attacker address was served from `serviceFrom` to `to`. */
  stage(stage: Stage, serviceFrom: Ps, to: Ps): void {
    if (to <= this.warmupPs) return;
    if (serviceFrom < this.warmupPs) serviceFrom = this.warmupPs;
    this.stageBusy.set(stage, (this.stageBusy.get(stage) ?? 0) + (to - serviceFrom));
  }

  /** Every millisecond while attack connections are alive: their state and the half-open count. */
  private sample(): void {
    const d = this.target.dispatcher;
    if (d.halfOpen.size > this.peakHalfOpen) this.peakHalfOpen = d.halfOpen.size;
    let bytes = 0;
    for (const [a, conn] of this.live) {
      if (conn.isClosed) this.live.delete(a);
      else bytes += conn.heldBytes() + this.ctxBytes;
    }
    if (this.live.size > this.peakConnections) this.peakConnections = this.live.size;
    if (bytes > this.peakBytes) this.peakBytes = bytes;
    if (this.live.size > 0 || this.k.now < this.endPs) this.k.after(PS_PER_MS, this.sampleFn);
    else this.sampling = false;
  }

  summary(): AttackSummary {
    const d = this.target.dispatcher;
    const load: Record<string, { total_us: number; per_datagram_us: number }> = {};
    const sent = this.hellos + this.garbage;
    for (const stage of [...this.stageBusy.keys()].sort()) {
      const busy = this.stageBusy.get(stage)! / PS_PER_US;
      load[stage] = { total_us: busy, per_datagram_us: sent > 0 ? busy / sent : NaN };
    }
    return {
      hellos: { sent: this.hellos, answered: this.helloAnswers, not_answered: this.hellos - this.helloAnswers },
      garbage: { sent: this.garbage, answered: this.garbageAnswers, not_answered: this.garbage - this.garbageAnswers },
      replies: { datagrams: this.replies, bytes: this.replyBytes, amplification: this.sentBytes > 0 ? this.replyBytes / this.sentBytes : 0 },
      server_state: {
        connections_created: this.created,
        peak_connections: this.peakConnections,
        peak_bytes: this.peakBytes,
        bytes_per_connection: this.peakConnections > 0 ? this.peakBytes / this.peakConnections : 0,
        peak_half_open: this.peakHalfOpen,
        half_open_cap: d.halfOpen.limits.maxHalfOpen,
        half_open_evicted: d.halfOpen.evicted,
        handshake_timeouts: d.halfOpen.timedOut,
      },
      service_by_stage: load,
    };
  }
}

/** Datagrams sent at t = start + i x gap for every t < start + duration (the answered flags' size). */
function sends(durationPs: Ps, gapPs: Ps): number {
  return gapPs === Infinity ? 0 : Math.ceil(durationPs / gapPs);
}
