// Trace options of `npm run sim -- SCENARIO` (docs/outputs.md "Traces"): which traces of the run to write.
//   --trace ops,perfetto,vcd      operation trace (ops.jsonl), Perfetto JSON (perfetto.json), VCD (trace.vcd)
//   --trace-window START..END     only jobs arriving in [START, END) milliseconds of simulated time (default all)
//   --trace-clients N             only jobs of clients 0..N-1 (a replay of such a trace lacks the others' load)
// Kept apart from sim.ts's own options: the capture (src/workload/trace/capture.ts) is built here, handed to the
// run, and its files rendered here.
import { Option, type Command } from 'commander';
import type { ModelConfig, Scenario } from '../workload/config/index.ts';
import { TraceCapture, type CapturedDatagram } from '../workload/trace/capture.ts';
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
  if (r.kinds.includes('pcap')) {
    // in time order: a sent datagram is captured when the port releases it but recorded after its transmission, so
    // datagrams received meanwhile were recorded first (a stable sort keeps equal times in recording order)
    const packets = r.capture.datagrams.map(pcapDatagram).sort((a, b) => a.timePs - b.timePs);
    files.push({ path: FILE.pcap, data: pcapng(packets, { mtu: r.mtu, keylog: r.capture.keylog(), application: 'dtls-accel-sim' }) });
  }
  return files;
}

/** Why a run's traces hold nothing, or undefined: a --trace-window or --trace-clients that selected no job. */
export function emptyTraceWarning(r: TraceRequest, opts: TraceCliOptions): string | undefined {
  if (r.capture.recorder.jobs > 0) return undefined;
  const sel = [opts.traceWindow !== undefined ? `--trace-window ${opts.traceWindow}` : '', opts.traceClients !== undefined ? `--trace-clients ${opts.traceClients}` : '']
    .filter((x) => x).join(' and ');
  return `warning: the traces are empty: ${sel || 'the run'} selected no server job (the run's activity ended at the time in the summary)`;
}

const SERVER: PcapEndpoint = { ip: SERVER_IPV4, port: 4433 };
const UNKNOWN: PcapEndpoint = { ip: Uint8Array.of(203, 0, 113, 1), port: 9 };

/**
 * The capture's address of a peer: client i (`client-i`) is 10.x.y.z (clientIpv4(i)), UDP port 49152 + i mod 16384;
 * after its g-th NAT rebinding (`client-i.g`, src/workload/fleet.ts) the same host behind a new port, 49152 + (i + g)
 * mod 16384; a hello flood's spoofed source `spoof-n` is 100.64.0.0/10 (RFC 6598) host n, port 40000, its garbage
 * source `garbage-n` 198.18.0.0/15 (RFC 2544) host n, port 40001 (src/workload/attack.ts); anything else 203.0.113.1:9.
 * The server is 192.0.2.1:4433. Until 2026-12-08 every peer but `client-i` was filed under client 0's address.
 */
export function pcapPeer(peer: string): PcapEndpoint {
  const m = /^client-(\d+)(?:\.(\d+))?$/.exec(peer);
  if (m) {
    const i = Number(m[1]);
    const g = m[2] === undefined ? 0 : Number(m[2]);
    return { ip: clientIpv4(i), port: 49152 + ((i + g) % 16384) };
  }
  const a = /^(spoof|garbage)-(\d+)$/.exec(peer);
  if (a) {
    const n = Number(a[2]);
    const ip = a[1] === 'spoof'
      ? Uint8Array.of(100, 64 + ((n >>> 16) & 63), (n >>> 8) & 255, n & 255)
      : Uint8Array.of(198, 18 + ((n >>> 16) & 1), (n >>> 8) & 255, n & 255);
    return { ip, port: a[1] === 'spoof' ? 40000 : 40001 };
  }
  return UNKNOWN;
}

function pcapDatagram(d: CapturedDatagram): PcapDatagram {
  const client = pcapPeer(d.peer);
  return { timePs: d.timePs, src: d.toServer ? client : SERVER, dst: d.toServer ? SERVER : client, payload: d.payload };
}
