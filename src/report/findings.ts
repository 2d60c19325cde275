// Findings: what a run says first. The bottleneck block (highest utilisation: its utilisation, queue, wait and
// share of "where the time goes"), the tightest SLA and its margin, the work still in progress at the end, and
// what to change with the model's predicted effect.
//
// Prediction (a first-order model, stated in docs/outputs.md): the work a block did (busy unit-seconds) is what
// the offered load needs; with n' units it is spread over the run's time, shortened at saturation by the backlog
// the plain-UDP baseline (same offered records, no accelerator) did not have. See suggest().
import { relativeMargin } from './sla.ts';
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
  /** The change to make, or null when the bottleneck is under SUGGEST_ABOVE utilisation or has no unit count
   *  (a port, the DMA: `raise` then names its capacity parameter). */
  suggestion: {
    /** The override to apply, e.g. "model.aead.instances=2". */
    set: string;
    instances: number;
    predicted_utilization: number;
    /** Goodput the run's blocks could carry with the change, 10^9 bit/s: the changed block's, capped by every other
     *  block's at its utilisation in this run (NaN if the run delivered no records). */
    predicted_capacity_gbps: number;
    /** The other block that caps predicted_capacity_gbps, or null when the changed block itself does. */
    limited_by: string | null;
  } | null;
  /** A bottleneck above SUGGEST_ABOVE with no unit count: the model parameter(s) that set its capacity, else null. */
  raise: string | null;
  /** Work in progress at the end, drops, conservation: one sentence each. */
  warnings: string[];
}

/** Utilisation above which a block is worth changing; the suggestion targets TARGET_UTILIZATION. */
export const SUGGEST_ABOVE = 0.7;
export const TARGET_UTILIZATION = 0.7;
const SATURATED = 0.95;

/** Model parameter holding a block's parallel units, by block kind. */
const UNITS_PARAM: Record<string, string> = {
  aead: 'aead.instances', hash: 'hash.instances', pke: 'pke.instances', cpu: 'cpu.cores', ctx_cache: 'context_cache.ports',
};
/** Model parameters that set the capacity of a block kind with no unit count. */
const CAPACITY_PARAM: Record<string, string> = { port: 'model.port.line_rate_gbps', dma: 'model.dma.bandwidth_gbps or model.dma.max_outstanding' };

/** The breakdown components of block `b`: its own name; the DMA's two blocks share `dma`; a context-cache miss is
 *  `ctx_cache_miss` (docs/outputs.md "breakdown"). */
function componentsOf(b: { name: string; kind: string }): string[] {
  if (b.kind === 'dma') return ['dma'];
  if (b.kind === 'ctx_cache') return [b.name, 'ctx_cache_miss'];
  return [b.name];
}

/** Relative margin, percent (relativeMargin); -Infinity for a missing value, NaN for a target of 0. */
function slaMargin(s: SlaResult): number {
  return Number.isFinite(s.value) ? relativeMargin(s.op, s.target, s.value) * 100 : -Infinity;
}

/** True if SLA check `a` (margin `ma`) is tighter than `b` (margin `mb`): a failure before a pass, then the smaller
 *  margin, a check with no relative margin after those with one. */
function tighter(a: SlaResult, ma: number, b: { pass: boolean; margin_pct: number }): boolean {
  if (a.pass !== b.pass) return !a.pass;
  if (Number.isNaN(ma) || Number.isNaN(b.margin_pct)) return !Number.isNaN(ma) && Number.isNaN(b.margin_pct);
  return ma < b.margin_pct;
}

export function computeFindings(result: SimResult): Findings {
  const s = result.summary;
  let b = null as SimResult['blocks'][number] | null;
  for (const x of result.blocks) if (Number.isFinite(x.utilization) && (b === null || x.utilization > b.utilization)) b = x;
  let bottleneck: Findings['bottleneck'] = null;
  let suggestion: Findings['suggestion'] = null;
  let raise: string | null = null;
  if (b !== null) {
    const share = (entries: SimResult['breakdown']['record']): number => {
      let total = 0;
      let mine = 0;
      const mineOf = componentsOf(b!);
      for (const e of entries) {
        total += e.waiting_us + e.service_us;
        if (mineOf.includes(e.component)) mine += e.waiting_us + e.service_us;
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
    if (param && b.utilization >= SUGGEST_ABOVE && b.instances > 0) suggestion = suggest(result, b, param);
    else if (!param && b.utilization >= SUGGEST_ABOVE) raise = CAPACITY_PARAM[b.kind] ?? null;
  }
  let tightest: Findings['tightest_sla'] = null;
  for (const x of s.sla) {
    const m = slaMargin(x);
    if (tightest === null || tighter(x, m, tightest)) tightest = { name: x.name, value: x.value, target: x.target, margin_pct: m, pass: x.pass };
  }
  return { bottleneck, tightest_sla: tightest, suggestion, raise, warnings: warnings(result) };
}

/**
 * The change for block `b` (units parameter `param`): enough units to bring it to TARGET_UTILIZATION. Busy
 * unit-seconds B = U x n x T stay what the offered work needs; at saturation the run was stretched by the backlog,
 * by the difference between the DTLS and the plain-UDP goodput windows (the same offered records), so the time over
 * which B is spread shrinks to T' = T - (W_dtls - W_udp). U' = B / (n' T'); capacity = bits delivered / B x n'.
 */
function suggest(result: SimResult, b: SimResult['blocks'][number], param: string): NonNullable<Findings['suggestion']> {
  const s = result.summary;
  const T = s.sim_time_s;
  const busy = b.utilization * b.instances * T;
  const wd = s.throughput.goodput_window_s;
  const wu = s.udp_baseline.goodput_window_s;
  const stretch = b.utilization >= SATURATED && Number.isFinite(wu) && wu > 0 && wd > wu ? wd - wu : 0;
  const t2 = T - stretch > 0 ? T - stretch : T;
  const n = Math.max(b.instances + 1, Math.ceil(busy / (t2 * TARGET_UTILIZATION)));
  const bits = s.throughput.goodput_gbps * wd; // 10^9 bits delivered
  let cap = bits > 0 && busy > 0 ? (bits / busy) * n : NaN;
  // every other block carries at most bits / (its busy unit-seconds per unit) at the same work mix: the changed
  // block's capacity is not the run's when another block is nearly as busy (a review found a prediction of 78 Gbit/s
  // where the DMA, 92 % busy, allowed 48)
  let limitedBy: string | null = null;
  for (const o of result.blocks) {
    if (o === b || !(o.utilization > 0) || !Number.isFinite(o.utilization)) continue;
    const c = bits / (o.utilization * T);
    if (Number.isFinite(cap) && c < cap) {
      cap = c;
      limitedBy = o.name;
    }
  }
  return {
    set: `model.${param}=${n}`,
    instances: n,
    predicted_utilization: Math.min(1, busy / (n * t2)),
    predicted_capacity_gbps: cap,
    limited_by: limitedBy,
  };
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
    // network_loss: on the path; attack_reply: the server's replies to a hello flood's spoofed sources
    for (const k of Object.keys(bal.dropped)) if (k !== 'network_loss' && k !== 'attack_reply') d += bal.dropped[k]!;
    if (d > 0) out.push(`${run}: ${d} datagram(s) dropped at the server (${dropList(bal.dropped)})`);
  }
  const a = s.attack;
  if (a) {
    const st = a.server_state;
    out.push(
      `hello flood: ${a.hellos.sent} spoofed ClientHello(s), ${a.garbage.sent} malformed datagram(s); ${a.replies.datagrams} ` +
        `replies (attack_reply); ${st.connections_created} server connection(s) created, peak ${st.peak_connections} held ` +
        `(${st.peak_bytes} B), half-open peak ${st.peak_half_open} of ${st.half_open_cap}`,
    );
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
        (Number.isFinite(g.predicted_capacity_gbps) ? `, capacity ${fmtNum(g.predicted_capacity_gbps)} Gbit/s of goodput` : '') +
        (g.limited_by ? ` (then limited by ${g.limited_by})` : ''),
    );
  } else if (f.raise && f.bottleneck) {
    out.push(`change: ${f.bottleneck.block} has no unit count in the model: raise ${f.raise} (no prediction made)`);
  } else if (f.bottleneck) out.push(`change: none needed (no block above ${SUGGEST_ABOVE * 100} % utilisation)`);
  if (f.tightest_sla) {
    const t = f.tightest_sla;
    const m = Number.isNaN(t.margin_pct) ? 'no relative margin: target 0' : `margin ${Number.isFinite(t.margin_pct) ? t.margin_pct.toFixed(1) : '-'} %`;
    out.push(`tightest SLA: ${t.name} = ${fmtNum(t.value)} vs ${fmtNum(t.target)} (${m}, ${t.pass ? 'PASS' : 'FAIL'})`);
  }
  for (const w of f.warnings) out.push(`warning: ${w}`);
  return out;
}

function fmtNum(x: number): string {
  if (!Number.isFinite(x)) return '-';
  return Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(2) : x.toPrecision(3);
}
