// The server socket's receive buffer (cpu.socket_rcvbuf_bytes, cpu.socket_rcvbuf_charge): datagrams the kernel has
// queued for the server and the server has not read yet. Linux's UDP rule (__udp_enqueue_schedule_skb): a datagram
// arriving while the charge already held exceeds the buffer is dropped, otherwise it is queued and charged its
// truesize (the skb's allocation, larger than the payload: 835 B for a 100 B datagram on this host, docs/models.md).
// The drop costs the server nothing: the kernel discards it before the server sees it. A bound of 0 holds
// everything (no socket buffer modelled).

export interface RcvbufParams {
  socket_rcvbuf_bytes: number;
  socket_rcvbuf_charge: readonly { up_to_payload: number; bytes: number }[];
}

export class SocketRcvbuf {
  private readonly limit: number;
  private readonly steps: readonly { up_to_payload: number; bytes: number }[];
  /** Bytes charged for the datagrams held now. */
  held = 0;
  /** Datagrams held now, and the most held at once. */
  count = 0;
  maxCount = 0;
  /** Datagrams dropped because the buffer was full. */
  drops = 0;

  constructor(p: RcvbufParams) {
    this.limit = p.socket_rcvbuf_bytes;
    this.steps = [...p.socket_rcvbuf_charge].sort((a, b) => a.up_to_payload - b.up_to_payload);
  }

  /** True when a bound is modelled. */
  get bounded(): boolean {
    return this.limit > 0;
  }

  /** The kernel's charge for a datagram of `payload` bytes. */
  charge(payload: number): number {
    for (const s of this.steps) if (payload <= s.up_to_payload) return s.bytes;
    return payload;
  }

  /** A datagram of `payload` bytes arrives: its charge if queued, -1 if dropped, 0 if no bound is modelled. */
  admit(payload: number): number {
    if (this.limit <= 0) return 0;
    if (this.held > this.limit) {
      this.drops++;
      return -1;
    }
    const c = this.charge(payload);
    this.held += c;
    this.count++;
    if (this.count > this.maxCount) this.maxCount = this.count;
    return c;
  }

  /** The server read a datagram charged `bytes` (the value `admit` returned). */
  release(bytes: number): void {
    if (bytes <= 0) return;
    this.held -= bytes;
    this.count--;
  }
}
