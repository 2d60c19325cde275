// signature_algorithms_cert (RFC 8446 4.2.3, 4.4.2.2): the schemes of a chain's certificate signatures, the
// client advertising what its verifier checks in certificates when that differs from its signature_algorithms, the
// server choosing a chain the client accepts (or, without one, continuing with a chain of its choice, which the
// client refuses cleanly with unsupported_certificate), and the CertificateRequest's list.
// The expected schemes of the fixture chains were read with `openssl x509 -text` (Signature Algorithm): ECDSA chain
// ecdsa-with-SHA256 x2; RSA chain leaf sha256WithRSAEncryption, intermediate sha384WithRSAEncryption; RSA
// server-pss256 leaf rsassaPss (SHA-256, salt 32); Ed25519 leaf ED25519; the roots are self-signed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { pemToDer, type CryptoProvider, type SignatureScheme } from '../../../src/dtls/crypto/index.ts';
import { CertificateVerifier, chainSignatureSchemes, loadCredential, parseCertificatesPem } from '../../../src/dtls/cert/index.ts';
import { ServerDispatcher, type ServerCredential } from '../../../src/dtls/index.ts';
import { ExtensionType as X } from '../../../src/dtls/handshake/constants.ts';
import * as E from '../../../src/dtls/handshake/extensions.ts';
import { decodeCertificateRequest, decodeClientHello } from '../../../src/dtls/handshake/messages.ts';
import { certificateRequestBody } from '../../../src/dtls/endpoint/client-auth.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fx = (p: string) => readFileSync(join(root, 'test/fixtures/certs', p), 'utf8');
const NOW = Date.UTC(2030, 0, 1);
const der = (p: string) => pemToDer(fx(p));

function rsaCred(leaf: string): ServerCredential {
  const r = loadCredential(fx(leaf) + fx('rsa/int.pem'), fx('rsa/server.key'));
  if (!r.ok) throw new Error(r.detail);
  return { chain: r.credential.chain, privateKey: r.credential.privateKey, scheme: r.credential.scheme };
}
const RSA_PKCS1 = rsaCred('rsa/server.pem'); // leaf rsa_pkcs1_sha256, intermediate rsa_pkcs1_sha384
const RSA_PSS = rsaCred('rsa/server-pss256.pem'); // leaf rsa_pss_rsae_sha256, intermediate rsa_pkcs1_sha384

/** Codes -> names for the assertions (0x0403 ecdsa_secp256r1_sha256, 0x0807 ed25519, 0x0804/0x0805 rsa_pss_rsae,
 *  0x0401/0x0501 rsa_pkcs1 sha256/sha384: RFC 8446 4.2.3). */
const NAMES = new Map<number, string>([
  [0x0403, 'ecdsa_secp256r1_sha256'], [0x0807, 'ed25519'], [0x0804, 'rsa_pss_rsae_sha256'], [0x0805, 'rsa_pss_rsae_sha384'],
  [0x0401, 'rsa_pkcs1_sha256'], [0x0501, 'rsa_pkcs1_sha384'],
]);

/** Records the chains it is given and checks them with the project's verifier. */
function recording(p: CryptoProvider, anchors: string[], certificateSchemes?: SignatureScheme[]) {
  const inner = new CertificateVerifier({ trustAnchors: anchors.map(der), provider: p, clock: NOW, ...(certificateSchemes ? { certificateSchemes } : {}) });
  const seen: Uint8Array[][] = [];
  return {
    seen,
    certificateSchemes: inner.certificateSchemes,
    verify: (chain: readonly Uint8Array[], ctx: { serverName?: string | undefined; nowMs: number }) => {
      seen.push(chain.slice());
      return inner.verify(chain, ctx);
    },
  };
}

/** The signature_algorithms_cert of the first ClientHello the client sends, as names (undefined: absent). */
function run(opts: { clientSchemes?: SignatureScheme[]; certSchemes?: SignatureScheme[]; anchors: string[]; creds: ServerCredential[] }) {
  const { c, s } = providers('node', 'sac');
  const v = recording(c, opts.anchors, opts.certSchemes);
  let sac: string[] | undefined | null = null;
  const p = new Pair(
    { crypto: c, serverName: 'localhost', verifier: v, ...(opts.clientSchemes ? { signatureSchemes: opts.clientSchemes } : {}) },
    { crypto: s, credential: opts.creds, cookie: { enabled: false } },
    {
      tap: (dir, d) => {
        if (dir === 'c2s' && sac === null) {
          const ch = decodeClientHello(d.subarray(13 + 12));
          const ext = E.findExt(ch.extensions, X.signature_algorithms_cert);
          sac = ext ? E.SignatureAlgorithms.decode(ext).map((x) => NAMES.get(x) ?? String(x)) : undefined;
        }
        return d;
      },
    },
  );
  p.connect();
  return { p, sac: sac as string[] | undefined | null, seen: v.seen };
}
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

test('chainSignatureSchemes: the fixture chains (self-signed roots left out)', () => {
  const chain = (f: string) => {
    const r = parseCertificatesPem(fx(f));
    if (!r.ok) throw new Error(r.detail);
    return r.der;
  };
  assert.equal(chainSignatureSchemes(chain('ecdsa/server-chain.pem')), ['ecdsa_secp256r1_sha256', 'ecdsa_secp256r1_sha256']);
  assert.equal(chainSignatureSchemes(chain('rsa/server-chain.pem')), ['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384']);
  assert.equal(chainSignatureSchemes(chain('ed25519/server-chain.pem')), ['ed25519']);
  assert.equal(chainSignatureSchemes(RSA_PSS.chain), ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha384']);
  assert.equal(chainSignatureSchemes([der('ecdsa/ca.pem')]), []);
  assert.equal(chainSignatureSchemes([new Uint8Array([0x30, 0x00])]), ['unknown']);
});

test('the default client sends no signature_algorithms_cert (its verifier checks every offered scheme)', () => {
  const r = run({ anchors: ['ecdsa/ca.pem'], creds: [credential('ecdsa')] });
  assert.ok(r.p.bothConnected());
  assert.is(r.sac, undefined);
});

test('a verifier that checks fewer schemes in certificates: the client lists them, the server picks the chain signed with them', () => {
  const anchors = ['ecdsa/ca.pem', 'ed25519/ca.pem'];
  // server preference: Ed25519 first; an unrestricted client gets the Ed25519 chain
  const open = run({ anchors, creds: [credential('ed25519'), credential('ecdsa')] });
  assert.ok(open.p.bothConnected());
  assert.is(open.p.clientEvents.find((e) => e.type === 'connected')?.type === 'connected'
    && (open.p.clientEvents.find((e) => e.type === 'connected') as { signatureScheme: string }).signatureScheme, 'ed25519');
  // a client whose verifier checks only ECDSA certificate signatures (both CertificateVerify schemes offered)
  const strict = run({ anchors, certSchemes: ['ecdsa_secp256r1_sha256'], creds: [credential('ed25519'), credential('ecdsa')] });
  assert.equal(strict.sac, ['ecdsa_secp256r1_sha256']);
  assert.ok(strict.p.bothConnected());
  const ev = strict.p.clientEvents.find((e) => e.type === 'connected') as { signatureScheme: string };
  assert.is(ev.signatureScheme, 'ecdsa_secp256r1_sha256');
  assert.equal(strict.seen[0]!.map(hex), credential('ecdsa').chain.map(hex));
});

test('RSA: the server picks, among chains for the same key, the one whose signatures the client accepts', () => {
  const clientSchemes: SignatureScheme[] = ['rsa_pss_rsae_sha256'];
  // client accepts PSS leaves and a PKCS#1 SHA-384 intermediate only: the PSS-signed leaf must be chosen
  const pss = run({ clientSchemes, certSchemes: ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha384'], anchors: ['rsa/ca.pem'], creds: [RSA_PKCS1, RSA_PSS] });
  assert.equal(pss.sac, ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha384']);
  assert.ok(pss.p.bothConnected());
  assert.equal(pss.seen[0]!.map(hex), RSA_PSS.chain.map(hex));
  // client accepting PKCS#1 certificates only: the other chain, although listed second
  const pkcs1 = run({ clientSchemes, certSchemes: ['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384'], anchors: ['rsa/ca.pem'], creds: [RSA_PSS, RSA_PKCS1] });
  assert.equal(pkcs1.sac, ['rsa_pkcs1_sha256', 'rsa_pkcs1_sha384']);
  assert.ok(pkcs1.p.bothConnected());
  assert.equal(pkcs1.seen[0]!.map(hex), RSA_PKCS1.chain.map(hex));
  // an RSA offer to the default verifier: the PKCS#1 schemes are added (RSA certificates are mostly signed so)
  const dflt = run({ clientSchemes, anchors: ['rsa/ca.pem'], creds: [RSA_PKCS1] });
  assert.equal(dflt.sac, ['rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384']);
  assert.ok(dflt.p.bothConnected());
});

test('no acceptable chain: the server continues with its own (RFC 8446 4.4.2.2) and the client refuses it with unsupported_certificate', () => {
  // the verifier's certificate schemes equal the offer: no signature_algorithms_cert, signature_algorithms governs
  // certificates too (RFC 8446 4.2.3), and the only chain is PKCS#1-signed
  const r = run({ clientSchemes: ['rsa_pss_rsae_sha256'], certSchemes: ['rsa_pss_rsae_sha256'], anchors: ['rsa/ca.pem'], creds: [RSA_PKCS1] });
  assert.is(r.sac, undefined);
  assert.not.ok(r.p.clientEvents.some((e) => e.type === 'connected'));
  const sent = r.p.clientEvents.find((e) => e.type === 'alert' && e.sent);
  assert.is(sent?.type === 'alert' ? sent.name : undefined, 'unsupported_certificate');
  r.p.settle(1000);
  assert.ok(r.p.serverEvents.some((e) => e.type === 'alert' && !e.sent && e.name === 'unsupported_certificate'));
  assert.ok(r.p.clientEvents.some((e) => e.type === 'closed'));
});

test('a verifier checking none of the offered schemes in certificates is a configuration error', () => {
  const { c } = providers('node', 'sac-none');
  const v = new CertificateVerifier({ trustAnchors: [der('ecdsa/ca.pem')], provider: c, clock: NOW, certificateSchemes: ['rsa_pkcs1_sha256'] });
  assert.throws(() => run0(c, v), /checks none of the signature schemes/);
});
function run0(c: CryptoProvider, v: CertificateVerifier) {
  return new Pair({ crypto: c, verifier: v }, { crypto: c, credential: credential('ecdsa') });
}

test('CertificateRequest: signature_algorithms_cert from the client verifier when it checks fewer schemes', () => {
  const cr = (schemes: SignatureScheme[], cert?: SignatureScheme[]) => {
    const m = decodeCertificateRequest(certificateRequestBody(schemes, cert));
    const ext = E.findExt(m.extensions, X.signature_algorithms_cert);
    return ext ? E.SignatureAlgorithms.decode(ext).map((x) => NAMES.get(x)) : undefined;
  };
  assert.is(cr(['ecdsa_secp256r1_sha256', 'ed25519']), undefined);
  assert.equal(cr(['ecdsa_secp256r1_sha256', 'ed25519'], ['ecdsa_secp256r1_sha256']), ['ecdsa_secp256r1_sha256']);
  assert.equal(cr(['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256']), ['ecdsa_secp256r1_sha256', 'rsa_pss_rsae_sha256', 'rsa_pkcs1_sha256', 'rsa_pkcs1_sha384']);
  // a server whose client verifier checks none of its schemes in certificates is refused at configuration time
  const { s: sp } = providers('node', 'sac-cr-cfg');
  const none = new CertificateVerifier({ trustAnchors: [der('ecdsa/ca.pem')], provider: sp, clock: NOW, purpose: 'client', certificateSchemes: ['rsa_pkcs1_sha256'] });
  assert.throws(() => new ServerDispatcher({ crypto: sp, credential: credential('ecdsa'), clientAuth: 'require', clientVerifier: none,
    signatureSchemes: ['ecdsa_secp256r1_sha256'] }), /checks none of the signature schemes/);
  // the verifier's restriction applies to chain validation too
  const { s } = providers('node', 'sac-cr');
  const v = new CertificateVerifier({ trustAnchors: [der('ecdsa/ca.pem')], provider: s, clock: NOW, certificateSchemes: ['ed25519'] });
  const res = v.check(credential('ecdsa').chain, NOW);
  assert.is(res.ok ? 'ok' : res.reason, 'unsupported');
  void verifier;
});

test.run();
