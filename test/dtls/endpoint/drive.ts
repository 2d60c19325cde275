// A lossless in-memory driver for one client against a ServerDispatcher (5 ms one way), firing timers when the
// link is quiet; used by the PSK / resumption tests. Not a test file itself.
import type { ClientEndpoint, EndpointEvent, ServerDispatcher } from '../../../src/dtls/index.ts';

const td = new TextDecoder();

export interface Run {
  client: ClientEndpoint;
  clientEvents: EndpointEvent[];
  serverEvents: EndpointEvent[];
  /** Datagrams the client sent, in order. */
  sent: Uint8Array[];
  now: number;
}

/** Drives one client against `disp` from `addr` until both sides are quiet (lossless, 5 ms one way). */
export function drive(client: ClientEndpoint, disp: ServerDispatcher, addr: string, now: number, earlyData?: Uint8Array): Run {
  const r: Run = { client, clientEvents: [], serverEvents: [], sent: [], now };
  client.connect(now, earlyData);
  for (let i = 0; i < 200; i++) {
    let moved = false;
    for (let d; (d = client.pollTransmit()); ) {
      r.sent.push(d);
      r.now += 5;
      disp.receive(d, addr, r.now);
      moved = true;
    }
    for (let o; (o = disp.pollTransmit()); ) {
      r.now += 5;
      if (o.address === addr) client.receive(o.datagram, r.now);
      moved = true;
    }
    for (let e; (e = client.pollEvent()); ) r.clientEvents.push(e);
    for (let e; (e = disp.pollEvent()); ) if (e.address === addr) r.serverEvents.push(e.event);
    if (!moved) {
      // quiet link: fire the next timer (partial-flight ACKs under the anti-amplification limit), within 3 s
      const tc = client.nextTimeout();
      const ts = disp.nextTimeout();
      const t = Math.min(tc ?? Infinity, ts ?? Infinity);
      if (t > r.now + 3000 || r.clientEvents.some((e) => e.type === 'connected') && r.serverEvents.some((e) => e.type === 'connected') && t > r.now + 100) break;
      r.now = Math.max(r.now, t);
      if (tc !== undefined && tc <= r.now) client.handleTimeout(r.now);
      if (ts !== undefined && ts <= r.now) disp.handleTimeout(r.now);
    }
  }
  return r;
}
export const connected = (evs: EndpointEvent[]) => evs.find((e) => e.type === 'connected') as Extract<EndpointEvent, { type: 'connected' }> | undefined;
export const data = (evs: EndpointEvent[]) => evs.filter((e) => e.type === 'data').map((e) => (e.type === 'data' ? `${e.early ? 'early:' : ''}${td.decode(e.data)}` : ''));
