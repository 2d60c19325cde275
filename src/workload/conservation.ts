// Conservation of datagrams: every datagram a run sends ends delivered, dropped (by cause) or still in flight at
// the end, so sent = delivered + sum(dropped) + in_flight holds at every instant. One ledger per run (DTLS and
// plain-UDP baseline), over the whole run (warm-up included). Counting is allocation-free: causes are a few fixed
// strings, counted in a Map created once.
//
// Where a datagram counts as sent and delivered:
// - sent: a client hands it to its access link, or the server hands it to its port's TX queue;
// - delivered: handed to the receiving endpoint (the server's DTLS dispatcher or plain-UDP protocol stage after
//   port RX and DMA; the client's endpoint after its downlink);
// - dropped: `network_loss` (random loss), `port_rx_full` / `port_tx_full` (tail drop at the server port),
//   `socket_rcvbuf_full` (the server socket's receive buffer full, cpu.socket_rcvbuf_bytes),
//   `no_endpoint` (the client had already gone);
// - in flight: on the network, or inside the server pipeline between port RX and the endpoint.
// Datagrams the DTLS endpoint itself discards after delivery (arrived before keys, replay, bad record) are part of
// the protocol's work and appear in the handshake and record figures, not here.

export interface DatagramBalance {
  sent: number;
  delivered: number;
  /** Datagrams dropped, by cause; keys sorted. */
  dropped: Record<string, number>;
  in_flight: number;
}

export class DatagramLedger {
  sent = 0;
  delivered = 0;
  inFlight = 0;
  private readonly drops = new Map<string, number>();

  send(): void {
    this.sent++;
    this.inFlight++;
  }

  deliver(): void {
    this.delivered++;
    this.inFlight--;
  }

  drop(cause: string): void {
    this.drops.set(cause, (this.drops.get(cause) ?? 0) + 1);
    this.inFlight--;
  }

  dropped(cause: string): number {
    return this.drops.get(cause) ?? 0;
  }

  balance(): DatagramBalance {
    const dropped: Record<string, number> = {};
    for (const k of [...this.drops.keys()].sort()) dropped[k] = this.drops.get(k)!;
    return { sent: this.sent, delivered: this.delivered, dropped, in_flight: this.inFlight };
  }
}

/** sent - (delivered + dropped + in_flight): 0 when every datagram is accounted for. */
export function imbalance(b: DatagramBalance): number {
  let d = 0;
  for (const v of Object.values(b.dropped)) d += v;
  return b.sent - (b.delivered + d + b.in_flight);
}
