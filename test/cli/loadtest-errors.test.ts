// The load generator's failure paths (npm run loadtest): bad arguments refused in one line with exit 2 before any
// client starts, and with --procs W a generator process that dies or a signal to the parent stops every process
// (no orphan keeps sending load) with a one-line account instead of a summary.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { main } from '../../src/cli/loadtest.ts';
import { CERTS, ROOT, sleep, spawnPeer } from '../interop/harness.ts';

const CA = join(CERTS, 'ecdsa', 'ca.pem');
const LOADTEST = join(ROOT, 'src/cli/loadtest.ts');

test('bad arguments: exit 2, one line on stderr, nothing on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [['--procs', '0'], /^loadtest: --procs must be an integer in \[1, 64\]\n$/],
    [['--procs', 'abc'], /^loadtest: --procs must be an integer in \[1, 64\]\n$/],
    [['--ca', '/nonexistent.pem'], /^loadtest: cannot read --ca \/nonexistent\.pem: ENOENT[^\n]*\n$/],
    [['--ca', join(ROOT, 'README.md')], /^loadtest: --ca \S+README\.md: not a PEM certificate file \(no CERTIFICATE block\)\n$/],
    // 100 clients 1e10 ms apart: the last would start after 990e9 ms, far beyond setTimeout's 2^31-1 ms
    [['--rate', '1e-7', '--arrival', 'constant'], /^loadtest: --rate 1e-7 with --clients 100: the last client would start 1\.15e\+4 days after the run begins, beyond the longest timer Node can wait \(2\^31-1 ms, 24\.8 days\); raise --rate or lower --clients\n$/],
    // bursts: 2 groups of 10, the second 10 x 1000 / 1e-7 = 1e11 ms (1157 days) later
    [['--rate', '1e-7', '--arrival', 'burst', '--clients', '20', '--burst', '10'], /^loadtest: --rate 1e-7 with --clients 20: the last client would start 1\.16e\+3 days/],
  ];
  for (const [args, re] of cases) {
    let out = '';
    let err = '';
    const code = await main(['--port', '1', '--ca', CA, ...args], (s) => (out += s), (s) => (err += s));
    assert.is(code, 2, `${args.join(' ')}: ${err}`);
    assert.match(err, re);
    assert.is(out, '');
  }
});

test('bad arguments with --procs 2, and in a generator process itself: one line, exit 2, no stack', async () => {
  for (const extra of [['--procs', '2'], ['--shard', '0/2']]) {
    const p = spawnPeer(process.execPath, ['--import', 'tsx', LOADTEST, '--port', '1', '--ca', '/nonexistent.pem', ...extra], { cwd: ROOT, limitMs: 20000 });
    assert.is(await p.exited, 2, p.output());
    assert.match(p.output(), /^loadtest: cannot read --ca \/nonexistent\.pem: ENOENT[^\n]*\n$/);
  }
});

/** Pids of the live processes whose parent is `ppid` (Linux /proc). */
function childrenOf(ppid: number): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state, ppid, ...
      if (Number(fields[1]) === ppid && fields[0] !== 'Z') out.push(Number(d));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Whether process `pid` has a UDP socket open (its socket inodes against /proc/net/udp's; its other sockets are
 *  stdio and esbuild pipes): a generator process has none until its first client starts, and its stop handlers go in
 *  before that. */
function hasUdpSocket(pid: number): boolean {
  try {
    const udp = new Set(readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1).map((l) => l.trim().split(/\s+/)[9]).filter((x) => x));
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m !== null && udp.has(m[1]!);
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/** A --procs 2 run on a slow schedule (100 clients at 5/s: 20 s, client i in process i mod 2, each waiting up to 5 s
 *  for a server that never answers), once both generator processes run their clients. */
async function slowRun() {
  const sink = dgram.createSocket('udp4');
  await new Promise<void>((r) => sink.bind(0, '127.0.0.1', r));
  const p = spawnPeer(process.execPath, ['--import', 'tsx', LOADTEST, '--port', String((sink.address() as AddressInfo).port), '--ca', CA,
    '--clients', '100', '--rate', '5', '--timeout', '5000', '--procs', '2', '--json'], { cwd: ROOT, limitMs: 30000 });
  let kids: number[] = [];
  for (let i = 0; i < 300 && !(kids.length === 2 && kids.every(hasUdpSocket)); i++) {
    await sleep(50);
    kids = childrenOf(p.proc.pid!);
  }
  assert.is(kids.length, 2, p.output());
  assert.ok(kids.every(hasUdpSocket), `generator processes not running their clients: ${p.output()}`);
  return { p, kids, sink };
}

test('--procs 2: one generator process killed -> the other is stopped, the signal named, no summary, exit 1', async () => {
  const { p, kids, sink } = await slowRun();
  try {
    process.kill(kids[0]!, 'SIGKILL');
    assert.is(await p.exited, 1, p.output());
    await sleep(100);
    assert.ok(!alive(kids[1]!), `generator process ${kids[1]} still running: ${p.output()}`);
    const lines = p.output().trim().split('\n');
    assert.is(lines.length, 1, p.output());
    assert.match(lines[0]!, /^loadtest: generator process [01] was killed by SIGKILL; stopped the other generator processes\. No complete result: 0 of 2 processes finished, 1 reported \(their 50 clients: \d+ completed, \d+ failed, \d+ not finished or not started\); nothing from process [01]$/, p.output());
  } finally {
    p.kill();
    for (const k of kids) if (alive(k)) process.kill(k, 'SIGKILL');
    sink.close();
  }
});

test('--procs 2: SIGTERM to the parent stops both generator processes, reports their partial tally, exit 143', async () => {
  const { p, kids, sink } = await slowRun();
  try {
    p.proc.kill('SIGTERM');
    assert.is(await p.exited, 143, p.output());
    await sleep(100);
    for (const k of kids) assert.ok(!alive(k), `generator process ${k} still running: ${p.output()}`);
    assert.match(p.output(), /^loadtest: interrupted by SIGTERM; stopped the other generator processes\. No complete result: 0 of 2 processes finished, 2 reported \(their 100 clients: \d+ completed, \d+ failed, \d+ not finished or not started\)\n$/, p.output());
  } finally {
    p.kill();
    for (const k of kids) if (alive(k)) process.kill(k, 'SIGKILL');
    sink.close();
  }
});

test.run();
