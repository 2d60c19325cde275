// The UDP demo as a user runs it: `node --import tsx src/cli/demo-server.ts` and `.../demo-client.ts` as separate
// processes over real UDP on 127.0.0.1 (what `npm run demo:server` / `npm run demo:client` execute).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CERTS, ROOT, freeUdpPort, spawnPeer, type Peer } from './harness.ts';

const EC = join(CERTS, 'ecdsa');
const ED = join(CERTS, 'ed25519');
const tsx = (script: string, args: string[], limitMs: number): Peer =>
  spawnPeer(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli', script), ...args], { cwd: ROOT, limitMs });

async function withServer(args: string[], fn: (port: number, server: Peer) => Promise<void>): Promise<void> {
  const server = tsx('demo-server.ts', ['--port', '0', ...args], 30000);
  try {
    const up = await server.waitFor(/listening 127\.0\.0\.1:(\d+)/, 15000);
    assert.ok(up, `demo server did not start:\n${server.output()}`);
    const port = Number(/listening 127\.0\.0\.1:(\d+)/.exec(server.output())![1]);
    await fn(port, server);
  } finally {
    server.kill();
    await server.exited;
  }
}

async function runClient(args: string[]): Promise<{ code: number | null; out: string }> {
  const c = tsx('demo-client.ts', args, 20000);
  const code = await c.exited;
  return { code, out: c.output() };
}

test('demo server + demo client over UDP: handshake, KeyUpdate, CID, echo; suites and groups; key logs; failures', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'dtls-demo-'));
  const kl = (n: string) => join(tmp, `${n}.keys`);
  try {
  await withServer(['--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key'), '--cid', '4', '--keylog', kl('server')], async (port, server) => {
    // Two clients at once (the dispatcher keeps them apart by address).
    const [a, b, c] = await Promise.all([
      runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--message', 'over real UDP', '--keyupdate', '--cid', 'c0ffee', '--keylog', kl('a')]),
      runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--message', 'second', '--suite', 'TLS_AES_256_GCM_SHA384', '--group', 'secp256r1', '--crypto', 'noble']),
      runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--message', 'chacha', '--suite', 'TLS13-CHACHA20-POLY1305-SHA256', '--keylog', kl('c')]),
    ]);
    assert.is(a.code, 0, a.out);
    assert.match(a.out, /connected suite=TLS_AES_128_GCM_SHA256 group=x25519 scheme=ecdsa_secp256r1_sha256 hrr=yes send_cid=[0-9a-f]{8} recv_cid=c0ffee/);
    assert.match(a.out, /keyupdate send epoch=4/);
    assert.match(a.out, /reply: over real UDP/);
    assert.is(b.code, 0, b.out);
    assert.match(b.out, /connected suite=TLS_AES_256_GCM_SHA384 group=secp256r1 /);
    assert.match(b.out, /reply: second/);
    assert.is(c.code, 0, c.out);
    assert.match(c.out, /connected suite=TLS_CHACHA20_POLY1305_SHA256 /);
    assert.match(c.out, /reply: chacha/);
    // wrong trust anchor: non-zero exit with a clear message
    const bad = await runClient(['--port', String(port), '--ca', join(ED, 'ca.pem'), '--timeout', '5000']);
    assert.is(bad.code, 3, bad.out);
    assert.match(bad.out, /sent fatal alert unknown_ca \(48\)/);
    // the server saw the successful connections, their echoes and the failed one's alert (its stdout may lag the
    // client's exit a little)
    await server.waitFor(/alert \S+ received unknown_ca\(48\)/, 5000);
    const s = server.output();
    assert.is((s.match(/^connected /gm) ?? []).length, 3, s);
    assert.match(s, /data \S+ 13B/);
    assert.match(s, /data \S+ 6B/);
    assert.match(s, /keyupdate \S+ receive epoch=4/);
    assert.match(s, /alert \S+ received unknown_ca\(48\)/);
    // key logs: each client's five secrets (NSS format) appear verbatim in the server's log
    const serverLines = new Set(readFileSync(kl('server'), 'utf8').split('\n').filter(Boolean));
    for (const n of ['a', 'c']) {
      const lines = readFileSync(kl(n), 'utf8').split('\n').filter(Boolean);
      assert.equal(lines.map((l) => l.split(' ')[0]), [
        'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0', 'EXPORTER_SECRET',
      ]);
      for (const l of lines) assert.ok(serverLines.has(l), `${n}: ${l} not in the server key log`);
    }
    assert.not.match(s + a.out + c.out, /warning: the endpoint reported no secrets/);
  });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('demo client: timeout against a silent port (exit 2) and usage errors (exit 1)', async () => {
  const port = await freeUdpPort();
  const [t, u, v, w] = await Promise.all([
    runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--timeout', '1500']),
    runClient(['--port', String(port)]),
    runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--suite', 'TLS_NULL']),
    runClient(['--port', String(port), '--ca', join(EC, 'ca.pem'), '--group', 'x25519', '--key-share', 'X25519MLKEM768']),
  ]);
  assert.is(t.code, 2, t.out);
  assert.match(t.out, /timeout after 1500 ms: handshake not complete/);
  assert.is(u.code, 1, u.out);
  assert.match(u.out, /--ca <file> is required/);
  assert.is(v.code, 1, v.out);
  assert.match(v.out, /unknown cipher suite "TLS_NULL"/);
  assert.is(w.code, 1, w.out);
  assert.match(w.out, /--key-share groups must be among --group/);
});

test.run();
