// Raw experiment of 2026-12-07 (docs/validation.md, "Real server", loopback-30): does a calibration batch cost more
// per handshake because of the batch before it? On one warm noble demo server (core 0, priority nice, as
// `npm run validate -- loopback` runs it), a sequence of runs from the generator (core 1): C = 160 handshakes at
// 80/s with one echo (calibration batch C), B = 30 handshakes at 20/s with 11 echoes (batch B), L = 472 at 118/s with
// one echo (a validation load). Prints one CSV line per run: index, kind, server CPU ms per handshake, wake-ups per
// handshake. Run: node --import tsx docs/data/batch-order-2026-12-07.mts [SEQUENCE] [WARM-UP HANDSHAKES] > out.csv
// (defaults CCCBCCCLLBLLCCBCLC and the validation's 750 at 125/s).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WARMUP, resolvePriority, runLoadAgainst, startServer } from '../../src/cli/loopback/measure.ts';
import { certPaths } from '../../src/cli/calibrate/server.ts';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const certs = certPaths(ROOT);
const { priority } = resolvePriority('nice');
const kinds = { C: { clients: 160, rate: 80, records: 1 }, B: { clients: 30, rate: 20, records: 11 }, L: { clients: 472, rate: 118, records: 1 } } as const;
const seq = (process.argv[2] ?? 'CCCBCCCLLBLLCCBCLC').split('') as (keyof typeof kinds)[];
const server = await startServer({ root: ROOT, crypto: 'noble', cookie: true, serverCore: 0, cert: certs.cert, key: certs.key, priority });
try {
  const warm = Number(process.argv[3] ?? WARMUP.clients);
  console.error(`warm-up: ${warm} handshakes at ${WARMUP.rate}/s`);
  await runLoadAgainst(ROOT, server, 1, 0, { clients: warm, rate: WARMUP.rate, records: WARMUP.records, size: 100, ca: certs.ca, seed: WARMUP.seed, arrival: 'constant', priority });
  console.log('i,kind,cpu_ms_per_handshake,wakeups_per_handshake,window_s');
  for (const [i, k] of seq.entries()) {
    const r = await runLoadAgainst(ROOT, server, 1, 0, { ...kinds[k], size: 100, ca: certs.ca, seed: i + 1, arrival: 'constant', priority });
    console.log(`${i},${k},${r.serverCpuMsPerHandshake.toFixed(3)},${r.wakeupsPerHandshake.toFixed(2)},${r.summary.window_s.toFixed(2)}`);
  }
} finally {
  await server.stop();
}
