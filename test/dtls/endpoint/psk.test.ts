// Session tickets, resumption (psk_dhe_ke, psk_ke), external PSKs, HRR with a PSK offer, 0-RTT and its
// anti-replay (RFC 8446 2.2, 4.2.9-4.2.11, 4.6.1, 8; RFC 9147 5.6): sans-IO, lossless in-memory link.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  AntiReplay, ClientEndpoint, MemoryTicketStore, ServerDispatcher, TicketKeys, type ClientConfig, type CryptoOp,
  type CryptoProvider, type ServerConfig,
} from '../../../src/dtls/index.ts';
import { credential, providers, verifier } from './harness.ts';
import { connected, data, drive } from './drive.ts';

const te = new TextEncoder();
const td = new TextDecoder();

function setup(seed: string, opts: { maxEarlyData?: number; antiReplay?: AntiReplay; cookies?: boolean } = {}) {
  const { c, s } = providers('node', seed);
  const keys = new TicketKeys(s, [new Uint8Array(32).fill(7)]);
  const store = new MemoryTicketStore();
  const serverCfg: ServerConfig = {
    crypto: s, credential: credential('ecdsa'), cookie: { enabled: opts.cookies ?? false },
    psk: { tickets: { keys, maxEarlyData: opts.maxEarlyData ?? 0 }, antiReplay: opts.antiReplay },
  };
  const clientCfg: ClientConfig = { crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store };
  return { c, s, keys, store, serverCfg, clientCfg };
}

function trace(p: CryptoProvider): CryptoOp[] {
  const ops: CryptoOp[] = [];
  p.observer = (op) => ops.push(op);
  return ops;
}

test('full handshake issues a ticket; the next connection resumes with psk_dhe_ke and no sign/verify', () => {
  const { c, s, store, serverCfg, clientCfg } = setup('t1');
  const disp = new ServerDispatcher(serverCfg);
  const r1 = drive(new ClientEndpoint(clientCfg), disp, 'a:1', 0);
  assert.is(connected(r1.clientEvents)?.psk, undefined);
  assert.is(store.size('localhost'), 1);
  const co = trace(c);
  const so = trace(s);
  const r2 = drive(new ClientEndpoint(clientCfg), disp, 'a:2', r1.now + 1000);
  const cc = connected(r2.clientEvents);
  const sc = connected(r2.serverEvents);
  assert.ok(cc && sc);
  assert.is(cc.psk, 'resumption');
  assert.is(sc.psk, 'resumption');
  assert.is(cc.signatureScheme, 'psk');
  assert.is(cc.group, 'x25519');
  for (const ops of [co, so]) {
    assert.not.ok(ops.some((o) => o.op === 'sign' || o.op === 'verify'), 'no signature work');
    assert.ok(ops.some((o) => o.op === 'kx-derive'), 'psk_dhe_ke derives a shared secret');
  }
  // data both ways, and a fresh ticket for the next time (single-use tickets)
  r2.client.send(te.encode('hello'));
  assert.is(store.size('localhost'), 1);
});

test('psk_ke resumption: no key exchange either; ticket lifetime enforced', () => {
  const { c, s, store, serverCfg, clientCfg } = setup('t2');
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'a:1', 0);
  const co = trace(c);
  const so = trace(s);
  const r = drive(new ClientEndpoint({ ...clientCfg, pskModes: ['psk_ke'] }), disp, 'a:2', 2000);
  assert.is(connected(r.clientEvents)?.group, 'none');
  assert.is(connected(r.serverEvents)?.psk, 'resumption');
  for (const ops of [co, so]) assert.not.ok(ops.some((o) => ['sign', 'verify', 'kx-keygen', 'kx-derive'].includes(o.op)));
  // a ticket older than its lifetime (7200 s) is not accepted: full handshake
  const late = drive(new ClientEndpoint(clientCfg), disp, 'a:3', 2000 + 7201 * 1000);
  assert.is(connected(late.clientEvents)?.psk, undefined);
  assert.is(store.size('localhost'), 1);
  void late;
});

test('external PSK, psk_ke and psk_dhe_ke: no public-key operation at all with psk_ke', () => {
  const { c, s } = providers('node', 'x1');
  const ext = { identity: te.encode('Client_identity'), key: new Uint8Array(32).fill(0x42) };
  for (const modes of [['psk_ke'], ['psk_dhe_ke']] as const) {
    const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), psk: { external: [ext] } });
    const co = trace(c);
    const so = trace(s);
    const r = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: ext, pskModes: [...modes] }), disp, 'b:1', 0);
    const cc = connected(r.clientEvents);
    assert.is(cc?.psk, 'external', modes[0]);
    assert.is(connected(r.serverEvents)?.psk, 'external');
    const pk = ['sign', 'verify', 'kx-keygen', 'kx-derive'];
    for (const ops of [co, so]) {
      if (modes[0] === 'psk_ke') assert.not.ok(ops.some((o) => pk.includes(o.op)), 'psk_ke: no public-key operation');
      else assert.not.ok(ops.some((o) => o.op === 'sign' || o.op === 'verify'));
    }
    r.client.send(te.encode('ping'));
    for (let o; (o = r.client.pollTransmit()); ) disp.receive(o, 'b:1', r.now + 5);
    const evs = [];
    for (let e; (e = disp.pollEvent()); ) evs.push(e.event);
    assert.equal(data(evs), ['ping']);
  }
});

test('external PSK with a wrong key: bad binder ends with decrypt_error', () => {
  const { c, s } = providers('node', 'x2');
  const disp = new ServerDispatcher({ crypto: s, credential: credential('ecdsa'), cookie: { enabled: false },
    psk: { external: [{ identity: te.encode('id'), key: new Uint8Array(32).fill(1) }] } });
  const r = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: te.encode('id'), key: new Uint8Array(32).fill(2) } }), disp, 'b:2', 0);
  const alert = r.clientEvents.find((e) => e.type === 'alert');
  assert.ok(alert && alert.type === 'alert' && alert.name === 'decrypt_error', JSON.stringify(r.clientEvents));
});

test('HelloRetryRequest with a PSK offer: binder recomputed on ClientHello2 (stateless cookie and stateful)', () => {
  for (const cookies of [true, false]) {
    const { serverCfg, clientCfg } = setup(`h${cookies}`, { cookies });
    const disp = new ServerDispatcher({ ...serverCfg, groups: ['secp256r1'] });
    drive(new ClientEndpoint(clientCfg), disp, 'c:1', 0);
    // the client shares only x25519, the server wants secp256r1: HRR, then a resumed handshake
    const r = drive(new ClientEndpoint({ ...clientCfg, groups: ['x25519', 'secp256r1'], keyShareGroups: ['x25519'] }), disp, 'c:2', 1000);
    const cc = connected(r.clientEvents);
    assert.ok(cc, `cookies=${cookies}: ${JSON.stringify(r.clientEvents)}`);
    assert.is(cc.helloRetry, true);
    assert.is(cc.psk, 'resumption');
    assert.is(cc.group, 'secp256r1');
  }
});

test('0-RTT accepted: early data delivered once, before the handshake completes; a replay is refused', () => {
  const ar = new AntiReplay({ windowMs: 10000 });
  const { keys, store, serverCfg, clientCfg } = setup('z1', { maxEarlyData: 1024, antiReplay: ar });
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'd:1', 0);
  assert.is(store.size('localhost'), 1);
  const r = drive(new ClientEndpoint(clientCfg), disp, 'd:2', 20000, te.encode('zero-rtt'));
  assert.is(connected(r.clientEvents)?.earlyData, 'accepted');
  assert.equal(data(r.serverEvents), ['early:zero-rtt']);
  // the same datagrams again (an attacker replaying them) from another address
  const replayEvents: string[] = [];
  for (const d of r.sent) disp.receive(d, 'evil:1', r.now + 100);
  for (let e; (e = disp.pollEvent()); ) if (e.address === 'evil:1' && e.event.type === 'data') replayEvents.push(td.decode(e.event.data));
  assert.equal(replayEvents, []);
  assert.is(ar.counts.replay, 1);
  // server restart with the same ticket key and a fresh anti-replay state started now: refused too
  const restarted = new ServerDispatcher({ ...serverCfg, psk: { ...serverCfg.psk, antiReplay: new AntiReplay({ windowMs: 10000, startMs: r.now + 200 }) } });
  for (const d of r.sent) restarted.receive(d, 'evil:2', r.now + 300);
  const after: string[] = [];
  for (let e; (e = restarted.pollEvent()); ) if (e.event.type === 'data') after.push(td.decode(e.event.data));
  assert.equal(after, []);
  void keys;
});

test('0-RTT rejected (server without anti-replay state): the client resends the data after the handshake', () => {
  const { store, serverCfg, clientCfg } = setup('z2', { maxEarlyData: 1024 });
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'e:1', 0);
  assert.is(store.size('localhost'), 1);
  const r = drive(new ClientEndpoint(clientCfg), disp, 'e:2', 1000, te.encode('again'));
  assert.is(connected(r.clientEvents)?.earlyData, 'rejected');
  assert.equal(data(r.serverEvents), ['again']);
});

test('ticket key rotation: tickets under the previous key still resume, older ones give a full handshake', () => {
  const { keys, store, serverCfg, clientCfg } = setup('k1');
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'f:1', 0);
  keys.rotate(new Uint8Array(32).fill(8));
  const r1 = drive(new ClientEndpoint(clientCfg), disp, 'f:2', 1000);
  assert.is(connected(r1.clientEvents)?.psk, 'resumption', 'previous key still readable');
  keys.rotate(new Uint8Array(32).fill(9)); // r1's ticket was sealed under key 8: still readable (keep = 2)
  keys.rotate(new Uint8Array(32).fill(10)); // now key 8 is gone
  const r2 = drive(new ClientEndpoint(clientCfg), disp, 'f:3', 2000);
  const cc = connected(r2.clientEvents);
  assert.ok(cc);
  assert.is(cc.psk, undefined, 'unknown ticket key: full handshake');
  assert.is(cc.signatureScheme, 'ecdsa_secp256r1_sha256');
  assert.is(store.size('localhost'), 1);
});

test('0-RTT after a restart that keeps the recorded ClientHellos (AntiReplay.from): replay refused, fresh 0-RTT accepted', () => {
  const ar = new AntiReplay({ windowMs: 4000 });
  const { serverCfg, clientCfg } = setup('z3', { maxEarlyData: 64, antiReplay: ar });
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'g:1', 0);
  const r = drive(new ClientEndpoint(clientCfg), disp, 'g:2', 10000, te.encode('once'));
  assert.equal(data(r.serverEvents), ['early:once']);
  // restart: a new dispatcher, the same ticket key, the recording state handed over, the original start time kept
  const kept = AntiReplay.from(ar.export(), { windowMs: 4000, startMs: ar.startMs });
  const restarted = new ServerDispatcher({ ...serverCfg, psk: { ...serverCfg.psk, antiReplay: kept } });
  for (const d of r.sent) restarted.receive(d, 'evil:3', r.now + 50);
  const got: string[] = [];
  for (let e; (e = restarted.pollEvent()); ) if (e.event.type === 'data') got.push(td.decode(e.event.data));
  assert.equal(got, []);
  assert.is(kept.counts.replay, 1);
  // a new client with the ticket issued by the old instance: its 0-RTT is fresh and accepted by the new one
  const fresh = drive(new ClientEndpoint(clientCfg), restarted, 'g:3', r.now + 100, te.encode('new'));
  assert.is(connected(fresh.clientEvents)?.earlyData, 'accepted');
  assert.equal(data(fresh.serverEvents), ['early:new']);
});

test('early data larger than the ticket allows is not sent early: it goes after the handshake', () => {
  const { serverCfg, clientCfg } = setup('z4', { maxEarlyData: 4, antiReplay: new AntiReplay() });
  const disp = new ServerDispatcher(serverCfg);
  drive(new ClientEndpoint(clientCfg), disp, 'h:1', 0);
  const r = drive(new ClientEndpoint(clientCfg), disp, 'h:2', 20000, te.encode('too long'));
  assert.is(connected(r.clientEvents)?.earlyData, 'rejected');
  assert.equal(data(r.serverEvents), ['too long']);
});

test('noble provider on both sides: resumption with 0-RTT, and an external-PSK psk_ke handshake', () => {
  const { c, s } = providers('noble', 'n1');
  const keys = new TicketKeys(s, [new Uint8Array(32).fill(3)]);
  const store = new MemoryTicketStore();
  const disp = new ServerDispatcher({
    crypto: s, credential: credential('ed25519'), cookie: { enabled: false },
    psk: { tickets: { keys, maxEarlyData: 100 }, antiReplay: new AntiReplay(), external: [{ identity: te.encode('dev'), key: new Uint8Array(32).fill(4) }] },
  });
  const cfg: ClientConfig = { crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store };
  drive(new ClientEndpoint(cfg), disp, 'n:1', 0);
  const r = drive(new ClientEndpoint(cfg), disp, 'n:2', 10000, te.encode('noble 0-rtt'));
  assert.is(connected(r.clientEvents)?.earlyData, 'accepted');
  assert.equal(data(r.serverEvents), ['early:noble 0-rtt']);
  const co = trace(c);
  const so = trace(s);
  const x = drive(new ClientEndpoint({ crypto: c, verifier: verifier(c), externalPsk: { identity: te.encode('dev'), key: new Uint8Array(32).fill(4) }, pskModes: ['psk_ke'] }), disp, 'n:3', 20000);
  assert.is(connected(x.serverEvents)?.psk, 'external');
  for (const ops of [co, so]) assert.not.ok(ops.some((o) => ['sign', 'verify', 'kx-keygen', 'kx-derive'].includes(o.op)));
});

test.run();
