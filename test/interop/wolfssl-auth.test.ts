// Interop with wolfSSL 5.5.4 (built by .ci/wolfssl.sh, which enables AES-CCM) for the issue-13 features on the
// certificate side: mutual authentication both ways (wolfSSL client presenting a certificate to our server that
// requires one; our demo client presenting one to a wolfSSL server that asks, -F = require), RSA chains both ways,
// TLS_AES_128_CCM_SHA256 and TLS_AES_128_CCM_8_SHA256 both ways. Same set-up as wolfssl.test.ts: our side in-process
// through the demo CLI entry points, a recording UDP relay in between. Deviations met: docs/interop.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { main as clientMain } from '../../src/cli/demo-client.ts';
import { start as serverStart } from '../../src/cli/demo-server.ts';
import { CERTS, findWolfssl, freeUdpPort, spawnPeer, waitUdpBound, type Peer, type WolfBins } from './harness.ts';
import { startProxy, type Captured, type Proxy as UdpProxy } from './udp-proxy.ts';

const EC = join(CERTS, 'ecdsa');
const RSA = join(CERTS, 'rsa');
const WOLF_HELLO = 'hello wolfssl!';
const found = findWolfssl();

const diag = (label: string, parts: Record<string, string>) =>
  [label, ...Object.entries(parts).map(([k, v]) => `--- ${k}:\n${v}`)].join('\n');

type ClientRun = { code: number; out: string; err: string; wolf: string; dump: string };
/** Our demo client -> relay -> wolfSSL example server (-e: it echoes our message). */
async function ourClientToWolf(bins: WolfBins, serverArgs: string[], clientArgs: string[],
  drop?: (c: Captured, n: number) => boolean): Promise<ClientRun> {
  const port = await freeUdpPort();
  let peer: Peer | undefined;
  let proxy: UdpProxy | undefined;
  try {
    peer = spawnPeer(bins.server, ['-u', '-v', '4', '-p', String(port), '-e', ...serverArgs], { cwd: bins.dir, limitMs: 12000 });
    if (!(await waitUdpBound(port, 4000))) throw new Error(`wolfSSL server did not bind port ${port}: ${peer.output()}`);
    proxy = await startProxy(port, drop ?? (() => false));
    let out = '';
    let err = '';
    const code = await clientMain(['--host', '127.0.0.1', '--port', String(proxy.port), '--timeout', '6000', ...clientArgs], (s) => (out += s), (s) => (err += s));
    await Promise.race([peer.exited, new Promise((r) => setTimeout(r, 2000))]);
    return { code, out, err, wolf: peer.output(), dump: proxy.dump() };
  } finally {
    peer?.kill();
    await proxy?.close();
  }
}

type ServerRun = { code: number | null; wolf: string; events: string; err: string; dump: string };
/** wolfSSL example client -> relay -> our demo server. `-x` (no client certificate) unless clientArgs has -c. */
async function wolfToOurServer(bins: WolfBins, serverArgs: string[], clientArgs: string[]): Promise<ServerRun> {
  let events = '';
  let err = '';
  const srv = await serverStart(['--port', '0', ...serverArgs], (s) => (events += s), (s) => (err += s));
  if (typeof srv === 'number') throw new Error(`demo server did not start (${srv}): ${err}`);
  let peer: Peer | undefined;
  let proxy: UdpProxy | undefined;
  try {
    proxy = await startProxy(srv.port);
    const noCert = clientArgs.includes('-c') ? [] : ['-x'];
    peer = spawnPeer(bins.client, ['-u', '-v', '4', '-h', 'localhost', '-p', String(proxy.port), ...noCert, '-m', ...clientArgs], {
      cwd: bins.dir, limitMs: 10000,
    });
    const code = await peer.exited;
    await new Promise((r) => setTimeout(r, 50));
    return { code, wolf: peer.output(), events, err, dump: proxy.dump() };
  } finally {
    peer?.kill();
    await proxy?.close();
    await srv.close();
  }
}

function okClient(r: ClientRun, re: RegExp, reply: string, label: string): void {
  const d = diag(label, { 'our client stdout': r.out, 'our client stderr': r.err, wolfSSL: r.wolf, datagrams: r.dump });
  assert.is(r.code, 0, d);
  assert.match(r.out, re, d);
  assert.ok(r.out.includes(`reply: ${reply}\n`), d);
  assert.match(r.wolf, /SSL version is DTLSv1\.3/, d);
}
function okServer(r: ServerRun, re: RegExp, label: string): void {
  const d = diag(label, { wolfSSL: r.wolf, 'our server': r.events, 'our server stderr': r.err, datagrams: r.dump });
  assert.is(r.code, 0, d);
  assert.match(r.wolf, /SSL version is DTLSv1\.3/, d);
  assert.ok(r.wolf.includes(WOLF_HELLO), d);
  assert.match(r.events, re, d);
}

const ecServer = ['--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key')];
const wolfEcServer = ['-c', join(EC, 'server-chain.pem'), '-k', join(EC, 'server.key')];

if (!found.ok) {
  if (process.env.CI === 'true') test('wolfSSL peer binaries are present', () => assert.unreachable(found.why));
  else console.log(`[interop] wolfSSL auth tests not registered: ${found.why}`);
} else {
  const bins = found.bins;

  test('wolfSSL client with a certificate -> our server requiring one (--client-auth require)', async () => {
    const r = await wolfToOurServer(bins, [...ecServer, '--client-auth', 'require', '--client-ca', join(EC, 'ca.pem')], [
      '-A', join(EC, 'ca.pem'), '-c', join(EC, 'client-chain.pem'), '-k', join(EC, 'client.key'),
    ]);
    okServer(r, /connected \S+ suite=TLS_AES_128_GCM_SHA256 .* client_cert="[^"]*CN=test client/, 'mutual C1');
  });

  test('wolfSSL client with a certificate and -r -> our server requiring one, with tickets: resumed, the identity kept', async () => {
    // the ticket of a mutual-auth handshake (resumption secret over the client's Certificate/CertificateVerify/Finished)
    // resumes, and our server reports the client's certificate on the resumed session (carried in the ticket)
    const r = await wolfToOurServer(bins, [...ecServer, '--client-auth', 'require', '--client-ca', join(EC, 'ca.pem'),
      '--tickets', '--echo-session-id', '--tls13-resumption-label'], [
      '-A', join(EC, 'ca.pem'), '-c', join(EC, 'client-chain.pem'), '-k', join(EC, 'client.key'), '-r',
    ]);
    okServer(r, /connected \S+ suite=TLS_AES_128_GCM_SHA256 .*scheme=ecdsa_secp256r1_sha256 .* client_cert="[^"]*CN=test client/, 'mutual + resumption');
    const d = diag('mutual + resumption', { wolfSSL: r.wolf, 'our server': r.events, datagrams: r.dump });
    assert.ok(r.wolf.includes('reused session id'), d);
    assert.match(r.events, /connected \S+ suite=\S+ .*scheme=psk .*client_cert="[^"]*CN=test client.*psk=resumption/, d);
  });

  test('wolfSSL client without a certificate -> our server requiring one: certificate_required', async () => {
    const r = await wolfToOurServer(bins, [...ecServer, '--client-auth', 'require', '--client-ca', join(EC, 'ca.pem')], ['-A', join(EC, 'ca.pem')]);
    const d = diag('mutual C2', { wolfSSL: r.wolf, 'our server': r.events, datagrams: r.dump });
    assert.not.match(r.events, /^connected /m, d);
    assert.match(r.events, /alert \S+ sent certificate_required\(116\)/, d);
  });

  test('wolfSSL client without a certificate -> our server requesting one: continues unauthenticated', async () => {
    const r = await wolfToOurServer(bins, [...ecServer, '--client-auth', 'request', '--client-ca', join(EC, 'ca.pem')], ['-A', join(EC, 'ca.pem')]);
    okServer(r, /connected \S+ .* client_cert=-/, 'mutual C3');
  });

  test('our client with --cert/--key -> wolfSSL server requiring a client certificate (-A client CA, -F)', async () => {
    const r = await ourClientToWolf(bins, [...wolfEcServer, '-A', join(EC, 'ca.pem'), '-F'], [
      '--ca', join(EC, 'ca.pem'), '--server-name', 'localhost', '--message', 'mutual', '--cert', join(EC, 'client-chain.pem'), '--key', join(EC, 'client.key'),
    ]);
    okClient(r, /connected suite=TLS_AES_128_GCM_SHA256 .*scheme=ecdsa_secp256r1_sha256/, 'mutual', 'mutual C4');
  });

  test('our client without a certificate -> wolfSSL server requiring one (-F): the handshake fails', async () => {
    const r = await ourClientToWolf(bins, [...wolfEcServer, '-A', join(EC, 'ca.pem'), '-F'], ['--ca', join(EC, 'ca.pem'), '--timeout', '4000']);
    const d = diag('mutual C5', { out: r.out, err: r.err, wolfSSL: r.wolf, datagrams: r.dump });
    assert.is.not(r.code, 0, d);
    assert.not.match(r.out, /^reply:/m, d);
  });

  test('RSA: our client (rsa_pss_rsae_sha256 opted in) -> wolfSSL server with an RSA-2048 <- 3072 <- 4096 chain, mutual with an RSA client certificate', async () => {
    const r = await ourClientToWolf(bins, ['-c', join(RSA, 'server-chain.pem'), '-k', join(RSA, 'server.key'), '-A', join(RSA, 'ca.pem'), '-F'], [
      '--ca', join(RSA, 'ca.pem'), '--server-name', 'localhost', '--message', 'rsa', '--sig', 'rsa_pss_rsae_sha256,ecdsa_secp256r1_sha256',
      '--cert', join(RSA, 'client-chain.pem'), '--key', join(RSA, 'client.key'),
    ]);
    okClient(r, /scheme=rsa_pss_rsae_sha256/, 'rsa', 'rsa R1');
  });

  test('RSA: wolfSSL client with an RSA client certificate -> our server with the RSA chain requiring one', async () => {
    const r = await wolfToOurServer(bins, ['--cert', join(RSA, 'server-chain.pem'), '--key', join(RSA, 'server.key'),
      '--client-auth', 'require', '--client-ca', join(RSA, 'ca.pem')], [
      '-A', join(RSA, 'ca.pem'), '-c', join(RSA, 'client-chain.pem'), '-k', join(RSA, 'client.key'),
    ]);
    okServer(r, /connected \S+ .*scheme=rsa_pss_rsae_sha256 .*client_cert="[^"]*CN=test rsa client/, 'rsa R2');
  });

  test('our client -> wolfSSL server, our Finished lost: wolfSSL discards the message sent behind it, our client resends it', async () => {
    let dropped = false;
    const r = await ourClientToWolf(bins, [...wolfEcServer, '-d'], ['--ca', join(EC, 'ca.pem'), '--message', 'resent', '--resend', '300', '--verbose'],
      // our first epoch-2 datagram (unified header, epoch bits 2) carries the Finished
      (c) => c.dir === 'c>s' && !dropped && (c.bytes[0]! & 0xe3) === 0x22 && (dropped = true));
    okClient(r, /connected /, 'resent', 'resend D1');
    assert.ok(dropped);
    // Which copy wolfSSL keeps depends on timing: if the message reached it before our retransmitted Finished, it
    // was discarded and only the resend gets the echo ("resending the message"); if the retransmission timer
    // (10 ms floor) resent the Finished before the message left, the first copy is delivered. Either way the
    // reply must come (okClient above); the resend path itself is pinned by the runs where it happens.
    if (!/resending the message/.test(r.err)) assert.match(r.err, /send|recv/, 'verbose log expected');
  });

  for (const [ours, wolf] of [['TLS_AES_128_CCM_SHA256', 'TLS13-AES128-CCM-SHA256'], ['TLS_AES_128_CCM_8_SHA256', 'TLS13-AES128-CCM-8-SHA256']] as const) {
    test(`${ours}: our client -> wolfSSL server and wolfSSL client -> our server`, async () => {
      // at least 7 bytes: wolfSSL 5.5.4 does not pad short CCM_8 records (docs/interop.md), so its echo of a shorter
      // message would be under the 16 ciphertext bytes record-number encryption needs and its SSL_write fails
      const a = await ourClientToWolf(bins, [...wolfEcServer, '-d', '-l', wolf], ['--ca', join(EC, 'ca.pem'), '--suite', ours, '--message', 'ccm message']);
      okClient(a, new RegExp(`connected suite=${ours} `), 'ccm message', `${ours} A`);
      assert.match(a.wolf, new RegExp(`SSL cipher suite is ${ours}`));
      const b = await wolfToOurServer(bins, [...ecServer, '--suite', ours], ['-A', join(EC, 'ca.pem'), '-l', wolf]);
      okServer(b, new RegExp(`connected \\S+ suite=${ours} `), `${ours} B`);
    });
  }
}

test.run();
