// The demo server's robustness as a long-running process (npm run demo:server): output paths checked at startup
// (--keylog, --turn-stats), a later write failure reported in one line without stopping the server, and the idle
// timeout that releases established connections whose client vanished without close_notify.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import dgram from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ClientEndpoint, createProvider } from '../../src/dtls/index.ts';
import { CertificateVerifier, parseCertificatesPem } from '../../src/dtls/cert/index.ts';
import { cryptoRandom } from '../../src/cli/demo-common.ts';
import { IdleConnections } from '../../src/cli/demo-idle.ts';
import { main as clientMain } from '../../src/cli/demo-client.ts';
import { start } from '../../src/cli/demo-server.ts';
import { CERTS, ROOT, sleep, spawnPeer } from '../interop/harness.ts';

const EC = join(CERTS, 'ecdsa');
const BASE = ['--port', '0', '--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key')];

test('idle tracker: expires the least recently active first, a touch postpones, forget stops tracking (clock by hand)', () => {
  const idle = new IdleConnections<string>(100);
  assert.is(idle.nextDeadline(), undefined);
  idle.touch('a', 0);
  idle.touch('b', 10);
  idle.touch('c', 20);
  assert.is(idle.nextDeadline(), 100); // a, last active at 0
  idle.touch('a', 50); // a moves behind c
  assert.is(idle.nextDeadline(), 110); // b
  assert.equal(idle.expire(109), []);
  assert.equal(idle.expire(120), [{ conn: 'b', idleMs: 110 }, { conn: 'c', idleMs: 100 }]);
  assert.is(idle.size, 1);
  assert.ok(!idle.has('b'));
  assert.is(idle.nextDeadline(), 150);
  idle.forget('a');
  assert.is(idle.nextDeadline(), undefined);
  assert.equal(idle.expire(1e9), []);
  assert.throws(() => new IdleConnections(0), /must be > 0/);
});

test('startup: an output path that cannot be written is a one-line usage error (exit 1), nothing served', async () => {
  const cases: [string[], RegExp][] = [
    [['--turn-stats', '/nonexistent/dir/t.json'], /^demo:server: cannot write --turn-stats \/nonexistent\/dir\/t\.json: ENOENT[^\n]*\n$/],
    [['--turn-stats', tmpdir()], /^demo:server: --turn-stats \S+ is a directory\n$/],
    [['--keylog', '/nonexistent/dir/k.log'], /^demo:server: cannot open --keylog \/nonexistent\/dir\/k\.log for appending: ENOENT[^\n]*\n$/],
    [['--idle-timeout-ms', '-1'], /^demo:server: --idle-timeout-ms must be an integer in \[0, 2147483647\]\n$/],
  ];
  for (const [args, re] of cases) {
    let out = '';
    let err = '';
    const r = await start([...BASE, ...args], (s) => (out += s), (s) => (err += s));
    assert.is(r, 1, `${args.join(' ')}: ${out}${err}`);
    assert.match(err, re);
    assert.is(out, '');
  }
});

test('--turn-stats: a write that fails later (SIGUSR2, then SIGTERM) is one line; the server keeps serving, then exits 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-turns-'));
  const file = join(dir, 't.json');
  const server = spawnPeer(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/demo-server.ts'), ...BASE, '--turn-stats', file], { cwd: ROOT, limitMs: 30000 });
  try {
    assert.ok(await server.waitFor(/listening 127\.0\.0\.1:(\d+)/, 15000), server.output());
    const port = /listening 127\.0\.0\.1:(\d+)/.exec(server.output())![1]!;
    rmSync(dir, { recursive: true });
    server.proc.kill('SIGUSR2');
    assert.ok(await server.waitFor(/still serving/, 5000), server.output());
    // still serving: a client completes its handshake and gets its echo
    let cout = '';
    const code = await clientMain(['--port', port, '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--message', 'after', '--timeout', '5000'],
      (s) => (cout += s), (s) => (cout += s));
    assert.is(code, 0, cout);
    server.proc.kill('SIGTERM');
    assert.is(await server.exited, 1, server.output());
    const errs = server.output().split('\n').filter((l) => l.startsWith('demo:server:'));
    assert.equal(errs.map((l) => l.replace(/: ENOENT.*?;/, ': ENOENT;')), [
      `demo:server: cannot write --turn-stats ${file}: ENOENT; still serving (statistics kept in memory)`,
      `demo:server: cannot write --turn-stats ${file}: ENOENT; the run's turn statistics are lost`,
    ]);
    assert.not.match(server.output(), /\n\s+at /); // no stack trace
  } finally {
    server.kill();
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('--keylog: a write that fails after startup is one line; handshakes still complete', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'demo-keylog-'));
  let out = '';
  let err = '';
  const srv = await start([...BASE, '--keylog', join(dir, 'k.log')], (s) => (out += s), (s) => (err += s));
  if (typeof srv === 'number') throw new Error(`server exit ${srv}: ${err}`);
  try {
    assert.ok(existsSync(join(dir, 'k.log')), 'opened (created) at startup');
    rmSync(dir, { recursive: true });
    for (const message of ['one', 'two']) {
      let cout = '';
      const code = await clientMain(['--port', String(srv.port), '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--message', message, '--timeout', '5000'],
        (s) => (cout += s), (s) => (cout += s));
      assert.is(code, 0, cout + out + err);
    }
    assert.not.match(out, /internal_error/);
    assert.match(err, /^demo:server: cannot write --keylog \S+: ENOENT[^\n]*; key logging stopped\n$/); // once
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A client that handshakes, gets one echo (then `pings` more, each sent `gapMs` after the previous echo), then drops
 *  its socket without close_notify (crashed, lost power). */
async function vanishingClient(port: number, pings = 0, gapMs = 0): Promise<void> {
  const crypto = createProvider('node', cryptoRandom);
  const anchors = parseCertificatesPem(readFileSync(join(EC, 'ca.pem'), 'utf8'));
  if (!anchors.ok) throw new Error(anchors.detail);
  const verifier = new CertificateVerifier({ trustAnchors: anchors.der, provider: crypto, clock: () => Date.now() });
  const c = new ClientEndpoint({ crypto, rng: cryptoRandom, serverName: 'localhost', verifier });
  const sock = dgram.createSocket('udp4');
  let timer: NodeJS.Timeout | undefined;
  let gone = false;
  const run = new Promise<void>((resolve, reject) => {
    const overall = setTimeout(() => reject(new Error('no echo within 5 s')), 5000);
    let echoes = 0;
    const ping = () => {
      if (gone) return;
      c.send(new TextEncoder().encode('ping'), performance.now());
      pump();
    };
    const pump = (): void => {
      for (let d = c.pollTransmit(); d; d = c.pollTransmit()) sock.send(d, port, '127.0.0.1');
      for (let e = c.pollEvent(); e; e = c.pollEvent()) {
        if (e.type === 'connected') c.send(new TextEncoder().encode('ping'), performance.now());
        if (e.type === 'data' && ++echoes > pings) {
          clearTimeout(overall);
          resolve();
          return;
        }
        if (e.type === 'data') setTimeout(ping, gapMs);
      }
      for (let d = c.pollTransmit(); d; d = c.pollTransmit()) sock.send(d, port, '127.0.0.1');
      if (timer) clearTimeout(timer);
      const t = c.nextTimeout();
      if (t !== undefined && !gone) timer = setTimeout(() => (c.handleTimeout(performance.now()), pump()), Math.max(0, t - performance.now()));
    };
    sock.on('message', (m) => (c.receive(new Uint8Array(m.buffer, m.byteOffset, m.length), performance.now()), pump()));
    sock.bind(0, '127.0.0.1', () => (c.connect(performance.now()), pump()));
  });
  try {
    await run;
  } finally {
    gone = true; // on failure too: no socket or timer left to keep the test process alive
    if (timer) clearTimeout(timer);
    await new Promise<void>((r) => sock.close(() => r()));
  }
}

test('--idle-timeout-ms: an established connection whose client vanished is closed and released after the timeout', async () => {
  let out = '';
  const srv = await start([...BASE, '--idle-timeout-ms', '400'], (s) => (out += s), () => {});
  if (typeof srv === 'number') throw new Error(`server exit ${srv}`);
  try {
    const t0 = Date.now();
    await vanishingClient(srv.port);
    assert.is(srv.dispatcher.connections.size, 1, out);
    await sleep(150);
    assert.is(srv.dispatcher.connections.size, 1, `held before the timeout: ${out}`);
    while (srv.dispatcher.connections.size > 0 && Date.now() - t0 < 4000) await sleep(20);
    assert.is(srv.dispatcher.connections.size, 0, `released: ${out}`);
    assert.ok(Date.now() - t0 >= 400, `not before the timeout (${Date.now() - t0} ms)`);
    const addr = /connected (\S+) /.exec(out)![1]!;
    assert.match(out, new RegExp(`\\nidle ${addr} (\\d+)ms\\nalert ${addr} sent close_notify\\(0\\) level=1\\nclosed ${addr} local\\n`));
    const idleMs = Number(/\nidle \S+ (\d+)ms/.exec(out)![1]);
    assert.ok(idleMs >= 400 && idleMs < 1500, `idle ${idleMs} ms`);
  } finally {
    await srv.close();
  }
});

test('--idle-timeout-ms: a connection that keeps sending is kept past the timeout, then released once silent', async () => {
  let out = '';
  const srv = await start([...BASE, '--idle-timeout-ms', '400'], (s) => (out += s), () => {});
  if (typeof srv === 'number') throw new Error(`server exit ${srv}`);
  try {
    const t0 = Date.now();
    await vanishingClient(srv.port, 4, 250); // an echo every ~250 ms for ~1 s: never 400 ms silent
    assert.ok(Date.now() - t0 >= 1000, `${Date.now() - t0} ms`);
    assert.is(srv.dispatcher.connections.size, 1, out);
    assert.not.match(out, /\nidle /);
    assert.is(out.match(/\ndata /g)?.length, 5, out);
    const t1 = Date.now();
    while (srv.dispatcher.connections.size > 0 && Date.now() - t1 < 4000) await sleep(20);
    assert.is(srv.dispatcher.connections.size, 0, `released: ${out}`);
    assert.ok(Date.now() - t1 >= 300, `released ${Date.now() - t1} ms after the last echo`);
  } finally {
    await srv.close();
  }
});

test('--idle-timeout-ms 0: never closed for idleness (nor by the handshake timeout, which is for handshakes only)', async () => {
  let out = '';
  const srv = await start([...BASE, '--idle-timeout-ms', '0', '--handshake-timeout', '200'], (s) => (out += s), () => {});
  if (typeof srv === 'number') throw new Error(`server exit ${srv}`);
  try {
    await vanishingClient(srv.port);
    await sleep(600);
    assert.is(srv.dispatcher.connections.size, 1, out);
    assert.not.match(out, /\nidle /);
  } finally {
    await srv.close();
  }
});

test.run();
