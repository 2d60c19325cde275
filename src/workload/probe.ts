// "Where the time goes" (docs/simulation.md): the breakdown probe owns every attribution log of a run.
//
// Handshakes: while a client's handshake runs, every interval of work for it is logged (client processing,
// network, and each server stage split into queueing and service); when it completes, each instant of
// [start, completion] is attributed to exactly one component (attribution.ts), so the components add up to the
// handshake latency. Records: a delivered record's path (client queueing and processing, its datagram on the
// network, the server stages of its job) is logged from its hand-over to the endpoint to its delivery, then
// attributed the same way; ACKs and other work off the record's path do not count. The path log travels with the
// record (RecordLog, server.ts). Logs are pooled: the record path allocates none once the pool is warm.
import type { Ps } from '../sim/index.ts';
import { EARLY_DATA_RECORDS } from '../dtls/index.ts';
import type { Accounts } from './accounts.ts';
import { attribute } from './attribution.ts';
import { emptyArray, type RecordLog, type ServerProbe, type Stage } from './server.ts';

// Components: client processing, client queueing (work waiting for the client's processor; logged for records
// only: in a handshake the client's earlier work covers it), network, then per server stage a queueing and a
// service component. Ranks: 0 server service, 1 server queueing, 2 client, 3 network.
const STAGES: readonly Stage[] = ['port_rx', 'dma', 'ctx_cache', 'cpu', 'aead', 'hash', 'pke', 'port_tx', 'ctx_cache_miss'];
const STAGE_INDEX = Object.fromEntries(STAGES.map((st, i) => [st, i])) as Record<Stage, number>;
const COMP_CLIENT = 0;
const COMP_CLIENT_WAIT = 1;
const COMP_NET = 2;
const COMP_STAGE0 = 3;
const COMP_COUNT = COMP_STAGE0 + 2 * STAGES.length;
const COMP_RANK: readonly number[] = Array.from({ length: COMP_COUNT }, (_, comp) =>
  comp === COMP_CLIENT || comp === COMP_CLIENT_WAIT ? 2 : comp === COMP_NET ? 3 : (comp - COMP_STAGE0) % 2 === 1 ? 0 : 1);

/** What the probe reads and keeps of a client while its handshake runs (client-side.ts Client). */
export interface Handshaking {
  readonly addr: string;
  readonly start: Ps;
  readonly connected: boolean;
  readonly done: boolean;
  /** What the handshake was doing so far: (component, from, to) triples, or null before its first interval. */
  hsLog: number[] | null;
}

export class BreakdownProbe implements ServerProbe {
  /** Emptied logs (handshake and record path logs alike), for reuse. */
  private readonly pool: number[][] = [];
  /** Handshakes being traced (started after warm-up, neither connected nor finished), by address. */
  private readonly handshakes = new Map<string, Handshaking>();
  /** Stages of handshake-phase jobs for addresses no traced handshake has (a hello flood's, attack.ts). */
  foreignStage: ((address: string, stage: Stage, serviceFrom: Ps, to: Ps) => void) | null = null;
  /** Logs of received datagrams whose record the protocol held (by address, oldest first). */
  private readonly heldLogs = new Map<string, RecordLog[]>();
  /** The log passed to the current server job's events was used by a data event. */
  private logUsed = false;
  /** Scratch space of `attribute`. */
  private readonly bounds: number[] = [];
  private readonly hsCompPs = new Float64Array(COMP_COUNT);
  private hsTimerPs = 0;
  private readonly recCompPs = new Float64Array(COMP_COUNT);
  private recIdlePs = 0;

  constructor(private readonly acc: Accounts, private readonly warmupPs: Ps) {}

  takeLog(): number[] {
    return this.pool.pop() ?? [];
  }

  freeLog(log: number[]): void {
    emptyArray(log);
    this.pool.push(log);
  }

  /** A new path log for a record handed over at `now` (none before the end of warm-up). */
  recordLog(now: Ps): RecordLog | null {
    return now >= this.warmupPs ? this.takeLog() : null;
  }

  // ---- handshakes

  /** Client `c` starts its handshake: traced if it started after warm-up. */
  handshakeStarted(c: Handshaking): void {
    if (c.start >= this.warmupPs) this.handshakes.set(c.addr, c);
  }

  private logHs(c: Handshaking, comp: number, from: Ps, to: Ps): void {
    if (c.connected || c.done || c.start < this.warmupPs || !(to > from)) return;
    let log = c.hsLog;
    if (log === null) log = c.hsLog = this.takeLog();
    const n = log.length;
    // a job's consecutive stages on one component (e.g. the key schedule's hash steps) extend one interval
    if (n >= 3 && log[n - 3] === comp && log[n - 1] === from) log[n - 1] = to;
    else log.push(comp, from, to);
  }

  /** `c`'s handshake ended without completing (or its completion was attributed): its log is dropped. */
  handshakeEnded(c: Handshaking): void {
    this.handshakes.delete(c.addr);
    if (c.hsLog === null) return;
    this.freeLog(c.hsLog);
    c.hsLog = null;
  }

  /**
   * `c`'s handshake completed at `end`: attributes [c.start, end] (attribution.ts), ranking server service >
   * server queueing > client processing > network; an instant with nothing in progress is `timer_wait`
   * (retransmission, ACK and anti-amplification waits). Work logged after `end` is not counted.
   */
  handshakeDone(c: Handshaking, end: Ps): void {
    if (c.start >= this.warmupPs && this.acc.active) {
      this.hsTimerPs += attribute(c.hsLog, c.start, end, COMP_RANK, this.hsCompPs, this.bounds);
    }
    this.handshakeEnded(c);
  }

  onHandshakeStage(address: string, stage: Stage, from: Ps, serviceFrom: Ps, to: Ps): void {
    const c = this.handshakes.get(address);
    if (c === undefined) {
      if (this.foreignStage !== null) this.foreignStage(address, stage, serviceFrom, to);
      return;
    }
    const base = COMP_STAGE0 + 2 * STAGE_INDEX[stage];
    this.logHs(c, base, from, serviceFrom);
    this.logHs(c, base + 1, serviceFrom, to);
  }

  // ---- client and network intervals (handshake and record path alike)

  /** Client work for `c`: queued from `now` to `start`, processed until `release`; `log`: the record's, or null. */
  clientWork(c: Handshaking, handshaking: boolean, log: RecordLog | null, now: Ps, start: Ps, release: Ps): void {
    if (handshaking) this.logHs(c, COMP_CLIENT, start, release);
    if (log !== null) {
      if (start > now) log.push(COMP_CLIENT_WAIT, now, start);
      log.push(COMP_CLIENT, start, release);
    }
  }

  /** A datagram to or from `c` is on the network from `from` to `to`; `log`: its record's, or null. */
  network(c: Handshaking, log: RecordLog | null, from: Ps, to: Ps): void {
    if (!c.connected) this.logHs(c, COMP_NET, from, to);
    if (log !== null) log.push(COMP_NET, from, to);
  }

  // ---- records

  onRecordStage(log: RecordLog, stage: Stage, from: Ps, serviceFrom: Ps, to: Ps): void {
    const base = COMP_STAGE0 + 2 * STAGE_INDEX[stage];
    if (serviceFrom > from) log.push(base, from, serviceFrom);
    log.push(base + 1, serviceFrom, to);
  }

  /** A record handed over at `sent` reached the client application at `delivered`. A record without a log (held
   *  by the protocol and not traceable) is all `other`. */
  recordAtClient(log: RecordLog | null, sent: Ps, delivered: Ps): void {
    if (this.acc.active) this.recIdlePs += attribute(log, sent, delivered, COMP_RANK, this.recCompPs, this.bounds);
  }

  /**
   * A record handed over at `sent` reached the server application at `now`, from a job that carried `log`: the
   * record's own path log, or, for a record the protocol held and a later job delivered, the log its own
   * datagram came with (onReceivedLog kept it).
   */
  recordAtServer(address: string, log: RecordLog | null, sent: Ps, now: Ps): void {
    if (!this.acc.active) return;
    const held = log === null ? this.heldLogs.get(address) : undefined;
    const own = log ?? (held !== undefined && held.length > 0 ? held.shift()! : null);
    if (held !== undefined && held.length === 0) this.heldLogs.delete(address);
    this.recIdlePs += attribute(own, sent, now, COMP_RANK, this.recCompPs, this.bounds);
    if (own !== null && own !== log) this.freeLog(own);
  }

  /** A data event of the current server job came with `log` (it produced the record the log traced). */
  dataEvent(log: RecordLog | null): void {
    if (log !== null) this.logUsed = true;
  }

  onReceivedLog(address: string, log: RecordLog, mayBeHeld: boolean): void {
    const used = this.logUsed;
    this.logUsed = false;
    // A record that produced no event either was dropped (replayed, too old, unknown epoch) or, if its
    // connection was still handshaking, may be early data the protocol holds (at most EARLY_DATA_RECORDS) until
    // the client's Finished; a later job of this address delivers it, and gets this log back (oldest first: held
    // records are delivered in arrival order).
    let held = this.heldLogs.get(address);
    if (used || !mayBeHeld || (held !== undefined && held.length >= EARLY_DATA_RECORDS)) {
      this.freeLog(log);
      return;
    }
    if (held === undefined) this.heldLogs.set(address, (held = []));
    held.push(log);
  }

  /** The server connection of `address` closed: logs of records it held go back to the pool. */
  connectionClosed(address: string): void {
    const held = this.heldLogs.get(address);
    if (held === undefined) return;
    for (const l of held) this.freeLog(l);
    this.heldLogs.delete(address);
  }

  /** Writes the attributed totals into the accounts (end of the run). */
  fill(acc: Accounts): void {
    const hs = this.hsCompPs;
    const rec = this.recCompPs;
    acc.clientHsPs = hs[COMP_CLIENT]!;
    acc.networkHsPs = hs[COMP_NET]!;
    acc.timerHsPs = this.hsTimerPs;
    acc.clientRecPs = rec[COMP_CLIENT]!;
    acc.clientRecWaitPs = rec[COMP_CLIENT_WAIT]!;
    acc.networkRecPs = rec[COMP_NET]!;
    acc.idleRecPs = this.recIdlePs;
    for (let i = 0; i < STAGES.length; i++) {
      const w = hs[COMP_STAGE0 + 2 * i]!;
      const sv = hs[COMP_STAGE0 + 2 * i + 1]!;
      if (w > 0 || sv > 0) acc.stages.handshake.set(STAGES[i]!, { waitPs: w, servicePs: sv });
      const rw = rec[COMP_STAGE0 + 2 * i]!;
      const rs = rec[COMP_STAGE0 + 2 * i + 1]!;
      if (rw > 0 || rs > 0) acc.stages.data.set(STAGES[i]!, { waitPs: rw, servicePs: rs });
    }
  }
}
