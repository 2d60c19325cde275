// Bytes a hybrid handshake adds, against sizes computed by hand from draft-ietf-tls-ecdhe-mlkem and FIPS 203
// Table 3 (ML-KEM-768: ek 1184 B, ciphertext 1088 B; X25519 public key 32 B):
//   client key share  X25519MLKEM768 = 1184 + 32 = 1216 B   vs  x25519 = 32 B   -> ClientHello + 1184 B
//   server key share  X25519MLKEM768 = 1088 + 32 = 1120 B   vs  x25519 = 32 B   -> ServerHello + 1088 B
//   both shares (BoringSSL's default): + KeyShareEntry (group 2 + length 2 + 1216) and + 2 B in supported_groups
// Ed25519 server credential (fixed-length signatures) and a 9000-byte MTU, so that no flight is split differently
// and every other byte count is the same in both runs: the difference is exactly the key-share difference.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { KxGroup } from '../../../src/dtls/index.ts';
import { Pair, credential, providers, verifier } from './harness.ts';

function bytes(groups: KxGroup[], shares: KxGroup[], cookie: boolean, mtu = 9000): { c2s: number; s2c: number; dgC2s: number; dgS2c: number } {
  const { c, s } = providers('node', 'pqbytes');
  const n = { c2s: 0, s2c: 0, dgC2s: 0, dgS2c: 0 };
  const p = new Pair(
    { crypto: c, verifier: verifier(c), serverName: 'localhost', mtu, groups, keyShareGroups: shares },
    { crypto: s, credential: credential('ed25519'), mtu, cookie: { enabled: cookie }, groups: ['X25519MLKEM768', 'x25519'] },
    { tap: (dir, d) => { n[dir] += d.length; if (dir === 'c2s') n.dgC2s++; else n.dgS2c++; return d; } },
  );
  assert.ok(p.connect());
  p.settle(100);
  return n;
}

const CH_DELTA = 1216 - 32;
const SH_DELTA = 1120 - 32;

// With a cookie the client's address is proven before the server's flight, so no anti-amplification limit splits it.
test(`cookie on: hybrid minus classical = key-share sizes (client ${CH_DELTA} per ClientHello, twice; server ${SH_DELTA})`, () => {
  const classical = bytes(['x25519'], ['x25519'], true);
  const hybrid = bytes(['X25519MLKEM768'], ['X25519MLKEM768'], true);
  assert.is(hybrid.dgC2s, classical.dgC2s);
  assert.is(hybrid.dgS2c, classical.dgS2c);
  assert.is(hybrid.c2s - classical.c2s, 2 * CH_DELTA); // ClientHello 1 and 2 both carry the share
  assert.is(hybrid.s2c - classical.s2c, SH_DELTA);
  const both = bytes(['X25519MLKEM768', 'x25519'], ['X25519MLKEM768', 'x25519'], true);
  assert.is(both.c2s - classical.c2s, 2 * (2 + 2 + 1216 + 2));
  assert.is(both.s2c - classical.s2c, SH_DELTA);
});

// At MTU 1400 ClientHello 1 still fits (1349 / 1387 B) but ClientHello 2 with the cookie (1431 / 1469 B) does not:
// its second fragment costs a record header (13) and a handshake fragment header (12). The server's flight splits
// into two datagrams at a record boundary: one more datagram, no more bytes.
test('cookie on, MTU 1400: ClientHello 2 fragmented (+13 +12 B), server flight in 2 datagrams (+0 B)', () => {
  const classical = bytes(['x25519'], ['x25519'], true, 1400);
  for (const groups of [['X25519MLKEM768'], ['X25519MLKEM768', 'x25519']] as KxGroup[][]) {
    const h = bytes(groups, groups, true, 1400);
    const share = groups.length === 1 ? CH_DELTA : 2 + 2 + 1216 + 2;
    assert.is(h.dgC2s, classical.dgC2s + 1);
    assert.is(h.dgS2c, classical.dgS2c + 1);
    assert.is(h.c2s - classical.c2s, 2 * share + 13 + 12);
    assert.is(h.s2c - classical.s2c, SH_DELTA);
  }
});

// Without a cookie the server may send only 3 x what it received before the client proves its address (RFC 9147
// 5.1 / RFC 9000 8.1): after a classical 165-byte ClientHello the server holds part of its flight back until the
// client's ACK (an epoch-2 record: header 5 + ACK 2 + 2 record numbers x 16 + content type 1 + tag 16 = 56 B);
// the hybrid ClientHello buys a budget of 3 x 1349 B and the flight goes out without that ACK.
test('cookie off: the anti-amplification wait of the classical handshake (one client ACK) disappears with the hybrid share', () => {
  const classical = bytes(['x25519'], ['x25519'], false);
  const hybrid = bytes(['X25519MLKEM768'], ['X25519MLKEM768'], false);
  assert.is(hybrid.dgC2s, classical.dgC2s - 1);
  assert.is(hybrid.dgS2c, classical.dgS2c);
  assert.is(hybrid.c2s - classical.c2s, CH_DELTA - (5 + 2 + 2 * 16 + 1 + 16));
  assert.is(hybrid.s2c - classical.s2c, SH_DELTA);
});

test.run();
