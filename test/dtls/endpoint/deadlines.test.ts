// Deadlines (src/dtls/endpoint/deadlines.ts) against a plain Map scanned in full, and ServerDispatcher's
// nextTimeout() / handleTimeout() against a scan of every connection in a lossy many-client world where the
// application also calls its connections directly (echo, KeyUpdate, close).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Deadlines } from '../../../src/dtls/endpoint/deadlines.ts';
import { ClientEndpoint, ServerDispatcher, resolveClient, type ServerConnection } from '../../../src/dtls/index.ts';
import { CertificateVerifier } from '../../../src/dtls/cert/index.ts';
import { provider, uniform } from '../util.ts';

test('Deadlines: peek and popDue agree with a full scan over random sets, clears and pops', () => {
  for (const items of [3, 40, 500]) {
    const rnd = uniform(items);
    const d = new Deadlines<number>();
    const ref = new Map<number, number>();
    let now = 0;
    for (let step = 0; step < 30_000; step++) {
      const r = rnd();
      const item = Math.floor(rnd() * items);
      if (r < 0.55) {
        const at = now + Math.floor(rnd() * 50); // ties are common
        d.set(item, at);
        ref.set(item, at);
      } else if (r < 0.7) {
        d.set(item, undefined);
        ref.delete(item);
      } else if (r < 0.8) {
        d.delete(item);
        ref.delete(item);
      } else if (r < 0.9) {
        let min: number | undefined;
        for (const t of ref.values()) if (min === undefined || t < min) min = t;
        assert.is(d.peek(), min, `step ${step}`);
      } else {
        now += Math.floor(rnd() * 20);
        const got: number[] = [];
        d.popDue(now, got);
        const want = [...ref].filter(([, t]) => t <= now).map(([i]) => i);
        assert.equal([...got].sort((a, b) => a - b), want.sort((a, b) => a - b), `step ${step}`);
        for (let i = 1; i < got.length; i++) assert.ok(ref.get(got[i - 1]!)! <= ref.get(got[i]!)!, 'earliest first');
        for (const i of got) ref.delete(i);
      }
      assert.is(d.size, ref.size);
    }
  }
});

test('Deadlines: re-arming one item a million times keeps the heap bounded', () => {
  const d = new Deadlines<string>();
  d.set('other', 5);
  for (let i = 0; i < 1_000_000; i++) d.set('a', 10 + (i % 7));
  // two live items: the heap is rebuilt past 2 x 2 + 64 entries
  assert.ok((d as unknown as { times: number[] }).times.length <= 2 * 2 + 64 + 1);
  assert.is(d.peek(), 5);
  const out: string[] = [];
  d.popDue(100, out);
  assert.equal(out, ['other', 'a']);
  assert.is(d.peek(), undefined);
});

/** The earliest timer by a scan of every connection (what the dispatcher did before its heap). */
function scan(disp: ServerDispatcher): number | undefined {
  let t = disp.halfOpen.nextDeadline();
  for (const c of disp.connections.values()) {
    const x = c.nextTimeout();
    if (x !== undefined && (t === undefined || x < t)) t = x;
  }
  return t;
}

test('ServerDispatcher: nextTimeout() is the scan\'s, handleTimeout() runs exactly the due connections, under loss and direct application calls', () => {
  const rnd = uniform(7);
  const cp = provider('node', 'dl-c');
  const sp = provider('node', 'dl-s');
  const psk = { identity: new TextEncoder().encode('dev'), key: new Uint8Array(32).fill(7) };
  const disp = new ServerDispatcher({
    crypto: sp, psk: { external: [psk], modes: ['psk_ke'] }, suites: ['TLS_AES_128_GCM_SHA256'], initialRetransmitMs: 100, minRetransmitMs: 10,
    keyUpdateAfterRecords: 3, // send() itself starts KeyUpdates (a timer armed by a call that sends data)
  });
  const cc = resolveClient({
    crypto: cp, verifier: new CertificateVerifier({ trustAnchors: [], provider: cp }), externalPsk: psk, pskModes: ['psk_ke'],
    suites: ['TLS_AES_128_GCM_SHA256'], initialRetransmitMs: 100, minRetransmitMs: 10,
  });
  const clients = new Map<string, ClientEndpoint>();
  const loss = 0.2;
  let now = 0;
  const tally = { checks: 0, fired: 0, direct: 0, peak: 0 };
  const flush = (): void => {
    for (let moved = true; moved; ) {
      moved = false;
      for (const [addr, c] of clients) {
        for (let d; (d = c.pollTransmit()); moved = true) if (rnd() >= loss) disp.receive(d, addr, now);
        while (c.pollEvent());
      }
      for (let o; (o = disp.pollTransmit()); moved = true) if (rnd() >= loss) clients.get(o.address)?.receive(o.datagram, now);
      for (let e; (e = disp.pollEvent()); ) {
        // the application acts on connections directly: the dispatcher never sees these calls
        const conn: ServerConnection = e.connection;
        if (e.event.type !== 'connected' && e.event.type !== 'data') continue;
        const r = rnd();
        tally.direct++;
        if (r < 0.4) conn.send(new Uint8Array(16), now);
        else if (r < 0.6) conn.keyUpdate(false, now);
        else if (r < 0.62) conn.close();
      }
    }
  };
  for (let step = 0; step < 400; step++) {
    now += 1 + Math.floor(rnd() * 40);
    if (clients.size < 150 && rnd() < 0.5) {
      const addr = `10.0.0.${clients.size}:${4000 + step}`;
      const c = new ClientEndpoint(cc);
      clients.set(addr, c);
      c.connect(now);
    }
    for (const c of clients.values()) {
      const t = c.nextTimeout();
      if (t !== undefined && t <= now) c.handleTimeout(now);
      if (c.isConnected && rnd() < 0.05) c.send(new Uint8Array(8), now);
    }
    flush();
    // direct calls on a few connections, their replies not delivered yet: only the connections know their timers
    const conns = [...disp.connections.values()];
    for (let j = 0; j < 2 && conns.length > 0; j++) {
      const conn = conns[Math.floor(rnd() * conns.length)]!;
      const r = rnd();
      tally.direct++;
      if (r < 0.5) conn.keyUpdate(rnd() < 0.5, now);
      else if (r < 0.98) conn.send(new Uint8Array(4), now);
      else conn.close();
    }
    for (let o; (o = disp.pollTransmit()); ) clients.get(o.address)?.receive(o.datagram, now);
    while (disp.pollEvent());
    assert.is(disp.nextTimeout(), scan(disp), `step ${step}`);
    tally.checks++;
    const due = [...disp.connections.values()].filter((c) => (c.nextTimeout() ?? Infinity) <= now);
    const before = new Map([...disp.connections.values()].map((c) => [c, c.stats.timeouts]));
    disp.handleTimeout(now);
    for (const [c, n] of before) {
      const ran = c.stats.timeouts > n;
      assert.is(ran, due.includes(c), `step ${step}: ${c.address} ran ${ran}`);
      if (ran) tally.fired++;
    }
    flush();
    assert.is(disp.nextTimeout(), scan(disp), `step ${step} after the timers`);
    tally.peak = Math.max(tally.peak, disp.connections.size);
  }
  assert.ok(tally.fired > 50, `timers fired: ${tally.fired}`);
  assert.ok(tally.direct > 100, `direct application calls: ${tally.direct}`);
  assert.ok(tally.peak > 50, `connections at most: ${tally.peak}`);
  assert.is(tally.checks, 400);
});

test.run();
