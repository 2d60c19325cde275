// The server side of the co-simulation: every datagram and every piece of server work becomes a Job that walks the
// hardware blocks of the Platform in order, and only when the last block is done do its datagrams leave and its
// events (handshake complete, application data) reach the application.
//
//   receive:  port_rx -> dma to-engine -> ctx_cache -> [DTLS core runs] -> cpu protocol per record/message
//             -> each crypto operation the core performed, in program order, on its block -> release
//             (the host rings the accelerator once per job: the first accelerated operation pays the
//             invocation cost, the rest of the job's operations are chained descriptors)
//   send / timer: [DTLS core runs] -> cpu protocol -> crypto operations -> release
//   release:  events to the application; every datagram: dma from-engine -> port_tx -> network
//
// The DTLS core is functional and instantaneous: it runs at the start of the job's compute phase; the blocks decide
// when its results become visible. Retransmission timers of the server connections run on simulated time, so an
// undersized accelerator causes real retransmissions.
import type { Kernel, Ps } from '../sim/index.ts';
import type { Platform, HwCryptoOp } from '../hw/index.ts';
import type { CryptoOp, DispatcherEvent, DispatcherOutput, ServerConnection, ServerDispatcher } from '../dtls/index.ts';
import type { Accounts } from './accounts.ts';

/** Components of "where the time goes" charged by server jobs (block names plus 'cpu' for protocol work). */
export type Stage = 'port_rx' | 'dma' | 'ctx_cache' | 'cpu' | 'aead' | 'hash' | 'pke' | 'port_tx';

export interface ServerHooks {
  /** A job's events reached the server application (at the job's release time). */
  onEvent(ev: DispatcherEvent, now: Ps): void;
  /** A datagram left the server port (at `now`, after port_tx and propagation). */
  onTransmit(address: string, datagram: Uint8Array, now: Ps, phase: 'handshake' | 'data'): void;
  /** A connection's timer changed; the caller (re)arms it. */
  armTimer(conn: ServerConnection): void;
  /** Connection id for the context cache. */
  connId(address: string): number;
}

function isHashFamily(op: CryptoOp): boolean {
  return op.op === 'hash' || op.op === 'hmac' || op.op === 'hkdf-extract' || op.op === 'hkdf-expand';
}

const BLOCK_OF: Record<string, Stage> = { aead: 'aead', hash: 'hash', pke: 'pke', cpu: 'cpu' };

/** One unit of server work in flight through the blocks. */
class Job {
  ops: CryptoOp[] = [];
  outputs: DispatcherOutput[] = [];
  events: DispatcherEvent[] = [];
  hsRecords = 0;
  dataRecords = 0;
  opIndex = 0;
  /** The host has rung the accelerator's doorbell for this job (one invocation per job, not per op). */
  invoked = false;
  protoLeft = 0;
  stage: Stage = 'cpu';
  /** Stages completed so far: the job's priority on the CPU and crypto blocks is -depth, so work already in
   *  flight (a record's mask after its seal, a handshake's next operation) goes before newly arrived work, as a
   *  chained descriptor does on a real engine instead of re-queueing behind every new record. */
  depth = 0;
  stageStart: Ps = 0;
  phase: 'handshake' | 'data' = 'data';
  address = '';
  bytesIn = 0;
  datagram: Uint8Array | undefined;
}

export class ServerSide {
  private readonly k: Kernel;
  private readonly hw: Platform;
  private readonly dispatcher: ServerDispatcher;
  private readonly hooks: ServerHooks;
  private readonly acc: Accounts;
  private capture: Job | undefined;

  constructor(k: Kernel, hw: Platform, dispatcher: ServerDispatcher, hooks: ServerHooks, acc: Accounts, tap?: (op: CryptoOp) => void) {
    this.k = k;
    this.hw = hw;
    this.dispatcher = dispatcher;
    this.hooks = hooks;
    this.acc = acc;
    dispatcher.config.crypto.observer = (op) => {
      if (this.capture) this.capture.ops.push(op);
      if (tap) tap(op);
    };
  }

  /** A datagram from `address` arrives at the server port now. */
  receive(address: string, datagram: Uint8Array): void {
    const job = new Job();
    job.address = address;
    job.datagram = datagram;
    job.bytesIn = datagram.length;
    const conn = this.dispatcher.get(address);
    job.phase = conn && conn.isConnected ? 'data' : 'handshake';
    this.begin(job, 'port_rx');
    if (!this.hw.port.receive(datagram.length, (w) => this.afterPortRx(job, w))) this.acc.drop('port_rx_full');
  }

  private afterPortRx(job: Job, wait: Ps): void {
    this.end(job, wait);
    this.begin(job, 'dma');
    this.hw.dma.transfer(job.bytesIn, 'to-engine', (w) => this.afterDmaIn(job, w));
  }

  private afterDmaIn(job: Job, wait: Ps): void {
    this.end(job, wait);
    const cache = this.hw.contextCache;
    // a context exists only once the dispatcher holds state for this peer
    if (cache && this.dispatcher.get(job.address)) {
      this.begin(job, 'ctx_cache');
      cache.access(this.hooks.connId(job.address), (w) => {
        this.end(job, w);
        this.compute(job);
      });
    } else this.compute(job);
  }

  /** The DTLS core processes the datagram now. */
  private compute(job: Job): void {
    const d = this.dispatcher;
    const now = this.k.now;
    const before = d.get(job.address);
    const r0 = before ? before.stats.recordsReceived : 0;
    const s0 = before ? before.stats.recordsSent : 0;
    this.capture = job;
    const conn = d.receive(job.datagram!, job.address, now / 1e9);
    this.capture = undefined;
    job.datagram = undefined;
    this.collect(job, conn, conn === before ? r0 : 0, conn === before ? s0 : 0, 1);
    this.charge(job);
  }

  /** The application sends `data` on `conn` now (echo, or server-initiated traffic). */
  send(conn: ServerConnection, data: Uint8Array): boolean {
    const job = new Job();
    job.address = conn.address;
    job.phase = 'data';
    const s0 = conn.stats.recordsSent;
    this.capture = job;
    const ok = conn.send(data);
    this.capture = undefined;
    this.collect(job, conn, conn.stats.recordsReceived, s0, 0);
    this.charge(job);
    return ok;
  }

  /**
   * A connection's retransmission/ACK timer expired. `deadlineMs` is the deadline the timer was armed for: the
   * core is told at least that time, because picoseconds / 1e9 can round to just below the millisecond deadline it
   * came from, and a core told a time before its deadline does nothing (the timer would then re-fire forever).
   */
  timeout(conn: ServerConnection, deadlineMs = 0): void {
    const job = new Job();
    job.address = conn.address;
    job.phase = conn.isConnected ? 'data' : 'handshake';
    const s0 = conn.stats.recordsSent;
    const r0 = conn.stats.recordsReceived;
    this.capture = job;
    conn.handleTimeout(Math.max(this.k.now / 1e9, deadlineMs));
    this.capture = undefined;
    this.collect(job, conn, r0, s0, 0);
    this.charge(job);
  }

  /** Gathers outputs and events produced by the core, and the records to charge as protocol work. */
  private collect(job: Job, conn: ServerConnection | undefined, r0: number, s0: number, minRecords: number): void {
    const d = this.dispatcher;
    for (let o = d.pollTransmit(); o; o = d.pollTransmit()) job.outputs.push(o);
    for (let e = d.pollEvent(); e; e = d.pollEvent()) job.events.push(e);
    let records = minRecords + job.outputs.length; // stateless replies: one record in, one per datagram out
    if (conn) {
      records = Math.max(minRecords, conn.stats.recordsReceived - r0) + (conn.stats.recordsSent - s0);
      this.hooks.armTimer(conn);
    }
    if (job.phase === 'handshake') job.hsRecords = records;
    else job.dataRecords = records;
  }

  private charge(job: Job): void {
    job.protoLeft = job.hsRecords + job.dataRecords;
    job.opIndex = 0;
    this.step(job);
  }

  /** Next protocol record, then next crypto operation, then release. */
  private step(job: Job): void {
    if (job.protoLeft > 0) {
      const kind = job.hsRecords > 0 ? 'handshake-message' : 'record';
      if (job.hsRecords > 0) job.hsRecords--;
      job.protoLeft--;
      this.begin(job, 'cpu');
      this.hw.protocol(kind, (w) => {
        this.end(job, w);
        this.step(job);
      }, -job.depth);
      return;
    }
    const ops = job.ops;
    while (job.opIndex < ops.length) {
      const op = ops[job.opIndex++]!;
      // transcript updates that complete no compression block are buffered by the host: no block time
      if (isHashFamily(op) && op.blocks === 0) continue;
      const hwOp = op as HwCryptoOp;
      const route = this.hw.route(hwOp);
      const invoke = !job.invoked && this.hw.needsInvocation(hwOp);
      if (invoke) job.invoked = true;
      this.begin(job, BLOCK_OF[route]!);
      this.hw.serve(hwOp, (w) => {
        this.end(job, w);
        this.step(job);
      }, -job.depth, invoke);
      return;
    }
    this.release(job);
  }

  private release(job: Job): void {
    const now = this.k.now;
    for (const e of job.events) this.hooks.onEvent(e, now);
    for (const o of job.outputs) this.transmit(o, job.phase);
  }

  private transmit(o: DispatcherOutput, phase: 'handshake' | 'data'): void {
    const job = new Job();
    job.phase = phase;
    job.address = o.address;
    this.begin(job, 'dma');
    this.hw.dma.transfer(o.datagram.length, 'from-engine', (w) => {
      this.end(job, w);
      this.begin(job, 'port_tx');
      const ok = this.hw.port.transmit(o.datagram.length, (w2) => {
        this.end(job, w2);
        this.hooks.onTransmit(o.address, o.datagram, this.k.now, phase);
      });
      if (!ok) this.acc.drop('port_tx_full');
    });
  }

  private begin(job: Job, stage: Stage): void {
    job.stage = stage;
    job.stageStart = this.k.now;
  }

  private end(job: Job, wait: Ps): void {
    job.depth++;
    const elapsed = this.k.now - job.stageStart;
    const w = wait < elapsed ? wait : elapsed;
    this.acc.stage(job.phase, job.stage, w, elapsed - w);
  }
}
