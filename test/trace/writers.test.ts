// Trace writers: structural checks of the Perfetto JSON, the VCD read back by an independent parser (and vcd2fst
// when installed), the pcapng blocks, checksums and fragments (and tshark when installed). Expected values are
// computed by hand from the tiny model (test/trace/model.ts).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parseOpTrace } from '../../src/workload/trace/format.ts';
import { replayOpTrace } from '../../src/workload/replay.ts';
import { perfettoJson } from '../../src/report/trace/perfetto.ts';
import { vcdText } from '../../src/report/trace/vcd.ts';
import { pcapng, clientIpv4, SERVER_IPV4, internetChecksum, type PcapDatagram } from '../../src/report/trace/pcapng.ts';
import { tinyModel, traceText, seal, mask } from './model.ts';
import { needTool, reportSkips } from './tools.ts';

const tmp = mkdtempSync(join(tmpdir(), 'traces-test-'));

// two jobs on one AEAD engine (seal 139000 ps, mask 15000 ps, see replay.test.ts) plus a received datagram
// (port_rx 13280 ps) and its answer
function sample() {
  const t = parseOpTrace(traceText([
    { id: 0, kind: 'send', arrival: 0, record: 7, ops: [seal(100), mask] },
    { id: 1, kind: 'send', arrival: 0, ops: [seal(100)] },
    { id: 2, kind: 'rx', arrival: 0, record: 7, ops: [{ block: 'port_rx', op: 'datagram', bytes: 100 }] },
    { id: 3, kind: 'tx', arrival: 0, parent: 2, record: 7, ops: [{ block: 'port_tx', op: 'datagram', bytes: 100 }] },
  ]));
  return replayOpTrace(t, tinyModel()).trace;
}

test('Perfetto: trace-event structure, one slice per op, flows, counters', () => {
  const text = perfettoJson(sample());
  const doc = JSON.parse(text) as { traceEvents: Record<string, any>[] };
  assert.ok(Array.isArray(doc.traceEvents));
  const phs = new Set(['M', 'X', 's', 't', 'f', 'C']);
  for (const e of doc.traceEvents) {
    assert.ok(phs.has(e.ph), `ph ${e.ph}`);
    assert.type(e.pid, 'number');
    assert.type(e.name, 'string');
    if (e.ph !== 'M') assert.type(e.ts, 'number');
  }
  const names = doc.traceEvents.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args.name);
  assert.equal(names, ['port_rx #0', 'aead #0', 'port_tx #0']);
  const x = doc.traceEvents.filter((e) => e.ph === 'X');
  assert.is(x.length, 5);
  const sealB = x.find((e) => e.args.job === 1)!;
  assert.equal([sealB.name, sealB.ts, sealB.dur, sealB.args.alg, sealB.args.bytes, sealB.args.cycles, sealB.args.queued_us], ['aead-seal', 0.139, 0.139, 'AES-128-GCM', 100, 139, 0.139]);
  // job 0: seal -> mask (s, f); record 7: seal, mask (job 0), port_rx (job 2), port_tx (job 3)
  const flows = doc.traceEvents.filter((e) => 'stf'.includes(e.ph) && e.ph.length === 1);
  const byId = new Map<number, string>();
  for (const f of flows) byId.set(f.id, (byId.get(f.id) ?? '') + f.ph);
  assert.is(byId.get(0), 'sf');
  assert.is(byId.get(15), 'sttf');
  const tx = x.find((e) => e.cat === 'port_tx')!;
  assert.equal([tx.dur, tx.args.done_us], [0.01328, 0.51328]);
  // a flow point sits on a slice of its thread that encloses it
  for (const f of flows) assert.ok(x.some((s) => s.tid === f.tid && s.ts <= f.ts && f.ts <= s.ts + s.dur), `flow ${f.id} at ${f.ts} unbound`);
  const q = doc.traceEvents.filter((e) => e.ph === 'C' && e.name === 'aead queue').map((e) => [e.ts, e.args.waiting]);
  // job 1's seal waits 0..0.139; job 0's mask waits 0.278..? no: mask submitted at 0.139 behind job 1 -> waits to 0.278
  assert.equal(q, [[0, 1], [0.278, 0]]);
});

/** Minimal VCD reader: signal values (integers) by hierarchical name at every time. */
function readVcd(text: string): { timescale: string; at(name: string, t: number): number } {
  const ids = new Map<string, string>();
  const scope: string[] = [];
  const changes = new Map<string, [number, number][]>();
  let timescale = '';
  let t = 0;
  const tok = text.split(/\s+/).filter((s) => s !== '');
  for (let i = 0; i < tok.length; i++) {
    const w = tok[i]!;
    if (w === '$timescale') timescale = tok[++i]! + ' ' + tok[++i]!;
    else if (w === '$scope') {
      scope.push(tok[i + 2]!);
      i += 3;
    } else if (w === '$upscope') {
      scope.pop();
      i++;
    } else if (w === '$var') {
      ids.set(tok[i + 3]!, [...scope, tok[i + 4]!].join('.'));
      i += 5;
    } else if (w.startsWith('#')) t = Number(w.slice(1));
    else if (w.startsWith('b')) {
      const id = tok[++i]!;
      const name = ids.get(id)!;
      if (!changes.has(name)) changes.set(name, []);
      changes.get(name)!.push([t, parseInt(w.slice(1), 2)]);
    }
  }
  return {
    timescale,
    at(name, at) {
      let v = NaN;
      for (const [ct, cv] of changes.get(name) ?? []) if (ct <= at) v = cv;
      return v;
    },
  };
}

test('VCD: 1 ps timescale, busy/queue/bytes read back at chosen instants; vcd2fst accepts it', () => {
  const text = vcdText(sample());
  const v = readVcd(text);
  assert.is(v.timescale, '1 ps');
  assert.is(v.at('server.aead.busy', 100_000), 1);
  assert.is(v.at('server.aead.queue', 100_000), 1);
  assert.is(v.at('server.aead.queue', 139_000), 1); // job 1 started, job 0's mask now waits
  assert.is(v.at('server.aead.queue', 278_000), 0);
  assert.is(v.at('server.aead.busy', 293_000), 0);
  assert.is(v.at('server.port_rx.bytes', 13_279), 100);
  assert.is(v.at('server.port_rx.bytes', 13_280), 0);
  // port_tx: job 3 starts when job 2 releases (13280), 100 B for serialization + 500 ns propagation
  assert.is(v.at('server.port_tx.bytes', 13_280 + 513_279), 100);
  assert.is(v.at('server.port_tx.bytes', 13_280 + 513_280), 0);
  // ... but the port itself is busy only while serializing (13280 ps): release = end - propagation
  assert.is(v.at('server.port_tx.busy', 2 * 13_280 - 1), 1);
  assert.is(v.at('server.port_tx.busy', 2 * 13_280), 0);
  if (needTool('vcd2fst', 'VCD conversion check')) {
    const f = join(tmp, 'x.vcd');
    writeFileSync(f, text);
    const r = spawnSync('vcd2fst', [f, join(tmp, 'x.fst')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
  }
});

/** pcapng blocks: [type, body] after checking both length fields and 32-bit alignment. */
function blocks(b: Uint8Array): [number, DataView][] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: [number, DataView][] = [];
  let at = 0;
  while (at < b.length) {
    const type = dv.getUint32(at, true);
    const len = dv.getUint32(at + 4, true);
    assert.is(len % 4, 0, 'block length multiple of 4');
    assert.ok(len >= 12 && at + len <= b.length, 'block inside the file');
    assert.is(dv.getUint32(at + len - 4, true), len, 'trailing length');
    out.push([type, new DataView(b.buffer, b.byteOffset + at + 8, len - 12)]);
    at += len;
  }
  return out;
}

test('pcapng: SHB, DSB with the key log, IDB, one EPB per frame, checksums, fragments', () => {
  const key = 'CLIENT_TRAFFIC_SECRET_0 ' + '11'.repeat(32) + ' ' + '22'.repeat(32);
  const d: PcapDatagram[] = [
    { timePs: 1_234_567, src: { ip: clientIpv4(0), port: 50000 }, dst: { ip: SERVER_IPV4, port: 4433 }, payload: new Uint8Array(100).fill(7) },
    { timePs: 5_000_000_999, src: { ip: SERVER_IPV4, port: 4433 }, dst: { ip: clientIpv4(300), port: 50300 }, payload: new Uint8Array(3000).fill(9) },
    { timePs: 6_000_000, src: { ip: SERVER_IPV4, port: 4433 }, dst: { ip: clientIpv4(1), port: 50001 }, payload: new Uint8Array(1) },
  ];
  const file = pcapng(d, { keylog: [key], application: 'test' });
  const bl = blocks(file);
  assert.equal(bl.map((x) => x[0]), [0x0a0d0d0a, 0x0000000a, 1, 6, 6, 6, 6, 6]); // 3000 B: 3008 B of UDP -> 1480 + 1480 + 48
  const shb = bl[0]![1];
  assert.is(shb.getUint32(0, true), 0x1a2b3c4d);
  const dsb = bl[1]![1];
  assert.is(dsb.getUint32(0, true), 0x544c534b);
  const klen = dsb.getUint32(4, true);
  assert.is(new TextDecoder().decode(new Uint8Array(dsb.buffer, dsb.byteOffset + 8, klen)), key + '\n');
  const idb = bl[2]![1];
  assert.is(idb.getUint16(0, true), 1);
  assert.equal([idb.getUint16(8, true), idb.getUint16(10, true), idb.getUint8(12)], [9, 1, 9]); // if_tsresol = 10^-9
  const epb = bl.slice(3).map((x) => x[1]);
  const ts = (v: DataView) => v.getUint32(4, true) * 2 ** 32 + v.getUint32(8, true);
  assert.equal(epb.map(ts), [1234, 5_000_000, 5_000_000, 5_000_000, 6000]);
  const frame = (v: DataView) => new Uint8Array(v.buffer, v.byteOffset + 20, v.getUint32(12, true));
  const f0 = frame(epb[0]!);
  assert.is(f0.length, 14 + 20 + 8 + 100);
  assert.equal([f0[12], f0[13], f0[14], f0[23]], [0x08, 0x00, 0x45, 17]);
  assert.is(internetChecksum(f0.subarray(14, 34)), 0, 'IPv4 header checksum verifies');
  assert.equal([...f0.subarray(26, 34)], [10, 0, 0, 1, 192, 0, 2, 1]);
  // UDP checksum over the pseudo-header verifies
  const pseudo = Uint8Array.of(10, 0, 0, 1, 192, 0, 2, 1, 0, 17, 0, 108);
  assert.is(internetChecksum(pseudo, f0.subarray(34)), 0);
  // fragments: offsets 0, 185, 370 (x 8 bytes), MF on the first two, same identification
  const frags = [1, 2, 3].map((i) => frame(epb[i]!));
  assert.equal(frags.map((f) => ((f[20]! << 8) | f[21]!) & 0x1fff), [0, 185, 370]);
  assert.equal(frags.map((f) => (f[20]! & 0x20) !== 0), [true, true, false]);
  assert.equal(frags.map((f) => (f[16]! << 8) | f[17]!), [20 + 1480, 20 + 1480, 20 + 48]);
  for (const f of frags) assert.is(internetChecksum(f.subarray(14, 34)), 0);
  // a 1-byte payload is padded to the 60-byte minimum frame
  assert.is(frame(epb[4]!).length, 60);
  if (needTool('tshark', 'pcapng read-back')) {
    const p = join(tmp, 'x.pcapng');
    writeFileSync(p, file);
    const r = spawnSync('tshark', ['-r', p, '-o', 'ip.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE', '-T', 'fields', '-e', 'frame.number', '-e', 'ip.checksum.status', '-e', 'udp.checksum.status'], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    assert.is(rows.length, 5);
    for (const row of rows) assert.is(row[1], '1', `ip checksum status of frame ${row[0]} (1 = good)`);
    // the reassembled datagram (frame 4) and the unfragmented ones carry a verified UDP checksum
    assert.equal([rows[0]![2], rows[3]![2], rows[4]![2]], ['1', '1', '1']);
    if (needTool('capinfos', 'Decryption Secrets Block read-back')) {
      const c = spawnSync('capinfos', [p], { encoding: 'utf8' });
      assert.match(c.stdout, /Number of decryption secrets in file: 1/);
      assert.match(c.stdout, /Time precision = nanoseconds \(9\)/);
    }
  }
});

test.after(() => {
  rmSync(tmp, { recursive: true, force: true });
  reportSkips('test/trace/writers.test.ts');
});
test.run();
