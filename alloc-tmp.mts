// Allocation sampling (all allocations, including those collected) of a co-simulation run.
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
import { loadInput } from './src/cli/sim.ts';
import { runCosim } from './src/workload/index.ts';
const [file, n, endMs, out] = process.argv.slice(2);
const { scenario, model } = loadInput(file!, { set: [`clients.count=${n}`, 'sim.warmup_ms=0', `sim.end_ms=${endMs}`] });
const s = new Session(); s.connect();
await s.post('HeapProfiler.enable');
await s.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
const t0 = performance.now();
runCosim({ scenario, model, seed: scenario.sim.seed, crypto: 'node' });
console.error('run s', (performance.now() - t0) / 1000);
const { profile } = await s.post('HeapProfiler.stopSampling') as { profile: any };
// aggregate self size by function+url:line
const agg = new Map<string, number>(); let total = 0;
const walk = (node: any) => { const cf = node.callFrame; const k = `${cf.functionName || '(anon)'} ${cf.url.replace(/.*\/work\/main\//, '')}:${cf.lineNumber + 1}`; agg.set(k, (agg.get(k) ?? 0) + node.selfSize); total += node.selfSize; for (const c of node.children) walk(c); };
walk(profile.head);
const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 45);
const lines = [`total sampled ${(total / 1e6).toFixed(1)} MB`, ...top.map(([k, v]) => `${(v / 1e6).toFixed(1).padStart(8)} MB ${(100 * v / total).toFixed(1).padStart(5)} % ${k}`)];
writeFileSync(out!, lines.join('\n') + '\n');
console.log(lines.join('\n'));
