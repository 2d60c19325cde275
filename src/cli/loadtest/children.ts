// The generator processes of `npm run loadtest -- --procs W` (src/cli/loadtest.ts): the parent forks W copies of the
// command with `--shard i/W`, each runs its share of the clients and prints its raw samples on stdout; the parent
// merges them. This module is both sides of that exchange:
// - a child prints `LOADTEST_SAMPLES {json}` when its clients are done (exit 0), or, stopped by SIGTERM / SIGINT,
//   `LOADTEST_PARTIAL {json}` with the samples so far (exit CHILD_STOPPED_EXIT); it stops silently when the parent
//   goes away (its stdin, a pipe from the parent, reaches end of file), so that it never runs on as an orphan;
// - the parent stops the remaining children (SIGTERM, then SIGKILL after STOP_GRACE_MS) as soon as one fails or
//   when it is itself signalled, and then says what completed instead of printing a summary (no complete result).
import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:os';
import { type LoadSamples, emptySamples, mergeSamples } from './generator.ts';

export const SHARD_MARK = 'LOADTEST_SAMPLES ';
export const PARTIAL_MARK = 'LOADTEST_PARTIAL ';
/** Exit status of a child stopped by a signal after printing its partial samples. */
export const CHILD_STOPPED_EXIT = 3;
/** How long a child may take to report after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 3000;
const STOP_SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Delay from the command's start to the schedule's t0, ms: time for the children to load. */
export function startLeadMs(procs: number): number {
  return procs > 1 ? 300 + 150 * procs : 50;
}

/** Conventional exit status of a process ended by `signal`: 128 + its number. */
export function signalExit(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 15);
}

/** Resolves with the signal (SIGINT / SIGTERM) or 'parent' (the parent's stdin pipe closed, only when `watchStdin`),
 *  whichever comes first; `dispose` removes the listeners. */
export function stopRequest(watchStdin: boolean): { stopped: Promise<NodeJS.Signals | 'parent'>; dispose(): void } {
  let fire: (why: NodeJS.Signals | 'parent') => void = () => {};
  const stopped = new Promise<NodeJS.Signals | 'parent'>((r) => (fire = r));
  const handlers = STOP_SIGNALS.map((sig) => [sig, () => fire(sig)] as const);
  for (const [sig, h] of handlers) process.on(sig, h);
  const gone = () => fire('parent');
  if (watchStdin) {
    process.stdin.on('end', gone);
    process.stdin.on('error', gone);
    process.stdin.resume();
  }
  return {
    stopped,
    dispose() {
      for (const [sig, h] of handlers) process.off(sig, h);
      if (watchStdin) {
        process.stdin.off('end', gone);
        process.stdin.off('error', gone);
        process.stdin.pause();
      }
    },
  };
}

/** "N clients: c completed, f failed, u not finished or not started" over `s` (the processes that reported). */
export function tally(s: LoadSamples): string {
  return `${s.offered} clients: ${s.completed} completed, ${s.failed} failed, ${s.offered - s.completed - s.failed} not finished or not started`;
}

export type ChildrenResult = { ok: true; samples: LoadSamples } | { ok: false; exitCode: number };

type Ended = { samples?: LoadSamples; partial?: LoadSamples; how: string; code: number | null; signal: NodeJS.Signals | null };

/** Forks `procs` copies of `script argv --shard i/procs` (all on one start instant, `startEpochMs` on the wall clock)
 *  and merges their samples; on a failure or a signal, stops the others and reports (`err`) what completed. */
export async function runChildren(
  script: string, argv: string[], procs: number, startEpochMs: number, err: (s: string) => void,
): Promise<ChildrenResult> {
  const live = new Set<ChildProcess>();
  const ended: Ended[] = new Array(procs);
  let stopReason: string | undefined;
  let exitCode = 1;
  let killTimer: NodeJS.Timeout | undefined;
  const stopAll = (reason: string, code: number) => {
    if (stopReason !== undefined) return;
    stopReason = reason;
    exitCode = code;
    for (const c of live) c.kill('SIGTERM');
    killTimer = setTimeout(() => {
      for (const c of live) c.kill('SIGKILL');
    }, STOP_GRACE_MS);
  };
  const signals = stopRequest(false);
  void signals.stopped.then((sig) => {
    if (sig !== 'parent') stopAll(`interrupted by ${sig}`, signalExit(sig));
  });

  const runs: Promise<void>[] = [];
  for (let i = 0; i < procs; i++) {
    runs.push(new Promise<void>((resolve) => {
      // stdin: a pipe the parent never writes; its end tells the child that the parent is gone
      const child = spawn(process.execPath, [...process.execArgv, script, ...argv, '--shard', `${i}/${procs}`], {
        stdio: ['pipe', 'pipe', 'inherit'],
        env: { ...process.env, LOADTEST_T0_EPOCH_MS: String(startEpochMs) },
      });
      live.add(child);
      let text = '';
      child.stdout!.on('data', (d: Buffer) => (text += d.toString()));
      child.stdin!.on('error', () => {}); // EPIPE once the child has gone
      child.on('error', (e) => {
        text = '';
        err(`loadtest: generator process ${i}: ${e.message}\n`);
      });
      child.on('close', (code, signal) => {
        live.delete(child);
        const lines = text.split('\n');
        const full = lines.find((l) => l.startsWith(SHARD_MARK));
        const part = lines.find((l) => l.startsWith(PARTIAL_MARK));
        const e: Ended = { how: describeEnd(code, signal), code, signal };
        if (code === 0 && full) e.samples = JSON.parse(full.slice(SHARD_MARK.length)) as LoadSamples;
        else if (part) {
          const p = JSON.parse(part.slice(PARTIAL_MARK.length)) as { signal: string; samples: LoadSamples };
          e.partial = p.samples;
          e.how = `was stopped by ${p.signal}`;
        }
        ended[i] = e;
        if (!e.samples) stopAll(`generator process ${i} ${e.how}`, code === 2 ? 2 : 1);
        resolve();
      });
    }));
  }
  await Promise.all(runs);
  if (killTimer) clearTimeout(killTimer);
  signals.dispose();
  if (stopReason === undefined) return { ok: true, samples: ended.reduce((acc, e) => mergeSamples(acc, e.samples!), emptySamples()) };

  const reported = ended.filter((e) => e.samples || e.partial);
  const merged = reported.reduce((acc, e) => mergeSamples(acc, (e.samples ?? e.partial)!), emptySamples());
  const finished = ended.filter((e) => e.samples).length;
  const silent = ended.map((e, i) => (e.samples || e.partial ? -1 : i)).filter((i) => i >= 0);
  err(
    `loadtest: ${stopReason}; stopped the other generator processes. No complete result: ${finished} of ${procs} processes ` +
      `finished, ${reported.length} reported (their ${tally(merged)})` +
      (silent.length ? `; nothing from process${silent.length > 1 ? 'es' : ''} ${silent.join(', ')}` : '') + '\n',
  );
  return { ok: false, exitCode };
}

function describeEnd(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  if (code === 2) return 'exited 2 (bad arguments)';
  return code === 0 ? 'exited 0 without its samples' : `exited ${code}`;
}
