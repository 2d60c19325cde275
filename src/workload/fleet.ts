// A device fleet's life after its handshakes (scenario keys `clients.churn_per_min`, `network.nat_rebinding_per_min`,
// `clients.connection_id_length`; docs/scenarios.md "Device fleets"):
//
//   churn:      every connected device closes (close_notify) and reconnects with a new handshake as a Poisson process
//               of rate churn_per_min per minute (a fraction churn_per_min of the connected devices per minute);
//   rebinding:  every connected device's source address changes (a NAT drops its mapping and makes a new one) as a
//               Poisson process of rate nat_rebinding_per_min per minute. Datagrams to the old address are lost. With
//               connection IDs the server routes the device's next record by its CID and moves the connection to the
//               new address (RFC 9146 6, RFC 9147 9: after a record that authenticates). Without them the server finds
//               no connection for the new address and drops the record silently; the device notices only when an
//               echo does not come back: when it is about to send a record while one of its records has gone
//               unanswered for at least the initial retransmission timeout (dtls.timers.initial_rto_ms, the core's
//               own "no answer" time), it abandons the association and reconnects with a new handshake from its new
//               address (the record due then is not sent; its traffic goes on from the next one). The server's old
//               connection stays until the run ends (stale: it holds a context nobody uses).
//
// Both processes are drawn by thinning: events at count x rate over the whole fleet (streams `churn` and
// `nat-rebinding`), each picking one device uniformly; a pick that is not connected does nothing. This is exactly one
// Poisson process of the given rate per connected device, with no per-device event and no set of connected devices.
import { fromMs, PS_PER_S, type Kernel, type Ps, type Rng, type RngStream } from '../sim/index.ts';
import type { ServerDispatcher } from '../dtls/index.ts';
import type { Client, ClientSide } from './client-side.ts';
import type { ServerApp } from './server-app.ts';
import type { Transport } from './transport.ts';
import type { Scenario } from './config/index.ts';

/** summary.json `fleet` (only with churn or NAT rebinding; docs/outputs.md). */
export interface FleetSummary {
  /** Source-address changes of connected clients (whole run). */
  nat_rebindings: number;
  /** Connections the server moved to a rebound client's new address after a record with its CID. */
  migrated: number;
  /** Clients that found their association dead after a rebinding (no CID) and reconnected with a new handshake. */
  dead_reconnects: number;
  /** Churn: connected clients that closed and reconnected with a new handshake. */
  churn_reconnects: number;
  /** Datagrams the server dropped from addresses it holds no connection for and that start none (rebound clients'
   *  records without a CID, among others), every dispatcher. */
  server_dropped_datagrams: number;
  /** Established server connections at the end whose address is no client's address any more (a rebound client's
   *  old connection, when no CID moved it). */
  stale_server_connections: number;
}

export interface FleetConfig {
  count: number;
  churnPerMin: number;
  rebindPerMin: number;
  /** How long a record may go unanswered before a client declares its association dead, ps. */
  deadAfterPs: Ps;
  /** Echo traffic: the only kind whose clients hear back, so the only one in which they detect a dead association. */
  echo: boolean;
  endPs: Ps;
}

const MINUTE_PS = 60 * PS_PER_S;

export class Fleet {
  nat_rebindings = 0;
  dead_reconnects = 0;
  churn_reconnects = 0;
  /** Per client: when it sent its first record after its last echo, ps (NaN: none sent since), and how many it has
   *  sent since (counted up to 2). */
  private readonly since: Float64Array;
  private readonly unanswered: Uint8Array;
  /** Per client: source addresses it has had after its first (its address is `client-<i>` or `client-<i>.<n>`). */
  private readonly generation: Uint32Array;
  private readonly churnFn = (): void => this.event(this.churn, this.cfg.churnPerMin, this.churnFn, (c) => this.doChurn(c));
  private readonly rebindFn = (): void => this.event(this.rebind, this.cfg.rebindPerMin, this.rebindFn, (c) => this.doRebind(c));

  constructor(
    private readonly k: Kernel,
    private readonly clients: ClientSide,
    private readonly cfg: FleetConfig,
    private readonly churn: RngStream,
    private readonly rebind: RngStream,
    private readonly app: ServerApp,
  ) {
    this.since = new Float64Array(cfg.count).fill(NaN);
    this.unanswered = new Uint8Array(cfg.count);
    this.generation = new Uint32Array(cfg.count);
  }

  start(): void {
    if (this.cfg.churnPerMin > 0) this.next(this.churn, this.cfg.churnPerMin, this.churnFn);
    if (this.cfg.rebindPerMin > 0) this.next(this.rebind, this.cfg.rebindPerMin, this.rebindFn);
  }

  private next(s: RngStream, perMin: number, fn: () => void): void {
    const at = this.k.now + Math.round(s.exponential((this.cfg.count * perMin) / MINUTE_PS));
    if (at <= this.cfg.endPs && this.clients.done < this.cfg.count) this.k.at(at, fn);
  }

  private event(s: RngStream, perMin: number, fn: () => void, act: (c: Client) => void): void {
    const c = this.clients.clients[s.int(this.cfg.count)];
    if (c !== undefined && c.ep !== null && c.ep.isConnected && c.connected && !c.rejoin && !c.done) act(c);
    this.next(s, perMin, fn);
  }

  private doChurn(c: Client): void {
    this.churn_reconnects++;
    this.leave(c, true);
  }

  /** Client `c`'s source address changes: datagrams to its old address are lost from now on. */
  private doRebind(c: Client): void {
    this.nat_rebindings++;
    const g = ++this.generation[c.i]!;
    const byAddr = this.clients.byAddr;
    byAddr.delete(c.addr);
    c.addr = `client-${c.i}.${g}`;
    byAddr.set(c.addr, c);
  }

  /** Client `c` leaves its association now: with `close` (churn) it sends close_notify, a client whose association
   *  is dead just drops it. Its new handshake starts when the endpoint's 'closed' event is released
   *  (ClientSide.restart); until it completes `c.rejoin` holds its records. */
  private leave(c: Client, close: boolean): void {
    this.answered(c); // a new association: nothing unanswered on it
    c.rejoin = true;
    this.clients.work(c, (ep) => (close ? ep.close() : ep.abandon('local')));
  }

  /** Client `c` sent a record now (direction up or echo). */
  sent(c: Client, now: Ps): void {
    const i = c.i;
    if (this.unanswered[i] === 0) this.since[i] = now;
    if (this.unanswered[i]! < 2) this.unanswered[i]!++;
  }

  /** An echo reached client `c`. */
  answered(c: Client): void {
    this.since[c.i] = NaN;
    this.unanswered[c.i] = 0;
  }

  /**
   * Client `c` is about to send a record now: true if it must not, because it is between two associations, or
   * because it finds its association dead (echo traffic: two records or more unanswered, the first for deadAfterPs),
   * in which case it leaves it and reconnects.
   */
  holdsRecord(c: Client, now: Ps): boolean {
    if (c.done) return false;
    if (c.rejoin) return true;
    if (!this.cfg.echo || c.ep === null || !c.ep.isConnected) return false;
    if (this.unanswered[c.i]! < 2 || now - this.since[c.i]! < this.cfg.deadAfterPs) return false;
    this.dead_reconnects++;
    this.leave(c, false);
    return true;
  }

  /** An address that was client `i`'s before a rebinding (datagrams to it are lost: 'nat_rebinding'). */
  isRetired(address: string): boolean {
    const m = /^client-(\d+)(?:\.(\d+))?$/.exec(address);
    if (!m) return false;
    const i = Number(m[1]);
    return i < this.cfg.count && Number(m[2] ?? 0) < this.generation[i]!;
  }

  summary(dispatchers: readonly ServerDispatcher[]): FleetSummary {
    let dropped = 0;
    let stale = 0;
    for (const d of dispatchers) {
      dropped += d.stats.dropped;
      for (const conn of d.connections.values()) {
        if (!conn.isConnected) continue;
        if (!this.clients.byAddr.has(conn.address)) stale++;
      }
    }
    return {
      nat_rebindings: this.nat_rebindings, migrated: this.app.migrated, dead_reconnects: this.dead_reconnects,
      churn_reconnects: this.churn_reconnects, server_dropped_datagrams: dropped, stale_server_connections: stale,
    };
  }
}

/** The fleet of a scenario with churn or NAT rebinding, wired to the client side (its hooks) and the transport
 *  (datagrams to retired addresses), else undefined. The dead-association timeout is dtls.timers.initial_rto_ms. */
export function fleetOf(sc: Scenario, k: Kernel, root: Rng, endPs: Ps, clients: ClientSide, app: ServerApp, transport: Transport): Fleet | undefined {
  if (sc.clients.churn_per_min <= 0 && sc.network.nat_rebinding_per_min <= 0) return undefined;
  const fleet = new Fleet(k, clients, {
    count: sc.clients.count, churnPerMin: sc.clients.churn_per_min, rebindPerMin: sc.network.nat_rebinding_per_min,
    deadAfterPs: fromMs(sc.dtls.timers.initial_rto_ms), echo: sc.traffic.direction === 'echo', endPs,
  }, root.stream('churn'), root.stream('nat-rebinding'), app);
  clients.fleet = fleet;
  transport.retired = (a) => fleet.isRetired(a);
  return fleet;
}
