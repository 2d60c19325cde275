// Plain-UDP baseline: the same clients, arrivals, record sizes, rates and network, with no DTLS. Each datagram
// carries one application record; the server path is port_rx -> dma -> host protocol per record -> application,
// and back through host -> dma -> port_tx for echo/download traffic. No handshake, no crypto, no ACKs.
// The population and its traffic come from population.ts, as for the DTLS co-simulation, so the two stay alike.
import { fromMs, fromUs, Kernel, Rng, type Ps, type Sampler } from '../sim/index.ts';
import { Platform } from '../hw/index.ts';
import type { ModelConfig, Scenario, TrafficConfig } from './config/index.ts';
import { Accounts } from './accounts.ts';
import { NetworkModel } from './network.ts';
import { DatagramLedger, type DatagramBalance } from './conservation.ts';
import { portWireGbps } from './wire-rate.ts';
import { afterGap, arrivalTimes, Member, plannedRecords, recordSize, sizeSampler } from './population.ts';

export interface UdpRun {
  acc: Accounts;
  endPs: Ps;
  warmupPs: Ps;
  datagramsSent: number;
  datagramsReceived: number;
  /** Every datagram of the baseline: sent = delivered + dropped + in flight (conservation.ts). */
  balance: DatagramBalance;
  /** Wire rate per direction of the server port: bytes serialized / statistics window, 10^9 bit/s (<= line rate). */
  wireRxGbps: number;
  wireTxGbps: number;
}

/** A baseline client: from its start, it (up, echo) or the server (down) sends a record every gap. */
class UClient extends Member {
  /** Records sent so far. */
  n = 0;
  /** Sending stops after this time (duration-limited traffic). */
  readonly until: Ps;
  readonly size: Sampler;
  constructor(i: number, start: Ps, root: Rng, network: NetworkModel, t: TrafficConfig) {
    super(i, start, root, network);
    this.size = sizeSampler(t, this);
    this.until = t.duration_ms !== undefined ? start + fromMs(t.duration_ms) : Infinity;
  }
}

export function runUdpBaseline(sc: Scenario, model: ModelConfig, seed: number): UdpRun {
  const k = new Kernel();
  const hw = new Platform(k, model);
  const acc = new Accounts(sc.clients.count);
  const root = new Rng(seed);
  const net = new NetworkModel(sc.network, model.port.ip_version === 6 ? 6 : 4);
  acc.framing = (p) => net.wire(p);
  const warmupPs = fromMs(sc.sim.warmup_ms);
  const endPs = fromMs(sc.sim.end_ms);
  const t = sc.traffic;
  const recordPs = fromUs(sc.clients.costs.record_us);
  const planned = plannedRecords(t);
  const ledger = new DatagramLedger();
  let last: Ps = 0;
  if (warmupPs > 0) {
    acc.active = false;
    k.at(warmupPs, () => {
      acc.active = true;
      hw.resetStats();
    });
  }

  /** Client app hands a record over at `now`: client processing, access link, network, then the server port. */
  function clientSend(c: UClient, size: number, sentAt: Ps): void {
    const now = k.now;
    const start = now > c.busy ? now : c.busy;
    c.busy = start + recordPs;
    ledger.send();
    if (net.drop(c)) {
      ledger.drop('network_loss');
      return;
    }
    const at = net.uplink(c, size, c.busy, c.delay());
    k.at(at, () => serverReceive(c, size, sentAt));
  }

  function serverReceive(c: UClient, size: number, sentAt: Ps): void {
    hw.port.receive(size, () =>
      hw.dma.transfer(size, 'to-engine', () =>
        hw.protocol('record', () => {
          ledger.deliver();
          if (sentAt >= warmupPs) acc.wireDelivered(size); // the datagrams whose payload the figures count
          last = k.now;
          if (t.direction !== 'down' && sentAt >= warmupPs) acc.recordDelivered(k.now - sentAt, size, k.now, c.i);
          if (t.direction === 'echo') serverSend(c, size, k.now);
        }),
      ),
    ) || ledger.drop('port_rx_full');
  }

  function serverSend(c: UClient, size: number, sentAt: Ps): void {
    if (sentAt >= warmupPs) acc.recordSent(sentAt, c.i);
    hw.protocol('record', () =>
      hw.dma.transfer(size, 'from-engine', () => {
        ledger.send();
        const ok = hw.port.transmit(size, () => {
          if (net.drop(c)) {
            ledger.drop('network_loss');
            return;
          }
          const at = net.downlink(c, size, k.now, c.delay());
          k.at(at, () => {
            const s = at > c.busy ? at : c.busy;
            c.busy = s + recordPs;
            k.at(c.busy, () => {
              ledger.deliver();
              if (sentAt >= warmupPs) acc.wireDelivered(size);
              last = k.now;
              if (sentAt >= warmupPs) acc.recordDelivered(k.now - sentAt, size, k.now, c.i);
            });
          });
        });
        if (!ok) ledger.drop('port_tx_full');
      }),
    );
  }

  /** The client's (or, downstream, the server's) next record; the kernel hands the client back. */
  function step(c: UClient): void {
    if (c.n >= planned || k.now > c.until) return;
    c.n++;
    if (t.direction === 'down') serverSend(c, recordSize(c.size()), k.now);
    else {
      if (k.now >= warmupPs) acc.recordSent(k.now, c.i);
      clientSend(c, recordSize(c.size()), k.now);
    }
    afterGap(k, t, c, endPs, step, c);
  }

  const count = sc.clients.count;
  const starts = arrivalTimes(sc.clients.arrival, count, root);
  for (let i = 0; i < count; i++) k.at(starts[i]!, step, new UClient(i, starts[i]!, root, net, t));
  k.run({ until: endPs });
  const statEnd = Math.min(endPs, Math.max(last, warmupPs + 1));
  const { rx, tx } = portWireGbps(hw.stats(statEnd > k.now ? k.now : statEnd), model.port.line_rate_gbps);
  return {
    acc, endPs: statEnd, warmupPs, datagramsSent: ledger.sent, datagramsReceived: ledger.delivered,
    balance: ledger.balance(), wireRxGbps: rx, wireTxGbps: tx,
  };
}
