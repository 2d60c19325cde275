// Network port: Ethernet/IP/UDP framing, serialization at line rate, RX/TX queues with tail drop, propagation.
//
// Framing of one UDP datagram with P payload bytes (IEEE 802.3, RFC 791/8200/768):
//   L4 = P + 8 (UDP header). If IPhdr + L4 <= MTU: one IP packet of IPhdr + L4 bytes (IPhdr = 20 IPv4, 40 IPv6).
//   Otherwise IP fragments: each carries at most F = floor((MTU - IPhdr - X) / 8) * 8 bytes of L4 (X = 8 for the
//   IPv6 fragment header, 0 for IPv4), n = ceil(L4 / F) fragments.
//   Each IP packet of size L3 becomes a frame of max(64, 14 + L3 + 4) bytes (MAC header + FCS, minimum frame 64)
//   and occupies the wire for frame + 20 bytes (preamble 8 + inter-frame gap 12).
// Serialization: wire bytes x 8 / line_rate. Each direction is a Resource of capacity 1 whose queue holds at most
// rx/tx_queue_packets datagrams; an arrival at a full queue is tail-dropped (counted). TX completes after
// serialization + propagation_ns.
import { PS_PER_NS, type Kernel, type Ps, type UseDone } from '../sim/index.ts';
import { BlockBase, DelayedDone, nsToPs } from './block.ts';
import type { PortParams } from './params.ts';
import type { Done } from './types.ts';

export const PREAMBLE_IFG_BYTES = 20;
export const MAC_HEADER_BYTES = 14;
export const FCS_BYTES = 4;
export const MIN_FRAME_BYTES = 64;
export const UDP_HEADER_BYTES = 8;
export const IPV4_HEADER_BYTES = 20;
export const IPV6_HEADER_BYTES = 40;
export const IPV6_FRAGMENT_HEADER_BYTES = 8;

function ipHeader(p: Pick<PortParams, 'ip_version'>): number {
  return p.ip_version === 6 ? IPV6_HEADER_BYTES : IPV4_HEADER_BYTES;
}

/** Largest UDP payload that fits one IP packet (no fragmentation). */
export function maxUdpPayload(p: Pick<PortParams, 'ip_version' | 'mtu'>): number {
  return p.mtu - ipHeader(p) - UDP_HEADER_BYTES;
}

function frameWire(l3: number): number {
  return Math.max(MIN_FRAME_BYTES, MAC_HEADER_BYTES + l3 + FCS_BYTES) + PREAMBLE_IFG_BYTES;
}

/** Ethernet frames (= IP packets/fragments) needed for a UDP datagram with `payload` bytes. */
export function frameCount(p: Pick<PortParams, 'ip_version' | 'mtu'>, payload: number): number {
  const ip = ipHeader(p);
  const l4 = payload + UDP_HEADER_BYTES;
  if (ip + l4 <= p.mtu) return 1;
  const f = Math.floor((p.mtu - ip - (p.ip_version === 6 ? IPV6_FRAGMENT_HEADER_BYTES : 0)) / 8) * 8;
  return Math.ceil(l4 / f);
}

/** Bytes a UDP datagram with `payload` bytes occupies on the wire, all framing included. */
export function wireBytes(p: Pick<PortParams, 'ip_version' | 'mtu'>, payload: number): number {
  const ip = ipHeader(p);
  const l4 = payload + UDP_HEADER_BYTES;
  if (ip + l4 <= p.mtu) return frameWire(ip + l4);
  const fragHdr = ip + (p.ip_version === 6 ? IPV6_FRAGMENT_HEADER_BYTES : 0);
  const f = Math.floor((p.mtu - fragHdr) / 8) * 8;
  const n = Math.ceil(l4 / f);
  const last = l4 - (n - 1) * f;
  return (n - 1) * frameWire(fragHdr + f) + frameWire(fragHdr + last);
}

/** Serialization time of `wire` bytes at the line rate, ps (rounded up). */
export function serializationPs(p: Pick<PortParams, 'line_rate_gbps'>, wire: number): Ps {
  // bits / (Gbit/s) = ns; x 1000 = ps
  return Math.ceil((wire * 8 * PS_PER_NS) / p.line_rate_gbps);
}

export class NetworkPort {
  readonly params: PortParams;
  readonly rx: PortDirection;
  readonly tx: PortDirection;
  readonly propagationPs: Ps;
  private readonly propagation: DelayedDone;

  constructor(k: Kernel, p: PortParams, name = 'port') {
    this.params = p;
    this.propagationPs = nsToPs(p.propagation_ns);
    this.propagation = new DelayedDone(k, this.propagationPs);
    // area/static power of the port are charged once, on the rx side
    this.rx = new PortDirection(k, p, `${name}_rx`, p.rx_queue_packets, p.cost.area_mm2, p.cost.static_mw);
    this.tx = new PortDirection(k, p, `${name}_tx`, p.tx_queue_packets, 0, 0);
  }

  /** Wire bytes of a datagram with `payload` UDP payload bytes. */
  wireBytes(payload: number): number {
    return wireBytes(this.params, payload);
  }

  /** Sends a datagram: queue, serialize, propagate; done at the cable end. False if tail-dropped. */
  transmit(payload: number, done: Done | null, priority = 0): boolean {
    if (this.propagationPs === 0 || done === null) return this.tx.carry(payload, done, priority);
    const rec = this.propagation.wrap(done);
    const ok = this.tx.carryWith(payload, this.propagation.onUse, rec, priority);
    if (!ok) rec.done = null; // dropped: the record is simply not returned to the pool
    return ok;
  }

  /** Receives a datagram arriving from the cable: queue, serialize in; done when fully received. False if dropped. */
  receive(payload: number, done: Done | null, priority = 0): boolean {
    return this.rx.carry(payload, done, priority);
  }

  resetStats(): void {
    this.rx.resetStats();
    this.tx.resetStats();
  }
}

/** One direction of the port: a capacity-1 Resource with a bounded queue (tail drop). */
export class PortDirection extends BlockBase {
  readonly params: PortParams;
  wireBytesTotal = 0;
  frames = 0;
  drops = 0;

  constructor(k: Kernel, p: PortParams, name: string, queue: number, area: number, staticMw: number) {
    super(k, { name, kind: 'port', instances: 1, clockHz: 0, areaMm2: area, staticMw, resource: { queueLimit: queue, onFull: 'drop', discipline: 'fifo' } });
    this.params = p;
  }

  carry(payload: number, done: Done | null, priority = 0): boolean {
    return this.carryWith(payload, done, undefined, priority);
  }

  /** As carry, with a context passed to `done` (allocation-free continuation). */
  carryWith<A>(payload: number, done: UseDone<A> | null, arg: A, priority = 0): boolean {
    const wire = wireBytes(this.params, payload);
    const ok = this.resource.use(serializationPs(this.params, wire), done, priority, arg);
    if (!ok) {
      this.drops++;
      return false;
    }
    this.count('datagram');
    this.frames += frameCount(this.params, payload);
    this.bytes += payload;
    this.wireBytesTotal += wire;
    this.energyPj += wire * this.params.cost.energy_pj_per_byte;
    return true;
  }

  override resetStats(): void {
    super.resetStats();
    this.wireBytesTotal = 0;
    this.frames = 0;
    this.drops = 0;
  }

  protected override counters(): Record<string, number> {
    return { wire_bytes: this.wireBytesTotal, frames: this.frames, tail_drops: this.drops };
  }
}
