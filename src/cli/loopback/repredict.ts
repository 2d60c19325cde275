// `npm run validate -- loopback --repredict FILE [--set cpu.KEY=VALUE ...] [--no-speed-schedule] [--client-processors N]
// [--no-arrival-replay] [--no-loop-stalls] [--json]`: the
// predictions of a saved `validate -- loopback --json` run made again, without the real server: the model as
// calibrated (`inputs.model_yaml`), each row's own inputs (`predict_input`: clients, seed, core shares, the
// repetition's re-measured figures, the host slowdown and its schedule through the load, which --no-speed-schedule
// leaves out, the generator's actual client starts when the run kept them, which --no-arrival-replay leaves out, and its loop's stalls, which --no-loop-stalls leaves out) and the run's measured figures as they were. With `--set`, model overrides applied after the row's own:
// a change of the model's structure or of one figure is tried against every measured load in about a minute instead
// of a ten-minute run on an idle machine. The measured side never changes, so the comparison is with the very loads
// the saved run met; what a re-prediction cannot tell is whether a calibration method would have produced the figure
// tried (that needs a real run with the method).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pair, predictedFigures, summarize, table, type Figure, type PredictInputRow, type Row } from './figures.ts';
import { predict, type PredictInput } from './predict.ts';

/** The parts of a saved run that a re-prediction reads. */
export interface SavedRun {
  model_capacity_handshakes_per_s: number;
  rows: (Row & { predict_input?: PredictInputRow })[];
  inputs?: { model_yaml: string; base: Omit<PredictInput, 'modelFile' | 'clients' | 'rate' | 'seed' | 'coreShare' | 'clientShare'> };
}

export class RepredictError extends Error {}

/** Re-predicts every row of `saved` with `extra` model overrides after each row's own. Rows keep their measured
 *  figures; the summary is made as the run's own (./../validate/loopback.ts summarize). */
export function repredict(saved: SavedRun, extra: readonly string[], repeatRuns: boolean, withSchedule = true, clientProcessors?: number, withArrivals = true, withStalls = true) {
  if (!saved.inputs) throw new RepredictError('the saved run has no `inputs` (made before 2026-12-07 08:00): run it again');
  const missing = saved.rows.findIndex((r) => r.predict_input === undefined);
  if (missing >= 0) throw new RepredictError(`row ${missing} has no \`predict_input\``);
  const tmp = mkdtempSync(join(tmpdir(), 'repredict-'));
  try {
    const modelFile = join(tmp, 'host.yaml');
    writeFileSync(modelFile, saved.inputs.model_yaml);
    const base = { ...saved.inputs.base, modelFile };
    const capacity = predict({ ...base, clients: 400, rate: 1e6, seed: 1, coreShare: 1, clientShare: 1, modelOverrides: ['cpu.socket_rcvbuf_bytes=0', ...extra] }).handshakesPerS;
    const rows: Row[] = saved.rows.map((r) => {
      const pi = r.predict_input!;
      const p = predict({
        ...base, clients: pi.clients, rate: r.rate, seed: pi.seed, coreShare: pi.core_share, clientShare: pi.client_share,
        modelOverrides: [...pi.overrides, ...extra], ...(pi.host_slowdown !== null ? { hostSlowdown: pi.host_slowdown } : {}),
        ...(pi.speed_schedule && withSchedule ? { speedSchedule: pi.speed_schedule } : {}),
        ...(clientProcessors !== undefined ? { clientProcessors } : {}),
        ...(pi.arrivals_ms && withArrivals ? { arrivalsMs: pi.arrivals_ms } : {}),
        ...(pi.loop_stall && withStalls ? { loopStall: pi.loop_stall } : {}),
      });
      const measured: Record<string, number> = {};
      for (const [k, f] of Object.entries(r.figures) as [string, Figure][]) measured[k] = f.measured;
      const { host_speed: _, ...rest } = r;
      return { ...rest, figures: pair(measured, predictedFigures(p)) };
    });
    const rates = [...new Set(rows.map((r) => r.rate))];
    return { model_capacity_handshakes_per_s: capacity, saved_capacity_handshakes_per_s: saved.model_capacity_handshakes_per_s, overrides: [...extra], summary: summarize(rows, rates, capacity, repeatRuns), rows };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** The CLI side: reads FILE, prints the summary table (or the JSON). */
export function repredictMain(file: string, args: readonly string[], json: boolean): void {
  const extra: string[] = [];
  for (let i = 0; i < args.length; i++) if (args[i] === '--set' && args[i + 1] !== undefined) extra.push(args[++i]!);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as SavedRun;
  const procs = args.indexOf('--client-processors');
  const out = repredict(saved, extra, saved.rows.every((r) => r.repeat !== undefined), !args.includes('--no-speed-schedule'), procs >= 0 ? Number(args[procs + 1]) : undefined, !args.includes('--no-arrival-replay'), !args.includes('--no-loop-stalls'));
  process.stdout.write(json ? `${JSON.stringify({ repredicted_from: file, ...out }, null, 2)}\n` : table(out.summary));
}
