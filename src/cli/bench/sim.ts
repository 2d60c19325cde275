// `npm run bench -- sim [--json] [--scenario FILE] [--clients N] [--set path=value]... [--crypto node|noble]
//   [--replay|--no-replay] [--memory-scenario FILE] [--memory-clients N] [--awake] [--serial-udp] [--quiet]`
// `npm run bench -- sim --trace [--json] [--scenario FILE] [--clients N] [--crypto node|noble] [--trace-window A..B] [--reps N]`
// Runs a scenario (default scenarios/10k-clients.yaml) and reports:
// - wall_s, cpu_s: wall and CPU time of the DTLS co-simulation (forced GCs of the heap sampling taken out). The
//   plain-UDP baseline, run only when the scenario has baseline_udp, runs in a worker thread beside it on the other
//   core (src/cli/sim-worker.ts; --serial-udp: after it, in this thread, as before 2026-12-06) and is timed apart:
//   udp_baseline_wall_s; cpu_s leaves out that worker thread's CPU time (its share that fell in the co-simulation's
//   window, /proc/thread-self/schedstat). command_wall_s: the whole measurement, from the start of the co-simulation
//   to the end of the later of the two, heap sampling included;
// - peak_rss_bytes: process.resourceUsage().maxRSS right after the co-simulation (the process's first run);
// - crypto_alone_s: the same crypto operations (same kinds, algorithms and sizes, same counts) replayed alone
//   through the same provider in the same process, and ratio = wall_s / crypto_alone_s (target <= 1.5); by default
//   only for the default bench (10k-clients), --replay / --no-replay to choose;
// - bytes_per_connection: slope of the live heap (after a forced GC, one per 100 ms simulated: every 10th time-series tick at the
//   default interval; in-run, at most ~60 samples
//   and only while sampling stays under 4 % of the wall time) against the number of live connections (client + server endpoint of one client count as one
//   connection; target <= 16 KiB); heap_per_live_connection_at_peak: the live heap at the largest sampled live
//   count divided by it. With --scenario (and no --memory-scenario) both come from that scenario's own run; the
//   default bench takes them from a second run of scenarios/memory-per-connection.yaml (--memory-scenario,
//   --memory-clients, default 2000), whose connections outlive the arrival ramp so the live count varies enough
//   for a slope (10k-clients connections live ~21 ms);
// - events/s and the targets: for 10k-clients, wall <= 30 s on this 2-core machine, ratio <= 1.5, <= 16 KiB per
//   connection; for the 10^6-device iot-fleet (issue 14), the whole command <= 900 s, peak RSS <= 8 GiB and <= 4 KiB
//   of live heap per live connection (`targets.kind`).
// With --trace [--trace-window A..B] [--reps N]: the cost of the traces instead (src/cli/bench/sim-trace.ts: the
// scenario untraced and with every trace over the window, alternating); nothing else is measured.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  createProvider, type AeadAlg, type CryptoOp, type CryptoProvider, type HashAlg, type KxGroup, type SignatureScheme,
  packStoreBytes,
} from '../../dtls/index.ts';
import { AEAD_KEY_LENGTH, AEAD_TAG_LENGTHS, seededRandom } from '../../dtls/crypto/index.ts';
import { loadInput } from '../sim.ts';
import { createProgress } from '../progress.ts';
import { runCosim, runUdpBaseline } from '../../workload/index.ts';
import { runUdpInWorker, type UdpWorkerRun } from '../sim-worker.ts';
import { linearRegression } from 'simple-statistics';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function arg(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const HASHES: Record<string, HashAlg> = { 'SHA-256': 'SHA-256', 'SHA-384': 'SHA-384' };
const SCHEMES: Record<string, SignatureScheme> = { Ed25519: 'ed25519', ed25519: 'ed25519' };

/** Replays a tally of operations (key = op|alg|inputBytes|aadBytes) through `p`; returns seconds. */
function replay(p: CryptoProvider, tally: Map<string, number>): number {
  const bytes = (n: number) => new Uint8Array(n).fill(7);
  const prepared: (() => void)[] = [];
  const counts: number[] = [];
  for (const [key, count] of tally) {
    const [op, alg, inS, aadS] = key.split('|') as [CryptoOp['op'], string, string, string];
    const n = Number(inS);
    const aad = bytes(Number(aadS) || 0);
    const hashAlg = HASHES[alg.replace(/^(HMAC|HKDF)-/, '')] ?? 'SHA-256';
    let f: () => void;
    switch (op) {
      case 'aead-seal': {
        const k = p.aead(alg as AeadAlg, bytes(AEAD_KEY_LENGTH[alg as AeadAlg]));
        const pt = bytes(n);
        const nonce = bytes(12);
        f = () => void k.seal(nonce, aad, pt);
        break;
      }
      case 'aead-open': {
        const k = p.aead(alg as AeadAlg, bytes(AEAD_KEY_LENGTH[alg as AeadAlg]));
        const nonce = bytes(12);
        const ct = k.seal(nonce, aad, bytes(Math.max(0, n - AEAD_TAG_LENGTHS[alg as AeadAlg]))).slice();
        f = () => void k.open(nonce, aad, ct);
        break;
      }
      case 'sn-mask': {
        const aeadAlg: AeadAlg = alg === 'CHACHA20' ? 'CHACHA20-POLY1305' : alg === 'AES-256-ECB' ? 'AES-256-GCM' : 'AES-128-GCM';
        const m = p.snMasker(aeadAlg, bytes(aeadAlg === 'AES-128-GCM' ? 16 : 32));
        const sample = bytes(16);
        f = () => void m.mask(sample);
        break;
      }
      case 'hash': {
        const d = bytes(n);
        f = () => void p.hash(hashAlg, d);
        break;
      }
      case 'hmac': {
        const d = bytes(n);
        const key = bytes(32);
        f = () => void p.hmac(hashAlg, key, d);
        break;
      }
      case 'hkdf-extract': {
        const d = bytes(n);
        const salt = bytes(32);
        f = () => void p.hkdfExtract(hashAlg, salt, d);
        break;
      }
      case 'hkdf-expand': {
        const info = bytes(n);
        const prk = bytes(hashAlg === 'SHA-384' ? 48 : 32);
        f = () => void p.hkdfExpand(hashAlg, prk, info, hashAlg === 'SHA-384' ? 48 : 32);
        break;
      }
      case 'kx-keygen': {
        const g: KxGroup = alg === 'X25519' ? 'x25519' : 'secp256r1';
        f = () => void p.kxGenerate(g);
        break;
      }
      case 'kx-derive': {
        const g: KxGroup = alg === 'X25519' ? 'x25519' : 'secp256r1';
        const a = p.kxGenerate(g);
        const b = p.kxGenerate(g);
        f = () => void p.kxDerive(g, a.privateKey, b.publicKey);
        break;
      }
      case 'kem-keygen': {
        f = () => void p.kxGenerate('MLKEM768');
        break;
      }
      case 'kem-encaps': {
        const ek = p.kxGenerate('MLKEM768').publicKey;
        f = () => void p.kxEncapsulate('MLKEM768', ek);
        break;
      }
      case 'kem-decaps': {
        const kp = p.kxGenerate('MLKEM768');
        const ct = p.kxEncapsulate('MLKEM768', kp.publicKey)!.share;
        f = () => void p.kxDerive('MLKEM768', kp.privateKey, ct);
        break;
      }
      case 'sign':
      case 'verify': {
        const scheme: SignatureScheme = SCHEMES[alg] ?? 'ecdsa_secp256r1_sha256';
        const key = p.generateSigningKey(scheme === 'ed25519' ? 'ed25519' : 'p256');
        const pub = p.publicKeyOf(key);
        const msg = bytes(n);
        const sig = p.sign(scheme, key, msg);
        f = op === 'sign' ? () => void p.sign(scheme, key, msg) : () => void p.verify(scheme, pub, msg, sig);
        break;
      }
    }
    prepared.push(f);
    counts.push(count);
  }
  const t0 = performance.now();
  for (let i = 0; i < prepared.length; i++) {
    const f = prepared[i]!;
    for (let c = counts[i]!; c > 0; c--) f();
  }
  return (performance.now() - t0) / 1000;
}

/** The scenario and its model as `npm run sim` loads them, with `clients.count` and any `--set` overrides. */
function loadScenario(file: string, clients: string | undefined, set: string[] = []) {
  return loadInput(file, { set: [...(clients ? [`clients.count=${clients}`] : []), ...set] });
}

/** Every value of a repeatable option (`--set a=1 --set b=2`). */
function args(all: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < all.length - 1; i++) if (all[i] === name) out.push(all[i + 1]!);
  return out;
}

/** V8's heapUsed plus the dormant connections' packed-state slots (see HeapSampler). */
function heapBytes(): number {
  return process.memoryUsage().heapUsed + packStoreBytes();
}

/** Live-heap samples of one run: (live connections, heap after a forced GC - heap before the run), the heap being
 *  V8's heapUsed plus the chunks of the dormant connections' packed-state slots (src/dtls/record/pack-store.ts:
 *  ArrayBuffer memory, outside heapUsed; until 2026-12-07 that state was a string inside it). */
class HeapSampler {
  readonly samples: [number, number][] = [];
  /** Largest live count sampled and the heap at that sample. */
  live = 0;
  heapAtLive = 0;
  /** Wall and CPU seconds spent sampling (forced GCs), to take out of the run's figures. */
  wallS = 0;
  cpuS = 0;
  private ticks = 0;
  private readonly heap0: number;
  private readonly began = performance.now();

  /** Samples every `every`-th time-series tick; with `budget` < 1, only while sampling has taken at most that
   *  fraction of the wall time so far (a forced GC of a multi-GB heap takes seconds). */
  constructor(private readonly every: number, private readonly budget = 1) {
    gc();
    this.heap0 = heapBytes();
  }

  readonly onProgress = (_f: number, _t: number, liveConnections: number): void => {
    if (++this.ticks % this.every !== 0) return;
    // a live count within 1 % of the last sample's adds nothing to the slope (a fleet's plateau: one sample of it)
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && Math.abs(liveConnections - last[0]) <= 0.01 * Math.max(liveConnections, last[0])) return;
    const t0 = performance.now();
    if (this.wallS * 1000 > this.budget * (t0 - this.began)) return;
    const c0 = process.cpuUsage();
    gc();
    const heap = heapBytes() - this.heap0;
    this.samples.push([liveConnections, heap]);
    if (liveConnections >= this.live) {
      this.live = liveConnections;
      this.heapAtLive = heap;
    }
    const c = process.cpuUsage(c0);
    this.cpuS += (c.user + c.system) / 1e6;
    this.wallS += (performance.now() - t0) / 1000;
  };

  /** Slope of heap against live connections (bytes per connection), NaN under 3 samples. */
  slope(): number {
    return this.samples.length >= 3 ? linearRegression(this.samples).m : NaN;
  }
}

/** Time-series ticks between heap samples: one sample per 100 ms simulated (every 10th tick at the default 10 ms
 *  interval), every tick when the interval is 100 ms or more. */
function sampleEvery(sc: { sim: { timeseries_interval_ms: number } }): number {
  return Math.max(1, Math.round(100 / sc.sim.timeseries_interval_ms));
}

/**
 * Heap per live connection: runs `file` and regresses the live heap (after a forced GC, every 10th time-series
 * tick) on the number of live connections. Meaningful only when the live count varies widely over the run, which
 * is why the bench uses scenarios/memory-per-connection.yaml (connections outlive the arrival ramp) and not
 * 10k-clients (connections live ~21 ms: the live count stays flat and the slope is noise; docs/simulation.md).
 */
function heapPerConnection(file: string, clients: string | undefined, crypto: 'node' | 'noble') {
  const { scenario, model } = loadScenario(file, clients);
  const h = new HeapSampler(sampleEvery(scenario));
  runCosim({ scenario, model, seed: scenario.sim.seed, crypto, onProgress: h.onProgress });
  return { scenario: scenario.name ?? file, clients: scenario.clients.count, h };
}

/** What `npm run bench -- sim` measures (see the file header); `run` prints it. */
export async function measure(argv: string[]) {
  const file = arg(argv, '--scenario') ?? 'scenarios/10k-clients.yaml';
  const clients = arg(argv, '--clients');
  const set = args(argv, '--set');
  // heap per connection: from the given scenario's own run when --scenario is given (and no --memory-scenario),
  // else from a second run of the memory scenario (the default bench: 10k-clients connections are too short-lived)
  const inRun = arg(argv, '--scenario') !== undefined && arg(argv, '--memory-scenario') === undefined;
  const memFile = arg(argv, '--memory-scenario') ?? 'scenarios/memory-per-connection.yaml';
  const memClients = arg(argv, '--memory-clients') ?? '2000';
  const crypto = (arg(argv, '--crypto') ?? 'node') as 'node' | 'noble';
  const doReplay = argv.includes('--replay') || (!argv.includes('--no-replay') && arg(argv, '--scenario') === undefined);
  const { scenario, model } = loadScenario(file, clients, set);

  const tally = new Map<string, number>();
  const onCryptoOp = doReplay
    ? (op: CryptoOp) => {
      const key = `${op.op}|${op.alg}|${op.inputBytes}|${op.aadBytes ?? 0}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    : undefined;
  // in the scenario's own run: at most ~60 samples over the simulated time, and forced GCs kept under 4 % of the wall
  // time (each is a full GC of the whole heap: ~4.5 s at 10^6 connections; 10 % until 2026-12-05 gave 33 samples and
  // 147 s there, where a slope needs far fewer)
  const every = Math.max(sampleEvery(scenario), Math.ceil(scenario.sim.end_ms / scenario.sim.timeseries_interval_ms / 60));
  const sampler = inRun ? new HeapSampler(every, 0.04) : undefined;
  // the plain-UDP baseline reads nothing the co-simulation writes: on the other core, in a worker (--serial-udp: after)
  const serialUdp = argv.includes('--serial-udp');
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const udpRun: Promise<UdpWorkerRun> | undefined = scenario.baseline_udp && !serialUdp ? runUdpInWorker(scenario, model, scenario.sim.seed) : undefined;
  udpRun?.catch(() => {});
  // --awake: idle endpoints never sleep (src/workload/dormancy.ts), to measure what sleeping saves and costs
  const dormancy = argv.includes('--awake') ? (false as const) : 'auto' as const;
  // progress on stderr (a 10^6-device fleet runs for minutes); --quiet for none
  const progress = createProgress({ quiet: argv.includes('--quiet'), label: `bench ${scenario.name ?? file}` });
  const onProgress = (f: number, t: number, live: number): void => {
    sampler?.onProgress(f, t, live);
    progress.onProgress(f, t);
  };
  const r = runCosim({ scenario, model, seed: scenario.sim.seed, crypto, onCryptoOp, onProgress, dormancy });
  progress.finish(true);
  const t1 = performance.now();
  const wallAll = (t1 - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  const wall = wallAll - (sampler?.wallS ?? 0);
  const peakRss = process.resourceUsage().maxRSS * 1024; // KiB -> bytes; the process so far: this run is its first
  let udpWall: number | null = null;
  let udpCpuInWindow = 0;
  if (udpRun) {
    const u = await udpRun;
    udpWall = u.wallS;
    // the worker's CPU time, in proportion to the part of its life inside the co-simulation's window
    const life = u.endMs - u.startMs;
    const inside = Math.min(u.endMs, performance.timeOrigin + t1) - Math.max(u.startMs, performance.timeOrigin + t0);
    if (Number.isFinite(u.cpuS) && life > 0) udpCpuInWindow = u.cpuS * Math.max(0, Math.min(1, inside / life));
  } else if (scenario.baseline_udp) {
    const t2 = performance.now();
    runUdpBaseline(scenario, model, scenario.sim.seed);
    udpWall = (performance.now() - t2) / 1000;
  }
  const cpuS = (cpu.user + cpu.system) / 1e6 - (sampler?.cpuS ?? 0) - udpCpuInWindow;
  const commandWall = (performance.now() - t0) / 1000;
  const ops = [...tally.values()].reduce((a, b) => a + b, 0);
  const alone = doReplay ? replay(createProvider(crypto, seededRandom(1)), tally) : NaN;
  const mem = sampler
    ? { scenario: scenario.name ?? file, clients: scenario.clients.count, h: sampler }
    : heapPerConnection(memFile, memClients, crypto);
  const h = mem.h;
  return {
    scenario: scenario.name ?? file,
    clients: scenario.clients.count,
    overrides: set,
    crypto,
    wall_s: wall,
    cpu_s: cpuS,
    peak_rss_bytes: peakRss,
    heap_sampling_s: sampler ? sampler.wallS : 0,
    /** The whole measurement: the co-simulation, its heap sampling and the UDP baseline (not the crypto replay). */
    command_wall_s: commandWall,
    udp_baseline_wall_s: udpWall,
    /** Where the UDP baseline ran: 'worker' (beside the co-simulation), 'serial' (after it, --serial-udp), null (none). */
    udp_baseline_mode: udpRun ? ('worker' as const) : scenario.baseline_udp ? ('serial' as const) : null,
    crypto_ops: doReplay ? ops : null,
    crypto_alone_s: doReplay ? alone : null,
    ratio: doReplay ? wall / alone : null,
    events: r.events,
    events_per_s: r.events / wall,
    /** Over the whole run, warm-up included (iot-fleet connects every device during its warm-up); the summary's
     *  figure, after warm-up only, is handshakes_completed_after_warmup. */
    handshakes_completed: r.acc.handshakesCompletedAll,
    handshakes_completed_after_warmup: r.acc.handshakesCompleted,
    peak_connections: r.peakConnections,
    bytes_per_connection: Math.round(h.slope()),
    bytes_per_connection_method: 'slope' as const,
    /** Live heap at the largest sampled live count divided by that count (everything the run holds, per connection). */
    heap_per_live_connection_at_peak: h.live > 0 ? Math.round(h.heapAtLive / h.live) : null,
    memory_scenario: mem.scenario,
    memory_clients: mem.clients,
    memory_in_run: inRun,
    memory_samples: h.samples.length,
    connections_at_measurement: h.live,
    targets: targetsFor(scenario.name ?? file, scenario.clients.count),
  };
}

/** The bench's targets: the fleet's (issue 14) for iot-fleet at its full 10^6 devices, else the 10k-clients ones. */
export function targetsFor(name: string, clients: number) {
  return name === 'iot-fleet' && clients >= 1e6
    ? { kind: 'fleet' as const, command_wall_s: 900, peak_rss_bytes: 8 * 2 ** 30, heap_per_live_connection: 4096 }
    : { kind: 'sim' as const, wall_s: 30, ratio: 1.5, bytes_per_connection: 16384 };
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  if (opts.args.includes('--trace')) return (await import('./sim-trace.ts')).run({ ...opts, args: opts.args.filter((a) => a !== '--trace') });
  const result = await measure(opts.args);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  const f = (x: number | null, d = 2) => (x === null || Number.isNaN(x) ? '-' : x.toFixed(d));
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
  const wall = result.wall_s;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const t = result.targets;
  const fleet = t.kind === 'fleet' ? t : undefined;
  const sim = t.kind === 'sim' ? t : undefined;
  const target = (limit: number | undefined, x: number | null, unit = '') =>
    limit === undefined ? '' : `   (target <= ${limit}${unit}: ${x === null ? '-' : verdict(x <= limit)})`;
  const perLive = result.heap_per_live_connection_at_peak;
  process.stdout.write(
    [
      `sim bench: ${result.scenario}, ${result.clients} clients, crypto ${result.crypto}${result.overrides.length ? `, --set ${result.overrides.join(' ')}` : ''}`,
      `  wall time (DTLS co-simulation)  ${f(wall)} s${target(sim?.wall_s, wall, ' s')}   UDP baseline ${f(result.udp_baseline_wall_s)} s${result.udp_baseline_mode === 'worker' ? ' (beside it, in a worker)' : ''}${result.heap_sampling_s ? `   + heap sampling ${f(result.heap_sampling_s)} s` : ''}`,
      `  whole command (all three)       ${f(result.command_wall_s)} s${target(fleet?.command_wall_s, result.command_wall_s, ' s')}`,
      `  CPU time (co-simulation)        ${f(result.cpu_s)} s`,
      `  peak RSS (process so far)       ${gib(result.peak_rss_bytes)}${fleet ? `   (target <= ${gib(fleet.peak_rss_bytes)}: ${verdict(result.peak_rss_bytes <= fleet.peak_rss_bytes)})` : ''}`,
      `  same crypto ops alone           ${f(result.crypto_alone_s)} s   (${result.crypto_ops ?? '-'} operations)`,
      `  ratio wall / crypto alone       ${f(result.ratio)}${target(sim?.ratio, result.ratio)}`,
      `  kernel events                   ${result.events} (${f(result.events_per_s / 1e6)} M/s)`,
      `  heap per connection             ${result.bytes_per_connection} B${target(sim?.bytes_per_connection, result.bytes_per_connection)}`,
      `                                  slope over ${result.memory_samples} samples of ${result.memory_scenario}${result.memory_in_run ? ' (this run)' : ''}, ${result.memory_clients} clients, up to ${result.connections_at_measurement} live`,
      `  live heap / live connections    ${perLive ?? '-'} B at ${result.connections_at_measurement} live${target(fleet?.heap_per_live_connection, perLive)}`,
      '',
    ].join('\n'),
  );
}
