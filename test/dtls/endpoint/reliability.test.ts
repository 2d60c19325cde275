// Timer values (RFC 9147 5.8.2), ACK processing order, fragmentation to a small MTU, record_size_limit.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pair, credential, providers, verifier } from './harness.ts';
import type { Connection } from '../../../src/dtls/index.ts';

const rtoOf = (c: Connection) => (c as unknown as { flights: { rto: number } }).flights.rto;

test('retransmission timer: 1.5 x measured RTT after a clean exchange', () => {
  const { c, s } = providers('node', 'rtt');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') }, { delayMs: 10 });
  assert.ok(p.connect());
  assert.is(rtoOf(p.client), 30); // ClientHello2 answered after 20 ms
  assert.is(rtoOf(p.serverConn!), 30); // server flight implicitly acknowledged by the client Finished after 20 ms
  p.settle(1000);
  assert.is(p.client.nextTimeout(), undefined);
});

test('retransmission timer: 1000 ms initial, doubling, capped; gives up after maxRetransmissions', () => {
  const { c, s } = providers('node', 'dbl');
  const sent: number[] = [];
  let pair: Pair | undefined;
  const p = (pair = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', maxRetransmitMs: 4000, maxRetransmissions: 5 },
    { crypto: s, credential: credential('ecdsa') },
    { tap: (dir) => { if (dir === 'c2s') sent.push(pair!.now); return undefined; } }, // black hole
  ));
  p.connect(100_000);
  assert.equal(sent, [0, 1000, 3000, 7000, 11000, 15000]);
  assert.ok(p.clientEvents.some((e) => e.type === 'closed' && e.reason === 'timeout'));
  assert.is(p.client.stats.timeouts, 6);
  assert.is(p.client.stats.retransmissions, 5);
});

test('ACK record numbers in any order (decreasing, as wolfSSL sends them) acknowledge the flight', () => {
  const { c, s } = providers('node', 'ackorder');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa'), mtu: 300 },
    { tap: (dir, d, i) => (dir === 's2c' && i >= 1 ? undefined : d) }); // the client never sees the server flight
  p.client.connect(0);
  p.run(() => p.serverConn !== undefined && p.now > 30, 100);
  const srv = p.serverConn!;
  const inner = (srv as unknown as { flights: { hs?: { recordKeys: string[] }; onAck(r: { epoch: number; seq: number }[], now: number): void } }).flights;
  const keys = inner.hs!.recordKeys;
  assert.ok(keys.length >= 5, `flight spans ${keys.length} records at MTU 300`);
  const rns = keys.map((k) => { const [e, q] = k.split('/').map(Number); return { epoch: e!, seq: q! }; }).reverse();
  inner.onAck(rns.slice(0, 2), p.now); // a partial, decreasing ACK: the rest is resent at once
  const before = srv.stats.retransmissions;
  assert.ok(inner.hs, 'flight still pending');
  inner.onAck(rns, p.now);
  assert.is(inner.hs, undefined, 'flight fully acknowledged');
  assert.ok(before > 0, 'unacknowledged fragments sent before the newest ACKed record were retransmitted');
});

test('small MTU (256): every datagram fits, fragmented Certificate reassembles under reordering and duplication', () => {
  const { c, s } = providers('node', 'mtu');
  const sizes: number[] = [];
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', mtu: 256 },
    { crypto: s, credential: credential('ecdsa'), mtu: 256 },
    { reorder: 0.5, jitterMs: 30, duplicate: 0.3, seed: 3, tap: (_d, d) => { sizes.push(d.length); return d; } },
  );
  assert.ok(p.connect());
  assert.ok(Math.max(...sizes) <= 256, `max datagram ${Math.max(...sizes)}`);
  assert.ok(p.serverConn!.stats.recordsSent >= 8);
});

test('lost ServerHello: the client sends an empty ACK for undecryptable records and the server resends at once', () => {
  const { c, s } = providers('node', 'emptyack');
  // server datagrams: 0 = HRR, 1 = ServerHello alone (ampl. limit off via cookie, MTU 300 splits the flight)
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', mtu: 300 },
    { crypto: s, credential: credential('ecdsa'), mtu: 300 },
    { delayMs: 10, tap: (dir, d, i) => (dir === 's2c' && i === 1 ? undefined : d) });
  assert.ok(p.connect());
  assert.ok(p.now < 200, `connected at ${p.now} ms (the 1000 ms timer was not needed)`);
  assert.ok(p.client.stats.acksSent >= 1);
  assert.is(p.serverConn!.stats.timeouts, 0);
  assert.ok(p.serverConn!.stats.retransmissions >= 1);
});

test('lost client Finished with data right behind it: the server holds the data, empty-ACKs, gets Finished again', () => {
  const { c, s } = providers('node', 'lostfin');
  let dropped = false;
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') },
    { delayMs: 10, tap: (dir, d) => {
      // the client's first protected datagram is its Finished (epoch 2): lose it
      if (dir === 'c2s' && !dropped && (d[0]! & 0xe3) === 0x22) { dropped = true; return undefined; }
      return d;
    } });
  p.client.connect(0);
  p.run(() => p.client.isConnected);
  p.client.send(new TextEncoder().encode('early'), p.now);
  p.run(() => p.bothConnected() && p.serverEvents.some((e) => e.type === 'data'), 5000);
  assert.ok(dropped);
  assert.ok(p.bothConnected());
  assert.ok(p.now < 200, `recovered at ${p.now} ms without the 1 s timer`);
  const kinds = p.serverEvents.map((e) => e.type);
  assert.ok(kinds.indexOf('connected') < kinds.indexOf('data'), kinds.join());
  const d = p.serverEvents.find((e) => e.type === 'data');
  assert.is(d?.type === 'data' && new TextDecoder().decode(d.data), 'early');
});

test('final flight never ACKed: the client stops retransmitting after maxRetransmissions but stays connected', () => {
  const { c, s } = providers('node', 'noack');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', maxRetransmissions: 3 },
    { crypto: s, credential: credential('ecdsa') },
    { tap: (dir, d, i) => (dir === 's2c' && i >= 2 ? undefined : d) }); // HRR and flight pass, every ACK is lost
  assert.ok(p.connect());
  p.settle(600_000);
  assert.ok(p.client.isConnected);
  assert.is(p.client.nextTimeout(), undefined);
  assert.is(p.client.stats.retransmissions, 3);
  assert.is(p.client.stats.dropsByReason.final_flight_unacknowledged, 1);
  p.client.send(new TextEncoder().encode('still here'));
  p.settle(100);
  assert.ok(p.serverEvents.some((e) => e.type === 'data'));
});

test('record_size_limit: the server honours the client limit for handshake and application records', () => {
  const { c, s } = providers('node', 'rsl');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', recordSizeLimit: 256 }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  assert.is(p.client.peerRecordSizeLimit, 16385);
  const before = p.serverConn!.stats.recordsSent;
  p.serverConn!.send(new Uint8Array(1000).fill(7));
  p.settle(100);
  assert.is(p.serverConn!.stats.recordsSent - before, 4); // 255 + 255 + 255 + 235
  const data = p.clientEvents.filter((e) => e.type === 'data');
  assert.is(data.reduce((n, e) => n + (e.type === 'data' ? e.data.length : 0), 0), 1000);
});

test('dispatcher: no per-connection state before a valid cookie; HRR within 3x the ClientHello size', () => {
  const { c, s } = providers('node', 'nostate');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  p.client.connect(0);
  const ch = p.client.pollTransmit()!;
  for (let i = 0; i < 5; i++) p.server.receive(ch, `198.51.100.${i}:1`, 0); // spoofed sources
  assert.is(p.server.connections.size, 0);
  assert.is(p.server.stats.statelessHrrSent, 5);
  const out = p.server.pollTransmit()!;
  assert.ok(out.datagram.length <= 3 * ch.length);
});

test.run();
