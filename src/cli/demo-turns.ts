// The demo server's own account of its event-loop turns and garbage collections (`npm run demo:server --
// --turn-stats FILE`), read by the calibration (src/cli/calibrate/variability.ts) to measure how irregular the
// server's service is. Each turn is one callback of the event loop that does DTLS work: a received datagram (the
// dispatcher's receive and everything it sends back) or a timer (retransmissions). Per turn: its start (epoch ms),
// its wall time and its CPU time (process.cpuUsage: every thread of the process, microsecond resolution from
// getrusage), the bytes received and the bytes sent. Per garbage collection (perf_hooks 'gc' entries): its start
// (epoch ms), its pause (the entry's duration) and its kind (minor = scavenge, major = mark-compact, incremental
// marking, weak callbacks). Samples are held in memory and written as JSON once, when the server stops, so that the
// measurement adds no I/O to the turns it measures (a turn's own bookkeeping: two cpuUsage calls, ~1 us).
import { renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { SpeedProbe } from './speed-probe.ts';

/** A turn that sent at least this many bytes sent the server's flight (the certificate chain included; a
 *  HelloRetryRequest, an ACK or an echo is < 200 B). */
export const FLIGHT_MIN_BYTES_OUT = 512;

export type GcKind = 'minor' | 'major' | 'incremental' | 'weakcb' | 'other';

export interface TurnStatsFile {
  /** [start epoch ms, wall us, cpu us, bytes in (0: timer), bytes out, first flight, process cpu us at the start]
   *  per turn; first flight 1: the first turn of a received datagram from its address that sent at least
   *  FLIGHT_MIN_BYTES_OUT (the server's handshake flight; a resent flight answers the client's retransmission at a
   *  fraction of the cost), else 0. The last: the process's CPU time (every thread, process.cpuUsage) when the turn
   *  began, so that the CPU spent between two turns (event loop, epoll, V8's helper threads) is known gap by gap
   *  (absent in files written before 2026-12-07). */
  turns: [number, number, number, number, number, 0 | 1, number?][];
  /** [start epoch ms, pause ms, kind] per garbage collection. */
  gcs: [number, number, GcKind][];
  /** The speed probe's samples (`--speed-probe`, src/cli/speed-probe.ts): [epoch ms, kernel wall us]; absent
   *  without it. */
  probes?: [number, number][];
}

export function gcKindName(kind: number | undefined): GcKind {
  switch (kind) {
    case constants.NODE_PERFORMANCE_GC_MINOR:
      return 'minor';
    case constants.NODE_PERFORMANCE_GC_MAJOR:
      return 'major';
    case constants.NODE_PERFORMANCE_GC_INCREMENTAL:
      return 'incremental';
    case constants.NODE_PERFORMANCE_GC_WEAKCB:
      return 'weakcb';
    default:
      return 'other';
  }
}

export class TurnRecorder {
  private readonly data: TurnStatsFile = { turns: [], gcs: [] };
  private probe: SpeedProbe | undefined;
  private readonly obs: PerformanceObserver;
  private t0 = 0;
  private c0: NodeJS.CpuUsage = { user: 0, system: 0 };
  private flushed = false;
  private readonly flown = new Set<string>();

  constructor(private readonly file: string) {
    this.obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = ((e as { detail?: unknown }).detail as { kind?: number } | undefined)?.kind;
        this.data.gcs.push([performance.timeOrigin + e.startTime, e.duration, gcKindName(kind)]);
      }
    });
    this.obs.observe({ entryTypes: ['gc'] });
  }

  /** Times the host-speed kernel at the end of received datagrams' turns, at most once per `intervalMs`. */
  enableSpeedProbe(intervalMs: number): void {
    const samples: [number, number][] = (this.data.probes = []);
    this.probe = new SpeedProbe(intervalMs, samples, () => performance.now(), (t) => performance.timeOrigin + t);
  }

  begin(): void {
    this.t0 = performance.now();
    this.c0 = process.cpuUsage();
  }

  /** `address`: the sender of the received datagram (none for a timer). */
  end(bytesIn: number, bytesOut: number, address?: string): void {
    const c = process.cpuUsage(this.c0);
    const t1 = performance.now();
    let first: 0 | 1 = 0;
    if (address !== undefined && bytesOut >= FLIGHT_MIN_BYTES_OUT && !this.flown.has(address)) {
      this.flown.add(address);
      first = 1;
    }
    this.data.turns.push([performance.timeOrigin + this.t0, (t1 - this.t0) * 1000, c.user + c.system, bytesIn, bytesOut, first, this.c0.user + this.c0.system]);
    // after the turn's account: the probe is no part of the turn it follows (and runs after datagrams only, so it
    // never wakes the server)
    if (address !== undefined) this.probe?.maybe();
  }

  /** Writes the samples so far and keeps recording (SIGUSR2: a calibration on a running server); the file appears
   *  whole (written aside, then renamed). Returns why it could not be written (the samples stay in memory), or
   *  undefined. */
  write(): string | undefined {
    const tmp = `${this.file}.part`;
    try {
      writeFileSync(tmp, JSON.stringify(this.data));
      renameSync(tmp, this.file);
      return undefined;
    } catch (e) {
      return `cannot write --turn-stats ${this.file}: ${(e as Error).message}`;
    }
  }

  /** Writes the samples (once; later calls do nothing and return undefined). Returns why they could not be written. */
  flush(): string | undefined {
    if (this.flushed) return undefined;
    this.flushed = true;
    this.obs.disconnect();
    return this.write();
  }
}

/** Why `file` could not receive the turn statistics, checked before the server starts (the file is written only when
 *  the server stops, too late to learn that its directory is missing): writes and removes the `.part` file that
 *  write() renames into place, and refuses a directory. Undefined when it can. */
export function turnStatsUnwritable(file: string): string | undefined {
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) return `--turn-stats ${file} is a directory`;
    const tmp = `${file}.part`;
    writeFileSync(tmp, '');
    unlinkSync(tmp);
    return undefined;
  } catch (e) {
    return `cannot write --turn-stats ${file}: ${(e as Error).message}`;
  }
}
