// Raw experiment of 2026-12-07 ~13:10 (docs/validation.md, "Real server", loopback-36): where a light load's handshake
// latency goes. On one warm noble demo server (core 0, 5,000-handshake warm-up), clients like the loadtest
// generator's (src/cli/loadtest/generator.ts startClient: socket, endpoint, bind, connect; node:crypto) run in this
// process, which should be pinned to core 1; each client's datagrams are timed as sent and received. Per load, the
// medians of: setup (start -> ClientHello sent), s1 (ClientHello -> HelloRetryRequest received), c1 (HRR -> second
// ClientHello sent), s2 (CH2 -> first datagram of the server's flight), f2 (first -> last datagram of that flight),
// c2 (last -> 'connected'), total (start -> 'connected', the generator's handshake latency).
// Run: taskset -c 1 node --import tsx docs/data/flight-timeline-2026-12-07.mts [rates] > out.csv
import dgram from 'node:dgram';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { requestTurnStats } from '../../src/cli/calibrate/rounds.ts';
import { readTurnStats } from '../../src/cli/calibrate/variability.ts';
import { resolvePriority, runLoadAgainst, startServer } from '../../src/cli/loopback/measure.ts';
import { certPaths } from '../../src/cli/calibrate/server.ts';
import { ClientEndpoint } from '../../src/dtls/index.ts';
import { createProvider } from '../../src/dtls/crypto/index.ts';
import { CertificateVerifier, parseCertificatesPem } from '../../src/dtls/cert/index.ts';
import { cryptoRandom } from '../../src/cli/demo-common.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const certs = certPaths(ROOT);
const { priority } = resolvePriority('nice');
const crypto = createProvider('node', cryptoRandom);
const anchors = parseCertificatesPem(readFileSync(certs.ca, 'utf8'));
if (!anchors.ok) throw new Error('ca');
const verifier = new CertificateVerifier({ trustAnchors: anchors.der, provider: crypto, clock: () => Date.now() });
const rates = (process.argv[2] ?? '67,133,213,67,133,213').split(',').map(Number);
const SECONDS = 4;

interface Trace { start: number; sends: number[]; recvs: number[]; connected: number }

function client(port: number, done: (t: Trace | undefined) => void): void {
  const t: Trace = { start: performance.now(), sends: [], recvs: [], connected: 0 };
  const sock = dgram.createSocket('udp4');
  const c = new ClientEndpoint({ crypto, rng: cryptoRandom, serverName: 'localhost', verifier });
  let timer: NodeJS.Timeout | undefined;
  let finished = false;
  const end = (ok: boolean) => {
    if (finished) return;
    finished = true;
    if (timer) clearTimeout(timer);
    sock.close();
    done(ok ? t : undefined);
  };
  const pump = () => {
    for (;;) {
      let any = false;
      for (let d = c.pollTransmit(); d; d = c.pollTransmit()) { any = true; t.sends.push(performance.now()); sock.send(d, port, '127.0.0.1'); }
      for (let ev = c.pollEvent(); ev && !finished; ev = c.pollEvent()) {
        any = true;
        if (ev.type === 'connected') { t.connected = performance.now(); c.close(); }
        else if (ev.type === 'alert' && ev.level === 2) end(false);
      }
      if (!any || finished) break;
    }
    if (t.connected) { setImmediate(() => end(true)); return; }
    if (timer) clearTimeout(timer);
    const to = c.nextTimeout();
    if (to !== undefined) timer = setTimeout(() => { c.handleTimeout(performance.now()); pump(); }, Math.max(0, to - performance.now()));
  };
  setTimeout(() => end(false), 20000).unref();
  sock.on('message', (m) => { if (finished) return; t.recvs.push(performance.now()); c.receive(new Uint8Array(m.buffer, m.byteOffset, m.length), performance.now()); pump(); });
  sock.bind(0, () => { if (finished) return; c.connect(performance.now()); pump(); });
}

const med = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length ? s[s.length >> 1]! : NaN; };

const windows: [number, number][] = [];
async function load(port: number, rate: number): Promise<string> {
  const w0 = performance.timeOrigin + performance.now();
  const n = Math.round(rate * SECONDS);
  const traces: Trace[] = [];
  let left = n;
  const t0 = performance.now() + 50;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < n; i++) {
      setTimeout(() => client(port, (t) => { if (t) traces.push(t); if (--left === 0) resolve(); }), Math.max(0, t0 + (i * 1000) / rate - performance.now()));
    }
  });
  windows.push([w0, performance.timeOrigin + performance.now()]);
  // no retransmissions (three datagrams sent before 'connected': CH, CH2, Finished); the server's flight: recvs[1..]
  const ok = traces.filter((t) => t.sends.filter((x) => x <= t.connected).length === 3 && t.recvs.length >= 2);
  const f = (g: (t: Trace) => number) => med(ok.map(g)).toFixed(3);
  return [rate, n, ok.length, f((t) => t.sends[0]! - t.start), f((t) => t.recvs[0]! - t.sends[0]!), f((t) => t.sends[1]! - t.recvs[0]!),
    f((t) => t.recvs[1]! - t.sends[1]!), f((t) => t.recvs[t.recvs.length - 1]! - t.recvs[1]!), f((t) => t.connected - t.recvs[t.recvs.length - 1]!),
    f((t) => t.connected - t.start), f((t) => t.recvs.length - 1)].join(',');
}

const tmp = mkdtempSync(join(tmpdir(), 'flight-'));
const turnStats = join(tmp, 't.json');
const server = await startServer({ root: ROOT, crypto: 'noble', cookie: true, serverCore: 0, cert: certs.cert, key: certs.key, priority, turnStats });
const lines: string[] = [];
try {
  await runLoadAgainst(ROOT, server, 1, 0, { clients: 5000, rate: 125, records: 3, size: 100, ca: certs.ca, seed: 99, arrival: 'constant', priority });
  for (const r of rates) lines.push(await load(server.port, r));
  await requestTurnStats(server, turnStats);
} finally { await server.stop(); }
// the server's own turns in each load: the flight turn (the server's handshake flight) and the others, median wall and CPU (us)
const turns = readTurnStats(turnStats).turns;
console.log('rate,clients,clean,setup_ms,s1_ms,c1_ms,s2_ms,f2_ms,c2_ms,total_ms,flight_datagrams,flight_turn_wall_us,flight_turn_cpu_us,other_turn_wall_us,other_turn_cpu_us');
lines.forEach((l, i) => {
  const [a, b] = windows[i]!;
  const ts = turns.filter((t) => t[0] >= a && t[0] < b);
  const fl = ts.filter((t) => t[5] === 1), ot = ts.filter((t) => t[5] !== 1 && t[3] > 0);
  console.log([l, med(fl.map((t) => t[1])).toFixed(0), med(fl.map((t) => t[2])).toFixed(0), med(ot.map((t) => t[1])).toFixed(0), med(ot.map((t) => t[2])).toFixed(0)].join(','));
});
rmSync(tmp, { recursive: true, force: true });
