// A server job of the co-simulation (./server.ts): one datagram, send or timer walking the hardware blocks, pooled
// by its ServerSide, with one pre-bound continuation; and the connection counters a job starts from.
import type { Ps } from '../sim/index.ts';
import type { Done } from '../hw/index.ts';
import type { CryptoOp, DispatcherEvent, DispatcherOutput, ServerConnection } from '../dtls/index.ts';
import type { RecordLog, ServerSide, Stage } from './server.ts';

/**
 * One unit of server work in flight through the blocks: a received datagram (port_rx, dma, ctx_cache, then the
 * compute stages), a send or timer (compute stages only), or one outgoing datagram (dma, port_tx). Jobs are pooled by
 * their ServerSide and carry one continuation, `next`, bound once: a block calls it when the job's current stage is
 * done, and ServerSide.advance moves the job to its next stage. No allocation per stage or per datagram.
 */
export class Job {
  readonly ops: CryptoOp[] = [];
  readonly outputs: DispatcherOutput[] = [];
  readonly events: DispatcherEvent[] = [];
  /** Handshake messages (post-handshake ones included) the core built or processed for this job. */
  messages = 0;
  /** Records the core received (at least the datagram's one) and sent for this job. */
  records = 0;
  /** Socket work still to charge: datagrams received + sent (only when cpu.cycles_per_datagram > 0). */
  datagrams = 0;
  /** The connection's counters before the core ran (what this job did is the difference). */
  recIn0 = 0;
  recOut0 = 0;
  msgIn0 = 0;
  msgOut0 = 0;
  opIndex = 0;
  /** The host has rung the accelerator's doorbell for this job (one invocation per job, not per op). */
  invoked = false;
  stage: Stage = 'cpu';
  /** Stages completed so far: the job's priority on the CPU and crypto blocks is -depth, so work already in
   *  flight (a record's mask after its seal, a handshake's next operation) goes before newly arrived work, as a
   *  chained descriptor does on a real engine instead of re-queueing behind every new record. */
  depth = 0;
  stageStart: Ps = 0;
  /** Handshake or data work: for a received datagram, whether its connection had completed its handshake when it
   *  arrived, then (compute) when the core processed it. The stages before compute (port_rx, dma, ctx_cache) are
   *  accounted with the first: a job that carries a record goes to the record's path whatever its phase, and
   *  one that carries none and becomes data work in between (an ACK arriving while the server was processing the
   *  client's Finished) would be dropped either way (its client's handshake is over). */
  phase: 'handshake' | 'data' = 'data';
  /** Path log of the record this job carries (RecordLog), or null. */
  log: RecordLog | null = null;
  /** A `send` job: its log goes on with its first datagram (a received datagram's log ends with its events). */
  sending = false;
  /** A received datagram reached a connection that was still handshaking when the core ran. */
  toHandshaking = false;
  address = '';
  bytesIn = 0;
  /** Bytes this received datagram holds in the socket receive buffer until the server reads it (0: none). */
  rcvbufBytes = 0;
  datagram: Uint8Array | undefined = undefined;
  /** Outgoing datagram (a transmit job: dma from-engine, then port_tx). */
  out: DispatcherOutput | undefined = undefined;
  /** Operation-trace job id (-1: no capture) and record id (-1: none). */
  tid = -1;
  rec = -1;
  /** Completion callback for the current stage: done(waitPs, startPs) from the block serving it. */
  readonly next: Done;

  constructor(side: ServerSide) {
    this.next = (w, s) => side._advance(this, w, s);
  }

  /** Back to the initial state, for reuse. */
  clear(): void {
    emptyArray(this.ops);
    emptyArray(this.outputs);
    emptyArray(this.events);
    this.messages = 0;
    this.records = 0;
    this.datagrams = 0;
    this.recIn0 = 0;
    this.recOut0 = 0;
    this.msgIn0 = 0;
    this.msgOut0 = 0;
    this.opIndex = 0;
    this.invoked = false;
    this.stage = 'cpu';
    this.depth = 0;
    this.stageStart = 0;
    this.phase = 'data';
    this.log = null;
    this.sending = false;
    this.toHandshaking = false;
    this.address = '';
    this.bytesIn = 0;
    this.rcvbufBytes = 0;
    this.datagram = undefined;
    this.out = undefined;
    this.tid = -1;
    this.rec = -1;
  }
}

/**
 * Empties `a` for reuse. Popping keeps the array's backing store in V8 (`a.length = 0` drops it, and the next push
 * allocates a new one), so a pooled array refills without allocating.
 */
export function emptyArray(a: unknown[]): void {
  while (a.length > 0) a.pop();
}

/** Records the connection's counters before the core runs (all zero for a connection that does not exist yet). */
export function mark(job: Job, c: ServerConnection | undefined): void {
  const s = c?.stats;
  job.recIn0 = s ? s.recordsReceived : 0;
  job.recOut0 = s ? s.recordsSent : 0;
  job.msgIn0 = s ? s.handshakeMessagesReceived : 0;
  job.msgOut0 = s ? s.handshakeMessagesSent : 0;
}
