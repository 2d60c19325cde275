// Peer address update with a CID (RFC 9146 6): the server moves the connection to a new source address only on a
// datagram that authenticates and is newer than every record received before; an older one (reordered, or
// replayed by an attacker who rewrites its source) is processed but does not move the connection back.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pair, credential, providers, verifier } from './harness.ts';

const enc = new TextEncoder();

test('CID migration: only a newer authenticated datagram moves the peer address', () => {
  const { c, s } = providers('node', 'cid-newer');
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost' },
    { crypto: s, credential: credential('ecdsa'), connectionIdLength: 4 },
  );
  assert.ok(p.connect());
  p.settle(100);
  const srv = p.serverConn!;
  const home = srv.address;
  p.client.send(enc.encode('one'));
  const d1 = p.client.pollTransmit()!;
  p.client.send(enc.encode('two'));
  const d2 = p.client.pollTransmit()!;
  // the newer datagram arrives first, from the new address: the connection moves
  assert.ok(p.server.receive(d2, '198.51.100.7:4000', p.now) === srv);
  assert.is(srv.address, '198.51.100.7:4000');
  // the older one, still from the old address: delivered, but the address stays
  assert.ok(p.server.receive(d1, home, p.now) === srv);
  assert.is(srv.address, '198.51.100.7:4000');
  const data: string[] = [];
  for (let e = p.server.pollEvent(); e; e = p.server.pollEvent()) if (e.event.type === 'data') data.push(`${e.address} ${new TextDecoder().decode(e.event.data)}`);
  assert.equal(data, ['198.51.100.7:4000 two', '198.51.100.7:4000 one']);
  // a replay of the newer datagram from yet another address: rejected by the replay window, no move
  assert.ok(p.server.receive(d2, '203.0.113.5:1', p.now) === srv);
  assert.is(srv.address, '198.51.100.7:4000');
  // a newer record from the old address moves it back
  p.client.send(enc.encode('three'));
  const d3 = p.client.pollTransmit()!;
  p.server.receive(d3, home, p.now);
  assert.is(srv.address, home);
});

test.run();
