// Reassembly of the peer's handshake messages (RFC 9147 5.5): fragments arrive out of order, duplicated or
// overlapping; complete messages leave strictly in message_seq order. Messages more than REASSEMBLY_WINDOW ahead
// of the next expected one are dropped (the peer retransmits them).
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription } from '../handshake/constants.ts';
import type { HandshakeFragment } from '../handshake/messages.ts';
import type { EndpointStats } from './events.ts';
import { countDrop } from './records.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

/** A handshake message being reassembled (or complete and not yet processed). */
export interface InMessage {
  msgType: number;
  length: number;
  epoch: number;
  buf: Uint8Array;
  /** Per-byte bitmap while incomplete; undefined once complete. */
  have: Uint8Array | undefined;
  got: number;
}

/** What became of one fragment: an old message ('dup'), kept in order ('buffered'), kept but out of order or
 *  after a gap ('ooo'), or dropped. */
export type FragmentResult = 'dup' | 'buffered' | 'ooo' | 'drop';

const REASSEMBLY_WINDOW = 8;
/** Largest handshake message accepted (64 KiB + 1 KiB); a larger announced length is illegal_parameter. */
const MAX_MESSAGE = 0x10000 + 1024;

export class Reassembly {
  private readonly stats: EndpointStats;
  /** message_seq of the next message to process. */
  recvSeq = 0;
  /** recvSeq when the handshake completed: lower message_seq values are handshake retransmissions. */
  private end = -1;
  /** Incomplete / not yet processed messages by message_seq; created on demand, dropped when the handshake
   *  completes (and after it, whenever empty). */
  private msgs: Map<number, InMessage> | undefined;

  constructor(stats: EndpointStats) {
    this.stats = stats;
  }

  /** True if `messageSeq` belongs to the completed handshake (a late retransmission of it). */
  isHandshakeSeq(messageSeq: number): boolean {
    return messageSeq < this.end;
  }

  /** The handshake is complete: later messages are post-handshake ones; buffers go. */
  complete(): void {
    this.end = this.recvSeq;
    this.msgs = undefined;
  }

  /** No message buffered (./dormant.ts). */
  get quiet(): boolean {
    return this.msgs === undefined || this.msgs.size === 0;
  }
  pack(w: PackWriter): void {
    w.uint(this.recvSeq).num(this.end);
  }
  unpack(r: PackReader): void {
    this.recvSeq = r.uint();
    this.end = r.n();
  }

  heldBytes(): number {
    let n = 0;
    if (this.msgs) for (const m of this.msgs.values()) n += m.buf.length + (m.have ? m.have.length : 0);
    return n;
  }

  /** Buffers one fragment received under `epoch`. Throws AlertError on inconsistent fragments. */
  add(f: HandshakeFragment, epoch: number): FragmentResult {
    if (f.messageSeq < this.recvSeq) return 'dup';
    if (f.messageSeq >= this.recvSeq + REASSEMBLY_WINDOW) {
      countDrop(this.stats, 'handshake_window');
      return 'drop';
    }
    const msgs = (this.msgs ??= new Map());
    let m = msgs.get(f.messageSeq);
    if (!m && f.fragmentOffset === 0 && f.fragment.length === f.length) {
      // whole message in one fragment (the common case): no bitmap, one copy
      if (f.length > MAX_MESSAGE) throw new AlertError(AlertDescription.illegal_parameter, 'handshake message too large');
      msgs.set(f.messageSeq, { msgType: f.msgType, length: f.length, epoch, buf: f.fragment.slice(), have: undefined, got: f.length });
      return f.messageSeq !== this.recvSeq ? 'ooo' : 'buffered';
    }
    if (!m) {
      if (f.length > MAX_MESSAGE) throw new AlertError(AlertDescription.illegal_parameter, 'handshake message too large');
      m = { msgType: f.msgType, length: f.length, epoch, buf: new Uint8Array(f.length), have: f.length ? new Uint8Array(f.length) : undefined, got: 0 };
      msgs.set(f.messageSeq, m);
    } else if (m.msgType !== f.msgType || m.length !== f.length) {
      throw new AlertError(AlertDescription.illegal_parameter, 'fragment type/length differs from earlier fragment');
    } else if (m.epoch !== epoch) {
      countDrop(this.stats, 'fragment_epoch');
      return 'drop';
    }
    const ooo = f.messageSeq !== this.recvSeq || (m.have !== undefined && f.fragmentOffset > 0 && m.have[f.fragmentOffset - 1] === 0);
    if (m.have) {
      const have = m.have;
      const buf = m.buf;
      const frag = f.fragment;
      const off = f.fragmentOffset;
      for (let i = 0; i < frag.length; i++) {
        const j = off + i;
        if (have[j]) {
          if (buf[j] !== frag[i]) throw new AlertError(AlertDescription.illegal_parameter, 'retransmitted bytes differ');
        } else {
          have[j] = 1;
          buf[j] = frag[i]!;
          m.got++;
        }
      }
      if (m.got === m.length) m.have = undefined;
    }
    return ooo ? 'ooo' : 'buffered';
  }

  /** Takes the next message in message_seq order if it is complete (and counts it). `connected`: after the
   *  handshake the map lives only while a post-handshake message is pending (KeyUpdate). */
  next(connected: boolean): InMessage | undefined {
    const msgs = this.msgs;
    if (!msgs) return undefined;
    const m = msgs.get(this.recvSeq);
    if (!m || m.have !== undefined) return undefined;
    msgs.delete(this.recvSeq);
    this.recvSeq++;
    this.stats.handshakeMessagesReceived++;
    if (connected && msgs.size === 0) this.msgs = undefined;
    return m;
  }
}
