// `npm run validate -- loopback [--json] [--reps N] [--rates r1,r2,...] [--seconds S] [--model FILE] [--server-crypto noble|node]`
//
// The simulator against a real server: the project's demo server pinned to core 0, the loadtest generator pinned
// to core 1, at several offered loads from light to past saturation; the simulator with the calibrated one-core
// host model (calibrated in this run unless --model is given) on the same arrival process. Prints measured vs
// predicted server CPU utilisation, handshakes/s, handshake p50/p99 and record round trip p50 with relative errors.
// The server runs the noble (pure JavaScript) provider by default so that one core of generator (node:crypto
// clients) can saturate it: a server handshake then costs several times a client's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCredential } from '../../dtls/cert/index.ts';
import { createProvider } from '../../dtls/index.ts';
import { main as calibrate } from '../calibrate.ts';
import { makeTimer, measureMicro } from '../calibrate/micro.ts';
import { cryptoRandom } from '../demo-common.ts';
import { readFileSync } from 'node:fs';
import { runLoadAgainst, startServer } from '../loopback/measure.ts';
import { type ClientCostsUs, predict } from '../loopback/predict.ts';
import { parseModel } from '../../workload/config/index.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const CERTS = join(ROOT, 'test/fixtures/certs/ecdsa');

interface Figure {
  measured: number;
  predicted: number;
  rel_error: number;
}

const fig = (measured: number, predicted: number): Figure => ({ measured, predicted, rel_error: (predicted - measured) / measured });

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Client costs of the generator's node:crypto clients, from the same micro-measurements as the calibration. */
function clientCosts(modelFile: string): ClientCostsUs {
  const m = measureMicro(createProvider('node', cryptoRandom), makeTimer(30, 5));
  const model = parseModel(readFileSync(modelFile, 'utf8'), modelFile);
  const ghz = model.cpu.clock_ghz;
  const perDatagramUs = ((model.cpu as { cycles_per_datagram?: number }).cycles_per_datagram ?? 0) / ghz / 1000;
  return {
    handshake_message_us: model.cpu.cycles_per_handshake_message / ghz / 1000,
    record_us: model.cpu.cycles_per_record / ghz / 1000 + perDatagramUs,
    aead_op_us: m.aead.aes_128_gcm.fixedNs / 1000,
    aead_ns_per_byte: m.aead.aes_128_gcm.perUnitNs,
    hash_block_ns: m.hash.sha256.perUnitNs + m.hash.sha256.fixedNs / 2,
    kx_keygen_us: m.pkeNs.x25519_keygen! / 1000,
    kx_derive_us: m.pkeNs.x25519_derive! / 1000,
    sign_us: m.pkeNs.ecdsa_p256_sign! / 1000,
    verify_us: m.pkeNs.ecdsa_p256_verify! / 1000,
  };
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const a = opts.args;
  const reps = Number(opt(a, '--reps') ?? 3);
  const seconds = Number(opt(a, '--seconds') ?? 4);
  const serverCrypto = (opt(a, '--server-crypto') ?? 'noble') as 'node' | 'noble';
  const records = Number(opt(a, '--records') ?? 1);
  const size = Number(opt(a, '--size') ?? 100);
  const tmp = mkdtempSync(join(tmpdir(), 'loopback-'));
  const log = (s: string) => process.stderr.write(`validate loopback: ${s}\n`);
  try {
    let modelFile = opt(a, '--model');
    if (!modelFile) {
      modelFile = join(tmp, 'host.yaml');
      log(`calibrating this host (server provider ${serverCrypto})...`);
      const code = await calibrate(['--out', modelFile, '--crypto', serverCrypto, '--handshakes', '200'], () => {}, () => {});
      if (code !== 0) throw new Error(`calibrate exited ${code}`);
    }
    const costs = clientCosts(modelFile);
    // Capacity from the model: saturate it with a burst and read the handshake rate.
    const sat = predict({ modelFile, clients: 400, rate: 1e6, records, size, cookie: true, seed: 1, oneWayMs: 0.01, clientCosts: costs });
    const capacity = sat.handshakesPerS;
    const fractions = (opt(a, '--loads') ?? '0.25,0.5,0.8,1.3').split(',').map(Number);
    const rates = opt(a, '--rates')?.split(',').map(Number) ?? fractions.map((f) => Math.max(1, Math.round(f * capacity)));
    log(`model capacity ${capacity.toFixed(1)} handshakes/s; offered rates ${rates.join(', ')} /s, ${seconds} s each, ${reps} repetitions`);
    const cred = loadCredential(readFileSync(join(CERTS, 'server-chain.pem'), 'utf8'), readFileSync(join(CERTS, 'server.key'), 'utf8'));
    if (!cred.ok) throw new Error(`credential: ${cred.detail}`);
    const rows: { rate: number; rep: number; figures: Record<string, Figure>; generator_failed: number }[] = [];
    for (let rep = 0; rep < reps; rep++) {
      for (const rate of rates) {
        const clients = Math.max(20, Math.round(rate * seconds));
        const server = await startServer({ root: ROOT, crypto: serverCrypto, cookie: true, serverCore: 0, cert: join(CERTS, 'server-chain.pem'), key: join(CERTS, 'server.key') });
        let real;
        try {
          real = await runLoadAgainst(ROOT, server, 1, { clients, rate, records, size, ca: join(CERTS, 'ca.pem'), seed: rep + 1 });
        } finally {
          await server.stop();
        }
        const p = predict({ modelFile, clients, rate, records, size, cookie: true, seed: rep + 1, oneWayMs: 0.01, clientCosts: costs });
        const s = real.summary;
        rows.push({
          rate,
          rep,
          generator_failed: s.clients_failed,
          figures: {
            server_utilization: fig(Math.min(1, real.serverUtilization), p.serverUtilization),
            handshakes_per_s: fig(s.throughput.handshakes_per_s, p.handshakesPerS),
            handshake_p50_ms: fig(s.handshake_latency_ms.p50, p.handshakeP50Ms),
            handshake_p99_ms: fig(s.handshake_latency_ms.p99, p.handshakeP99Ms),
            record_rtt_p50_us: fig(s.record_rtt_us.p50, p.recordRttP50Us),
          },
        });
        log(`rate ${rate}/s rep ${rep + 1}: measured util ${(real.serverUtilization * 100).toFixed(1)} % hs/s ${s.throughput.handshakes_per_s.toFixed(1)} p50 ${s.handshake_latency_ms.p50.toFixed(2)} ms; predicted util ${(p.serverUtilization * 100).toFixed(1)} % hs/s ${p.handshakesPerS.toFixed(1)} p50 ${p.handshakeP50Ms.toFixed(2)} ms`);
      }
    }
    const out = { model_capacity_handshakes_per_s: capacity, server_crypto: serverCrypto, seconds, reps, rows };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    const lines = ['rate/s  rep  figure               measured     predicted    rel_error'];
    for (const r of rows) {
      for (const [k, f] of Object.entries(r.figures)) {
        lines.push(`${String(r.rate).padStart(6)}  ${String(r.rep + 1).padStart(3)}  ${k.padEnd(19)}  ${f.measured.toPrecision(4).padStart(10)}  ${f.predicted.toPrecision(4).padStart(10)}  ${pct(f.rel_error).padStart(9)}`);
      }
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
