// RFC 9147 5.11: a client that silently restarts on the same address gets a new association; the old one is kept
// until the new ClientHello has passed the cookie exchange, and a late duplicate of the old ClientHello changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientEndpoint } from '../../../src/dtls/index.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

test('restarted client on the same address: new association after the cookie, old one abandoned', () => {
  const { c, s } = providers('node', 'restart');
  const firstCh: Uint8Array[] = [];
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') },
    { tap: (dir, d) => { if (dir === 'c2s' && d[0] === 22) firstCh.push(d.slice()); return d; } });
  assert.ok(p.connect());
  p.settle(100);
  const old = p.serverConn!;
  // a late copy of the old association's ClientHello2 reaches the old connection, which ignores it
  p.server.receive(firstCh[1]!, p.addr, p.now);
  assert.ok(old.isConnected);
  assert.ok(p.server.get(p.addr) === old);
  // the client "reboots": a fresh endpoint from the same address
  const c2 = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost' });
  c2.connect(p.now);
  const ch1 = c2.pollTransmit()!;
  p.server.receive(ch1, p.addr, p.now);
  assert.ok(p.server.get(p.addr) === old, 'no state change before the cookie');
  assert.ok(old.isConnected);
  let connected = false;
  for (let r = 0; r < 10 && !connected; r++) {
    for (let o; (o = p.server.pollTransmit()); ) c2.receive(o.datagram, p.now);
    for (let d; (d = c2.pollTransmit()); ) p.server.receive(d, p.addr, p.now);
    for (let e; (e = c2.pollEvent()); ) if (e.type === 'connected') connected = true;
  }
  assert.ok(connected);
  assert.ok(old.isClosed);
  const n = p.server.get(p.addr)!;
  assert.ok(n !== old && n.isConnected);
  const evs: string[] = [];
  for (let e; (e = p.server.pollEvent()); ) evs.push(e.event.type === 'closed' ? `closed:${e.event.reason}` : e.event.type);
  assert.ok(evs.includes('closed:replaced'));
});

test.run();
