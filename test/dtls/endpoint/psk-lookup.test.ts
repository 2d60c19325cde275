// External PSKs looked up by identity (ServerPskConfig.lookup): a server provisioned with many devices needs no
// array of every identity; the lookup is asked only for identities the array does not hold, a wrong key fails the
// binder, an unknown identity is a handshake without PSK.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientEndpoint, ServerDispatcher, type ExternalPsk } from '../../../src/dtls/index.ts';
import { providers, verifier } from './harness.ts';
import { connected, drive } from './drive.ts';

const te = new TextEncoder();
const keyOf = (id: Uint8Array): Uint8Array => new Uint8Array(32).map((_, i) => (id[i % id.length]! * 7 + i) & 0xff);

test('lookup: the server finds a device key by identity; asked once per ClientHello identity', () => {
  const { c, s } = providers('node', 'lookup-1');
  const asked: string[] = [];
  const lookup = (id: Uint8Array): ExternalPsk | undefined => {
    asked.push(new TextDecoder().decode(id));
    return { identity: id, key: keyOf(id) };
  };
  const id = te.encode('device-17');
  const disp = new ServerDispatcher({ crypto: s, cookie: { enabled: false }, psk: { lookup } });
  const r = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: id, key: keyOf(id) }, pskModes: ['psk_ke'] }), disp, 'a:1', 0);
  const sc = connected(r.serverEvents);
  assert.ok(sc && connected(r.clientEvents));
  assert.is(sc.psk, 'external');
  assert.is(sc.group, 'none');
  assert.equal(asked, ['device-17']);
});

test('lookup: an array entry wins; a wrong key is a bad binder (decrypt_error); unknown identity: no PSK', () => {
  const { c, s } = providers('node', 'lookup-2');
  const id = te.encode('device-3');
  let asked = 0;
  const lookup = (x: Uint8Array): ExternalPsk | undefined => {
    asked++;
    return new TextDecoder().decode(x) === 'device-3' ? { identity: x, key: keyOf(x) } : undefined;
  };
  // array entry for the same identity: the lookup is not asked
  const d1 = new ServerDispatcher({ crypto: s, cookie: { enabled: false }, psk: { external: [{ identity: id, key: keyOf(id) }], lookup } });
  assert.ok(connected(drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: id, key: keyOf(id) } }), d1, 'b:1', 0).serverEvents));
  assert.is(asked, 0);
  // the client holds another key for the identity: the binder fails
  const d2 = new ServerDispatcher({ crypto: s, cookie: { enabled: false }, psk: { lookup } });
  const r2 = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: id, key: new Uint8Array(32) } }), d2, 'c:1', 0);
  assert.is(connected(r2.serverEvents), undefined);
  assert.ok(r2.clientEvents.some((e) => e.type === 'alert' && !e.sent && e.name === 'decrypt_error'), JSON.stringify(r2.clientEvents));
  // an identity the lookup does not know, PSK-only server: handshake_failure
  const other = te.encode('device-4');
  const r3 = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: other, key: keyOf(other) } }), d2, 'd:1', 0);
  assert.is(connected(r3.serverEvents), undefined);
  assert.ok(r3.clientEvents.some((e) => e.type === 'alert' && !e.sent && e.name === 'handshake_failure'));
});

test('a server with only a lookup (no credential, no array) is a valid PSK-only configuration', () => {
  const { s } = providers('node', 'lookup-3');
  new ServerDispatcher({ crypto: s, psk: { lookup: () => undefined } });
  assert.throws(() => new ServerDispatcher({ crypto: s, psk: {} }), /credential is required unless psk/);
});

test.run();
