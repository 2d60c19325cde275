// Device fleets (src/workload/device-psk.ts, src/workload/fleet.ts) on iot-fleet.yaml at small counts: external PSKs
// in psk_ke use no public-key operation at all, psk_dhe_ke one key share and one shared secret per side; CCM_8
// records carry an 8-byte tag; CIDs grow every client record header by their length; NAT rebinding keeps the
// connection with CIDs and forces a new handshake without; churn makes new handshakes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { runCosim } from '../../src/workload/cosim.ts';
import type { CryptoOp } from '../../src/dtls/index.ts';
import { createHmac } from 'node:crypto';
import { DevicePsk } from '../../src/workload/device-psk.ts';
import { Kernel, Rng } from '../../src/sim/index.ts';
import { Fleet } from '../../src/workload/fleet.ts';
import type { Client, ClientSide } from '../../src/workload/client-side.ts';
import type { ServerApp } from '../../src/workload/server-app.ts';
import { load } from './helpers.ts';

const FILE = 'scenarios/iot-fleet.yaml';
/** N devices over 1 s, statistics from t = 0, sending for `sendMs` after their handshake (then close: the run drains). */
const small = (n: number, sendMs: number, more: string[] = []) =>
  load(FILE, [`clients.count=${n}`, 'clients.arrival.duration_ms=1000', 'sim.warmup_ms=0', `traffic.duration_ms=${sendMs}`, ...more]);

test('device PSKs: identity device-<i>, key derived from the seed and the identity; the server knows only devices of the fleet', () => {
  const a = new DevicePsk({ mode: 'psk_ke' }, new Rng(1).stream('psk'), 10);
  const b = new DevicePsk({ mode: 'psk_ke' }, new Rng(1).stream('psk'), 10);
  const c = new DevicePsk({ mode: 'psk_ke' }, new Rng(2).stream('psk'), 10);
  const id3 = DevicePsk.identity(3);
  assert.is(new TextDecoder().decode(id3), 'device-3');
  assert.equal(a.key(id3), b.key(id3));
  // HMAC-SHA256(fleet key, identity), the fleet key the first 32 bytes of the stream 'psk' (node:crypto here)
  const fleetKey = new Uint8Array(32);
  new Rng(1).stream('psk').fill(fleetKey);
  assert.is(Buffer.from(a.key(id3)).toString('hex'), createHmac('sha256', fleetKey).update('device-3').digest('hex'));
  assert.is.not(Buffer.from(a.key(id3)).toString('hex'), Buffer.from(a.key(DevicePsk.identity(4))).toString('hex'));
  assert.is.not(Buffer.from(a.key(id3)).toString('hex'), Buffer.from(c.key(id3)).toString('hex'));
  const lookup = a.server().lookup!;
  assert.equal(lookup(id3)!.key, a.key(id3));
  for (const bad of ['device-10', 'device-03', 'device-', 'sensor-3', 'device-3x']) assert.is(lookup(new TextEncoder().encode(bad)), undefined, bad);
  // what every client configuration reads follows the client at work
  a.current = 7;
  assert.equal(a.client.identity, DevicePsk.identity(7));
  assert.equal(a.client.key, a.key(DevicePsk.identity(7)));
});

test('psk_ke: no public-key operation anywhere; every handshake is external_psk in psk_ke', () => {
  const { scenario, model } = small(40, 15_000, ['network.nat_rebinding_per_min=0']);
  const r = runScenario({ scenario, model });
  const s = r.summary;
  assert.is(s.handshakes.completed, 40);
  assert.is(s.blocks.pke!.ops, 0);
  const k = s.handshake_kinds!;
  assert.is(k.external_psk!.count, 40);
  assert.equal(k.external_psk!.modes, { psk_ke: 40, psk_dhe_ke: 0 });
  assert.is(k.external_psk!.client_pke_ops_per_handshake, 0);
  assert.is(k.external_psk!.server_handshakes, 40);
  assert.is(k.external_psk!.server_pke_ops_per_handshake!.total, 0);
  assert.is(k.full!.count, 0);
  assert.is(k.resumed!.count, 0);
  assert.is(s.records.lost, 0);
  assert.ok(s.records.received > 0);
});

test('psk_dhe_ke: one X25519 key share and one shared secret per side and handshake, no signature', () => {
  const { scenario, model } = small(30, 5_000, ['network.nat_rebinding_per_min=0', 'clients.psk.mode=psk_dhe_ke']);
  const s = runScenario({ scenario, model }).summary;
  const k = s.handshake_kinds!.external_psk!;
  assert.is(k.count, 30);
  assert.equal(k.modes, { psk_ke: 0, psk_dhe_ke: 30 });
  assert.is(k.client_pke_ops_per_handshake, 2);
  assert.equal(k.server_pke_ops_per_handshake, { sign: 0, verify: 0, keygen: 1, derive: 1, total: 2 });
  assert.is(s.blocks.pke!.ops, 2 * 30);
});

test('CCM_8 records: every AEAD operation is AES-128-CCM-8 with an 8-byte tag; CCM has 16', () => {
  for (const [suite, alg, tag] of [['TLS_AES_128_CCM_8_SHA256', 'AES-128-CCM-8', 8], ['TLS_AES_128_CCM_SHA256', 'AES-128-CCM', 16]] as const) {
    const { scenario, model } = small(5, 25_000, ['network.nat_rebinding_per_min=0']);
    const sc = { ...scenario, clients: { ...scenario.clients, mix: { ...scenario.clients.mix, suites: { [suite]: 1 } } } };
    const seals: CryptoOp[] = [];
    const run = runCosim({ scenario: sc, model, seed: 1, crypto: 'node', onCryptoOp: (op) => { if (op.op === 'aead-seal') seals.push(op); } });
    assert.is(run.acc.handshakesCompleted, 5);
    assert.is(run.acc.recordsReceived, run.acc.recordsSent);
    assert.ok(run.acc.recordsReceived >= 5 * 2 * 3, `${run.acc.recordsReceived} records`);
    assert.ok(seals.length > 0);
    for (const op of seals) {
      assert.is(op.alg, alg);
      assert.is(op.outputBytes, op.inputBytes + tag);
    }
  }
});

test('connection IDs: every client record carries the CID (header and wire bytes grow by its length)', () => {
  const rx = (len: number) => {
    const { scenario, model } = small(1, 45_000, ['network.nat_rebinding_per_min=0', `clients.connection_id_length=${len}`, 'traffic.direction=up']);
    const aad = new Set<number>();
    const run = runCosim({ scenario, model, seed: 1, crypto: 'node', onCryptoOp: (op) => { if (op.op === 'aead-open' && op.aadBytes !== undefined) aad.add(op.aadBytes); } });
    const port = run.blockStats.find((b) => b.name === 'port_rx')!;
    return { records: run.acc.recordsSent, aad, bytes: port.bytes, datagrams: port.ops['rx'] ?? Object.values(port.ops).reduce((a, b) => a + b, 0) };
  };
  const none = rx(0);
  const four = rx(4);
  const eight = rx(8);
  assert.is(none.records, 5); // one record every 10 s for 45 s after the handshake
  assert.is(four.records, 5);
  // the server opens client records: unified header 5 B (flags, 16-bit sequence number, length), + CID
  assert.equal([...none.aad].sort(), [5]);
  assert.ok(four.aad.has(9) && !four.aad.has(13), [...four.aad].join());
  assert.ok(eight.aad.has(13), [...eight.aad].join());
  // same handshake messages at 4 and 8 bytes (only the CID differs): every client datagram after the ServerHello
  // carries one record with the CID; at least the 5 application records
  const grow = eight.bytes - four.bytes;
  assert.is(grow % 4, 0);
  assert.ok(grow >= 4 * 5 && grow <= 4 * (eight.datagrams - 1), `${grow} bytes over ${eight.datagrams} datagrams`);
});

function rebinding(cid: number) {
  const { scenario, model } = small(60, 30_000, ['network.nat_rebinding_per_min=1', `clients.connection_id_length=${cid}`]);
  return runScenario({ scenario, model }).summary;
}

test('NAT rebinding with CIDs: the server moves the connection, records keep flowing, no new handshake', () => {
  const s = rebinding(4);
  const f = s.fleet!;
  assert.ok(f.nat_rebindings >= 10, `${f.nat_rebindings} rebindings`);
  assert.ok(f.migrated >= 1 && f.migrated <= f.nat_rebindings, `${f.migrated} migrated`);
  assert.is(f.dead_reconnects, 0);
  assert.is(f.churn_reconnects, 0);
  assert.is(s.handshakes.offered, 60);
  assert.is(s.handshakes.completed, 60);
  assert.is(f.stale_server_connections, 0);
  // only echoes on their way to an address the NAT had just dropped are lost
  assert.is(s.records.lost, s.conservation.dtls.dropped.nat_rebinding ?? 0);
  assert.is(s.conservation.dtls.in_flight, 0);
});

test('NAT rebinding without CIDs: records dropped by the server, the client reconnects with a new handshake', () => {
  const s = rebinding(0);
  const f = s.fleet!;
  assert.ok(f.nat_rebindings >= 10, `${f.nat_rebindings} rebindings`);
  assert.is(f.migrated, 0);
  assert.ok(f.dead_reconnects >= 1, `${f.dead_reconnects} reconnects`);
  assert.ok(f.server_dropped_datagrams >= f.dead_reconnects);
  // every reconnect is a new (external PSK) handshake
  assert.is(s.handshakes.completed, 60 + f.dead_reconnects);
  assert.is(s.handshake_kinds!.external_psk!.count, s.handshakes.completed);
  // the abandoned server connections stay behind
  assert.ok(f.stale_server_connections >= f.dead_reconnects && f.stale_server_connections <= f.nat_rebindings);
  assert.ok(s.records.lost >= f.dead_reconnects);
});

test('churn: connected devices close and reconnect with new handshakes; the server closes the old connections', () => {
  const { scenario, model } = small(60, 30_000, ['network.nat_rebinding_per_min=0', 'clients.churn_per_min=1']);
  const s = runScenario({ scenario, model }).summary;
  const f = s.fleet!;
  assert.ok(f.churn_reconnects >= 10, `${f.churn_reconnects} churn reconnects`);
  assert.is(f.nat_rebindings, 0);
  assert.is(s.handshakes.offered, 60 + f.churn_reconnects);
  assert.is(s.handshakes.completed, 60 + f.churn_reconnects);
  assert.is(f.stale_server_connections, 0);
});

test('iot-fleet is deterministic: byte-identical summary twice at 300 devices', async () => {
  const { renderSummaryJson, stripWallTime } = await import('../../src/report/index.ts');
  const json = () => {
    const { scenario, model } = load(FILE, ['clients.count=300']);
    return JSON.stringify(stripWallTime(JSON.parse(renderSummaryJson(runScenario({ scenario, model })).data as string)));
  };
  const a = json();
  assert.is(a, json());
  const s = JSON.parse(a) as { fleet: { nat_rebindings: number }; blocks: { pke: { ops: number } } };
  assert.ok(s.fleet.nat_rebindings > 0);
  assert.is(s.blocks.pke.ops, 0);
});

test('dead-association rule: two records in a row unanswered, the first for initial_rto_ms; one lost echo is not enough', () => {
  const S = 1e12; // ps per s
  const k = new Kernel();
  const left: string[] = [];
  const c = { i: 0, done: false, rejoin: false, ep: { isConnected: true } } as unknown as Client;
  const side = { clients: [c], byAddr: new Map(), done: 0, work: (_c: Client, f: (ep: unknown) => void) => f({ close: () => left.push('close'), abandon: () => left.push('abandon') }) } as unknown as ClientSide;
  const f = new Fleet(k, side, { count: 1, churnPerMin: 0, rebindPerMin: 0, deadAfterPs: 1 * S, echo: true, endPs: 100 * S }, new Rng(1).stream('a'), new Rng(1).stream('b'), {} as ServerApp);
  f.sent(c, 0); // its echo is lost
  assert.is(f.holdsRecord(c, 10 * S), false); // one unanswered record: send the next
  f.sent(c, 10 * S);
  f.answered(c); // the next one's echo comes back: the association lives
  assert.is(f.holdsRecord(c, 20 * S), false);
  f.sent(c, 20 * S);
  assert.is(f.holdsRecord(c, 30 * S), false);
  f.sent(c, 30 * S); // two in a row unanswered, the first 10 s ago
  assert.is(f.holdsRecord(c, 40 * S), true);
  assert.is(f.dead_reconnects, 1);
  assert.equal(left, ['abandon']);
  assert.is(c.rejoin, true);
  // fast traffic: two unanswered within the timeout are not enough; at the timeout they are
  c.rejoin = false;
  for (let t = 0; t < 5; t++) f.sent(c, 50 * S + t * 1e9);
  assert.is(f.holdsRecord(c, 50.5 * S), false);
  assert.is(f.holdsRecord(c, 51 * S), true);
  // echo traffic only: an `up` client never hears back, so it never decides
  const up = new Fleet(k, side, { count: 1, churnPerMin: 0, rebindPerMin: 0, deadAfterPs: 1 * S, echo: false, endPs: 100 * S }, new Rng(1).stream('a'), new Rng(1).stream('b'), {} as ServerApp);
  c.rejoin = false;
  up.sent(c, 0);
  up.sent(c, S);
  assert.is(up.holdsRecord(c, 10 * S), false);
});


test('a flow so sparse that its next record lies beyond the simulator time range ends with the run (no crash)', () => {
  // 10^-4 records/s: a gap of 10^4 s = 10^16 ps, beyond the kernel's 2^53 ps; each device sends its first record only
  const { scenario, model } = small(20, 60_000, ['traffic.rate.records_per_s=0.0001', 'network.nat_rebinding_per_min=0']);
  const s = runScenario({ scenario, model }).summary;
  assert.is(s.handshakes.completed, 20);
  // one record each way per device (the echo counts too), then nothing more within the run
  assert.is(s.records.sent, 40);
  assert.is(s.records.received, 40);
});

test('the shipped half-open cap holds the fleet arrival rate (100,000 handshakes/s); the default 4,096 does not', () => {
  // 5,000 devices over 50 ms: the 10^6-over-10-s rate, ~5,000 half-open at the server at once
  const at = (more: string[]) => load(FILE, ['clients.count=5000', 'clients.arrival.duration_ms=50', 'sim.warmup_ms=0',
    'sim.end_ms=400', 'traffic.duration_ms=400', ...more]);
  const shipped = runScenario(at([])).summary;
  assert.is(shipped.handshakes.completed, 5000);
  assert.is(shipped.handshakes.half_open_dropped, 0);
  assert.is(shipped.handshakes.retransmissions, 0);
  assert.is(shipped.fleet!.server_dropped_datagrams, 0);
  const capped = runScenario(at(['dtls.half_open.max=4096'])).summary;
  // evicted after the server's last flight: the clients still complete, their Finished then reaches nothing
  assert.ok(capped.handshakes.half_open_dropped >= 5000 - 4096, String(capped.handshakes.half_open_dropped));
  assert.ok(capped.handshakes.retransmissions > 0);
  assert.ok(capped.fleet!.server_dropped_datagrams > 0);
});

test('dormant connections change nothing: the fleet summary is identical with idle endpoints asleep and awake', () => {
  // 300 devices, 10 s of one record per 10 s each, NAT rebinding at 50 %/min (CID migrations of sleeping connections)
  const { scenario, model } = small(300, 10_000, ['network.nat_rebinding_per_min=0.5', 'sim.end_ms=12000']);
  const slept = runScenario({ scenario, model });
  const awake = runScenario({ scenario, model, dormancy: false });
  assert.ok(slept.summary.fleet!.migrated > 0);
  assert.equal(JSON.stringify(slept.summary), JSON.stringify(awake.summary));
});

test('dormant connections change nothing with one-way traffic either: devices uploading, the server downloading', () => {
  // the exchange is over after each record (no echo): both ends sleep right after it (src/workload/dormancy.ts)
  for (const direction of ['up', 'down']) {
    const { scenario, model } = small(100, 8_000, [`traffic.direction=${direction}`, 'traffic.rate.records_per_s=1', 'sim.end_ms=10000']);
    const slept = runScenario({ scenario, model });
    const awake = runScenario({ scenario, model, dormancy: false });
    assert.ok(slept.summary.throughput.records_per_s > 0, direction);
    assert.equal(JSON.stringify(slept.summary), JSON.stringify(awake.summary), direction);
  }
});

test('progress of a fleet whose devices never finish follows the simulated time', () => {
  const { scenario, model } = small(50, 20_000, ['sim.end_ms=4000', 'sim.timeseries_interval_ms=500', 'traffic.rate.records_per_s=1']);
  const seen: [number, number][] = [];
  runCosim({ scenario, model, seed: 1, crypto: 'node', onProgress: (f, t) => seen.push([f, t]) });
  assert.ok(seen.length >= 6, String(seen.length));
  for (const [f, t] of seen) assert.ok(Math.abs(f - t / 4) < 1e-9, `${f} at ${t} s`);
});

test.run();
