// The endpoint's public surface apart from the Connection class: events (and the queue that delivers them),
// close reasons, statistics, connection state.
import type { Connection } from './connection.ts';

export type EndpointEvent =
  | {
    type: 'connected';
    suite: string;
    group: string;
    signatureScheme: string;
    helloRetry: boolean;
    /** CID we put in records we send (peer-chosen), CID we expect in records we receive (our choice). */
    sendCid: Uint8Array | undefined;
    recvCid: Uint8Array | undefined;
    /** Server side, client authenticated (./client-auth.ts): the client's chain as received, leaf first; on a
     *  session resumed from a ticket issued after client authentication, that client's leaf alone (./tickets.ts). */
    peerChain?: Uint8Array[];
    /** Present when a PSK authenticated the handshake (signatureScheme 'psk'; group 'none' for psk_ke), and
     *  whether the server took the client's 0-RTT data. */
    psk?: 'external' | 'resumption';
    earlyData?: 'accepted' | 'rejected';
  }
  | { type: 'data'; data: Uint8Array; /** 0-RTT data (epoch 1), server side */ early?: true }
  | {
    type: 'alert'; level: number; description: number; name: string; sent: boolean;
    /** Alerts we sent because of a protocol error: what went wrong (the AlertError's message). */
    reason?: string;
  }
  | { type: 'keyupdate'; direction: 'send' | 'receive'; epoch: number }
  | { type: 'closed'; reason: CloseReason };

/** 'replaced': the server abandoned this association for a new handshake from the same address (RFC 9147 5.11).
 *  'evicted': a half-open server connection dropped to respect a cap (./half-open.ts). */
export type CloseReason = 'close_notify' | 'alert' | 'timeout' | 'local' | 'replaced' | 'evicted';

export interface EndpointStats {
  datagramsSent: number;
  datagramsReceived: number;
  bytesSent: number;
  bytesReceived: number;
  recordsSent: number;
  recordsReceived: number;
  /** Handshake messages (including post-handshake ones such as KeyUpdate) built to send; retransmissions excluded. */
  handshakeMessagesSent: number;
  /** Complete handshake messages (including post-handshake ones) processed, in order. */
  handshakeMessagesReceived: number;
  /** Handshake/post-handshake records sent again (by timer, ACK gap or peer retransmission). */
  retransmissions: number;
  /** Retransmission timer expiries. */
  timeouts: number;
  acksSent: number;
  acksReceived: number;
  /** Records or fragments dropped: by the record layer (bad header, failed authentication, replay, unknown epoch)
   *  and by the endpoint (application data before Finished, stale/out-of-window handshake fragments). */
  drops: number;
  dropsByReason: Record<string, number>;
}

export type ConnectionState = 'idle' | 'handshaking' | 'connected' | 'closed';

/** Delivers a connection's events to its eventSink, or queues them for pollEvent() when none is set. */
export class EventQueue {
  private readonly owner: Connection;
  /** Events waiting for pollEvent(); undefined when none wait (an idle connection keeps no array). */
  private queue: EndpointEvent[] | undefined = undefined;

  constructor(owner: Connection) {
    this.owner = owner;
  }

  emit(ev: EndpointEvent): void {
    const owner = this.owner;
    if (owner.eventSink) owner.eventSink(ev, owner);
    else (this.queue ??= []).push(ev);
  }

  /** No event waiting for pollEvent() (./dormant.ts). */
  get quiet(): boolean {
    return this.queue === undefined;
  }

  poll(): EndpointEvent | undefined {
    const q = this.queue;
    if (q === undefined) return undefined;
    const e = q.shift();
    if (q.length === 0) this.queue = undefined; // drained: the array and its backing store go
    return e;
  }
}
