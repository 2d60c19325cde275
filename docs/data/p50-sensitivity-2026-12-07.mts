// How much a utilisation error moves the predicted p50 at the 0.8 x load (issue 16; docs/validation.md, "Real
// server", 2026-12-07 15:15-16:10). For every row of a saved `validate -- loopback --json` run at the third load
// (0.8 x), the row's own prediction is made again (its predict_input, as --repredict does) with the model core
// slowed by 1 + d for d in -5..+5 %, and the predicted utilisation and p50 printed beside the measured ones.
// Run: node --import tsx docs/data/p50-sensitivity-2026-12-07.mts docs/data/loopback-41.json [...]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predict } from '../../src/cli/loopback/predict.ts';
import type { SavedRun } from '../../src/cli/loopback/repredict.ts';

const DELTAS = [-0.05, -0.02, 0, 0.02, 0.05];
console.log('run,rep,rate,measured_util,measured_p50_ms,' + DELTAS.map((d) => `util_${d},p50_${d}`).join(','));
for (const file of process.argv.slice(2)) {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedRun;
  const rates = [...new Set(saved.rows.map((r) => r.rate))];
  const tmp = mkdtempSync(join(tmpdir(), 'sens-'));
  try {
    const modelFile = join(tmp, 'host.yaml');
    writeFileSync(modelFile, saved.inputs!.model_yaml);
    for (const r of saved.rows.filter((x) => x.rate === rates[2])) {
      const pi = r.predict_input!;
      const cells: string[] = [];
      for (const d of DELTAS) {
        const p = predict({
          ...saved.inputs!.base, modelFile, clients: pi.clients, rate: r.rate, seed: pi.seed, coreShare: pi.core_share, clientShare: pi.client_share,
          modelOverrides: pi.overrides, hostSlowdown: (pi.host_slowdown ?? 1) * (1 + d), ...(pi.speed_schedule ? { speedSchedule: pi.speed_schedule } : {}),
        });
        cells.push(p.serverUtilizationArrivalWindow.toFixed(3), p.handshakeP50Ms.toFixed(2));
      }
      console.log([file.replace(/.*\//, ''), r.rep, r.rate, r.figures.server_utilization!.measured.toFixed(3), r.figures.handshake_p50_ms!.measured.toFixed(2), ...cells].join(','));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
