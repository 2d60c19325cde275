// Session tickets after client certificate authentication (RFC 8446 4.6.1, 7.1): the server issues
// NewSessionTickets after a mutual-auth handshake, the resumption secret covers the client's Certificate,
// CertificateVerify and Finished (both sides derive it independently: resumption only works if they agree), and the
// resumed session keeps the client's identity (its leaf certificate, carried in the ticket). A server that
// requires client certificates does not resume a session in which the client did not authenticate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  ClientEndpoint, MemoryTicketStore, ServerDispatcher, TicketKeys, type ClientAuthMode, type ClientConfig, type CryptoOp,
  type ServerConfig, type ServerCredential,
} from '../../../src/dtls/index.ts';
import { CertificateVerifier, loadCredential } from '../../../src/dtls/cert/index.ts';
import { pemToDer } from '../../../src/dtls/crypto/index.ts';
import { credential, providers, verifier } from './harness.ts';
import { connected, data, drive } from './drive.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fx = (p: string) => readFileSync(join(root, 'test/fixtures/certs', p), 'utf8');
const NOW = Date.UTC(2030, 0, 1);
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

function cred(chain: string, key: string): ServerCredential {
  const r = loadCredential(fx(chain), fx(key));
  if (!r.ok) throw new Error(r.detail);
  return { chain: r.credential.chain, privateKey: r.credential.privateKey, scheme: r.credential.scheme };
}
const ECDSA_CLIENT = cred('ecdsa/client-chain.pem', 'ecdsa/client.key');

function setup(kind: 'node' | 'noble', seed: string, mode: ClientAuthMode, withCredential = true) {
  const { c, s } = providers(kind, seed);
  const keys = new TicketKeys(s, [new Uint8Array(32).fill(9)]);
  const store = new MemoryTicketStore();
  const server = (m: ClientAuthMode): ServerConfig => ({
    crypto: s, credential: credential('ecdsa'), cookie: { enabled: false }, clientAuth: m,
    clientVerifier: new CertificateVerifier({ trustAnchors: [pemToDer(fx('ecdsa/ca.pem'))], provider: s, purpose: 'client', clock: NOW }),
    psk: { tickets: { keys } },
  });
  const clientCfg: ClientConfig = {
    crypto: c, verifier: verifier(c), serverName: 'localhost', ticketStore: store, ...(withCredential ? { credential: ECDSA_CLIENT } : {}),
  };
  return { c, s, store, server, clientCfg, mode };
}

function signOps(p: { observer?: ((o: CryptoOp) => void) | undefined }): CryptoOp[] {
  const ops: CryptoOp[] = [];
  p.observer = (o) => { if (o.op === 'sign' || o.op === 'verify') ops.push(o); };
  return ops;
}

for (const kind of ['node', 'noble'] as const) {
  test(`[${kind}] require: a mutual-auth handshake issues a ticket; the resumed session keeps the client's certificate`, () => {
    const { c, s, store, server, clientCfg } = setup(kind, `ca-res-${kind}`, 'require');
    const disp = new ServerDispatcher(server('require'));
    const r1 = drive(new ClientEndpoint(clientCfg), disp, 'a:1', 0);
    const s1 = connected(r1.serverEvents);
    assert.ok(s1 && connected(r1.clientEvents));
    assert.equal(s1.peerChain?.map(hex), ECDSA_CLIENT.chain.map(hex));
    assert.is(store.size('localhost'), 1, 'a ticket after client authentication');

    const co = signOps(c);
    const so = signOps(s);
    const r2 = drive(new ClientEndpoint(clientCfg), disp, 'a:2', r1.now + 1000);
    const cc = connected(r2.clientEvents);
    const sc = connected(r2.serverEvents);
    assert.ok(cc && sc, 'resumed');
    assert.is(cc.psk, 'resumption');
    assert.is(sc.psk, 'resumption');
    // the identity comes from the ticket: the client's leaf, no certificate or signature exchanged again
    assert.equal(sc.peerChain?.map(hex), [hex(ECDSA_CLIENT.chain[0]!)]);
    assert.equal(co, []);
    assert.equal(so, []);
    // the resumed session issues a new ticket that still carries the identity: a third connection resumes with it
    assert.is(store.size('localhost'), 1);
    r2.client.send(new TextEncoder().encode('after resumption'), r2.now);
    const r3 = drive(new ClientEndpoint(clientCfg), disp, 'a:3', r2.now + 1000);
    const s3 = connected(r3.serverEvents);
    assert.is(s3?.psk, 'resumption');
    assert.equal(s3?.peerChain?.map(hex), [hex(ECDSA_CLIENT.chain[0]!)]);
  });
}

test('request + empty client Certificate: the ticket resumes a session without identity (no peerChain)', () => {
  const { store, server, clientCfg } = setup('node', 'ca-empty', 'request', false);
  const disp = new ServerDispatcher(server('request'));
  const r1 = drive(new ClientEndpoint(clientCfg), disp, 'a:1', 0);
  assert.is(connected(r1.serverEvents)?.peerChain, undefined);
  assert.is(store.size('localhost'), 1);
  const r2 = drive(new ClientEndpoint(clientCfg), disp, 'a:2', r1.now + 1000);
  const sc = connected(r2.serverEvents);
  assert.is(sc?.psk, 'resumption');
  assert.is(sc?.peerChain, undefined);
});

test('require: a ticket from a session without client authentication is not used (full handshake with the certificate)', () => {
  const { store, server, clientCfg } = setup('node', 'ca-req', 'none');
  // the same ticket keys behind a server that did not ask for a certificate, then one that requires it
  const r1 = drive(new ClientEndpoint(clientCfg), new ServerDispatcher(server('none')), 'a:1', 0);
  assert.is(connected(r1.serverEvents)?.peerChain, undefined);
  assert.is(store.size('localhost'), 1);
  const strict = new ServerDispatcher(server('require'));
  const r2 = drive(new ClientEndpoint(clientCfg), strict, 'a:2', r1.now + 1000);
  const sc = connected(r2.serverEvents);
  assert.ok(sc, 'connected by a full handshake');
  assert.is(sc.psk, undefined);
  assert.equal(sc.peerChain?.map(hex), ECDSA_CLIENT.chain.map(hex));
  // and that handshake's ticket (with the identity) is accepted by the strict server
  const r3 = drive(new ClientEndpoint(clientCfg), strict, 'a:3', r2.now + 1000);
  assert.is(connected(r3.serverEvents)?.psk, 'resumption');
  assert.equal(data(r3.serverEvents), []);
});

test('ticket state round trip: version 2 carries the client certificate, version 1 does not; a tampered ticket is refused', () => {
  const { s } = providers('node', 'ca-ticket');
  const keys = new TicketKeys(s, [new Uint8Array(32).fill(3)]);
  const base = { suiteCode: 0x1301, issuedAtMs: 123456789, lifetimeS: 7200, ageAdd: 0xdeadbeef, maxEarlyData: 0, psk: new Uint8Array(32).fill(5) };
  const leaf = ECDSA_CLIENT.chain[0]!;
  const t1 = keys.seal(base);
  const t2 = keys.seal({ ...base, clientCertificate: leaf });
  assert.is(t2.length - t1.length, 3 + leaf.length, 'version 2 appends client_certificate<1..2^24-1>');
  assert.is(keys.open(t1)?.clientCertificate, undefined);
  assert.is(hex(keys.open(t2)!.clientCertificate!), hex(leaf));
  assert.is(keys.open(t2)!.ageAdd, 0xdeadbeef);
  const bad = t2.slice();
  bad[bad.length - 1]! ^= 1;
  assert.is(keys.open(bad), undefined);
});

test.run();
