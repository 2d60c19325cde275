// Full handshakes in memory for every group x signature x suite, with and without HelloRetryRequest (missing
// group) and the stateless cookie; both sides must agree on the exporter master secret (same transcript).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_GROUPS, SUITE_NAMES, parseKeylog, type KxGroup } from '../../../src/dtls/index.ts';
import { Pair, credential, providers, verifier, type KeyKind } from './harness.ts';

type Mode = 'plain' | 'hrr-group' | 'cookie' | 'cookie+hrr-group';
const MODES: Mode[] = ['plain', 'hrr-group', 'cookie', 'cookie+hrr-group'];
const KEYS: KeyKind[] = ['ecdsa', 'ed25519'];

function handshake(kind: 'node' | 'noble', group: KxGroup, key: KeyKind, suite: (typeof SUITE_NAMES)[number], mode: Mode, seed: number) {
  const { c, s } = providers(kind, seed);
  const other = DEFAULT_GROUPS.find((g) => g !== group)!;
  const needGroup = mode === 'hrr-group' || mode === 'cookie+hrr-group';
  const p = new Pair(
    {
      crypto: c, verifier: verifier(c), serverName: 'localhost', suites: [suite],
      groups: needGroup ? [other, group] : [group, other], keyShareGroups: needGroup ? [other] : [group],
    },
    {
      crypto: s, credential: credential(key), groups: [group], suites: [suite],
      cookie: { enabled: mode.startsWith('cookie') },
    },
  );
  assert.ok(p.connect(), `${kind} ${group} ${key} ${suite} ${mode}: not connected`);
  const ce = p.clientEvents.find((e) => e.type === 'connected');
  const se = p.serverEvents.find((e) => e.type === 'connected');
  if (ce?.type !== 'connected' || se?.type !== 'connected') throw new Error('no connected event');
  assert.is(ce.suite, suite);
  assert.is(ce.group, group);
  assert.is(ce.signatureScheme, key === 'ecdsa' ? 'ecdsa_secp256r1_sha256' : 'ed25519');
  assert.is(se.suite, suite);
  assert.is(ce.helloRetry, mode !== 'plain');
  assert.is(se.helloRetry, mode !== 'plain');
  // handshake message counts (the simulator charges host protocol work per message): the client sends CH [CH2]
  // Finished and processes [HRR] SH EE Certificate CertificateVerify Finished; a cookie HRR is the dispatcher's
  const cs = p.client.stats;
  const ss = p.serverConn!.stats;
  const retry = mode === 'plain' ? 0 : 1;
  assert.is(cs.handshakeMessagesSent, 2 + retry);
  assert.is(cs.handshakeMessagesReceived, 5 + retry);
  const statefulHrr = mode === 'hrr-group' ? 1 : 0;
  assert.is(ss.handshakeMessagesSent, 5 + statefulHrr);
  assert.is(ss.handshakeMessagesReceived, 2 + statefulHrr);
  const a = p.client.exporterSecret!;
  const b = p.serverConn!.exporterSecret!;
  assert.equal(Buffer.from(a).toString('hex'), Buffer.from(b).toString('hex'));
  // application data both ways under the negotiated keys
  p.client.send(new TextEncoder().encode('ping'));
  p.serverConn!.send(new TextEncoder().encode('pong'));
  p.settle(100);
  const cd = p.clientEvents.filter((e) => e.type === 'data');
  const sd = p.serverEvents.filter((e) => e.type === 'data');
  assert.is(cd.length, 1);
  assert.is(sd.length, 1);
  if (cd[0]?.type === 'data') assert.is(new TextDecoder().decode(cd[0].data), 'pong');
  if (sd[0]?.type === 'data') assert.is(new TextDecoder().decode(sd[0].data), 'ping');
  return p;
}

test('node provider: every group x signature x suite x {plain, HRR for group, cookie, cookie + HRR}', () => {
  let n = 0;
  for (const group of DEFAULT_GROUPS) for (const key of KEYS) for (const suite of SUITE_NAMES) for (const mode of MODES) {
    handshake('node', group, key, suite, mode, n++);
  }
  assert.is(n, 80); // 2 groups x 2 keys x 5 suites x 4 modes
});

test('noble provider: every group x signature x suite (mode rotates)', () => {
  let n = 0;
  for (const group of DEFAULT_GROUPS) for (const key of KEYS) for (const suite of SUITE_NAMES) {
    handshake('noble', group, key, suite, MODES[n % MODES.length]!, 1000 + n);
    n++;
  }
  assert.is(n, 20); // 2 groups x 2 keys x 5 suites
});

test('cross-provider: noble client against node server', () => {
  const { c } = providers('noble', 7);
  const { s } = providers('node', 7);
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  assert.equal(Buffer.from(p.client.exporterSecret!).toString('hex'), Buffer.from(p.serverConn!.exporterSecret!).toString('hex'));
});

test('keylog: both ends log the same five secrets for the same client random', () => {
  const { c, s } = providers('node', 10);
  const lc: string[] = [];
  const ls: string[] = [];
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', keylog: (l) => lc.push(l) },
    { crypto: s, credential: credential('ecdsa'), keylog: (l) => ls.push(l) });
  assert.ok(p.connect());
  assert.is(lc.length, 5);
  assert.equal([...lc].sort(), [...ls].sort());
  const entries = parseKeylog(lc.join('\n'));
  assert.is(entries.length, 5);
  const exp = entries.find((e) => e.label === 'EXPORTER_SECRET')!;
  assert.equal(Array.from(exp.secret), Array.from(p.client.exporterSecret!));
});

test('determinism: same seeds (noble provider) => byte-identical datagrams, also over a lossy link', () => {
  const run = () => {
    const { c, s } = providers('noble', 'det');
    const log: string[] = [];
    const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', groups: ['x25519'] },
      { crypto: s, credential: credential('ed25519') },
      { loss: 0.2, seed: 77, tap: (dir, d) => { log.push(dir + Buffer.from(d).toString('hex')); return d; } });
    assert.ok(p.connect());
    p.settle(10_000);
    return log.join('\n');
  };
  const a = run();
  assert.ok(a.length > 1000);
  assert.is(run(), a);
});

test('close_notify ends both sides', () => {
  const { c, s } = providers('node', 9);
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ed25519') });
  assert.ok(p.connect());
  p.client.close();
  p.settle(100);
  assert.ok(p.client.isClosed);
  assert.ok(p.serverConn!.isClosed);
  assert.ok(p.serverEvents.some((e) => e.type === 'alert' && e.description === 0 && !e.sent));
  assert.ok(p.serverEvents.some((e) => e.type === 'closed' && e.reason === 'close_notify'));
  assert.is(p.server.connections.size, 0, 'dispatcher forgets closed connections');
});

test.run();
