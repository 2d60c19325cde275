// Datagrams between the clients and the server port, on the network model (network.ts): loss, access links,
// delays, wire bytes, and the network intervals of the breakdown probe. Every datagram in flight is one pooled
// Delivery handed to the kernel with a handler bound once: no allocation per datagram once the pool is warm.
import type { Kernel, Ps } from '../sim/index.ts';
import type { Accounts } from './accounts.ts';
import type { Client, ClientSide } from './client-side.ts';
import type { NetworkModel } from './network.ts';
import type { BreakdownProbe } from './probe.ts';
import type { RecordLog, ServerSide } from './server.ts';

/** A datagram in flight on the network to or from client `c` (pooled). */
interface Delivery {
  c: Client;
  /** The client's address when the datagram left (up) or the address it was sent to (down). */
  a: string;
  d: Uint8Array;
  /** Path log of the record the datagram carries, or null. */
  log: RecordLog | null;
}

const NO_BYTES = new Uint8Array(0);

export class Transport {
  private readonly pool: Delivery[] = [];
  private clients: ClientSide | undefined;
  /** Server sides by dispatcher index (Client.server). */
  private servers: readonly ServerSide[] = [];
  /** A datagram for an address that is no client (a hello flood's spoofed source, attack.ts): returns the ledger's
   *  drop cause. Unset: 'no_endpoint'. */
  unknownPeer: ((address: string, bytes: number) => string) | undefined = undefined;
  /** An address a client had before a NAT rebinding (fleet.ts): datagrams to it are lost ('nat_rebinding'). */
  retired: ((address: string) => boolean) | undefined = undefined;
  private readonly toServer = (x: Delivery): void => {
    const c = x.c;
    const log = x.log;
    const a = x.a;
    this.servers[c.server]!.receive(a, this.arrived(x), log);
  };
  private readonly toClient = (x: Delivery): void => {
    const c = x.c;
    const log = x.log;
    if (x.a !== c.addr) {
      // the client's NAT mapping changed while the datagram was on its way
      this.arrived(x);
      this.acc.datagramLedger.drop('nat_rebinding');
      if (log !== null) this.probe.freeLog(log);
      return;
    }
    this.clients!.receive(c, this.arrived(x), log);
  };

  constructor(
    private readonly k: Kernel,
    private readonly net: NetworkModel,
    private readonly acc: Accounts,
    private readonly probe: BreakdownProbe,
  ) {}

  /** The two ends (built after the transport they send through). */
  attach(clients: ClientSide, servers: readonly ServerSide[]): void {
    this.clients = clients;
    this.servers = servers;
  }

  /** Client `c` sends datagram `d` at `now` (`log`: the path log of the record it carries, or null). */
  up(c: Client, d: Uint8Array, log: RecordLog | null, now: Ps): void {
    const net = this.net;
    this.acc.datagramLedger.send();
    if (net.drop(c)) {
      this.acc.datagramLedger.drop('network_loss');
      if (log !== null) this.probe.freeLog(log);
      return;
    }
    const delay = c.delay();
    const at = net.uplink(c, d.length, now, delay);
    this.probe.network(c, log, now, at);
    this.k.at(at, this.toServer, this.take(c, c.addr, d, log));
  }

  /** The server port sent `datagram` to `address` at `now`. */
  down(address: string, datagram: Uint8Array, log: RecordLog | null, now: Ps): void {
    const net = this.net;
    const c = this.clients!.byAddr.get(address);
    if (!c || net.drop(c)) {
      this.acc.datagramLedger.drop(c ? 'network_loss' : this.retired?.(address) ? 'nat_rebinding' : this.unknownPeer ? this.unknownPeer(address, datagram.length) : 'no_endpoint');
      if (log !== null) this.probe.freeLog(log);
      return;
    }
    const delay = c.delay();
    const at = net.downlink(c, datagram.length, now, delay);
    this.probe.network(c, log, now, at);
    this.k.at(at, this.toClient, this.take(c, address, datagram, log));
  }

  private take(c: Client, a: string, d: Uint8Array, log: RecordLog | null): Delivery {
    const x = this.pool.pop();
    if (!x) return { c, a, d, log };
    x.c = c;
    x.a = a;
    x.d = d;
    x.log = log;
    return x;
  }

  /** The datagram of a delivery that has arrived; the delivery goes back to the pool. */
  private arrived(x: Delivery): Uint8Array {
    const d = x.d;
    x.d = NO_BYTES;
    x.log = null;
    this.pool.push(x);
    return d;
  }
}
