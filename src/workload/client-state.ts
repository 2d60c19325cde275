// One simulated client's state (a population member with its DTLS endpoint, timers, traffic counters and the
// choices it made) and the shapes ClientSide is built from: the population and the resumption hooks. The work
// itself (start, receive, send, timers) is client-side.ts.
import type { EventId, Ps, Rng, RngStream, Sampler } from '../sim/index.ts';
import type { CipherSuiteName, ClientEndpoint, KxGroup, SignatureScheme } from '../dtls/index.ts';
import type { ClientKeyType } from './config/index.ts';
import type { ClientChoice } from './client-crypto.ts';
import type { NetworkModel } from './network.ts';
import { Member } from './population.ts';
import type { Handshaking } from './probe.ts';
import type { ClientTickets, HandshakeKinds } from './resumption.ts';

export class Client extends Member implements Handshaking, ClientChoice {
  /** Source address; a NAT rebinding (fleet.ts) changes it. */
  addr: string;
  /** The client's own random stream (its endpoint's randomness). */
  readonly rng: RngStream;
  /** Created when the client starts (keeps memory proportional to active clients). */
  ep: ClientEndpoint | null = null;
  connected = false;
  done = false;
  timer: EventId = -1;
  /** Deadline (ms) the armed timer is for, NaN if none. */
  timerAt = NaN;
  toSend = 0;
  sendUntil: Ps = Infinity;
  sent = 0;
  expected = 0;
  got = 0;
  hsLog: number[] | null = null;
  /** Record size sampler while the client sends (its traffic stream). */
  size: Sampler | undefined = undefined;
  /** Public-key operations of the client's current handshake (with `clients.resumption`, resumption.ts). */
  hsPke = 0;
  /** Sessions still to open after the current one (scenarios with `clients.resumption`, resumption.ts). */
  sessionsLeft = 0;
  /** Key type of the client's certificate (clients.client_auth, mutual.ts), undefined if it holds none. */
  auth: ClientKeyType | undefined = undefined;
  /** Between leaving an association and completing the next one (churn, a dead association: fleet.ts); its
   *  traffic goes on afterwards where it was. */
  rejoin = false;

  constructor(
    i: number, start: Ps, root: Rng, network: NetworkModel,
    readonly suite: CipherSuiteName, readonly group: KxGroup, readonly scheme: SignatureScheme, readonly server: number,
    readonly resumes = false,
  ) {
    super(i, start, root, network);
    this.addr = `client-${i}`;
    this.rng = root.deriveLeaf(`client/${i}`);
  }

  /** Its next session (`clients.resumption`), starting at `start`: its state back to a new client's. */
  nextSession(start: Ps): void {
    this.sessionsLeft--;
    this.connected = false;
    this.done = false;
    this.toSend = 0;
    this.sendUntil = Infinity;
    this.sent = 0;
    this.expected = 0;
    this.got = 0;
    this.size = undefined;
    this.timerAt = NaN;
    this.start = start;
  }
}

/** Resuming clients (resumption.ts): their ticket store, the handshakes by kind, the reconnect delay and the
 *  0-RTT records of a resumed session. */
export interface ResumeHooks {
  readonly tickets: ClientTickets;
  readonly kinds: HandshakeKinds;
  readonly sessions: number;
  readonly delayPs: Ps;
  readonly earlyRecords: number;
}

/** The population as ClientSide creates it: `count` clients, client i starting at `starts[i]` and built by
 *  `make(i)` when it starts. */
export interface ClientPopulation {
  readonly count: number;
  readonly starts: readonly Ps[];
  make(i: number): Client;
}
