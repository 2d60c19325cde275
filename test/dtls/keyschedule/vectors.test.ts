// The illustrated-dtls connection (test/fixtures/illustrated-dtls, wolfSSL, TLS_AES_128_GCM_SHA256, X25519):
// key schedule from the ephemeral keys and transcript, keys/ivs/sn_keys from the keylog, every protected datagram
// decrypted to the plaintext beside it and every plaintext re-encrypted to the exact datagram, under both providers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KeySchedule } from '../../../src/dtls/keyschedule.ts';
import { getSuite, parsePkcs8, pemToDer } from '../../../src/dtls/crypto/index.ts';
import { RecordLayer, formOf } from '../../../src/dtls/record/index.ts';
import { parseKeylog, findSecret, keylogLines } from '../../../src/dtls/keylog.ts';
import { hex, unhex, PROVIDERS, provider } from '../util.ts';

const DIR = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/illustrated-dtls');
const file = (p: string) => new Uint8Array(readFileSync(join(DIR, p)));
const text = (p: string) => readFileSync(join(DIR, p), 'utf8');
const suite = getSuite('TLS_AES_128_GCM_SHA256');
const keylog = parseKeylog(text('keylog.txt'));
const secret = (l: string) => findSecret(keylog, l)!;

// "Known intermediate values" of the vectors' README (test/fixtures/illustrated-dtls/README.md)
const README = {
  shared: 'df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624',
  hashChSh: 'aee8eba0d2ee87052fbbc6864c1514c5a927d6f0ffb4f7954c7f379d95f1b1d7',
  sHs: '8ad7990b9d249bcbaa0805d8d3f3ad2259e75f3a42c5d84db3ea3c6ee57b3d38',
  cHs: '33e472fb8d821b0193314626bebee307ccbd1aeb3d3a17ba468888ffc5246da1',
  sHsKey: '004e03e64ab6cba6b542775ec230e20a',
  sHsIv: '6d9924be044ee97c624913f2',
  sHsSn: '7173fac51194e775001d625ef69d7c9f',
  hashChSf: '77ff5eee528abc269960b0ea316eb8578dc8325d86ec1336ffe4b2941e26d82b',
  handshake: 'd0d1397bb3c445d37f26f7ed00c83b73d2f67540de3761465ffe524f8f944e12',
};

/** DTLS handshake message (12-byte header) -> TLS form for the transcript (type + uint24 length + body). */
function tlsForm(m: Uint8Array): Uint8Array {
  const len = (m[1]! << 16) | (m[2]! << 8) | m[3]!;
  return new Uint8Array([...m.subarray(0, 4), ...m.subarray(12, 12 + len)]);
}
/** record-* files of protected records: DTLSInnerPlaintext = content || type (no padding). */
const inner = (name: string) => { const b = file(`records/${name}`); return { payload: b.subarray(0, b.length - 1), type: b[b.length - 1]! }; };

// datagram -> (sender, epoch, seq, plaintext file)
const PROTECTED = [
  { d: '03-encext-shs-prot', from: 'server', epoch: 2, seq: 0, pt: 'record-encext' },
  { d: '04-cert-shs-prot', from: 'server', epoch: 2, seq: 1, pt: 'record-cert' },
  { d: '05-cverify-shs-prot', from: 'server', epoch: 2, seq: 2, pt: 'record-cverify' },
  { d: '06-fin-shs-prot', from: 'server', epoch: 2, seq: 3, pt: 'record-sfin' },
  { d: '07-fin-chs-prot', from: 'client', epoch: 2, seq: 0, pt: 'record-cfin' },
  { d: '08-ack-sap-prot', from: 'server', epoch: 3, seq: 0, pt: 'record-sack' },
  { d: '09-data-cap-prot', from: 'client', epoch: 3, seq: 0, pt: 'record-cdata' },
  { d: '10-data-sap-prot', from: 'server', epoch: 3, seq: 1, pt: 'record-sdata' },
  { d: '11-bye-sap-prot', from: 'server', epoch: 3, seq: 2, pt: 'record-sbye' },
] as const;

test('keylog parser reads the four secrets; writer emits NSS lines', () => {
  assert.is(keylog.length, 4);
  assert.is(hex(secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET')), README.cHs);
  assert.is(hex(secret('SERVER_HANDSHAKE_TRAFFIC_SECRET')), README.sHs);
  assert.ok(findSecret(keylog, 'CLIENT_TRAFFIC_SECRET_0'));
  const cr = keylog[0]!.clientRandom;
  const lines = keylogLines({ clientRandom: cr, clientHandshake: secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), server0: secret('SERVER_TRAFFIC_SECRET') });
  assert.equal(lines, [
    `CLIENT_HANDSHAKE_TRAFFIC_SECRET ${hex(cr)} ${README.cHs}`,
    `SERVER_TRAFFIC_SECRET_0 ${hex(cr)} ${hex(secret('SERVER_TRAFFIC_SECRET'))}`,
  ]);
  assert.equal(parseKeylog('# c\n\nBAD LINE\nX zz 00\nA 00 \n'), []);
});

for (const kind of PROVIDERS) {
  test(`[${kind}] key schedule from ephemeral keys and transcript matches README and keylog`, () => {
    const p = provider(kind);
    const cPriv = parsePkcs8(pemToDer(text('keys/client-ephemeral-private.key')));
    const sPriv = parsePkcs8(pemToDer(text('keys/server-ephemeral-private.key')));
    assert.is(cPriv.alg, 'x25519');
    const c = p.kxFromPrivate('x25519', cPriv.raw);
    const s = p.kxFromPrivate('x25519', sPriv.raw);
    assert.is(hex(p.kxDerive('x25519', c.privateKey, s.publicKey)!), README.shared);
    // transcript: ClientHello and ServerHello from the plaintext datagrams (13-byte record header + message)
    const tr = p.transcript('SHA-256');
    tr.update(tlsForm(file('records/01-hello-c').subarray(13)));
    tr.update(tlsForm(file('records/02-hello-s').subarray(13)));
    assert.is(hex(tr.digest()), README.hashChSh);
    const ks = new KeySchedule(p, 'SHA-256', 'dtls13');
    const hs = ks.handshakeSecret(ks.earlySecret(), unhex(README.shared));
    assert.is(hex(hs), README.handshake);
    const hts = ks.handshakeTrafficSecrets(hs, tr.digest());
    assert.is(hex(hts.server), README.sHs);
    assert.is(hex(hts.client), README.cHs);
    for (const f of ['record-encext', 'record-cert', 'record-cverify', 'record-sfin']) tr.update(tlsForm(inner(f).payload));
    assert.is(hex(tr.digest()), README.hashChSf);
    const ats = ks.applicationTrafficSecrets(ks.masterSecret(hs), tr.digest());
    assert.is(hex(ats.client), hex(secret('CLIENT_TRAFFIC_SECRET')));
    assert.is(hex(ats.server), hex(secret('SERVER_TRAFFIC_SECRET')));
    // server Finished verify_data
    const sfin = inner('record-sfin').payload;
    const tr2 = p.transcript('SHA-256');
    for (const f of ['records/01-hello-c', 'records/02-hello-s']) tr2.update(tlsForm(file(f).subarray(13)));
    for (const f of ['record-encext', 'record-cert', 'record-cverify']) tr2.update(tlsForm(inner(f).payload));
    assert.is(hex(ks.finishedVerifyData(hts.server, tr2.digest())), hex(sfin.subarray(12)));
  });

  test(`[${kind}] handshake/application keys, ivs, sn_keys from the keylog`, () => {
    const ks = new KeySchedule(provider(kind), 'SHA-256', 'dtls13');
    const sHs = ks.epochKeys(secret('SERVER_HANDSHAKE_TRAFFIC_SECRET'), suite);
    assert.is(hex(sHs.key), README.sHsKey);
    assert.is(hex(sHs.iv), README.sHsIv);
    assert.is(hex(sHs.snKey), README.sHsSn);
    for (const l of ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET']) {
      const k = ks.epochKeys(secret(l), suite);
      assert.is(k.key.length, 16);
      assert.is(k.iv.length, 12);
      assert.is(k.snKey.length, 16);
    }
  });

  const layers = (kind: 'node' | 'noble') => {
    const ks = new KeySchedule(provider(kind), 'SHA-256', 'dtls13');
    const k = {
      client: { 2: ks.epochKeys(secret('CLIENT_HANDSHAKE_TRAFFIC_SECRET'), suite), 3: ks.epochKeys(secret('CLIENT_TRAFFIC_SECRET'), suite) },
      server: { 2: ks.epochKeys(secret('SERVER_HANDSHAKE_TRAFFIC_SECRET'), suite), 3: ks.epochKeys(secret('SERVER_TRAFFIC_SECRET'), suite) },
    };
    const mk = (me: 'client' | 'server') => {
      const peer = me === 'client' ? 'server' : 'client';
      const rl = new RecordLayer({ provider: provider(kind) });
      for (const e of [2, 3] as const) { rl.installWriteKeys(e, k[me][e]); rl.installReadKeys(e, k[peer][e]); }
      return rl;
    };
    return { client: mk('client'), server: mk('server') };
  };

  test(`[${kind}] every protected datagram decrypts to the plaintext beside it`, () => {
    const { client, server } = layers(kind);
    for (const v of PROTECTED) {
      const rx = v.from === 'server' ? client : server;
      const recs = rx.open(file(`records/${v.d}`));
      assert.is(recs.length, 1, v.d);
      const r = recs[0]!;
      const want = inner(v.pt);
      assert.is(r.epoch, v.epoch, v.d);
      assert.is(r.seq, v.seq, v.d);
      assert.is(r.contentType, want.type, v.d);
      assert.is(hex(r.payload), hex(want.payload), v.d);
      assert.is(r.paddingLength, 0);
    }
    assert.is(client.dropped + server.dropped, 0);
    // replaying any datagram now is dropped as a replay
    assert.is(client.open(file('records/04-cert-shs-prot')).length, 0);
    assert.is(client.drops.replay, 1);
  });

  test(`[${kind}] every plaintext re-encrypts to the exact datagram`, () => {
    const { client, server } = layers(kind);
    for (const v of PROTECTED) {
      const tx = v.from === 'server' ? server : client;
      const want = file(`records/${v.d}`);
      const form = formOf(want[0]!);
      assert.is(tx.nextWriteSeq(v.epoch), v.seq, `${v.d} seq`);
      const pt = inner(v.pt);
      const got = tx.seal(pt.type, v.epoch, pt.payload, { seqLength: form.seqLength, length: form.length });
      assert.is(hex(got), hex(want), v.d);
    }
  });

  test(`[${kind}] plaintext ClientHello/ServerHello records frame and re-seal byte-exactly`, () => {
    const rl = new RecordLayer({ provider: provider(kind) });
    for (const f of ['01-hello-c', '02-hello-s']) {
      const d = file(`records/${f}`);
      const [r] = rl.open(d);
      assert.ok(r);
      assert.is(r.epoch, 0);
      assert.is(r.contentType, 22);
      assert.is(hex(r.payload), hex(d.subarray(13)));
      const tx = new RecordLayer({ provider: provider(kind) });
      assert.is(hex(tx.seal(22, 0, r.payload, { seq: r.seq })), hex(d));
    }
  });
}

test.run();
