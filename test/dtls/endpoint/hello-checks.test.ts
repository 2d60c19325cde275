// Hello checks found missing by a review on 2026-12-08, each test failing before its fix:
// - a ClientHello with a usable PSK goes through the same version and legacy-field checks as one without
//   (RFC 8446 4.1.2, 4.2.1; RFC 9147 5.3): the PSK path used to skip them;
// - a ServerHello / HelloRetryRequest carrying an extension not allowed there is an illegal_parameter (RFC 8446 4.2);
// - a server with both a PSK lookup and tickets resumes (the lookup used to claim the tickets);
// - 0-RTT anti-replay holds at the edge of its window (RFC 8446 8.2).
import { createHmac } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AntiReplay } from '../../../src/dtls/endpoint/anti-replay.ts';
import { binderFor } from '../../../src/dtls/endpoint/psk.ts';
import { scheduleFor } from '../../../src/dtls/endpoint/common.ts';
import { Writer } from '../../../src/dtls/handshake/bytes.ts';
import { decodeClientHello, decodeServerHello, encodeClientHello, encodeServerHello, tlsMessage } from '../../../src/dtls/handshake/messages.ts';
import { fillBinders } from '../../../src/dtls/handshake/psk-extensions.ts';
import { ClientEndpoint, MemoryTicketStore, ServerDispatcher, TicketKeys, type CryptoProvider } from '../../../src/dtls/index.ts';
import { connected, drive } from './drive.ts';
import { credential, providers, verifier } from './harness.ts';

const te = new TextEncoder();
const ext = { identity: te.encode('dev'), key: new Uint8Array(32).fill(0x42) };
type Ch = ReturnType<typeof decodeClientHello>;

/** The client's first datagram (one plaintext record, one whole ClientHello) with `mut` applied to the hello and,
 *  with a PSK, its binder computed again over the changed hello. */
function rewritten(d: Uint8Array, mut: (ch: Ch) => void, c: CryptoProvider, withPsk: boolean): Uint8Array {
  const ch = decodeClientHello(d.subarray(13 + 12));
  mut(ch);
  const nb = encodeClientHello(ch);
  if (withPsk) {
    const ks = scheduleFor(c, 'SHA-256');
    fillBinders(nb, [binderFor(c, ks, ks.earlySecret(ext.key), 'external', tlsMessage(1, nb), undefined)]);
  }
  const w = new Writer(64);
  w.bytes(d.subarray(0, 11)).u16(12 + nb.length);
  w.u8(1).u24(nb.length).bytes(d.subarray(17, 19)).u24(0).u24(nb.length).bytes(nb);
  return w.finish();
}

/** What the server's first datagram is: an alert (with its description) or a ServerHello. */
function answer(o: { datagram: Uint8Array } | undefined): string {
  if (!o) return 'nothing';
  const d = o.datagram;
  if (d[0] === 21) return `alert ${d[14]}`;
  return d[0] === 22 && d[13] === 2 ? 'ServerHello' : `record type ${d[0]}`;
}

test('a ClientHello with a usable external PSK gets the same legacy-field and version checks as one without', () => {
  const cases: [string, (ch: Ch) => void, string][] = [
    ['compression methods [1, 0]', (ch) => { ch.compressionMethods = Uint8Array.of(1, 0); }, 'alert 47'], // illegal_parameter
    ['8-byte legacy_cookie', (ch) => { ch.legacyCookie = new Uint8Array(8).fill(9); }, 'alert 47'],
    ['supported_versions DTLS 1.2 only', (ch) => {
      ch.extensions = ch.extensions.map((e) => (e.type === 43 ? { type: 43, data: Uint8Array.of(2, 0xfe, 0xfd) } : e));
    }, 'alert 70'], // protocol_version
  ];
  for (const [name, mut, expected] of cases) {
    for (const withPsk of [false, true]) {
      const { c, s } = providers('node', `${name}/${withPsk}`);
      const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false }, psk: { external: [ext] } });
      const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', ...(withPsk ? { externalPsk: ext } : {}) });
      cl.connect(0);
      disp.receive(rewritten(cl.pollTransmit()!, mut, c, withPsk), 'x:1', 1);
      assert.is(answer(disp.pollTransmit()), expected, `${name}, PSK ${withPsk}`);
    }
  }
});

test('unchanged, the rewritten PSK ClientHello is answered with a ServerHello (the rewrite itself is sound)', () => {
  const { c, s } = providers('node', 'sound');
  const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false }, psk: { external: [ext] } });
  const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', externalPsk: ext });
  cl.connect(0);
  disp.receive(rewritten(cl.pollTransmit()!, () => {}, c, true), 'x:1', 1);
  assert.is(answer(disp.pollTransmit()), 'ServerHello');
});

/** The server's first flight with an empty extension of `type` added to its ServerHello or HelloRetryRequest. */
function withExtension(d: Uint8Array, type: number): Uint8Array {
  const recLen = (d[11]! << 8) | d[12]!;
  const sh = decodeServerHello(d.subarray(25, 13 + recLen));
  sh.extensions.push({ type, data: new Uint8Array(0) });
  const nb = encodeServerHello(sh);
  const w = new Writer(64);
  w.bytes(d.subarray(0, 11)).u16(12 + nb.length).u8(2).u24(nb.length).bytes(d.subarray(17, 19)).u24(0).u24(nb.length).bytes(nb);
  w.bytes(d.subarray(13 + recLen));
  return w.finish();
}

test('a ServerHello or HelloRetryRequest with server_name (CH and EE only) is an illegal_parameter', () => {
  for (const cookies of [false, true]) { // without cookies the server answers with a ServerHello, with them an HRR
    const { c, s } = providers('node', `sh/${cookies}`);
    const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: cookies } });
    const cl = new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost' });
    cl.connect(0);
    disp.receive(cl.pollTransmit()!, 'x:1', 1);
    cl.receive(withExtension(disp.pollTransmit()!.datagram, 0 /* server_name */), 2);
    const events = [];
    for (let e; (e = cl.pollEvent()); ) events.push(e);
    assert.ok(events.some((e) => e.type === 'alert' && e.sent && e.description === 47), `cookies ${cookies}: ${JSON.stringify(events)}`);
    assert.ok(cl.isClosed);
  }
});

test('a server with a PSK lookup and tickets resumes with the ticket (the lookup is asked last)', () => {
  const master = new Uint8Array(32).fill(5);
  const lookup = (id: Uint8Array) => ({ identity: id, key: new Uint8Array(createHmac('sha256', master).update(id).digest()) });
  const { c, s } = providers('node', 'lookup-tickets');
  const store = new MemoryTicketStore();
  const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false },
    psk: { tickets: { keys: new TicketKeys(s, [new Uint8Array(32).fill(7)]) }, lookup } });
  const cfg = { crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store };
  const first = drive(new ClientEndpoint(cfg), disp, 'a:1', 0);
  assert.ok(connected(first.clientEvents));
  assert.is(store.size('localhost'), 1);
  const second = drive(new ClientEndpoint(cfg), disp, 'a:2', first.now + 1000);
  assert.is(connected(second.clientEvents)?.psk, 'resumption');
  assert.not.ok(second.clientEvents.some((e) => e.type === 'alert'));
  // an identity the lookup knows still authenticates as an external PSK
  const dev = lookup(te.encode('device-7'));
  const third = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), serverName: 'localhost', externalPsk: dev }), disp, 'a:3', second.now + 1000);
  assert.is(connected(third.clientEvents)?.psk, 'external');
});

test('0-RTT anti-replay: a replay at the last fresh instant of a hello recorded half a window ahead is refused', () => {
  const ar = new AntiReplay({ windowMs: 10_000 });
  const binder = new Uint8Array(32).fill(1);
  const t0 = 100_000;
  const expected = t0 + 5_000; // the client's reported age puts it half a window ahead: fresh until t0 + 10,000
  assert.is(ar.check(binder, expected, t0), 'accept');
  assert.is(ar.check(binder, expected, t0 + 9_999), 'replay');
  assert.is(ar.check(binder, expected, t0 + 10_000), 'replay'); // was 'accept'
  assert.is(ar.check(binder, expected, t0 + 10_001), 'stale');
});

test.run();
