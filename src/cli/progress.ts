// Progress on stderr for long runs. On a TTY: one bar redrawn in place with \r (at most every 100 ms). Otherwise
// (pipes, CI logs): one plain line every few seconds. `onProgress(fractionDone, simTimeS)` is the callback that
// runScenario calls.

export interface ProgressOptions {
  /** Where to write (default process.stderr). */
  stream?: { write(s: string): unknown; isTTY?: boolean; columns?: number };
  /** Override TTY detection. */
  tty?: boolean;
  /** Wall clock in ms (default performance.now). Injected by tests. */
  clock?: () => number;
  /** Minimum ms between TTY redraws (default 100). */
  ttyIntervalMs?: number;
  /** Minimum ms between lines when not a TTY (default 5000). */
  lineIntervalMs?: number;
  /** Text before the bar. */
  label?: string;
  /** Print nothing at all. */
  quiet?: boolean;
}

export interface Progress {
  onProgress(fractionDone: number, simTimeS: number): void;
  /** Clear the bar (TTY) and print a final line unless quiet. `ok` false: the run failed. `simEndS`: the run's own
   *  simulated end (summary.json sim_end_s), printed instead of the last progress tick so both outputs agree. */
  finish(ok?: boolean, simEndS?: number): void;
  /** Lines/redraws written so far (for tests). */
  readonly writes: number;
}

function fmtDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '?';
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

function fmtSim(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 1e-3) return `${(s * 1e6).toFixed(1)}us`;
  if (s < 1) return `${(s * 1e3).toFixed(1)}ms`;
  return `${s.toFixed(2)}s`;
}

export function createProgress(opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  const clock = opts.clock ?? (() => performance.now());
  const ttyInterval = opts.ttyIntervalMs ?? 100;
  const lineInterval = opts.lineIntervalMs ?? 5000;
  const label = opts.label ?? 'sim';
  const t0 = clock();
  // TTY: draw at once. Plain lines: the first one after lineInterval, so short runs print no progress at all.
  let last = tty ? -Infinity : t0;
  let writes = 0;
  let drawn = 0; // chars of the current TTY line
  let finished = false;
  let lastFraction = 0;
  let lastSim = 0;

  const text = (f: number, sim: number, barWidth: number): string => {
    const elapsed = (clock() - t0) / 1000;
    const eta = f > 0 && f < 1 ? (elapsed * (1 - f)) / f : f >= 1 ? 0 : NaN;
    const pctText = `${(f * 100).toFixed(1).padStart(5)}%`;
    const info = `${pctText}  sim ${fmtSim(sim)}  elapsed ${fmtDuration(elapsed)}  ETA ${fmtDuration(eta)}`;
    if (barWidth <= 0) return `${label} ${info}`;
    const fill = Math.round(f * barWidth);
    return `${label} [${'#'.repeat(fill)}${'.'.repeat(barWidth - fill)}] ${info}`;
  };

  return {
    get writes() {
      return writes;
    },
    onProgress(fractionDone, simTimeS) {
      if (opts.quiet || finished) return;
      const f = Math.min(1, Math.max(0, Number.isFinite(fractionDone) ? fractionDone : 0));
      lastFraction = f;
      lastSim = simTimeS;
      const now = clock();
      if (now - last < (tty ? ttyInterval : lineInterval)) return;
      last = now;
      writes++;
      if (tty) {
        const cols = stream.columns ?? 80;
        const line = text(f, simTimeS, Math.max(0, Math.min(30, cols - 60)));
        stream.write(`\r${line}${' '.repeat(Math.max(0, drawn - line.length))}`);
        drawn = line.length;
      } else {
        stream.write(`${text(f, simTimeS, 0)}\n`);
      }
    },
    finish(ok = true, simEndS?: number) {
      if (finished) return;
      finished = true;
      if (opts.quiet) return;
      if (tty && drawn > 0) stream.write(`\r${' '.repeat(drawn)}\r`);
      const elapsed = (clock() - t0) / 1000;
      if (ok) stream.write(`${label}: done, ${fmtSim(simEndS ?? lastSim)} simulated in ${fmtDuration(elapsed)}\n`);
      else stream.write(`${label}: stopped at ${(lastFraction * 100).toFixed(1)}% (${fmtSim(lastSim)} simulated)\n`);
      writes++;
    },
  };
}
