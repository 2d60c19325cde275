// Table-driven tampering: each row rewrites one handshake message as it is created by one side (so the record
// protection is valid and the handshake logic sees the bad contents), or rewrites datagrams on the link. Every row
// must end with the named alert sent by the detecting side and received by the other one, never an exception.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { type Connection, handshakeCodec as M, extensionCodec as X, type EndpointEvent } from '../../../src/dtls/index.ts';
import { Flights } from '../../../src/dtls/endpoint/flights.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

type Role = 'client' | 'server';
type Mut = (body: Uint8Array) => { type?: number; body: Uint8Array } | Uint8Array;
interface Row {
  name: string;
  side: Role; // whose outgoing message is rewritten
  msgType: number;
  nth?: number; // which occurrence of that type (default 0)
  mutate: Mut;
  alert: number;
  cookie?: boolean;
  serverGroups?: ('x25519' | 'secp256r1')[];
  afterConnect?: (p: Pair) => void;
}

// hook: Flights.prototype.newMessage is the single place outgoing handshake messages are created
let hook: ((role: Role, type: number, body: Uint8Array) => { type: number; body: Uint8Array }) | undefined;
type FlightsInner = { owner: Connection; newMessage(epoch: number, type: number, body: Uint8Array): unknown };
const proto = Flights.prototype as unknown as FlightsInner;
const orig = proto.newMessage;
proto.newMessage = function (this: FlightsInner, epoch: number, type: number, body: Uint8Array) {
  if (hook) ({ type, body } = hook(this.owner.role, type, body));
  return orig.call(this, epoch, type, body);
};

const SH = 2, EE = 8, CERT = 11, CV = 15, FIN = 20, CH = 1, KU = 24;
const sh = (f: (m: M.ServerHello) => void): Mut => (b) => { const m = M.decodeServerHello(b); f(m); return M.encodeServerHello(m); };
const ch = (f: (m: M.ClientHello) => void): Mut => (b) => { const m = M.decodeClientHello(b); f(m); return M.encodeClientHello(m); };
const ee = (f: (e: X.Extension[]) => X.Extension[]): Mut => (b) => M.encodeEncryptedExtensions(f(M.decodeEncryptedExtensions(b)));
const flip = (at: (len: number) => number): Mut => (b) => { const c = b.slice(); c[at(c.length)]! ^= 0x55; return c; };
const without = (t: number) => (e: X.Extension[]) => e.filter((x) => x.type !== t);

const rows: Row[] = [
  { name: 'SH compression method 1', side: 'server', msgType: SH, mutate: sh((m) => { m.compressionMethod = 1; }), alert: 47 },
  { name: 'SH suite not offered', side: 'server', msgType: SH, mutate: sh((m) => { m.cipherSuite = 0x1305; }), alert: 47 },
  { name: 'SH without supported_versions', side: 'server', msgType: SH, mutate: sh((m) => { m.extensions = without(43)(m.extensions); }), alert: 70 },
  { name: 'SH legacy_version TLS 1.2', side: 'server', msgType: SH, mutate: sh((m) => { m.legacyVersion = 0x0303; }), alert: 70 },
  { name: 'SH key_share for a group not offered', side: 'server', msgType: SH, mutate: sh((m) => {
    m.extensions = m.extensions.map((e) => (e.type === 51 ? { type: 51, data: X.KeyShare.encodeServer({ group: 0x18, keyExchange: new Uint8Array(97) }) } : e));
  }), alert: 47 },
  { name: 'SH all-zero X25519 share', side: 'server', msgType: SH, mutate: sh((m) => {
    m.extensions = m.extensions.map((e) => (e.type === 51 ? { type: 51, data: X.KeyShare.encodeServer({ group: 0x1d, keyExchange: new Uint8Array(32) }) } : e));
  }), alert: 47 },
  { name: 'SH echoes a session id', side: 'server', msgType: SH, mutate: sh((m) => { m.legacySessionIdEcho = Uint8Array.of(1, 2, 3); }), alert: 47 },
  { name: 'SH unsolicited early_data', side: 'server', msgType: SH, mutate: sh((m) => { m.extensions.push({ type: 42, data: new Uint8Array(0) }); }), alert: 110 },
  { name: 'SH truncated', side: 'server', msgType: SH, mutate: (b) => b.subarray(0, b.length - 3), alert: 50 },
  { name: 'SH duplicate extension', side: 'server', msgType: SH, mutate: sh((m) => { m.extensions.push(m.extensions[0]!); }), alert: 47 },
  { name: 'EE carries key_share', side: 'server', msgType: EE, mutate: ee((e) => [...e, { type: 51, data: Uint8Array.of(0, 0x1d, 0, 1, 9) }]), alert: 47 },
  { name: 'EE unsolicited ALPN', side: 'server', msgType: EE, mutate: ee((e) => [...e, { type: 16, data: Uint8Array.of(0, 3, 2, 104, 50) }]), alert: 110 },
  { name: 'EE truncated', side: 'server', msgType: EE, mutate: (b) => Uint8Array.of(0, 9, ...b), alert: 50 },
  { name: 'Certificate DER corrupted', side: 'server', msgType: CERT, mutate: flip(() => 12), alert: 42 },
  { name: 'Certificate list empty', side: 'server', msgType: CERT, mutate: () => M.encodeCertificate({ context: new Uint8Array(0), entries: [] }), alert: 50 },
  { name: 'Certificate with request context', side: 'server', msgType: CERT, mutate: (b) => { const m = M.decodeCertificate(b); m.context = Uint8Array.of(7); return M.encodeCertificate(m); }, alert: 47 },
  { name: 'CertificateVerify signature flipped', side: 'server', msgType: CV, mutate: flip((n) => n - 1), alert: 51 },
  { name: 'CertificateVerify scheme not offered', side: 'server', msgType: CV, mutate: (b) => { const m = M.decodeCertificateVerify(b); m.scheme = 0x0804; return M.encodeCertificateVerify(m); }, alert: 47 },
  { name: 'CertificateVerify scheme does not match key', side: 'server', msgType: CV, mutate: (b) => { const m = M.decodeCertificateVerify(b); m.scheme = 0x0807; return M.encodeCertificateVerify(m); }, alert: 47 },
  { name: 'server Finished flipped', side: 'server', msgType: FIN, mutate: flip(() => 0), alert: 51 },
  { name: 'server Finished too long', side: 'server', msgType: FIN, mutate: (b) => Uint8Array.of(...b, 0), alert: 50 },
  { name: 'reordered: Finished instead of EncryptedExtensions', side: 'server', msgType: EE, mutate: (b) => ({ type: FIN, body: b }), alert: 10 },
  { name: 'reordered: CertificateVerify instead of Certificate', side: 'server', msgType: CERT, mutate: (b) => ({ type: CV, body: b }), alert: 10 },
  { name: 'reordered: ServerHello type on a later message', side: 'server', msgType: CV, mutate: (b) => ({ type: SH, body: b }), alert: 10 },
  { name: 'HRR selects a group the client already sent', side: 'server', msgType: SH, cookie: false, serverGroups: ['secp256r1'], mutate: sh((m) => {
    m.extensions = m.extensions.map((e) => (e.type === 51 ? { type: 51, data: X.KeyShare.encodeHrr(0x1d) } : e));
  }), alert: 47 },
  { name: 'HRR that changes nothing', side: 'server', msgType: SH, cookie: false, serverGroups: ['secp256r1'], mutate: sh((m) => { m.extensions = without(51)(m.extensions); }), alert: 47 },
  { name: 'CH legacy_cookie not empty', side: 'client', msgType: CH, mutate: ch((m) => { m.legacyCookie = Uint8Array.of(1); }), alert: 47 },
  { name: 'CH without supported_versions', side: 'client', msgType: CH, mutate: ch((m) => { m.extensions = without(43)(m.extensions); }), alert: 70 },
  { name: 'CH without key_share', side: 'client', msgType: CH, mutate: ch((m) => { m.extensions = without(51)(m.extensions); }), alert: 109 },
  { name: 'CH without signature_algorithms', side: 'client', msgType: CH, mutate: ch((m) => { m.extensions = without(13)(m.extensions); }), alert: 109 },
  { name: 'CH compression method 1', side: 'client', msgType: CH, mutate: ch((m) => { m.compressionMethods = Uint8Array.of(1); }), alert: 47 },
  { name: 'CH only unknown suites', side: 'client', msgType: CH, mutate: ch((m) => { m.cipherSuites = [0x1305]; }), alert: 40 },
  { name: 'CH truncated', side: 'client', msgType: CH, mutate: (b) => b.subarray(0, 40), alert: 50 },
  { name: 'CH duplicate extension', side: 'client', msgType: CH, mutate: ch((m) => { m.extensions.push(m.extensions[0]!); }), alert: 47 },
  { name: 'CH (no cookie mode) truncated', side: 'client', msgType: CH, cookie: false, mutate: (b) => b.subarray(0, 60), alert: 50 },
  { name: 'CH2 cookie tampered', side: 'client', msgType: CH, nth: 1, mutate: ch((m) => {
    m.extensions = m.extensions.map((e) => (e.type === 44 ? { type: 44, data: flip(() => 20)(e.data) as Uint8Array } : e));
  }), alert: 47 },
  { name: 'CH2 drops the share the HRR asked for', side: 'client', msgType: CH, nth: 1, serverGroups: ['secp256r1'], mutate: ch((m) => {
    m.extensions = m.extensions.map((e) => (e.type === 51 ? { type: 51, data: X.KeyShare.encodeClient([]) } : e));
  }), alert: 47 },
  { name: 'client Finished flipped', side: 'client', msgType: FIN, mutate: flip(() => 3), alert: 51 },
  { name: 'client KeyUpdate request_update = 2', side: 'client', msgType: KU, mutate: () => Uint8Array.of(2), alert: 47,
    afterConnect: (p) => { p.client.keyUpdate(false, p.now); } },
];

function alertsOf(evs: EndpointEvent[], sent: boolean): number[] {
  return evs.filter((e) => e.type === 'alert' && e.sent === sent).map((e) => (e.type === 'alert' ? e.description : -1));
}

for (const row of rows) {
  test(`tamper: ${row.name} -> alert ${row.alert}`, () => {
    const { c, s } = providers('node', row.name);
    let seen = 0;
    hook = (role, type, body) => {
      if (role === row.side && type === row.msgType && seen++ === (row.nth ?? 0)) {
        const r = row.mutate(body);
        return r instanceof Uint8Array ? { type, body: r } : { type: r.type ?? type, body: r.body };
      }
      return { type, body };
    };
    try {
      const p = new Pair(
        { crypto: c, verifier: verifier(c), serverName: 'localhost', groups: ['x25519', 'secp256r1'] },
        { crypto: s, credential: credential('ecdsa'), cookie: { enabled: row.cookie ?? true }, groups: row.serverGroups ?? ['x25519', 'secp256r1'] },
      );
      const connected = p.connect(30_000);
      if (row.afterConnect) {
        assert.ok(connected, 'handshake should complete before the post-handshake mutation');
        row.afterConnect(p);
      }
      p.settle(30_000);
      const detector = row.side === 'server' ? p.clientEvents : p.serverEvents;
      const other = row.side === 'server' ? p.serverEvents : p.clientEvents;
      if (row.side === 'client' && !p.serverConn) {
        // rejected statelessly by the dispatcher: only the client sees the alert
        assert.ok(p.server.stats.alertsSent >= 1, 'dispatcher sent an alert');
      } else {
        assert.equal(alertsOf(detector, true), [row.alert], 'detector sent exactly this alert');
      }
      assert.ok(alertsOf(other, false).includes(row.alert), `peer received ${row.alert} (got ${alertsOf(other, false)})`);
      assert.ok(p.client.isClosed, 'client closed');
      if (p.serverConn) assert.ok(p.serverConn.isClosed, 'server connection closed');
    } finally {
      hook = undefined;
    }
  });
}

test('second HelloRetryRequest -> unexpected_message', () => {
  const { c, s } = providers('node', 'hrr2');
  let hrr: Uint8Array | undefined;
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost' },
    { crypto: s, credential: credential('ecdsa') },
    {
      tap: (dir, d, i) => {
        if (dir !== 's2c') return d;
        if (i === 0) { hrr = d.slice(); return d; }
        // replace the server flight with the HRR again, renumbered as the next message (message_seq 1)
        const again = hrr!.slice();
        again[13 + 4] = 0; again[13 + 5] = 1;
        again[10] = 9; // fresh record sequence number
        return i === 1 ? again : undefined;
      },
    },
  );
  p.connect(30_000);
  assert.equal(alertsOf(p.clientEvents, true), [10]);
  assert.ok(p.client.isClosed);
});

test('property: random byte corruption on the link never throws and always ends connected or closed', () => {
  fc.assert(fc.property(fc.nat(6), fc.nat(2000), fc.integer({ min: 1, max: 255 }), fc.boolean(), (which, pos, x, fromClient) => {
    const { c, s } = providers('node', `${which}/${pos}/${x}`);
    const p = new Pair(
      { crypto: c, verifier: verifier(c), serverName: 'localhost', maxRetransmissions: 4 },
      { crypto: s, credential: credential('ed25519'), maxRetransmissions: 4 },
      { tap: (dir, d, i) => {
        if ((dir === 'c2s') !== fromClient || i !== which) return d;
        const m = d.slice();
        m[pos % m.length]! ^= x;
        return m;
      } },
    );
    const ok = p.connect(200_000);
    p.settle(200_000);
    const closed = p.client.isClosed || (p.serverConn?.isClosed ?? false);
    assert.ok(ok || closed || p.client.nextTimeout() === undefined);
  }), { seed: 7, numRuns: 60 });
});

test('property: random datagrams from unknown addresses never throw and never create state (cookies on)', () => {
  const { c, s } = providers('node', 'dispfuzz');
  const p = new Pair({ crypto: c, verifier: verifier(c), serverName: 'localhost' }, { crypto: s, credential: credential('ecdsa') });
  p.client.connect(0);
  const ch = p.client.pollTransmit()!;
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(ch.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(),
    (junk, pos, x, useCh) => {
      const d = useCh ? ch.slice() : junk;
      if (useCh) d[pos]! ^= x;
      p.server.receive(d, `203.0.113.${pos & 255}:${x}`, 1);
      while (p.server.pollTransmit());
      assert.is(p.server.connections.size, 0);
    }), { seed: 3, numRuns: 400 });
});

test.run();
