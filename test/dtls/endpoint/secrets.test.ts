// The `secrets` sink of the endpoint configuration: each key-log secret as the key schedule derives it, and no
// derivation of its own (the crypto operations of a handshake are the same with or without it; the `keylog` line
// hook, in contrast, also derives EXPORTER_SECRET). Both ends derive their secrets independently: they must agree.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AntiReplay, ClientEndpoint, MemoryTicketStore, ServerDispatcher, TicketKeys, type CryptoOp, type EndpointEvent, type ServerConfig,
} from '../../../src/dtls/index.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

type Logged = [string, string, string];
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sink = (out: Logged[]) => (label: string, cr: Uint8Array, s: Uint8Array) => out.push([label, hex(cr), hex(s)]);

function handshake(withSinks: boolean) {
  const { c, s } = providers('node', 'secrets');
  const ops: CryptoOp[] = [];
  s.observer = (op) => ops.push(op);
  const lc: Logged[] = [];
  const ls: Logged[] = [];
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', ...(withSinks ? { secrets: sink(lc) } : {}) },
    { crypto: s, credential: credential('ecdsa'), ...(withSinks ? { secrets: sink(ls) } : {}) },
  );
  assert.ok(p.connect());
  return { p, ops, lc, ls };
}

test('full handshake: four traffic secrets at both ends, equal, no exporter; server operations unchanged', () => {
  const off = handshake(false);
  const on = handshake(true);
  const labels = ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0'];
  assert.equal(on.ls.map((l) => l[0]), labels);
  assert.equal(on.lc.map((l) => l[0]), labels);
  assert.equal(on.ls, on.lc);
  for (const [, cr, sec] of on.ls) {
    assert.is(cr.length, 64);
    assert.is(sec.length, 64); // SHA-256 suite
  }
  // the sink derived nothing: the same operations, in the same order, as without it
  assert.equal(on.ops.map((o) => `${o.op}/${o.alg}/${o.inputBytes}`), off.ops.map((o) => `${o.op}/${o.alg}/${o.inputBytes}`));
  // the keylog hook writes the same four secrets (and the exporter secret on top)
  const lines: string[] = [];
  const { c, s } = providers('node', 'secrets');
  const q = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa'), keylog: (l) => lines.push(l) });
  assert.ok(q.connect());
  assert.equal(lines.slice(0, 4), on.ls.map((l) => l.join(' ')));
  assert.match(lines[4]!, /^EXPORTER_SECRET /);
});

test('0-RTT: CLIENT_EARLY_TRAFFIC_SECRET reported by the server when it installs the early keys, equal to the client\'s', () => {
  const { c, s } = providers('node', 'early');
  const store = new MemoryTicketStore();
  const serverCfg: ServerConfig = {
    crypto: s, credential: credential('ecdsa'), cookie: { enabled: false },
    psk: { tickets: { keys: new TicketKeys(s, [new Uint8Array(32).fill(7)]), maxEarlyData: 1024 }, antiReplay: new AntiReplay({ windowMs: 10000 }) },
  };
  const ls: Logged[] = [];
  const disp = new ServerDispatcher({ ...serverCfg, secrets: sink(ls) });
  const run = (client: ClientEndpoint, addr: string, now: number, early?: Uint8Array) => {
    const events: EndpointEvent[] = [];
    client.connect(now, early);
    for (let i = 0; i < 200; i++) {
      let moved = false;
      for (let d; (d = client.pollTransmit()); moved = true) disp.receive(d, addr, (now += 5));
      for (let o; (o = disp.pollTransmit()); moved = true) client.receive(o.datagram, (now += 5));
      for (let e; (e = client.pollEvent()); ) events.push(e);
      if (!moved) {
        // quiet link: the next timer within 3 s (the server's tickets may wait for one)
        const t = Math.min(client.nextTimeout() ?? Infinity, disp.nextTimeout() ?? Infinity);
        if (t > now + 3000) break;
        now = Math.max(now, t);
        client.handleTimeout(now);
        disp.handleTimeout(now);
      }
    }
    return events;
  };
  run(new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store }), 'a:1', 0);
  assert.is(store.size('localhost'), 1);
  const lc: Logged[] = [];
  const ev = run(new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store, secrets: sink(lc) }), 'a:2', 20000, new TextEncoder().encode('early'));
  const conn = ev.find((e) => e.type === 'connected');
  assert.is(conn?.type === 'connected' ? conn.earlyData : undefined, 'accepted');
  const second = ls.slice(4);
  assert.equal(second.map((l) => l[0]), ['CLIENT_EARLY_TRAFFIC_SECRET', 'CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_TRAFFIC_SECRET_0']);
  assert.equal(second, lc);
});

test.run();
