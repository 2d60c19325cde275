// The network between each client and the server port: the client's access link (serialization at
// access_bandwidth_mbps, one FIFO per direction), a one-way delay (rtt/2 or a distribution) plus uniform jitter, and
// independent random loss per datagram. Wire bytes use the same Ethernet/IP/UDP framing as the server port.
import { fromMs, makeSampler, PS_PER_US, type Ps, type RngStream, type Sampler } from '../sim/index.ts';
import { wireBytes } from '../hw/index.ts';
import { MAX_DELAY_MS, oneWayDelayMs, type NetworkConfig } from './config/index.ts';

export interface LinkState {
  /** Time the client's uplink / downlink is free again. */
  upFree: Ps;
  downFree: Ps;
}

export class NetworkModel {
  readonly cfg: NetworkConfig;
  private readonly ipVersion: 4 | 6;
  private readonly psPerBit: number;
  private readonly delayMs: ReturnType<typeof oneWayDelayMs>;
  /** Datagrams dropped by random loss. */
  lost = 0;
  /** The one-way delay, ps, when it is a constant without jitter (no draws, no sampler per client); else undefined. */
  readonly constantDelayPs: Ps | undefined;

  constructor(cfg: NetworkConfig, ipVersion: 4 | 6) {
    this.cfg = cfg;
    this.ipVersion = ipVersion;
    this.psPerBit = PS_PER_US / cfg.access_bandwidth_mbps; // 1 bit at 1 Mbit/s = 1 us
    this.delayMs = oneWayDelayMs(cfg);
    const d = this.delayMs;
    this.constantDelayPs = typeof d === 'number' && cfg.jitter_ms === 0 ? fromMs(d) : undefined;
  }

  /** A per-client sampler of one-way delay + jitter, ps. */
  delaySampler(s: RngStream): () => Ps {
    const d = this.delayMs;
    const draw: Sampler = makeSampler(d, s);
    // a draw in an unbounded tail beyond MAX_DELAY_MS (config/limits.ts) is cut there: the kernel's clock could not
    // schedule it (a constant and every distribution parameter are validated against the same bound)
    const base: Sampler = typeof d === 'number' ? draw : () => Math.min(draw(), MAX_DELAY_MS);
    const j = this.cfg.jitter_ms;
    return j > 0 ? () => fromMs(base() + s.next() * j) : () => fromMs(base());
  }

  wire(payload: number): number {
    return wireBytes({ ip_version: this.ipVersion, mtu: this.cfg.mtu }, payload);
  }

  /** Serialization time of a datagram on the access link, ps. */
  accessPs(payload: number): Ps {
    return Math.ceil(this.wire(payload) * 8 * this.psPerBit);
  }

  /** True if this datagram is lost (draws from the client's network stream). */
  drop(m: { readonly net: RngStream }): boolean {
    // the member's stream is asked for only with loss (population.ts Member: derived on first use)
    if (this.cfg.loss > 0 && m.net.next() < this.cfg.loss) {
      this.lost++;
      return true;
    }
    return false;
  }

  /** Client -> server: time the datagram reaches the server port, given it is ready to leave the client at t. */
  uplink(link: LinkState, payload: number, t: Ps, delay: Ps): Ps {
    const start = t > link.upFree ? t : link.upFree;
    link.upFree = start + this.accessPs(payload);
    return link.upFree + delay;
  }

  /** Server -> client: time the datagram is fully received by the client, given it left the server port at t. */
  downlink(link: LinkState, payload: number, t: Ps, delay: Ps): Ps {
    const arrive = t + delay;
    const start = arrive > link.downFree ? arrive : link.downFree;
    link.downFree = start + this.accessPs(payload);
    return link.downFree;
  }
}
