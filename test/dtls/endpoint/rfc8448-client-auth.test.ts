// RFC 8448 section 6 (Client Authentication) through the client-authentication code (src/dtls/endpoint/
// client-auth.ts) with the TLS 1.3 label prefix "tls13 ": the client's answer to the RFC's CertificateRequest
// (Certificate and CertificateVerify bytes, then its Finished) and the server's checks of that answer (the expected
// client Finished) must reproduce the RFC byte for byte. Vectors: test/fixtures/vectors/rfc8448-client-auth.json
// (copied from the RFC text). The RFC's client key is RSA-1024, which our providers refuse (2048..8192 bits): the
// RSA-PSS primitive is replaced by the RFC's own signature, checked with node:crypto (OpenSSL) against the
// certificate's key over the content our code builds; everything else is the project's code.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as nc from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createProvider, getSuite, seededRandom, type CryptoProvider, type SignatureScheme } from '../../../src/dtls/crypto/index.ts';
import { KeySchedule, TLS13_PREFIX } from '../../../src/dtls/keyschedule.ts';
import { decodeCertificate, decodeCertificateVerify } from '../../../src/dtls/handshake/messages.ts';
import {
  type AwaitingClient, clientAuthDone, clientAuthMessages, expectedClientFinished, onClientCertificate, onClientCertificateVerify,
  readCertificateRequest,
} from '../../../src/dtls/endpoint/client-auth.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const V = JSON.parse(readFileSync(join(root, 'test/fixtures/vectors/rfc8448-client-auth.json'), 'utf8')) as Record<string, string>;
const b = (k: string) => new Uint8Array(Buffer.from(V[k]!, 'hex'));
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');
const body = (full: Uint8Array) => full.subarray(4);
const SERVER_FLIGHT = ['clientHello', 'serverHello', 'encryptedExtensions', 'certificateRequest', 'serverCertificate', 'serverCertificateVerify', 'serverFinished'];

const clientChain = decodeCertificate(body(b('clientCertificate'))).entries.map((e) => e.data);
const rfcCv = decodeCertificateVerify(body(b('clientCertificateVerify')));
const leafKey = new nc.X509Certificate(clientChain[0]!).publicKey; // RSA-1024, from the RFC's client certificate
/** RSASSA-PSS (rsa_pss_rsae_sha256: SHA-256, MGF1-SHA-256, salt 32) verification by OpenSSL. */
const opensslVerify = (content: Uint8Array, sig: Uint8Array) =>
  nc.verify('sha256', content, { key: leafKey, padding: nc.constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig);

for (const kind of ['node', 'noble'] as const) {
  const p = createProvider(kind, seededRandom('8448'));
  const ks = new KeySchedule(p, 'SHA-256', TLS13_PREFIX);
  const keys = { suite: getSuite('TLS_AES_128_GCM_SHA256'), ks };
  const transcript = () => {
    const t = p.transcript('SHA-256');
    for (const k of SERVER_FLIGHT) t.update(b(k));
    return t;
  };

  test(`[${kind}] RFC 8448 6, client: Certificate and CertificateVerify answering the RFC's CertificateRequest, then the client Finished`, () => {
    const req = readCertificateRequest(body(b('certificateRequest')));
    assert.is(req.context.length, 0);
    assert.ok(req.schemes.includes(0x0804));
    const signed: { scheme: SignatureScheme; content: Uint8Array }[] = [];
    const signer = Object.create(p) as CryptoProvider;
    signer.sign = (scheme, _key, content) => {
      signed.push({ scheme, content: content.slice() });
      return rfcCv.signature;
    };
    const t = transcript();
    const msgs = clientAuthMessages(signer, { chain: clientChain, privateKey: { kind: 'rsa', raw: new Uint8Array(0) }, scheme: 'rsa_pss_rsae_sha256' }, req, t);
    const tls = (m: { type: number; body: Uint8Array }) => hex(Uint8Array.of(m.type, 0, m.body.length >> 8, m.body.length & 255)) + hex(m.body);
    assert.equal(msgs.map(tls), [V.clientCertificate, V.clientCertificateVerify]);
    assert.is(signed.length, 1);
    assert.is(signed[0]!.scheme, 'rsa_pss_rsae_sha256');
    assert.ok(opensslVerify(signed[0]!.content, rfcCv.signature), 'the RFC signature verifies over the content we built');
    assert.is(hex(ks.finishedVerifyData(b('clientHandshakeTrafficSecret'), t.digest())), hex(body(b('clientFinished'))));
  });

  test(`[${kind}] RFC 8448 6, server: the client's Certificate and CertificateVerify accepted, expected client Finished`, () => {
    const a: AwaitingClient = { keys, transcript: transcript(), cHs: b('clientHandshakeTrafficSecret') };
    const verifier = { verify: (chain: readonly Uint8Array[]) => {
      assert.equal(chain.map(hex), clientChain.map(hex));
      return { ok: true as const, publicKey: { kind: 'rsa' as const, raw: new Uint8Array(0) } };
    } };
    const got = onClientCertificate({ clientAuth: 'require', clientVerifier: verifier }, a, body(b('clientCertificate')), b('clientCertificate'), 0);
    assert.ok(got);
    const checker = Object.create(p) as CryptoProvider;
    checker.verify = (scheme, _key, content, sig) => scheme === 'rsa_pss_rsae_sha256' && opensslVerify(content, sig);
    const scheme = onClientCertificateVerify(checker, ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256'], a, got!.key,
      body(b('clientCertificateVerify')), b('clientCertificateVerify'));
    assert.is(scheme, 'rsa_pss_rsae_sha256');
    assert.is(hex(expectedClientFinished(a)), hex(body(b('clientFinished'))));
  });

  test(`[${kind}] RFC 8448 6, server: resumption master secret over the transcript through the client's Certificate, CertificateVerify and Finished`, () => {
    // what the server derives after a mutual-auth handshake for its NewSessionTickets: "tls13 res master" over
    // ClientHello ... client Finished (the RFC's hash and secret)
    const t = transcript();
    t.update(b('clientCertificate')).update(b('clientCertificateVerify'));
    const a: AwaitingClient = { keys, transcript: t, cHs: b('clientHandshakeTrafficSecret'), master: b('masterSecret') };
    const expectHash = p.transcript('SHA-256');
    for (const k of [...SERVER_FLIGHT, 'clientCertificate', 'clientCertificateVerify', 'clientFinished']) expectHash.update(b(k));
    assert.is(hex(expectHash.digest()), V.resMasterTranscriptHash);
    const done = clientAuthDone(a);
    assert.is(hex(done.expectedFinished), hex(body(b('clientFinished'))));
    assert.is(hex(done.rms!), V.resumptionMasterSecret);
    // without a kept master secret (no tickets) there is no resumption secret
    const t2 = transcript();
    t2.update(b('clientCertificate')).update(b('clientCertificateVerify'));
    assert.is(clientAuthDone({ keys, transcript: t2, cHs: b('clientHandshakeTrafficSecret') }).rms, undefined);
  });
}

test.run();
