// Raw experiment of 2026-12-07 02:49 (docs/validation.md, "Real server", loopback-28/29): every ~150 ms, one noble
// server-side handshake's public-key work (ECDSA P-256 sign, X25519 key pair and shared secret), the speed probe's kernel
// (src/cli/speed-probe.ts, fastest of 3) and a pointer chase of 2,000 steps over 32 MB, for N seconds, as CSV.
// Run: taskset -c 0 node --import tsx docs/data/host-drift-2026-12-07.mts 300 > out.csv
// Does the host's slowdown show in a compute kernel, a memory kernel, or only in real handshake crypto?
import { p256 } from '@noble/curves/nist.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { probeKernel, warmUpProbe } from '../../src/cli/speed-probe.ts';
const secs = Number(process.argv[2] ?? 300);
const N = 8 << 20; // 8 Mi entries x 4 B = 32 MB
const next = new Uint32Array(N);
{ // one random cycle (Sattolo)
  for (let i = 0; i < N; i++) next[i] = i;
  let s = 12345;
  for (let i = N - 1; i > 0; i--) { s = (s * 1103515245 + 12345) >>> 0; const j = s % i; const t = next[i]!; next[i] = next[j]!; next[j] = t; }
}
let pos = 0;
function memKernel(): void { let p = pos; for (let i = 0; i < 2000; i++) p = next[p]!; pos = p; }
const sk = p256.utils.randomSecretKey();
const msg = new Uint8Array(32).fill(7);
function hsKernel(): void { p256.sign(msg, sk); const a = x25519.utils.randomSecretKey(); x25519.getSharedSecret(a, x25519.getPublicKey(x25519.utils.randomSecretKey())); }
warmUpProbe();
for (let i = 0; i < 200; i++) { hsKernel(); memKernel(); }
const time = (f: () => void) => { const t = performance.now(); f(); return (performance.now() - t) * 1000; };
const fastest = (f: () => void, n: number) => { time(f); let b = Infinity; for (let i = 1; i < n; i++) b = Math.min(b, time(f)); return b; };
const rows: number[][] = [];
const end = performance.now() + secs * 1000;
while (performance.now() < end) {
  rows.push([performance.now() / 1000, time(hsKernel), fastest(probeKernel, 4), time(memKernel), fastest(memKernel, 3)]);
  await new Promise((r) => setTimeout(r, 150));
}
console.log('t_s,hs_us,probe_us,mem1_us,memfast_us');
for (const r of rows) console.log(r.map((x) => x.toFixed(1)).join(','));
