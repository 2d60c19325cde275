// scenarios/pq-migration.yaml: classical X25519 and hybrid X25519MLKEM768 clients. Bytes per handshake at 0 % and
// 100 % hybrid differ by the key-share sizes computed by hand; the 50 % mix lies half-way; node and noble runs of the
// hybrid scenario are byte-identical.
//
// By hand (draft-ietf-tls-ecdhe-mlkem; FIPS 203 Table 3: ek 1184 B, ciphertext 1088 B; X25519 key 32 B):
//   ClientHello key share 1216 B instead of 32      +1184
//   ServerHello key share 1120 B instead of 32      +1088
// and, no cookie: the classical client's 165-byte ClientHello lets the server send only 3 x 165 B before the client's
// address is proven, so the classical client sends one ACK (epoch 2: header 5 + ACK 2 + 2 x 16 + type 1 + tag 16 =
// 56 B) that the hybrid client (ClientHello of 1349 B) does not need. On the wire every datagram adds UDP 8 + IPv4 20
// + Ethernet 14 + FCS 4 + preamble/IFG 20 = 66 B. Every datagram here fits one 1500-byte frame.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { renderSummaryJson, stripWallTime } from '../../src/report/index.ts';
import { load } from './helpers.ts';

const FILE = 'scenarios/pq-migration.yaml';
const FRAMING = 8 + 20 + 14 + 4 + 20;
const ACK = 5 + 2 + 2 * 16 + 1 + 16;
const DELTA = 1184 + 1088 - (ACK + FRAMING);

function run(hybridWeight: number, classicalWeight: number, crypto: 'node' | 'noble' = 'node', count = 10) {
  const { scenario, model } = load(FILE, [`clients.count=${count}`, `clients.mix.groups.X25519MLKEM768=${hybridWeight}`, `clients.mix.groups.x25519=${classicalWeight}`]);
  const r = runScenario({ scenario, model, seed: 1, crypto });
  const wire = (name: string) => r.blocks.find((b) => b.name === name)?.counters?.wire_bytes ?? NaN;
  assert.is(r.summary.handshakes.completed, count);
  return { r, bytesPerHandshake: (wire('port_rx') + wire('port_tx')) / count };
}

test('bytes per handshake: 100 % hybrid - 0 % hybrid = key-share sizes - the classical ACK datagram', () => {
  const c = run(0, 1);
  const h = run(1, 0);
  assert.ok(Number.isInteger(c.bytesPerHandshake) && Number.isInteger(h.bytesPerHandshake), `${c.bytesPerHandshake} ${h.bytesPerHandshake}`);
  assert.is(h.bytesPerHandshake - c.bytesPerHandshake, DELTA);
  const m = run(1, 1, 'node', 40);
  // the mix draws each client's group by weight: bytes per handshake = classical + (hybrid share) x DELTA
  const share = (m.bytesPerHandshake - c.bytesPerHandshake) / DELTA;
  assert.ok(share > 0.2 && share < 0.8, `hybrid share ${share}`);
  assert.ok(Number.isInteger(share * 40), `${share * 40} hybrid clients`);
});

test('node and noble providers drive byte-identical runs of the hybrid mix', () => {
  const summary = (x: ReturnType<typeof runScenario>) => JSON.stringify(stripWallTime(JSON.parse(renderSummaryJson(x).data as string)));
  const a = run(1, 1, 'node', 6);
  const b = run(1, 1, 'noble', 6);
  assert.is(summary(a.r), summary(b.r));
  assert.is(a.bytesPerHandshake, b.bytesPerHandshake);
});

test.run();
