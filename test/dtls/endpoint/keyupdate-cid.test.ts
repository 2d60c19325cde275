// Post-handshake: KeyUpdate both ways mid-stream with no application data lost; Connection ID negotiation
// and routing; retransmission of the final flight when the server's ACK is lost; memory after the handshake.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Pair, credential, providers, verifier } from './harness.ts';
import { MemoryTicketStore, TicketKeys, type EndpointEvent } from '../../../src/dtls/index.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const texts = (evs: EndpointEvent[]) => evs.filter((e) => e.type === 'data').map((e) => (e.type === 'data' ? dec.decode(e.data) : ''));

test('KeyUpdate both ways mid-stream: epochs advance, no application data lost', () => {
  const { c, s } = providers('node', 'ku');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') }, { delayMs: 5 });
  assert.ok(p.connect());
  const srv = p.serverConn!;
  const sentC: string[] = [];
  const sentS: string[] = [];
  for (let i = 0; i < 60; i++) {
    const a = `c${i}`;
    const b = `s${i}`;
    assert.ok(p.client.send(enc.encode(a)));
    assert.ok(srv.send(enc.encode(b)));
    sentC.push(a);
    sentS.push(b);
    if (i === 10) assert.ok(p.client.keyUpdate(true, p.now)); // client updates and asks the server to update
    if (i === 11) assert.not.ok(p.client.keyUpdate(false, p.now), 'second KeyUpdate before the ACK is refused');
    if (i === 40) assert.ok(srv.keyUpdate(false, p.now));
    p.run(() => false, p.now + 3); // let some datagrams cross while the next ones are sent
  }
  p.settle(2000);
  assert.equal(texts(p.serverEvents), sentC);
  assert.equal(texts(p.clientEvents), sentS);
  // client: 3 -> 4 (own update); server: 3 -> 4 (requested) -> 5 (own)
  assert.is(p.client.sendEpoch, 4);
  assert.is(srv.sendEpoch, 5);
  assert.is(p.client.receiveEpoch, 5);
  assert.is(srv.receiveEpoch, 4);
  const kuC = p.clientEvents.filter((e) => e.type === 'keyupdate');
  const kuS = p.serverEvents.filter((e) => e.type === 'keyupdate');
  assert.equal(kuC.map((e) => e.type === 'keyupdate' && `${e.direction}${e.epoch}`), ['send4', 'receive4', 'receive5']);
  assert.equal(kuS.map((e) => e.type === 'keyupdate' && `${e.direction}${e.epoch}`), ['receive4', 'send4', 'send5']);
  assert.ok(p.client.stats.acksReceived >= 1 && srv.stats.acksReceived >= 2);
});

test('KeyUpdate over a lossy link still completes and data keeps flowing', () => {
  const { c, s } = providers('node', 'kul');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ed25519') }, { loss: 0.3, seed: 5 });
  assert.ok(p.connect());
  p.settle(20000);
  const srv = p.serverConn!;
  assert.ok(p.client.keyUpdate(true, p.now));
  p.settle(60000);
  assert.is(p.client.sendEpoch, 4);
  assert.is(srv.sendEpoch, 4);
  p.client.send(enc.encode('after'));
  p.client.send(enc.encode('after'));
  p.client.send(enc.encode('after'));
  p.settle(1000);
  assert.ok(texts(p.serverEvents).includes('after'));
});

test('automatic KeyUpdate after keyUpdateAfterRecords records (AEAD limit), data keeps flowing', () => {
  const { c, s } = providers('node', 'autoku');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost', keyUpdateAfterRecords: 10 },
    { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  const sent: string[] = [];
  for (let i = 0; i < 35; i++) {
    sent.push(`m${i}`);
    p.client.send(enc.encode(`m${i}`), p.now);
    p.run(() => false, p.now + 25);
  }
  p.settle(1000);
  assert.equal(texts(p.serverEvents), sent);
  assert.is(p.client.sendEpoch, 6); // 3 -> 4 -> 5 -> 6 after records 10, 20, 30
  assert.is(p.serverConn!.receiveEpoch, 6);
});

test('AEAD forgery limit: too many records failing authentication close the connection (bad_record_mac)', () => {
  const { c, s } = providers('node', 'forge');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' },
    { crypto: s, credential: credential('ecdsa'), aeadForgeryLimit: 3 });
  assert.ok(p.connect());
  p.settle(100);
  p.client.send(enc.encode('real'));
  const good = p.client.pollTransmit()!;
  for (let i = 0; i < 3; i++) {
    const bad = good.slice();
    bad[bad.length - 1 - i]! ^= 1; // tag damaged
    p.server.receive(bad, p.addr, p.now);
  }
  p.settle(100);
  assert.ok(p.serverConn!.isClosed);
  assert.ok(p.serverEvents.some((e) => e.type === 'alert' && e.sent && e.description === 20));
  assert.ok(p.clientEvents.some((e) => e.type === 'alert' && !e.sent && e.description === 20));
});

test('after the handshake a spoofed plaintext alert or ACK is dropped, the connection stays up', () => {
  const { c, s } = providers('node', 'spoof');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  p.settle(100);
  const alert = Uint8Array.of(21, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 99, 0, 2, 2, 40); // fatal handshake_failure
  const ack = Uint8Array.of(26, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 98, 0, 2, 0, 0);
  p.client.receive(alert, p.now);
  p.client.receive(ack, p.now);
  p.server.receive(alert, p.addr, p.now);
  assert.ok(p.client.isConnected);
  assert.ok(p.serverConn!.isConnected);
  assert.is(p.client.stats.dropsByReason.plaintext_after_handshake, 2);
});

/** A plaintext (epoch 0) record: type, DTLS 1.2 version, epoch 0, sequence number `seq`, length, payload. */
function plaintext(type: number, payload: Uint8Array, seq = 99): Uint8Array {
  const o = new Uint8Array(13 + payload.length);
  o[0] = type; o[1] = 0xfe; o[2] = 0xfd; o[10] = seq; o[11] = payload.length >> 8; o[12] = payload.length & 0xff;
  o.set(payload, 13);
  return o;
}

/** One handshake fragment header (RFC 9147 5.2) for message `seq` of `length` bytes, carrying `body` at offset 0. */
function fragment(msgType: number, seq: number, length: number, body: Uint8Array): Uint8Array {
  const o = new Uint8Array(12 + body.length);
  o[0] = msgType; o[3] = length; o[4] = seq >> 8; o[5] = seq & 0xff; o[11] = body.length;
  o.set(body, 12);
  return o;
}

test('after the handshake a spoofed plaintext handshake record is dropped: malformed, new or partial, it neither closes the connection nor enters reassembly', () => {
  const { c, s } = providers('node', 'spoof-hs');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  p.settle(100);
  const srv = p.serverConn!;
  // malformed: a fragment header cut short (4 of its 12 bytes), to both ends
  p.server.receive(plaintext(22, Uint8Array.of(1, 0, 0, 5)), p.addr, p.now);
  p.client.receive(plaintext(22, Uint8Array.of(20, 0, 0, 40, 0, 9, 0, 0, 0, 0, 0, 50)), p.now);
  // the message_seq each end expects next (private: read for the test only)
  const next = (x: unknown): number => (x as { reasm: { recvSeq: number } }).reasm.recvSeq;
  // well formed: a KeyUpdate (24) in epoch 0 at the message_seq the client expects next
  p.client.receive(plaintext(22, fragment(24, next(p.client), 1, Uint8Array.of(0))), p.now);
  // partial: the first byte of a 2-byte message at the server's next message_seq, then a real KeyUpdate from the client
  p.server.receive(plaintext(22, fragment(24, next(srv), 2, Uint8Array.of(0))), p.addr, p.now);
  assert.ok(p.client.isConnected, 'client still connected');
  assert.ok(srv.isConnected, 'server still connected');
  assert.is(p.client.stats.dropsByReason.plaintext_after_handshake, 2);
  assert.is(srv.stats.dropsByReason.plaintext_after_handshake, 2);
  assert.not.ok(p.clientEvents.some((e) => e.type === 'alert'));
  p.client.keyUpdate(false, p.now);
  p.settle(5000);
  assert.ok(srv.isConnected, 'the authenticated KeyUpdate is taken, not refused against the spoofed fragment');
  assert.is(srv.receiveEpoch, 4);
  assert.not.ok(p.serverEvents.some((e) => e.type === 'alert'));
});

test('a KeyUpdate acknowledged before a lost NewSessionTicket: the ticket is retransmitted under its own epoch (RFC 9147 4.2.1), the connection stays up', () => {
  const { c, s } = providers('node', 'nst-ku');
  let after = 0;
  const p: Pair = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: new MemoryTicketStore() },
    { crypto: s, credential: credential('ecdsa'), psk: { tickets: { keys: new TicketKeys(s, [new Uint8Array(32).fill(5)]) } } },
    {
      tap: (dir, d) => {
        // once the server is connected, lose its 1st datagram (ACK of the Finished + NewSessionTicket, epoch 3) and
        // its 3rd (the ticket's first retransmission): the client receives the KeyUpdate (next message_seq) first,
        // buffers it and ACKs it, so the server rolls to epoch 4 with the ticket still unacknowledged in epoch 3
        if (dir === 's2c' && p.server.get(p.addr)?.isConnected) {
          const k = after++;
          if (k === 0 || k === 2) return undefined;
        }
        return d;
      },
    },
  );
  assert.ok(p.connect());
  const srv = p.serverConn!;
  assert.ok(srv.keyUpdate(false, p.now));
  p.settle(20_000);
  assert.ok(srv.isConnected, 'server still connected');
  assert.ok(p.client.isConnected, 'client still connected');
  assert.is(srv.sendEpoch, 4);
  assert.is(p.client.receiveEpoch, 4);
  assert.not.ok(p.serverEvents.some((e) => e.type === 'alert'), 'no alert (was internal_error: no write keys for epoch 3)');
  assert.ok(srv.stats.retransmissions >= 1, 'the ticket was retransmitted');
  assert.ok(p.clientEvents.some((e) => e.type === 'keyupdate' && e.direction === 'receive'));
  // everything acknowledged: the epoch kept for the ticket is gone, so the connection is quiescent and can sleep
  assert.ok(srv.sleep(), 'quiescent after the ticket is acknowledged');
});

test('Connection ID: negotiated both ways, carried in the header, dispatcher routes by CID after an address change', () => {
  const { c, s } = providers('node', 'cid');
  const myCid = Uint8Array.of(1, 2, 3, 4, 5);
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', connectionId: myCid },
    { crypto: s, credential: credential('ecdsa'), connectionIdLength: 6 },
  );
  assert.ok(p.connect());
  const ce = p.clientEvents.find((e) => e.type === 'connected');
  if (ce?.type !== 'connected') throw new Error('no connected');
  assert.is(ce.sendCid?.length, 6);
  assert.equal(Array.from(ce.recvCid!), Array.from(myCid));
  const srv = p.serverConn!;
  assert.equal(Array.from(srv.localCid!), Array.from(ce.sendCid!));
  p.settle(100);
  // client datagrams now carry the server's CID: first byte has the C bit, then the CID
  p.client.send(enc.encode('x'));
  const d = p.client.pollTransmit()!;
  assert.is(d[0]! & 0x10, 0x10);
  assert.equal(Array.from(d.subarray(1, 7)), Array.from(ce.sendCid!));
  // deliver from a new address: routed by CID, the connection moves
  assert.ok(p.server.connectionFor(d, '192.0.2.9:7000') === srv, 'connectionFor predicts the CID route');
  assert.is(p.server.get('192.0.2.9:7000'), undefined);
  const conn = p.server.receive(d, '192.0.2.9:7000', p.now);
  assert.ok(conn === srv);
  assert.is(srv.address, '192.0.2.9:7000');
  assert.ok(p.server.get('192.0.2.9:7000') === srv);
  const ev = p.server.pollEvent();
  assert.is(ev?.event.type, 'data');
  assert.is(ev?.address, '192.0.2.9:7000', 'the event of the datagram that moved the connection names the new address');
  // replies now go to the new address
  srv.send(enc.encode('y'));
  const out = p.server.pollTransmit();
  assert.is(out?.address, '192.0.2.9:7000');
});

test('lost server ACK: the client retransmits its final flight and the server re-ACKs', () => {
  const { c, s } = providers('node', 'ack');
  let dropAcks = 1;
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') }, {
    // the server's first datagram after its flight is the ACK of the client's Finished: drop it once
    tap: (dir, d, i) => (dir === 's2c' && i === 2 && dropAcks-- > 0 ? undefined : d), // 0 HRR, 1 flight, 2 ACK
  });
  assert.ok(p.connect());
  assert.ok(p.client.nextTimeout() !== undefined, 'final flight still waits for its ACK');
  p.settle(10_000);
  assert.is(p.client.nextTimeout(), undefined, 'final flight acknowledged');
  assert.ok(p.client.stats.retransmissions >= 1);
  assert.ok(p.serverConn!.stats.acksSent >= 2);
});

test('memory: per-connection state after the handshake is small', () => {
  const { c, s } = providers('node', 'mem');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  assert.ok(p.connect());
  p.settle(5000);
  assert.is(p.client.heldBytes(), 0);
  assert.is(p.serverConn!.heldBytes(), 0);
  assert.is(p.client.nextTimeout(), undefined);
  assert.is(p.serverConn!.nextTimeout(), undefined);
});

test.run();
