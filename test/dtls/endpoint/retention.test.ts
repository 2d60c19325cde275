// What an endpoint keeps once its handshake is over (RFC 9147: epoch-2 keys only while the final flight may need a
// retransmission or an ACK). Machine-independent: walks the JavaScript object graph reachable from one endpoint,
// leaves out whatever a second endpoint also reaches (config, provider, verifier, prototypes), and counts what is
// left: no transcript, flight, reassembly buffer, certificate or handshake secret, one epoch of keys per direction,
// a bounded number of byte buffers, maps, arrays and closures. The crypto provider's prepared keys (each epoch's
// AEAD key and record-number masker) are counted as objects, not walked: their insides are the provider's business. docs/simulation.md ("Memory per connection") has the
// heap figures these counts stand for.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientEndpoint, ServerDispatcher, createProvider, seededRandom, type ServerConnection } from '../../../src/dtls/index.ts';
import { credential, verifier } from './harness.ts';

interface Census {
  objects: number;
  buffers: number; // distinct ArrayBuffers
  bufferBytes: number;
  maps: number;
  arrays: number;
  functions: number;
  classes: Record<string, number>;
}

function reachable(root: object): Set<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if ((typeof v !== 'object' && typeof v !== 'function') || v === null || seen.has(v)) continue;
    seen.add(v);
    if (typeof v === 'function') continue; // closure contexts are invisible from JS: counted, not walked
    if (ArrayBuffer.isView(v)) {
      stack.push(v.buffer);
      continue;
    }
    if (v instanceof ArrayBuffer) continue;
    if (v.constructor?.name === 'EpochState') {
      const e = v as unknown as Record<string, unknown>;
      for (const k of ['prepared', 'preparedMasker']) if (e[k] && typeof e[k] === 'object') seen.add(e[k] as object);
      for (const [k, x] of Object.entries(e)) if (k !== 'prepared' && k !== 'preparedMasker') stack.push(x);
      continue;
    }
    if (v instanceof Map) for (const [k, x] of v) stack.push(k, x);
    if (v instanceof Set) for (const x of v) stack.push(x);
    for (const key of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, key);
      if (d && 'value' in d) stack.push(d.value);
    }
  }
  return seen;
}

/** Objects reachable from `ep` and not from `other` (an endpoint of the same kind, same config). */
function census(ep: object, other: object): Census {
  const shared = reachable(other);
  const c: Census = { objects: 0, buffers: 0, bufferBytes: 0, maps: 0, arrays: 0, functions: 0, classes: {} };
  for (const o of reachable(ep)) {
    if (shared.has(o)) continue;
    c.objects++;
    if (o instanceof ArrayBuffer) {
      c.buffers++;
      c.bufferBytes += o.byteLength;
    } else if (o instanceof Map) c.maps++;
    else if (Array.isArray(o)) c.arrays++;
    else if (typeof o === 'function') c.functions++;
    const name = (o as { constructor?: { name?: string } }).constructor?.name ?? 'null';
    c.classes[name] = (c.classes[name] ?? 0) + 1;
  }
  return c;
}

function connectPairs(n: number, recordKeys?: 'kept' | 'per-record', connectionIdLength = 0) {
  const cp = createProvider('node', seededRandom('retc'));
  const sp = createProvider('node', seededRandom('rets'));
  const ver = verifier(cp);
  const keys = recordKeys ? { recordKeys } : {};
  const server = new ServerDispatcher({ crypto: sp, credential: credential('ecdsa'), ...keys, ...(connectionIdLength ? { connectionIdLength } : {}) });
  const out: { client: ClientEndpoint; conn: ServerConnection; server: ServerDispatcher; addr: string }[] = [];
  for (let i = 0; i < n; i++) {
    const client = new ClientEndpoint({ crypto: cp, verifier: ver, serverName: 'localhost', ...keys });
    const addr = `10.2.0.1:${2000 + i}`;
    client.connect(0);
    for (let r = 1; r < 10 && !client.isConnected; r++) {
      for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, r);
      for (let o; (o = server.pollTransmit()); ) client.receive(o.datagram, r);
    }
    for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, 10);
    for (let o; (o = server.pollTransmit()); ) client.receive(o.datagram, 10); // the server's ACK of the Finished
    while (client.pollEvent());
    while (server.pollEvent());
    assert.ok(client.isConnected);
    assert.is(client.nextTimeout(), undefined, 'final flight acknowledged');
    const conn = server.get(addr)!;
    assert.ok(conn.isConnected);
    out.push({ client, conn, server, addr });
  }
  return out;
}

/** A private field by path ('flights.hs': the endpoint's flights part, its field hs). */
const field = (o: object, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], o);

test('after the handshake: handshake state released, one epoch of keys per direction', () => {
  const [{ client, conn }] = connectPairs(1);
  for (const k of ['hs', 'reasm.msgs', 'flights.sentRecords', 'flights.hs', 'flights.ku', 'early.held']) {
    assert.is(field(client, k), undefined, `client.${k}`);
  }
  for (const k of ['hs', 'reasm.msgs', 'flights.sentRecords', 'flights.hs', 'early.held']) {
    assert.is(field(conn, k), undefined, `server.${k}`);
  }
  for (const ep of [client, conn]) {
    const layer = (field(ep, 'rec') as { layer: { readEpochs(): number[]; hasWriteEpoch(e: number): boolean } }).layer;
    assert.equal(layer.readEpochs(), [3]);
    assert.not.ok(layer.hasWriteEpoch(2));
    assert.ok(layer.hasWriteEpoch(3));
    // application secrets and exporter inputs live in one string of 4 x Hash.length bytes
    assert.is((field(ep, 'epochs.secrets') as string).length, 4 * 32);
  }
  // the exporter still works at both ends
  assert.equal(client.exporterSecret, conn.exporterSecret);
});

test('retained objects per endpoint after the handshake are bounded (no certificates, flights, closures)', () => {
  const [a, b] = connectPairs(2);
  const cl = census(a!.client, b!.client);
  const sv = census(a!.conn, b!.conn);
  console.log(`  client: ${cl.objects} objects, ${cl.buffers} buffers (${cl.bufferBytes} B), ${cl.maps} maps, ${cl.arrays} arrays, ${cl.functions} functions`);
  console.log(`  server: ${sv.objects} objects, ${sv.buffers} buffers (${sv.bufferBytes} B), ${sv.maps} maps, ${sv.arrays} arrays, ${sv.functions} functions`);
  for (const [who, c] of [['client', cl], ['server', sv]] as const) {
    // no per-connection closures (record callback, sinks and hooks are shared or methods)
    assert.is(c.functions, 0, `${who}: closures ${c.functions}`);
    // one read epoch and one write epoch
    assert.is(c.classes['EpochState'], 2, `${who}: EpochState ${c.classes['EpochState']}`);
    // byte buffers outside the provider's keys: the secrets (128 B), the server's ClientHello.random (32 B) (the
    // 64-record replay window is a plain array); nothing handshake-sized (the certificate chain alone is over 1 KB).
    // Before the memory work: 21 buffers, 5 maps and 2-4 closures per endpoint, counting the provider's keys.
    assert.ok(c.buffers <= 3, `${who}: ${c.buffers} ArrayBuffers`);
    assert.ok(c.bufferBytes <= 700, `${who}: ${c.bufferBytes} buffer bytes`);
    assert.is(c.maps, 0, `${who}: ${c.maps} maps`);
    assert.ok(c.objects <= 40, `${who}: ${c.objects} objects`);
  }
});

test('after a KeyUpdate each way: no reassembly map, flight or sent-record map left, one read epoch', () => {
  const [{ client, conn, server, addr }] = connectPairs(1);
  const pump = (t: number) => {
    for (let i = 0; i < 6; i++) {
      for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, t);
      for (let o; (o = server.pollTransmit()); ) client.receive(o.datagram, t);
    }
  };
  const before = client.stats.handshakeMessagesReceived;
  assert.ok(client.keyUpdate(true, 20)); // the server answers with its own KeyUpdate
  pump(20);
  client.send(new Uint8Array(10), 21); // new-epoch data lets the server retire the old read epoch
  conn.send(new Uint8Array(10), 21);
  pump(21);
  for (const ep of [client, conn]) {
    for (const k of ['reasm.msgs', 'flights.sentRecords', 'flights.ku']) assert.is(field(ep, k), undefined, `${ep === client ? 'client' : 'server'}.${k}`);
  }
  assert.is(client.stats.handshakeMessagesReceived - before, 1, 'the client processed the server KeyUpdate');
});

/** Application records both ways after the handshake: every datagram each side sends, in order. */
function traffic(recordKeys: 'kept' | 'per-record') {
  const [{ client, conn, server, addr }] = connectPairs(1, recordKeys);
  const wire: number[][] = [];
  for (let t = 20; t < 25; t++) {
    client.send(new Uint8Array(64).fill(t), t);
    for (let d; (d = client.pollTransmit()); ) {
      wire.push([...d]);
      server.receive(d, addr, t);
    }
    conn.send(new Uint8Array(64).fill(t + 100), t);
    for (let o; (o = server.pollTransmit()); ) {
      wire.push([...o.datagram]);
      client.receive(o.datagram, t);
    }
  }
  const got: number[] = [];
  for (let e; (e = client.pollEvent()); ) if (e.type === 'data') got.push(e.data[0]!);
  for (let e; (e = server.pollEvent()); ) if (e.event.type === 'data') got.push(e.event.data[0]!);
  return { client, conn, wire, got };
}

/** Prepared provider keys (AEAD keys, record-number maskers) reachable from an endpoint. */
function preparedKeys(ep: object): number {
  let n = 0;
  for (const o of reachable(ep)) {
    const name = (o as { constructor?: { name?: string } }).constructor?.name ?? '';
    if (/^Node(Aead|AesMasker|ChachaMasker)$/.test(name)) n++;
  }
  return n;
}

test("recordKeys 'per-record': the same datagrams as 'kept', and no prepared key kept between records", () => {
  const kept = traffic('kept');
  const per = traffic('per-record');
  assert.ok(kept.wire.length >= 10);
  assert.equal(per.wire, kept.wire, 'byte-identical datagrams');
  // every record arrived, both ways (client's 20..24, server's 120..124)
  assert.equal(per.got.sort((a, b) => a - b), [20, 21, 22, 23, 24, 120, 121, 122, 123, 124]);
  // 'kept': epoch 3 both ways at both ends, an AEAD key and a masker each
  assert.is(preparedKeys(kept.client), 4);
  assert.is(preparedKeys(kept.conn), 4);
  // 'per-record': none; the raw key || sn_key buffer per epoch and direction instead
  assert.is(preparedKeys(per.client), 0);
  assert.is(preparedKeys(per.conn), 0);
});

test("recordKeys 'per-record', idle connection: raw keys and secrets as strings, no byte buffer per epoch; buffers from the layout", () => {
  const [a, b] = connectPairs(2, 'per-record');
  const h = 32; // SHA-256 suite (TLS_AES_128_GCM_SHA256, the default): Hash.length
  const keyBytes = 16 + 16; // AES-128 key || sn_key
  // no byte buffer left (the server keeps ClientHello.random as a string too); the secrets: a string of 4 x Hash.length
  const expected = { client: { buffers: 0, bytes: 0 }, server: { buffers: 0, bytes: 0 } };
  for (const [who, ep, other] of [['client', a!.client, b!.client], ['server', a!.conn, b!.conn]] as const) {
    const c = census(ep, other);
    assert.is(c.buffers, expected[who].buffers, `${who}: ArrayBuffers`);
    assert.is(c.bufferBytes, expected[who].bytes, `${who}: buffer bytes`);
    assert.is(c.classes['EpochState'], 2, `${who}: EpochState`);
    for (const dir of ['readEpoch', 'writeEpoch'] as const) {
      const layer = field(ep, 'rec.layer') as Record<string, unknown>;
      const st = (layer[dir === 'readEpoch' ? 'reads' : 'writes'] as Record<string, unknown>[]).find((e) => e.epoch === 3)!;
      assert.is(typeof st.raw, 'string', `${who} ${dir}: raw keys as a string`);
      assert.is((st.raw as string).length, keyBytes, `${who} ${dir}: key || sn_key`);
    }
    assert.is(typeof field(ep, 'epochs.secrets'), 'string', `${who}: secrets as a string`);
    // drained queues and the datagram under construction hold no array
    for (const k of ['out.queue', 'out.parts', 'events.queue']) assert.is(field(ep, k), undefined, `${who}.${k}`);
    assert.is((field(ep, 'epochs.secrets') as string).length, 4 * h, `${who}: 4 x Hash.length`);
  }
});

test('connection IDs: one array per CID per endpoint (the record layer keeps the server\'s own CID, the peer CID is copied once)', () => {
  const [a, b] = connectPairs(2, 'per-record', 4);
  const sv = a!.conn;
  const svLayer = field(sv, 'rec.layer') as Record<string, unknown>;
  assert.ok(sv.localCid && sv.localCid.length === 4);
  assert.is(svLayer.readCid, sv.localCid, "server: the layer's read CID is the connection's own");
  const clRec = field(a!.client, 'rec') as { writeCid: Uint8Array | undefined; layer: Record<string, unknown> };
  assert.is(clRec.writeCid, clRec.layer.writeCid, "client: the records' write CID is the layer's copy");
  assert.equal([...clRec.writeCid!], [...sv.localCid]);
  // the layout: the server keeps its CID (4 B; ClientHello.random is a string); the client the server's CID (4 B)
  const cl = census(a!.client, b!.client);
  const c2 = census(sv, b!.conn);
  assert.is(cl.buffers, 1, 'client buffers');
  assert.is(cl.bufferBytes, 4, 'client buffer bytes');
  assert.is(c2.buffers, 1, 'server buffers');
  assert.is(c2.bufferBytes, 4, 'server buffer bytes');
});

test.run();
