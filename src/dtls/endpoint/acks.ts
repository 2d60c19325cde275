// ACKs we send (RFC 9147 7): the record numbers of the peer's handshake records waiting to be acknowledged, the
// partial-flight ACK timer (1/4 of the retransmission timer, RFC 9147 7.1), the record numbers of the peer's
// current flight (re-ACKed with back-off while the rest of it is missing), and the newest record number seen per
// epoch, which tells the peer's own retransmissions from network duplicates.
import { ContentType } from '../handshake/constants.ts';
import { type RecordNumber, encodeAck } from '../handshake/messages.ts';
import type { ResolvedCommon } from './config.ts';
import type { Connection } from './connection.ts';
import type { Datagrams } from './datagrams.ts';
import type { Epochs } from './epochs.ts';
import type { EndpointStats } from './events.ts';
import type { Flights } from './flights.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

export class Acks {
  private readonly owner: Connection;
  private readonly out: Datagrams;
  private readonly stats: EndpointStats;
  private readonly epochs: Epochs;
  private readonly flights: Flights;
  private readonly maxRetransmissions: number;
  /** Most record numbers one ACK carries: (mtu - overhead) / 16. */
  private readonly max: number;
  /** Peer records to acknowledge in the next ACK. */
  list: RecordNumber[] = [];
  /** When the pending ACK (or the partial-flight re-ACK) is due; undefined when none is armed. */
  deadline: number | undefined;
  /** Records of the peer's current flight received so far (re-ACKed by the partial-flight timer). */
  lastReceived: RecordNumber[] = [];
  /** Partial-flight timer expiries in the current flight. */
  partial = 0;
  /** Highest record number seen per epoch (handshake and ACK records), as [epoch, seq, epoch, seq, ...]: a few
   *  epochs per connection, kept for its whole life (a Map would cost several times more). */
  private newest: number[] = [];

  constructor(owner: Connection, cfg: ResolvedCommon, out: Datagrams, epochs: Epochs, flights: Flights) {
    this.owner = owner;
    this.out = out;
    this.stats = owner.stats;
    this.epochs = epochs;
    this.flights = flights;
    this.maxRetransmissions = cfg.maxRetransmissions;
    this.max = Math.max(1, Math.floor((cfg.mtu - 64) / 16));
  }

  /** No ACK pending or timed (./dormant.ts). `lastReceived` and `partial` serve the handshake only: not packed. */
  get quiet(): boolean {
    return this.list.length === 0 && this.deadline === undefined;
  }
  pack(w: PackWriter): void {
    const a = this.newest;
    w.uint(a.length);
    for (let i = 0; i < a.length; i++) w.uint(a[i]!); // an index loop: an iterator per sleep would be garbage
  }
  unpack(r: PackReader): void {
    const n = r.uint();
    const a = new Array<number>(n);
    for (let i = 0; i < n; i++) a[i] = r.uint();
    this.newest = a;
  }

  /** Our new flight starts: the peer's previous flight needs no more ACKs. */
  reset(): void {
    this.list = [];
    this.deadline = undefined;
    this.lastReceived = [];
    this.partial = 0;
  }

  /** True if `rn` is newer than every handshake/ACK record seen so far in its epoch (and records it): the peer's
   *  own retransmissions carry new record numbers, network duplicates and late copies repeat or precede old ones. */
  isFresh(rn: RecordNumber): boolean {
    const a = this.newest;
    for (let i = 0; i < a.length; i += 2) {
      if (a[i] !== rn.epoch) continue;
      if (rn.seq <= a[i + 1]!) return false;
      a[i + 1] = rn.seq;
      return true;
    }
    this.newest = a.concat(rn.epoch, rn.seq); // exact length (push and spread leave room to grow)
    return true;
  }

  /** Sends an ACK of the pending record numbers (or of `again`) in the current sending epoch; returns the record
   *  numbers it carried (the server keeps those of its ACK of the client's final flight, to re-send it for a late
   *  copy of that flight). A KeyUpdate the peer asked for follows its ACK. */
  send(again?: RecordNumber[]): RecordNumber[] | undefined {
    if (again && this.list.length === 0) this.list = again.slice();
    if (this.list.length === 0) return undefined;
    if (this.owner.state === 'handshaking') {
      // the records join the current flight's list for the partial-flight timer
      for (const rn of this.list) if (!this.lastReceived.some((x) => x.epoch === rn.epoch && x.seq === rn.seq)) this.lastReceived.push(rn);
    }
    const list = this.list;
    this.list = [];
    this.deadline = undefined;
    list.sort((a, b) => a.epoch - b.epoch || a.seq - b.seq);
    // at most `max` record numbers; keep the newest
    const rns = list.length > this.max ? list.slice(list.length - this.max) : list;
    this.out.record(this.epochs.write, ContentType.ack, encodeAck(rns));
    this.stats.acksSent++;
    this.epochs.replyIfRequested(this.owner.state === 'connected');
    return rns;
  }

  /** A handshake record of the peer's flight was processed (during the handshake). `peerRetransmitted`: it only
   *  repeated messages we had (the peer resent its previous flight); `disruption`: it arrived out of order. */
  afterHandshakeRecord(now: number, peerRetransmitted: boolean, disruption: boolean, fresh: boolean): void {
    const fl = this.flights;
    if (peerRetransmitted) {
      // ours was probably lost (RFC 9147 5.8.1 case 3)
      if (fl.hs) fl.resend(now, fresh);
      else if (this.list.length) this.send();
    } else if (disruption && !fl.hs) {
      if (this.list.length) this.send();
    }
    if (this.owner.state === 'handshaking' && !fl.hs && this.deadline === undefined &&
      (this.list.length || this.lastReceived.length)) {
      // partial flight: ACK after 1/4 of the retransmission timer if the rest does not arrive (RFC 9147 7.1)
      this.deadline = now + fl.rto / 4;
    }
  }

  /** An ACK with no record numbers in the current sending epoch (RFC 9147 7.1: "resend now"). */
  sendEmpty(): void {
    this.out.record(this.epochs.write, ContentType.ack, encodeAck([]));
    this.stats.acksSent++;
  }

  /** The ACK timer fired at `now`. Returns false when the partial-flight re-ACKs are exhausted (the connection
   *  times out). */
  expire(now: number): boolean {
    this.deadline = undefined;
    const fl = this.flights;
    if (this.owner.state === 'handshaking' && !fl.hs) {
      // waiting for the rest of the peer's flight with nothing of ours outstanding: keep ACKing what we have
      // (with back-off) so that the peer learns what is missing and an amplification-limited server gets budget
      this.stats.timeouts++;
      if (++this.partial > this.maxRetransmissions) return false;
      this.send(this.lastReceived);
      fl.backOff();
      this.deadline = now + fl.rto;
    } else if (this.list.length > 0) this.send();
    return true;
  }
}
