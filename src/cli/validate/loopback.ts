// `npm run validate -- loopback [--json] [--reps N] [--loads f1,f2,...|--rates r1,...] [--seconds S]
//                                [--model FILE | --calibrate [--calibrate-reps N] [--calibrate-tries N] [--calibrate-out FILE]]
//                                [--server-crypto noble|node]
//                                [--arrival constant|poisson] [--priority fifo|nice|none] [--rep-calibrate [N] | --no-rep-calibrate]
//                                [--no-speed-probe] [--no-speed-schedule] [--crypto-scale] [--no-client-time] [--bracket] [--repeat]
//                                [--no-arrival-replay]`
//         `npm run validate -- loopback --repredict FILE [--set cpu.KEY=VALUE ...] [--json]` (src/cli/loopback/repredict.ts)
//
// The simulator against a real server: the project's demo server pinned to core 0, the loadtest generator pinned
// to core 1, at several offered loads from light to past saturation (fractions of the model's capacity on a
// dedicated core); the simulator with the calibrated one-core host model (models/host.yaml unless --model, or a
// fresh calibration with --calibrate) on the same arrival instants: the generator's actual client starts (loadtest
// --arrivals; its timers run late when its event loop is busy, and its clients then arrive in bunches), replayed as
// the model's clients.arrival trace, or the schedule's with --no-arrival-replay. Each repetition starts a fresh server and warms
// it up (JIT) before its loads. Measured beside each run: the share of its core the server and the generator got
// while they had work, CPU time / (CPU time + run-queue wait) (src/cli/loopback/measure.ts); the prediction runs
// the model's core and the clients that much slower (a fluid approximation of time sharing, predict.ts). Prints per figure and load `measured`, `predicted`,
// `rel_error` for each repetition and their medians and spread.
// With the speed probe (the default with --calibrate), the host's speed in each load against the repetition's
// calibration batches slows the model's core (its median), and its windows through the load (250 ms each) become
// the model's cpu.speed_schedule, unless --no-speed-schedule (src/cli/speed-probe.ts speedSchedule); each row
// keeps the prediction with the median alone (`host_speed.flat`, "(steady host)" lines). With --crypto-scale the
// full calibration's crypto and socket figures (which the repetitions do not re-measure) are priced at each
// repetition's host speed: x the probe's median in its batches over the full calibration's
// (`calibration.reps[].crypto_scale`; src/cli/loopback/recalibrate.ts cryptoScaleOverrides).
// With --calibrate (or --rep-calibrate), each repetition also re-measures the server's own figures on its warm
// server just before its loads (N batch repetitions, default 2; src/cli/loopback/recalibrate.ts) and predicts them
// with those; the output's `calibration` shows how far each repetition's figures drifted from the full calibration.
// With --bracket (and --calibrate or --rep-calibrate), the batches instead run one round before the first load and
// one after each load, and each load is predicted from the two rounds around it (src/cli/calibrate/rounds.ts;
// `calibration.reps` then has one entry per load); the speed probe is off.
// The model's clients take the generator's measured own time per handshake (src/cli/loopback/client-time.ts; the
// micro-measured client costs alone with --no-client-time; both in each row's context.client_ms_per_handshake).
// With --repeat, each load runs a second time right after the first (its own seed, the same rate and size), and the
// second run stands in for the prediction of the first (`repeat` per row, `repeat` spread per load in `summary`):
// how well the real server predicts itself seconds later, the floor under any model's error on this host.
// The server runs the noble (pure JavaScript) provider by default so that one core of generator (node:crypto
// clients) can saturate it: a server handshake then costs several times a client's.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProvider } from '../../dtls/index.ts';
import { main as calibrate } from '../calibrate.ts';
import { makeTimer, measureMicro } from '../calibrate/micro.ts';
import { REFUSED, certPaths, median } from '../calibrate/server.ts';
import { analyseRounds, requestTurnStats, runRound, type Round } from '../calibrate/rounds.ts';
import { checkWritable, cryptoRandom, parseIntOpt, UsageError } from '../demo-common.ts';
import { resolvePriority, runLoadAgainst, startServer, warmUp, type Priority } from '../loopback/measure.ts';
import { loadavg } from 'node:os';
import { clientCostsFrom, loopStallOf, predict } from '../loopback/predict.ts';
import { clientShareFor, predictedClientMs } from '../loopback/client-time.ts';
import { retryRefused } from '../loopback/retry.ts';
import { cryptoScaleOverrides, drift, recalibrateFrom, recalibrateOn, serverValues, type RepCalibration, type ServerKey } from '../loopback/recalibrate.ts';
import { sortedTurns, windowTurns } from '../calibrate/offpath.ts';
import { readTurnStats, type Window } from '../calibrate/variability.ts';
import { parseModel } from '../../workload/config/index.ts';
import { SPEED_PROBE_MS, slowdown, speedSchedule } from '../speed-probe.ts';
import { repredictMain } from '../loopback/repredict.ts';
import { compare, pair, realFigures, summarize, table, type Row } from '../loopback/figures.ts';

export { compare, fig, pair, predictedFigures, realFigures, spread, summarize, table, type Figure, type PredictInputRow, type Row, type SummaryRow } from '../loopback/figures.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../..');

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}


/** The server's turns during each load (reported beside the kernel's figures): CPU inside and outside its turns and
 *  turns per completed handshake. */
function attachTurns(rows: Row[], turnStats: string, windows: readonly Window[], log: (s: string) => void): void {
  try {
    const wt = windowTurns(sortedTurns(readTurnStats(turnStats)), windows);
    rows.forEach((r, i) => {
      const hs = Math.max(1, r.figures.server_cpu_ms_per_handshake!.measured > 0 ? (windows[i]!.cpuS * 1000) / r.figures.server_cpu_ms_per_handshake!.measured : 1);
      const w = wt[i]!;
      r.turns = { in_turn_ms_per_handshake: w.inTurnMs / hs, off_turn_ms_per_handshake: (windows[i]!.cpuS * 1000 - w.inTurnMs) / hs, turns_per_handshake: w.turns / hs, slept_turns_per_handshake: w.sleptTurns / hs };
      log(`rep ${r.rep + 1} rate ${r.rate}/s, the server's turns: ${r.turns.in_turn_ms_per_handshake.toFixed(2)} ms CPU per handshake inside, ${r.turns.off_turn_ms_per_handshake.toFixed(2)} outside; ${r.turns.turns_per_handshake.toFixed(2)} turns per handshake, ${r.turns.slept_turns_per_handshake.toFixed(2)} after a sleep >= 1 ms`);
    });
  } catch (e) {
    log(`no turn statistics for the loads: ${(e as Error).message}`);
  }
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const a = opts.args;
  const savedRun = opt(a, '--repredict');
  if (savedRun !== undefined) return repredictMain(savedRun, a, opts.json);
  // every argument checked before anything is measured (a bad --reps used to fail after the measurements)
  const reps = parseIntOpt(opt(a, '--reps') ?? '3', '--reps', 1, 50);
  const seconds = Number(opt(a, '--seconds') ?? 4);
  if (!(seconds > 0 && seconds <= 3600)) throw new UsageError(`--seconds must be a number in (0, 3600], got ${opt(a, '--seconds')}`);
  const serverCrypto = (opt(a, '--server-crypto') ?? 'noble') as 'node' | 'noble';
  if (serverCrypto !== 'node' && serverCrypto !== 'noble') throw new UsageError('--server-crypto must be node or noble');
  const arrival = (opt(a, '--arrival') ?? 'constant') as 'constant' | 'poisson';
  const records = parseIntOpt(opt(a, '--records') ?? '1', '--records', 1, 1_000_000);
  const size = parseIntOpt(opt(a, '--size') ?? '100', '--size', 1, 16_384);
  if (arrival !== 'constant' && arrival !== 'poisson') throw new UsageError('--arrival must be constant or poisson');
  const wanted = (opt(a, '--priority') ?? 'nice') as Priority;
  if (wanted !== 'fifo' && wanted !== 'nice' && wanted !== 'none') throw new UsageError('--priority must be fifo, nice or none');
  for (const name of ['--loads', '--rates']) {
    const v = opt(a, name);
    if (v !== undefined && !v.split(',').every((x) => Number(x) > 0 && Number.isFinite(Number(x)))) throw new UsageError(`${name} must be positive numbers separated by commas, got ${v}`);
  }
  const calOut = opt(a, '--calibrate-out');
  if (a.includes('--calibrate') && calOut !== undefined) checkWritable(calOut, '--calibrate-out');
  const certs = certPaths(ROOT);
  const tmp = mkdtempSync(join(tmpdir(), 'loopback-'));
  const log = (s: string) => process.stderr.write(`validate loopback: ${s}\n`);
  const t0 = performance.now();
  const load0 = loadavg();
  const started = new Date().toISOString();
  const prio = resolvePriority(wanted);
  if (prio.warning) log(`warning: ${prio.warning}`);
  const priority = prio.priority;
  try {
    let modelFile = opt(a, '--model') ?? join(ROOT, 'models/host.yaml');
    let fullBatchCpuMs: { a: number; c: number; d: number } | undefined;
    /** The host's speed in the full calibration's batches (its server's speed probe), when it ran one. */
    let fullProbe: { us: number; n: number } | undefined;
    let calibrateTries = 0;
    if (a.includes('--calibrate')) {
      modelFile = opt(a, '--calibrate-out') ?? join(tmp, 'host.yaml');
      log(`calibrating this host (server provider ${serverCrypto})...`);
      let json = '';
      // a refusal (exit 3: the batches did not identify the fit, e.g. the host slowed for one round of them) is
      // measured again, up to --calibrate-tries times in all (default 2)
      const { code, runs } = await retryRefused(Number(opt(a, '--calibrate-tries') ?? 2), () => {
        json = '';
        return calibrate(['--out', modelFile, '--crypto', serverCrypto, '--reps', opt(a, '--calibrate-reps') ?? '3', '--priority', priority, '--json'], (s) => void (json += s), (s) => void process.stderr.write(s));
      }, log);
      calibrateTries = runs;
      if (code !== 0) throw new Error(`calibrate exited ${code}${code === REFUSED ? ` (it refused the batches ${runs} times: see its last line; run again)` : ''}`);
      const sv = (JSON.parse(json) as { server: Record<'a' | 'c' | 'd', { batches: { cpuMsPerHandshake: number }[] }> & { probe?: { us: number; n: number } } }).server;
      fullProbe = sv.probe;
      const med = (k: 'a' | 'c' | 'd') => median(sv[k].batches.map((x) => x.cpuMsPerHandshake));
      fullBatchCpuMs = { a: med('a'), c: med('c'), d: med('d') };
    }
    const arrivalReplay = !a.includes('--no-arrival-replay');
    const repCalibrate = (a.includes('--calibrate') || a.includes('--rep-calibrate')) && !a.includes('--no-rep-calibrate');
    const repCalReps = Number(/^\d+$/.test(opt(a, '--rep-calibrate') ?? '') ? opt(a, '--rep-calibrate') : 2);
    // the host's speed: probed in the server during its calibration batches and its loads (needs the batches)
    // --bracket: each load is predicted from one round of the batches just before it and one just after it (the
    // server's CPU per handshake drifted by 30-40 % within minutes while the speed probe stayed within 7 %,
    // loopback-27/28): the bracket takes the place of the speed probe
    const bracket = repCalibrate && a.includes('--bracket');
    const repeat = a.includes('--repeat');
    const speedProbe = repCalibrate && !bracket && !a.includes('--no-speed-probe');
    const scheduleOn = speedProbe && !a.includes('--no-speed-schedule');
    const clientTime = !a.includes('--no-client-time');
    const loopStalls = !a.includes('--no-loop-stalls');
    const fullValues = serverValues(modelFile);
    const repCals: { rep: number; rate?: number; refused: boolean; values: Record<ServerKey, number>; drift: Record<ServerKey, number>; batch_cpu_ms: { a: number; c: number; d: number } | null; batch_cpu_drift: { a: number; c: number; d: number } | null; crypto_scale?: number }[] = [];
    // --crypto-scale: the crypto and socket figures at each repetition's host speed, the speed probe in its batches
    // against the full calibration's (loopback-41 rep 3: batches on a host 1.33x slower than the full calibration's,
    // saturated CPU per handshake 4.79 ms against 3.79 predicted). Off by default: in loopback-42 the probe put one
    // repetition's batches 1.37x slower where their CPU per handshake was 1.13-1.20x the next repetition's, and that
    // repetition's saturated rate came out +48 % (docs/validation.md)
    const cryptoScaleOn = speedProbe && a.includes('--crypto-scale');
    const scaleOf = (m: { probe?: { us: number; n: number } }): number =>
      cryptoScaleOn && fullProbe && fullProbe.n >= 5 && m.probe && m.probe.n >= 5 ? m.probe.us / fullProbe.us : 1;
    /** Records a re-calibration (refused: undefined) in `repCals`; its batches' CPU per handshake against the full
     *  calibration's, when both exist. */
    const noteRepCal = (rep: number, rate: number | undefined, rc: RepCalibration | undefined) => {
      const values = rc?.values ?? fullValues;
      const rel = (x: number, y: number) => (y - x) / x;
      const bd = rc && fullBatchCpuMs ? { a: rel(fullBatchCpuMs.a, rc.batchCpuMs.a), c: rel(fullBatchCpuMs.c, rc.batchCpuMs.c), d: rel(fullBatchCpuMs.d, rc.batchCpuMs.d) } : null;
      repCals.push({ rep, ...(rate !== undefined ? { rate } : {}), refused: rc === undefined, values, drift: drift(fullValues, values), batch_cpu_ms: rc?.batchCpuMs ?? null, batch_cpu_drift: bd, crypto_scale: rc ? scaleOf(rc.measurement) : 1 });
      return bd;
    };
    const model = parseModel(readFileSync(modelFile, 'utf8'), modelFile);
    log('client costs (node:crypto calls, CPU time)...');
    const costs = clientCostsFrom(measureMicro(createProvider('node', cryptoRandom), makeTimer(30, 5)), model.cpu);
    const base = { modelFile, records, size, cookie: true, oneWayMs: 0.01, clientCosts: costs, arrival };
    // Capacity of the model on a dedicated core: saturate it with a burst and read the handshake rate (without the
    // socket buffer: a 400-client burst overflows it, and the clients' 1 s back-off then idles the core, which
    // put the estimate at 204/s for a core that completes ~270/s when kept busy)
    const capacity = predict({ ...base, clients: 400, rate: 1e6, seed: 1, coreShare: 1, clientShare: 1, modelOverrides: ['cpu.socket_rcvbuf_bytes=0'] }).handshakesPerS;
    const fractions = (opt(a, '--loads') ?? '0.25,0.5,0.8,1.3').split(',').map(Number);
    const rates = opt(a, '--rates')?.split(',').map(Number) ?? fractions.map((f) => Math.max(1, Math.round(f * capacity)));
    log(`model ${modelFile}: capacity ${capacity.toFixed(1)} handshakes/s on a dedicated core; offered ${rates.join(', ')} /s (${arrival}), ${seconds} s each, ${reps} repetitions`);
    const rows: Row[] = [];
    for (let rep = 0; rep < reps; rep++) {
      const turnStats = join(tmp, `turns-${rep}.json`);
      const loadWindows: Window[] = [];
      const server = await startServer({ root: ROOT, crypto: serverCrypto, cookie: true, serverCore: 0, cert: certs.cert, key: certs.key, priority, ...(repCalibrate ? { turnStats } : {}), ...(speedProbe ? { speedProbeMs: SPEED_PROBE_MS } : {}) });
      try {
        await warmUp(ROOT, server, { ca: certs.ca, priority, size, arrival }); // warm-up (JIT, young generation)
        let overrides: string[] = [];
        let reference: { startEpochMs: number; endEpochMs: number } | undefined;
        const batchOpts = { reps: 1, log: (s: string) => log(`rep ${rep + 1} calibration: ${s}`), ca: certs.ca, priority, asleepUs: model.cpu.wakeup_linger_us };
        let before: Round | undefined = bracket ? await runRound(ROOT, server, batchOpts, 1000 * (rep + 1), 'round 0') : undefined;
        if (repCalibrate && !bracket) {
          const c0 = performance.timeOrigin + performance.now();
          log(`rep ${rep + 1}: calibration batches on this warm server (${repCalReps} x A, B, C, D, E)...`);
          const rc = await recalibrateOn(ROOT, server, turnStats, modelFile, costs, { ...batchOpts, reps: repCalReps, crypto: serverCrypto }, (m) => cryptoScaleOverrides(modelFile, scaleOf(m)));
          if (rc) reference = { startEpochMs: c0, endEpochMs: performance.timeOrigin + performance.now() };
          const bd = noteRepCal(rep, undefined, rc);
          if (rc) {
            overrides = rc.overrides;
            log(`rep ${rep + 1} calibration: batches A/C/D ${rc.batchCpuMs.a.toFixed(2)}/${rc.batchCpuMs.c.toFixed(2)}/${rc.batchCpuMs.d.toFixed(2)} ms per handshake` +
              (bd ? ` (${[bd.a, bd.c, bd.d].map((x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`).join('/')} against the full calibration)` : '') +
              `; crypto and socket x${scaleOf(rc.measurement).toFixed(3)} (probe ${rc.measurement.probe?.us.toFixed(1) ?? '-'} us against ${fullProbe?.us.toFixed(1) ?? '-'} in the full calibration)` +
              `; ${overrides.filter((o) => !/^cpu\.(software\.|cycles_per_datagram=)/.test(o)).join(' ')}`);
          }
        }
        for (const [li, rate] of rates.entries()) {
          const clients = Math.max(20, Math.round(rate * seconds));
          const seed = rep + 1;
          const w0 = performance.timeOrigin + performance.now();
          const real = await runLoadAgainst(ROOT, server, 1, 0, { clients, rate, records, size, ca: certs.ca, seed, arrival, priority });
          const w1 = performance.timeOrigin + performance.now();
          loadWindows.push({ startEpochMs: w0, endEpochMs: w1, cpuS: real.serverCpuS });
          const again = repeat ? await runLoadAgainst(ROOT, server, 1, 0, { clients, rate, records, size, ca: certs.ca, seed: seed + 1000, arrival, priority }) : undefined;
          if (bracket && before) {
            const after = await runRound(ROOT, server, batchOpts, 1000 * (rep + 1) + li + 1, `round ${li + 1}`);
            const rc = recalibrateFrom(await analyseRounds(serverCrypto, [before, after], server, turnStats, batchOpts), modelFile, costs, batchOpts.log);
            before = after;
            overrides = rc?.overrides ?? [];
            noteRepCal(rep, rate, rc);
            if (rc) log(`rep ${rep + 1} rate ${rate}/s: bracketing batches A/C/D ${rc.batchCpuMs.a.toFixed(2)}/${rc.batchCpuMs.c.toFixed(2)}/${rc.batchCpuMs.d.toFixed(2)} ms per handshake; ${overrides.join(' ')}`);
          }
          // the model's clients start when the generator's did (its actual starts), unless --no-arrival-replay
          const arrivals = arrivalReplay ? real.summary.arrivals_ms : undefined;
          // the generator's pauses on its loop (predict.ts loopStallOf), unless --no-loop-stalls
          const loopStall = loopStalls ? loopStallOf(rate, real.summary.handshake_client_ms) : undefined;
          const inRow = { ...base, clients, rate, seed, ...(arrivals ? { arrivalsMs: arrivals } : {}), ...(loopStall ? { loopStall } : {}) };
          const coreShare = Math.max(0.05, real.serverCoreShare);
          const generatorShare = Math.max(0.05, real.generatorCoreShare);
          // the clients at the generator's measured time per handshake (client-time.ts), unless --no-client-time
          const clientMsMeasured = real.summary.handshake_client_ms?.p50 ?? Number.NaN;
          const micro = clientTime ? predict({ ...inRow, coreShare, clientShare: generatorShare, modelOverrides: overrides }) : undefined;
          const clientShare = micro ? clientShareFor(generatorShare, predictedClientMs(micro), clientMsMeasured) : generatorShare;
          let hostSpeed: Row['host_speed'];
          if (speedProbe && reference) {
            await requestTurnStats(server, turnStats);
            const probes = readTurnStats(turnStats).probes ?? [];
            const sd = slowdown(probes, reference, { startEpochMs: w0, endEpochMs: w1 });
            const w = compare(real, predict({ ...inRow, coreShare, clientShare, modelOverrides: overrides }));
            // the variation within the load, from its first arrival (the simulator's t = 0) on
            const schedule = scheduleOn ? speedSchedule(probes, real.summary.arrival_window.start_epoch_ms, w1, sd.loadUs) : [];
            const flat = schedule.length > 0 ? compare(real, predict({ ...inRow, coreShare, clientShare, modelOverrides: overrides, hostSlowdown: sd.factor })) : undefined;
            hostSpeed = {
              slowdown: sd.factor, probe_us_load: sd.loadUs, probe_us_reference: sd.referenceUs, samples_load: sd.loadN, samples_reference: sd.referenceN,
              without: { server_utilization: w.server_utilization!, handshakes_per_s: w.handshakes_per_s!, handshake_p50_ms: w.handshake_p50_ms! },
              ...(schedule.length > 0 ? { schedule } : {}),
              ...(flat ? { flat: { server_utilization: flat.server_utilization!, handshakes_per_s: flat.handshakes_per_s!, handshake_p50_ms: flat.handshake_p50_ms!, handshake_p99_ms: flat.handshake_p99_ms! } } : {}),
            };
          }
          const schedule = hostSpeed?.schedule;
          const p = predict({ ...inRow, coreShare, clientShare, modelOverrides: overrides, ...(hostSpeed ? { hostSlowdown: hostSpeed.slowdown } : {}), ...(schedule ? { speedSchedule: schedule } : {}) });
          const figures = compare(real, p);
          // without --no-client-time the prediction at the generator's share is `micro`; with it, `p` itself
          const clientMsMicro = predictedClientMs(micro ?? p);
          const repeated = again ? pair(realFigures(real), realFigures(again)) : undefined;
          rows.push({
            rate, rep, figures, ...(hostSpeed ? { host_speed: hostSpeed } : {}), ...(repeated ? { repeat: repeated } : {}),
            predict_input: { clients, seed, core_share: coreShare, client_share: clientShare, overrides, host_slowdown: hostSpeed?.slowdown ?? null, ...(schedule ? { speed_schedule: schedule } : {}), ...(arrivals ? { arrivals_ms: arrivals } : {}), ...(loopStall ? { loop_stall: loopStall } : {}) },
            context: {
              // the generator sees its clients' retransmissions only; the simulator's count adds the server's (not comparable)
              client_retransmissions_per_handshake: real.summary.handshakes.retransmissions / Math.max(1, real.summary.handshakes.completed),
              server_core_share: real.serverCoreShare, server_core_share_all_threads: real.serverCoreShareAllThreads, predicted_socket_drops: p.socketDrops,
              // the generator's CPU time over its wall time: near 1 it, not the server, would set the pace
              generator_saturated: real.generatorUtilization > 0.9,
              generator_core_share: real.generatorCoreShare, generator_core_share_all_threads: real.generatorCoreShareAllThreads, generator_core_share_others: real.generatorCoreShareOthers, other_load_server_core: real.otherLoadServerCore, other_load_generator_core: real.otherLoadGeneratorCore, generator_utilization: real.generatorUtilization,
              client_ms_per_handshake: { measured: clientMsMeasured, predicted_micro: clientMsMicro, predicted: predictedClientMs(p) },
              run_queue_wait_ms_per_handshake: real.runQueueWaitMsPerHandshake, receive_buffer_drops: real.receiveBufferDrops, clients_failed: real.summary.clients_failed, clients,
            },
          });
          const f = (k: string) => `${figures[k]!.measured.toPrecision(3)}/${figures[k]!.predicted.toPrecision(3)}`;
          log(`rep ${rep + 1} rate ${rate}/s (${hostSpeed ? `host slowdown ${hostSpeed.slowdown.toFixed(3)}: probe ${hostSpeed.probe_us_load.toFixed(1)} us (${hostSpeed.samples_load}) vs ${hostSpeed.probe_us_reference.toFixed(1)} us (${hostSpeed.samples_reference})${hostSpeed.schedule ? `, through the load x${Math.min(...hostSpeed.schedule.map((e) => e[1]), 1).toFixed(2)}..x${Math.max(...hostSpeed.schedule.map((e) => e[1]), 1).toFixed(2)} in ${hostSpeed.schedule.length} steps, p50 ${hostSpeed.flat!.handshake_p50_ms.predicted.toPrecision(3)} ms steady` : ''}; ` : ''}core share server ${(coreShare * 100).toFixed(0)} % [all threads ${(real.serverCoreShareAllThreads * 100).toFixed(0)} %], generator ${(generatorShare * 100).toFixed(0)} % busy ${(real.generatorUtilization * 100).toFixed(0)} %, client ms/hs ${clientMsMeasured.toFixed(2)} against ${clientMsMicro.toFixed(2)} micro-measured): ` +
            `util ${f('server_utilization')} cpu ms/hs ${f('server_cpu_ms_per_handshake')} hs/s ${f('handshakes_per_s')} p50 ${f('handshake_p50_ms')} ms drops ${real.receiveBufferDrops}/${p.socketDrops} (measured/predicted)`);
          if (repeated) log(`rep ${rep + 1} rate ${rate}/s repeated: util ${repeated.server_utilization!.measured.toPrecision(3)}/${repeated.server_utilization!.predicted.toPrecision(3)} cpu ms/hs ${repeated.server_cpu_ms_per_handshake!.measured.toPrecision(3)}/${repeated.server_cpu_ms_per_handshake!.predicted.toPrecision(3)} p50 ${repeated.handshake_p50_ms!.measured.toPrecision(3)}/${repeated.handshake_p50_ms!.predicted.toPrecision(3)} ms (first/second run)`);
          if (real.generatorUtilization > 0.9) log(`warning: the generator used ${(real.generatorUtilization * 100).toFixed(0)} % of its core: it may be the bottleneck`);
        }
      } finally {
        await server.stop();
      }
      if (repCalibrate) attachTurns(rows.slice(-loadWindows.length), turnStats, loadWindows, log);
    }
    const summary = summarize(rows, rates, capacity, repeat);
    const out = {
      model: modelFile, model_capacity_handshakes_per_s: capacity, server_crypto: serverCrypto, arrival, seconds, reps, wall_s: (performance.now() - t0) / 1000,
      started, load_average_start: load0, load_average_end: loadavg(), priority, priority_warning: prio.warning ?? null,
      calibration: { tries: calibrateTries, rep_calibrate: repCalibrate, bracket, rep_calibrate_batch_reps: repCalibrate ? (bracket ? 2 : repCalReps) : 0, full: { values: fullValues, batch_cpu_ms: fullBatchCpuMs ?? null }, reps: repCals },
      summary, rows,
      // what --repredict needs to run the predictions again: the model as calibrated and the shared inputs
      inputs: { model_yaml: readFileSync(modelFile, 'utf8'), base: { ...base, modelFile: undefined } },
    };
    if (opts.json) {
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      return;
    }
    process.stdout.write(table(summary));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
