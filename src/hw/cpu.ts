// Host CPU: protocol processing (per handshake message, per record), the host side of every accelerator
// invocation (descriptor + doorbell + completion), and software crypto for every operation whose accelerator
// block is absent or has 0 instances. A kernel Resource with capacity = cores.
//
// Software crypto cycles (cpu.software):
//   aead-seal/open:  aead_setup_cycles + (P + A) x aead_cycles_per_byte[alg]     (P payload, A additional data)
//   sn-mask:         sn_mask_cycles
//   hash family:     hash_op_cycles + blocks x cycles_per_compression[alg]       (every call pays the call cost)
//   asymmetric:      pke_cycles[op] (ML-KEM: kem_cycles[op])
//
// Socket work (cpu.cycles_per_datagram, a real server's socket): each datagram received or sent; a datagram that
// reaches an idle CPU (idle before this instant: work released now and followed at once is the same event-loop
// turn) also pays cycles_per_wakeup, the cost of the event loop waking up; a CPU counts as idle only once
// wakeup_linger_us has passed since its last work ended (the event loop finishing its turn before it blocks). With
// wakeup_refill_ms > 0 a wake-up after sleeping s costs cycles_per_wakeup x (1 - exp(-s / wakeup_refill_ms)).
// Off-path work (the server's threads other than its event loop): each wake-up books offpath_cycles_per_wakeup into
// a backlog (with offpath_refill_ms > 0, x (1 - exp(-s / offpath_refill_ms)) after sleeping s). The backlog is done while no core is busy (from the end of the last work on, at one core's speed) and
// counts in busy time and utilisation; what is left of it when a datagram reaches the CPU awake (no wake-up: busy,
// queued or lingering) is done as core work just before that datagram's (op `offpath`): a main thread that never
// sleeps leaves the helper threads no idle time, so they take the core from it. A saturated CPU therefore does all
// of it; a lightly loaded one in its idle time.
//
// Irregular service (a managed-runtime server, models/host.yaml; both off by default). Each changes when the work
// is done, never the cycles booked, the counters or the energy:
//   gc_pause_cycles every gc_every_cycles: every charge takes (1 - pause / every) of its time, and the charge
//     during which the work done since the last pause reaches gc_every_cycles takes the pause too (op `gc`);
//   service_cv: each datagram charge (the start of an event-loop turn: a job's socket work comes first) draws a
//     factor from a lognormal of mean 1 and this coefficient of variation, and that charge and every charge after
//     it, until the next datagram charge, take their time x the factor.
//   speed_schedule: from each entry's instant on, every charge issued takes its time x the entry's factor (a host
//     that runs slower for a while); off-path work is not scaled.
import { Clock, HZ_PER_GHZ, PS_PER_MS, PS_PER_S, RngStream, fnv1a64, fromUs, type Kernel, type Ps } from '../sim/index.ts';
import type { Discipline } from '../sim/index.ts';
import { aeadPayloadBytes, classifyAead } from './aead.ts';
import { BlockBase } from './block.ts';
import { classifyHash, estimateHashBlocks } from './hash.ts';
import type { CpuParams } from './params.ts';
import { classifyPke, isKemOp } from './pke.ts';
import type { Done, HwBlockStats, HwCryptoOp } from './types.ts';

/** Default AAD for software AEAD when the op does not say (DTLS 1.3 unified header). */
export const DEFAULT_AAD_BYTES = 5;

/** Cycles of one crypto operation done in software on one core. Throws RangeError for an unknown asymmetric alg. */
export function softwareCycles(p: CpuParams, op: HwCryptoOp, defaultAad = DEFAULT_AAD_BYTES): number {
  const s = p.software;
  switch (op.op) {
    case 'aead-seal':
    case 'aead-open':
      return Math.ceil(s.aead_setup_cycles + (aeadPayloadBytes(op) + (op.aadBytes ?? defaultAad)) * s.aead_cycles_per_byte[classifyAead(op.alg)]);
    case 'sn-mask':
      return Math.ceil(s.sn_mask_cycles);
    case 'hash':
    case 'hmac':
    case 'hkdf-extract':
    case 'hkdf-expand':
      return Math.ceil(s.hash_op_cycles + estimateHashBlocks(op) * s.cycles_per_compression[classifyHash(op.alg)]);
    case 'kx-keygen':
    case 'kx-derive':
    case 'kem-keygen':
    case 'kem-encaps':
    case 'kem-decaps':
    case 'sign':
    case 'verify': {
      const which = classifyPke(op);
      if (which === undefined) throw new RangeError(`cpu: unsupported asymmetric operation ${op.op} ${op.alg}`);
      return Math.ceil(isKemOp(which) ? s.kem_cycles[which] : s.pke_cycles[which]);
    }
  }
}

/** `handshake-record`: a record processed while its connection is handshaking (ClientHello, flights, ACKs):
 *  `cycles_per_record` like any record, but its energy counts toward the handshake, not per-GB record work. */
export type ProtocolKind = 'handshake-message' | 'handshake-record' | 'record' | 'datagram';

export class HostCpu extends BlockBase {
  readonly params: CpuParams;
  readonly clock: Clock;
  private readonly msgPs: Ps;
  private readonly recPs: Ps;
  private readonly invPs: Ps;
  private readonly dgPs: Ps;
  private readonly wakePs: Ps;
  private readonly lingerPs: Ps;
  /** Time the last piece of work finished (tracked with wake-ups or off-path work); -infinity: none yet, asleep. */
  private lastEnd: Ps = Number.NEGATIVE_INFINITY;
  /** Off-path work (offpath_cycles_per_wakeup): per wake-up, booked and not yet done, done in the window (ps), and
   *  the instant up to which the idle time has been used for it. */
  private readonly offPs: Ps;
  /** The end of each piece of work is tracked (wake-ups or off-path work modelled). */
  private readonly trackEnd: boolean;
  private offBacklogPs = 0;
  private offDonePs = 0;
  private offFrom: Ps = 0;
  private readonly endFn = (waitPs: Ps, startPs: Ps, done: Done | null): void => {
    this.lastEnd = this.k.now;
    if (done !== null) done(waitPs, startPs);
  };
  private readonly pjPerCycle: number;
  /** Garbage-collection pauses (0: none): the pause, the work between pauses, the share of each charge's time left
   *  after taking the pauses out, and the work done since the last pause, all ps. */
  private readonly gcPausePs: Ps;
  private readonly gcEveryPs: Ps;
  private readonly gcScale: number;
  private gcDonePs = 0;
  /** Turn-to-turn variation (service_cv; 0: none): lognormal parameters, the stream, and the current turn's factor. */
  private readonly cvSigma: number;
  private readonly cvRng: RngStream | undefined;
  private turnFactor = 1;
  /** The host's speed over time (speed_schedule): entry instants (ps) and factors, and the next entry to reach. */
  private readonly speedAt: Ps[];
  private readonly speedFactor: number[];
  private speedNext = 0;
  private speed = 1;
  private readonly plain: boolean;
  /** Protocol-processing dynamic energy in the window, pJ (part of energyPj). */
  protocolPj = { handshake_message: 0, handshake_record: 0, record: 0 };
  /** Cycles spent by category in the window. */
  private cycles = { protocol: 0, invocation: 0, crypto: 0, offpath: 0 };
  readonly defaultAad: number;

  /** `opts.rng`: the stream service_cv draws from (the run's; default a fixed stream named 'cpu/service'). */
  constructor(k: Kernel, p: CpuParams, opts: { name?: string; defaultAad?: number | undefined; discipline?: Discipline; rng?: RngStream } = {}) {
    const clockHz = Math.max(1, Math.round(p.clock_ghz * HZ_PER_GHZ));
    super(k, { name: opts.name ?? 'cpu', kind: 'cpu', instances: p.cores, clockHz, areaMm2: p.cost.area_mm2, staticMw: p.cost.static_mw, resource: { discipline: opts.discipline ?? 'fifo' } });
    this.params = p;
    this.clock = new Clock(clockHz);
    this.msgPs = this.clock.cyclesToPs(Math.ceil(p.cycles_per_handshake_message));
    this.recPs = this.clock.cyclesToPs(Math.ceil(p.cycles_per_record));
    this.invPs = this.clock.cyclesToPs(Math.ceil(p.invocation_cycles));
    this.dgPs = this.clock.cyclesToPs(Math.ceil(p.cycles_per_datagram));
    this.wakePs = this.clock.cyclesToPs(Math.ceil(p.cycles_per_wakeup));
    this.lingerPs = fromUs(p.wakeup_linger_us);
    this.offPs = this.clock.cyclesToPs(Math.ceil(p.offpath_cycles_per_wakeup));
    this.trackEnd = this.wakePs > 0 || this.offPs > 0;
    this.pjPerCycle = p.cost.energy_pj_per_cycle;
    this.defaultAad = opts.defaultAad ?? DEFAULT_AAD_BYTES;
    const gcOn = p.gc_pause_cycles > 0 && p.gc_every_cycles > 0;
    this.gcPausePs = gcOn ? this.clock.cyclesToPs(Math.ceil(p.gc_pause_cycles)) : 0;
    this.gcEveryPs = gcOn ? this.clock.cyclesToPs(Math.ceil(p.gc_every_cycles)) : 0;
    this.gcScale = gcOn ? 1 - this.gcPausePs / this.gcEveryPs : 1;
    this.cvSigma = Math.sqrt(Math.log(1 + p.service_cv * p.service_cv));
    this.cvRng = p.service_cv > 0 ? (opts.rng ?? new RngStream(fnv1a64('cpu/service'), 'cpu/service')) : undefined;
    this.speedAt = p.speed_schedule.map(([ms]) => Math.round(ms * PS_PER_MS));
    this.speedFactor = p.speed_schedule.map(([, f]) => f);
    this.plain = this.gcEveryPs === 0 && this.cvRng === undefined && this.speedAt.length === 0;
  }

  /** Protocol processing of one handshake message or one record (crypto excluded). */
  protocol(kind: ProtocolKind, done: Done | null, priority = 0): boolean {
    this.count(kind);
    if (kind === 'datagram') {
      // Socket cost of one datagram; booked as record work (a datagram is framing, whatever it carries).
      if (this.cvRng !== undefined) this.turnFactor = this.cvRng.lognormal(-(this.cvSigma * this.cvSigma) / 2, this.cvSigma);
      let c = this.params.cycles_per_datagram;
      let ps = this.dgPs;
      // a wake-up exists when either part of it costs something: an off-path cost alone still books per wake-up
      // (until 2026-12-07 an on-path cost of 0 turned the off-path work off too)
      const wakes = (this.wakePs > 0 || this.offPs > 0) && this.idleBeforeNow();
      if (!wakes && this.offBacklogPs > 0) this.forceOffpath(priority);
      if (wakes) {
        this.count('wakeup');
        const w = this.refilled(this.params.cycles_per_wakeup, this.params.wakeup_refill_ms);
        c += w;
        ps += w === this.params.cycles_per_wakeup ? this.wakePs : this.clock.cyclesToPs(w);
        if (this.offPs > 0) {
          // the idle time before this datagram serves what earlier wake-ups booked; this one's is done after its turn
          this.settleOffpath();
          const o = this.refilled(this.params.offpath_cycles_per_wakeup, this.params.offpath_refill_ms);
          this.offBacklogPs += o === this.params.offpath_cycles_per_wakeup ? this.offPs : this.clock.cyclesToPs(o);
          this.cycles.offpath += o;
          this.energyPj += o * this.pjPerCycle;
        }
      }
      this.cycles.protocol += c;
      this.protocolPj.record += c * this.pjPerCycle;
      this.energyPj += c * this.pjPerCycle;
      return this.use(ps, done, priority);
    }
    if (kind !== 'handshake-message') {
      const c = this.params.cycles_per_record;
      this.cycles.protocol += c;
      if (kind === 'record') this.protocolPj.record += c * this.pjPerCycle;
      else this.protocolPj.handshake_record += c * this.pjPerCycle;
      this.energyPj += c * this.pjPerCycle;
      return this.use(this.recPs, done, priority);
    }
    const c = this.params.cycles_per_handshake_message;
    this.cycles.protocol += c;
    this.protocolPj.handshake_message += c * this.pjPerCycle;
    this.energyPj += c * this.pjPerCycle;
    return this.use(this.msgPs, done, priority);
  }

  /** Host side of one accelerator invocation (descriptor, doorbell, completion handling). Returns the energy, pJ. */
  invoke(done: Done | null, priority = 0): number {
    const c = this.params.invocation_cycles;
    this.count('invoke');
    this.cycles.invocation += c;
    const pj = c * this.pjPerCycle;
    this.energyPj += pj;
    this.use(this.invPs, done, priority);
    return pj;
  }

  /** A crypto operation in software. Returns the dynamic energy charged, pJ. */
  software(op: HwCryptoOp, done: Done | null, priority = 0): number {
    const c = softwareCycles(this.params, op, this.defaultAad);
    this.count(op.op);
    this.cycles.crypto += c;
    if (op.op === 'aead-seal' || op.op === 'aead-open') this.bytes += aeadPayloadBytes(op);
    const pj = c * this.pjPerCycle;
    this.energyPj += pj;
    this.use(this.clock.cyclesToPs(c), done, priority);
    return pj;
  }

  /** Any other host work of `cycles` cycles, counted under `label`. */
  run(cycles: number, label: string, done: Done | null, priority = 0): boolean {
    const c = Math.ceil(cycles);
    this.count(label);
    this.cycles.protocol += c;
    this.energyPj += c * this.pjPerCycle;
    return this.use(this.clock.cyclesToPs(c), done, priority);
  }

  /** Does off-path work in the idle time from max(the last work's end, what was used before) to now, if no core is
   *  busy now (splitting an idle stretch at any instant gives the same total). */
  private settleOffpath(): void {
    const r = this.resource;
    if (r.inService > 0) return;
    const now = this.k.now;
    if (this.offBacklogPs === 0) {
      // nothing owed: the idle time up to now is spent, so work booked from now on (a wake-up's, done after its turn)
      // cannot be placed in it (until 2026-12-08 it was, before the wake-up and even before a statistics reset)
      this.offFrom = now;
      return;
    }
    const from = Math.max(this.offFrom, this.lastEnd);
    if (now <= from) return;
    const d = Math.min(this.offBacklogPs, now - from);
    this.offBacklogPs -= d;
    this.offDonePs += d;
    this.offFrom = now;
  }

  /** What the idle time up to now has not done of the backlog, done now as core work ahead of what follows. */
  private forceOffpath(priority: number): void {
    this.settleOffpath();
    const ps = this.offBacklogPs;
    if (ps === 0) return;
    this.offBacklogPs = 0;
    this.count('offpath');
    this.resource.use(ps, this.endFn, priority, null);
  }

  /** The resource, tracking the end of each piece of work when wake-ups or off-path work are modelled (no wrapper
   *  otherwise). */
  private use(nominal: Ps, done: Done | null, priority: number): boolean {
    if (this.offBacklogPs > 0) this.settleOffpath();
    const ps = this.plain ? nominal : this.shaped(nominal);
    if (!this.trackEnd) return this.resource.use(ps, done, priority);
    return this.resource.use(ps, this.endFn, priority, done);
  }

  /** The time a charge of `nominal` ps takes: x the turn's factor (service_cv), less the collections' share, plus
   *  the pauses whose work it completes (gc_*). */
  private shaped(nominal: Ps): Ps {
    let ps = this.cvRng === undefined ? nominal : Math.round(nominal * this.turnFactor);
    if (this.speedNext < this.speedAt.length || this.speed !== 1) {
      const now = this.k.now;
      while (this.speedNext < this.speedAt.length && this.speedAt[this.speedNext]! <= now) this.speed = this.speedFactor[this.speedNext++]!;
      ps = Math.round(ps * this.speed);
    }
    if (this.gcEveryPs > 0) {
      ps = Math.round(ps * this.gcScale);
      this.gcDonePs += nominal;
      while (this.gcDonePs >= this.gcEveryPs) {
        this.gcDonePs -= this.gcEveryPs;
        ps += this.gcPausePs;
        this.count('gc');
      }
    }
    return ps;
  }

  /** `full` cycles of a wake-up now, or their share for the time slept, 1 - exp(-slept / tau) (tau 0, or a CPU that
   *  never worked: all of them). wakeup_refill_ms prices the wake-up, offpath_refill_ms its off-path work. */
  private refilled(full: number, tau: number): number {
    if (tau <= 0 || this.lastEnd === Number.NEGATIVE_INFINITY) return full;
    const sleptMs = (this.k.now - this.lastEnd) / PS_PER_MS;
    return Math.ceil(full * (1 - Math.exp(-sleptMs / tau)));
  }

  /** A free core, nothing queued, and no work finished at this very instant nor within the linger before it. */
  private idleBeforeNow(): boolean {
    const r = this.resource;
    return r.inService < r.capacity && r.queueLength === 0 && this.lastEnd + this.lingerPs < this.k.now;
  }

  override resetStats(): void {
    this.settleOffpath();
    // off-path work still owed is done after the reset, never in the idle time before it (outside the window)
    this.offFrom = Math.max(this.offFrom, this.k.now);
    super.resetStats();
    this.protocolPj = { handshake_message: 0, handshake_record: 0, record: 0 };
    this.cycles = { protocol: 0, invocation: 0, crypto: 0, offpath: 0 };
    this.offDonePs = 0;
  }

  /** Busy time and utilisation include the off-path work done so far (offpath_cycles_per_wakeup). */
  override stats(now: Ps = this.k.now): HwBlockStats {
    const s = super.stats(now);
    if (this.offPs === 0) return s;
    this.settleOffpath();
    const w = this.windowPs(now);
    const extra = this.offDonePs / PS_PER_S;
    return { ...s, busy_s: s.busy_s + extra, utilization: w > 0 ? s.utilization + this.offDonePs / (w * this.instances) : s.utilization };
  }

  protected override counters(): Record<string, number> {
    const c: Record<string, number> = { protocol_cycles: this.cycles.protocol, invocation_cycles: this.cycles.invocation, crypto_cycles: this.cycles.crypto };
    if (this.offPs > 0) c.offpath_cycles = this.cycles.offpath;
    return c;
  }
}
