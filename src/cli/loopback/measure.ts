// The measured side of `npm run validate -- loopback`: the project's demo server pinned to one core, the loadtest
// generator pinned to the other, over loopback UDP. Server CPU time comes from the kernel's accounting of the
// server process (/proc/PID/stat utime + stime, the same counters process.cpuUsage() reads through getrusage).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
}

/** CPU seconds (user + system) of a process so far. */
export function cpuSeconds(pid: number, ticksPerS = 100): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name in parentheses: state is field 3; utime 14, stime 15 (1-based).
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / ticksPerS;
}

export async function startServer(o: RealServerOptions): Promise<ServerHandle> {
  const args = ['-c', String(o.serverCore), process.execPath, '--import', 'tsx', join(o.root, 'src/cli/demo-server.ts'), '--port', '0',
    '--cert', o.cert, '--key', o.key, '--crypto', o.crypto, '--cookie', o.cookie ? 'on' : 'off'];
  const child = spawn('taskset', args, { cwd: o.root, stdio: ['ignore', 'pipe', 'pipe'] });
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
  // taskset execs node, so the child's pid is the server's.
  const pid = child.pid!;
  return {
    port,
    pid,
    child,
    stop: () =>
      new Promise<void>((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        child.kill('SIGTERM');
      }),
  };
}

export interface LoadRun {
  summary: LoadSummary;
  serverCpuS: number;
  serverUtilization: number;
}

/** Runs the generator on `core` against the server and measures the server's CPU time over the run. */
export async function runLoadAgainst(
  root: string, server: ServerHandle, core: number,
  load: { clients: number; rate: number; records: number; size: number; ca: string; seed: number },
): Promise<LoadRun> {
  const args = ['-c', String(core), process.execPath, '--import', 'tsx', join(root, 'src/cli/loadtest.ts'), '--json',
    '--port', String(server.port), '--ca', load.ca, '--server-name', 'localhost', '--clients', String(load.clients),
    '--rate', String(load.rate), '--records', String(load.records), '--size', String(load.size), '--seed', String(load.seed),
    '--timeout', '20000'];
  const cpu0 = cpuSeconds(server.pid);
  const text = await new Promise<string>((resolve, reject) => {
    const c = spawn('taskset', args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    c.stdout.on('data', (d: Buffer) => (s += d.toString()));
    c.on('exit', (code) => (code === 0 || code === 1 ? resolve(s) : reject(new Error(`loadtest exited ${code}`))));
  });
  const cpu1 = cpuSeconds(server.pid);
  const summary = JSON.parse(text) as LoadSummary;
  const serverCpuS = cpu1 - cpu0;
  // Utilisation over the generator's window (first start to last end); the start-up of the generator process is
  // outside the window and the idle server spends ~nothing there.
  return { summary, serverCpuS, serverUtilization: serverCpuS / summary.window_s };
}
