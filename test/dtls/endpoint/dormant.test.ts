// Dormant connections (src/dtls/endpoint/dormant.ts): the differential invariant. Every scenario runs twice with
// the same seeds and configs, once with sleep() called on the client and on every dispatcher-held server
// connection after every step where it is allowed ("sleepy"), once without; every datagram sent, every event, every
// crypto operation reported and the final state and stats must be identical. Then: when sleep() refuses, what a
// dormant connection answers without waking, and its identity.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  type ClientConfig, type CryptoProvider, type ProviderKind, type ServerConfig, MemoryTicketStore, TicketKeys, createProvider,
  seededRandom,
} from '../../../src/dtls/index.ts';
import { credential, verifier } from './harness.ts';
import { World } from './dormant-world.ts';

const te = new TextEncoder();
const PSK = { identity: te.encode('sensor-0042'), key: new Uint8Array(32).fill(0x42) };

function providersFor(kind: ProviderKind, seed: string): { c: CryptoProvider; s: CryptoProvider } {
  return { c: createProvider(kind, seededRandom(`c${seed}`)), s: createProvider(kind, seededRandom(`s${seed}`)) };
}
/** Crypto operations into the log too: a wake must not add any (prepared keys come back without one). */
function observe(w: World, c: CryptoProvider, s: CryptoProvider): void {
  c.observer = (o) => w.log.push(`client op ${JSON.stringify(o)}`);
  s.observer = (o) => w.log.push(`server op ${JSON.stringify(o)}`);
}
const payload = (tag: number, n = 64): Uint8Array => new Uint8Array(n).fill(tag & 0xff);

/** Runs `scenario` awake and sleepy; both logs must be equal, and the sleepy run must really have slept. */
function differential(name: string, scenario: (sleepy: boolean) => World, minSleeps = 10): void {
  test(`dormant = awake: ${name}`, () => {
    const awake = scenario(false);
    const sleepy = scenario(true);
    assert.is(awake.sleeps, 0);
    assert.ok(sleepy.sleeps >= minSleeps, `only ${sleepy.sleeps} sleeps`);
    const a = awake.summary();
    const b = sleepy.summary();
    assert.ok(a.length > 20);
    for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) assert.fixture(b[i] ?? '(end)', a[i] ?? '(end)', `log line ${i}`);
  });
}

function iot(kind: ProviderKind, seed: string, recordKeys: 'kept' | 'per-record' = 'per-record'): { cc: ClientConfig; sc: ServerConfig; c: CryptoProvider; s: CryptoProvider } {
  const { c, s } = providersFor(kind, seed);
  const suites = ['TLS_AES_128_CCM_8_SHA256' as const];
  return {
    c, s,
    cc: { crypto: c, verifier: verifier(c), externalPsk: PSK, pskModes: ['psk_ke'], suites, offerConnectionId: true, connectionId: Uint8Array.of(9, 8, 7, 6), recordKeys },
    sc: { crypto: s, psk: { external: [PSK], modes: ['psk_ke'] }, suites, connectionIdLength: 4, recordKeys },
  };
}

for (const kind of ['node', 'noble'] as const) {
  differential(`[${kind}] IoT (external PSK psk_ke, CCM_8, 4-byte CIDs, per-record keys): data both ways, replays, reordering, forgeries, close_notify, final-flight ACK lost`, (sleepy) => {
    const { cc, sc, c, s } = iot(kind, `iot-${kind}`);
    const w = new World(cc, sc, sleepy);
    observe(w, c, s);
    // the server's ACK of the client's final flight is lost: the (dormant) server answers the epoch-2 copy with
    // its stored ACK
    w.drop = (dir) => dir === 's2c' && w.s2c.length === 3;
    w.connect(3000);
    w.drop = undefined;
    let held: Uint8Array | undefined;
    for (let i = 0; i < 40; i++) {
      w.act(() => w.client.send(payload(i), w.now));
      if (i % 3 === 0) w.act(() => w.conn!.send(payload(100 + i, 20), w.now));
      if (i === 10) held = w.c2s[w.c2s.length - 1]; // delivered late below (reordered)
      w.run(w.now + 10_000);
      if (i === 12 && held) w.inject('c2s', held); // an older record after newer ones: a replay now
      if (i === 15) w.inject('c2s', w.c2s[w.c2s.length - 3]!); // replay
      if (i === 20) {
        w.drop = () => true; // the server's next record is lost; a forged copy arrives instead
        w.act(() => w.conn!.send(payload(77), w.now));
        w.drop = undefined;
        const f = w.s2c[w.s2c.length - 1]!.slice();
        f[f.length - 1]! ^= 1; // forged tag
        w.inject('s2c', f);
        w.inject('s2c', Uint8Array.of(0x17, 1, 2)); // garbage
        w.inject('c2s', Uint8Array.of(0xff, 0, 0, 0, 0)); // garbage to the dispatcher
      }
      if (i === 25) {
        // reordering on the link: two records, the second delivered first
        w.act(() => w.client.send(payload(200), w.now));
        w.act(() => w.client.send(payload(201), w.now));
        w.run(w.now + 100);
      }
    }
    // 70 records later, one of the first: too old for the replay window
    for (let i = 0; i < 70; i++) w.act(() => w.client.send(payload(i, 8), w.now));
    w.run(w.now + 1000);
    w.inject('c2s', w.c2s[3]!);
    w.act(() => w.client.close());
    w.run(w.now + 1000);
    return w;
  }, 50);
}

differential('ECDHE + ECDSA certificate, AES-128-GCM, CIDs, kept keys: KeyUpdate both sides (update_requested) between sleeps, server migration to a new address', (sleepy) => {
  const { c, s } = providersFor('node', 'ku');
  const cid = Uint8Array.of(1, 2, 3, 4, 5);
  const w = new World(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', suites: ['TLS_AES_128_GCM_SHA256'], offerConnectionId: true, connectionId: cid },
    { crypto: s, credential: credential('ecdsa'), connectionIdLength: 4 }, sleepy,
  );
  observe(w, c, s);
  w.connect();
  for (let i = 0; i < 30; i++) {
    w.act(() => w.client.send(payload(i, 100), w.now));
    w.act(() => w.conn!.send(payload(50 + i, 30), w.now));
    if (i === 5) {
      w.run(w.now + 500);
      w.drop = () => true; // the first KeyUpdate is lost: retransmitted on the timer (the packed RTO)
      w.act(() => w.client.keyUpdate(true, w.now)); // the server answers with its own KeyUpdate
      w.drop = undefined;
    }
    if (i === 6) w.act(() => w.client.keyUpdate(false, w.now)); // refused while the first is unacknowledged
    if (i === 12) w.act(() => w.conn!.keyUpdate(false, w.now));
    if (i === 18) w.act(() => w.conn!.keyUpdate(true, w.now));
    if (i === 22) w.addr = '10.9.9.9:7000'; // NAT rebinding: the next records come from a new address (CID)
    if (i === 25) w.inject('c2s', w.c2s[w.c2s.length - 10]!, '10.0.0.1:5000'); // an old record from the old address
    w.run(w.now + 500);
  }
  w.act(() => w.conn!.close());
  w.run(w.now + 1000);
  return w;
}, 40);

differential('[noble] ECDHE + Ed25519 certificate, ChaCha20-Poly1305, record_size_limit both ways, automatic KeyUpdate (AEAD limit counter), exporter secret', (sleepy) => {
  const { c, s } = providersFor('noble', 'rsl');
  const w = new World(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', suites: ['TLS_CHACHA20_POLY1305_SHA256'], recordSizeLimit: 200, keyUpdateAfterRecords: 7 },
    { crypto: s, credential: credential('ed25519'), recordSizeLimit: 300, cookie: { enabled: false } }, sleepy,
  );
  observe(w, c, s);
  w.connect();
  for (let i = 0; i < 8; i++) {
    w.act(() => w.client.send(payload(i, 700), w.now)); // split by the server's limit
    w.act(() => w.conn!.send(payload(i, 500), w.now)); // split by the client's limit
    w.run(w.now + 300);
    if (i === 4) w.log.push(`exporter ${Buffer.from(w.client.exporterSecret!).toString('hex')}`);
  }
  return w;
}, 10);

differential('NewSessionTicket on a dormant client (ticket store), then a resumed connection that sleeps too', (sleepy) => {
  const { c, s } = providersFor('node', 'tk');
  const store = new MemoryTicketStore();
  const sc: ServerConfig = { crypto: s, credential: credential('ecdsa'), psk: { tickets: { keys: new TicketKeys(s, [new Uint8Array(32).fill(5)]), count: 2 } } };
  const cc: ClientConfig = { crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store };
  const w = new World(cc, sc, sleepy);
  observe(w, c, s);
  w.drop = (dir, d) => dir === 's2c' && d[0] !== undefined && (d[0] & 0xe0) === 0x20 && w.s2c.length === 3; // lose one
  w.act(() => w.client.connect(w.now));
  w.run(w.now + 5000);
  w.drop = undefined;
  for (let i = 0; i < 5; i++) {
    w.act(() => w.client.send(payload(i), w.now));
    w.run(w.now + 1000);
  }
  w.log.push(`tickets ${store.size('localhost')}`);
  // a second connection resumes with a stored ticket (same dispatcher, new address)
  const w2 = new World(cc, sc, sleepy);
  observe(w2, c, s);
  w2.connect();
  for (let i = 0; i < 5; i++) {
    w2.act(() => w2.client.send(payload(i), w2.now));
    w2.act(() => w2.conn!.send(payload(i), w2.now));
    w2.run(w2.now + 1000);
  }
  w.log.push(...w2.summary());
  return w;
}, 10);

differential('AEAD forgery limit on a dormant server: counters survive sleeps, the close is the same', (sleepy) => {
  const { cc, sc, c, s } = iot('node', 'forge', 'kept');
  const w = new World({ ...cc, aeadForgeryLimit: 4 }, { ...sc, aeadForgeryLimit: 4 }, sleepy);
  observe(w, c, s);
  w.connect();
  for (let i = 0; i < 6; i++) {
    w.act(() => w.client.send(payload(i), w.now));
    w.run(w.now + 100);
    w.drop = () => true; // lost; a forged copy arrives instead
    w.act(() => w.client.send(payload(i), w.now));
    w.drop = undefined;
    const f = w.c2s[w.c2s.length - 1]!.slice();
    f[f.length - 2]! ^= 0x40;
    w.inject('c2s', f);
    w.run(w.now + 100);
    w.log.push(`server drops ${JSON.stringify(w.conn?.stats.dropsByReason)} ${w.conn?.state}`);
  }
  w.run(w.now + 1000);
  return w;
}, 5);

test('sleep() refuses while anything is pending, and changes nothing then', () => {
  const { cc, sc } = iot('node', 'refuse');
  const w = new World(cc, sc, false);
  assert.not.ok(w.client.sleep(), 'idle');
  w.client.connect(0);
  assert.not.ok(w.client.sleep(), 'handshaking');
  // the server's ACK of the client's final flight is lost
  w.drop = (dir) => dir === 's2c' && w.client.isConnected;
  w.run(100);
  assert.ok(w.client.isConnected);
  assert.ok(w.client.nextTimeout() !== undefined, 'final flight timer');
  assert.not.ok(w.client.sleep(), 'final flight unacknowledged');
  assert.not.ok(w.client.isDormant);
  w.drop = undefined;
  w.run(5000);
  assert.is(w.client.nextTimeout(), undefined);
  assert.ok(w.client.sleep(), 'quiescent');
  assert.ok(w.client.sleep(), 'twice: still true');
  w.client.send(payload(1), w.now); // wakes; the datagram is queued (no sink)
  assert.not.ok(w.client.isDormant);
  assert.not.ok(w.client.sleep(), 'datagram queued for pollTransmit()');
  w.pump();
  assert.ok(w.client.sleep());
  w.client.keyUpdate(false, w.now);
  w.pump();
  assert.not.ok(w.client.sleep(), 'KeyUpdate unacknowledged');
  w.run(w.now + 100);
  assert.is(w.client.sendEpoch, 4);
  // an event waiting for pollEvent()
  const conn = w.conn!;
  assert.ok(conn.sleep());
  conn.send(payload(7), w.now); // wakes the server connection
  const d = w.server.pollTransmit()!.datagram;
  w.client.receive(d, w.now);
  assert.not.ok(w.client.sleep(), 'event queued for pollEvent()');
  assert.is(w.client.pollEvent()?.type, 'data');
  assert.ok(w.client.sleep());
  const dropsBefore = w.client.stats.drops;
  w.client.receive(d, w.now); // a replay: wakes, dropped, no event
  assert.ok(!w.client.isDormant && w.client.pollEvent() === undefined);
  assert.is(w.client.stats.drops, dropsBefore + 1);
  assert.is(w.client.stats.dropsByReason['replay'], 1);
  assert.ok(w.client.sleep());
  w.client.abandon('local');
  assert.is(w.client.state, 'closed');
  assert.not.ok(w.client.sleep(), 'closed');
});

test('sleep() from a sink while the connection is processing is refused; the call completes normally', () => {
  const { cc, sc } = iot('node', 'sink');
  const w = new World(cc, sc, false);
  w.connect();
  const tried: string[] = [];
  const sent: Uint8Array[] = [];
  w.client.eventSink = (e, from) => tried.push(`${e.type}:${from.sleep()}`);
  w.client.transmitSink = (d, from) => {
    tried.push(`datagram:${from.sleep()}`);
    sent.push(d);
  };
  assert.ok(w.client.sleep());
  w.client.send(payload(1, 3000), w.now); // several records, flushed datagram by datagram through the sink
  const conn = w.conn!;
  conn.send(payload(2), w.now);
  w.client.receive(w.server.pollTransmit()!.datagram, w.now);
  assert.ok(sent.length >= 1);
  assert.ok(tried.length >= 2 && tried.every((t) => t.endsWith(':false')), tried.join(' '));
  assert.equal(tried[tried.length - 1], 'data:false');
  assert.ok(w.client.sleep(), 'afterwards');
  for (const d of sent) w.server.receive(d, w.addr, w.now);
  const data = [];
  for (let e; (e = w.server.pollEvent()); ) if (e.event.type === 'data') data.push(e.event.data.length);
  assert.equal(data, [3000]);
});

test('a dormant connection answers getters without waking, keeps its identity, and wakes on use', () => {
  const { cc, sc } = iot('node', 'getters');
  const w = new World(cc, sc, false);
  w.connect();
  const conn = w.conn!;
  const before = { c: [w.client.sendEpoch, w.client.receiveEpoch], s: [conn.sendEpoch, conn.receiveEpoch] };
  assert.ok(w.client.sleep() && conn.sleep());
  for (const ep of [w.client, conn]) {
    assert.ok(ep.isDormant);
    assert.ok(ep.isConnected);
    assert.not.ok(ep.isClosed);
    assert.is(ep.state, 'connected');
    assert.is(ep.nextTimeout(), undefined);
    assert.is(ep.heldBytes(), 0);
    assert.is(ep.pollTransmit(), undefined);
    assert.is(ep.pollEvent(), undefined);
    assert.ok(ep.isDormant, 'still dormant after the getters');
  }
  assert.equal([w.client.sendEpoch, w.client.receiveEpoch], before.c);
  assert.equal([conn.sendEpoch, conn.receiveEpoch], before.s);
  assert.ok(conn.clientRandom && conn.clientRandom.length === 32);
  assert.ok(conn.isDormant);
  // the dispatcher routes to the same object, which wakes
  w.act(() => w.client.send(payload(3), w.now));
  w.run(w.now + 100);
  assert.is(w.server.connections.get(w.addr), conn);
  assert.is(w.serverEvents.filter((e) => e.type === 'data').length, 1);
  assert.ok(w.client.exporterSecret);
  assert.not.ok(w.client.isDormant, 'exporterSecret wakes');
});

test.run();
