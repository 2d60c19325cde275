// legacy_session_id: a DTLS 1.3 server never echoes it (RFC 9147 5, bis draft); `echoLegacySessionId` is the
// compatibility switch for wolfSSL resumption. Checked on the wire with a hand-built ClientHello.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ServerDispatcher, createProvider, handshakeCodec as M, extensionCodec as X, seededRandom } from '../../../src/dtls/index.ts';
import { Writer } from '../../../src/dtls/handshake/bytes.ts';
import { credential } from './harness.ts';

function serverHelloEcho(echo: boolean, cookie: boolean): Uint8Array {
  const p = createProvider('node', seededRandom('sid'));
  const kp = p.kxGenerate('x25519');
  const sid = new Uint8Array(32).fill(0xab);
  const body = M.encodeClientHello({
    legacyVersion: 0xfefd, random: new Uint8Array(32).fill(1), legacySessionId: sid, legacyCookie: new Uint8Array(0),
    cipherSuites: [0x1301], compressionMethods: Uint8Array.of(0),
    extensions: [
      { type: 43, data: X.SupportedVersions.encodeClient([0xfefc]) },
      { type: 10, data: X.SupportedGroups.encode([0x1d]) },
      { type: 51, data: X.KeyShare.encodeClient([{ group: 0x1d, keyExchange: kp.publicKey }]) },
      { type: 13, data: X.SignatureAlgorithms.encode([0x0403]) },
    ],
  });
  const hs = new Writer();
  M.writeFragment(hs, 1, body.length, 0, 0, body);
  const payload = hs.finish();
  const rec = new Writer().u8(22).u16(0xfefd).u16(0).u16(0).u32(0).vec(2, payload).finish();
  const s = new ServerDispatcher({ crypto: p, credential: credential('ecdsa'), echoLegacySessionId: echo, cookie: { enabled: cookie } });
  s.receive(rec, 'x', 0);
  let out = s.pollTransmit();
  // amplification limit: the first datagram is the ServerHello (or the HRR) record on its own
  assert.ok(out);
  const d = out!.datagram;
  assert.is(d[0], 22);
  const frag = M.decodeFragments(d.subarray(13, 13 + ((d[11]! << 8) | d[12]!)))[0]!;
  assert.is(frag.msgType, 2);
  out = undefined;
  return M.decodeServerHello(frag.fragment).legacySessionIdEcho;
}

test('default: legacy_session_id is not echoed (ServerHello and HelloRetryRequest)', () => {
  assert.is(serverHelloEcho(false, false).length, 0);
  assert.is(serverHelloEcho(false, true).length, 0);
});

test('compatibility switch: echoed', () => {
  assert.is(serverHelloEcho(true, false).length, 32);
  assert.is(serverHelloEcho(true, true).length, 32);
});

test.run();
