// Interop with a second real DTLS 1.3 stack: BoringSSL a0689af29 (Chrome, Android), through the project's own
// peer program deploy/peers/boringssl/peer.cc (built by .ci/boringssl.sh). Our side runs in-process through the demo
// CLI entry points, over real UDP on 127.0.0.1 with a recording relay in between (its dump is printed on failure).
// If the peer is absent: under CI=true one failing test says so; otherwise every test is registered as skipped
// (counted in uvu's "Skipped:" line) and the reason printed.
// BoringSSL's default ClientHello carries an X25519MLKEM768 share (1216 B) beside an X25519 one and is 1404 B; it
// spans two datagrams at MTU 1400 (1400 + 29 B), and after a cookie HelloRetryRequest even at its default 1472-byte
// MTU (1472 + 39 B): our server reassembles it before any connection exists (src/dtls/endpoint/hello-fragments.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { main as clientMain } from '../../src/cli/demo-client.ts';
import { start as serverStart } from '../../src/cli/demo-server.ts';
import { skipTest } from '../skip.ts';
import { CERTS, findBoringssl, spawnPeer, type Peer } from './harness.ts';
import { startProxy, type Captured, type Proxy as UdpProxy, type ProxyOptions } from './udp-proxy.ts';

const EC = join(CERTS, 'ecdsa');
const ED = join(CERTS, 'ed25519');

const found = findBoringssl();

function diag(label: string, parts: Record<string, string>): string {
  return [label, ...Object.entries(parts).map(([k, v]) => `--- ${k}:\n${v}`)].join('\n');
}

type ClientRun = { code: number; out: string; err: string; peer: string; peerCode: number | null; dump: string; log: Captured[] };

/** Our demo client -> relay -> BoringSSL peer server. */
async function ourClientToBssl(peerBin: string, serverArgs: string[], clientArgs: string[], drop?: (c: Captured, n: number) => boolean): Promise<ClientRun> {
  let peer: Peer | undefined;
  let proxy: UdpProxy | undefined;
  try {
    peer = spawnPeer(peerBin, ['--server', '--port', '0', ...serverArgs], { limitMs: 15000 });
    if (!(await peer.waitFor(/listening port=\d+/, 5000))) throw new Error(`BoringSSL peer did not start: ${peer.output()}`);
    const port = Number(/listening port=(\d+)/.exec(peer.output())![1]);
    proxy = await startProxy(port, drop);
    let out = '';
    let err = '';
    const code = await clientMain(['--host', '127.0.0.1', '--port', String(proxy.port), '--timeout', '8000', ...clientArgs], (s) => (out += s), (s) => (err += s));
    // the peer serves one connection, then exits after close_notify or one idle second
    const peerCode = await Promise.race([peer.exited, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    return { code, out, err, peer: peer.output(), peerCode, dump: proxy.dump(), log: proxy.log };
  } finally {
    peer?.kill();
    await proxy?.close();
  }
}

type ServerRun = { code: number | null; peer: string; events: string; err: string; dump: string; log: Captured[] };

/** BoringSSL peer client -> relay -> our demo server. */
async function bsslToOurServer(
  peerBin: string,
  serverArgs: string[],
  clientArgs: string[],
  relay?: ProxyOptions | ((c: Captured, n: number) => boolean),
): Promise<ServerRun> {
  let events = '';
  let err = '';
  const srv = await serverStart(['--port', '0', ...serverArgs], (s) => (events += s), (s) => (err += s));
  if (typeof srv === 'number') throw new Error(`demo server did not start (${srv}): ${err}`);
  let peer: Peer | undefined;
  let proxy: UdpProxy | undefined;
  try {
    proxy = await startProxy(srv.port, relay);
    peer = spawnPeer(peerBin, ['--client', '--port', String(proxy.port), '--timeout-ms', '8000', ...clientArgs], { limitMs: 12000 });
    const code = await peer.exited;
    await new Promise((r) => setTimeout(r, 50)); // its close_notify may still be in flight
    return { code, peer: peer.output(), events, err, dump: proxy.dump(), log: proxy.log };
  } finally {
    peer?.kill();
    await proxy?.close();
    await srv.close();
  }
}

/** BoringSSL's name for a group / suite in its "connected" line. */
const BSSL_GROUP: Record<string, string> = { x25519: 'X25519', secp256r1: 'P-256', X25519MLKEM768: 'X25519MLKEM768' };

function checkClient(r: ClientRun, e: { suite: string; group: string; scheme: string; hrr: boolean; message: string }, label: string): void {
  const d = diag(label, { 'our client stdout': r.out, 'our client stderr': r.err, [`BoringSSL peer (exit ${r.peerCode})`]: r.peer, datagrams: r.dump });
  assert.is(r.code, 0, d);
  assert.match(r.out, new RegExp(`connected suite=${e.suite} group=${e.group} scheme=${e.scheme} hrr=${e.hrr ? 'yes' : 'no'}`), d);
  assert.ok(r.out.includes(`reply: ${e.message}\n`), d);
  assert.ok(r.peer.includes(`connected version=DTLSv1.3 cipher=${e.suite} group=${BSSL_GROUP[e.group]} hrr=${e.hrr ? 'yes' : 'no'}`), d);
  assert.ok(r.peer.includes(`received: ${e.message}\n`), d);
}

function checkServer(r: ServerRun, e: { suite: string; group: string; scheme: string; hrr: boolean; message: string }, label: string): void {
  const d = diag(label, { 'BoringSSL peer': r.peer, 'our server': r.events, 'our server stderr': r.err, datagrams: r.dump });
  assert.is(r.code, 0, d);
  assert.ok(r.peer.includes(`connected version=DTLSv1.3 cipher=${e.suite} group=${BSSL_GROUP[e.group] ?? e.group}`), d);
  assert.ok(r.peer.includes(`reply: ${e.message}\n`), d); // our echo of its message
  assert.match(r.events, new RegExp(`connected \\S+ suite=${e.suite} group=${e.group} scheme=${e.scheme} hrr=${e.hrr ? 'yes' : 'no'}`), d);
  assert.match(r.events, new RegExp(`data \\S+ ${e.message.length}B`), d);
}

/** A client datagram starting with a ClientHello fragment shorter than the message (RFC 9147 5.5 header: length at
 *  13+1, fragment_length at 13+9, both uint24). */
function fragmentedHellos(log: Captured[]): number {
  const u24 = (b: Uint8Array, i: number) => (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
  return log.filter((c) => c.dir === 'c>s' && c.bytes.length > 25 && c.bytes[0] === 22 && c.bytes[13] === 1 && u24(c.bytes, 22) < u24(c.bytes, 14)).length;
}

const ecServer = ['--cert', join(EC, 'server-chain.pem'), '--key', join(EC, 'server.key')];
const ecClient = ['--ca', join(EC, 'ca.pem'), '--server-name', 'localhost'];

type Case = { name: string; run: (peer: string) => Promise<void> };
const cases: Case[] = [
  {
    name: 'our client -> BoringSSL server: AES-128-GCM, X25519, ECDSA chain',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--suite', 'TLS_AES_128_GCM_SHA256', '--group', 'x25519', '--message', 'bssl 1']);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl 1' }, 'case A1');
    },
  },
  {
    name: 'our client -> BoringSSL server: AES-256-GCM, P-256 (noble provider)',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--suite', 'TLS_AES_256_GCM_SHA384', '--group', 'secp256r1', '--crypto', 'noble', '--message', 'bssl 2']);
      checkClient(r, { suite: 'TLS_AES_256_GCM_SHA384', group: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl 2' }, 'case A2');
    },
  },
  {
    name: 'our client -> BoringSSL server: ChaCha20-Poly1305, X25519 (record-number mask interop)',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, [...ecServer, '--cipher', 'chacha'], [...ecClient, '--suite', 'TLS_CHACHA20_POLY1305_SHA256', '--message', 'bssl 3']);
      checkClient(r, { suite: 'TLS_CHACHA20_POLY1305_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl 3' }, 'case A3');
    },
  },
  {
    name: 'our client -> BoringSSL server: Ed25519 chain, KeyUpdate both ways',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ['--cert', join(ED, 'server-chain.pem'), '--key', join(ED, 'server.key'), '--keyupdate'], [
        '--ca', join(ED, 'ca.pem'), '--server-name', 'localhost', '--keyupdate', '--message', 'bssl 4',
      ]);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ed25519', hrr: false, message: 'bssl 4' }, 'case A4');
      const d = diag('case A4', { out: r.out, peer: r.peer, datagrams: r.dump });
      assert.match(r.out, /keyupdate send epoch=4/, d);
      assert.match(r.out, /keyupdate receive epoch=4/, d);
      assert.match(r.peer, /keyupdate sent/, d);
    },
  },
  {
    name: 'our client -> BoringSSL server: group HelloRetryRequest (server takes P-256 only, we sent an X25519 share)',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, [...ecServer, '--groups', 'P-256'], [...ecClient, '--group', 'x25519,secp256r1', '--message', 'bssl 5']);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl 5' }, 'case A5');
    },
  },
  {
    name: 'our client -> BoringSSL server: a lost server datagram (second of its flight) is recovered',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--message', 'after loss'], (c, n) => c.dir === 's>c' && n === 1);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'after loss' }, 'case A6');
      assert.match(r.dump, /DROPPED/);
    },
  },
  {
    name: 'our client -> BoringSSL server: we offer X25519MLKEM768 and it is negotiated',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--group', 'X25519MLKEM768,x25519', '--message', 'bssl pq']);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl pq' }, 'case A7');
    },
  },
  {
    name: 'our client -> BoringSSL server: two key shares (X25519MLKEM768 + x25519, as BoringSSL sends), MTU 1000, noble provider',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--group', 'X25519MLKEM768,x25519', '--key-share', 'X25519MLKEM768,x25519', '--mtu', '1000', '--crypto', 'noble', '--message', 'bssl pq2']);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl pq2' }, 'case A8');
      assert.ok(fragmentedHellos(r.log) >= 2, r.dump); // our ClientHello (about 1.5 KB) in two datagrams
    },
  },
  {
    name: 'our client -> BoringSSL server: only P-256 offered while BoringSSL prefers the hybrid group',
    run: async (peer) => {
      const r = await ourClientToBssl(peer, ecServer, [...ecClient, '--group', 'secp256r1', '--message', 'bssl p256']);
      checkClient(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl p256' }, 'case A9');
    },
  },
  {
    name: 'BoringSSL client -> our server: X25519 only (one-datagram ClientHello), cookie on',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, ecServer, [...ecClient, '--groups', 'X25519', '--message', 'bssl b1']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b1' }, 'case B1');
    },
  },
  {
    name: 'BoringSSL client -> our server: P-256 only, cookie off, AES-256-GCM chosen by our server',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--cookie', 'off', '--suite', 'TLS_AES_256_GCM_SHA384'], [...ecClient, '--groups', 'P-256', '--message', 'bssl b2']);
      checkServer(r, { suite: 'TLS_AES_256_GCM_SHA384', group: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl b2' }, 'case B2');
    },
  },
  {
    name: 'BoringSSL client -> our server: ChaCha20-Poly1305, KeyUpdate, X25519 only',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--suite', 'TLS_CHACHA20_POLY1305_SHA256'], [...ecClient, '--groups', 'X25519', '--keyupdate', '--message', 'bssl b3']);
      checkServer(r, { suite: 'TLS_CHACHA20_POLY1305_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b3' }, 'case B3');
      assert.match(r.events, /keyupdate \S+ receive epoch=4/, r.events);
    },
  },
  {
    name: 'BoringSSL client -> our server: X25519 only, its Finished lost once',
    run: async (peer) => {
      let dropped = false;
      const r = await bsslToOurServer(peer, ecServer, [...ecClient, '--groups', 'X25519', '--message', 'bssl b4'], (c) => {
        if (c.dir === 'c>s' && !dropped && (c.bytes[0]! & 0xe3) === 0x22) return (dropped = true); // first epoch-2 record
        return false;
      });
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b4' }, 'case B4');
      assert.match(r.dump, /DROPPED/);
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults (X25519MLKEM768 + X25519 shares, 1404-byte ClientHello), cookie off',
    run: async (peer) => {
      // at its default MTU (1472) the first ClientHello fits one datagram; our server's default groups do not list
      // 0x11ec, so it takes the X25519 share BoringSSL sends beside the hybrid one
      const r = await bsslToOurServer(peer, [...ecServer, '--cookie', 'off'], [...ecClient, '--message', 'bssl b5']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl b5' }, 'case B5');
      assert.ok(r.log.some((c) => c.dir === 'c>s' && c.bytes.length > 1300), r.dump); // the hybrid-share ClientHello
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults, cookie on (ClientHello 2 with the cookie spans 1472 + 39 B)',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, ecServer, [...ecClient, '--message', 'bssl b6']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b6' }, 'case B6');
      assert.ok(fragmentedHellos(r.log) >= 2, r.dump); // ClientHello 2 in two datagrams
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults at MTU 1400 (ClientHello 1400 + 29 B), cookie off',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--cookie', 'off'], [...ecClient, '--mtu', '1400', '--message', 'bssl b7']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl b7' }, 'case B7');
      assert.ok(fragmentedHellos(r.log) >= 2, r.dump);
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults, cookie on, our server prefers X25519MLKEM768',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--group', 'X25519MLKEM768,x25519'], [...ecClient, '--message', 'bssl b8']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b8' }, 'case B8');
      assert.ok(fragmentedHellos(r.log) >= 2, r.dump);
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults at MTU 1400, cookie off, our server prefers X25519MLKEM768',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--cookie', 'off', '--group', 'X25519MLKEM768,x25519'], [...ecClient, '--mtu', '1400', '--message', 'bssl b9']);
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'X25519MLKEM768', scheme: 'ecdsa_secp256r1_sha256', hrr: false, message: 'bssl b9' }, 'case B9');
      assert.ok(fragmentedHellos(r.log) >= 2, r.dump);
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults at MTU 1400, cookie on, the second fragment of its first ClientHello lost',
    run: async (peer) => {
      let n = 0;
      const r = await bsslToOurServer(peer, ecServer, [...ecClient, '--mtu', '1400', '--message', 'bssl b10'], (c) => {
        if (c.dir === 'c>s' && c.bytes[0] === 22 && c.bytes[13] === 1) return ++n === 2; // fragment 2 of ClientHello 1
        return false;
      });
      checkServer(r, { suite: 'TLS_AES_128_GCM_SHA256', group: 'x25519', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b10' }, 'case B10');
      assert.match(r.dump, /DROPPED/);
    },
  },
  {
    name: 'BoringSSL client -> our server: its defaults, AES-256-GCM and P-256 chosen by our server (HRR for the group)',
    run: async (peer) => {
      const r = await bsslToOurServer(peer, [...ecServer, '--cookie', 'off', '--suite', 'TLS_AES_256_GCM_SHA384', '--group', 'secp256r1'], [...ecClient, '--message', 'bssl b11']);
      checkServer(r, { suite: 'TLS_AES_256_GCM_SHA384', group: 'secp256r1', scheme: 'ecdsa_secp256r1_sha256', hrr: true, message: 'bssl b11' }, 'case B11');
    },
  },
];

if (!found.ok && process.env.CI === 'true') {
  test('BoringSSL peer is present (CI builds it with .ci/boringssl.sh)', () => {
    assert.unreachable(found.why);
  });
} else {
  for (const c of cases) {
    if (!found.ok) skipTest(test, c.name, `BoringSSL peer absent: ${found.why}`);
    else {
      const peer = found.peer;
      test(c.name, () => c.run(peer));
    }
  }
}

test.run();
