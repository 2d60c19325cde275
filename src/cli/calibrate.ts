// `npm run calibrate [-- --out models/host.yaml] [--crypto node|noble] [--handshakes N] [--json]`
//
// Measures this host's costs for the project's own DTLS server code path and writes a software-only model of one
// core (docs/validation.md, "Real server"): the crypto provider's calls (AEAD setup and per byte, record-number
// mask, hash per call and per compression, each public-key operation), the protocol work of the real server code
// per record and per handshake message (src/cli/calibrate/protocol.ts), and a UDP socket's cost per datagram on
// loopback. Run it on an otherwise idle machine: every figure is a median of timed batches, but a busy core
// still inflates them.
import dgram from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { Command, CommanderError } from 'commander';
import { createProvider } from '../dtls/index.ts';
import { loadCredential } from '../dtls/cert/index.ts';
import { cryptoRandom, parseIntOpt } from './demo-common.ts';
import { makeTimer, measureMicro } from './calibrate/micro.ts';
import { measureProtocol } from './calibrate/protocol.ts';
import { type SocketResults, renderHostModel } from './calibrate/render.ts';

type Opts = { out: string; crypto: string; handshakes: string; cert: string; key: string; json?: boolean };

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
      const t0 = performance.now();
      a.removeAllListeners('message');
      a.on('message', () => {
        if (--left === 0) resolve(performance.now() - t0);
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
    how: `loopback ping-pong of ${size} B datagrams between two node:dgram sockets in one process: round trip ${(rttNs / 1000).toFixed(1)} us = 2 sends + 2 receives (each with an event-loop turn), so one send or receive ~ RTT/4`,
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
    .option('--handshakes <n>', 'in-process handshakes for the protocol figures', '300')
    .option('--cert <file>', 'server certificate chain (PEM)', 'test/fixtures/certs/ecdsa/server-chain.pem')
    .option('--key <file>', 'server private key (PEM)', 'test/fixtures/certs/ecdsa/server.key')
    .option('--json', 'print the raw measurements as JSON too')
    .exitOverride()
    .configureOutput({ writeErr: (s) => err(s), writeOut: (s) => out(s) });
  let o: Opts;
  try {
    program.parse(argv, { from: 'user' });
    o = program.opts<Opts>();
    if (o.crypto !== 'node' && o.crypto !== 'noble') throw new Error('--crypto must be node or noble');
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    err(`calibrate: ${(e as Error).message}\n`);
    return 2;
  }
  const crypto = o.crypto as 'node' | 'noble';
  const provider = createProvider(crypto, cryptoRandom);
  const cred = loadCredential(readFileSync(o.cert, 'utf8'), readFileSync(o.key, 'utf8'), provider);
  if (!cred.ok) {
    err(`calibrate: credential: ${cred.reason}: ${cred.detail}\n`);
    return 2;
  }
  const t0 = performance.now();
  err('calibrate: crypto provider calls...\n');
  const micro = measureMicro(provider, makeTimer());
  err('calibrate: server protocol work (in-process handshakes and echoes)...\n');
  const proto = measureProtocol(cred.credential, micro, cryptoRandom, crypto, {
    handshakes: parseIntOpt(o.handshakes, '--handshakes', 10, 100000), recordsPerClient: 20, recordSize: 100, cookie: true,
  });
  err('calibrate: UDP socket cost per datagram...\n');
  const sock = await measureSocket(5000, 100);
  const cpu = cpuFacts();
  const yaml = renderHostModel(
    { cpuModel: cpu.model, clockGhz: cpu.ghz, node: process.version, crypto, date: new Date().toISOString(), command: `npm run calibrate -- ${argv.join(' ')}`.trim() },
    micro, proto, sock,
  );
  writeFileSync(o.out, yaml);
  if (o.json) out(`${JSON.stringify({ clock_ghz: cpu.ghz, micro, protocol: proto, socket: sock }, null, 2)}\n`);
  err(`calibrate: wrote ${o.out} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
