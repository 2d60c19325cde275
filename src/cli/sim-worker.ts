// Runs the simulation in a worker thread, so that the main thread stays free while runScenario (synchronous) runs:
// its SIGINT handler can print "interrupted" and clear the progress line, and progress arrives as messages.
// The result is a structured clone of the SimResult (plain data).
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { SimResult } from '../report/types.ts';
import { runScenario, type RunScenarioArgs } from '../workload/index.ts';

type Msg = { kind: 'progress'; f: number; t: number } | { kind: 'done'; result: SimResult } | { kind: 'error'; name: string; message: string; stack?: string };

export interface WorkerRun {
  result: Promise<SimResult>;
  terminate(): Promise<number>;
}

/** Starts runScenario(args) in a worker; onProgress gets its progress callbacks. */
export function runInWorker(args: Omit<RunScenarioArgs, 'onProgress'>, onProgress: (f: number, t: number) => void): WorkerRun {
  // Under `node --import tsx` a worker whose entry is a .ts file does not get the TypeScript loader: the worker
  // is an eval'd script that registers tsx's loader first (when this file is TypeScript), then imports this file.
  const self = import.meta.url;
  const register = self.endsWith('.ts') ? `(await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})).register();` : '';
  const worker = new Worker(`(async () => { ${register} await import(${JSON.stringify(self)}); })();`, {
    eval: true,
    workerData: { kind: 'sim-run', args },
  });
  const result = new Promise<SimResult>((resolve, reject) => {
    worker.on('message', (m: Msg) => {
      if (m.kind === 'progress') onProgress(m.f, m.t);
      else if (m.kind === 'done') resolve(m.result);
      else reject(Object.assign(new Error(m.message), { name: m.name, stack: m.stack }));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new Error(`simulation worker exited (${code}) without a result`)));
  });
  return { result, terminate: () => worker.terminate() };
}

if (!isMainThread && (workerData as { kind?: string } | null)?.kind === 'sim-run' && parentPort) {
  const port = parentPort;
  const args = (workerData as { args: RunScenarioArgs }).args;
  try {
    const result = runScenario({ ...args, onProgress: (f, t) => port.postMessage({ kind: 'progress', f, t } satisfies Msg) });
    port.postMessage({ kind: 'done', result } satisfies Msg);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ kind: 'error', name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) } satisfies Msg);
  }
}
