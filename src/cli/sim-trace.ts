// Trace options of `npm run sim -- SCENARIO` (docs/outputs.md "Traces"): which traces of the run to write.
//   --trace ops,perfetto,vcd      operation trace (ops.jsonl), Perfetto JSON (perfetto.json), VCD (trace.vcd)
//   --trace-window START..END     only jobs arriving in [START, END) milliseconds of simulated time (default all)
//   --trace-clients N             only jobs of clients 0..N-1 (a replay of such a trace lacks the others' load)
// Kept apart from sim.ts's own options: the capture (src/workload/trace/capture.ts) is built here, handed to the
// run, and its files rendered here.
import { Option, type Command } from 'commander';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import { TraceCapture, clientIndex, type CapturedDatagram } from '../workload/trace/capture.ts';
import { clientIpv4, pcapng, SERVER_IPV4, type PcapDatagram, type PcapEndpoint } from '../report/trace/pcapng.ts';
import { modelDigest } from '../workload/trace/format.ts';
import { perfettoJson } from '../report/trace/perfetto.ts';
import { vcdText } from '../report/trace/vcd.ts';
import { opTraceBytes } from './trace-file.ts';

export const TRACE_KINDS = ['ops', 'perfetto', 'vcd', 'pcap'] as const;
export type TraceKind = (typeof TRACE_KINDS)[number];
const FILE: Record<TraceKind, string> = { ops: 'ops.jsonl', perfetto: 'perfetto.json', vcd: 'trace.vcd', pcap: 'capture.pcapng' };

export interface TraceCliOptions {
  trace?: string;
  traceWindow?: string;
  traceClients?: string;
}

/** A bad trace option (exit status 2). */
export class TraceOptionError extends Error {
  override name = 'InputError'; // sim.ts: bad input, exit status 2
}

export function addTraceOptions(program: Command): Command {
  return program
    .addOption(new Option('--trace <kinds>', `traces to write, comma-separated: ${TRACE_KINDS.join(', ')}`))
    .addOption(new Option('--trace-window <ms..ms>', 'trace only jobs arriving in START..END ms of simulated time'))
    .addOption(new Option('--trace-clients <n>', 'trace only the jobs of clients 0..N-1'));
}

export interface TraceRequest {
  kinds: TraceKind[];
  capture: TraceCapture;
  /** IP MTU of the scenario's network (the capture fragments larger datagrams as the port model does). */
  mtu: number;
}

const PS_PER_MS = 1e9;

/** The capture the options ask for, or undefined without --trace. Throws TraceOptionError on a bad value. */
export function traceRequest(o: TraceCliOptions, scenario: Scenario, model: ModelConfig, seed: number): TraceRequest | undefined {
  if (o.trace === undefined) {
    if (o.traceWindow !== undefined || o.traceClients !== undefined) throw new TraceOptionError('--trace-window and --trace-clients need --trace');
    return undefined;
  }
  const kinds = o.trace.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const bad = kinds.filter((k) => !(TRACE_KINDS as readonly string[]).includes(k));
  if (bad.length || kinds.length === 0) throw new TraceOptionError(`--trace: unknown kind(s) ${bad.join(', ') || '(none)'} (one or more of ${TRACE_KINDS.join(', ')})`);
  // The operation trace has no record of the host's socket work (cpu.cycles_per_datagram, with its wake-ups) nor of
  // the socket receive buffer (cpu.socket_rcvbuf_bytes): a capture of such a model could not be replayed (not built).
  const socketParams = [model.cpu.cycles_per_datagram > 0 ? 'cpu.cycles_per_datagram' : '', model.cpu.socket_rcvbuf_bytes > 0 ? 'cpu.socket_rcvbuf_bytes' : ''].filter((x) => x !== '');
  if (socketParams.length) throw new TraceOptionError(`--trace: model ${model.name} charges the host socket (${socketParams.join(', ')} > 0), which traces do not record yet; to trace, set them to 0 (--set model.cpu.cycles_per_datagram=0 --set model.cpu.socket_rcvbuf_bytes=0)`);
  let from: number | undefined;
  let to: number | undefined;
  if (o.traceWindow !== undefined) {
    const m = /^(\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(o.traceWindow);
    if (!m || Number(m[2]) <= Number(m[1])) throw new TraceOptionError(`--trace-window: expected START..END in ms with START < END, got ${o.traceWindow}`);
    from = Math.round(Number(m[1]) * PS_PER_MS);
    to = Math.round(Number(m[2]) * PS_PER_MS);
  }
  let clients: number | undefined;
  if (o.traceClients !== undefined) {
    if (!/^[1-9]\d*$/.test(o.traceClients)) throw new TraceOptionError(`--trace-clients: expected a positive integer, got ${o.traceClients}`);
    clients = Number(o.traceClients);
  }
  const source: Record<string, unknown> = { scenario: scenario.name ?? null, seed };
  if (from !== undefined) source.window_ps = [from, to];
  if (clients !== undefined) source.clients = clients;
  const capture = new TraceCapture({ model: model.name, params_digest: modelDigest(model), source }, { from, to }, clients);
  return { kinds: [...new Set(kinds)] as TraceKind[], capture, mtu: scenario.network.mtu };
}

const WHAT: Record<TraceKind, string> = {
  ops: 'operation trace (JSON Lines; npm run sim -- --replay)',
  perfetto: 'Chrome trace-event JSON (ui.perfetto.dev)',
  vcd: 'Value Change Dump, 1 ps (GTKWave)',
  pcap: 'datagrams at the server port with the key log of their connections (Wireshark)',
};

/** The trace files the request writes, for report.html. */
export function traceList(r: TraceRequest | undefined): { path: string; what: string }[] {
  return r ? r.kinds.map((k) => ({ path: FILE[k], what: WHAT[k] })) : [];
}

/** The trace files of a finished run. */
export function traceFiles(r: TraceRequest): { path: string; data: string | Uint8Array }[] {
  const files: { path: string; data: string | Uint8Array }[] = [];
  const ops = r.kinds.includes('ops') ? opTraceBytes(r.capture.recorder) : undefined;
  if (ops !== undefined) files.push({ path: FILE.ops, data: ops });
  if (r.kinds.includes('perfetto') || r.kinds.includes('vcd')) {
    const t = r.capture.trace();
    if (r.kinds.includes('perfetto')) files.push({ path: FILE.perfetto, data: perfettoJson(t) });
    if (r.kinds.includes('vcd')) files.push({ path: FILE.vcd, data: vcdText(t) });
  }
  if (r.kinds.includes('pcap')) files.push({ path: FILE.pcap, data: pcapng(r.capture.datagrams.map(pcapDatagram), { mtu: r.mtu, keylog: r.capture.keylog(), application: 'dtls-accel-sim' }) });
  return files;
}

const SERVER: PcapEndpoint = { ip: SERVER_IPV4, port: 4433 };

/** Client i is 10.x.y.z (clientIpv4(i)), UDP port 49152 + i mod 16384; the server 192.0.2.1:4433. */
function pcapDatagram(d: CapturedDatagram): PcapDatagram {
  const i = clientIndex(d.peer);
  const n = Number.isInteger(i) ? i : 0;
  const client: PcapEndpoint = { ip: clientIpv4(n), port: 49152 + (n % 16384) };
  return { timePs: d.timePs, src: d.toServer ? client : SERVER, dst: d.toServer ? SERVER : client, payload: d.payload };
}
