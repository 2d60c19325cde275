// Reassembly of a fragmented ClientHello from an address that has no connection yet (RFC 9147 5.5; with cookies on,
// the stateless HelloRetryRequest path of 5.1). A ClientHello with a hybrid post-quantum key share (1.2 KB for
// X25519MLKEM768 alone) no longer fits one datagram at common MTUs, so the dispatcher must buffer its fragments
// before it can answer; to stay as close to stateless as that allows, the buffer is
//   - one message per source address (a new message_seq or length from the same address replaces it),
//   - at most `maxMessageBytes` long (a longer announced ClientHello is dropped, not buffered),
//   - charged 2 x its announced length (bytes + per-byte bitmap) against `maxTotalBytes` over all addresses; when a
//     new message does not fit, the oldest entries are evicted (a flood of partial ClientHellos pushes out its own
//     oldest entries and costs at most `maxTotalBytes`),
//   - forgotten `timeoutMs` after its first fragment.
// No cookie check, no decoding, no crypto happens before the message is complete; a complete message leaves the
// buffer at once and goes through exactly the path of an unfragmented ClientHello (cookie check, HRR or connection).
// Retransmitted bytes that differ from buffered ones restart the entry (no alert: nothing is authenticated yet).
import { ContentType, HandshakeType as H } from '../handshake/constants.ts';
import { type HandshakeFragment, decodeFragments } from '../handshake/messages.ts';

/** Caps of the ClientHello reassembly buffer (ServerConfig.helloReassembly). */
export interface HelloReassemblyConfig {
  /** Largest ClientHello reassembled, bytes (default 8192: a project choice, about 5x BoringSSL's 1404-byte
   *  default hybrid ClientHello, room for two post-quantum shares). 0 disables reassembly (fragmented
   *  ClientHellos are dropped, as before this buffer existed). */
  maxMessageBytes?: number;
  /** Bytes charged over all addresses (2 x announced length each), default 1 MiB (project choice: 64 maximal
   *  ClientHellos in flight). */
  maxTotalBytes?: number;
  /** An incomplete ClientHello is forgotten this long after its first fragment (default 5000 ms, a project choice:
   *  beyond the client's first retransmissions, RFC 9147 5.8.2 initial timer 1 s doubled). */
  timeoutMs?: number;
}

export interface HelloReassemblyStats {
  /** Fragments buffered (first fragments of a message included). */
  fragments: number;
  /** Messages completed and handed back. */
  completed: number;
  /** Entries evicted for room, expired or replaced. */
  evicted: number;
  /** Fragments refused: announced length above maxMessageBytes or above the total cap. */
  refused: number;
}

/** A complete ClientHello: body, its message_seq, the highest record sequence number and the datagram bytes
 *  that carried it (the anti-amplification budget is 3 x all of them). */
export interface AssembledHello {
  body: Uint8Array;
  messageSeq: number;
  recordSeq: number;
  inBytes: number;
}

interface Pending {
  messageSeq: number;
  buf: Uint8Array;
  have: Uint8Array;
  got: number;
  recordSeq: number;
  inBytes: number;
  firstAt: number;
}

export class HelloReassembly {
  readonly maxMessageBytes: number;
  readonly maxTotalBytes: number;
  readonly timeoutMs: number;
  readonly stats: HelloReassemblyStats = { fragments: 0, completed: 0, evicted: 0, refused: 0 };
  /** By address, oldest first (Map insertion order; a replaced entry is re-inserted). */
  private readonly pending = new Map<string, Pending>();
  private total = 0;

  constructor(c: HelloReassemblyConfig = {}) {
    this.maxMessageBytes = c.maxMessageBytes ?? 8192;
    this.maxTotalBytes = c.maxTotalBytes ?? 1 << 20;
    this.timeoutMs = c.timeoutMs ?? 5000;
    for (const [k, v] of [['maxMessageBytes', this.maxMessageBytes], ['maxTotalBytes', this.maxTotalBytes], ['timeoutMs', this.timeoutMs]] as const) {
      if (!(v >= 0 && Number.isFinite(v))) throw new RangeError(`helloReassembly.${k} ${v} must be a finite number >= 0`);
    }
  }

  /** Bytes currently charged (for tests and memory accounting). */
  get heldBytes(): number {
    return this.total;
  }
  get size(): number {
    return this.pending.size;
  }

  has(address: string): boolean {
    return this.pending.has(address);
  }

  /** Forgets a pending message (the address sent a whole ClientHello or got a connection). */
  forget(address: string): void {
    const p = this.pending.get(address);
    if (p) this.drop(address, p);
  }

  /** Adds ClientHello fragments (all from one datagram of `inBytes` bytes, each with its record sequence number).
   *  Returns the complete message once all its bytes are in, else undefined. */
  add(address: string, frags: readonly { f: HandshakeFragment; recordSeq: number }[], inBytes: number, now: number): AssembledHello | undefined {
    this.expire(now);
    let p = this.pending.get(address);
    let counted = false;
    for (const { f, recordSeq } of frags) {
      if (p && (p.messageSeq !== f.messageSeq || p.buf.length !== f.length)) {
        this.drop(address, p); // a different message from this address: the newest wins
        this.stats.evicted++;
        p = undefined;
      }
      if (!p) {
        if (f.length === 0 || f.length > this.maxMessageBytes || 2 * f.length > this.maxTotalBytes) {
          this.stats.refused++;
          continue;
        }
        while (this.total + 2 * f.length > this.maxTotalBytes) this.evictOldest();
        p = { messageSeq: f.messageSeq, buf: new Uint8Array(f.length), have: new Uint8Array(f.length), got: 0, recordSeq, inBytes: 0, firstAt: now };
        this.pending.set(address, p);
        this.total += 2 * f.length;
      }
      const { buf, have } = p;
      const frag = f.fragment;
      const off = f.fragmentOffset;
      let differs = false;
      for (let i = 0; i < frag.length; i++) {
        const j = off + i;
        if (have[j]) {
          if (buf[j] !== frag[i]) differs = true;
        } else {
          have[j] = 1;
          buf[j] = frag[i]!;
          p.got++;
        }
      }
      if (differs) {
        this.drop(address, p); // changed bytes: not one message; start over with the next fragments
        this.stats.evicted++;
        p = undefined;
        continue;
      }
      this.stats.fragments++;
      if (recordSeq > p.recordSeq) p.recordSeq = recordSeq;
      if (!counted) {
        p.inBytes += inBytes;
        counted = true;
      }
      if (p.got === buf.length) {
        this.drop(address, p);
        this.stats.completed++;
        return { body: buf, messageSeq: p.messageSeq, recordSeq: p.recordSeq, inBytes: p.inBytes };
      }
    }
    return undefined;
  }

  private expire(now: number): void {
    for (const [a, p] of this.pending) {
      if (now - p.firstAt < this.timeoutMs) break; // oldest first: the rest are younger
      this.drop(a, p);
      this.stats.evicted++;
    }
  }

  private evictOldest(): void {
    const first = this.pending.entries().next();
    if (first.done) return;
    this.drop(first.value[0], first.value[1]);
    this.stats.evicted++;
  }

  private drop(address: string, p: Pending): void {
    this.pending.delete(address);
    this.total -= 2 * p.buf.length;
  }
}

/** The ClientHello fragments of a datagram of epoch-0 DTLSPlaintext handshake records, each with its record
 *  sequence number; parsing stops at the first record that is not one (or is truncated). Throws AlertError
 *  (decode_error) for a malformed handshake fragment header, like the unfragmented path. */
export function clientHelloFragments(d: Uint8Array): { f: HandshakeFragment; recordSeq: number }[] {
  const out: { f: HandshakeFragment; recordSeq: number }[] = [];
  let off = 0;
  while (off + 13 <= d.length && d[off] === ContentType.handshake && d[off + 3] === 0 && d[off + 4] === 0) {
    let seq = 0;
    for (let i = off + 5; i <= off + 10; i++) seq = seq * 256 + d[i]!;
    const len = (d[off + 11]! << 8) | d[off + 12]!;
    if (off + 13 + len > d.length) break;
    for (const f of decodeFragments(d.subarray(off + 13, off + 13 + len))) if (f.msgType === H.client_hello) out.push({ f, recordSeq: seq });
    off += 13 + len;
  }
  return out;
}
