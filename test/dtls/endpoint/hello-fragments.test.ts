// Fragmented ClientHellos (RFC 9147 5.5) reach the server before any connection exists: the dispatcher reassembles
// them in a bounded buffer (per address and in total), with cookies on (stateless HRR) and off, in any order.
// Also: the hybrid group X25519MLKEM768 and MLKEM768 negotiated end to end, offered, preferred or refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KxGroup } from '../../../src/dtls/index.ts';
import { ClientEndpoint, ServerDispatcher } from '../../../src/dtls/index.ts';
import { HelloReassembly } from '../../../src/dtls/endpoint/hello-fragments.ts';
import { type LinkOptions, Pair, credential, providers, verifier } from './harness.ts';

type Opts = { kind?: 'node' | 'noble'; cookie?: boolean; clientGroups?: KxGroup[]; shares?: KxGroup[]; serverGroups?: KxGroup[]; mtu?: number; tap?: LinkOptions['tap']; seed?: string };

function pair(o: Opts): Pair {
  const { c, s } = providers(o.kind ?? 'node', o.seed ?? 'frag');
  return new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', mtu: o.mtu ?? 600, ...(o.clientGroups ? { groups: o.clientGroups } : {}), ...(o.shares ? { keyShareGroups: o.shares } : {}) },
    { crypto: s, credential: credential('ecdsa'), cookie: { enabled: o.cookie ?? true }, ...(o.serverGroups ? { groups: o.serverGroups } : {}) },
    { tap: o.tap },
  );
}

function connectedGroup(p: Pair): string | undefined {
  const e = p.clientEvents.find((x) => x.type === 'connected');
  const s = p.serverEvents.find((x) => x.type === 'connected');
  if (!e || !s || e.type !== 'connected' || s.type !== 'connected') return undefined;
  assert.is(e.group, s.group);
  return e.group;
}

// Client share sizes (draft-ietf-tls-ecdhe-mlkem, FIPS 203 Table 3): ek 1184 B, X25519 32 B.
const HYBRID_SHARE = 1184 + 32;

for (const kind of ['node', 'noble'] as const) {
  for (const cookie of [true, false]) {
    test(`${kind}, cookie ${cookie ? 'on' : 'off'}: hybrid + x25519 shares in a ClientHello over several datagrams; the server's default groups take x25519`, () => {
      const chSizes: number[] = [];
      const p = pair({ kind, cookie, clientGroups: ['X25519MLKEM768', 'x25519'], shares: ['X25519MLKEM768', 'x25519'], tap: (dir, d) => { if (dir === 'c2s' && d[0] === 22 && d[13] === 1) chSizes.push(d.length); return d; } });
      assert.ok(p.connect(), 'connected');
      assert.is(connectedGroup(p), 'x25519');
      assert.ok(chSizes.length >= 3, `ClientHello in ${chSizes.length} datagrams`);
      assert.ok(chSizes.every((n) => n <= 600));
      assert.ok(chSizes.reduce((a, b) => a + b, 0) > HYBRID_SHARE);
      assert.is(p.server.hellos.size, 0, 'buffer empty once complete');
      assert.is(p.server.hellos.heldBytes, 0);
      if (cookie) assert.is(p.server.stats.statelessHrrSent, 1);
    });
    test(`${kind}, cookie ${cookie ? 'on' : 'off'}: a server preferring X25519MLKEM768 negotiates it`, () => {
      const p = pair({ kind, cookie, clientGroups: ['X25519MLKEM768', 'x25519'], shares: ['X25519MLKEM768', 'x25519'], serverGroups: ['X25519MLKEM768', 'x25519'] });
      assert.ok(p.connect());
      assert.is(connectedGroup(p), 'X25519MLKEM768');
    });
  }
}

// The server takes the first of its groups the client sent a share for, and asks by HelloRetryRequest only when
// there is none: a server that must have the hybrid group lists only it (refuses the classical ones).
test('MLKEM768 alone, and the hybrid group through a HelloRetryRequest (client sent only x25519)', () => {
  let p = pair({ clientGroups: ['MLKEM768'], serverGroups: ['MLKEM768'], cookie: false });
  assert.ok(p.connect());
  assert.is(connectedGroup(p), 'MLKEM768');
  p = pair({ clientGroups: ['x25519', 'X25519MLKEM768'], serverGroups: ['X25519MLKEM768'], cookie: true });
  assert.ok(p.connect());
  assert.is(connectedGroup(p), 'X25519MLKEM768');
  const ev = p.clientEvents.find((e) => e.type === 'connected');
  assert.ok(ev && ev.type === 'connected' && ev.helloRetry);
});

test('a server refusing the hybrid group (default groups) with a client offering only it fails with no common group', () => {
  const p = pair({ clientGroups: ['X25519MLKEM768'], cookie: false });
  assert.not.ok(p.connect(5000));
  assert.ok(p.client.isClosed);
});

test('fragments reversed and duplicated: still one connection, cookie on', () => {
  let held: Uint8Array[] = [];
  const p = pair({
    clientGroups: ['X25519MLKEM768', 'x25519'], shares: ['X25519MLKEM768', 'x25519'], mtu: 500,
    tap: (dir, d) => {
      if (dir !== 'c2s' || d[0] !== 22 || d[13] !== 1) return d;
      held.push(d);
      if (held.length < 3) return undefined; // a ClientHello of this size takes 3 datagrams at MTU 500
      const out = [...held.reverse(), held[0]!];
      held = [];
      return out;
    },
  });
  assert.ok(p.connect());
  assert.is(p.server.connections.size, 1);
});

test('caps: a ClientHello longer than maxMessageBytes is never buffered; no answer, no state', () => {
  const { c, s } = providers('node', 'cap');
  const srv = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), helloReassembly: { maxMessageBytes: 1000 } });
  const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c), mtu: 600, groups: ['X25519MLKEM768', 'x25519'] });
  cl.connect(0);
  for (let d; (d = cl.pollTransmit()); ) srv.receive(d, 'a:1', 0);
  assert.is(srv.pollTransmit(), undefined);
  assert.is(srv.hellos.size, 0);
  assert.ok(srv.hellos.stats.refused >= 2);
  assert.is(srv.connections.size, 0);
});

test('caps: total bytes over many addresses stay under maxTotalBytes (oldest evicted), entries expire', () => {
  const { c, s } = providers('node', 'cap2');
  const srv = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), helloReassembly: { maxTotalBytes: 10000, timeoutMs: 1000 } });
  const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c), mtu: 600, groups: ['X25519MLKEM768', 'x25519'] });
  cl.connect(0);
  const first = cl.pollTransmit()!;
  const len = (first[13 + 1]! << 16) | (first[13 + 2]! << 8) | first[13 + 3]!; // announced ClientHello length
  for (let i = 0; i < 20; i++) {
    srv.receive(first, `10.0.0.${i}:1`, 0);
    assert.ok(srv.hellos.heldBytes <= 10000);
  }
  assert.is(srv.hellos.size, Math.floor(10000 / (2 * len)));
  assert.is(srv.hellos.heldBytes, srv.hellos.size * 2 * len);
  assert.is(srv.connections.size, 0);
  assert.is(srv.pollTransmit(), undefined, 'no answer to a partial ClientHello');
  srv.receive(first, '10.9.9.9:1', 1000); // everything older than 1000 ms goes first
  assert.is(srv.hellos.size, 1);
});

test('HelloReassembly: overlapping fragments, changed bytes restart, a new message_seq replaces', () => {
  const r = new HelloReassembly({});
  const msg = new Uint8Array(100).map((_, i) => i);
  const frag = (seq: number, off: number, n: number, body = msg) => ({ f: { msgType: 1, length: body.length, messageSeq: seq, fragmentOffset: off, fragment: body.slice(off, off + n) }, recordSeq: off });
  assert.is(r.add('a', [frag(0, 0, 60)], 80, 0), undefined);
  const changed = msg.slice();
  changed[50] = 0xff;
  assert.is(r.add('a', [frag(0, 40, 30, changed)], 50, 0), undefined); // overlap with a different byte: entry restarts
  assert.is(r.add('a', [frag(0, 70, 30)], 50, 0), undefined);
  assert.is(r.add('a', [frag(1, 0, 50)], 70, 0), undefined); // message_seq 1 replaces
  const done = r.add('a', [frag(1, 30, 70)], 90, 0); // overlapping tail completes it
  assert.ok(done);
  assert.equal(Array.from(done!.body), Array.from(msg));
  assert.is(done!.messageSeq, 1);
  assert.is(done!.recordSeq, 30);
  assert.is(done!.inBytes, 160);
  assert.is(r.size, 0);
  assert.is(r.heldBytes, 0);
});

test('a restarted client on the address of an established association, hybrid ClientHello in fragments: new association after the cookie', () => {
  const p = pair({ clientGroups: ['X25519MLKEM768', 'x25519'], shares: ['X25519MLKEM768', 'x25519'], serverGroups: ['X25519MLKEM768', 'x25519'] });
  assert.ok(p.connect());
  p.settle(100);
  const old = p.serverConn!;
  const { c } = providers('node', 'restart2');
  const c2 = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', mtu: 600, groups: ['X25519MLKEM768', 'x25519'], keyShareGroups: ['X25519MLKEM768', 'x25519'] });
  c2.connect(p.now);
  let connected = false;
  let fragments = 0;
  for (let r = 0; r < 10 && !connected; r++) {
    for (let d; (d = c2.pollTransmit()); ) {
      if (d[0] === 22 && d[13] === 1) fragments++;
      p.server.receive(d, p.addr, p.now);
      if (r === 0) assert.ok(p.server.get(p.addr) === old && old.isConnected, 'no state change before the cookie');
    }
    for (let o; (o = p.server.pollTransmit()); ) c2.receive(o.datagram, p.now);
    for (let e; (e = c2.pollEvent()); ) if (e.type === 'connected') connected = true;
  }
  for (let d; (d = c2.pollTransmit()); ) p.server.receive(d, p.addr, p.now); // the client's Finished
  assert.ok(fragments >= 6, `${fragments} ClientHello fragments`);
  assert.ok(connected);
  assert.ok(old.isClosed);
  assert.ok(p.server.get(p.addr) !== old && p.server.get(p.addr)!.isConnected);
  assert.is(p.server.hellos.size, 0);
});

test('a late duplicate of the old association\'s fragmented ClientHello 2 does not touch it', () => {
  const ch: Uint8Array[] = [];
  const p = pair({ clientGroups: ['X25519MLKEM768', 'x25519'], shares: ['X25519MLKEM768', 'x25519'], tap: (dir, d) => { if (dir === 'c2s' && d[0] === 22 && d[13] === 1) ch.push(d.slice()); return d; } });
  assert.ok(p.connect());
  p.settle(100);
  const old = p.serverConn!;
  for (const d of ch) p.server.receive(d, p.addr, p.now); // ClientHello 1 and 2, all fragments, again
  for (let o; (o = p.server.pollTransmit()); ) void o;
  assert.ok(p.server.get(p.addr) === old && old.isConnected);
});

test.run();
