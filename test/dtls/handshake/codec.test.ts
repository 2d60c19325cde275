import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { AlertError } from '../../../src/dtls/handshake/bytes.ts';
import * as bytesMod from '../../../src/dtls/handshake/bytes.ts';
function require_writer() { return bytesMod; }
import { AlertDescription, ExtensionType, HRR_RANDOM } from '../../../src/dtls/handshake/constants.ts';
import * as M from '../../../src/dtls/handshake/messages.ts';
import * as E from '../../../src/dtls/handshake/extensions.ts';

const rnd = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

test('ClientHello round trip with typed extensions', () => {
  const ch: M.ClientHello = {
    legacyVersion: 0xfefd, random: rnd(32), legacySessionId: new Uint8Array(0), legacyCookie: new Uint8Array(0),
    cipherSuites: [0x1301, 0x1303], compressionMethods: Uint8Array.of(0),
    extensions: [
      { type: ExtensionType.supported_versions, data: E.SupportedVersions.encodeClient([0xfefc]) },
      { type: ExtensionType.supported_groups, data: E.SupportedGroups.encode([0x1d, 0x17]) },
      { type: ExtensionType.key_share, data: E.KeyShare.encodeClient([{ group: 0x1d, keyExchange: rnd(32) }]) },
      { type: ExtensionType.signature_algorithms, data: E.SignatureAlgorithms.encode([0x0807, 0x0403]) },
      { type: ExtensionType.server_name, data: E.ServerName.encode('example.com') },
      { type: ExtensionType.connection_id, data: E.ConnectionIdExt.encode(rnd(4)) },
      { type: ExtensionType.record_size_limit, data: E.RecordSizeLimit.encode(1200) },
    ],
  };
  const d = M.decodeClientHello(M.encodeClientHello(ch));
  assert.equal(d.cipherSuites, [0x1301, 0x1303]);
  assert.equal(E.SupportedVersions.decodeClient(E.findExt(d.extensions, 43)!), [0xfefc]);
  assert.equal(E.SupportedGroups.decode(E.findExt(d.extensions, 10)!), [0x1d, 0x17]);
  const ks = E.KeyShare.decodeClient(E.findExt(d.extensions, 51)!);
  assert.is(ks[0]!.group, 0x1d);
  assert.equal(Array.from(ks[0]!.keyExchange), Array.from(rnd(32)));
  assert.equal(E.SignatureAlgorithms.decode(E.findExt(d.extensions, 13)!), [0x0807, 0x0403]);
  assert.is(E.ServerName.decode(E.findExt(d.extensions, 0)!), 'example.com');
  assert.equal(Array.from(E.ConnectionIdExt.decode(E.findExt(d.extensions, 54)!)), Array.from(rnd(4)));
  assert.is(E.RecordSizeLimit.decode(E.findExt(d.extensions, 28)!), 1200);
});

test('ServerHello / HRR detection, Certificate, CertificateVerify, NST, KeyUpdate, ACK, alert', () => {
  const sh = M.decodeServerHello(M.encodeServerHello({ random: HRR_RANDOM, legacySessionIdEcho: new Uint8Array(0),
    cipherSuite: 0x1301, compressionMethod: 0, extensions: [{ type: 44, data: E.Cookie.encode(rnd(40)) }] }));
  assert.ok(sh.isHrr);
  assert.is(sh.legacyVersion, 0xfefd);
  assert.is(E.Cookie.decode(E.findExt(sh.extensions, 44)!).length, 40);
  const cert = M.decodeCertificate(M.encodeCertificate({ context: new Uint8Array(0),
    entries: [{ data: rnd(700), extensions: [] }, { data: rnd(500, 3), extensions: [] }] }));
  assert.is(cert.entries.length, 2);
  assert.is(cert.entries[1]!.data.length, 500);
  const cv = M.decodeCertificateVerify(M.encodeCertificateVerify({ scheme: 0x0403, signature: rnd(71) }));
  assert.is(cv.scheme, 0x0403);
  const nst = M.decodeNewSessionTicket(M.encodeNewSessionTicket({ lifetime: 7200, ageAdd: 0xdeadbeef,
    nonce: rnd(8), ticket: rnd(100), extensions: [{ type: 42, data: Uint8Array.of(0, 0, 4, 0) }] }));
  assert.is(nst.ageAdd, 0xdeadbeef);
  assert.is(E.EarlyData.decode(E.findExt(nst.extensions, 42)!), 1024);
  assert.is(M.decodeKeyUpdate(M.encodeKeyUpdate(true)), true);
  const acks = M.decodeAck(M.encodeAck([{ epoch: 2, seq: 5 }, { epoch: 3, seq: 2 ** 40 + 7 }]));
  assert.equal(acks, [{ epoch: 2, seq: 5 }, { epoch: 3, seq: 2 ** 40 + 7 }]);
  assert.equal(M.decodeAlert(M.encodeAlert(2, 50)), { level: 2, description: 50 });
});

test('fragments: header fields and bounds', () => {
  const { Writer } = require_writer();
  const w = new Writer();
  M.writeFragment(w, 11, 1000, 2, 100, rnd(50));
  M.writeFragment(w, 15, 10, 3, 0, rnd(10));
  const f = M.decodeFragments(w.finish());
  assert.is(f.length, 2);
  assert.is(f[0]!.fragmentOffset, 100);
  assert.is(f[0]!.fragment.length, 50);
  const bad = new Writer();
  M.writeFragment(bad, 11, 10, 2, 5, rnd(10)); // offset+len > length
  assert.throws(() => M.decodeFragments(bad.finish()), (e: unknown) => e instanceof AlertError && e.alert === 50);
});

test('duplicate extension => illegal_parameter; KeyUpdate(2) => illegal_parameter', () => {
  const ee = M.encodeEncryptedExtensions([{ type: 54, data: Uint8Array.of(0) }, { type: 54, data: Uint8Array.of(0) }]);
  assert.throws(() => M.decodeEncryptedExtensions(ee),
    (e: unknown) => e instanceof AlertError && e.alert === AlertDescription.illegal_parameter);
  assert.throws(() => M.decodeKeyUpdate(Uint8Array.of(2)),
    (e: unknown) => e instanceof AlertError && e.alert === AlertDescription.illegal_parameter);
});

test('PSK extensions decode without failing', () => {
  const { Writer } = require_writer();
  const w = new Writer();
  w.block(2, (w: InstanceType<typeof Writer>) => { w.vec(2, rnd(16)).u32(1234); });
  w.block(2, (w: InstanceType<typeof Writer>) => { w.vec(1, rnd(32)); });
  const psk = E.PreSharedKey.decodeClient(w.finish());
  assert.is(psk.identities[0]!.obfuscatedTicketAge, 1234);
  assert.equal(E.PskKeyExchangeModes.decode(Uint8Array.of(1, 1)), [1]);
});

test('property: decoders only ever throw AlertError on random and truncated input', () => {
  const decoders = [M.decodeClientHello, M.decodeServerHello, M.decodeEncryptedExtensions, M.decodeCertificate,
    M.decodeCertificateVerify, M.decodeNewSessionTicket, M.decodeKeyUpdate, M.decodeAck, M.decodeAlert,
    M.decodeFragments, M.decodeCertificateRequest, M.decodeNewConnectionId, E.KeyShare.decodeClient,
    E.PreSharedKey.decodeClient, E.ServerName.decode, E.SupportedVersions.decodeClient];
  const valid = M.encodeClientHello({ legacyVersion: 0xfefd, random: rnd(32), legacySessionId: rnd(0),
    legacyCookie: rnd(0), cipherSuites: [0x1301], compressionMethods: Uint8Array.of(0),
    extensions: [{ type: 51, data: E.KeyShare.encodeClient([{ group: 0x1d, keyExchange: rnd(32) }]) }] });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(valid.length), fc.nat(255), fc.nat(valid.length - 1),
    (bytes, cut, val, pos) => {
      const mutated = valid.slice(0, cut);
      if (pos < mutated.length) mutated[pos] = val;
      for (const d of decoders) {
        for (const input of [bytes, mutated]) {
          try { d(input); } catch (e) { if (!(e instanceof AlertError)) throw e; }
        }
      }
    }), { seed: 42, numRuns: 300 });
});




test.run();
