// Plain-UDP baseline: the same clients, arrivals, record sizes, rates and network, with no DTLS. Each datagram
// carries one application record; the server path is port_rx -> dma -> host protocol per record -> application,
// and back through host -> dma -> port_tx for echo/download traffic. No handshake, no crypto, no ACKs.
import { fromMs, fromUs, Kernel, makeSampler, Rng, type Ps, type RngStream } from '../sim/index.ts';
import { Platform } from '../hw/index.ts';
import type { ModelConfig, Scenario } from './config/index.ts';
import { Accounts } from './accounts.ts';
import { NetworkModel, type LinkState } from './network.ts';

export interface UdpRun {
  acc: Accounts;
  endPs: Ps;
  warmupPs: Ps;
  datagramsSent: number;
  datagramsReceived: number;
}

interface UClient {
  i: number;
  net: RngStream;
  traffic: RngStream;
  delay: () => Ps;
  link: LinkState;
  busy: Ps;
}

export function runUdpBaseline(sc: Scenario, model: ModelConfig, seed: number): UdpRun {
  const k = new Kernel();
  const hw = new Platform(k, model);
  const acc = new Accounts(sc.clients.count);
  const root = new Rng(seed);
  const net = new NetworkModel(sc.network, model.port.ip_version === 6 ? 6 : 4);
  const warmupPs = fromMs(sc.sim.warmup_ms);
  const endPs = fromMs(sc.sim.end_ms);
  const t = sc.traffic;
  const recordPs = fromUs(sc.clients.costs.record_us);
  const planned = t.records_per_client ?? (t.duration_ms === undefined ? 0 : Infinity);
  let sent = 0;
  let received = 0;
  let last: Ps = 0;
  if (warmupPs > 0) {
    acc.active = false;
    k.at(warmupPs, () => {
      acc.active = true;
      hw.resetStats();
    });
  }

  const gap = (s: RngStream): Ps =>
    Math.round((t.rate.process === 'poisson' ? s.exponential(t.rate.records_per_s) : 1 / t.rate.records_per_s) * 1e12);

  /** Client app hands a record over at `now`: client processing, access link, network, then the server port. */
  function clientSend(c: UClient, size: number, sentAt: Ps): void {
    const now = k.now;
    const start = now > c.busy ? now : c.busy;
    c.busy = start + recordPs;
    sent++;
    if (net.drop(c.net)) return;
    const at = net.uplink(c.link, size, c.busy, c.delay());
    acc.wire(net.wire(size));
    k.at(at, () => serverReceive(c, size, sentAt));
  }

  function serverReceive(c: UClient, size: number, sentAt: Ps): void {
    hw.port.receive(size, () =>
      hw.dma.transfer(size, 'to-engine', () =>
        hw.protocol('record', () => {
          received++;
          last = k.now;
          if (t.direction !== 'down' && sentAt >= warmupPs) acc.recordDelivered(k.now - sentAt, size, k.now, c.i);
          if (t.direction === 'echo') serverSend(c, size, k.now);
        }),
      ),
    ) || acc.drop('port_rx_full');
  }

  function serverSend(c: UClient, size: number, sentAt: Ps): void {
    if (sentAt >= warmupPs) acc.recordSent(sentAt, c.i);
    hw.protocol('record', () =>
      hw.dma.transfer(size, 'from-engine', () => {
        sent++;
        const ok = hw.port.transmit(size, () => {
          acc.wire(net.wire(size));
          if (net.drop(c.net)) return;
          const at = net.downlink(c.link, size, k.now, c.delay());
          k.at(at, () => {
            const s = at > c.busy ? at : c.busy;
            c.busy = s + recordPs;
            k.at(c.busy, () => {
              received++;
              last = k.now;
              if (sentAt >= warmupPs) acc.recordDelivered(k.now - sentAt, size, k.now, c.i);
            });
          });
        });
        if (!ok) acc.drop('port_tx_full');
      }),
    );
  }

  const count = sc.clients.count;
  let tArrive = 0;
  const arrivals = root.stream('arrivals');
  for (let i = 0; i < count; i++) {
    const netStream = root.stream(`net/${i}`);
    const c: UClient = { i, net: netStream, traffic: root.stream(`traffic/${i}`), delay: net.delaySampler(netStream), link: { upFree: 0, downFree: 0 }, busy: 0 };
    let start = 0;
    const a = sc.clients.arrival;
    if (a.kind === 'ramp') start = Math.floor((i * fromMs(a.duration_ms)) / count);
    else if (a.kind === 'poisson') {
      tArrive += arrivals.exponential(a.rate_per_s) * 1e12;
      start = Math.round(tArrive);
    }
    const f = makeSampler(t.size, c.traffic);
    const size = () => Math.min(16384, Math.max(4, Math.round(f())));
    let n = 0;
    const until = t.duration_ms !== undefined ? start + fromMs(t.duration_ms) : Infinity;
    const step = () => {
      if (n >= planned || k.now > until) return;
      n++;
      if (t.direction === 'down') serverSend(c, size(), k.now);
      else {
        if (k.now >= warmupPs) acc.recordSent(k.now, c.i);
        clientSend(c, size(), k.now);
      }
      k.after(gap(c.traffic), step);
    };
    k.at(start, step);
  }
  k.run({ until: endPs });
  return { acc, endPs: Math.min(endPs, Math.max(last, warmupPs + 1)), warmupPs, datagramsSent: sent, datagramsReceived: received };
}
