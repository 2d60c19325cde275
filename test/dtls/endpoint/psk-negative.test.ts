// PSK error paths and the pieces of ./psk.ts, ./tickets.ts, ./anti-replay.ts on their own: a misplaced
// pre_shared_key, a missing psk_key_exchange_modes, forged or truncated tickets, anti-replay verdicts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AntiReplay, ServerDispatcher, TicketKeys, ExtensionType as X, createProvider, seededRandom } from '../../../src/dtls/index.ts';
import { decodeClientHello, encodeClientHello } from '../../../src/dtls/handshake/messages.ts';
import { encodeOfferedPsks, fillBinders } from '../../../src/dtls/handshake/psk-extensions.ts';
import { type Extension, PskKeyExchangeModes } from '../../../src/dtls/handshake/extensions.ts';
import { credential } from './harness.ts';

const te = new TextEncoder();

/** A DTLSPlaintext datagram carrying one unfragmented ClientHello. */
function chDatagram(body: Uint8Array): Uint8Array {
  const n = body.length;
  const hs = new Uint8Array(12 + n);
  hs.set([1, n >> 16, (n >> 8) & 0xff, n & 0xff, 0, 0, 0, 0, 0, n >> 16, (n >> 8) & 0xff, n & 0xff]);
  hs.set(body, 12);
  const d = new Uint8Array(13 + hs.length);
  d.set([22, 0xfe, 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, hs.length >> 8, hs.length & 0xff]);
  d.set(hs, 13);
  return d;
}

/** A ClientHello body with an external-PSK offer (binder zero) and the given extension order tweaks. */
function pskClientHello(opts: { pskNotLast?: boolean; noModes?: boolean }): Uint8Array {
  const exts: Extension[] = [
    { type: X.supported_versions, data: Uint8Array.of(2, 0xfe, 0xfc) },
    ...(opts.noModes ? [] : [{ type: X.psk_key_exchange_modes, data: PskKeyExchangeModes.encode([0]) }]),
    { type: X.pre_shared_key, data: encodeOfferedPsks([{ identity: te.encode('id'), obfuscatedTicketAge: 0 }], [32]) },
  ];
  if (opts.pskNotLast) exts.push({ type: X.signature_algorithms, data: Uint8Array.of(0, 2, 4, 3) });
  const body = encodeClientHello({
    legacyVersion: 0xfefd, random: new Uint8Array(32).fill(1), legacySessionId: new Uint8Array(0), legacyCookie: new Uint8Array(0),
    cipherSuites: [0x1301], compressionMethods: Uint8Array.of(0), extensions: exts,
  });
  if (!opts.pskNotLast) fillBinders(body, [new Uint8Array(32).fill(9)]);
  decodeClientHello(body); // well-formed
  return body;
}

function alertFor(body: Uint8Array): number | undefined {
  const s = createProvider('node', seededRandom('neg'));
  const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false },
    psk: { external: [{ identity: te.encode('id'), key: new Uint8Array(32).fill(1) }] } });
  disp.receive(chDatagram(body), 'x:1', 0);
  for (let o; (o = disp.pollTransmit()); ) {
    const d = o.datagram;
    if (d[0] === 21) return d[14]; // plaintext alert: level, description
  }
  for (let e; (e = disp.pollEvent()); ) if (e.event.type === 'alert' && e.event.sent) return e.event.description;
  return undefined;
}

test('pre_shared_key not last: illegal_parameter; without psk_key_exchange_modes: missing_extension; bad binder: decrypt_error', () => {
  assert.is(alertFor(pskClientHello({ pskNotLast: true })), 47);
  assert.is(alertFor(pskClientHello({ noModes: true })), 109);
  assert.is(alertFor(pskClientHello({})), 51);
});

test('TicketKeys.open: garbage, truncations, bit flips and tickets under an unknown key give undefined, never throw', () => {
  const p = createProvider('node', seededRandom('tk'));
  const keys = new TicketKeys(p, [new Uint8Array(32).fill(1)]);
  const state = { suiteCode: 0x1301, issuedAtMs: 123456789012, lifetimeS: 7200, ageAdd: 0xdeadbeef, maxEarlyData: 1024, psk: new Uint8Array(32).fill(5) };
  const t = keys.seal(state);
  assert.equal(keys.open(t), state);
  for (let n = 0; n < t.length; n++) assert.is(keys.open(t.subarray(0, n)), undefined);
  for (let i = 0; i < t.length * 8; i += 7) {
    const m = t.slice();
    m[i >> 3]! ^= 1 << (i & 7);
    assert.is(keys.open(m), undefined, `bit ${i}`);
  }
  const r = seededRandom('junk');
  for (let i = 0; i < 200; i++) {
    const j = new Uint8Array(i);
    r.fill(j);
    assert.is(keys.open(j), undefined);
  }
  const other = new TicketKeys(p, [new Uint8Array(32).fill(2)]);
  assert.is(other.open(t), undefined);
});

test('AntiReplay verdicts: accept once, replay, stale (outside +-window/2), restart rule, full, expiry', () => {
  const b = (n: number) => new Uint8Array(32).fill(n);
  const a = new AntiReplay({ windowMs: 1000, startMs: 10000, maxEntries: 2 });
  assert.is(a.check(b(1), 10400, 10400), 'restart'); // could have reached the previous instance
  assert.is(a.check(b(1), 10600, 10600), 'accept');
  assert.is(a.check(b(1), 10600, 10700), 'replay');
  assert.is(a.check(b(2), 10000, 11000), 'stale');
  assert.is(a.check(b(3), 11000, 11000), 'accept');
  assert.is(a.check(b(4), 11000, 11000), 'full');
  assert.is(a.recorded, 2);
  // after the window the records expire: the same binder would be stale anyway, and the store empties
  assert.is(a.check(b(5), 13000, 13000), 'accept');
  assert.is(a.recorded, 1);
});

test.run();
