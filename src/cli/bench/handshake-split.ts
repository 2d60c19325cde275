// `npm run bench -- handshake --split`: where the full handshake's wall time goes beyond "asymmetric replay +
// protocol alone" (./handshake.ts). The ratio rounds are not touched: this runs its own rounds afterwards, with every
// asymmetric call (kx keygen/derive, sign, verify) timed one by one, in five measurements per round of 10 handshakes:
//  - live: the handshakes, wall time and the time spent inside their asymmetric calls; live protocol = the rest;
//  - replay: the recorded calls alone, back to back (as the ratio's denominator runs them), timed per call;
//  - interleaved: each handshake's calls replayed right after one stubbed handshake (untimed): the replay with the
//    protocol's code and data running in between, as in the live handshake;
//  - stub: the handshakes with the asymmetric calls answered from precomputed results (protocol alone);
//  - GC: the duration of the garbage collections that started inside each kind of timed region (perf_hooks 'gc').
// From these: asymmetric calls slowed by the protocol around them = live in-call - replay (interleaved - replay says
// the same from the replay side), protocol slowed by the asymmetric work around it = live protocol - stub.
// Medians over rounds, per handshake, in ms; GC as a mean (few rounds see a collection).
import { PerformanceObserver } from 'node:perf_hooks';
import { createProvider, type CryptoProvider, type ProviderKind, type RandomSource } from '../../dtls/index.ts';
import { handshakeOnce, makeWorld, replay, type Call, type Setup, type WorldOpts } from './handshake-world.ts';

const ASYM = ['kxGenerate', 'kxDerive', 'sign', 'verify'] as const;
type Asym = (typeof ASYM)[number];

/** Accumulated time inside the asymmetric calls of the providers `timed` wrapped (ms), per method. */
export class CallClock {
  total = 0;
  readonly byMethod: Record<Asym, number> = { kxGenerate: 0, kxDerive: 0, sign: 0, verify: 0 };
  readonly calls: Record<Asym, number> = { kxGenerate: 0, kxDerive: 0, sign: 0, verify: 0 };
  reset(): void {
    this.total = 0;
    for (const m of ASYM) { this.byMethod[m] = 0; this.calls[m] = 0; }
  }
  /** `p` with each asymmetric method timed into this clock (other methods inherited). */
  timed(p: CryptoProvider): CryptoProvider {
    const r = Object.create(p) as Record<string, unknown>;
    for (const m of ASYM) {
      const f = (p as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(p);
      r[m] = (...args: unknown[]) => {
        const t = performance.now();
        const out = f(...args);
        const d = performance.now() - t;
        this.total += d;
        this.byMethod[m] += d;
        this.calls[m]++;
        return out;
      };
    }
    return r as unknown as CryptoProvider;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}
const ms = (x: number) => Number(x.toFixed(4));

export interface Split {
  rounds: number;
  live_wall_ms: number;
  live_asym_calls_ms: number;
  live_protocol_ms: number;
  replay_ms: number;
  replay_interleaved_ms: number;
  stub_ms: number;
  asym_slowed_by_protocol_ms: number;
  protocol_slowed_by_asym_ms: number;
  /** Per method, live vs replay (median per-handshake time spent in that method's calls). */
  per_method_ms: Record<Asym, { live: number; replay: number; interleaved: number }>;
  gc_ms_per_handshake: { live: number; replay: number; interleaved: number; stub: number };
}

/** The split of one provider's full handshake (see the header); `rounds` rounds of `per` handshakes. */
export async function measureSplit(kind: ProviderKind, rng: RandomSource, setup: Setup, o: WorldOpts, rounds: number, per = 10): Promise<Split> {
  const clock = new CallClock();
  const world = makeWorld(kind, rng, setup, o, false, (p) => clock.timed(p));
  const stub = makeWorld(kind, rng, setup, o, true);
  const replayer = clock.timed(createProvider(kind, rng));
  const gcs: [number, number][] = [];
  const obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) gcs.push([e.startTime, e.duration]); });
  obs.observe({ entryTypes: ['gc'] });
  for (let i = 0; i < 50; i++) {
    const log: Call[] = [];
    handshakeOnce(world, log)();
    replay(replayer, log);
    handshakeOnce(stub, undefined)();
  }
  const kinds = ['live', 'replay', 'interleaved', 'stub'] as const;
  const windows: [(typeof kinds)[number], number, number][] = [];
  const liveWall: number[] = [];
  const liveIn: number[] = [];
  const rep: number[] = [];
  const ilv: number[] = [];
  const stubT: number[] = [];
  const perM = Object.fromEntries(ASYM.map((m) => [m, { live: [] as number[], replay: [] as number[], interleaved: [] as number[] }])) as
    Record<Asym, { live: number[]; replay: number[]; interleaved: number[] }>;
  const take = (into: 'live' | 'replay' | 'interleaved') => { for (const m of ASYM) perM[m][into].push(clock.byMethod[m] / per); };
  for (let r = 0; r < rounds; r++) {
    const logs: Call[][] = [];
    const closers: (() => void)[] = [];
    clock.reset();
    let t0 = performance.now();
    for (let i = 0; i < per; i++) {
      const log: Call[] = [];
      closers.push(handshakeOnce(world, log));
      logs.push(log);
    }
    let t1 = performance.now();
    windows.push(['live', t0, t1]);
    liveWall.push((t1 - t0) / per);
    liveIn.push(clock.total / per);
    take('live');
    for (const c of closers) c();
    clock.reset();
    t0 = performance.now();
    for (const log of logs) replay(replayer, log);
    t1 = performance.now();
    windows.push(['replay', t0, t1]);
    rep.push(clock.total / per);
    take('replay');
    clock.reset();
    for (const log of logs) {
      handshakeOnce(stub, undefined)();
      t0 = performance.now();
      replay(replayer, log);
      windows.push(['interleaved', t0, performance.now()]);
    }
    ilv.push(clock.total / per);
    take('interleaved');
    const stubClosers: (() => void)[] = [];
    t0 = performance.now();
    for (let i = 0; i < per; i++) stubClosers.push(handshakeOnce(stub, undefined));
    t1 = performance.now();
    windows.push(['stub', t0, t1]);
    stubT.push((t1 - t0) / per);
    for (const c of stubClosers) c();
  }
  await new Promise((res) => setTimeout(res, 20)); // the observer's last entries
  obs.disconnect();
  const gc = { live: 0, replay: 0, interleaved: 0, stub: 0 };
  windows.sort((a, b) => a[1] - b[1]);
  for (const [start, d] of gcs) {
    // the last window starting at or before the collection, if the collection started inside it
    let lo = 0;
    let hi = windows.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (windows[mid]![1] <= start) lo = mid;
      else hi = mid - 1;
    }
    const w = windows[lo];
    if (w && start >= w[1] && start < w[2]) gc[w[0]] += d;
  }
  const n = rounds * per;
  const live = median(liveWall);
  const inCall = median(liveIn);
  const proto = median(liveWall.map((w, i) => w - liveIn[i]!));
  return {
    rounds,
    live_wall_ms: ms(live),
    live_asym_calls_ms: ms(inCall),
    live_protocol_ms: ms(proto),
    replay_ms: ms(median(rep)),
    replay_interleaved_ms: ms(median(ilv)),
    stub_ms: ms(median(stubT)),
    asym_slowed_by_protocol_ms: ms(inCall - median(rep)),
    protocol_slowed_by_asym_ms: ms(proto - median(stubT)),
    per_method_ms: Object.fromEntries(ASYM.map((m) => [m, {
      live: ms(median(perM[m].live)), replay: ms(median(perM[m].replay)), interleaved: ms(median(perM[m].interleaved)),
    }])) as Split['per_method_ms'],
    gc_ms_per_handshake: { live: ms(gc.live / n), replay: ms(gc.replay / n), interleaved: ms(gc.interleaved / n), stub: ms(gc.stub / n) },
  };
}

/** One line of the split for the text output. */
export function splitLine(s: Split): string {
  const f = (x: number) => x.toFixed(3);
  return `  split (${s.rounds} rounds, ms per handshake, medians): live wall ${f(s.live_wall_ms)}, of which (median of rounds) asymmetric calls ` +
    `${f(s.live_asym_calls_ms)} + protocol ${f(s.live_protocol_ms)}; replay ${f(s.replay_ms)} (interleaved with stubbed ` +
    `handshakes ${f(s.replay_interleaved_ms)}); stub ${f(s.stub_ms)}; asymmetric calls slowed by the protocol ` +
    `${f(s.asym_slowed_by_protocol_ms)}, protocol slowed by the asymmetric work ${f(s.protocol_slowed_by_asym_ms)}; ` +
    `GC (mean) live ${f(s.gc_ms_per_handshake.live)} replay ${f(s.gc_ms_per_handshake.replay)} stub ${f(s.gc_ms_per_handshake.stub)}\n`;
}
