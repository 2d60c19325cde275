// The figures `npm run validate -- loopback` compares (src/cli/validate/loopback.ts runs the loads): one figure's
// measured and predicted values and relative error, a row per load and repetition with what its prediction was made
// from, and the summary per load over the repetitions (medians and spread) with its text table. Shared with
// `--repredict` (./repredict.ts).
import { median } from '../calibrate/server.ts';
import type { LoadRun } from './measure.ts';
import type { LoopStall, Prediction } from './predict.ts';

export interface Figure {
  measured: number;
  predicted: number;
  rel_error: number;
}

export const fig = (measured: number, predicted: number): Figure => ({ measured, predicted, rel_error: (predicted - measured) / measured });

/** Per figure over the repetitions: medians of measured, predicted and rel_error, and the rel_error range. */
export function spread(figs: readonly Figure[]): Figure & { rel_error_min: number; rel_error_max: number } {
  const e = figs.map((f) => f.rel_error);
  return {
    measured: median(figs.map((f) => f.measured)),
    predicted: median(figs.map((f) => f.predicted)),
    rel_error: median(e),
    rel_error_min: Math.min(...e),
    rel_error_max: Math.max(...e),
  };
}

/** The figures of one real run, by name (the keys `compare` reports). */
export function realFigures(real: LoadRun): Record<string, number> {
  const s = real.summary;
  return {
    // over the arrival window on both sides (first to last arrival): what the server does while clients arrive,
    // whatever becomes of a backlog afterwards (the generator's clients give up after 20 s, the model's do not)
    server_utilization: real.serverUtilizationArrivalWindow,
    server_cpu_ms_per_handshake: real.serverCpuMsPerHandshake,
    wakeups_per_handshake: real.wakeupsPerHandshake,
    handshakes_per_s: s.arrival_window.handshakes_per_s,
    server_utilization_whole_run: real.serverUtilization,
    handshakes_per_s_whole_run: s.throughput.handshakes_per_s,
    handshake_p50_ms: s.handshake_latency_ms.p50,
    handshake_p99_ms: s.handshake_latency_ms.p99,
    record_rtt_p50_us: s.record_rtt_us.p50,
  };
}

/** The same figures predicted by the simulator. */
export function predictedFigures(p: Prediction): Record<string, number> {
  return {
    server_utilization: p.serverUtilizationArrivalWindow,
    server_cpu_ms_per_handshake: p.cpuMsPerHandshake,
    wakeups_per_handshake: p.wakeupsPerHandshake,
    handshakes_per_s: p.handshakesPerSArrivalWindow,
    server_utilization_whole_run: p.serverUtilization,
    handshakes_per_s_whole_run: p.handshakesPerS,
    handshake_p50_ms: p.handshakeP50Ms,
    handshake_p99_ms: p.handshakeP99Ms,
    record_rtt_p50_us: p.recordRttP50Us,
  };
}

/** Figure by figure, `first` as measured against `second` as predicted. */
export function pair(first: Record<string, number>, second: Record<string, number>): Record<string, Figure> {
  const out: Record<string, Figure> = {};
  for (const k of Object.keys(first)) out[k] = fig(first[k]!, second[k]!);
  return out;
}

/** The figures compared for one run. */
export const compare = (real: LoadRun, p: Prediction): Record<string, Figure> => pair(realFigures(real), predictedFigures(p));

/** A row's own inputs to predict() (the run's shared ones are `inputs.base`). */
export interface PredictInputRow {
  clients: number;
  seed: number;
  core_share: number;
  client_share: number;
  overrides: string[];
  host_slowdown: number | null;
  /** The host's speed through the load relative to host_slowdown (cpu.speed_schedule; absent: steady). */
  speed_schedule?: [number, number][];
  /** The generator's actual client starts (ms after its schedule's t0, by client), replayed as the model's arrivals
   *  (clients.arrival trace) unless --no-arrival-replay; absent in runs made before 2026-12-07 18:30. */
  arrivals_ms?: (number | null)[];
  /** The generator loop's stalls (predict.ts loopStallOf) unless --no-loop-stalls; absent in runs made before
   *  2026-12-07 21:26 (loopback-52) or when the clients' mean time per handshake was not above its median. */
  loop_stall?: LoopStall;
}

export interface Row {
  rate: number;
  rep: number;
  figures: Record<string, Figure>;
  /** The server's own account of the load (its turn statistics, with --rep-calibrate; reported, never fitted). */
  turns?: { in_turn_ms_per_handshake: number; off_turn_ms_per_handshake: number; turns_per_handshake: number; slept_turns_per_handshake: number };
  /** The host's speed in the load against the repetition's calibration batches (--rep-calibrate without
   *  --no-speed-probe): the probe kernel's median wall time in each, us, their sample counts, and the slowdown
   *  given to the prediction (1 when a window has fewer than 5 samples). */
  host_speed?: {
    slowdown: number; probe_us_load: number; probe_us_reference: number; samples_load: number; samples_reference: number;
    /** The same load predicted without the slowdown (the model as calibrated): what the probe changed. */
    without: { server_utilization: Figure; handshakes_per_s: Figure; handshake_p50_ms: Figure };
    /** The probe's windows through the load (speed-probe.ts speedSchedule: [ms after the first arrival, factor
     *  relative to `slowdown`]), given to the prediction as cpu.speed_schedule unless --no-speed-schedule; and the
     *  load predicted with the constant slowdown alone (`flat`): what the schedule changed. */
    schedule?: [number, number][];
    flat?: { server_utilization: Figure; handshakes_per_s: Figure; handshake_p50_ms: Figure; handshake_p99_ms: Figure };
  };
  /** --repeat: this load's first run as `measured`, the same load run again right after it as `predicted`. */
  repeat?: Record<string, Figure>;
  /** What the prediction was given besides the run's `inputs` (--repredict runs it again from these). */
  predict_input?: PredictInputRow;
  context: { client_retransmissions_per_handshake: number; server_core_share: number; server_core_share_all_threads: number; predicted_socket_drops: number; generator_saturated: boolean; generator_core_share: number; generator_core_share_all_threads: number; generator_core_share_others: number; other_load_server_core: number; other_load_generator_core: number; generator_utilization: number;
    /** The clients' own time per handshake, ms: the generator's median, the model's with the micro-measured client costs and
     *  with the client costs used (client-time.ts). */
    client_ms_per_handshake: { measured: number; predicted_micro: number; predicted: number };
    run_queue_wait_ms_per_handshake: number; receive_buffer_drops: number; clients_failed: number; clients: number };
}

export type SummaryRow = ReturnType<typeof summarize>[number];

/** A side fell behind its offered load when it completed fewer than this share of the offered handshakes per second
 *  over the arrival window: only then is its handshakes/s a saturated rate. */
export const SATURATED_SHARE = 0.97;

/** Whether a side's handshakes/s over the arrival window fell below SATURATED_SHARE of the offered rate. */
export const fellBehind = (rate: number, handshakesPerS: number): boolean => handshakesPerS < SATURATED_SHARE * rate;

/** Per load: each figure's spread over the repetitions (and without the speed probe, with its median alone (a steady
 *  host), and the repeat runs). */
export function summarize(rows: readonly Row[], rates: readonly number[], capacity: number, repeat: boolean) {
  return rates.map((rate) => {
    const mine = rows.filter((r) => r.rate === rate);
    const figs: Record<string, ReturnType<typeof spread>> = {};
    for (const k of Object.keys(mine[0]!.figures)) figs[k] = spread(mine.map((r) => r.figures[k]!));
    const probed = mine.filter((r) => r.host_speed !== undefined);
    const without = probed.length === mine.length && probed.length > 0
      ? Object.fromEntries((['server_utilization', 'handshakes_per_s', 'handshake_p50_ms'] as const).map((k) => [k, spread(probed.map((r) => r.host_speed!.without[k]))]))
      : null;
    const flatRows = mine.filter((r) => r.host_speed?.flat !== undefined);
    const flat = flatRows.length === mine.length && flatRows.length > 0
      ? Object.fromEntries((['server_utilization', 'handshakes_per_s', 'handshake_p50_ms', 'handshake_p99_ms'] as const).map((k) => [k, spread(flatRows.map((r) => r.host_speed!.flat![k]))]))
      : null;
    const rep2: Record<string, ReturnType<typeof spread>> = {};
    if (mine.every((r) => r.repeat)) for (const k of Object.keys(mine[0]!.repeat!)) rep2[k] = spread(mine.map((r) => r.repeat![k]!));
    // how many repetitions fell behind the offered load on each side: the handshakes/s of a load is a saturated rate
    // only in those (loopback-57: the real server kept up with 1.3 x the model's capacity in two repetitions of three)
    const behind = (side: 'measured' | 'predicted') => mine.filter((r) => fellBehind(rate, r.figures.handshakes_per_s![side])).length;
    const saturated = { measured: behind('measured'), predicted: behind('predicted'), repetitions: mine.length };
    return { rate, offered_fraction_of_capacity: rate / capacity, figures: figs, saturated, figures_without_speed_probe: without, figures_without_speed_schedule: flat, repeat: repeat ? rep2 : null };
  });
}

/** The summary as a text table. */
export function table(summary: readonly SummaryRow[]): string {
  const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  const lines = ['rate/s  figure                          measured   predicted  rel_error (min..max over repetitions)'];
  for (const s of summary) {
    const line = (k: string, f: ReturnType<typeof spread>) =>
      lines.push(`${String(s.rate).padStart(6)}  ${k.padEnd(30)}  ${f.measured.toPrecision(4).padStart(9)}  ${f.predicted.toPrecision(4).padStart(9)}  ${pct(f.rel_error).padStart(8)} (${pct(f.rel_error_min)}..${pct(f.rel_error_max)})`);
    for (const [k, f] of Object.entries(s.figures)) line(k, f);
    for (const [k, f] of Object.entries(s.figures_without_speed_probe ?? {})) line(`${k} (no probe)`, f);
    for (const [k, f] of Object.entries(s.figures_without_speed_schedule ?? {})) line(`${k} (steady host)`, f);
    for (const [k, f] of Object.entries(s.repeat ?? {})) line(`${k} (repeat)`, f);
    const n = s.saturated.repetitions;
    lines.push(`${String(s.rate).padStart(6)}  ${'fell behind the offered rate'.padEnd(30)}  ${`${s.saturated.measured}/${n}`.padStart(9)}  ${`${s.saturated.predicted}/${n}`.padStart(9)}  (repetitions under ${SATURATED_SHARE} x the offered rate)`);
  }
  const top = summary[summary.length - 1];
  if (top && top.saturated.measured < top.saturated.repetitions) {
    lines.push(`note: at the highest load (${top.rate}/s) the real server kept up in ${top.saturated.repetitions - top.saturated.measured} of ${top.saturated.repetitions} repetitions: its handshakes/s there is not a saturated rate (offer more with --loads or --rates)`);
  }
  return `${lines.join('\n')}\n`;
}
