// Types the server side of the co-simulation shares with its callers (server-app.ts, probe.ts, job.ts, transport.ts):
// the stages of "where the time goes", a record's path log, and the hooks and probe the server reports to.
import type { Ps } from '../sim/index.ts';
import type { DispatcherEvent, ServerConnection } from '../dtls/index.ts';

/** Components of "where the time goes" charged by server jobs (block names plus 'cpu' for protocol work). */
/** 'ctx_cache_miss': a context lookup that missed because the cache had evicted that context (a capacity miss:
 *  lookup + DMA fetch); every other lookup, first accesses included, is 'ctx_cache'. */
export type Stage = 'port_rx' | 'dma' | 'ctx_cache' | 'ctx_cache_miss' | 'cpu' | 'aead' | 'hash' | 'pke' | 'port_tx';

/**
 * A record's path log ("where the time goes" for records): an opaque array the caller gives to `receive` or `send`
 * and gets back through `onEvent` (the received record's) and `onTransmit` (the sent record's); the probe sees it
 * at every stage (`onRecordStage`) and takes back the ones the server no longer needs (`freeLog`, `onReceivedLog`).
 */
export type RecordLog = number[];

export interface ServerHooks {
  /** A job's events reached the server application (at the job's release time); `log`: the path log the job's
   *  datagram was received with, if any. */
  onEvent(ev: DispatcherEvent, now: Ps, log: RecordLog | null): void;
  /** A datagram left the server port (at `now`, after port_tx and propagation); `log`: the path log of the record
   *  it carries (the first datagram of a `send` given one), else null. */
  onTransmit(address: string, datagram: Uint8Array, now: Ps, phase: 'handshake' | 'data', log: RecordLog | null): void;
  /** A connection's timer changed; the caller (re)arms it. */
  armTimer(conn: ServerConnection): void;
  /** Connection id for the context cache. */
  connId(address: string): number;
  /** The dispatcher created a connection for `address` (a ClientHello it accepted). */
  created?(address: string): void;
}

/** "Where the time goes": what the server reports about path logs and handshake stages (BreakdownProbe, probe.ts). */
export interface ServerProbe {
  /** A path log the server no longer needs (its datagram was dropped at a port, or it left with no datagram). */
  freeLog(log: RecordLog): void;
  /** The job that received the datagram `log` came with is done (after its events went to `onEvent`): the probe
   *  owns the log again. `mayBeHeld`: the datagram reached a connection still handshaking, so a record in it
   *  that produced no event may be early data the protocol holds and a later job delivers. */
  onReceivedLog(address: string, log: RecordLog, mayBeHeld: boolean): void;
  /** A stage of a job carrying a path log: queued from `from` to `serviceFrom`, served until `to`. */
  onRecordStage(log: RecordLog, stage: Stage, from: Ps, serviceFrom: Ps, to: Ps): void;
  /**
   * A handshake-phase job for `address` finished a stage: it waited in queues from `from` to `serviceFrom` and was
   * served from `serviceFrom` to `to` (the probe attributes it to that client's handshake; stages of a job that
   * carries a record's path log go to `onRecordStage` instead).
   */
  onHandshakeStage(address: string, stage: Stage, from: Ps, serviceFrom: Ps, to: Ps): void;
}
