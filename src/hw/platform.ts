// Platform: every hardware block of one model instantiated on a Kernel, plus routing of crypto operations.
//
//   const hw = new Platform(kernel, model);          // model: a validated ModelConfig (structurally an HwModel)
//   hw.route(op)                                     // 'aead' | 'hash' | 'pke' | 'cpu'
//   hw.serve(op, (waitPs, startPs) => ...)           // charges the op where it is routed
//   hw.serve(op, done, prio, true, 'handshake')      // ... and books its energy as handshake work
//   hw.protocol('record', done); hw.port.transmit(bytes, done); hw.dma.transfer(bytes, 'to-engine', done);
//   hw.contextCache?.access(connId, done);
//   hw.stats(); hw.cost(); hw.resetStats()           // statistics window, e.g. after warm-up
//
// Routing: aead-seal/aead-open/sn-mask -> the AEAD engine, hash/hmac/hkdf-* -> the HKDF/SHA unit,
// kx-keygen/kx-derive/kem-*/sign/verify -> the public-key engine (kem-* -> the lattice unit instead when
// pke.kem.unit is 'separate'; its route is still 'pke', its statistics and cost the block 'lattice'); a block that is absent or has 0 instances sends its
// ops to the host CPU at software rates. An accelerated op first costs the host `invocation_cycles` on one core
// (descriptor + doorbell + completion), then the block's own time; hash-family ops that complete no compression
// (transcript updates buffered by the host) cost nothing.
import { PS_PER_S, type Kernel, type Ps, type RngStream } from '../sim/index.ts';
import { AeadEngine } from './aead.ts';
import type { BlockBase } from './block.ts';
import { ContextCache } from './context-cache.ts';
import { HostCpu, softwareCycles, type ProtocolKind } from './cpu.ts';
import { RecordDma } from './dma.ts';
import { estimateHashBlocks, HashUnit } from './hash.ts';
import type { HwModel } from './params.ts';
import { classifyPke, PkEngine } from './pke.ts';
import { NetworkPort } from './port.ts';
import { HW_OP_KINDS, type CostReport, type Done, type HwBlockStats, type HwCryptoOp, type HwOpKind } from './types.ts';

export type Route = 'aead' | 'hash' | 'pke' | 'cpu';
/** Which work an operation's energy is booked to: a connection still handshaking, or one past its handshake. */
export type EnergyPhase = 'handshake' | 'data';

function blockOf(op: HwOpKind): 'aead' | 'hash' | 'pke' {
  switch (op) {
    case 'aead-seal':
    case 'aead-open':
    case 'sn-mask':
      return 'aead';
    case 'hash':
    case 'hmac':
    case 'hkdf-extract':
    case 'hkdf-expand':
      return 'hash';
    case 'kx-keygen':
    case 'kx-derive':
    case 'kem-keygen':
    case 'kem-encaps':
    case 'kem-decaps':
    case 'sign':
    case 'verify':
      return 'pke';
  }
}

function zeroByOp(): Record<HwOpKind, number> {
  const o = {} as Record<HwOpKind, number>;
  for (const k of HW_OP_KINDS) o[k] = 0;
  return o;
}

export class Platform {
  readonly kernel: Kernel;
  readonly model: HwModel;
  readonly port: NetworkPort;
  readonly dma: RecordDma;
  readonly cpu: HostCpu;
  readonly aead: AeadEngine | undefined;
  readonly hash: HashUnit | undefined;
  readonly pke: PkEngine | undefined;
  /** ML-KEM's own unit (pke.kem.unit 'separate'), else undefined (ML-KEM on `pke`). */
  readonly lattice: PkEngine | undefined;
  readonly contextCache: ContextCache | undefined;
  /** Dynamic energy by op kind in the window, pJ (block energy + invocation energy). */
  private energyByOpPj: Record<HwOpKind, number> = zeroByOp();
  /** energyByOpPj split by the phase it was booked to, pJ. */
  private handshakePj = 0;
  private dataPj = 0;
  private readonly invoke: boolean;
  /**
   * Tracing (off: null): called when the host invocation of an accelerated op is done, with the op's completion
   * callback (the `done` given to `serve`) and the invocation's service start; the op then queues for its block
   * at the current time. Books nothing.
   */
  onInvoked: ((done: Done | null, startPs: Ps) => void) | null = null;
  private readonly jobs: InvokeJob[] = [];
  private readonly groups: GroupJob[] = [];

  /**
   * `opts.priorities`: the CPU and the crypto blocks serve waiting requests by the `priority` argument (lower
   * first, FIFO among equals) instead of plain FIFO. Off by default (the FIFO queue is cheaper). `opts.rng`: the
   * stream the CPU's turn-to-turn variation draws from (cpu.service_cv; the run's seed).
   */
  constructor(kernel: Kernel, model: HwModel, opts: { priorities?: boolean; rng?: RngStream } = {}) {
    this.kernel = kernel;
    this.model = model;
    const d = opts.priorities ? 'priority' : 'fifo';
    this.port = new NetworkPort(kernel, model.port);
    this.dma = new RecordDma(kernel, model.dma);
    this.aead = model.aead && model.aead.instances > 0 ? new AeadEngine(kernel, model.aead, 'aead', d) : undefined;
    this.hash = model.hash && model.hash.instances > 0 ? new HashUnit(kernel, model.hash, 'hash', d) : undefined;
    this.pke = model.pke && model.pke.instances > 0 ? new PkEngine(kernel, model.pke, 'pke', d) : undefined;
    this.lattice = this.pke && model.pke!.kem.unit === 'separate' ? new PkEngine(kernel, model.pke!, 'lattice', d, model.pke!.kem.instances) : undefined;
    this.cpu = new HostCpu(kernel, model.cpu, { defaultAad: model.aead?.aad_bytes, discipline: d, ...(opts.rng ? { rng: opts.rng } : {}) });
    this.contextCache = model.context_cache && this.aead ? new ContextCache(kernel, model.context_cache, this.dma) : undefined;
    this.invoke = model.cpu.invocation_cycles > 0;
  }

  /** Where `op` is served. */
  route(op: HwCryptoOp): Route {
    const b = blockOf(op.op);
    if (b === 'aead') return this.aead ? 'aead' : 'cpu';
    if (b === 'hash') return this.hash ? 'hash' : 'cpu';
    return this.pke ? 'pke' : 'cpu';
  }

  /**
   * Charges `op` to the block it is routed to (plus the host invocation cost for accelerator blocks) and calls
   * done(waitPs, startPs) when it completes; waitPs sums all queueing. Returns the route taken.
   * `phase` books the op's energy to handshake or data work (CostReport.handshake_phase_j); without it, AEAD
   * seal/open and record-number masks count as data work and every other kind as handshake work.
   */
  serve(op: HwCryptoOp, done: Done | null, priority = 0, invoke = true, phase?: EnergyPhase): Route {
    const route = this.route(op);
    const hs = phase === undefined ? blockOf(op.op) !== 'aead' : phase === 'handshake';
    if (route === 'cpu') {
      this.book(op, this.cpu.software(op, done, priority), hs);
      return route;
    }
    const block = route === 'aead' ? this.aead! : route === 'hash' ? this.hash! : this.pkeFor(op);
    if (route === 'hash' && estimateHashBlocks(op) === 0) {
      block.serve(op, done, priority);
      return route;
    }
    const before = block.energyPj;
    if (!this.invoke || !invoke) {
      block.serve(op, done, priority);
      this.book(op, block.energyPj - before, hs);
      return route;
    }
    const job = this.jobs.pop() ?? new InvokeJob(this);
    job.op = op;
    job.done = done;
    job.block = block;
    job.priority = priority;
    job.hs = hs;
    this.book(op, this.cpu.invoke(job.afterInvoke, priority), hs);
    return route;
  }

  private book(op: HwCryptoOp, pj: number, handshake: boolean): void {
    this.energyByOpPj[op.op] += pj;
    if (handshake) this.handshakePj += pj;
    else this.dataPj += pj;
  }

  /** True if `op` would cost a host invocation when served alone (accelerator route, not a 0-block hash). */
  needsInvocation(op: HwCryptoOp): boolean {
    const r = this.route(op);
    return this.invoke && r !== 'cpu' && !(r === 'hash' && estimateHashBlocks(op) === 0);
  }

  /**
   * Serves `ops` one after the other (data dependencies, e.g. seal then the record-number mask over the
   * ciphertext) under ONE host invocation (one descriptor), paid once up front if any op goes to an accelerator
   * block. done(total wait, start of the last op) after the last op. The invocation energy is split equally over
   * the ops' kinds. `ops` must not be modified until done. An empty group completes at the current time.
   * `phase` as for `serve`.
   */
  serveGroup(ops: readonly HwCryptoOp[], done: Done | null, priority = 0, phase?: EnergyPhase): void {
    const job = this.groups.pop() ?? new GroupJob(this);
    job.ops = ops;
    job.phase = phase;
    job.i = 0;
    job.wait = 0;
    job.done = done;
    job.priority = priority;
    let inv = false;
    for (let i = 0; i < ops.length; i++) if (this.needsInvocation(ops[i]!)) inv = true;
    if (ops.length === 0) {
      this.kernel.after(0, () => job.afterStep(0, this.kernel.now));
      return;
    }
    if (!inv) {
      job.afterStep(0, this.kernel.now);
      return;
    }
    const pj = this.cpu.invoke(job.afterStep, priority) / ops.length;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      this.book(op, pj, phase === undefined ? blockOf(op.op) !== 'aead' : phase === 'handshake');
    }
  }

  /** @internal */
  _groupStep(job: GroupJob, waitPs: Ps, startPs: Ps): void {
    job.wait += waitPs;
    const ops = job.ops!;
    if (job.i >= ops.length) {
      const done = job.done;
      const w = job.wait;
      job.ops = undefined;
      job.done = null;
      this.groups.push(job);
      if (done !== null) done(w, startPs);
      return;
    }
    const op = ops[job.i++]!;
    this.serve(op, job.afterStep, job.priority, false, job.phase);
  }

  /** @internal pooled continuation of an accelerated op after its host invocation (no per-op closure). */
  _afterInvoke(job: InvokeJob, invokeWaitPs: Ps, invokeStartPs: Ps): void {
    if (this.onInvoked !== null) this.onInvoked(job.done, invokeStartPs);
    const block = job.block!;
    const op = job.op!;
    const e0 = block.energyPj;
    job.w1 = invokeWaitPs;
    block.serve(op, job.done === null ? null : job.afterBlock, job.priority);
    this.book(op, block.energyPj - e0, job.hs);
    if (job.done === null) this.release(job);
  }

  /** @internal */
  _afterBlock(job: InvokeJob, waitPs: Ps, startPs: Ps): void {
    const done = job.done!;
    const w = job.w1 + waitPs;
    this.release(job);
    done(w, startPs);
  }

  private release(job: InvokeJob): void {
    job.op = undefined;
    job.done = null;
    job.block = undefined;
    this.jobs.push(job);
  }

  /** Unloaded latency of `op` (no queueing), ps: invocation + block time, or the software time. */
  latencyPs(op: HwCryptoOp): Ps {
    const route = this.route(op);
    if (route === 'cpu') return this.cpu.clock.cyclesToPs(softwareCyclesOf(this.cpu, op));
    if (route === 'hash' && estimateHashBlocks(op) === 0) return 0;
    const inv = this.cpu.clock.cyclesToPs(Math.ceil(this.model.cpu.invocation_cycles));
    if (route === 'aead') return inv + this.aead!.latencyPs(op);
    if (route === 'hash') return inv + this.hash!.latencyPs(op);
    const which = classifyPkeOrThrow(op);
    return inv + this.pkeFor(op).latencyPs(which);
  }

  /** The engine serving a 'pke'-routed op: the lattice unit for ML-KEM if there is one. */
  private pkeFor(op: HwCryptoOp): PkEngine {
    return this.lattice && (op.op === 'kem-keygen' || op.op === 'kem-encaps' || op.op === 'kem-decaps') ? this.lattice : this.pke!;
  }

  /** Host protocol processing of one handshake message or record (crypto excluded). */
  protocol(kind: ProtocolKind, done: Done | null, priority = 0): boolean {
    return this.cpu.protocol(kind, done, priority);
  }

  /** All blocks with a Resource, in pipeline order. */
  blocks(): BlockBase[] {
    const b: BlockBase[] = [this.port.rx, this.dma.toEngine];
    if (this.contextCache) b.push(this.contextCache);
    if (this.aead) b.push(this.aead);
    if (this.hash) b.push(this.hash);
    if (this.pke) b.push(this.pke);
    if (this.lattice) b.push(this.lattice);
    b.push(this.cpu, this.dma.fromEngine, this.port.tx);
    return b;
  }

  /** Per-block statistics in pipeline order (port_rx, dma_to_engine, ctx_cache, aead, hash, pke, cpu, dma_from_engine, port_tx). */
  stats(now: Ps = this.kernel.now): HwBlockStats[] {
    const dma = this.dma.stats(now);
    return this.blocks().map((b) => (b === this.dma.toEngine ? dma[0]! : b === this.dma.fromEngine ? dma[1]! : b.stats(now)));
  }

  /** Area, static power and energy over the statistics window. */
  cost(now: Ps = this.kernel.now): CostReport {
    const blocks = this.blocks().map((b) => b.cost(now));
    let area = 0;
    let staticMw = 0;
    let dyn = 0;
    let stat = 0;
    for (const c of blocks) {
      area += c.area_mm2;
      staticMw += c.static_mw;
      dyn += c.dynamic_j;
      stat += c.static_j;
    }
    const window = this.cpu.windowPs(now) / PS_PER_S;
    const byOp = zeroByOp();
    for (const k of HW_OP_KINDS) byOp[k] = this.energyByOpPj[k] * 1e-12;
    return {
      area_mm2: area,
      static_mw: staticMw,
      dynamic_j: dyn,
      static_j: stat,
      energy_j: dyn + stat,
      avg_power_w: window > 0 ? (dyn + stat) / window : 0,
      window_s: window,
      energy_by_op_j: byOp,
      handshake_phase_j: this.handshakePj * 1e-12,
      data_phase_j: this.dataPj * 1e-12,
      protocol_j: {
        handshake_message: this.cpu.protocolPj.handshake_message * 1e-12,
        handshake_record: this.cpu.protocolPj.handshake_record * 1e-12,
        record: this.cpu.protocolPj.record * 1e-12,
      },
      blocks,
    };
  }

  /** Restart every block's statistics and energy at the current time (end of warm-up). */
  resetStats(): void {
    this.port.resetStats();
    this.dma.resetStats();
    this.contextCache?.resetStats();
    this.aead?.resetStats();
    this.hash?.resetStats();
    this.pke?.resetStats();
    this.lattice?.resetStats();
    this.cpu.resetStats();
    this.energyByOpPj = zeroByOp();
    this.handshakePj = 0;
    this.dataPj = 0;
  }
}

function softwareCyclesOf(cpu: HostCpu, op: HwCryptoOp): number {
  return softwareCycles(cpu.params, op, cpu.defaultAad);
}

function classifyPkeOrThrow(op: HwCryptoOp) {
  const w = classifyPke(op);
  if (w === undefined) throw new RangeError(`pke: unsupported operation ${op.op} ${op.alg}`);
  return w;
}

/**
 * Splits dynamic energy into handshake and record work by the phase each operation was booked to (`serve`'s
 * `phase`): handshake = crypto operations of connections still handshaking (key exchange, signatures, key
 * schedule, and the AEAD of their encrypted handshake records and ACKs) + per-message and per-record protocol
 * processing while handshaking; record = crypto operations of connections past their handshake (AEAD of
 * application data and ACKs, KeyUpdate key derivation) + their per-record protocol processing. Static energy is
 * not split.
 */
export function splitEnergy(c: CostReport): { handshake_j: number; record_j: number } {
  const handshake = c.handshake_phase_j + c.protocol_j.handshake_message + c.protocol_j.handshake_record;
  const record = c.data_phase_j + c.protocol_j.record;
  return { handshake_j: handshake, record_j: record };
}

type ServingBlock = { energyPj: number; serve(op: HwCryptoOp, done: Done | null, priority?: number): boolean };

/** Reusable state of one accelerated op between its invocation and its block service. */
class InvokeJob {
  op: HwCryptoOp | undefined = undefined;
  done: Done | null = null;
  block: ServingBlock | undefined = undefined;
  priority = 0;
  hs = false;
  w1 = 0;
  readonly afterInvoke: Done;
  readonly afterBlock: Done;
  constructor(p: Platform) {
    this.afterInvoke = (w, s) => p._afterInvoke(this, w, s);
    this.afterBlock = (w, s) => p._afterBlock(this, w, s);
  }
}

/** Reusable state of one serveGroup call. */
class GroupJob {
  ops: readonly HwCryptoOp[] | undefined = undefined;
  i = 0;
  wait = 0;
  done: Done | null = null;
  priority = 0;
  phase: EnergyPhase | undefined = undefined;
  readonly afterStep: Done;
  constructor(p: Platform) {
    this.afterStep = (w, s) => p._groupStep(this, w, s);
  }
}
