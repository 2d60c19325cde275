// Bounded server state under a ClientHello flood with cookies off (./half-open.ts): the total and per-source caps
// on half-open connections, the handshake timeout, and the 50,000-ClientHello flood run in a child process with
// --expose-gc so that the heap can be measured (flood-run.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ClientEndpoint, ServerDispatcher, type ServerConfig } from '../../../src/dtls/index.ts';
import { sourceOf } from '../../../src/dtls/endpoint/half-open.ts';
import { credential, providers, verifier } from './harness.ts';

const here = dirname(fileURLToPath(import.meta.url));

function setup(more: Partial<ServerConfig>) {
  const { c, s } = providers('node', 'caps');
  const server = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false }, ...more });
  const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c) });
  cl.connect(0);
  const ch = cl.pollTransmit()!;
  const closed: string[] = [];
  const drain = () => {
    while (server.pollTransmit());
    for (let e; (e = server.pollEvent()); ) if (e.event.type === 'closed') closed.push(`${e.address}:${e.event.reason}`);
  };
  return { server, ch, closed, drain };
}

test('sourceOf: host of host:port and [v6]:port, the whole string otherwise', () => {
  assert.is(sourceOf('10.0.0.1:443'), '10.0.0.1');
  assert.is(sourceOf('[2001:db8::1]:443'), '[2001:db8::1]');
  assert.is(sourceOf('client-7'), 'client-7');
  assert.is(sourceOf('host:'), 'host:');
});

test('total cap: the oldest half-open connection is evicted for a new one', () => {
  const { server, ch, closed, drain } = setup({ maxHalfOpen: 3 });
  for (let i = 0; i < 5; i++) { server.receive(ch, `10.0.0.${i}:1`, i); drain(); }
  assert.is(server.halfOpen.size, 3);
  assert.equal([...server.connections.keys()], ['10.0.0.2:1', '10.0.0.3:1', '10.0.0.4:1']);
  assert.equal(closed, ['10.0.0.0:1:evicted', '10.0.0.1:1:evicted']);
  assert.is(server.stats.halfOpenEvicted, 2);
});

test('per-source cap: a source holds at most N half-open connections (its oldest goes), other sources untouched', () => {
  const { server, ch, closed, drain } = setup({ maxHalfOpenPerSource: 2 });
  server.receive(ch, '10.9.9.9:1', 0);
  for (let p = 1; p <= 4; p++) { server.receive(ch, `10.0.0.1:${p}`, p); drain(); }
  assert.equal([...server.connections.keys()].sort(), ['10.0.0.1:3', '10.0.0.1:4', '10.9.9.9:1']);
  assert.equal(closed, ['10.0.0.1:1:evicted', '10.0.0.1:2:evicted']);
});

test('handshake timeout: a half-open connection is abandoned after handshakeTimeoutMs (dispatcher timer), a connected one is not', () => {
  const { server, ch, closed, drain } = setup({ handshakeTimeoutMs: 5000 });
  server.receive(ch, '10.0.0.1:1', 0);
  drain();
  assert.is(server.nextTimeout(), 1000); // the flight's retransmission timer comes first
  server.handleTimeout(1000);
  drain();
  assert.is(server.connections.size, 1);
  server.handleTimeout(5000);
  drain();
  assert.is(server.connections.size, 0);
  assert.equal(closed, ['10.0.0.1:1:timeout']);
  assert.is(server.stats.handshakeTimeouts, 1);
  assert.throws(() => setup({ maxHalfOpen: 0 }), /maxHalfOpen must be > 0/);
});

test('flood: 50,000 ClientHellos from distinct addresses, cookies off, cap 1000: state stays under the cap (heap measured), a legitimate client completes', () => {
  const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'flood-run.ts'), '50000', '1000'],
    { encoding: 'utf8', cwd: join(here, '../../..') });
  const r = JSON.parse(out.trim().split('\n').pop()!) as Record<string, number | boolean>;
  assert.ok(r.gc, 'heap measured after global.gc');
  assert.is(r.sent, 50000);
  assert.ok((r.maxHalfOpen as number) <= 1000, `half-open ${r.maxHalfOpen}`);
  assert.ok((r.maxConns as number) <= 1001, `connections ${r.maxConns} (cap + the legitimate one)`);
  assert.ok(r.legitConnected, 'legitimate client completed during the flood');
  // ~12.5 KiB per half-open connection measured (a whole server flight held for retransmission); without the cap
  // 50,000 of them would hold ~600 MiB. Bound: 1000 x 16 KiB + 8 MiB of slack.
  const grown = Math.max(r.heapPeak as number, r.heapAfter as number) - (r.heapBase as number);
  assert.ok(grown < 1000 * 16384 + 8 * 2 ** 20, `heap grew ${(grown / 2 ** 20).toFixed(1)} MiB`);
});

test.run();
