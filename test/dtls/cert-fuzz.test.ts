// Robustness of the certificate code on hostile input: truncations, bit flips, random bytes and random PEM text
// must give typed failures, never exceptions. Also a differential check of the parser against node:crypto's
// X509Certificate (OpenSSL) on every fixture certificate.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createProvider, seededRandom } from '../../src/dtls/crypto/index.ts';
import {
  loadCredential,
  parseCertificate,
  parseCertificatesPem,
  parsePem,
  parsePkcs8Key,
  parseSec1,
  verifyChain,
} from '../../src/dtls/cert/index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../fixtures/certs');
const pemFiles: string[] = [];
for (const d of readdirSync(FIX)) for (const f of readdirSync(join(FIX, d))) pemFiles.push(join(FIX, d, f));
const certFiles = pemFiles.filter((f) => f.endsWith('.pem') && !f.includes('chain'));
const certs = certFiles.map((f) => {
  const r = parseCertificatesPem(readFileSync(f, 'utf8'));
  if (!r.ok) throw new Error(f);
  return r.der[0]!;
});
const ecChain = parseCertificatesPem(readFileSync(join(FIX, 'ecdsa/server-chain.pem'), 'utf8'));
const ca = certs[certFiles.indexOf(join(FIX, 'ecdsa/ca.pem'))]!;
const provider = createProvider('noble', seededRandom(7));
const NOW = Date.UTC(2030, 0, 1);

function noThrow(label: string, f: () => unknown): void {
  try {
    f();
  } catch (e) {
    assert.unreachable(`${label} threw: ${(e as Error).stack}`);
  }
}

test('every fixture parses and agrees with node:crypto X509Certificate', () => {
  assert.ok(certs.length >= 8);
  for (const [i, der] of certs.entries()) {
    const r = parseCertificate(der);
    assert.ok(r.ok, `${certFiles[i]}: ${r.ok ? '' : r.detail}`);
    if (!r.ok) continue;
    const x = new X509Certificate(der);
    assert.is(r.cert.serialHex.toUpperCase().replace(/^0+/, ''), x.serialNumber.replace(/^0+/, ''));
    assert.is(r.cert.notBefore, Date.parse(x.validFrom));
    assert.is(r.cert.notAfter, Date.parse(x.validTo));
    const cn = /CN=([^\n]+)/.exec(x.subject)?.[1];
    assert.is(r.cert.subject.attributes.find((a) => a.type === 'CN')?.value, cn);
    assert.is(r.cert.extensions.basicConstraints?.ca ?? false, x.ca);
    const nodeDns = (x.subjectAltName ?? '').split(', ').filter((s) => s.startsWith('DNS:')).map((s) => s.slice(4));
    assert.equal(r.cert.extensions.subjectAltName?.dns ?? [], nodeDns);
    const spki = x.publicKey.export({ format: 'der', type: 'spki' });
    assert.equal(r.cert.spki, new Uint8Array(spki));
  }
});

test('truncated certificates: typed malformed, no exception', () => {
  for (const der of certs) {
    for (let n = 0; n < der.length; n++) {
      const r = parseCertificate(der.subarray(0, n));
      assert.is(r.ok, false);
    }
    const extra = new Uint8Array(der.length + 1);
    extra.set(der);
    assert.is(parseCertificate(extra).ok, false); // trailing byte
  }
});

test('bit flips in certificates and chains (fast-check)', () => {
  fc.assert(
    fc.property(fc.nat(certs.length - 1), fc.nat(), fc.integer({ min: 1, max: 255 }), (ci, pos, x) => {
      const der = certs[ci]!.slice();
      der[pos % der.length]! ^= x;
      noThrow('parseCertificate', () => parseCertificate(der));
      const chain = ecChain.ok ? [der, ...ecChain.der.slice(1)] : [der];
      let r: ReturnType<typeof verifyChain> | undefined;
      noThrow('verifyChain', () => (r = verifyChain(chain, { trustAnchors: [ca], nowMs: NOW, serverName: 'localhost', provider })));
      // A mutated leaf may still verify only if the flip hit something outside the signed bytes that is not checked.
      return r !== undefined;
    }),
    { seed: 1234, numRuns: 400 },
  );
});

test('random bytes and random DER-ish structures (fast-check)', () => {
  const derish = fc.oneof(
    fc.uint8Array({ maxLength: 300 }),
    fc.tuple(fc.constantFrom(0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0xa0, 0xa3), fc.uint8Array({ maxLength: 200 })).map(
      ([tag, body]) => Uint8Array.from([tag, ...(body.length < 128 ? [body.length] : [0x81, body.length]), ...body]),
    ),
  );
  fc.assert(
    fc.property(derish, (b) => {
      noThrow('parseCertificate', () => assert.is(parseCertificate(b).ok, false));
      noThrow('parsePkcs8Key', () => parsePkcs8Key(b));
      noThrow('parseSec1', () => parseSec1(b));
      noThrow('verifyChain', () => verifyChain([b], { trustAnchors: [ca, b], nowMs: NOW, provider }));
    }),
    { seed: 99, numRuns: 1000 },
  );
});

test('random PEM text (fast-check)', () => {
  const b64 = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\n -'), maxLength: 200 });
  const label = fc.constantFrom('CERTIFICATE', 'PRIVATE KEY', 'EC PRIVATE KEY', 'X', 'ENCRYPTED PRIVATE KEY');
  const pem = fc.tuple(label, b64, label).map(([a, body, c]) => `junk\n-----BEGIN ${a}-----\n${body}\n-----END ${c}-----\n`);
  fc.assert(
    fc.property(pem, pem, (p1, p2) => {
      noThrow('parsePem', () => parsePem(p1));
      noThrow('loadCredential', () => {
        const r = loadCredential(p1, p2, provider);
        assert.is(r.ok, false);
      });
    }),
    { seed: 5, numRuns: 500 },
  );
});

test.run();
