// single-client: per-record latency equals the hand-computed sum of the block service times, from the numbers in
// models/baseline.yaml and the scenario, written out here by hand (not through src/hw's timing functions).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCosim } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

const ceilPs = (ns: number) => Math.ceil(ns * 1000);
// ---- record on the wire: 1200 B payload + 1 content type byte + 16 tag + 5 header (S=16-bit seq, L) = 1222 B
const PAYLOAD = 1200;
const INNER = PAYLOAD + 1; // DTLSInnerPlaintext
const DGRAM = INNER + 16 + 5; // 1222
const WIRE = DGRAM + 8 + 20 + 14 + 4 + 20; // UDP, IPv4, MAC, FCS, preamble+IFG = 1288
// ---- network (scenario): 1000 Mbit/s access link, one way = rtt/2 = 50 us, no jitter
const ACCESS = WIRE * 8 * 1000; // ps at 1 Gbit/s (1 bit = 1 ns)
const ONE_WAY = 50e6;
// ---- client costs (scenario defaults, docs/scenarios.md): record_us 1, aead 0.5 us + 0.5 ns/B, mask 200 ns
const CLIENT_SEAL = 1e6 + 0.5e6 + 0.5 * INNER * 1000 + 200e3;
const CLIENT_OPEN = 1e6 + 0.5e6 + 0.5 * (INNER + 16) * 1000 + 200e3;
// ---- server blocks (models/baseline.yaml)
const PORT = ceilPs((WIRE * 8) / 100); // 100 Gbit/s
const PROPAGATION = 500e3; // port.propagation_ns
const DMA = ceilPs((DGRAM * 8) / 50) + 750e3; // 50 Gbit/s + descriptor 750 ns
const CACHE_HIT = 4e3; // ctx_cache.hit_ns
const cpu = (cycles: number) => Math.ceil((cycles * 1e12) / 2.6e9); // 2.6 GHz
const PROTOCOL = cpu(1500); // cycles_per_record
const INVOKE = cpu(1000); // invocation_cycles, once per job
const MASK = (4 + 11) * 1000; // mask_setup_cycles + one AES-128 block at 1 GHz
const AEAD = (40 + (Math.ceil(5 / 16) + Math.ceil(INNER / 16) + 1) * 11) * 1000; // setup + (AAD + payload + length) x 11

const UP = CLIENT_SEAL + ACCESS + ONE_WAY + PORT + DMA + CACHE_HIT + PROTOCOL + INVOKE + MASK + AEAD;
const DOWN = PROTOCOL + INVOKE + AEAD + MASK + DMA + PORT + PROPAGATION + ONE_WAY + ACCESS + CLIENT_OPEN;

test('single-client: each record latency equals the hand-computed sum of service times', () => {
  const { scenario, model } = load('scenarios/single-client.yaml');
  const up: number[] = [];
  const down: number[] = [];
  const run = runCosim({ scenario, model, seed: 1, crypto: 'node', onRecord: (l, toServer) => (toServer ? up : down).push(l) });
  assert.is(run.acc.handshakesCompleted, 1);
  assert.is(up.length, 5);
  assert.is(down.length, 5);
  // the first record follows the client's Finished onto the access link; records 2..5 see an idle system
  for (const l of up.slice(1)) assert.ok(Math.abs(l - UP) <= 20, `up ${l} ps vs hand-computed ${UP} ps`);
  for (const l of down.slice(1)) assert.ok(Math.abs(l - DOWN) <= 20, `down ${l} ps vs hand-computed ${DOWN} ps`);
  assert.ok(up[0]! >= UP, 'the first record cannot be faster than an idle system');
});

test('single-client: same seed, same run; retransmission-free handshake', () => {
  const { scenario, model } = load('scenarios/single-client.yaml');
  const a: number[] = [];
  const b: number[] = [];
  runCosim({ scenario, model, seed: 7, crypto: 'node', onRecord: (l) => a.push(l) });
  const r = runCosim({ scenario, model, seed: 7, crypto: 'node', onRecord: (l) => b.push(l) });
  assert.equal(a, b);
  assert.is(r.acc.handshakesFailed, 0);
});
// Protocol work on the server's host CPU, counted by hand from the protocol (RFC 9147 flights, one job per datagram):
//   no cookie: the ClientHello is answered before the client's address is validated, so the anti-amplification
//   limit (RFC 9147 section 5.1: at most 3x the bytes received) applies and the server seals each flight message in
//   its own record, one record per datagram; the 3 x 152-byte budget of the ClientHello datagram lets ServerHello and
//   EncryptedExtensions go, the rest of the flight waits.
//   - handshake messages: ClientHello in; ServerHello, EncryptedExtensions, Certificate, CertificateVerify, Finished
//     out; client Finished in = 7
//   - handshake records (while the connection handshakes): ClientHello + 5 flight records = 6; the client's ACK of
//     the partial flight (it validates the address and releases the held datagrams) = 1; client Finished + the
//     server's ACK of it = 2; total 9
//   - records after the handshake: 5 echo records in + 5 out + the client's close_notify = 11
//   with cookie (clients.cookie=true): ClientHello1 in + HelloRetryRequest out are handled statelessly (2 messages,
//   2 records); the second ClientHello carries a valid cookie, so the address is validated and the flight packs
//   ServerHello into one epoch-0 record and EncryptedExtensions..Finished (two 0.5 kB ECDSA certificates) into one
//   epoch-2 record below the 1472-byte datagram limit: 1 + 2 records; then client Finished + ACK = 2.
//   - handshake messages: 2 + 1 + 5 + 1 = 9; handshake records: 2 + 3 + 2 = 7; records: 11 as above
// models/baseline.yaml: cycles_per_handshake_message 20000, cycles_per_record 1500 (handshake records included).
const MSG_CYCLES = 20000;
const REC_CYCLES = 1500;
const CASES = [
  { label: 'no cookie', overrides: [] as string[], messages: 7, handshakeRecords: 9, records: 11 },
  { label: 'cookie', overrides: ['clients.cookie=true'], messages: 9, handshakeRecords: 7, records: 11 },
];
for (const c of CASES) {
  test(`single-client (${c.label}): host protocol work is exactly ${c.messages} messages, ${c.handshakeRecords} handshake records, ${c.records} records`, () => {
    const { scenario, model } = load('scenarios/single-client.yaml', c.overrides);
    const run = runCosim({ scenario, model, seed: 1, crypto: 'node' });
    assert.is(run.acc.handshakesCompleted, 1);
    assert.is(run.retransmissions, 0);
    const cpuStats = run.blockStats.find((b) => b.name === 'cpu')!;
    assert.is(cpuStats.ops['handshake-message'], c.messages);
    assert.is(cpuStats.ops['handshake-record'], c.handshakeRecords);
    assert.is(cpuStats.ops.record, c.records);
    assert.is(cpuStats.counters?.protocol_cycles, c.messages * MSG_CYCLES + (c.handshakeRecords + c.records) * REC_CYCLES);
  });
}
test.run();
