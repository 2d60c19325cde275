// The measured side of `npm run validate -- loopback` and of the server stage of `npm run calibrate`: the project's
// demo server pinned to one core, the loadtest generator pinned to the other, over loopback UDP. Everything is read
// from the kernel's accounting, so that a shared machine disturbs the figures as little as possible:
//   server CPU time     sum over the server's threads of /proc/PID/task/TID/schedstat field 1 (ns run on a CPU;
//                       the main thread and V8's helper threads: GC, compiler), the figure process.cpuUsage() reads
//                       at tick granularity
//   run-queue wait      schedstat field 2 (ns runnable but not running: other processes held the core)
//   wake-ups            voluntary_ctxt_switches of /proc/PID/status (the event loop blocked in epoll_wait and was
//                       woken by a datagram or a timer)
//   core share          the share of its core a process got against OTHER processes while it had work: CPU time /
//                       (CPU time + time taken from it by others). The server is pinned with all its threads, so
//                       its main thread also waits behind its own V8 helper threads (GC, compiler), whose CPU time
//                       is part of the server's cost (calibration counts it); taken by others = main-thread
//                       run-queue wait less the helpers' CPU time (at least 0: a lower bound, helpers may also run
//                       while the main thread sleeps). The all-threads figure CPU / (CPU + every thread's wait) is
//                       kept beside it (it was 0.76-0.85 on an idle machine: the helpers, not other processes).
//   priority            optional (root): the server and the generator each run in a session of their own (setsid)
//                       at nice -20 with their autogroup at nice -20 too: with sched_autogroup_enabled (this
//                       machine), CFS shares a core between sessions first and nice acts only within a session, so
//                       nice -20 alone left the server 40-53 % of its core beside 5 other jobs; or SCHED_FIFO
//                       (chrt -f 50; not the default: a node server pinned to one core with all its threads under
//                       FIFO spent 67 ms of CPU per handshake with no wake-ups, its threads spinning at the same RT
//                       priority). resolvePriority checks what the machine grants.
//   receive drops       Udp RcvbufErrors of /proc/net/snmp (machine-wide): datagrams dropped by the kernel because
//                       a socket's receive buffer was full (a saturated server's backlog beyond ~200 datagrams)
//   other processes     /proc/stat busy jiffies of the core (user, nice, system, irq, softirq, steal) less the
//                       pinned process's own CPU time: the load the rest of the machine put on that core
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadSummary } from '../loadtest/summary.ts';

export interface ServerHandle {
  port: number;
  pid: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

export interface RealServerOptions {
  root: string;
  crypto: 'node' | 'noble';
  cookie: boolean;
  serverCore: number;
  cert: string;
  key: string;
  /** Scheduling priority of the server (resolvePriority); default none. */
  priority?: Priority;
  /** The server writes its turns and garbage collections here when it stops (demo-server --turn-stats). */
  turnStats?: string;
  /** With turnStats: the host-speed probe's interval, ms (demo-server --speed-probe). */
  speedProbeMs?: number;
}

/** How the measured processes are scheduled: SCHED_FIFO priority 50 (chrt -f 50), nice -20, or as they come. */
export type Priority = 'fifo' | 'nice' | 'none';

/** Puts a process started in its own session (spawn detached) at autogroup nice -20 (priority 'nice'); false if
 *  refused (no autogroup, not root). */
export function raiseAutogroup(pid: number, p: Priority): boolean {
  if (p !== 'nice') return true;
  try {
    writeFileSync(`/proc/${pid}/autogroup`, '-20');
    return true;
  } catch {
    return false;
  }
}

/** The command prefix that runs a process at `p`. */
export function priorityPrefix(p: Priority): string[] {
  return p === 'fifo' ? ['chrt', '-f', '50'] : p === 'nice' ? ['nice', '-n', '-20'] : [];
}

/** The highest priority at most `wanted` that this machine grants (tried with `true`), and a warning when it is
 *  lower than asked (not root, or no chrt/nice). */
export function resolvePriority(wanted: Priority): { priority: Priority; warning?: string } {
  const order: Priority[] = wanted === 'fifo' ? ['fifo', 'nice'] : wanted === 'nice' ? ['nice'] : [];
  for (const p of order) {
    const [cmd, ...args] = priorityPrefix(p);
    // nice also needs the autogroup of a new session: setsid's child writes its own
    const probe = p === 'nice' ? ['setsid', cmd!, ...args, 'sh', '-c', 'echo -20 > /proc/self/autogroup'] : [cmd!, ...args, 'true'];
    const r = spawnSync(probe[0]!, probe.slice(1), { stdio: 'ignore' });
    if (r.status === 0) return p === wanted ? { priority: p } : { priority: p, warning: `priority ${wanted} refused here, using ${p}` };
  }
  return wanted === 'none' ? { priority: 'none' } : { priority: 'none', warning: `priority ${wanted} refused here (needs root): the server and the generator share their cores with other processes` };
}

/** Kernel counters of one process. */
export interface ProcCounters {
  /** CPU time of all threads, s. */
  cpuS: number;
  /** Time runnable but waiting for a CPU, all threads, s. */
  waitS: number;
  /** Voluntary context switches (blocking waits) of the main thread. */
  wakeups: number;
  /** Run-queue wait of the main thread alone, and CPU time of the other threads (V8's helpers), s. */
  mainWaitS: number;
  helperCpuS: number;
}

/** Parses a schedstat line: run ns, wait ns, timeslices. */
export function parseSchedstat(line: string): { runNs: number; waitNs: number } {
  const [run, wait] = line.trim().split(/\s+/).map(Number);
  return { runNs: run ?? 0, waitNs: wait ?? 0 };
}

/** voluntary_ctxt_switches of a /proc/PID/status text. */
export function parseVoluntarySwitches(status: string): number {
  const m = /^voluntary_ctxt_switches:\s*(\d+)/m.exec(status);
  return m ? Number(m[1]) : 0;
}

export function procCounters(pid: number): ProcCounters {
  let run = 0;
  let wait = 0;
  let mainWait = 0;
  let helperRun = 0;
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = parseSchedstat(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8'));
      run += s.runNs;
      wait += s.waitNs;
      if (t === String(pid)) mainWait += s.waitNs;
      else helperRun += s.runNs;
    } catch {
      // a thread that ended between the listing and the read
    }
  }
  return {
    cpuS: run / 1e9, waitS: wait / 1e9, wakeups: parseVoluntarySwitches(readFileSync(`/proc/${pid}/status`, 'utf8')),
    mainWaitS: mainWait / 1e9, helperCpuS: helperRun / 1e9,
  };
}

/** Busy seconds of each core so far (/proc/stat cpuN: user nice system idle iowait irq softirq steal ...). */
export function parseCoreBusy(stat: string, ticksPerS = 100): number[] {
  const out: number[] = [];
  for (const line of stat.split('\n')) {
    const m = /^cpu(\d+)\s+(.*)$/.exec(line);
    if (!m) continue;
    const f = m[2]!.trim().split(/\s+/).map(Number);
    const busy = (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0) + (f[7] ?? 0);
    out[Number(m[1])] = busy / ticksPerS;
  }
  return out;
}

export const coreBusy = (): number[] => parseCoreBusy(readFileSync('/proc/stat', 'utf8'));

/** Udp RcvbufErrors of /proc/net/snmp: datagrams the kernel dropped because a socket's receive buffer was full. */
export function parseRcvbufErrors(snmp: string): number {
  const lines = snmp.split('\n').filter((l) => l.startsWith('Udp:'));
  if (lines.length < 2) return 0;
  const names = lines[0]!.split(/\s+/);
  const values = lines[1]!.split(/\s+/);
  const i = names.indexOf('RcvbufErrors');
  return i > 0 ? Number(values[i]) : 0;
}

const rcvbufErrors = (): number => {
  try {
    return parseRcvbufErrors(readFileSync('/proc/net/snmp', 'utf8'));
  } catch {
    return 0;
  }
};

/** CPU seconds (user + system) of a process so far (/proc/PID/stat, tick granularity). */
export function cpuSeconds(pid: number, ticksPerS = 100): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticksPerS;
}

export async function startServer(o: RealServerOptions): Promise<ServerHandle> {
  const args = [...priorityPrefix(o.priority ?? 'none'), 'taskset', '-c', String(o.serverCore), process.execPath, '--import', 'tsx', join(o.root, 'src/cli/demo-server.ts'), '--port', '0',
    '--cert', o.cert, '--key', o.key, '--crypto', o.crypto, '--cookie', o.cookie ? 'on' : 'off',
    ...(o.turnStats !== undefined ? ['--turn-stats', o.turnStats] : []),
    ...(o.turnStats !== undefined && o.speedProbeMs !== undefined ? ['--speed-probe', String(o.speedProbeMs)] : [])];
  const prio = o.priority ?? 'none';
  const child = spawn(args[0]!, args.slice(1), { cwd: o.root, stdio: ['ignore', 'pipe', 'pipe'], detached: prio !== 'none' });
  raiseAutogroup(child.pid!, prio);
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let out = '';
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`demo server did not start: ${out}`)), 20000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening [^:]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => reject(new Error(`demo server exited ${code}: ${out}`)));
  });
  child.stdout!.removeAllListeners('data');
  child.stdout!.resume();
  // chrt / nice and taskset exec node, so the child's pid is the server's.
  const pid = child.pid!;
  return {
    port,
    pid,
    child,
    stop: () =>
      new Promise<void>((r) => {
        process.removeListener('exit', killOnExit);
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

/** The load that warms a fresh demo server up before anything is measured on it (calibration and validation
 *  alike): the model describes a warm server. 150 handshakes were too few: on the warmed noble server, successive
 *  batches of 308 handshakes at 77/s cost 5.76, 4.64, 4.34, 4.38 and 4.51 ms of CPU per handshake (2026-12-05 11:51,
 *  load average 2.5; its handshake turn 3.34 ms in the second batch, 2.72-2.87 from the third). 750 (until
 *  2026-12-07) were too few as well: after them the first calibration round cost more than the second in 6 of 6
 *  pairs of batches C and D (loopback-30, -31: C 4.77/4.27, 4.63/4.24, 5.53/4.17, 7.17/4.91, 5.76/3.95, 5.32/5.07 ms),
 *  and three batches C in a row right after the warm-up cost 6.25-6.51 ms against 3.36-5.72 later
 *  (docs/data/batch-order-2026-12-07.csv). After 5,000 (40 s) the two rounds agreed within 8 % in 2 repetitions of 3
 *  (loopback-32; the third's first round was slow in every batch). */
export const WARMUP = { clients: 5000, rate: 125, records: 3, seed: 99 } as const;

export interface LoadSpec {
  clients: number;
  rate: number;
  records: number;
  size: number;
  ca: string;
  seed: number;
  arrival: 'constant' | 'poisson' | 'burst';
  /** Clients per group with arrival 'burst'. */
  burst?: number;
  /** Scheduling priority of the generator (resolvePriority); default none. */
  priority?: Priority;
}

/** Warms a fresh server up (WARMUP, generator on core 1, server on core 0): calibration and validation alike. */
export async function warmUp(root: string, server: ServerHandle, o: { ca: string; priority: Priority; size?: number; arrival?: LoadSpec['arrival'] }): Promise<void> {
  await runLoadAgainst(root, server, 1, 0, { clients: WARMUP.clients, rate: WARMUP.rate, records: WARMUP.records, size: o.size ?? 100, ca: o.ca, seed: WARMUP.seed, arrival: o.arrival ?? 'constant', priority: o.priority });
}

/** Server CPU time (s) at `epochMs`, interpolated linearly between samples taken around it. */
export function cpuAt(samples: readonly { epochMs: number; cpuS: number }[], epochMs: number): number {
  if (samples.length === 0) return Number.NaN;
  if (epochMs <= samples[0]!.epochMs) return samples[0]!.cpuS;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i]!;
    if (epochMs <= b.epochMs) {
      const a = samples[i - 1]!;
      return a.cpuS + ((b.cpuS - a.cpuS) * (epochMs - a.epochMs)) / Math.max(1e-9, b.epochMs - a.epochMs);
    }
  }
  return samples[samples.length - 1]!.cpuS;
}

export interface LoadRun {
  summary: LoadSummary;
  /** Server CPU time over the run (all threads), s; per completed handshake, ms. */
  serverCpuS: number;
  serverCpuMsPerHandshake: number;
  /** Server CPU time / the generator's window (first client start to last client end). */
  serverUtilization: number;
  /** Server wake-ups and run-queue wait per completed handshake. */
  wakeupsPerHandshake: number;
  runQueueWaitMsPerHandshake: number;
  /** Share of each core taken by other processes over the run (server's core, generator's core). */
  otherLoadServerCore: number;
  otherLoadGeneratorCore: number;
  /** Generator CPU time / its wall time (its clients share one core). */
  generatorUtilization: number;
  /** Share of its core the server got against other processes while it had work (header); the all-threads share
   *  (its own helper threads counted as competitors); the generator's main-thread share (its CPU / (its CPU + its
   *  wait)), used for the clients' costs; its all-threads share and its share against other processes (reported). */
  serverCoreShare: number;
  serverCoreShareAllThreads: number;
  generatorCoreShare: number;
  generatorCoreShareAllThreads: number;
  generatorCoreShareOthers: number;
  /** Server CPU time within the generator's arrival window / that window (summary.arrival_window). */
  serverUtilizationArrivalWindow: number;
  /** Datagrams dropped by full socket receive buffers over the run (machine-wide counter). */
  receiveBufferDrops: number;
}

/** Runs the generator on `core` against the server (on `serverCore`) and reads the kernel's counters around it. */
export async function runLoadAgainst(root: string, server: ServerHandle, core: number, serverCore: number, load: LoadSpec): Promise<LoadRun> {
  const args = [...priorityPrefix(load.priority ?? 'none'), 'taskset', '-c', String(core), process.execPath, '--import', 'tsx', join(root, 'src/cli/loadtest.ts'), '--json',
    '--burst', String(load.burst ?? 1),
    '--port', String(server.port), '--ca', load.ca, '--server-name', 'localhost', '--clients', String(load.clients),
    '--rate', String(load.rate), '--records', String(load.records), '--size', String(load.size), '--seed', String(load.seed),
    '--arrival', load.arrival, '--timeout', '20000', '--arrivals'];
  const s0 = procCounters(server.pid);
  const b0 = coreBusy();
  const drops0 = rcvbufErrors();
  const t0 = performance.now();
  let gen: ProcCounters = { cpuS: 0, waitS: 0, wakeups: 0, mainWaitS: 0, helperCpuS: 0 };
  const cpuSamples: { epochMs: number; cpuS: number }[] = [{ epochMs: performance.timeOrigin + performance.now(), cpuS: s0.cpuS }];
  const text = await new Promise<string>((resolve, reject) => {
    const c = spawn(args[0]!, args.slice(1), { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], detached: (load.priority ?? 'none') !== 'none' });
    raiseAutogroup(c.pid!, load.priority ?? 'none');
    // the generator's own CPU time: polled, since an exited process has no /proc entry (misses < 50 ms of it);
    // the server's CPU time with the epoch time, for its CPU time within the arrival window
    const poll = setInterval(() => {
      try {
        cpuSamples.push({ epochMs: performance.timeOrigin + performance.now(), cpuS: procCounters(server.pid).cpuS });
        gen = procCounters(c.pid!);
      } catch {
        // exited
      }
    }, 50);
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('exit', (code) => {
      clearInterval(poll);
      if (code === 0 || code === 1) resolve(s);
      else reject(new Error(`loadtest exited ${code}`));
    });
  });
  const wallS = (performance.now() - t0) / 1000;
  const s1 = procCounters(server.pid);
  const b1 = coreBusy();
  const summary = JSON.parse(text) as LoadSummary;
  const hs = Math.max(1, summary.handshakes.completed);
  const serverCpuS = s1.cpuS - s0.cpuS;
  const genCpu = gen.cpuS;
  cpuSamples.push({ epochMs: performance.timeOrigin + performance.now(), cpuS: s1.cpuS });
  const share = (cpu: number, wait: number) => (cpu > 0 ? cpu / (cpu + wait) : 1);
  const takenByOthers = Math.max(0, s1.mainWaitS - s0.mainWaitS - (s1.helperCpuS - s0.helperCpuS));
  const aw = summary.arrival_window;
  const other = (c: number, own: number) => Math.min(1, Math.max(0, ((b1[c] ?? 0) - (b0[c] ?? 0) - own) / wallS));
  return {
    summary,
    serverCpuS,
    serverCpuMsPerHandshake: (serverCpuS * 1000) / hs,
    // the generator's start-up is outside its window and the idle server spends ~nothing there
    serverUtilization: serverCpuS / summary.window_s,
    wakeupsPerHandshake: (s1.wakeups - s0.wakeups) / hs,
    runQueueWaitMsPerHandshake: ((s1.waitS - s0.waitS) * 1000) / hs,
    otherLoadServerCore: other(serverCore, serverCpuS),
    otherLoadGeneratorCore: other(core, genCpu),
    generatorUtilization: genCpu / wallS,
    serverCoreShare: share(serverCpuS, takenByOthers),
    serverCoreShareAllThreads: share(serverCpuS, s1.waitS - s0.waitS),
    serverUtilizationArrivalWindow: (cpuAt(cpuSamples, aw.end_epoch_ms) - cpuAt(cpuSamples, aw.start_epoch_ms)) / aw.s,
    // the main thread's: the clients' work runs there, and it waits behind the generator's own GC and compiler
    // threads as well as behind other processes. Over all threads (0.57-0.76 on an idle machine) a helper waiting
    // for the main thread counted too, and the predicted handshake p50 came out 16-47 % high; against other
    // processes only (1.00) it came out 33-63 % low (2026-12-06 03:26 and 03:35, docs/validation.md).
    generatorCoreShare: share(genCpu - gen.helperCpuS, gen.mainWaitS),
    generatorCoreShareAllThreads: share(genCpu, gen.waitS),
    generatorCoreShareOthers: share(genCpu, Math.max(0, gen.mainWaitS - gen.helperCpuS)),
    receiveBufferDrops: rcvbufErrors() - drops0,
  };
}
