// Runs the simulation in a worker thread, so that the main thread stays free while runScenario (synchronous) runs:
// its SIGINT handler can print "interrupted" and clear the progress line, and progress arrives as messages.
// The result is a structured clone of the SimResult (plain data).
//
// The plain-UDP baseline reads nothing the co-simulation writes, so it runs in a second worker beside it, on the
// machine's other core (since 2026-12-06; before, after the co-simulation in the same thread: ~53 s of a 10^6-device
// fleet's 21 minutes). Its figures (udpFigures, plain data) go to the simulation worker over a MessageChannel; the
// simulation worker, once its co-simulation is done, waits for them on a shared flag (Atomics.wait) and takes them
// with receiveMessageOnPort: runScenario stays synchronous and its result is the same as with the baseline run
// after it. `npm run bench -- sim` runs the same worker and takes its timing (runUdpInWorker).
import { readFileSync } from 'node:fs';
import { MessageChannel, type MessagePort, Worker, isMainThread, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import type { SimResult } from '../report/types.ts';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import { runScenario, runUdpBaseline, udpFigures, type RunScenarioArgs, type UdpFigures } from '../workload/index.ts';

type Msg = { kind: 'progress'; f: number; t: number } | { kind: 'done'; result: SimResult } | { kind: 'error'; name: string; message: string; stack?: string };
type ErrorMsg = { kind: 'error'; name: string; message: string; stack?: string };
type FiguresMsg = { kind: 'figures'; figures: UdpFigures; timing: UdpWorkerRun } | ErrorMsg;
/** The shared flag's values: 0 while the baseline runs, then DONE (a message is on the port) or FAILED (none). */
const DONE = 1;
const FAILED = 2;

/** A worker running this file with `data` (under tsx when this file is TypeScript). */
function spawn(data: unknown, transfer: MessagePort[] = []): Worker {
  // Under `node --import tsx` a worker whose entry is a .ts file does not get the TypeScript loader: the worker
  // is an eval'd script that registers tsx's loader first (when this file is TypeScript), then imports this file.
  const self = import.meta.url;
  const register = self.endsWith('.ts') ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  return new Worker(`(async () => { ${register} await import(${JSON.stringify(self)}); })();`, { eval: true, workerData: data, transferList: transfer });
}

const toError = (m: { name: string; message: string; stack?: string }) => Object.assign(new Error(m.message), { name: m.name, stack: m.stack });

/** An exception as a message a worker can post. */
function errorMsg(e: unknown): ErrorMsg {
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'error', name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

export interface WorkerRun {
  result: Promise<SimResult>;
  terminate(): Promise<number>;
}

/** Starts runScenario(args) in a worker, and the UDP baseline (when the scenario has one and args gives none) in a
 *  second worker beside it; onProgress gets the simulation's progress callbacks. */
export function runInWorker(args: Omit<RunScenarioArgs, 'onProgress' | 'udpBaseline'>, onProgress: (f: number, t: number) => void): WorkerRun {
  const udp = args.scenario.baseline_udp ? startUdpFigures(args.scenario, args.model, args.seed ?? args.scenario.sim.seed) : undefined;
  const worker = udp
    ? spawn({ kind: 'sim-run', args, udp: { port: udp.port, flag: udp.flag } }, [udp.port])
    : spawn({ kind: 'sim-run', args });
  const udpWorker = udp?.worker;
  const result = new Promise<SimResult>((resolve, reject) => {
    worker.on('message', (m: Msg) => {
      if (m.kind === 'progress') onProgress(m.f, m.t);
      else if (m.kind === 'done') resolve(m.result);
      else reject(toError(m));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`simulation worker exited (${code}) without a result`)));
  });
  return { result, terminate: async () => (await Promise.all([worker.terminate(), udpWorker?.terminate()]))[0] };
}

/** Starts the baseline worker: its figures will arrive on `port` once `flag` is set (awaitFigures). */
export function startUdpFigures(scenario: Scenario, model: ModelConfig, seed: number): { worker: Worker; port: MessagePort; flag: SharedArrayBuffer } {
  const { port1, port2 } = new MessageChannel();
  const flag = new SharedArrayBuffer(4);
  const worker = spawn({ kind: 'udp-figures', scenario, model, seed, port: port1, flag }, [port1]);
  // a baseline worker that dies without answering (out of memory, terminated) must not leave the simulation
  // waiting for ever
  worker.on('exit', () => {
    const f = new Int32Array(flag);
    if (Atomics.compareExchange(f, 0, 0, FAILED) === 0) Atomics.notify(f, 0);
  });
  worker.on('error', () => {});
  return { worker, port: port2, flag };
}

/** A function that waits for the baseline worker's figures (in the simulation worker; see the file header). */
export function awaitFigures(port: MessagePort, flag: SharedArrayBuffer): () => UdpFigures {
  return () => {
    const f = new Int32Array(flag);
    Atomics.wait(f, 0, 0);
    const m = Atomics.load(f, 0) === DONE ? (receiveMessageOnPort(port)?.message as FiguresMsg | undefined) : undefined;
    if (m === undefined) throw new Error('the UDP baseline worker ended without a result');
    if (m.kind === 'error') throw toError(m);
    return m.figures;
  };
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'udp-figures') {
  const { scenario, model, seed, port, flag } = workerData as { scenario: Scenario; model: ModelConfig; seed: number; port: MessagePort; flag: SharedArrayBuffer };
  let msg: FiguresMsg;
  try {
    const t0 = performance.now();
    const figures = udpFigures(runUdpBaseline(scenario, model, seed));
    const t1 = performance.now();
    msg = { kind: 'figures', figures, timing: { wallS: (t1 - t0) / 1000, cpuS: threadCpuS(), startMs: performance.timeOrigin, endMs: performance.timeOrigin + t1 } };
  } catch (e) {
    msg = errorMsg(e);
  }
  port.postMessage(msg);
  port.close();
  const f = new Int32Array(flag);
  Atomics.store(f, 0, DONE);
  Atomics.notify(f, 0);
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'sim-run' && parentPort) {
  const port = parentPort;
  const { args, udp } = workerData as { args: RunScenarioArgs; udp?: { port: MessagePort; flag: SharedArrayBuffer } };
  try {
    const udpBaseline = udp ? awaitFigures(udp.port, udp.flag) : undefined;
    const result = runScenario({ ...args, udpBaseline, onProgress: (f, t) => port.postMessage({ kind: 'progress', f, t } satisfies Msg) });
    port.postMessage({ kind: 'done', result } satisfies Msg);
  } catch (e) {
    port.postMessage(errorMsg(e) satisfies Msg);
  }
}

/** The baseline worker's timing: its wall time for runUdpBaseline, the CPU time of its thread over
 *  its whole life (startup included; NaN where /proc/thread-self/schedstat is missing), and when that life began
 *  and ended (ms since the epoch, performance.timeOrigin based: comparable across threads). */
export interface UdpWorkerRun {
  wallS: number;
  cpuS: number;
  startMs: number;
  endMs: number;
}

/** CPU time of the calling thread in s (Linux: /proc/thread-self/schedstat, ns), NaN elsewhere. */
export function threadCpuS(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e9;
  } catch {
    return NaN;
  }
}

/** Runs runUdpBaseline(scenario, model, seed) in the baseline worker (startUdpFigures) and resolves to its timing
 *  (`npm run bench -- sim`: the run is timed in the worker, startup and import excluded). */
export function runUdpInWorker(scenario: Scenario, model: ModelConfig, seed: number): Promise<UdpWorkerRun> {
  const { worker, port } = startUdpFigures(scenario, model, seed);
  return new Promise<UdpWorkerRun>((resolve, reject) => {
    const settle = (m: FiguresMsg | undefined) => {
      port.close();
      if (m === undefined) reject(new Error('the UDP baseline worker ended without a result'));
      else if (m.kind === 'figures') resolve(m.timing);
      else reject(toError(m));
    };
    port.once('message', settle);
    // the figures are posted before the worker ends: take them here if the exit event came first
    worker.once('exit', () => settle(receiveMessageOnPort(port)?.message as FiguresMsg | undefined));
  });
}
