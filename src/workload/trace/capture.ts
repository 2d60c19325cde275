// Operation-trace capture of a co-simulation run: the server's jobs (src/workload/server.ts) tell a TraceCapture
// when they start, what they submit to which block, when it was served and when they end; the capture turns that
// into an OpTraceRecorder's jobs (src/workload/trace/recorder.ts). Off by default: a ServerSide without a capture
// pays one null check per stage and allocates nothing.
//
//   const cap = new TraceCapture(hw, { model: m.name, params_digest: modelDigest(m) }, { from, to });
//   runCosim({ ..., capture: cap });   // attaches itself to the Platform and the server sides
//   cap.trace()                        // the run's operation trace (OpTrace), jobs in id order
//
// Times as the format defines them (docs/outputs.md "Traces"): a stage's `start` is its block's service start (the
// `startPs` of the block's completion callback), `end` the completion time; `release` = end - propagation for
// port_tx, end - pipeline drain for the AEAD engine. The host invocation of a job's first accelerated op is its own
// `invoke` op on the CPU; the accelerated op is submitted when the invocation is done (Platform.onInvoked).
import type { Ps } from '../../sim/index.ts';
import { aeadOpCycles, hashOpCycles, softwareCycles, type Done, type HwCryptoOp, type Platform, type Route } from '../../hw/index.ts';
import { OpTraceReader, type JobKind, type OpTrace, type ProtocolOp, type TraceOp } from './format.ts';
import { OpTraceRecorder, type RecorderWindow } from './recorder.ts';
import { keylogLine, type KeylogLabel } from '../../dtls/keylog.ts';

export class TraceCapture {
  readonly recorder: OpTraceRecorder;
  private hw: Platform | undefined = undefined;
  private propagationPs: Ps = 0;
  private drainPs: Ps = 0;
  private invCycles = 0;
  /** Jobs whose host invocation is running: their completion callback -> job id and the accelerated op. */
  private readonly invoking = new Map<Done, { id: number; op: TraceOp }>();
  private nextRecord = 0;
  private readonly from: Ps;
  private readonly to: Ps;
  /** Datagrams at the server port in the window (both directions), for a packet capture. */
  readonly datagrams: CapturedDatagram[] = [];

  /** Only jobs of peers `client-<i>` with i < clients are recorded (default: every job). */
  private readonly clients: number;
  /** Per peer with datagrams in the window: the first and last of their times. */
  private readonly spans = new Map<string, { first: Ps; last: Ps }>();
  /** The server connections' key-log secrets, in the order the core derived them (see `keylog`). */
  private readonly conns: ConnSecrets[] = [];
  /** Per peer, its connections in that order. */
  private readonly connsOf = new Map<string, ConnSecrets[]>();

  constructor(header: { model: string; params_digest: string; source?: Record<string, unknown> }, window: RecorderWindow = {}, clients = Infinity) {
    this.recorder = new OpTraceRecorder(header, window);
    this.clients = clients;
    this.from = window.from ?? 0;
    this.to = window.to ?? Infinity;
  }

  /** Binds the capture to the run's Platform (once, before the run). */
  attach(hw: Platform): void {
    this.hw = hw;
    this.propagationPs = hw.port.propagationPs;
    const a = hw.aead;
    this.drainPs = a ? a.clock.cyclesToPs(a.params.pipeline_depth - 1) : 0;
    this.invCycles = Math.ceil(hw.model.cpu.invocation_cycles);
    hw.onInvoked = (done, start) => this.invoked(done, start);
  }

  /** A new record id (jobs carrying one record's path share it). */
  record(): number {
    return this.nextRecord++;
  }

  /** A job starts: its id in the trace, or -1 if it is not recorded (outside the window or the clients); the other
   *  methods then return at once (a long run with a short window pays almost nothing for the other jobs). */
  start(kind: JobKind, now: Ps, parent: number, peer: string, phase: 'handshake' | 'data', record: number): number {
    const o: { parent?: number; peer: string; phase: 'handshake' | 'data'; record?: number } = { peer, phase };
    if (parent >= 0) o.parent = parent;
    if (record >= 0) o.record = record;
    if (this.clients !== Infinity && !(clientIndex(peer) < this.clients)) return -1;
    const id = this.recorder.startJob(kind, now, o);
    return this.recorder.recording(id) ? id : -1;
  }

  port(id: number, dir: 'rx' | 'tx', bytes: number, now: Ps): void {
    if (id < 0) return;
    this.recorder.submit(id, { block: dir === 'rx' ? 'port_rx' : 'port_tx', op: 'datagram', bytes }, now);
  }

  dma(id: number, dir: 'to-engine' | 'from-engine', bytes: number, now: Ps): void {
    if (id < 0) return;
    this.recorder.submit(id, { block: dir === 'to-engine' ? 'dma_to_engine' : 'dma_from_engine', op: 'transfer', bytes }, now);
  }

  cache(id: number, conn: number, now: Ps): void {
    if (id < 0) return;
    this.recorder.submit(id, { block: 'ctx_cache', op: 'access', conn }, now);
  }

  protocol(id: number, kind: ProtocolOp, now: Ps): void {
    if (id < 0) return;
    const cpu = this.hw!.model.cpu;
    const cycles = Math.ceil(kind === 'handshake-message' ? cpu.cycles_per_handshake_message : cpu.cycles_per_record);
    this.recorder.submit(id, { block: 'cpu', op: kind, cycles }, now);
  }

  /** Job `id` submits crypto op `h` (routed to `route`); `invoke`: preceded by the host invocation, whose
   *  completion the Platform reports with `next` (the job's completion callback). */
  crypto(id: number, h: HwCryptoOp, route: Route, invoke: boolean, next: Done, now: Ps): void {
    if (id < 0) return;
    const hw = this.hw!;
    const op: TraceOp = { block: route, op: h.op, alg: h.alg, bytes: h.inputBytes, out: h.outputBytes };
    if (h.blocks !== undefined) op.blocks = h.blocks;
    if (h.aadBytes !== undefined) op.aad = h.aadBytes;
    if (h.keyBits !== undefined) op.key_bits = h.keyBits;
    const cycles =
      route === 'cpu' ? softwareCycles(hw.cpu.params, h, hw.cpu.defaultAad)
      : route === 'aead' ? aeadOpCycles(hw.aead!.params, h)
      : route === 'hash' ? hashOpCycles(hw.hash!.params, h)
      : undefined;
    if (cycles !== undefined) op.cycles = cycles;
    if (!invoke) {
      this.recorder.submit(id, op, now);
      return;
    }
    this.recorder.submit(id, { block: 'cpu', op: 'invoke', cycles: this.invCycles }, now);
    this.invoking.set(next, { id, op });
  }

  private invoked(done: Done | null, start: Ps): void {
    if (done === null || this.invoking.size === 0) return;
    const p = this.invoking.get(done);
    if (p === undefined) return;
    this.invoking.delete(done);
    const now = this.hw!.kernel.now;
    this.recorder.served(p.id, start, now);
    this.recorder.submit(p.id, p.op, now);
  }

  /** The job's current stage (`stage`, the server's name of it) was served from `start` until now. */
  served(id: number, stage: string, start: Ps, now: Ps): void {
    if (id < 0) return;
    const tail = stage === 'port_tx' ? this.propagationPs : stage === 'aead' ? this.drainPs : 0;
    this.recorder.served(id, start, now, tail > 0 ? now - tail : undefined);
  }

  /** A datagram at the server port: arriving from `peer` (at its arrival), or sent to it (`now`: the end of
   *  port_tx, which includes propagation; captured when its last bit left the port). Copied. */
  datagram(toServer: boolean, peer: string, payload: Uint8Array, now: Ps): void {
    const t = toServer ? now : now - this.propagationPs;
    if (t < this.from || t >= this.to) return;
    if (this.clients !== Infinity && !(clientIndex(peer) < this.clients)) return;
    this.datagrams.push({ timePs: t, peer, toServer, payload: payload.slice() });
    const sp = this.spans.get(peer);
    if (sp === undefined) this.spans.set(peer, { first: t, last: t });
    else {
      if (t < sp.first) sp.first = t;
      if (t > sp.last) sp.last = t;
    }
  }

  /** A server connection of `peer` derived a key-log secret now (ServerSide.attachTracer: the endpoint's
   *  `secrets` sink, which derives nothing of its own). Past the window, only peers with datagrams in it are kept. */
  secret(peer: string, label: KeylogLabel, clientRandom: Uint8Array, secret: Uint8Array, now: Ps): void {
    if (this.clients !== Infinity && !(clientIndex(peer) < this.clients)) return;
    if (now >= this.to && !this.spans.has(peer)) return;
    let list = this.connsOf.get(peer);
    if (list === undefined) this.connsOf.set(peer, (list = []));
    let c = list[list.length - 1];
    if (c === undefined || !sameBytes(c.clientRandom, clientRandom)) {
      c = { peer, at: now, clientRandom, labels: [], secrets: [] };
      list.push(c);
      this.conns.push(c);
    }
    c.labels.push(label);
    c.secrets.push(secret);
  }

  /**
   * NSS key-log lines of every connection with datagrams in the window, in the order the server derived them. A
   * peer's connection i counts from the derivation of connection i-1's secrets to that of connection i+1's (so its
   * early data, which may reach the port before its ClientHello is processed, and its last datagrams after the
   * client started the next connection are covered); it is kept when that span meets the peer's datagrams in the
   * window. A connection of an unfiltered peer outside the window may come along: its keys decrypt nothing there.
   */
  keylog(): string[] {
    const keep = new Set<ConnSecrets>();
    for (const [peer, list] of this.connsOf) {
      const sp = this.spans.get(peer);
      if (sp === undefined) continue;
      for (let i = 0; i < list.length; i++) {
        const from = i > 0 ? list[i - 1]!.at : -Infinity;
        const to = i + 1 < list.length ? list[i + 1]!.at : Infinity;
        if (from <= sp.last && to > sp.first) keep.add(list[i]!);
      }
    }
    const lines: string[] = [];
    for (const c of this.conns) if (keep.has(c)) for (let i = 0; i < c.labels.length; i++) lines.push(keylogLine(c.labels[i]!, c.clientRandom, c.secrets[i]!));
    return lines;
  }

  /** The job's last submitted op was refused by a full port queue: the job ends. */
  dropped(id: number): void {
    if (id < 0) return;
    this.recorder.dropped(id);
  }

  /** The connection `conn` closed during job `id`'s release: its context leaves the cache. */
  remove(id: number, conn: number): void {
    if (id >= 0 && this.hw?.contextCache) this.recorder.note(id, { block: 'ctx_cache', op: 'remove', conn });
  }

  end(id: number): void {
    if (id < 0) return;
    this.recorder.endJob(id);
  }

  /** The operation trace of the run so far (jobs that ended), in id order. */
  trace(): OpTrace {
    const r = new OpTraceReader();
    let n = 0;
    for (const c of this.recorder.chunks()) for (const l of c.split('\n')) r.line(l, ++n);
    return r.finish();
  }
}

/** One server connection's key-log secrets, from its first derivation (`at`). */
interface ConnSecrets {
  peer: string;
  at: Ps;
  clientRandom: Uint8Array;
  labels: KeylogLabel[];
  secrets: Uint8Array[];
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export interface CapturedDatagram {
  timePs: Ps;
  peer: string;
  toServer: boolean;
  payload: Uint8Array;
}

/** i of a peer address `client-<i>` (src/workload/client-side.ts), else NaN. */
export function clientIndex(peer: string): number {
  return peer.startsWith('client-') ? Number(peer.slice(7)) : NaN;
}
