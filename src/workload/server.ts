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
import { PS_PER_MS, type Kernel, type Ps } from '../sim/index.ts';
import type { Platform, HwCryptoOp } from '../hw/index.ts';
import type { CryptoOp, DispatcherOutput, ServerConnection, ServerDispatcher } from '../dtls/index.ts';
import type { Accounts } from './accounts.ts';
import type { TraceCapture } from './trace/capture.ts';
import { Job, mark } from './job.ts';
import { SocketRcvbuf } from './rcvbuf.ts';

export { emptyArray } from './job.ts';

export type { RecordLog, ServerHooks, ServerProbe, Stage } from './server-types.ts';
import type { RecordLog, ServerHooks, ServerProbe, Stage } from './server-types.ts';

function isHashFamily(op: CryptoOp): boolean {
  return op.op === 'hash' || op.op === 'hmac' || op.op === 'hkdf-extract' || op.op === 'hkdf-expand';
}

const BLOCK_OF: Record<string, Stage> = { aead: 'aead', hash: 'hash', pke: 'pke', cpu: 'cpu' };

export class ServerSide {
  private readonly k: Kernel;
  private readonly hw: Platform;
  readonly dispatcher: ServerDispatcher;
  private readonly hooks: ServerHooks;
  private readonly probe: ServerProbe;
  private readonly acc: Accounts;
  private capture: Job | undefined;
  private readonly pool: Job[] = [];
  /** cpu.cycles_per_datagram > 0: socket work is charged per datagram. */
  private readonly perDatagram: boolean;
  /** Operation-trace capture (off: null; set by `attachTracer`). */
  private tracer: TraceCapture | null = null;
  /** The job whose release is running (a send made synchronously in it is its child). */
  private releasing: Job | undefined = undefined;
  /** The server socket's receive buffer (cpu.socket_rcvbuf_bytes; unbounded when 0). */
  readonly rcvbuf: SocketRcvbuf;

  constructor(
    k: Kernel, hw: Platform, dispatcher: ServerDispatcher, hooks: ServerHooks, probe: ServerProbe, acc: Accounts,
    tap?: (op: CryptoOp, address: string | undefined) => void,
  ) {
    this.k = k;
    this.hw = hw;
    this.dispatcher = dispatcher;
    this.hooks = hooks;
    this.probe = probe;
    this.acc = acc;
    this.perDatagram = hw.cpu.params.cycles_per_datagram > 0;
    this.rcvbuf = new SocketRcvbuf(hw.cpu.params);
    dispatcher.config.crypto.observer = (op) => {
      if (this.capture) this.capture.ops.push(op);
      if (tap) tap(op, this.capture?.address);
    };
  }

  /** Attaches an operation-trace capture: it sees every job, and the key-log secrets of the connections as the
   *  core derives them (the `secrets` sink derives nothing: the run's crypto operations stay the same). */
  attachTracer(t: TraceCapture): void {
    this.tracer = t;
    this.dispatcher.config.secrets = (label, clientRandom, secret) => {
      if (this.capture) t.secret(this.capture.address, label, clientRandom, secret, this.k.now);
    };
  }

  private job(): Job {
    return this.pool.pop() ?? new Job(this);
  }

  /** The job is finished and no block holds its continuation any more. */
  private recycle(job: Job): void {
    this.read(job);
    if (job.log !== null) this.probe.freeLog(job.log);
    job.clear();
    this.pool.push(job);
  }

  /** A datagram from `address` arrives at the server port now. */
  receive(address: string, datagram: Uint8Array, log: RecordLog | null = null): void {
    const job = this.job();
    job.address = address;
    job.log = log;
    job.datagram = datagram;
    job.bytesIn = datagram.length;
    const conn = this.dispatcher.connectionFor(datagram, address);
    job.phase = conn && conn.isConnected ? 'data' : 'handshake';
    this.begin(job, 'port_rx');
    const t = this.tracer;
    if (t !== null) {
      job.rec = log !== null ? t.record() : -1;
      job.tid = t.start('rx', this.k.now, -1, address, job.phase, job.rec);
      t.port(job.tid, 'rx', datagram.length, this.k.now);
      t.datagram(true, address, datagram, this.k.now);
    }
    if (!this.hw.port.receive(datagram.length, job.next)) {
      if (t !== null) t.dropped(job.tid);
      this.acc.drop('port_rx_full');
      this.acc.datagramLedger.drop('port_rx_full');
      this.recycle(job);
    }
  }

  /** @internal `job.next`: the job's current stage is done; account for it and start the next one. */
  _advance(job: Job, wait: Ps, start: Ps): void {
    this.end(job, wait);
    const t = this.tracer;
    if (t !== null) t.served(job.tid, job.stage, start, this.k.now);
    switch (job.stage) {
      case 'port_rx':
        this.begin(job, 'dma');
        if (t !== null) t.dma(job.tid, 'to-engine', job.bytesIn, this.k.now);
        this.hw.dma.transfer(job.bytesIn, 'to-engine', job.next);
        return;
      case 'dma':
        if (job.out) this.toPort(job);
        else if (this.toSocket(job)) this.lookup(job);
        return;
      case 'ctx_cache':
      case 'ctx_cache_miss':
        this.compute(job);
        return;
      case 'port_tx':
        if (t !== null) {
          t.end(job.tid);
          t.datagram(false, job.out!.address, job.out!.datagram, this.k.now);
        }
        this.hooks.onTransmit(job.out!.address, job.out!.datagram, this.k.now, job.phase, job.log);
        job.log = null; // the caller owns it now
        this.recycle(job);
        return;
      default: // cpu, aead, hash, pke
        if (job.stage === 'cpu') this.read(job); // the first CPU step received it (its socket cost, when charged)
        this.step(job);
    }
  }

  /** After the to-engine DMA the datagram reaches the server socket's receive buffer: false if the kernel dropped
   *  it there (the buffer full; no CPU cost). */
  private toSocket(job: Job): boolean {
    const b = this.rcvbuf;
    if (!b.bounded) return true;
    const c = b.admit(job.bytesIn);
    if (c >= 0) {
      job.rcvbufBytes = c;
      return true;
    }
    // the job's ops so far (port, DMA) were served; it ends here (a replay does not re-run the socket buffer)
    if (this.tracer !== null) this.tracer.end(job.tid);
    this.acc.drop('socket_rcvbuf_full');
    this.acc.datagramLedger.drop('socket_rcvbuf_full');
    this.recycle(job);
    return false;
  }

  /** The server read the job's datagram from its socket: it leaves the receive buffer. */
  private read(job: Job): void {
    if (job.rcvbufBytes > 0) {
      this.rcvbuf.release(job.rcvbufBytes);
      job.rcvbufBytes = 0;
    }
  }

  /** After the to-engine DMA: the connection context, if the dispatcher holds state for this peer. */
  private lookup(job: Job): void {
    const cache = this.hw.contextCache;
    // a context exists only once the dispatcher holds state for this peer (found by CID or by address)
    const conn = cache ? this.dispatcher.connectionFor(job.datagram!, job.address) : undefined;
    if (cache && conn) {
      this.begin(job, 'ctx_cache');
      const id = this.hooks.connId(conn.address);
      if (this.tracer !== null) this.tracer.cache(job.tid, id, this.k.now);
      // a capacity miss is its own stage ("where the time goes": what the cache's pressure costs)
      if (!cache.access(id, job.next) && cache.lastCapacityMiss) job.stage = 'ctx_cache_miss';
    } else this.compute(job);
  }

  /** The DTLS core processes the datagram now. */
  private compute(job: Job): void {
    const d = this.dispatcher;
    const now = this.k.now;
    // the connection this datagram reaches if it exists (by CID too: a migrating peer's datagram comes from a new
    // address), so that only what this datagram made it do is charged
    const before = d.connectionFor(job.datagram!, job.address);
    const addr0 = before?.address;
    if (before) mark(job, before);
    // the phase is the connection's when the core runs: a record that arrived while the server was still
    // processing the client's Finished is data work (its energy and its time), not handshake work
    job.phase = before && before.isConnected ? 'data' : 'handshake';
    job.toHandshaking = before !== undefined && !before.isConnected;
    const hrr0 = d.stats.statelessHrrSent;
    const bad0 = d.stats.badCookies;
    this.capture = job;
    this.acc.datagramDelivered(job.bytesIn);
    const conn = d.receive(job.datagram!, job.address, now / PS_PER_MS);
    this.capture = undefined;
    job.datagram = undefined;
    if (conn !== before) {
      mark(job, undefined); // a new connection: everything it counted was this job's
      if (conn !== undefined && this.hooks.created) this.hooks.created(job.address);
    } else if (before !== undefined && before.address !== addr0 && this.hooks.moved) this.hooks.moved(addr0!, before.address);
    this.collect(job, conn, 1, d.stats.statelessHrrSent - hrr0, d.stats.badCookies - bad0);
    this.charge(job, 1);
  }

  /** The application sends `data` on `conn` now (echo, or server-initiated traffic). */
  send(conn: ServerConnection, data: Uint8Array, log: RecordLog | null = null): boolean {
    const job = this.job();
    job.address = conn.address;
    job.phase = 'data';
    job.log = log;
    job.sending = true;
    const t = this.tracer;
    if (t !== null) {
      const parent = this.releasing;
      job.rec = log !== null ? t.record() : -1;
      job.tid = t.start('send', this.k.now, parent ? parent.tid : -1, conn.address, 'data', job.rec);
    }
    mark(job, conn);
    this.capture = job;
    const ok = conn.send(data);
    this.capture = undefined;
    this.collect(job, conn, 0);
    this.charge(job, 0);
    return ok;
  }

  /**
   * A connection's retransmission/ACK timer expired. `deadlineMs` is the deadline the timer was armed for: the
   * core is told at least that time, because picoseconds / 1e9 can round to just below the millisecond deadline it
   * came from, and a core told a time before its deadline does nothing (the timer would then re-fire forever).
   */
  timeout(conn: ServerConnection, deadlineMs = 0): void {
    const job = this.job();
    job.address = conn.address;
    job.phase = conn.isConnected ? 'data' : 'handshake';
    const t = this.tracer;
    if (t !== null) job.tid = t.start('timer', this.k.now, this.releasing ? this.releasing.tid : -1, conn.address, job.phase, -1);
    mark(job, conn);
    this.capture = job;
    conn.handleTimeout(Math.max(this.k.now / PS_PER_MS, deadlineMs));
    this.capture = undefined;
    this.collect(job, conn, 0);
    this.charge(job, 0);
  }

  /** Gathers outputs and events produced by the core, and the messages and records to charge as protocol work. */
  private collect(job: Job, conn: ServerConnection | undefined, minRecordsIn: number, statelessHrrs = 0, badCookies = 0): void {
    const d = this.dispatcher;
    for (let o = d.pollTransmit(); o; o = d.pollTransmit()) job.outputs.push(o);
    for (let e = d.pollEvent(); e; e = d.pollEvent()) job.events.push(e);
    if (conn) {
      const st = conn.stats;
      job.records = Math.max(minRecordsIn, st.recordsReceived - job.recIn0) + (st.recordsSent - job.recOut0);
      job.messages = st.handshakeMessagesReceived - job.msgIn0 + (st.handshakeMessagesSent - job.msgOut0);
      this.hooks.armTimer(conn);
    } else {
      // handled statelessly by the dispatcher: the record in and each datagram out (a cookie HelloRetryRequest or
      // an alert) cost a record; handshake messages: a ClientHello answered with a HelloRetryRequest (two), or one
      // refused for its cookie (one); a dropped datagram or an alert is not message processing
      job.records = minRecordsIn + job.outputs.length;
      job.messages = 2 * statelessHrrs + badCookies;
    }
  }

  private charge(job: Job, datagramsIn: number): void {
    job.opIndex = 0;
    // host socket cost (cpu.cycles_per_datagram): each datagram received and each one sent; 0 = not modelled
    if (this.perDatagram) job.datagrams = datagramsIn + job.outputs.length;
    this.step(job);
  }

  /** Next handshake message, then next record (protocol processing), then next crypto operation, then release. */
  private step(job: Job): void {
    if (job.datagrams > 0) {
      job.datagrams--;
      this.begin(job, 'cpu');
      this.hw.protocol('datagram', job.next, 0 - job.depth);
      return;
    }
    if (job.messages > 0 || job.records > 0) {
      const kind = job.messages > 0 ? 'handshake-message' : job.phase === 'handshake' ? 'handshake-record' : 'record';
      if (job.messages > 0) job.messages--;
      else job.records--;
      this.begin(job, 'cpu');
      if (this.tracer !== null) this.tracer.protocol(job.tid, kind, this.k.now);
      this.hw.protocol(kind, job.next, 0 - job.depth); // 0 - depth: +0, not -0 (a boxed double), at depth 0
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
      if (this.tracer !== null) this.tracer.crypto(job.tid, hwOp, route, invoke, job.next, this.k.now);
      this.hw.serve(hwOp, job.next, 0 - job.depth, invoke, job.phase);
      return;
    }
    this.release(job);
  }

  private release(job: Job): void {
    const now = this.k.now;
    const inLog = job.sending ? null : job.log;
    let outLog = job.sending ? job.log : null;
    job.log = null;
    const outer = this.releasing;
    this.releasing = job;
    for (const e of job.events) this.hooks.onEvent(e, now, inLog);
    if (inLog !== null) this.probe.onReceivedLog(job.address, inLog, job.toHandshaking);
    for (const o of job.outputs) {
      this.transmit(o, job.phase, outLog, job);
      outLog = null;
    }
    this.releasing = outer;
    if (outLog !== null) this.probe.freeLog(outLog);
    if (this.tracer !== null) this.tracer.end(job.tid);
    this.recycle(job);
  }

  private transmit(o: DispatcherOutput, phase: 'handshake' | 'data', log: RecordLog | null, parent: Job): void {
    const job = this.job();
    job.phase = phase;
    job.log = log;
    job.address = o.address;
    job.out = o;
    this.begin(job, 'dma');
    const t = this.tracer;
    if (t !== null) {
      job.rec = log !== null ? parent.rec : -1;
      job.tid = t.start('tx', this.k.now, parent.tid, o.address, phase, job.rec);
      t.dma(job.tid, 'from-engine', o.datagram.length, this.k.now);
    }
    this.hw.dma.transfer(o.datagram.length, 'from-engine', job.next);
  }

  /** After the from-engine DMA: the datagram queues for the port. */
  private toPort(job: Job): void {
    this.begin(job, 'port_tx');
    this.acc.datagramLedger.send();
    const t = this.tracer;
    if (t !== null) t.port(job.tid, 'tx', job.out!.datagram.length, this.k.now);
    if (!this.hw.port.transmit(job.out!.datagram.length, job.next)) {
      if (t !== null) t.dropped(job.tid);
      this.acc.drop('port_tx_full');
      this.acc.datagramLedger.drop('port_tx_full');
      this.recycle(job);
    }
  }

  /** Tracing: the connection `conn` closed in the release running now; its context leaves the cache. */
  traceRemove(conn: number): void {
    if (this.tracer !== null && this.releasing !== undefined) this.tracer.remove(this.releasing.tid, conn);
  }

  private begin(job: Job, stage: Stage): void {
    job.stage = stage;
    job.stageStart = this.k.now;
  }

  private end(job: Job, wait: Ps): void {
    job.depth++;
    const now = this.k.now;
    const elapsed = now - job.stageStart;
    const w = wait < elapsed ? wait : elapsed;
    this.account(job, job.stage, job.stageStart, job.stageStart + w, now);
  }

  /** A stage of `job` queued from `from` to `serviceFrom` and was served until `to`. */
  private account(job: Job, stage: Stage, from: Ps, serviceFrom: Ps, to: Ps): void {
    // a job carrying a record (even early data, received while handshaking) is on that record's path
    if (job.log !== null) this.probe.onRecordStage(job.log, stage, from, serviceFrom, to);
    else if (job.phase === 'handshake') this.probe.onHandshakeStage(job.address, stage, from, serviceFrom, to);
  }
}
