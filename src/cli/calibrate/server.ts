// Protocol cost of the real server, measured on the real server: the demo server pinned to one core, driven by the
// loadtest generator on the other at light loads, its CPU time read from the kernel (src/cli/loopback/measure.ts).
// CPU time, not wall time: other processes on the machine delay the server but do not add to its CPU time (they
// only cool its caches, which is what the wake-up cost captures). Every repetition's batches enter the fit.
//
// Three kinds of batch, repeated `reps` times after a warm-up (JIT, V8 inline caches):
//   A  handshakes with one echoed record each, at a light rate          -> CPU/handshake, wake-ups/handshake
//   B  the same clients with `echoes` more records each                 -> CPU per extra echo
//   C  handshakes with one record at a higher rate (fewer wake-ups)     -> with A: CPU per wake-up
// The fit (fitServer): a least-squares line through the A and C batches, CPU per handshake = H + W x wake-ups per
// handshake (each batch's own wake-ups: they vary with the rate and with how other processes delay the server),
// then the extra echoes of B: E = (mean B - mean A) / echoes, all included, and the wake-ups they added per echo.
// The wake-up cost is taken from handshake batches only: echoes that wake the server cost far less than W (a
// record touches little code, a handshake flight the whole public-key and protocol path), so a single plane
// through A, B and C (tried first) mixed the two and left an echo costing less than its own crypto.
import { join } from 'node:path';
import { runLoadAgainst, startServer, type LoadRun } from '../loopback/measure.ts';

export interface BatchFigures {
  cpuMsPerHandshake: number;
  wakeupsPerHandshake: number;
  retransmissionsPerHandshake: number;
  otherLoadServerCore: number;
}

export interface ServerMeasurement {
  crypto: 'node' | 'noble';
  reps: number;
  a: { clients: number; rate: number; batches: BatchFigures[] };
  b: { clients: number; rate: number; echoes: number; batches: BatchFigures[] };
  c: { clients: number; rate: number; batches: BatchFigures[] };
}

export interface ServerFit {
  /** Batches of A and C used for the line. */
  batches: number;
  /** CPU ms of one wake-up of a handshaking server (0 when the fitted slope is not positive: then H is the mean). */
  wakeupMs: number;
  /** CPU ms of a handshake with its one echo, wake-ups excluded. */
  handshakeMs: number;
  /** CPU ms of one extra echo (receive + send back), its wake-ups included, and the wake-ups per extra echo. */
  echoMs: number;
  echoWakeups: number;
  /** Root-mean-square residual of the line, ms per handshake. */
  rmsMs: number;
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((x, y) => x - y);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

/** Least squares: coefficients c minimising |X c - y|^2 (normal equations, Gaussian elimination with pivoting). */
export function leastSquares(X: readonly number[][], y: readonly number[]): number[] {
  const n = X[0]!.length;
  const A = Array.from({ length: n }, (_, i) => Array.from({ length: n + 1 }, (_, j) => {
    let s = 0;
    for (let r = 0; r < X.length; r++) s += X[r]![i]! * (j < n ? X[r]![j]! : y[r]!);
    return s;
  }));
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(A[r]![col]!) > Math.abs(A[piv]![col]!)) piv = r;
    [A[col], A[piv]] = [A[piv]!, A[col]!];
    const p = A[col]![col]!;
    if (Math.abs(p) < 1e-12) throw new RangeError('leastSquares: singular system (the batches do not separate the unknowns)');
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = A[r]![col]! / p;
      for (let j = col; j <= n; j++) A[r]![j]! -= f * A[col]![j]!;
    }
  }
  return A.map((row, i) => row[n]! / row[i]!);
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export function fitServer(m: ServerMeasurement): ServerFit {
  const pts = [...m.a.batches, ...m.c.batches];
  const y = pts.map((p) => p.cpuMsPerHandshake);
  let [h, w] = leastSquares(pts.map((p) => [1, p.wakeupsPerHandshake]), y) as [number, number];
  if (!(w > 0)) {
    h = mean(y);
    w = 0;
  }
  const rms = Math.sqrt(pts.reduce((s, p, i) => s + (h + w * p.wakeupsPerHandshake - y[i]!) ** 2, 0) / pts.length);
  const cpu = (b: BatchFigures[]) => mean(b.map((x) => x.cpuMsPerHandshake));
  const wake = (b: BatchFigures[]) => mean(b.map((x) => x.wakeupsPerHandshake));
  const echoMs = (cpu(m.b.batches) - cpu(m.a.batches)) / m.b.echoes;
  const echoWakeups = (wake(m.b.batches) - wake(m.a.batches)) / m.b.echoes;
  return { batches: pts.length, wakeupMs: w, handshakeMs: h, echoMs, echoWakeups, rmsMs: rms };
}

const figures = (r: LoadRun): BatchFigures => ({
  cpuMsPerHandshake: r.serverCpuMsPerHandshake,
  wakeupsPerHandshake: r.wakeupsPerHandshake,
  retransmissionsPerHandshake: r.summary.handshakes.retransmissions / Math.max(1, r.summary.handshakes.completed),
  otherLoadServerCore: r.otherLoadServerCore,
});

export async function measureServer(
  root: string, crypto: 'node' | 'noble', opts: { reps: number; log: (s: string) => void; cert: string; key: string; ca: string },
): Promise<ServerMeasurement> {
  const a = { clients: 60, rate: 20 };
  const b = { clients: 30, rate: 20, echoes: 10 };
  const c = { clients: 160, rate: 80 };
  const m: ServerMeasurement = { crypto, reps: opts.reps, a: { ...a, batches: [] }, b: { ...b, batches: [] }, c: { ...c, batches: [] } };
  const server = await startServer({ root, crypto, cookie: true, serverCore: 0, cert: opts.cert, key: opts.key });
  const run = (clients: number, rate: number, records: number, seed: number) =>
    runLoadAgainst(root, server, 1, 0, { clients, rate, records, size: 100, ca: opts.ca, seed, arrival: 'constant' });
  try {
    opts.log('warm-up of the server (150 handshakes)');
    await run(150, 50, 3, 99);
    for (let rep = 0; rep < opts.reps; rep++) {
      const ra = figures(await run(a.clients, a.rate, 1, rep + 1));
      const rb = figures(await run(b.clients, b.rate, 1 + b.echoes, rep + 1));
      const rc = figures(await run(c.clients, c.rate, 1, rep + 1));
      m.a.batches.push(ra);
      m.b.batches.push(rb);
      m.c.batches.push(rc);
      opts.log(`rep ${rep + 1}/${opts.reps}: ${ra.cpuMsPerHandshake.toFixed(2)} ms/handshake (${ra.wakeupsPerHandshake.toFixed(2)} wake-ups) at ${a.rate}/s; ` +
        `${rb.cpuMsPerHandshake.toFixed(2)} with ${b.echoes} more echoes; ${rc.cpuMsPerHandshake.toFixed(2)} (${rc.wakeupsPerHandshake.toFixed(2)} wake-ups) at ${c.rate}/s`);
    }
  } finally {
    await server.stop();
  }
  return m;
}

export const certPaths = (root: string) => {
  const d = join(root, 'test/fixtures/certs/ecdsa');
  return { cert: join(d, 'server-chain.pem'), key: join(d, 'server.key'), ca: join(d, 'ca.pem') };
};
