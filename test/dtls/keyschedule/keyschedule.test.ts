// RFC 8448 section 3 (simple 1-RTT) reproduced byte-exactly with the "tls13 " prefix, under both providers.
// All vector hex below is copied from the text of RFC 8448 (Example Handshake Traces for TLS 1.3).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { KeySchedule, TLS13_PREFIX, DTLS13_PREFIX } from '../../../src/dtls/keyschedule.ts';
import { getSuite } from '../../../src/dtls/crypto/index.ts';
import { hex, unhex, PROVIDERS, provider } from '../util.ts';

const V = {
  clientPriv: '49 af 42 ba 7f 79 94 85 2d 71 3e f2 78 4b cb ca a7 91 1d e2 6a dc 56 42 cb 63 45 40 e7 ea 50 05',
  clientPub: '99 38 1d e5 60 e4 bd 43 d2 3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a af 2c',
  serverPriv: 'b1 58 0e ea df 6d d5 89 b8 ef 4f 2d 56 52 57 8c c8 10 e9 98 01 91 ec 8d 05 83 08 ce a2 16 a2 1e',
  serverPub: 'c9 82 88 76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1 dd 69 b1 b0 4e 75 1f 0f',
  clientHello: `01 00 00 c0 03 03 cb 34 ec b1 e7 81 63
         ba 1c 38 c6 da cb 19 6a 6d ff a2 1a 8d 99 12 ec 18 a2 ef 62 83
         02 4d ec e7 00 00 06 13 01 13 03 13 02 01 00 00 91 00 00 00 0b
         00 09 00 00 06 73 65 72 76 65 72 ff 01 00 01 00 00 0a 00 14 00
         12 00 1d 00 17 00 18 00 19 01 00 01 01 01 02 01 03 01 04 00 23
         00 00 00 33 00 26 00 24 00 1d 00 20 99 38 1d e5 60 e4 bd 43 d2
         3d 8e 43 5a 7d ba fe b3 c0 6e 51 c1 3c ae 4d 54 13 69 1e 52 9a
         af 2c 00 2b 00 03 02 03 04 00 0d 00 20 00 1e 04 03 05 03 06 03
         02 03 08 04 08 05 08 06 04 01 05 01 06 01 02 01 04 02 05 02 06
         02 02 02 00 2d 00 02 01 01 00 1c 00 02 40 01`,
  serverHello: `02 00 00 56 03 03 a6 af 06 a4 12 18 60
         dc 5e 6e 60 24 9c d3 4c 95 93 0c 8a c5 cb 14 34 da c1 55 77 2e
         d3 e2 69 28 00 13 01 00 00 2e 00 33 00 24 00 1d 00 20 c9 82 88
         76 11 20 95 fe 66 76 2b db f7 c6 72 e1 56 d6 cc 25 3b 83 3d f1
         dd 69 b1 b0 4e 75 1f 0f 00 2b 00 02 03 04`,
  early: '33 ad 0a 1c 60 7e c0 3b 09 e6 cd 98 93 68 0c e2 10 ad f3 00 aa 1f 26 60 e1 b2 2e 10 f1 70 f9 2a',
  emptyHash: 'e3 b0 c4 42 98 fc 1c 14 9a fb f4 c8 99 6f b9 24 27 ae 41 e4 64 9b 93 4c a4 95 99 1b 78 52 b8 55',
  derivedHs: '6f 26 15 a1 08 c7 02 c5 67 8f 54 fc 9d ba b6 97 16 c0 76 18 9c 48 25 0c eb ea c3 57 6c 36 11 ba',
  ecdhe: '8b d4 05 4f b5 5b 9d 63 fd fb ac f9 f0 4b 9f 0d 35 e6 d6 3f 53 75 63 ef d4 62 72 90 0f 89 49 2d',
  handshake: '1d c8 26 e9 36 06 aa 6f dc 0a ad c1 2f 74 1b 01 04 6a a6 b9 9f 69 1e d2 21 a9 f0 ca 04 3f be ac',
  hashChSh: '86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58 ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8',
  cHsInfo: `00 20 12 74 6c 73 31 33 20 63 20 68 73 20 74 72
         61 66 66 69 63 20 86 0c 06 ed c0 78 58 ee 8e 78 f0 e7 42 8c 58
         ed d6 b4 3f 2c a3 e6 e9 5f 02 ed 06 3c f0 e1 ca d8`,
  cHs: 'b3 ed db 12 6e 06 7f 35 a7 80 b3 ab f4 5e 2d 8f 3b 1a 95 07 38 f5 2e 96 00 74 6a 0e 27 a5 5a 21',
  sHs: 'b6 7b 7d 69 0c c1 6c 4e 75 e5 42 13 cb 2d 37 b4 e9 c9 12 bc de d9 10 5d 42 be fd 59 d3 91 ad 38',
  derivedMs: '43 de 77 e0 c7 77 13 85 9a 94 4d b9 db 25 90 b5 31 90 a6 5b 3e e2 e4 f1 2d d7 a0 bb 7c e2 54 b4',
  master: '18 df 06 84 3d 13 a0 8b f2 a4 49 84 4c 5f 8a 47 80 01 bc 4d 4c 62 79 84 d5 a4 1d a8 d0 40 29 19',
  sHsKey: '3f ce 51 60 09 c2 17 27 d0 f2 e4 e8 6e e4 03 bc',
  sHsIv: '5d 31 3e b2 67 12 76 ee 13 00 0b 30',
  cHsKey: 'db fa a6 93 d1 76 2c 5b 66 6a f5 d9 50 25 8d 01',
  cHsIv: '5b d3 c7 1b 83 6e 0b 76 bb 73 26 5f',
  sFinishedKey: '00 8d 3b 66 f8 16 ea 55 9f 96 b5 37 e8 85 c3 1f c0 68 bf 49 2c 65 2f 01 f2 88 a1 d8 cd c1 9f c8',
  hashChSf: '96 08 10 2a 0f 1c cc 6d b6 25 0b 7b 7e 41 7b 1a 00 0e aa da 3d aa e4 77 7a 76 86 c9 ff 83 df 13',
  cAp: '9e 40 64 6c e7 9a 7f 9d c0 5a f8 88 9b ce 65 52 87 5a fa 0b 06 df 00 87 f7 92 eb b7 c1 75 04 a5',
  sAp: 'a1 1a f9 f0 55 31 f8 56 ad 47 11 6b 45 a9 50 32 82 04 b4 f4 4b fb 6b 3a 4b 4f 1f 3f cb 63 16 43',
  expMaster: 'fe 22 f8 81 17 6e da 18 eb 8f 44 52 9e 67 92 c5 0c 9a 3f 89 45 2f 68 d8 ae 31 1b 43 09 d3 cf 50',
  sApKey: '9f 02 28 3b 6c 9c 07 ef c2 6b b9 f2 ac 92 e3 56',
  sApIv: 'cf 78 2b 88 dd 83 54 9a ad f1 e9 84',
  cApKey: '17 42 2d da 59 6e d5 d9 ac d8 90 e3 c6 3f 50 51',
  cApIv: '5b 78 92 3d ee 08 57 90 33 e5 23 d9',
  cFinishedKey: 'b8 0a d0 10 15 fb 2f 0b d6 5f f7 d4 da 5d 6b f8 3f 84 82 1d 1f 87 fd c7 d3 c7 5b 5a 7b 42 d9 c4',
  hashChCf: '20 91 45 a9 6e e8 e2 a1 22 ff 81 00 47 cc 95 26 84 65 8d 60 49 e8 64 29 42 6d b8 7c 54 ad 14 3d',
  resMaster: '7d f2 35 f2 03 1d 2a 05 12 87 d0 2b 02 41 b0 bf da f8 6c c8 56 23 1f 2d 5a ba 46 c4 34 ec 19 6c',
  resumption: '4e cd 0e b6 ec 3b 4d 87 f5 d6 02 8f 92 2c a4 c5 85 1a 27 7f d4 13 11 c9 e6 2d 2c 94 92 e1 c4 f3',
  // client application_data record (seq 0 under the client application keys)
  appPayload: `00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e
         0f 10 11 12 13 14 15 16 17 18 19 1a 1b 1c 1d 1e 1f 20 21 22 23
         24 25 26 27 28 29 2a 2b 2c 2d 2e 2f 30 31`,
  appRecord: `17 03 03 00 43 a2 3f 70 54 b6 2c 94
         d0 af fa fe 82 28 ba 55 cb ef ac ea 42 f9 14 aa 66 bc ab 3f 2b
         98 19 a8 a5 b4 6b 39 5b d5 4a 9a 20 44 1e 2b 62 97 4e 1f 5a 62
         92 a2 97 70 14 bd 1e 3d ea e6 3a ee bb 21 69 49 15 e4`,
};
// RFC 8448 section 4 (resumed 0-RTT): PSK = the section 3 resumption secret.
const R0 = {
  early: '9b 21 88 e9 b2 fc 6d 64 d7 1d c3 29 90 0e 20 bb 41 91 50 00 f6 78 aa 83 9c bb 79 7c b7 d8 33 2c',
  binderHash: '63 22 4b 2e 45 73 f2 d3 45 4c a8 4b 9d 00 9a 04 f6 be 9e 05 71 1a 83 96 47 3a ef a0 1e 92 4a 14',
  binderKey: '69 fe 13 1a 3b ba d5 d6 3c 64 ee bc c3 0e 39 5b 9d 81 07 72 6a 13 d0 74 e3 89 db c8 a4 e4 72 56',
  binderFinishedKey: '55 88 67 3e 72 cb 59 c8 7d 22 0c af fe 94 f2 de a9 a3 b1 60 9f 7d 50 e9 0a 48 22 7d b9 ed 7e aa',
  binder: '3a dd 4f b2 d8 fd f8 22 a0 ca 3c f7 67 8e f5 e8 8d ae 99 01 41 c5 92 4d 57 bb 6f a3 1b 9e 5f 9d',
  hashCh: '08 ad 0f a0 5d 7c 72 33 b1 77 5b a2 ff 9f 4c 5b 8b 59 27 6b 7f 22 7f 13 a9 76 24 5f 5d 96 09 13',
  cEarly: '3f bb e6 a6 0d eb 66 c3 0a 32 79 5a ba 0e ff 7e aa 10 10 55 86 e7 be 5c 09 67 8d 63 b6 ca ab 62',
  eExp: 'b2 02 68 66 61 09 37 d7 42 3e 5b e9 08 62 cc f2 4c 0e 60 91 18 6d 34 f8 12 08 9f f5 be 2e f7 df',
  cEarlyKey: '92 02 05 a5 b7 bf 21 15 e6 fc 5c 29 42 83 4f 54',
  cEarlyIv: '6d 47 5f 09 93 c8 e5 64 61 0d b2 b9',
  earlyRecord: '17 03 03 00 17 ab 1d f4 20 e7 5c 45 7a 7c c5 d2 84 4f 76 d5 ae e4 b4 ed bf 04 9b e0',
};

const u = (k: keyof typeof V) => unhex(V[k]);
const h = (k: keyof typeof V) => hex(unhex(V[k]));
const suite = getSuite('TLS_AES_128_GCM_SHA256');

for (const kind of PROVIDERS) {
  test(`[${kind}] RFC 8448 3: x25519 key shares and shared secret`, () => {
    const p = provider(kind);
    const c = p.kxFromPrivate('x25519', u('clientPriv'));
    const s = p.kxFromPrivate('x25519', u('serverPriv'));
    assert.is(hex(c.publicKey), h('clientPub'));
    assert.is(hex(s.publicKey), h('serverPub'));
    assert.is(hex(p.kxDerive('x25519', c.privateKey, s.publicKey)!), h('ecdhe'));
    assert.is(hex(p.kxDerive('x25519', s.privateKey, c.publicKey)!), h('ecdhe'));
  });

  test(`[${kind}] RFC 8448 3: early, handshake, master secrets and traffic secrets`, () => {
    const p = provider(kind);
    const ks = new KeySchedule(p, 'SHA-256', TLS13_PREFIX);
    const early = ks.earlySecret();
    assert.is(hex(early), h('early'));
    assert.is(hex(ks.emptyHash()), h('emptyHash'));
    assert.is(hex(ks.deriveSecret(early, 'derived', ks.emptyHash())), h('derivedHs'));
    const hs = ks.handshakeSecret(early, u('ecdhe'));
    assert.is(hex(hs), h('handshake'));
    // transcript hash over the real ClientHello and ServerHello
    const tr = p.transcript('SHA-256').update(u('clientHello'));
    const afterCh = tr.clone();
    tr.update(u('serverHello'));
    assert.is(hex(tr.digest()), h('hashChSh'));
    assert.is(hex(tr.digest()), h('hashChSh'), 'digest is non-destructive');
    assert.is.not(hex(afterCh.digest()), h('hashChSh'), 'clone is independent');
    const hts = ks.handshakeTrafficSecrets(hs, u('hashChSh'));
    assert.is(hex(hts.client), h('cHs'));
    assert.is(hex(hts.server), h('sHs'));
    assert.is(hex(ks.deriveSecret(hs, 'derived', ks.emptyHash())), h('derivedMs'));
    const ms = ks.masterSecret(hs);
    assert.is(hex(ms), h('master'));
    const ats = ks.applicationTrafficSecrets(ms, u('hashChSf'));
    assert.is(hex(ats.client), h('cAp'));
    assert.is(hex(ats.server), h('sAp'));
    assert.is(hex(ks.exporterMasterSecret(ms, u('hashChSf'))), h('expMaster'));
    const rms = ks.resumptionMasterSecret(ms, u('hashChCf'));
    assert.is(hex(rms), h('resMaster'));
    assert.is(hex(ks.resumptionPsk(rms, unhex('00 00'))), h('resumption'));
  });

  test(`[${kind}] RFC 8448 3: traffic keys, ivs, finished keys`, () => {
    const p = provider(kind);
    const ks = new KeySchedule(p, 'SHA-256', TLS13_PREFIX);
    const sHs = ks.epochKeys(u('sHs'), suite);
    assert.is(hex(sHs.key), h('sHsKey'));
    assert.is(hex(sHs.iv), h('sHsIv'));
    const cHs = ks.epochKeys(u('cHs'), suite);
    assert.is(hex(cHs.key), h('cHsKey'));
    assert.is(hex(cHs.iv), h('cHsIv'));
    const sAp = ks.epochKeys(u('sAp'), suite);
    assert.is(hex(sAp.key), h('sApKey'));
    assert.is(hex(sAp.iv), h('sApIv'));
    const cAp = ks.epochKeys(u('cAp'), suite);
    assert.is(hex(cAp.key), h('cApKey'));
    assert.is(hex(cAp.iv), h('cApIv'));
    assert.is(hex(ks.finishedKey(u('sHs'))), h('sFinishedKey'));
    assert.is(hex(ks.finishedKey(u('cHs'))), h('cFinishedKey'));
  });

  test(`[${kind}] RFC 8448 3: client application record encrypts byte-exactly (TLS 1.3 AEAD check)`, () => {
    const p = provider(kind);
    const rec = u('appRecord');
    const aad = rec.subarray(0, 5);
    const inner = new Uint8Array([...u('appPayload'), 0x17]);
    const k = p.aead('AES-128-GCM', u('cApKey'));
    const nonce = u('cApIv'); // seq 0: nonce = iv
    assert.is(hex(k.seal(nonce, aad, inner)), hex(rec.subarray(5)));
    assert.is(hex(k.open(nonce, aad, rec.subarray(5))!), hex(inner));
    const bad = rec.slice(5);
    bad[3]! ^= 1;
    assert.is(k.open(nonce, aad, bad), null);
  });

  test(`[${kind}] RFC 8448 4: PSK early secret, res binder key and binder, early traffic, 0-RTT record`, () => {
    const p = provider(kind);
    const ks = new KeySchedule(p, 'SHA-256', TLS13_PREFIX);
    const early = ks.earlySecret(u('resumption'));
    assert.is(hex(early), hex(unhex(R0.early)));
    const bk = ks.binderKey(early, 'res');
    assert.is(hex(bk), hex(unhex(R0.binderKey)));
    assert.is(hex(ks.finishedKey(bk)), hex(unhex(R0.binderFinishedKey)));
    assert.is(hex(ks.finishedVerifyData(bk, unhex(R0.binderHash))), hex(unhex(R0.binder)));
    const ce = ks.clientEarlyTrafficSecret(early, unhex(R0.hashCh));
    assert.is(hex(ce), hex(unhex(R0.cEarly)));
    assert.is(hex(ks.earlyExporterMasterSecret(early, unhex(R0.hashCh))), hex(unhex(R0.eExp)));
    const k = ks.epochKeys(ce, suite);
    assert.is(hex(k.key), hex(unhex(R0.cEarlyKey)));
    assert.is(hex(k.iv), hex(unhex(R0.cEarlyIv)));
    const rec = unhex(R0.earlyRecord);
    const inner = new Uint8Array([0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x17]);
    assert.is(hex(p.aead('AES-128-GCM', k.key).seal(k.iv, rec.subarray(0, 5), inner)), hex(rec.subarray(5)));
  });

  test(`[${kind}] HKDF-Expand-Label info layout (RFC 8448 c hs traffic info) and DTLS prefix`, () => {
    const p = provider(kind);
    const seen: Uint8Array[] = [];
    const orig = p.hkdfExpand.bind(p);
    p.hkdfExpand = (alg, prk, info, len) => { seen.push(info); return orig(alg, prk, info, len); };
    new KeySchedule(p, 'SHA-256', TLS13_PREFIX).deriveSecret(u('handshake'), 'c hs traffic', u('hashChSh'));
    assert.is(hex(seen[0]!), h('cHsInfo'));
    seen.length = 0;
    new KeySchedule(p, 'SHA-256', DTLS13_PREFIX).hkdfExpandLabel(u('sHs'), 'sn', new Uint8Array(0), 16);
    assert.is(hex(seen[0]!), '0010' + '08' + Buffer.from('dtls13sn').toString('hex') + '00');
  });

  test(`[${kind}] KeyUpdate, binder key, exporter are consistent across providers`, () => {
    const a = new KeySchedule(provider(kind), 'SHA-384', DTLS13_PREFIX);
    const b = new KeySchedule(provider(kind === 'node' ? 'noble' : 'node'), 'SHA-384', DTLS13_PREFIX);
    const s = unhex('11'.repeat(48));
    assert.is(hex(a.nextTrafficSecret(s)), hex(b.nextTrafficSecret(s)));
    assert.is(a.nextTrafficSecret(s).length, 48);
    assert.is.not(hex(a.nextTrafficSecret(s)), hex(s));
    const early = a.earlySecret(unhex('22'.repeat(48)));
    assert.is(hex(a.binderKey(early, 'res')), hex(b.binderKey(b.earlySecret(unhex('22'.repeat(48))), 'res')));
    assert.is.not(hex(a.binderKey(early, 'res')), hex(a.binderKey(early, 'ext')));
    assert.is(hex(a.exporter(s, 'EXPORTER-test', unhex('0102'), 40)), hex(b.exporter(s, 'EXPORTER-test', unhex('0102'), 40)));
    const k = a.epochKeys(s, getSuite('TLS_AES_256_GCM_SHA384'));
    assert.is(k.key.length, 32);
    assert.is(k.snKey.length, 32);
    assert.is(k.iv.length, 12);
  });
}

test.run();
