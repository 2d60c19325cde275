// Raw experiment of 2026-12-07 ~05:00 (docs/validation.md, "Real server", loopback-33/34): on one warm noble demo
// server (5,000-handshake warm-up), batches A, C, D and loads at 60, 120 and 190/s, twice each; per run the server's CPU
// per handshake, wake-ups, CPU inside and outside its turns per handshake, and the CPU between turns per gap by bin of
// the gap (count/mean us). Needs turn statistics with the process CPU field. Run: node --import tsx docs/data/offturn-gaps-2026-12-07.mts > out.csv
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { WARMUP, resolvePriority, runLoadAgainst, startServer } from '../../src/cli/loopback/measure.ts';
import { certPaths } from '../../src/cli/calibrate/server.ts';
import { requestTurnStats } from '../../src/cli/calibrate/rounds.ts';
import { readTurnStats } from '../../src/cli/calibrate/variability.ts';
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const certs = certPaths(ROOT);
const { priority } = resolvePriority('nice');
const tmp = mkdtempSync(join(tmpdir(), 'gaps-'));
const turnStats = join(tmp, 't.json');
const runs: Record<string, { clients: number; rate: number; records: number; burst?: number }> = {
  A: { clients: 60, rate: 20, records: 1 }, C: { clients: 160, rate: 80, records: 1 }, D: { clients: 80, rate: 40, records: 1, burst: 10 },
  L1: { clients: 240, rate: 60, records: 1 }, L2: { clients: 480, rate: 120, records: 1 }, L3: { clients: 760, rate: 190, records: 1 },
};
const seq = (process.argv[2] ?? 'A,C,D,L1,L2,L3,A,C,D,L1,L2,L3').split(',');
const server = await startServer({ root: ROOT, crypto: 'noble', cookie: true, serverCore: 0, cert: certs.cert, key: certs.key, priority, turnStats });
const wins: { k: string; s: number; e: number; cpu: number; hs: number; wk: number }[] = [];
try {
  await runLoadAgainst(ROOT, server, 1, 0, { clients: 5000, rate: 125, records: 3, size: 100, ca: certs.ca, seed: 99, arrival: 'constant', priority });
  for (const [i, k] of seq.entries()) {
    const r0 = runs[k]!;
    const s = performance.timeOrigin + performance.now();
    const r = await runLoadAgainst(ROOT, server, 1, 0, { clients: r0.clients, rate: r0.rate, records: r0.records, size: 100, ca: certs.ca, seed: i + 1, arrival: r0.burst ? 'burst' : 'constant', burst: r0.burst ?? 1, priority });
    wins.push({ k, s, e: performance.timeOrigin + performance.now(), cpu: r.serverCpuMsPerHandshake, hs: r.summary.handshakes.completed, wk: r.wakeupsPerHandshake });
  }
  await requestTurnStats(server, turnStats);
} finally { await server.stop(); }
const d = readTurnStats(turnStats);
const turns = [...d.turns].sort((a, b) => a[0] - b[0]);
const bins = [79, 300, 1000, 3000, 10000, Infinity];
console.log('run,cpu_ms_hs,wk_hs,inturn_ms_hs,offturn_ms_hs,' + bins.map((b, i) => `gap<${b}:n/offus`).join(','));
for (const w of wins) {
  const ts = turns.filter((t) => t[0] >= w.s && t[0] < w.e);
  let inT = 0, off = 0; const bn = bins.map(() => [0, 0]);
  for (let i = 0; i < ts.length; i++) {
    inT += ts[i]![2];
    if (i + 1 < ts.length) {
      const gap = (ts[i + 1]![0] - ts[i]![0]) * 1000 - ts[i]![1];
      const o = ts[i + 1]![6]! - ts[i]![6]! - ts[i]![2];
      off += o;
      const b = bins.findIndex((x) => gap < x);
      bn[b]![0]++; bn[b]![1] += o;
    }
  }
  console.log(`${w.k},${w.cpu.toFixed(2)},${w.wk.toFixed(2)},${(inT / 1000 / w.hs).toFixed(2)},${(off / 1000 / w.hs).toFixed(2)},` + bn.map(([n, o]) => `${n}/${n ? (o / n).toFixed(0) : '-'}`).join(','));
}
rmSync(tmp, { recursive: true, force: true });
