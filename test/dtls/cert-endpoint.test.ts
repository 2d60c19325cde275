// The certificate verifier inside real (in-memory, sans-IO) handshakes: each validation failure must end the
// handshake with the matching alert on both sides, and never with a connection.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { ClientEndpoint, ServerDispatcher, createProvider, seededRandom, type EndpointEvent } from '../../src/dtls/index.ts';
import { CertificateVerifier, loadCredential, parseCertificatesPem } from '../../src/dtls/cert/index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/certs');
const read = (p: string) => readFileSync(join(FIX, p), 'utf8');
const ders = (p: string) => {
  const r = parseCertificatesPem(read(p));
  if (!r.ok) throw new Error(r.detail);
  return r.der;
};
const T2030 = Date.UTC(2030, 0, 1);

type Outcome = { client: EndpointEvent[]; server: EndpointEvent[] };

function handshake(opts: { chainPem: string; keyPem: string; anchors: Uint8Array[]; serverName: string; clockMs: number; tamper?: (chain: Uint8Array[]) => Uint8Array[] }): Outcome {
  const cp = createProvider('noble', seededRandom('client'));
  const sp = createProvider('node', seededRandom('server'));
  const cred = loadCredential(read(opts.chainPem), read(opts.keyPem), sp);
  if (!cred.ok) throw new Error(cred.detail);
  const chain = opts.tamper ? opts.tamper(cred.credential.chain) : cred.credential.chain;
  const client = new ClientEndpoint({
    crypto: cp,
    serverName: opts.serverName,
    verifier: new CertificateVerifier({ trustAnchors: opts.anchors, provider: cp, clock: (t) => opts.clockMs + t }),
  });
  const server = new ServerDispatcher({
    crypto: sp,
    credential: { chain, privateKey: cred.credential.privateKey, scheme: cred.credential.scheme },
  });
  const out: Outcome = { client: [], server: [] };
  let now = 0;
  client.connect(now);
  for (let round = 0; round < 50; round++) {
    let moved = false;
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      moved = true;
      server.receive(d, '192.0.2.1:1000', now);
    }
    for (let t = server.pollTransmit(); t; t = server.pollTransmit()) {
      moved = true;
      client.receive(t.datagram, now);
    }
    for (let e = client.pollEvent(); e; e = client.pollEvent()) out.client.push(e);
    for (let e = server.pollEvent(); e; e = server.pollEvent()) out.server.push(e.event);
    if (!moved) break;
    now += 1;
  }
  return out;
}

const ec = { chainPem: 'ecdsa/server-chain.pem', keyPem: 'ecdsa/server.key', anchors: ders('ecdsa/ca.pem'), serverName: 'localhost', clockMs: T2030 };

function expectAlert(o: Outcome, code: number, name: string): void {
  const dump = JSON.stringify(o, (_k, v) => (v instanceof Uint8Array ? `<${v.length}B>` : v));
  assert.not.ok(o.client.some((e) => e.type === 'connected'), dump);
  const sent = o.client.find((e) => e.type === 'alert' && e.sent);
  assert.ok(sent && sent.type === 'alert' && sent.description === code && sent.name === name, dump);
  const got = o.server.find((e) => e.type === 'alert' && !e.sent);
  assert.ok(got && got.type === 'alert' && got.description === code, dump);
  assert.ok(o.server.some((e) => e.type === 'closed'), dump);
}

test('valid ECDSA chain through the intermediate: connected', () => {
  const o = handshake(ec);
  assert.ok(o.client.some((e) => e.type === 'connected'), JSON.stringify(o.client));
});

test('name mismatch -> certificate_unknown (46)', () => {
  expectAlert(handshake({ ...ec, serverName: 'example.com' }), 46, 'certificate_unknown');
});

test('expired at the verifier clock -> certificate_expired (45)', () => {
  expectAlert(handshake({ ...ec, clockMs: Date.UTC(2100, 0, 1) }), 45, 'certificate_expired');
});

test('unknown trust anchor -> unknown_ca (48)', () => {
  expectAlert(handshake({ ...ec, anchors: ders('ed25519/ca.pem') }), 48, 'unknown_ca');
});

test('intermediate missing from the chain -> unknown_ca (48)', () => {
  expectAlert(handshake({ ...ec, tamper: (c) => c.slice(0, 1) }), 48, 'unknown_ca');
});

test('corrupted leaf signature -> bad_certificate (42)', () => {
  const tamper = (c: Uint8Array[]) => {
    const leaf = c[0]!.slice();
    leaf[leaf.length - 3]! ^= 0x40;
    return [leaf, ...c.slice(1)];
  };
  expectAlert(handshake({ ...ec, tamper }), 42, 'bad_certificate');
});

test('leaf issued by a non-CA certificate -> unknown_ca (48)', () => {
  const o = handshake({ ...ec, chainPem: 'neg/under-leaf-chain.pem', keyPem: 'neg/under-leaf.key' });
  expectAlert(o, 48, 'unknown_ca');
});

test.run();
