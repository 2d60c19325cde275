// RFC 8448 section 4 (resumed 0-RTT handshake) and section 5 (HelloRetryRequest) reproduced byte-exactly with the
// TLS 1.3 label prefix under both providers: the binder's truncated ClientHello, binder, early traffic secret,
// handshake / application / resumption secrets and both Finished values. Vectors: test/fixtures/vectors/
// rfc8448-psk-hrr.json (copied from the RFC by test/fixtures/extract-rfc8448.mjs; IETF Trust licence in the file).
// The DTLS variant ("dtls13" prefix, no EndOfEarlyData in the transcript, RFC 9147 5.6) is checked against an
// independent HKDF-Expand-Label written here on node:crypto's hkdf.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { KeySchedule, TLS13_PREFIX, DTLS13_PREFIX } from '../../../src/dtls/keyschedule.ts';
import { messageHash } from '../../../src/dtls/handshake/messages.ts';
import { truncateClientHello, fillBinders } from '../../../src/dtls/handshake/psk-extensions.ts';
import { hex, unhex, PROVIDERS, provider } from '../util.ts';

const F = JSON.parse(readFileSync(new URL('../../fixtures/vectors/rfc8448-psk-hrr.json', import.meta.url), 'utf8')) as
  { s4: Record<string, string>; s5: Record<string, string> };
const s4 = (k: string): Uint8Array => { const v = F.s4[k]; if (v === undefined) throw new Error(k); return unhex(v); };
const s5 = (k: string): Uint8Array => { const v = F.s5[k]; if (v === undefined) throw new Error(k); return unhex(v); };
const sha256 = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
/** The Finished message of a trace minus its 4-byte header. */
const body = (msg: Uint8Array): Uint8Array => msg.subarray(4);

// Section 4 messages (TLS form, as hashed in the transcript)
const CH4 = s4('client send handshake record | payload'); // complete ClientHello with the binder
const SH4 = s4('server construct a ServerHello handshake message | ServerHello');
const EE4 = s4('server construct an EncryptedExtensions handshake message | EncryptedExtensions');
const SF4 = s4('server construct a Finished handshake message | Finished');
const EOED4 = s4('client construct an EndOfEarlyData handshake message | EndOfEarlyData');
const CF4 = s4('client construct a Finished handshake message | Finished');

for (const kind of PROVIDERS) {
  const p = provider(kind);
  const ks = new KeySchedule(p, 'SHA-256', TLS13_PREFIX);

  test(`[${kind}] RFC 8448 4: truncated ClientHello, binder hash and binder`, () => {
    const trunc = truncateClientHello(CH4, [32]);
    assert.is(hex(trunc), hex(s4('client calculate PSK binder | ClientHello prefix')));
    assert.is(hex(sha256(trunc)), hex(s4('client calculate PSK binder | binder hash')));
    const early = ks.earlySecret(s4('client extract secret "early" | IKM'));
    assert.is(hex(early), hex(s4('client extract secret "early" | secret')));
    const binder = ks.finishedVerifyData(ks.binderKey(early, 'res'), p.hash('SHA-256', trunc));
    assert.is(hex(binder), hex(s4('client calculate PSK binder | finished')));
    // filling the binder into a zeroed copy reproduces the ClientHello the client sent
    const copy = CH4.slice();
    copy.fill(0, copy.length - 32);
    fillBinders(copy, [binder]);
    assert.is(hex(copy), hex(CH4));
  });

  test(`[${kind}] RFC 8448 4: early traffic, PSK+ECDHE handshake secrets, Finished values, resumption master`, () => {
    const early = ks.earlySecret(s4('client extract secret "early" | IKM'));
    const hCh = p.hash('SHA-256', CH4);
    assert.is(hex(ks.clientEarlyTrafficSecret(early, hCh)), hex(s4('client derive secret "tls13 c e traffic" | expanded')));
    assert.is(hex(ks.earlyExporterMasterSecret(early, hCh)), hex(s4('client derive secret "tls13 e exp master" | expanded')));
    const ecdhe = p.kxDerive('x25519', s4('client create an ephemeral x25519 key pair | private key'),
      s4('server create an ephemeral x25519 key pair | public key'))!;
    assert.is(hex(ecdhe), hex(s4('server extract secret "handshake" | IKM')));
    const hs = ks.handshakeSecret(early, ecdhe);
    assert.is(hex(hs), hex(s4('server extract secret "handshake" | secret')));
    const hts = ks.handshakeTrafficSecrets(hs, sha256(CH4, SH4));
    assert.is(hex(hts.client), hex(s4('server derive secret "tls13 c hs traffic" | expanded')));
    assert.is(hex(hts.server), hex(s4('server derive secret "tls13 s hs traffic" | expanded')));
    assert.is(hex(ks.finishedVerifyData(hts.server, sha256(CH4, SH4, EE4))), hex(body(SF4)));
    const ms = ks.masterSecret(hs);
    assert.is(hex(ms), hex(s4('server extract secret "master" | secret')));
    const app = ks.applicationTrafficSecrets(ms, sha256(CH4, SH4, EE4, SF4));
    assert.is(hex(app.client), hex(s4('server derive secret "tls13 c ap traffic" | expanded')));
    assert.is(hex(app.server), hex(s4('server derive secret "tls13 s ap traffic" | expanded')));
    // TLS: EndOfEarlyData is in the transcript of the client Finished
    assert.is(hex(ks.finishedVerifyData(hts.client, sha256(CH4, SH4, EE4, SF4, EOED4))), hex(body(CF4)));
    assert.is(hex(ks.resumptionMasterSecret(ms, sha256(CH4, SH4, EE4, SF4, EOED4, CF4))),
      hex(s4('client derive secret "tls13 res master" | expanded')));
  });

  // Section 5: ClientHello1 (x25519 share), HelloRetryRequest (secp256r1), ClientHello2, full handshake.
  const CH1 = s5('client construct a ClientHello handshake message | ClientHello');
  const HRR = s5('server construct a ServerHello handshake message | ServerHello');
  const CH2 = s5('client construct a ClientHello handshake message | ClientHello #2');
  const SH = s5('server construct a ServerHello handshake message | ServerHello #2');
  const EE = s5('server construct an EncryptedExtensions handshake message | EncryptedExtensions');
  const CERT = s5('server construct a Certificate handshake message | Certificate');
  const CV = s5('server construct a CertificateVerify handshake message | CertificateVerify');
  const SF = s5('server construct a Finished handshake message | Finished');
  const CF = s5('client construct a Finished handshake message | Finished');

  test(`[${kind}] RFC 8448 5: HelloRetryRequest transcript (message_hash), secrets and Finished values`, () => {
    const prefix = [messageHash(sha256(CH1)), HRR];
    const ecdhe = p.kxDerive('secp256r1', s5('client create an ephemeral P-256 key pair | private key'),
      s5('server create an ephemeral P-256 key pair | public key'))!;
    assert.is(hex(ecdhe), hex(s5('server extract secret "handshake" | IKM')));
    const early = ks.earlySecret();
    assert.is(hex(early), hex(s5('server extract secret "early" | secret')));
    const hs = ks.handshakeSecret(early, ecdhe);
    assert.is(hex(hs), hex(s5('server extract secret "handshake" | secret')));
    const hChSh = sha256(...prefix, CH2, SH);
    assert.is(hex(hChSh), hex(s5('server derive secret "tls13 c hs traffic" | hash')));
    const hts = ks.handshakeTrafficSecrets(hs, hChSh);
    assert.is(hex(hts.client), hex(s5('server derive secret "tls13 c hs traffic" | expanded')));
    assert.is(hex(hts.server), hex(s5('server derive secret "tls13 s hs traffic" | expanded')));
    assert.is(hex(ks.finishedVerifyData(hts.server, sha256(...prefix, CH2, SH, EE, CERT, CV))), hex(body(SF)));
    const ms = ks.masterSecret(hs);
    const app = ks.applicationTrafficSecrets(ms, sha256(...prefix, CH2, SH, EE, CERT, CV, SF));
    assert.is(hex(app.client), hex(s5('server derive secret "tls13 c ap traffic" | expanded')));
    assert.is(hex(app.server), hex(s5('server derive secret "tls13 s ap traffic" | expanded')));
    assert.is(hex(ks.finishedVerifyData(hts.client, sha256(...prefix, CH2, SH, EE, CERT, CV, SF))), hex(body(CF)));
    assert.is(hex(ks.resumptionMasterSecret(ms, sha256(...prefix, CH2, SH, EE, CERT, CV, SF, CF))),
      hex(s5('client derive secret "tls13 res master" | expanded')));
  });

  test(`[${kind}] DTLS variant ("dtls13", no EndOfEarlyData) equals an independent HKDF-Expand-Label`, () => {
    const d = new KeySchedule(p, 'SHA-256', DTLS13_PREFIX);
    const hmac = (k: Uint8Array, m: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', k).update(m).digest());
    const expandLabel = (secret: Uint8Array, label: string, ctx: Uint8Array, len: number): Uint8Array => {
      const l = Buffer.from('dtls13' + label);
      const info = cat(Uint8Array.of(len >> 8, len & 0xff, l.length), l, Uint8Array.of(ctx.length), ctx);
      return hmac(secret, cat(info, Uint8Array.of(1))).subarray(0, len); // len <= 32: one block
    };
    const psk = s4('client extract secret "early" | IKM');
    const early = hmac(new Uint8Array(32), psk);
    assert.is(hex(d.earlySecret(psk)), hex(early));
    const trunc = truncateClientHello(CH4, [32]);
    const bk = expandLabel(early, 'res binder', sha256(), 32);
    const binder = hmac(expandLabel(bk, 'finished', new Uint8Array(0), 32), sha256(trunc));
    assert.is(hex(d.finishedVerifyData(d.binderKey(early, 'res'), sha256(trunc))), hex(binder));
    assert.is(hex(d.clientEarlyTrafficSecret(early, sha256(CH4))), hex(expandLabel(early, 'c e traffic', sha256(CH4), 32)));
    const ecdhe = s4('server extract secret "handshake" | IKM');
    const hs = hmac(expandLabel(early, 'derived', sha256(), 32), ecdhe);
    assert.is(hex(d.handshakeSecret(early, ecdhe)), hex(hs));
    const cHs = expandLabel(hs, 'c hs traffic', sha256(CH4, SH4), 32);
    // DTLS client Finished: the transcript has no EndOfEarlyData (RFC 9147 5.6)
    const fin = hmac(expandLabel(cHs, 'finished', new Uint8Array(0), 32), sha256(CH4, SH4, EE4, SF4));
    assert.is(hex(d.finishedVerifyData(d.handshakeTrafficSecrets(hs, sha256(CH4, SH4)).client, sha256(CH4, SH4, EE4, SF4))), hex(fin));
    // and it differs from the TLS trace's value, which covers EndOfEarlyData with the "tls13 " labels
    assert.is.not(hex(fin), hex(body(CF4)));
  });
}

test.run();
