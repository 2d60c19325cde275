// `npm run validate -- loopback --calibrate`: each repetition re-measures the real server's costs on the very server
// it then loads, warm, just before those loads, and predicts them with that repetition's figures. Why: the real
// server's CPU per handshake moved by more than 10 % within a minute on this shared machine (identical batches on
// one warm server, 2026-12-05 11:56, load average 2.6: 4.36, 4.35, 3.50 ms), so a calibration made a minute before
// the loads carried another level than the loads met. Only the calibration batches (src/cli/calibrate/server.ts:
// A, B, C, D on the same server) enter the fit; the validation loads never do. What the repetition re-measures are
// the server-side figures (per handshake message, per record, per wake-up on and off the path and their refill, GC pauses, turn
// variation); the crypto and socket figures are the full calibration's at the repetition's host speed (`base`
// overrides, cryptoScaleOverrides: the server's speed probe in the repetition's batches against the full
// calibration's), the receive-buffer figures the full calibration's. The change against the full calibration is
// reported per repetition (`drift`): the same batches' CPU per handshake and the figures.
import { readFileSync } from 'node:fs';
import { applyModelOverrides, parseModel } from '../../workload/config/index.ts';
import { FitError, fitServer, median, type ServerFit, type ServerMeasurement } from '../calibrate/server.ts';
import { runBatches, type BatchOptions } from '../calibrate/rounds.ts';
import { variabilityValues } from '../calibrate/render.ts';
import { countsOf, splitProtocol, type ProtocolFigures } from '../calibrate/split.ts';
import type { ServerHandle } from './measure.ts';
import { predict, type ClientCostsUs } from './predict.ts';

/** The model keys a repetition re-measures. */
export const SERVER_KEYS = [
  'cycles_per_handshake_message', 'cycles_per_record', 'cycles_per_wakeup', 'wakeup_refill_ms', 'offpath_cycles_per_wakeup',
  'offpath_refill_ms', 'gc_pause_cycles', 'gc_every_cycles', 'service_cv',
] as const;
export type ServerKey = (typeof SERVER_KEYS)[number];

export interface RepCalibration {
  /** The re-measured figures (model units), as `cpu.KEY=value` overrides of the full calibration's model. */
  values: Record<ServerKey, number>;
  overrides: string[];
  /** CPU ms per handshake of the repetition's A, C and D batches (medians over its batch repetitions). */
  batchCpuMs: { a: number; c: number; d: number };
  fit: ServerFit;
  protocol: ProtocolFigures;
  measurement: ServerMeasurement;
}

/** The cpu figures of a model file for the SERVER_KEYS. */
export function serverValues(modelFile: string): Record<ServerKey, number> {
  const cpu = parseModel(readFileSync(modelFile, 'utf8'), modelFile).cpu as unknown as Record<ServerKey, number>;
  return Object.fromEntries(SERVER_KEYS.map((k) => [k, cpu[k]])) as Record<ServerKey, number>;
}

/** Relative change of each figure against the full calibration's (`from` 0: the difference itself). */
export function drift(from: Record<ServerKey, number>, to: Record<ServerKey, number>): Record<ServerKey, number> {
  return Object.fromEntries(SERVER_KEYS.map((k) => [k, from[k] !== 0 ? (to[k] - from[k]) / from[k] : to[k] - from[k]])) as Record<ServerKey, number>;
}

/** The simulator's count of the calibration workloads' work on `modelFile` (its protocol figures play no part in
 *  the counts: crypto, datagrams, messages and records are the DTLS code's). */
function counts(modelFile: string, costs: ClientCostsUs, w: { clients: number; rate: number }, records: number, base: readonly string[]) {
  const p = predict({ modelFile, clients: w.clients, rate: w.rate, records, size: 100, cookie: true, seed: 1, oneWayMs: 0.01, clientCosts: costs, arrival: 'constant', coreShare: 1, clientShare: 1, modelOverrides: [...base] });
  const cpu = p.result.blocks.find((x) => x.name === 'cpu')!;
  return countsOf(cpu, p.result.summary.handshakes.completed);
}

/** Runs the calibration batches on the running, warm `server` (recording its turns to `turnStats`) and derives the
 *  repetition's figures; undefined (logged) when the fit is refused: the repetition then keeps the full
 *  calibration's figures. */
export async function recalibrateOn(
  root: string, server: ServerHandle, turnStats: string, modelFile: string, costs: ClientCostsUs, opts: BatchOptions & { crypto: 'node' | 'noble' },
  baseFor: (m: ServerMeasurement) => string[] = () => [],
): Promise<RepCalibration | undefined> {
  const model = parseModel(readFileSync(modelFile, 'utf8'), modelFile);
  const m = await runBatches(root, opts.crypto, server, turnStats, { ...opts, asleepUs: model.cpu.wakeup_linger_us });
  return recalibrateFrom(m, modelFile, costs, opts.log, baseFor(m));
}

/** Overrides that put every micro-measured CPU figure of `modelFile` (cpu.software: crypto; cpu.cycles_per_datagram:
 *  socket) at `scale` x its value: the full calibration's figures on a host `scale` x slower. [] at scale 1 or not
 *  a positive finite number. */
export function cryptoScaleOverrides(modelFile: string, scale: number): string[] {
  if (!(scale > 0) || !Number.isFinite(scale) || scale === 1) return [];
  const cpu = parseModel(readFileSync(modelFile, 'utf8'), modelFile).cpu;
  const out: string[] = [];
  const r = (x: number) => Number((x * scale).toPrecision(6));
  for (const [k, v] of Object.entries(cpu.software)) {
    if (typeof v === 'number') out.push(`cpu.software.${k}=${r(v)}`);
    else if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) if (typeof v2 === 'number') out.push(`cpu.software.${k}.${k2}=${r(v2)}`);
  }
  out.push(`cpu.cycles_per_datagram=${r(cpu.cycles_per_datagram)}`);
  return out;
}

/** The figures of a measurement of the calibration batches (runBatches, or analyseRounds over chosen rounds), with
 *  `base` overrides of the model (the crypto at the repetition's speed) under the split and first in `overrides`;
 *  undefined (logged) when the fit is refused. */
export function recalibrateFrom(m: ServerMeasurement, modelFile: string, costs: ClientCostsUs, log: (s: string) => void, base: readonly string[] = []): RepCalibration | undefined {
  const model = applyModelOverrides(parseModel(readFileSync(modelFile, 'utf8'), modelFile), base);
  let fit: ServerFit;
  try {
    fit = fitServer(m);
  } catch (e) {
    if (!(e instanceof FitError)) throw e;
    log(`repetition calibration refused (${e.message}): the full calibration's figures are used`);
    return undefined;
  }
  const protocol = splitProtocol(fit, counts(modelFile, costs, m.a, 1, base), counts(modelFile, costs, m.b, 1 + m.b.echoes, base), m.b.echoes, model.cpu.clock_ghz, model.cpu.cycles_per_datagram);
  const v = variabilityValues(m.variability, model.cpu.clock_ghz);
  const values: Record<ServerKey, number> = {
    cycles_per_handshake_message: Math.max(1, Math.round(protocol.messageCycles)),
    cycles_per_record: Math.max(1, Math.round(protocol.recordCycles)),
    cycles_per_wakeup: Math.round(protocol.wakeupCycles),
    wakeup_refill_ms: protocol.refillMs,
    offpath_cycles_per_wakeup: Math.round(protocol.offpathCycles ?? 0),
    offpath_refill_ms: protocol.offpathRefillMs ?? 0,
    gc_pause_cycles: v.gcPause,
    gc_every_cycles: v.gcEvery,
    service_cv: v.cv,
  };
  const cpu = (b: { batches: { cpuMsPerHandshake: number }[] }) => median(b.batches.map((x) => x.cpuMsPerHandshake));
  return {
    values,
    overrides: [...base, ...SERVER_KEYS.map((k) => `cpu.${k}=${values[k]}`)],
    batchCpuMs: { a: cpu(m.a), c: cpu(m.c), d: cpu(m.d) },
    fit, protocol, measurement: m,
  };
}
