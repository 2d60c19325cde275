// Findings: what a run says first. The bottleneck block (highest utilisation: its utilisation, queue, wait and
// share of "where the time goes"), the tightest SLA and its margin, the work still in progress at the end, and
// what to change with the model's predicted effect.
//
// Prediction (a first-order model, stated in docs/outputs.md): a block of n units at utilisation U serving a
// demand D (in units of its current served load) reaches U' = U x D x n / n' with n' units. D is 1 below
// saturation; at saturation (U >= 0.95) the served load is capped, and the demand on the record path is estimated
// from the plain-UDP baseline, which carries the same offered records without the accelerator: D = UDP records/s
// / DTLS records/s. The block's capacity scales with its units: goodput / U x n' / n.
import type { SimResult, SlaResult } from './types.ts';

export interface Findings {
  /** Highest-utilisation block, or null when there is none. */
  bottleneck: {
    block: string;
    utilization: number;
    instances: number;
    mean_queue: number;
    p99_wait_us: number;
    /** The block's share (queueing + service) of the mean record (or handshake, if larger) latency, percent. */
    time_share_pct: number;
    time_share_of: 'record' | 'handshake';
  } | null;
  /** The SLA check with the smallest margin (negative: failed by that much), or null without SLAs. */
  tightest_sla: { name: string; value: number; target: number; margin_pct: number; pass: boolean } | null;
  /** The change to make, or null when no block is above SUGGEST_ABOVE utilisation. */
  suggestion: {
    /** The override to apply, e.g. "model.aead.instances=2". */
    set: string;
    instances: number;
    predicted_utilization: number;
    /** Goodput the block could carry with the change, 10^9 bit/s (NaN if the run delivered no records). */
    predicted_capacity_gbps: number;
  } | null;
  /** Work in progress at the end, drops, conservation: one sentence each. */
  warnings: string[];
}

/** Utilisation above which a block is worth changing; the suggestion targets TARGET_UTILIZATION. */
export const SUGGEST_ABOVE = 0.7;
export const TARGET_UTILIZATION = 0.7;
const SATURATED = 0.95;

/** Model parameter holding a block's parallel units, by block kind. */
const UNITS_PARAM: Record<string, string> = { aead: 'aead.instances', hash: 'hash.instances', pke: 'pke.instances', cpu: 'cpu.cores' };

function slaMargin(s: SlaResult): number {
  if (!Number.isFinite(s.value)) return -Infinity;
  const scale = Math.abs(s.target) > 0 ? Math.abs(s.target) : 1;
  return ((s.op === '<=' ? s.target - s.value : s.value - s.target) / scale) * 100;
}

export function computeFindings(result: SimResult): Findings {
  const s = result.summary;
  let b = null as SimResult['blocks'][number] | null;
  for (const x of result.blocks) if (Number.isFinite(x.utilization) && (b === null || x.utilization > b.utilization)) b = x;
  let bottleneck: Findings['bottleneck'] = null;
  let suggestion: Findings['suggestion'] = null;
  if (b !== null) {
    const share = (entries: SimResult['breakdown']['record']): number => {
      let total = 0;
      let mine = 0;
      for (const e of entries) {
        total += e.waiting_us + e.service_us;
        if (e.component === b!.name) mine += e.waiting_us + e.service_us;
      }
      return total > 0 ? (mine / total) * 100 : 0;
    };
    const rec = share(result.breakdown.record);
    const hs = share(result.breakdown.handshake);
    bottleneck = {
      block: b.name, utilization: b.utilization, instances: b.instances, mean_queue: b.mean_queue, p99_wait_us: b.wait_us.p99,
      time_share_pct: Math.max(rec, hs), time_share_of: hs > rec ? 'handshake' : 'record',
    };
    const param = UNITS_PARAM[b.kind] ?? UNITS_PARAM[b.name];
    if (param && b.utilization >= SUGGEST_ABOVE && b.instances > 0) {
      const udpRate = s.udp_baseline.records_per_s;
      const demand = b.utilization >= SATURATED && s.throughput.records_per_s > 0 && udpRate > s.throughput.records_per_s
        ? udpRate / s.throughput.records_per_s : 1;
      const load = b.utilization * demand * b.instances; // busy units
      const n = Math.max(b.instances + 1, Math.ceil(load / TARGET_UTILIZATION));
      const g = s.throughput.goodput_gbps;
      suggestion = {
        set: `model.${param}=${n}`,
        instances: n,
        predicted_utilization: load / n,
        predicted_capacity_gbps: g > 0 ? (g / b.utilization) * (n / b.instances) : NaN,
      };
    }
  }
  let tightest: Findings['tightest_sla'] = null;
  for (const x of s.sla) {
    const m = slaMargin(x);
    if (tightest === null || m < tightest.margin_pct) tightest = { name: x.name, value: x.value, target: x.target, margin_pct: m, pass: x.pass };
  }
  return { bottleneck, tightest_sla: tightest, suggestion, warnings: warnings(result) };
}

function warnings(result: SimResult): string[] {
  const s = result.summary;
  const out: string[] = [];
  const hp = s.handshakes.in_progress;
  if (hp > 0) {
    out.push(`${hp} handshake(s) still in progress at the end: not in the handshake latency figures or SLAs (raise sim.end_ms)`);
  }
  const inFlight = s.conservation.dtls.in_flight + s.conservation.udp_baseline.in_flight;
  if (inFlight > 0) {
    out.push(`${s.conservation.dtls.in_flight} DTLS and ${s.conservation.udp_baseline.in_flight} UDP datagrams still in flight at the end`);
  }
  for (const [run, bal] of [['DTLS', s.conservation.dtls], ['UDP baseline', s.conservation.udp_baseline]] as const) {
    let d = 0;
    for (const k of Object.keys(bal.dropped)) if (k !== 'network_loss') d += bal.dropped[k]!;
    if (d > 0) out.push(`${run}: ${d} datagram(s) dropped at the server (${dropList(bal.dropped)})`);
  }
  return out;
}

export function dropList(dropped: Record<string, number>): string {
  const keys = Object.keys(dropped).sort();
  return keys.length ? keys.map((k) => `${k} ${dropped[k]}`).join(', ') : 'none';
}

/** The findings as terminal / report lines (no trailing newline). */
export function findingsLines(f: Findings): string[] {
  const out: string[] = [];
  const pc = (x: number): string => `${(x * 100).toFixed(1)} %`;
  if (f.bottleneck) {
    const b = f.bottleneck;
    out.push(
      `bottleneck: ${b.block} ${pc(b.utilization)} busy (${b.instances} unit${b.instances === 1 ? '' : 's'}), mean queue ${b.mean_queue.toFixed(2)}, ` +
        `p99 wait ${fmtNum(b.p99_wait_us)} us, ${b.time_share_pct.toFixed(1)} % of the mean ${b.time_share_of} latency`,
    );
  }
  if (f.suggestion) {
    const g = f.suggestion;
    out.push(
      `change: --set ${g.set}: predicted utilisation ${pc(g.predicted_utilization)}` +
        (Number.isFinite(g.predicted_capacity_gbps) ? `, capacity ${fmtNum(g.predicted_capacity_gbps)} Gbit/s of goodput` : ''),
    );
  } else if (f.bottleneck) out.push(`change: none needed (no block above ${SUGGEST_ABOVE * 100} % utilisation)`);
  if (f.tightest_sla) {
    const t = f.tightest_sla;
    out.push(`tightest SLA: ${t.name} = ${fmtNum(t.value)} vs ${fmtNum(t.target)} (margin ${Number.isFinite(t.margin_pct) ? t.margin_pct.toFixed(1) : '-'} %, ${t.pass ? 'PASS' : 'FAIL'})`);
  }
  for (const w of f.warnings) out.push(`warning: ${w}`);
  return out;
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}
