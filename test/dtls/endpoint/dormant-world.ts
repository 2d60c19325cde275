// Driver of the dormant-connection differential test (./dormant.test.ts): one ClientEndpoint and one
// ServerDispatcher joined by a link with a fixed delay, virtual time, and a log of every datagram sent and every
// event. `sleepy`: after every step (a datagram delivered, a timer run, a scripted action) the client and every
// connection the dispatcher holds are asked to sleep(). Not a test file itself.
import {
  ClientEndpoint, ServerDispatcher, type ClientConfig, type EndpointEvent, type ServerConfig, type ServerConnection,
} from '../../../src/dtls/index.ts';
import { nextDue } from './harness.ts';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
function show(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof Uint8Array ? `0x${hex(x)}` : x));
}

interface InFlight { at: number; seq: number; dir: 'c2s' | 's2c'; data: Uint8Array; addr: string }

export class World {
  readonly client: ClientEndpoint;
  readonly server: ServerDispatcher;
  now = 0;
  /** The client's address as the server sees it (change it to migrate). */
  addr = '10.0.0.1:5000';
  readonly log: string[] = [];
  /** Successful sleep() calls (sleepy runs) and the datagrams sent each way so far (for replays). */
  sleeps = 0;
  readonly c2s: Uint8Array[] = [];
  readonly s2c: Uint8Array[] = [];
  readonly clientEvents: EndpointEvent[] = [];
  readonly serverEvents: EndpointEvent[] = [];
  /** Drops datagrams on the link while it returns true (they are still logged and kept in c2s/s2c). */
  drop: ((dir: 'c2s' | 's2c', d: Uint8Array) => boolean) | undefined;
  delayMs = 5;
  private q: InFlight[] = [];
  private n = 0;

  constructor(cc: ClientConfig, sc: ServerConfig, readonly sleepy: boolean, client?: ClientEndpoint) {
    this.client = client ?? new ClientEndpoint(cc);
    this.server = new ServerDispatcher(sc);
  }

  get conn(): ServerConnection | undefined {
    return this.server.connections.get(this.addr) ?? [...this.server.connections.values()][0];
  }

  private enqueue(dir: 'c2s' | 's2c', data: Uint8Array, addr: string): void {
    (dir === 'c2s' ? this.c2s : this.s2c).push(data);
    this.log.push(`${this.now} ${dir} ${addr} ${hex(data)}`);
    if (this.drop?.(dir, data)) return;
    this.q.push({ at: this.now + this.delayMs, seq: this.n++, dir, data, addr });
  }

  pump(): void {
    for (let d; (d = this.client.pollTransmit()); ) this.enqueue('c2s', d, this.addr);
    for (let o; (o = this.server.pollTransmit()); ) this.enqueue('s2c', o.datagram, o.address);
    for (let e; (e = this.client.pollEvent()); ) {
      this.clientEvents.push(e);
      this.log.push(`${this.now} client ${show(e)}`);
    }
    for (let e; (e = this.server.pollEvent()); ) {
      this.serverEvents.push(e.event);
      this.log.push(`${this.now} server ${e.address} ${show(e.event)}`);
    }
  }

  /** Sleeps whatever can sleep (sleepy runs only). */
  nap(): void {
    if (!this.sleepy) return;
    if (this.client.sleep()) this.sleeps++;
    for (const c of this.server.connections.values()) if (c.sleep()) this.sleeps++;
  }

  /** A scripted action at the current time, then pump and nap. */
  act<T>(fn: () => T): T {
    const r = fn();
    this.pump();
    this.nap();
    return r;
  }

  /** Delivers `d` now, as if it had just arrived (replays, forgeries, reordering). */
  inject(dir: 'c2s' | 's2c', d: Uint8Array, addr = this.addr): void {
    this.act(() => (dir === 'c2s' ? this.server.receive(d, addr, this.now) : this.client.receive(d, this.now)));
  }

  /** Runs datagrams and timers due up to `until` (ms), then sets the clock to `until`. */
  run(until: number): void {
    this.pump();
    this.nap();
    for (;;) {
      const t = nextDue(this.q, this.client, this.server);
      const next = this.q[0];
      const tc = this.client.nextTimeout();
      const ts = this.server.nextTimeout();
      if (t > until) break;
      this.now = Math.max(this.now, t);
      if (next && next.at <= this.now) {
        this.q.shift();
        if (next.dir === 'c2s') this.server.receive(next.data, next.addr, this.now);
        else this.client.receive(next.data, this.now);
      } else {
        if (tc !== undefined && tc <= this.now) this.client.handleTimeout(this.now);
        if (ts !== undefined && ts <= this.now) this.server.handleTimeout(this.now);
      }
      this.pump();
      this.nap();
    }
    this.now = Math.max(this.now, until);
  }

  /** Connects (connect() at the current time) and runs for `ms`. */
  connect(ms = 2000): void {
    this.act(() => this.client.connect(this.now));
    this.run(this.now + ms);
  }

  /** Final state of both ends, into the log (getters first: they must answer without waking). */
  summary(): string[] {
    const conn = this.conn;
    for (const [who, ep] of [['client', this.client], ['server', conn]] as const) {
      if (!ep) continue;
      this.log.push(`${who} state=${ep.state} send=${ep.sendEpoch} recv=${ep.receiveEpoch} timeout=${ep.nextTimeout()} held=${ep.heldBytes()}`);
      this.log.push(`${who} stats ${show(ep.stats)}`);
      const x = ep.exporterSecret;
      this.log.push(`${who} exporter ${x ? hex(x) : '-'}`);
    }
    this.log.push(`dispatcher ${show(this.server.stats)} ${[...this.server.connections.keys()].join(',')}`);
    return this.log;
  }
}
