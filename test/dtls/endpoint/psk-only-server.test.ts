// A PSK-only server (external PSKs, no certificate credential, as IoT gateways provisioned with PSKs run): clients
// with a provisioned PSK connect with psk_ke or psk_dhe_ke; a client without a usable PSK gets a handshake_failure
// alert (with the reason on the server's alert event), statelessly with cookies on and from a connection with
// cookies off; a configuration with neither a certificate nor PSKs is refused.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ClientEndpoint, ServerDispatcher, type ClientConfig, type CryptoOp, type EndpointEvent, type ServerConfig,
} from '../../../src/dtls/index.ts';
import { AlertDescription } from '../../../src/dtls/handshake/constants.ts';
import { providers, verifier } from './harness.ts';
import { connected, drive } from './drive.ts';

const te = new TextEncoder();
const ID = te.encode('sensor-0042');
const KEY = new Uint8Array(32).fill(0x42);

function setup(kind: 'node' | 'noble', seed: string, cookies: boolean) {
  const { c, s } = providers(kind, seed);
  const serverCfg: ServerConfig = { crypto: s, cookie: { enabled: cookies }, psk: { external: [{ identity: ID, key: KEY }] } };
  const clientCfg: ClientConfig = { crypto: c, verifier: verifier(c), serverName: 'gw', externalPsk: { identity: ID, key: KEY } };
  return { c, s, serverCfg, clientCfg };
}
const alerts = (evs: EndpointEvent[]) => evs.filter((e): e is Extract<EndpointEvent, { type: 'alert' }> => e.type === 'alert');

test('ServerConfig without a credential: accepted with external PSKs (or tickets), refused with neither', () => {
  const { s } = providers('node', 'po-cfg');
  assert.throws(() => new ServerDispatcher({ crypto: s }), /credential is required unless psk/);
  assert.throws(() => new ServerDispatcher({ crypto: s, psk: { external: [] } }), /credential is required unless psk/);
  new ServerDispatcher({ crypto: s, psk: { external: [{ identity: ID, key: KEY }] } });
});

for (const kind of ['node', 'noble'] as const) {
  for (const modes of [['psk_ke'], ['psk_dhe_ke']] as const) {
    test(`[${kind}] PSK-only server, client ${modes[0]}: connected, no signature (and no key exchange with psk_ke)`, () => {
      const { c, s, serverCfg, clientCfg } = setup(kind, `po-${kind}-${modes[0]}`, true);
      const ops: CryptoOp[] = [];
      c.observer = (o) => ops.push(o);
      s.observer = (o) => ops.push(o);
      const r = drive(new ClientEndpoint({ ...clientCfg, pskModes: [...modes] }), new ServerDispatcher(serverCfg), 'p:1', 0);
      const cc = connected(r.clientEvents);
      const sc = connected(r.serverEvents);
      assert.ok(cc && sc, JSON.stringify(r.clientEvents));
      assert.is(sc.psk, 'external');
      assert.is(sc.signatureScheme, 'psk');
      assert.not.ok(ops.some((o) => o.op === 'sign' || o.op === 'verify'));
      assert.is(ops.some((o) => o.op === 'kx-keygen' || o.op === 'kx-derive'), modes[0] === 'psk_dhe_ke');
      assert.is(cc.group, modes[0] === 'psk_ke' ? 'none' : 'x25519');
    });
  }
}

for (const cookies of [true, false]) {
  test(`PSK-only server (cookies ${cookies}), client without a PSK: handshake_failure, the client closes with it`, () => {
    const { serverCfg, clientCfg } = setup('node', `po-nopsk-${cookies}`, cookies);
    const disp = new ServerDispatcher(serverCfg);
    const { externalPsk: _, ...noPsk } = clientCfg;
    const r = drive(new ClientEndpoint(noPsk), disp, 'q:1', 0);
    assert.is(connected(r.clientEvents), undefined);
    const got = alerts(r.clientEvents).filter((a) => !a.sent);
    assert.equal(got.map((a) => a.name), ['handshake_failure']);
    assert.ok(r.clientEvents.some((e) => e.type === 'closed' && e.reason === 'alert'));
    if (cookies) {
      // no state, no event: the stateless alert is counted
      assert.equal(r.serverEvents, []);
      assert.is(disp.stats.alertsSent, 1);
      assert.is(disp.stats.connectionsCreated, 0);
    } else {
      const sent = alerts(r.serverEvents).filter((a) => a.sent);
      assert.is(sent.length, 1);
      assert.is(sent[0]!.description, AlertDescription.handshake_failure);
      assert.match(sent[0]!.reason ?? '', /no usable PSK offered and no certificate credential/);
    }
  });
}

test('PSK-only server, client with an unknown PSK identity: handshake_failure (not a certificate handshake)', () => {
  const { serverCfg, clientCfg } = setup('node', 'po-unknown', false);
  const r = drive(new ClientEndpoint({ ...clientCfg, externalPsk: { identity: te.encode('sensor-9999'), key: KEY } }),
    new ServerDispatcher(serverCfg), 'u:1', 0);
  assert.is(connected(r.clientEvents), undefined);
  assert.equal(alerts(r.clientEvents).filter((a) => !a.sent).map((a) => a.name), ['handshake_failure']);
  assert.match(alerts(r.serverEvents).find((a) => a.sent)?.reason ?? '', /no usable PSK/);
});

test.run();
