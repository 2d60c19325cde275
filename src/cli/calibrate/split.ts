// From the real server's CPU time (server.ts) to the model's protocol parameters. The simulator runs the same DTLS
// code as the server, so it counts exactly what the server did per handshake and per echo: crypto operations
// (priced with the micro-measured software rates the model charges), datagrams, handshake messages and records.
// What the measured CPU time leaves after the crypto and the socket cost of those datagrams is protocol work:
//   cycles_per_record            = (echo CPU - its wake-ups x cycles_per_wakeup - echo crypto
//                                   - echo datagrams x cycles_per_datagram) / echo records
//   cycles_per_handshake_message = (handshake CPU - its crypto - its datagrams x cycles_per_datagram
//                                   - its records x cycles_per_record) / its messages
//   cycles_per_wakeup            = the measured CPU per wake-up (server.ts)
// (handshake CPU: one handshake with its one echoed record and close, wake-ups excluded).
import { REFILL_GRID_MS, type ServerFit } from './server.ts';

const REFILL_CANDIDATES = REFILL_GRID_MS.length + 1;

/** What the simulator's host CPU did per handshake in a calibration workload. */
export interface SimCounts {
  cryptoCycles: number;
  datagrams: number;
  messages: number;
  records: number;
}

export interface ProtocolFigures {
  messageCycles: number;
  recordCycles: number;
  wakeupCycles: number;
  /** cpu.wakeup_refill_ms (0: every wake-up costs wakeupCycles). */
  refillMs: number;
  /** cpu.offpath_cycles_per_wakeup (0 without the server's turn statistics) and how it was measured. */
  offpathCycles?: number;
  /** cpu.offpath_refill_ms (0: each wake-up books all of offpathCycles). */
  offpathRefillMs?: number;
  /** How wakeup_refill_ms was obtained (absent: the batch totals' grid). */
  refillHow?: string;
  offpathHow?: string;
  /** How offpath_refill_ms was obtained (absent: the batch totals' line, render.ts says which). */
  offpathRefillHow?: string;
  /** How each figure was obtained (comments of models/host.yaml). */
  messageHow: string;
  recordHow: string;
  wakeupHow: string;
}

/** Counts per handshake from the simulator's cpu block. */
export function countsOf(cpu: { ops: Record<string, number>; counters?: Record<string, number> | undefined }, handshakes: number): SimCounts {
  const o = cpu.ops;
  const n = Math.max(1, handshakes);
  return {
    cryptoCycles: (cpu.counters?.crypto_cycles ?? 0) / n,
    datagrams: (o.datagram ?? 0) / n,
    messages: (o['handshake-message'] ?? 0) / n,
    records: ((o['handshake-record'] ?? 0) + (o.record ?? 0)) / n,
  };
}

export function splitProtocol(fit: ServerFit, a: SimCounts, b: SimCounts, echoes: number, ghz: number, datagramCycles: number): ProtocolFigures {
  const cyc = (ms: number) => ms * 1e6 * ghz;
  const d = (k: keyof SimCounts) => (b[k] - a[k]) / echoes;
  // the echo's wake-ups at their whole cost (on and off the path; the on-path part at its full value: the echoes
  // of batch B follow one another within ~1 ms)
  const echoCycles = cyc(fit.echoMs - (fit.wakeupMs + (fit.split?.offWakeupMs ?? 0)) * fit.echoWakeups);
  const recordRaw = (echoCycles - d('cryptoCycles') - d('datagrams') * datagramCycles) / d('records');
  const recordCycles = Math.max(0, recordRaw);
  const hsCycles = cyc(fit.handshakeMs);
  const messageRaw = (hsCycles - a.cryptoCycles - a.datagrams * datagramCycles - a.records * recordCycles) / a.messages;
  const messageCycles = Math.max(0, messageRaw);
  const clamp = (raw: number) => (raw < 0 ? ` (fit ${Math.round(raw)} < 0, clamped)` : '');
  return {
    messageCycles,
    recordCycles,
    wakeupCycles: cyc(fit.wakeupMs),
    refillMs: fit.refillMs,
    offpathCycles: cyc(fit.split?.offWakeupMs ?? 0),
    offpathRefillMs: fit.split?.offRefillMs ?? 0,
    ...(fit.split ? { refillHow: fit.split.onRefillFrom === 'line'
      ? `fitted with cycles_per_wakeup: of ${REFILL_CANDIDATES} candidates (0, 0.25..64 ms), the one whose line of the batches' in-turn CPU per handshake on their slept turns each weighted by 1 - exp(-its sleep / it) left the smallest residual`
      : `fitted with cycles_per_wakeup through the turns' penalty by the sleep before them (bins 30-100 us .. above 10 ms), of ${REFILL_CANDIDATES} candidates (0, 0.25..64 ms) the one with the smallest weighted residual` } : {}),
    ...(fit.split?.offFrom === 'gaps' ? { offpathRefillHow: `fitted with offpath_cycles_per_wakeup through the off-turn CPU per gap by the gap's length (bins up to 300 us .. above 10 ms), of ${REFILL_CANDIDATES} candidates (0, 0.25..64 ms) the one with the smallest gap-weighted residual` } : {}),
    offpathHow: fit.split?.offFrom === 'gaps'
      ? `real server: CPU between its event-loop turns gap by gap (the process's CPU time at each turn's start, less the turn's own) against the gap's length: ${(fit.split.offWakeupMs * 1000).toFixed(1)} us x (1 - exp(-gap / ${fit.split.offRefillMs} ms)) per gap past the linger, above what any gap costs, least squares through bins of the gap; the rest of the batches' off-turn CPU, ${fit.split.offHandshakeMs.toFixed(3)} ms per handshake, is kept on the path (in cycles_per_handshake_message); rms over ${fit.batches} batches ${fit.split.offRmsMs.toFixed(3)} ms`
      : fit.split
      ? `real server: CPU outside its event-loop turns (kernel total - the turns' own CPU) per handshake = ${fit.split.offHandshakeMs.toFixed(3)} ms + ${(fit.split.offWakeupMs * 1000).toFixed(1)} us x wake-ups per handshake${fit.split.offRefillMs > 0 ? ` each x (1 - exp(-its sleep / ${fit.split.offRefillMs} ms))` : ''}, least squares over ${fit.batches} handshake batches (rms ${fit.split.offRmsMs.toFixed(3)} ms; ${fit.split.offRefillMs > 0 ? `every wake-up at the full cost: ${fit.split.offPlainRmsMs.toFixed(3)}` : 'the line on refill-weighted wake-ups fitted no better'}); the per-handshake part is kept on the path (in cycles_per_handshake_message)`
      : 'not measured (the server wrote no turn statistics): all of a wake-up on the path',
    messageHow: `real server: ${fit.handshakeMs.toFixed(3)} ms CPU per handshake with one echo, wake-ups excluded${fit.split ? ` (${fit.split.onHandshakeMs.toFixed(3)} inside its turns + ${fit.split.offHandshakeMs.toFixed(3)} outside)` : ''}, less ${(a.cryptoCycles / ghz / 1e6).toFixed(3)} ms crypto, ` +
      `${a.datagrams.toFixed(1)} datagrams and ${a.records.toFixed(1)} records, over ${a.messages.toFixed(1)} messages${clamp(messageRaw)}`,
    recordHow: `real server: ${(fit.echoMs * 1000).toFixed(1)} us CPU per extra echo less ${fit.echoWakeups.toFixed(2)} wake-ups, ${(d('cryptoCycles') / ghz / 1e3).toFixed(1)} us crypto and ${d('datagrams').toFixed(1)} datagrams, ` +
      `over ${d('records').toFixed(1)} records${clamp(recordRaw)}`,
    wakeupHow: fit.split ? (fit.split.onFrom === 'line'
      ? `real server's own turns: ${(fit.wakeupMs * 1000).toFixed(1)} us on the path: least squares over ${fit.batches} handshake batches of the CPU inside the server's event-loop turns per handshake on its slept turns per handshake, each weighted by 1 - exp(-its sleep / wakeup_refill_ms) (the turn penalty alone, a turn after a sleep against the same kind of turn within 30 us of the one before, gave ${(fit.split.penalty.wakeupMs * 1000).toFixed(1)} us; `
      : `real server's own turns: ${(fit.wakeupMs * 1000).toFixed(1)} us on the path: a turn after a sleep against the same kind of turn (bytes in and out) in the same batch within 30 us of the turn before, pooled per bin of the sleep's length, W (1 - exp(-sleep / wakeup_refill_ms)) through the bins (`) + `the batch totals' line gave ${(fit.split.total.wakeupMs * 1000).toFixed(1)} us per wake-up on and off the path together, tau ${fit.split.total.refillMs} ms)` : `real server: ${(fit.wakeupMs * 1000).toFixed(1)} us CPU per wake-up (voluntary context switch), least squares of CPU per handshake on wake-ups per handshake (${fit.wakeupsMin.toFixed(2)}..${fit.wakeupsMax.toFixed(2)}) over ${fit.batches} handshake batches (rms residual ${fit.rmsMs.toFixed(3)} ms per handshake)` +
      (fit.refillMs > 0 ? `, each wake-up weighted by 1 - exp(-its batch's mean sleep / wakeup_refill_ms)` : ''),
  };
}
