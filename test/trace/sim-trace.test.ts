// `npm run sim -- SCENARIO --trace ops,perfetto,vcd`: the trace files of a co-simulation run. Checks against the
// run's own summary (kernel statistics), not against the writers: the VCD (round-tripped through vcd2fst and
// fst2vcd when installed) integrates to each block's utilization, the operation trace has the summary's
// operation counts, and a replay of it on the same model agrees to 0 ps.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { main } from '../../src/cli/sim.ts';
import { parseOpTrace } from '../../src/workload/trace/format.ts';
import { needTool, reportSkips } from './tools.ts';
import { decryptCapture } from './pcap-keys.ts';

const tmp = mkdtempSync(join(tmpdir(), 'sim-trace-'));
const io = () => {
  const o = { out: '', err: '' };
  return { o, io: { stdout: { write: (s: string) => (o.out += s) }, stderr: { write: (s: string) => (o.err += s) } } };
};

/** Integral over time of each `server.<block>.busy` signal of a VCD (ps x instances), up to `endPs`. */
function busyIntegrals(vcd: string, endPs: number): Map<string, number> {
  const names = new Map<string, string>();
  const scope: string[] = [];
  const val = new Map<string, number>();
  const since = new Map<string, number>();
  const area = new Map<string, number>();
  const tok = vcd.split(/\s+/).filter((s) => s !== '');
  let t = 0;
  for (let i = 0; i < tok.length; i++) {
    const w = tok[i]!;
    if (w === '$scope') {
      scope.push(tok[i + 2]!);
      i += 3;
    } else if (w === '$upscope') {
      scope.pop();
      i++;
    } else if (w === '$var') {
      if (tok[i + 4] === 'busy') names.set(tok[i + 3]!, scope[scope.length - 1]!);
      i += 5;
    } else if (w.startsWith('#')) t = Number(w.slice(1));
    else if (w.startsWith('b')) {
      const b = names.get(tok[++i]!);
      if (b === undefined) continue;
      area.set(b, (area.get(b) ?? 0) + (val.get(b) ?? 0) * (t - (since.get(b) ?? 0)));
      val.set(b, parseInt(w.slice(1), 2));
      since.set(b, t);
    }
  }
  for (const [b, v] of val) area.set(b, (area.get(b) ?? 0) + v * (endPs - since.get(b)!));
  return area;
}

test('single client: ops, Perfetto and VCD written; VCD busy = kernel utilization; op counts = summary; replay 0 ps', async () => {
  const out = join(tmp, 'one');
  const a = io();
  assert.is(await main(['scenarios/single-client.yaml', '--out', out, '--trace', 'ops,perfetto,vcd,pcap', '--no-charts', '--quiet'], a.io), 0, a.o.err);
  for (const f of ['ops.jsonl', 'perfetto.json', 'trace.vcd', 'capture.pcapng', 'summary.json']) assert.ok(existsSync(join(out, f)), f);
  assert.match(readFileSync(join(out, 'report.html'), 'utf8'), /<h2>Traces<\/h2>[\s\S]*ops\.jsonl[\s\S]*perfetto\.json[\s\S]*trace\.vcd/);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const trace = parseOpTrace(readFileSync(join(out, 'ops.jsonl'), 'utf8'));
  // operations served per block = the kernel's per-block counts (the host's invocations are cpu operations; the
  // DMA's counts also hold the context cache's fetches over it, which are not operations of their own in the trace)
  for (const b of ['port_rx', 'aead', 'cpu', 'port_tx']) {
    const n = trace.jobs.reduce((s, j) => s + j.ops.filter((o) => o.block === b && o.end !== undefined).length, 0);
    assert.is(n, summary.blocks[b].ops, `${b} operations`);
  }
  // Perfetto: trace-event structure
  const doc = JSON.parse(readFileSync(join(out, 'perfetto.json'), 'utf8')) as { traceEvents: { ph: string; pid: number; name: string; ts?: number; dur?: number }[] };
  const phs = new Set(['M', 'X', 's', 't', 'f', 'C']);
  for (const e of doc.traceEvents) {
    assert.ok(phs.has(e.ph), `ph ${e.ph}`);
    assert.type(e.pid, 'number');
    assert.type(e.name, 'string');
    if (e.ph !== 'M') assert.type(e.ts, 'number');
    if (e.ph === 'X') assert.ok((e.dur ?? -1) >= 0);
  }
  // VCD (through FST and back when the tools are there): busy integrated = utilization x instances x sim time
  let vcd = readFileSync(join(out, 'trace.vcd'), 'utf8');
  if (needTool('vcd2fst', 'VCD -> FST -> VCD round trip') && needTool('fst2vcd', 'VCD -> FST -> VCD round trip')) {
    const r = spawnSync('vcd2fst', [join(out, 'trace.vcd'), join(out, 'trace.fst')], { encoding: 'utf8' });
    assert.is(r.status, 0, r.stderr);
    const b = spawnSync('fst2vcd', [join(out, 'trace.fst')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.is(b.status, 0, b.stderr);
    vcd = b.stdout;
  }
  const endPs = Math.round(summary.sim_time_s * 1e12);
  const area = busyIntegrals(vcd, endPs);
  for (const b of ['port_rx', 'aead', 'cpu', 'port_tx']) {
    const k = summary.blocks[b];
    const u = area.get(b)! / (k.instances * endPs);
    assert.ok(Math.abs(u - k.utilization) <= 1e-9 * Math.max(1, k.utilization) + 1e-12, `${b}: VCD ${u} vs kernel ${k.utilization}`);
  }
  // pcapng: one frame per datagram at the server port (none of this run's exceeds the MTU): every rx job, and
  // every tx job that left the port
  if (needTool('tshark', 'pcapng frame count')) {
    const datagrams = trace.jobs.filter((j) => j.kind === 'rx' || (j.kind === 'tx' && j.ops.some((o) => o.block === 'port_tx' && o.end !== undefined))).length;
    const r = spawnSync('tshark', ['-r', join(out, 'capture.pcapng')], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.split('\n').filter((l) => l.trim() !== '').length, datagrams);
  }
  // the key log in the capture opens every encrypted record of it with the project's record layer
  const dec = decryptCapture(readFileSync(join(out, 'capture.pcapng')), 4433);
  assert.equal([...dec.byLabel.keys()].sort(), ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', 'CLIENT_TRAFFIC_SECRET_0', 'SERVER_HANDSHAKE_TRAFFIC_SECRET', 'SERVER_TRAFFIC_SECRET_0']);
  assert.ok(dec.encrypted > 0);
  assert.is(dec.decrypted, dec.encrypted, dec.failures.join('; '));
  assert.ok((dec.byEpochType.get('3/23') ?? 0) > 0, 'application data decrypted');
  const c = io();
  assert.is(await main(['--replay', join(out, 'ops.jsonl'), '--model', 'baseline', '--out', join(out, 'replay'), '--quiet'], c.io), 0);
  assert.match(c.o.out, /largest difference from the input 0 ps \(same model\)/);
});

test('10k-clients scenario at 500 clients (the full 10000 takes minutes), --trace-window 0..50: jobs only in the window', async () => {
  const out = join(tmp, 'many');
  const a = io();
  const args = ['scenarios/10k-clients.yaml', '--set', 'clients.count=500', '--set', 'sim.end_ms=200', '--out', out, '--trace', 'ops,perfetto,vcd,pcap', '--trace-window', '0..50', '--no-charts', '--quiet'];
  assert.is(await main(args, a.io), 0, a.o.err);
  const trace = parseOpTrace(readFileSync(join(out, 'ops.jsonl'), 'utf8'));
  assert.ok(trace.jobs.length > 1000, `${trace.jobs.length} jobs`);
  for (const j of trace.jobs) assert.ok(j.arrival < 50e9, `job ${j.id} at ${j.arrival}`);
  assert.ok(existsSync(join(out, 'perfetto.json')) && existsSync(join(out, 'trace.vcd')));
  // the capture: every datagram at the port in the window (received ones at their arrival, sent ones when their
  // last bit left: port_tx release), and the keys that open every encrypted record of them
  const inWindow = (t: number | undefined) => t !== undefined && t < 50e9;
  const datagrams = trace.jobs.filter((j) => j.kind === 'rx' || (j.kind === 'tx' && j.ops.some((o) => o.block === 'port_tx' && inWindow(o.release ?? o.end)))).length;
  const dec = decryptCapture(readFileSync(join(out, 'capture.pcapng')), 4433);
  assert.is(dec.datagrams, datagrams);
  if (needTool('tshark', 'pcapng frame count')) {
    const r = spawnSync('tshark', ['-r', join(out, 'capture.pcapng')], { encoding: 'utf8', maxBuffer: 1 << 28 });
    assert.is(r.status, 0, r.stderr);
    assert.is(r.stdout.split('\n').filter((l) => l.trim() !== '').length, datagrams);
  }
  assert.ok(dec.encrypted > 500, `${dec.encrypted} encrypted records`);
  assert.is(dec.decrypted, dec.encrypted, dec.failures.join('; '));
  const c = io();
  assert.is(await main(['--replay', join(out, 'ops.jsonl'), '--model', 'baseline', '--out', join(out, 'replay'), '--quiet'], c.io), 0);
  assert.match(c.o.out, /largest difference from the input 0 ps \(same model\)/);
});

test('web-resumption (100 clients), window 150..400 ms: 0-RTT and connections begun before the window decrypt; the run is unchanged', async () => {
  const out = join(tmp, 'resume');
  const a = io();
  const base = ['scenarios/web-resumption.yaml', '--set', 'clients.count=100', '--no-charts', '--quiet'];
  assert.is(await main([...base, '--out', out, '--trace', 'pcap', '--trace-window', '150..400'], a.io), 0, a.o.err);
  const dec = decryptCapture(readFileSync(join(out, 'capture.pcapng')), 4433);
  assert.ok((dec.byLabel.get('CLIENT_EARLY_TRAFFIC_SECRET') ?? 0) > 0, 'early secrets logged');
  assert.ok((dec.byEpochType.get('1/23') ?? 0) > 0, '0-RTT application data decrypted');
  assert.ok(dec.encrypted > 500, `${dec.encrypted} encrypted records`);
  assert.is(dec.decrypted, dec.encrypted, dec.failures.join('; '));
  // the key log is taken from secrets the server derives anyway: the same run as without the capture
  const b = io();
  assert.is(await main([...base, '--out', join(tmp, 'resume-off')], b.io), 0, b.o.err);
  const strip = (f: string) => readFileSync(f, 'utf8').replace(/"wall_time_s": [^,]+,/, '');
  assert.is(strip(join(out, 'summary.json')), strip(join(tmp, 'resume-off', 'summary.json')));
  assert.is(readFileSync(join(out, 'stats.txt'), 'utf8'), readFileSync(join(tmp, 'resume-off', 'stats.txt'), 'utf8'));
});

test('capture.pcapng: NAT-rebound, spoofed and garbage sources get addresses of their own, packets in time order; an empty window warns', async () => {
  const { pcapPeer } = await import('../../src/cli/sim-trace.ts');
  const addr = (p: string) => { const e = pcapPeer(p); return `${[...e.ip].join('.')}:${e.port}`; };
  // by hand from the documented plan: client i = 10.0.0.(i+1), port 49152 + i; rebinding g: port + g
  assert.is(addr('client-0'), '10.0.0.1:49152');
  assert.is(addr('client-3'), '10.0.0.4:49155');
  assert.is(addr('client-3.1'), '10.0.0.4:49156');
  assert.is(addr('spoof-258'), '100.64.1.2:40000');
  assert.is(addr('garbage-7'), '198.18.0.7:40001');
  assert.is(addr('something'), '203.0.113.1:9');
  // a small flood: client 0's real handshake and the spoofed hellos no longer share an address
  const out = join(tmp, 'flood');
  const a = io();
  const args = ['scenarios/hello-flood.yaml', '--set', 'clients.count=4', '--set', 'attack.duration_ms=5', '--set', 'attack.garbage_rate_per_s=0', '--set', 'sim.end_ms=200', '--out', out, '--trace', 'pcap', '--no-charts', '--quiet'];
  assert.is(await main(args, a.io), 0, a.o.err);
  const dec = decryptCapture(readFileSync(join(out, 'capture.pcapng')), 4433);
  assert.ok(dec.encrypted > 0);
  assert.is(dec.decrypted, dec.encrypted, dec.failures.join('; '));
  if (needTool('tshark', 'pcapng time order')) {
    const r = spawnSync('tshark', ['-r', join(out, 'capture.pcapng'), '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'ip.src'], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'));
    const times = rows.map((x) => Number(x[0]));
    for (let i = 1; i < times.length; i++) assert.ok(times[i]! >= times[i - 1]!, `frame ${i + 1} before frame ${i}`);
    assert.ok(rows.some((x) => x[1]!.startsWith('100.64.')), 'spoofed sources in 100.64.0.0/10');
  }
  // a window after the run's end selects nothing: the traces are written, and a warning says they are empty
  const b = io();
  assert.is(await main(['scenarios/single-client.yaml', '--out', join(tmp, 'empty'), '--trace', 'ops', '--trace-window', '500..600', '--no-charts', '--quiet'], b.io), 0);
  assert.match(b.o.err, /warning: the traces are empty: --trace-window 500\.\.600 selected no server job/);
});

test('bad trace options: exit 2', async () => {
  for (const extra of [['--trace', 'ops,nope'], ['--trace', 'ops', '--trace-window', '5..1'], ['--trace-window', '0..1'], ['--trace', 'ops', '--trace-clients', '0']]) {
    const a = io();
    assert.is(await main(['scenarios/single-client.yaml', '--out', join(tmp, 'bad'), '--quiet', ...extra], a.io), 2, extra.join(' '));
    assert.ok(a.o.err.length > 0);
  }
});

test('a model that charges the host socket (models/host.yaml: cycles_per_datagram, socket buffer) is refused with --trace, not traced wrongly', async () => {
  const a = io();
  const args = ['scenarios/single-client.yaml', '--out', join(tmp, 'host'), '--quiet', '--no-charts', '--set', 'model.cpu.socket_rcvbuf_bytes=212992', '--set', 'model.cpu.cycles_per_datagram=26000'];
  assert.is(await main([...args, '--trace', 'ops'], a.io), 2);
  assert.match(a.o.err, /cpu\.cycles_per_datagram, cpu\.socket_rcvbuf_bytes/);
  const b = io();
  assert.is(await main(args, b.io), 0, b.o.err); // the same run without traces is fine
});

test.after(() => reportSkips('sim-trace.test.ts'));
test.run();
