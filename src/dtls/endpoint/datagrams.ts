// Datagrams: the endpoint's output side. Records are sealed (RecordIO) and packed into datagrams of at most the
// MTU; a finished datagram goes to the connection's transmitSink or queues for pollTransmit(). Until the peer's
// address is validated a server sends at most 3x the bytes it received (RFC 9147 5.1): datagrams beyond that
// budget are held, in order, and released as more bytes arrive.
import type { Connection } from './connection.ts';
import type { EndpointStats } from './events.ts';
import type { RecordIO } from './records.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

export class Datagrams {
  private readonly owner: Connection;
  private readonly rec: RecordIO;
  private readonly stats: EndpointStats;
  private readonly mtu: number;
  /** Records of the datagram being built (none: undefined), and their total length. */
  private parts: Uint8Array[] | undefined = undefined;
  private len = 0;
  /** Finished datagrams waiting for pollTransmit() (when no transmitSink is set); undefined when none wait, so an
   *  idle connection keeps no array (and no backing store) for either. */
  private queue: Uint8Array[] | undefined = undefined;
  /** Anti-amplification limit in force (server before address validation). */
  ampLimited = false;
  /** Datagrams held back by the 3x budget, in sending order; created on demand. */
  private held: Uint8Array[] | undefined;

  constructor(owner: Connection, rec: RecordIO, stats: EndpointStats, mtu: number) {
    this.owner = owner;
    this.rec = rec;
    this.stats = stats;
    this.mtu = mtu;
  }

  /** True while datagrams wait for anti-amplification budget. */
  get holding(): boolean {
    return this.held !== undefined && this.held.length > 0;
  }
  /** True once anything was ever held (the budget is re-checked on every datagram received). */
  get everHeld(): boolean {
    return this.held !== undefined;
  }

  /** Nothing being built, queued or held (./dormant.ts; an empty `held` array left by the anti-amplification
   *  limit has no effect once empty, and is not kept). */
  get quiet(): boolean {
    return this.len === 0 && this.queue === undefined && !this.holding;
  }
  pack(w: PackWriter): void {
    w.bool(this.ampLimited);
  }
  unpack(r: PackReader): void {
    this.ampLimited = r.bool();
  }

  poll(): Uint8Array | undefined {
    const q = this.queue;
    if (q === undefined) return undefined;
    const d = q.shift();
    if (q.length === 0) this.queue = undefined; // drained: the array and its backing store go
    return d;
  }

  /** Bytes of datagrams queued for pollTransmit(). */
  queuedBytes(): number {
    let n = 0;
    if (this.queue !== undefined) for (const d of this.queue) n += d.length;
    return n;
  }

  /** Protects one record and packs it into the datagram being built. Returns the record sequence number. */
  record(epoch: number, type: number, payload: Uint8Array): number {
    const { bytes, seq } = this.rec.seal(epoch, type, payload);
    this.stats.recordsSent++;
    if (this.len + bytes.length > this.mtu) this.flush();
    (this.parts ??= []).push(bytes);
    this.len += bytes.length;
    // before address validation send one record per datagram so the 3x budget can release a partial flight
    if (this.ampLimited) this.flush();
    return seq;
  }

  flush(): void {
    const parts = this.parts;
    if (this.len === 0 || parts === undefined) return;
    let d: Uint8Array;
    if (parts.length === 1) d = parts[0]!;
    else {
      d = new Uint8Array(this.len);
      let o = 0;
      for (const p of parts) {
        d.set(p, o);
        o += p.length;
      }
    }
    this.parts = undefined;
    this.len = 0;
    this.output(d);
  }

  /** Bytes arrived: send held datagrams, in order, while the budget allows (output() re-holds the rest). */
  release(): void {
    const held = this.held;
    if (!held || held.length === 0) return;
    this.held = [];
    for (const d of held) this.output(d);
  }

  private output(d: Uint8Array): void {
    // anti-amplification (RFC 9147 5.1): at most 3x the bytes received until the address is validated. Held
    // datagrams leave in order: a later, smaller datagram must not overtake them, or the peer would acknowledge a
    // record sent after fragments it never received and those would be presumed lost and sent twice.
    if (this.ampLimited && ((this.held !== undefined && this.held.length > 0) ||
      this.stats.bytesSent + d.length > 3 * this.stats.bytesReceived)) {
      (this.held ??= []).push(d);
      return;
    }
    this.stats.datagramsSent++;
    this.stats.bytesSent += d.length;
    const owner = this.owner;
    if (owner.transmitSink) owner.transmitSink(d, owner);
    else (this.queue ??= []).push(d);
  }
}
