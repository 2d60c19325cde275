// Flood run (not a test file: test/dtls/endpoint/flood.test.ts starts it as `node --expose-gc --import tsx` to
// measure the heap): N ClientHellos from distinct spoofed addresses, cookies off, into one in-process
// ServerDispatcher with a half-open cap; a legitimate client handshakes in the middle of the flood. Prints one JSON
// line. Usage: flood-run.ts N CAP
import { fileURLToPath } from 'node:url';
import { ClientEndpoint, ServerDispatcher } from '../../../src/dtls/index.ts';
import { credential, providers, verifier } from './harness.ts';

// only as a script (a test runner given a pattern that matches this file imports it: do nothing then)
if (process.argv[1] === fileURLToPath(import.meta.url)) flood();

function flood(): void {

  const N = Number(process.argv[2] ?? 50_000);
  const CAP = Number(process.argv[3] ?? 1000);
  const gc = (globalThis as { gc?: () => void }).gc;
  const heap = () => { gc?.(); gc?.(); return process.memoryUsage().heapUsed; };

  const { c, s } = providers('node', 'flood');
  const server = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false }, maxHalfOpen: CAP });
  // the flood's ClientHello: one real ClientHello, replayed from every spoofed address (the server does the full
  // handshake work and holds a whole flight for each)
  const spoof = new ClientEndpoint({ crypto: c, verifier: verifier(c) });
  spoof.connect(0);
  const ch = spoof.pollTransmit()!;
  const legit = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost' });
  const LEGIT = '192.0.2.1:5000';
  let now = 0;
  let legitConnected = false, legitStartedAt = -1, sent = 0;
  let maxConns = 0, maxHalfOpen = 0;
  const drain = () => {
    const lt = legit.nextTimeout();
    if (lt !== undefined && lt <= now) legit.handleTimeout(now);
    const sc = server.get(LEGIT);
    const st = sc?.nextTimeout();
    if (sc && st !== undefined && st <= now) sc.handleTimeout(now);
    for (let o; (o = server.pollTransmit()); ) if (o.address === LEGIT) legit.receive(o.datagram, now);
    while (server.pollEvent());
    for (let d; (d = legit.pollTransmit()); ) server.receive(d, LEGIT, now);
    for (let e; (e = legit.pollEvent()); ) if (e.type === 'connected') legitConnected = true;
  };
  const base = heap();
  let peak = base;
  for (let i = 0; i < N; i++) {
    now += 0.01; // 100,000 ClientHellos/s
    server.receive(ch, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:${1024 + (i % 50000)}`, now);
    sent++;
    if (i === (N >> 1)) { legit.connect(now); legitStartedAt = i; }
    if (i % 8 === 0) drain(); // the legitimate client's datagrams cross the flood: one exchange per 8 spoofed hellos
    maxConns = Math.max(maxConns, server.connections.size);
    maxHalfOpen = Math.max(maxHalfOpen, server.halfOpen.size);
    if (i % 5000 === 4999) peak = Math.max(peak, heap());
  }
  drain();
  const after = heap();
  console.log(JSON.stringify({
    sent, cap: CAP, maxConns, maxHalfOpen, connections: server.connections.size, evicted: server.stats.halfOpenEvicted,
    legitConnected, legitStartedAt, gc: gc !== undefined, heapBase: base, heapPeak: peak, heapAfter: after,
  }));
}
