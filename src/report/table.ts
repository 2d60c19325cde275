// Short plain-text summary for the terminal (stdout). Deterministic: no colours, no wall time, fixed formats.
import { fixed, fmt, pct, textTable } from './format.ts';
import { computeFindings, dropList, findingsLines } from './findings.ts';
import type { SimResult, SlaResult } from './types.ts';

function f3(x: number): string {
  return fmt(x, 4);
}

function slaLine(s: SlaResult): string[] {
  const u = s.unit ? ` ${s.unit}` : '';
  const value = Number.isFinite(s.value) ? `${fmt(s.value, 4)}${u}` : '- (undefined)';
  return [s.name, `${s.op} ${fmt(s.target)}${u}`, value, s.pass ? 'PASS' : 'FAIL'];
}

/** Count of failed SLA checks. */
export function slaFailures(result: Pick<SimResult, 'summary'>): number {
  return result.summary.sla.filter((s) => !s.pass).length;
}

/** The terminal table (ends with a newline). Does not include wall time, so it is identical for equal inputs. */
export function renderTerminalSummary(result: SimResult): string {
  const s = result.summary;
  const out: string[] = [];
  const w = s.sim_end_s - s.sim_time_s; // warm-up
  out.push(
    `scenario ${s.scenario}  model ${s.model}  seed ${s.seed}  simulated ${fmt(s.sim_end_s)} s (statistics over ${fmt(s.sim_time_s)} s after ${fmt(w)} s of warm-up)  events ${fmt(s.events)}`,
  );
  const findings = findingsLines(computeFindings(result));
  if (findings.length) out.push(...findings.map((l) => `  ${l}`));
  out.push('');
  out.push(
    `handshakes: offered ${s.handshakes.offered}  completed ${s.handshakes.completed}  failed ${s.handshakes.failed}  in progress ${s.handshakes.in_progress}  retransmissions ${s.handshakes.retransmissions}${s.handshakes.half_open_dropped ? `  server half-open dropped ${s.handshakes.half_open_dropped} (dtls.half_open)` : ''}`,
  );
  out.push(`records:    sent ${s.records.sent}  received ${s.records.received}  not received ${s.records.lost}`);
  const cd = s.conservation.dtls;
  const cu = s.conservation.udp_baseline;
  out.push(`datagrams (whole run), dtls:         sent ${cd.sent}  delivered ${cd.delivered}  in flight ${cd.in_flight}  dropped: ${dropList(cd.dropped)}`);
  out.push(`datagrams (whole run), udp baseline: sent ${cu.sent}  delivered ${cu.delivered}  in flight ${cu.in_flight}  dropped: ${dropList(cu.dropped)}`);
  out.push('');
  const h = s.handshake_latency_ms;
  const r = s.record_latency_us;
  const u = s.udp_baseline.record_latency_us;
  out.push(
    textTable([
      ['latency', 'mean', 'p50', 'p90', 'p99', 'max'],
      ['handshake (ms)', f3(h.mean), f3(h.p50), f3(h.p90), f3(h.p99), f3(h.max)],
      ['record (us)', f3(r.mean), f3(r.p50), '-', f3(r.p99), f3(r.max)],
      ['udp baseline (us)', f3(u.mean), f3(u.p50), '-', f3(u.p99), f3(u.max)],
    ]),
  );
  out.push('');
  const t = s.throughput;
  const b = s.udp_baseline;
  out.push(
    textTable([
      ['throughput', 'dtls', 'udp baseline'],
      ['goodput window (s)', f3(t.goodput_window_s), f3(b.goodput_window_s)],
      ['goodput (Gbit/s)', f3(t.goodput_gbps), f3(b.goodput_gbps)],
      ['records/s over window', f3(t.records_per_s), f3(b.records_per_s)],
      ['port rx wire (Gbit/s)', f3(t.wire_rx_gbps), f3(b.wire_rx_gbps)],
      ['port tx wire (Gbit/s)', f3(t.wire_tx_gbps), f3(b.wire_tx_gbps)],
      ['handshakes/s', f3(t.handshakes_per_s), '-'],
    ]),
  );
  const o = s.overhead_vs_udp;
  out.push(
    `overhead vs udp: wire bytes per delivered byte ${signedPct(o.bytes_pct)}  mean record latency ${signedPct(o.latency_pct)}`,
  );
  out.push(
    `dtls / udp: aggregate goodput ratio ${fixed(o.aggregate_goodput_ratio, 3)} (each over its own window)  per-connection throughput ratio ${fixed(o.throughput_ratio, 3)} (overhead_vs_udp.throughput_ratio)`,
  );
  out.push('');
  out.push(
    textTable([
      ['block', 'inst', 'util', 'mean queue', 'p99 wait (us)', 'ops', 'dropped'],
      ...result.blocks.map((x) => [
        x.name,
        String(x.instances),
        pct(x.utilization),
        fixed(x.mean_queue, 2),
        f3(x.wait_us.p99),
        String(x.served),
        String(x.dropped),
      ]),
    ]),
  );
  out.push('');
  const c = s.cost;
  out.push(
    `cost: area ${f3(c.area_mm2)} mm^2  power ${f3(c.avg_power_w)} W  ${f3(c.energy_per_handshake_uj)} uJ/handshake  ${f3(c.energy_per_gb_j)} J/GB  memory ${fmt(s.memory.bytes_per_connection)} B/connection`,
  );
  if (s.sla.length) {
    out.push('');
    const failed = slaFailures(result);
    out.push(textTable([['sla', 'target', 'value', 'result'], ...s.sla.map(slaLine)], { rightAlign: [false, false, false, false] }));
    const unfinished = s.handshakes.in_progress > 0 ? ` (${s.handshakes.in_progress} handshake(s) unfinished at the end are in no latency check)` : '';
    out.push((failed ? `SLA: ${failed} of ${s.sla.length} FAILED` : `SLA: all ${s.sla.length} passed`) + unfinished);
  }
  return `${out.join('\n')}\n`;
}

function signedPct(x: number): string {
  const s = fixed(x, 1);
  return s === '-' ? s : `${x > 0 ? '+' : ''}${s}%`;
}
