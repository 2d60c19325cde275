// `npm run calibrate [-- --out models/host.yaml] [--crypto node|noble] [--reps N] [--priority fifo|nice|none] [--json]`
// Exit 3: the wake-up fit was refused (its batches' wake-ups per handshake too close; calibrate/server.ts).
//
// Measures this host's costs for the project's own DTLS server code path and writes a software-only model of one
// core (docs/validation.md, "Real server"): the crypto provider's calls (AEAD setup and per byte, record-number
// mask, hash per call and per compression, each public-key operation), a UDP socket's cost per datagram on
// loopback, the socket receive buffer and its per-datagram charge (calibrate/rcvbuf.ts), and the real demo server's CPU time per handshake, per echoed record and per wake-up under light loads
// (src/cli/calibrate/server.ts), from which the simulator's own count of the same work leaves the protocol cycles
// per handshake message and per record (src/cli/calibrate/split.ts). Everything is timed in CPU time and taken as
// medians or least-squares fits over repetitions, so that a shared machine disturbs it less (it still cools
// caches, slows the server's own work and adds retransmissions: docs/validation.md, "Sharing the machine").
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createProvider } from '../dtls/index.ts';
import { loadCredential } from '../dtls/cert/index.ts';
import { checkWritable, cryptoRandom, parseIntOpt, readText } from './demo-common.ts';
import { cpuMs, makeTimer, measureMicro, type MicroResults } from './calibrate/micro.ts';
import { type HostFacts, type SocketResults, WAKEUP_LINGER, renderHostModel } from './calibrate/render.ts';
import { FitError, REFUSED, certPaths, fitServer } from './calibrate/server.ts';
import { measureServer } from './calibrate/rounds.ts';
import { measureRcvbuf } from './calibrate/rcvbuf.ts';
import { resolvePriority, type Priority } from './loopback/measure.ts';
import { countsOf, splitProtocol, type ProtocolFigures } from './calibrate/split.ts';
import { clientCostsFrom, predict } from './loopback/predict.ts';
import { parseModel } from '../workload/config/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

type Opts = { out: string; crypto: string; reps: string; cert: string; key: string; json?: boolean; priority: string };

/** Ping-pong between two loopback sockets: each round trip is 2 sends + 2 receives. */
export async function measureSocket(rounds: number, size: number): Promise<SocketResults> {
  const a = dgram.createSocket('udp4');
  const b = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => a.bind(0, '127.0.0.1', r)), new Promise<void>((r) => b.bind(0, '127.0.0.1', r))]);
  const pa = a.address().port;
  const pb = b.address().port;
  const payload = Buffer.alloc(size, 1);
  b.on('message', (m) => b.send(m, pa, '127.0.0.1'));
  const once = (n: number) =>
    new Promise<number>((resolve) => {
      let left = n;
      const t0 = cpuMs();
      a.removeAllListeners('message');
      a.on('message', () => {
        if (--left === 0) resolve(cpuMs() - t0);
        else a.send(payload, pb, '127.0.0.1');
      });
      a.send(payload, pb, '127.0.0.1');
    });
  await once(500); // warm-up
  const runs: number[] = [];
  for (let i = 0; i < 5; i++) runs.push(await once(rounds));
  runs.sort((x, y) => x - y);
  a.close();
  b.close();
  const rttNs = (runs[2]! * 1e6) / rounds;
  return {
    perDatagramNs: rttNs / 4,
    how: `loopback ping-pong of ${size} B datagrams between two node:dgram sockets in one process: ${(rttNs / 1000).toFixed(1)} us CPU per round trip = 2 sends + 2 receives (each with an event-loop turn), so one send or receive ~ 1/4`,
  };
}

function cpuFacts(): { model: string; ghz: number } {
  try {
    const t = readFileSync('/proc/cpuinfo', 'utf8');
    const mhz = /cpu MHz\s*:\s*([\d.]+)/.exec(t);
    const model = /model name\s*:\s*(.+)/.exec(t);
    return { model: model?.[1]?.trim() ?? 'unknown CPU', ghz: mhz ? Number(mhz[1]) / 1000 : 1 };
  } catch {
    return { model: 'unknown CPU', ghz: 1 };
  }
}

export async function main(argv: string[], out = (s: string) => void process.stdout.write(s), err = (s: string) => void process.stderr.write(s)): Promise<number> {
  const program = new Command('calibrate')
    .description('Measure this host and write a calibrated software-only model of one core')
    .option('--out <file>', 'model file to write', 'models/host.yaml')
    .option('--crypto <provider>', 'crypto provider of the server being modelled: node or noble', 'node')
    .option('--reps <n>', 'repetitions of the real server batches (all enter the fit)', '5')
    .option('--cert <file>', 'server certificate chain (PEM)', certPaths(ROOT).cert)
    .option('--key <file>', 'server private key (PEM)', certPaths(ROOT).key)
    .option('--json', 'print the raw measurements as JSON too')
    .option('--priority <p>', 'scheduling of the server and the generator: nice (own session, nice and autogroup -20; root), fifo (chrt -f 50) or none', 'nice')
    .exitOverride()
    .configureOutput({ writeErr: (s) => err(s), writeOut: (s) => out(s) });
  let o: Opts;
  let reps: number;
  let certPem: string;
  let keyPem: string;
  try {
    program.parse(argv, { from: 'user' });
    o = program.opts<Opts>();
    if (o.crypto !== 'node' && o.crypto !== 'noble') throw new Error('--crypto must be node or noble');
    if (o.priority !== 'fifo' && o.priority !== 'nice' && o.priority !== 'none') throw new Error('--priority must be fifo, nice or none');
    reps = parseIntOpt(o.reps, '--reps', 1, 50); // checked before anything is measured
    checkWritable(o.out, '--out'); // likewise: the model is written only after minutes of measurement
    certPem = readText(o.cert, 'certificate');
    keyPem = readText(o.key, 'private key');
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    err(`calibrate: ${(e as Error).message}\n`);
    return 2;
  }
  const crypto = o.crypto as 'node' | 'noble';
  const provider = createProvider(crypto, cryptoRandom);
  const cred = loadCredential(certPem, keyPem, provider);
  if (!cred.ok) {
    err(`calibrate: credential: ${cred.reason}: ${cred.detail}\n`);
    return 2;
  }
  const t0 = performance.now();
  err('calibrate: crypto provider calls...\n');
  const micro = measureMicro(provider, makeTimer());
  err('calibrate: UDP socket cost per datagram...\n');
  const sock = await measureSocket(5000, 100);
  err('calibrate: socket receive buffer (fill)...\n');
  const rcvbuf = await measureRcvbuf();
  const prio = resolvePriority(o.priority as Priority);
  if (prio.warning) err(`calibrate: warning: ${prio.warning}\n`);
  const cpu = cpuFacts();
  const facts: HostFacts = { cpuModel: cpu.model, clockGhz: cpu.ghz, node: process.version, crypto, date: new Date().toISOString(), command: `npm run calibrate -- ${argv.join(' ')}`.trim() };
  err(`calibrate: the real demo server under light loads (server on core 0, generator on core 1, priority ${prio.priority})...\n`);
  const paths = certPaths(ROOT);
  const server = await measureServer(ROOT, crypto, { reps, log: (s) => err(`calibrate: ${s}\n`), cert: o.cert, key: o.key, ca: paths.ca, priority: prio.priority, asleepUs: WAKEUP_LINGER.us });
  let fit;
  try {
    fit = fitServer(server);
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    if (o.json) out(`${JSON.stringify({ clock_ghz: cpu.ghz, micro, socket: sock, rcvbuf, server, refused: e.message }, null, 2)}\n`);
    err(`calibrate: refused, no model written: ${e.message}\n`);
    return REFUSED;
  }
  if (fit.split) {
    err(`calibrate: split: in turns ${fit.split.onHandshakeMs.toFixed(3)} ms per handshake + wake-ups of ${(fit.wakeupMs * 1000).toFixed(1)} us (tau ${fit.refillMs} ms; ${fit.split.onFrom === 'line' ? `line through the batches; the turn penalty alone gave ${fit.split.penalty.handshakeMs.toFixed(3)} ms + ${(fit.split.penalty.wakeupMs * 1000).toFixed(1)} us` : 'the turn penalty: the line through the batches was refused'}); outside turns ${fit.split.offHandshakeMs.toFixed(3)} ms + ${(fit.split.offWakeupMs * 1000).toFixed(1)} us per wake-up (rms ${fit.split.offRmsMs.toFixed(3)}); ` +
      `batch totals' line: ${fit.split.total.handshakeMs.toFixed(3)} ms + ${(fit.split.total.wakeupMs * 1000).toFixed(1)} us per wake-up (tau ${fit.split.total.refillMs})\n`);
  }
  const proto = protocolFromServer(facts, micro, sock, fit, server.b.echoes, server.a, server.b);
  writeFileSync(o.out, renderHostModel(facts, micro, proto, sock, rcvbuf, server.variability));
  if (o.json) out(`${JSON.stringify({ clock_ghz: cpu.ghz, priority: prio.priority, micro, socket: sock, rcvbuf, server, fit, protocol: proto }, null, 2)}\n`);
  err(`calibrate: wrote ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

/** The simulator counts the calibration workloads' work on a provisional model (protocol figures 0), then the
 *  measured CPU time is split (split.ts). */
function protocolFromServer(
  facts: HostFacts, micro: MicroResults, sock: SocketResults, fit: ReturnType<typeof fitServer>, echoes: number,
  a: { clients: number; rate: number }, b: { clients: number; rate: number },
): ProtocolFigures {
  const zero: ProtocolFigures = { offpathCycles: 0, messageCycles: 0, recordCycles: 0, wakeupCycles: 0, refillMs: 0, messageHow: 'provisional', recordHow: 'provisional', wakeupHow: 'provisional' };
  const tmp = mkdtempSync(join(tmpdir(), 'calibrate-'));
  try {
    const file = join(tmp, 'provisional.yaml');
    writeFileSync(file, renderHostModel(facts, micro, zero, sock));
    const model = parseModel(readFileSync(file, 'utf8'), file);
    const clientCosts = clientCostsFrom(micro, model.cpu);
    const count = (w: { clients: number; rate: number }, records: number) => {
      const p = predict({ modelFile: file, clients: w.clients, rate: w.rate, records, size: 100, cookie: true, seed: 1, oneWayMs: 0.01, clientCosts, arrival: 'constant', coreShare: 1, clientShare: 1 });
      const cpuBlock = p.result.blocks.find((x) => x.name === 'cpu')!;
      return countsOf(cpuBlock, p.result.summary.handshakes.completed);
    };
    return splitProtocol(fit, count(a, 1), count(b, 1 + echoes), echoes, facts.clockGhz, model.cpu.cycles_per_datagram);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
