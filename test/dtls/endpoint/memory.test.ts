// Steady-state memory per connection after the handshake (target < 16 KiB): V8 heapUsed delta over 150 completed
// handshakes against one dispatcher, with forced GC before and after.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ClientEndpoint, ServerDispatcher, createProvider, seededRandom } from '../../../src/dtls/index.ts';
import { credential, verifier } from './harness.ts';

v8.setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

test('heap per server connection and per client after the handshake < 16 KiB', () => {
  const c = createProvider('node', seededRandom('memc'));
  const s = createProvider('node', seededRandom('mems'));
  const ver = verifier(c);
  const server = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), connectionIdLength: 4 });
  const keep: ClientEndpoint[] = [];
  let serial = 0;
  const connect = (n: number, keepClients: boolean) => {
    for (let i = 0; i < n; i++) {
      const cl = new ClientEndpoint({ crypto: c, verifier: ver, serverName: 'localhost' });
      const addr = `10.1.0.1:${1000 + serial++}`;
      cl.connect(0);
      for (let r = 1; r < 10 && !cl.isConnected; r++) {
        for (let d; (d = cl.pollTransmit()); ) server.receive(d, addr, r);
        for (let o; (o = server.pollTransmit()); ) cl.receive(o.datagram, r);
      }
      for (let d; (d = cl.pollTransmit()); ) server.receive(d, addr, 10); // nothing left normally
      for (let o; (o = server.pollTransmit()); ) cl.receive(o.datagram, 10); // the server's ACK
      while (cl.pollEvent());
      while (server.pollEvent());
      assert.ok(cl.isConnected, `not connected: ${cl.state}`);
      assert.is(cl.nextTimeout(), undefined, "final flight not acknowledged");
      if (keepClients) keep.push(cl);
    }
  };
  connect(30, false);
  gc(); gc();
  const h0 = process.memoryUsage().heapUsed;
  const n = 150;
  connect(n, false); // server connections only
  gc(); gc();
  const h1 = process.memoryUsage().heapUsed;
  connect(n, true); // server connections + clients
  gc(); gc();
  const h2 = process.memoryUsage().heapUsed;
  const perServer = (h1 - h0) / n / 1024;
  const perClient = (h2 - h1) / n / 1024 - perServer;
  console.log(`  heap per server connection ${perServer.toFixed(1)} KiB, per client ${perClient.toFixed(1)} KiB`);
  assert.ok(perServer < 16, `server connection ${perServer} KiB`);
  assert.ok(perClient < 16, `client ${perClient} KiB`);
  assert.is(server.connections.size, 2 * n + 30);
});

test.run();
