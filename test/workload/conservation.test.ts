// Conservation (issue 12): every datagram of the DTLS run and of the plain-UDP baseline is accounted for, sent =
// delivered + dropped (by cause) + in flight, on every shipped scenario (small client counts where the scenario is
// big) and on an overloaded iot-gateway run; and no run's wire rate per direction exceeds the port's line rate.
// The ledger derives in_flight from its own counts, so the balance alone would be circular: the test also requires
// in_flight = 0 where the run drains (end_ms well past the last record), which fails if any path sends a datagram
// without ever delivering or dropping it (or the reverse), and in_flight >= 0 everywhere.
import { readdirSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runScenario } from '../../src/workload/index.ts';
import { imbalance, type DatagramBalance } from '../../src/workload/conservation.ts';
import type { SimResult } from '../../src/workload/result.ts';
import { load } from './helpers.ts';

/** Overrides that keep the big shipped scenarios small. */
const SMALL: Record<string, string[]> = {
  '10k-clients': ['clients.count=200', 'clients.arrival.duration_ms=20'],
  'memory-per-connection': ['clients.count=200'],
  'bulk-throughput': ['traffic.records_per_client=200'],
  'lossy-network': ['clients.count=100'],
  'gateway-mutual-auth': ['clients.count=100', 'clients.arrival.duration_ms=200'],
  'hello-flood': ['clients.count=50', 'clients.arrival.duration_ms=10', 'attack.duration_ms=10'],
  // devices stop sending 30 s after their handshake, so the run drains before sim.end_ms
  'iot-fleet': ['clients.count=300', 'traffic.duration_ms=30000'],
};

function dropsOf(b: DatagramBalance): number {
  let d = 0;
  for (const v of Object.values(b.dropped)) d += v;
  return d;
}

function checkRun(label: string, r: SimResult, lineRate: number, mustDrain: boolean): void {
  const s = r.summary;
  for (const [run, b] of [['dtls', s.conservation.dtls], ['udp', s.conservation.udp_baseline]] as const) {
    // a handshake-only scenario (pq-migration) gives the UDP baseline nothing to send
    if (run === 'dtls' || s.records.sent > 0) assert.ok(b.sent > 0, `${label} ${run}: sent datagrams`);
    assert.is(b.sent, b.delivered + dropsOf(b) + b.in_flight, `${label} ${run}: sent = delivered + dropped + in flight`);
    assert.is(imbalance(b), 0);
    assert.ok(b.in_flight >= 0, `${label} ${run}: in flight ${b.in_flight}`);
    if (mustDrain) assert.is(b.in_flight, 0, `${label} ${run}: nothing left in flight`);
    for (const [k, v] of Object.entries(b.dropped)) assert.ok(v > 0 && Number.isInteger(v), `${label} ${run} ${k}`);
  }
  const eps = 1e-9 * lineRate;
  for (const [name, v] of [
    ['dtls rx', s.throughput.wire_rx_gbps], ['dtls tx', s.throughput.wire_tx_gbps],
    ['udp rx', s.udp_baseline.wire_rx_gbps], ['udp tx', s.udp_baseline.wire_tx_gbps],
  ] as const) {
    assert.ok(v >= 0 && v <= lineRate + eps, `${label} ${name} wire rate ${v} <= line rate ${lineRate}`);
  }
  assert.ok(Math.abs(s.throughput.wire_gbps - s.throughput.wire_rx_gbps - s.throughput.wire_tx_gbps) < 1e-12);
  // the baseline's datagram counters are the ledger's
  assert.is(s.udp_baseline.datagrams_sent, s.conservation.udp_baseline.sent);
  assert.is(s.udp_baseline.datagrams_received, s.conservation.udp_baseline.delivered);
}

for (const f of readdirSync('scenarios').filter((x) => x.endsWith('.yaml')).sort()) {
  const name = f.replace(/\.yaml$/, '');
  test(`conservation and line rate: ${name}`, () => {
    const { scenario, model } = load(`scenarios/${f}`, [...(SMALL[name] ?? []), 'baseline_udp=true']);
    const r = runScenario({ scenario, model });
    checkRun(name, r, model.port.line_rate_gbps, true);
  });
}

test('conservation and line rate: overloaded iot-gateway (port tail drops in both runs)', () => {
  const { scenario, model } = load('scenarios/10k-clients.yaml', ['clients.count=600', 'clients.arrival.duration_ms=60', 'model.file=../models/iot-gateway.yaml']);
  const r = runScenario({ scenario, model });
  checkRun('iot-gateway', r, model.port.line_rate_gbps, true);
  const u = r.summary.conservation.udp_baseline;
  // the case: the baseline offered more than the 1 Gbit/s port carries; the excess is tail-dropped, counted
  assert.ok((u.dropped.port_rx_full ?? 0) > 0, `udp port drops ${JSON.stringify(u.dropped)}`);
  assert.ok(r.summary.udp_baseline.wire_rx_gbps > 0.5 * model.port.line_rate_gbps, 'the baseline loads the port');
});

test.run();
