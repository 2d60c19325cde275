// Helpers for the interop tests: locating the wolfSSL and BoringSSL peers built by .ci/wolfssl.sh and
// .ci/boringssl.sh, free loopback UDP ports,
// waiting for a UDP socket to be bound, child processes with bounded lifetimes and captured output.
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync, readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CERTS = join(ROOT, 'test/fixtures/certs');

export type WolfBins = { dir: string; server: string; client: string };

/** The wolfSSL example binaries ($WOLFSSL_DIR or /var/cache/dtls-accel-sim/wolfssl-5.5.4), or why they are absent. */
export function findWolfssl(): { ok: true; bins: WolfBins } | { ok: false; why: string } {
  const dir = process.env.WOLFSSL_DIR ?? '/var/cache/dtls-accel-sim/wolfssl-5.5.4';
  const server = join(dir, 'examples/server/server');
  const client = join(dir, 'examples/client/client');
  if (!existsSync(server) || !existsSync(client)) {
    return { ok: false, why: `wolfSSL example binaries not found under ${dir} (build them with: bash .ci/wolfssl.sh)` };
  }
  return { ok: true, bins: { dir, server, client } };
}

/** The BoringSSL peer program ($BORINGSSL_DIR or /var/cache/dtls-accel-sim/boringssl-a0689af29), or why it is absent. */
export function findBoringssl(): { ok: true; peer: string } | { ok: false; why: string } {
  const dir = process.env.BORINGSSL_DIR ?? '/var/cache/dtls-accel-sim/boringssl-a0689af29';
  const peer = join(dir, 'bin/bssl-dtls-peer');
  if (!existsSync(peer)) return { ok: false, why: `BoringSSL peer not found at ${peer} (build it with: bash .ci/boringssl.sh)` };
  return { ok: true, peer };
}

/** A UDP port that was free on 127.0.0.1 a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Whether some socket is bound to UDP `port` (Linux /proc/net/udp; elsewhere answers true). */
function udpBound(port: number): boolean {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const re = new RegExp(`^\\s*\\d+: [0-9A-F]+:${hex} `, 'm');
    return re.test(readFileSync('/proc/net/udp', 'utf8'));
  } catch {
    return true;
  }
}

export async function waitUdpBound(port: number, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (udpBound(port)) return true;
    await sleep(20);
  }
  return false;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export type Peer = {
  proc: ChildProcess;
  /** stdout + stderr so far. */
  output(): string;
  /** Resolves when the process exits (or is killed), with its exit code (null if killed). */
  exited: Promise<number | null>;
  /** Resolves true once `re` appears in the output, false at the deadline / exit. */
  waitFor(re: RegExp, timeoutMs: number): Promise<boolean>;
  kill(): void;
};

/** Spawns a child with stdin closed; it is killed with SIGKILL after `limitMs`. */
export function spawnPeer(cmd: string, args: string[], opts: { cwd?: string; limitMs: number; env?: NodeJS.ProcessEnv }): Peer {
  const proc = spawn(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
  let out = '';
  const waiters: { re: RegExp; done: (v: boolean) => void }[] = [];
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const w of waiters.slice()) {
      if (w.re.test(out)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.done(true);
      }
    }
  };
  proc.stdout!.on('data', onData);
  proc.stderr!.on('data', onData);
  const timer = setTimeout(() => proc.kill('SIGKILL'), opts.limitMs);
  const exited = new Promise<number | null>((resolve) => {
    proc.on('close', (code) => {
      clearTimeout(timer);
      for (const w of waiters.splice(0)) w.done(false);
      resolve(code);
    });
    proc.on('error', (e) => {
      out += `\nspawn error: ${e.message}`;
    });
  });
  return {
    proc,
    output: () => out,
    exited,
    waitFor: (re, timeoutMs) =>
      new Promise<boolean>((resolve) => {
        if (re.test(out)) return resolve(true);
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve(false);
        const w = { re, done: (v: boolean) => (clearTimeout(t), resolve(v)) };
        const t = setTimeout(() => {
          waiters.splice(waiters.indexOf(w), 1);
          resolve(false);
        }, timeoutMs);
        waiters.push(w);
      }),
    kill: () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    },
  };
}
