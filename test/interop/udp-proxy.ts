// A loopback UDP relay that records every datagram (for interop diagnostics): client -> proxy -> server.
// Not a test file (no .test.ts): used by test/interop/*.test.ts and by hand:
//   node --import tsx test/interop/udp-proxy.ts LISTEN_PORT SERVER_PORT
import dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';

export type Captured = { t: number; dir: 'c>s' | 's>c'; bytes: Uint8Array };

/** One-line summary of a DTLS datagram: record types / unified headers, lengths. */
function describeDatagram(d: Uint8Array): string {
  const parts: string[] = [];
  let p = 0;
  while (p < d.length) {
    const b = d[p]!;
    if (b === 20 || b === 21 || b === 22 || b === 23 || b === 25 || b === 26) {
      if (p + 13 > d.length) {
        parts.push(`trunc(${d.length - p})`);
        break;
      }
      const epoch = (d[p + 3]! << 8) | d[p + 4]!;
      const len = (d[p + 11]! << 8) | d[p + 12]!;
      const name = { 20: 'ccs', 21: 'alert', 22: 'hs', 23: 'app', 25: 'hb', 26: 'ack' }[b as 20];
      let extra = '';
      if (b === 22 && len >= 1) extra = ` type=${d[p + 13]}`;
      if (b === 21 && len >= 2) extra = ` level=${d[p + 13]} desc=${d[p + 14]}`;
      parts.push(`${name}(v=${d[p + 1]!.toString(16)}${d[p + 2]!.toString(16)} e=${epoch} len=${len}${extra})`);
      p += 13 + len;
    } else if ((b & 0xe0) === 0x20) {
      const c = (b & 0x10) !== 0;
      const s = (b & 0x08) !== 0;
      const l = (b & 0x04) !== 0;
      parts.push(`ct(hdr=0x${b.toString(16)} e&3=${b & 3}${c ? ' cid' : ''}${s ? ' sn16' : ''}${l ? '' : ' nolen'})`);
      if (!l || c) break; // CID length is not on the wire: cannot walk further
      const off = p + 1 + (s ? 2 : 1);
      if (off + 2 > d.length) break;
      const len = (d[off]! << 8) | d[off + 1]!;
      p = off + 2 + len;
    } else {
      parts.push(`?0x${b.toString(16)}`);
      break;
    }
  }
  return `${d.length}B ${parts.join(' ')}`;
}

export type Proxy = {
  port: number;
  /** Every datagram seen, with `dropped` set on those the drop rule discarded and `path` = index of the relay's
   *  server-side socket it went out of / came in on (0 before any rebind). */
  log: (Captured & { dropped?: boolean; path?: number })[];
  close(): Promise<void>;
  dump(): string;
};

export type ProxyOptions = {
  /** Discard a datagram (n = its index in its direction) to exercise retransmission. */
  drop?: (c: Captured, n: number) => boolean;
  /** Before relaying this client datagram, move to a new source port towards the server (NAT rebinding). */
  rebind?: (c: Captured, n: number) => boolean;
};

/** Starts a relay on 127.0.0.1 (random port) towards 127.0.0.1:serverPort. */
export async function startProxy(serverPort: number, opts: ProxyOptions | ((c: Captured, n: number) => boolean) = {}): Promise<Proxy> {
  const o: ProxyOptions = typeof opts === 'function' ? { drop: opts } : opts;
  const front = dgram.createSocket('udp4');
  const backs: dgram.Socket[] = [];
  const log: (Captured & { dropped?: boolean; path?: number })[] = [];
  let nc = 0;
  let ns = 0;
  const t0 = performance.now();
  let client: { port: number; address: string } | undefined;
  const newBack = async (): Promise<dgram.Socket> => {
    const b = dgram.createSocket('udp4');
    const path = backs.length;
    b.on('error', () => {});
    b.on('message', (msg) => {
      const c: Captured & { dropped?: boolean; path?: number } = { t: performance.now() - t0, dir: 's>c', bytes: new Uint8Array(msg), path };
      log.push(c);
      if (o.drop?.(c, ns++)) c.dropped = true;
      else if (client) front.send(msg, client.port, client.address);
    });
    await new Promise<void>((r) => b.bind(0, '127.0.0.1', r));
    backs.push(b);
    return b;
  };
  let back = await newBack();
  let pending = Promise.resolve();
  front.on('message', (msg, rinfo) => {
    client = { port: rinfo.port, address: rinfo.address };
    const c: Captured & { dropped?: boolean; path?: number } = { t: performance.now() - t0, dir: 'c>s', bytes: new Uint8Array(msg) };
    log.push(c);
    const n = nc++;
    if (o.drop?.(c, n)) {
      c.dropped = true;
      return;
    }
    // keep client datagrams in order across an asynchronous rebind
    pending = pending.then(async () => {
      if (o.rebind?.(c, n)) back = await newBack();
      c.path = backs.indexOf(back);
      back.send(msg, serverPort, '127.0.0.1');
    });
  });
  front.on('error', () => {});
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  return {
    port: (front.address() as AddressInfo).port,
    log,
    close: async () => {
      await pending;
      await Promise.all([front, ...backs].map((b) => new Promise<void>((r) => b.close(() => r()))));
    },
    dump: () =>
      log
        .map((c) => `${c.t.toFixed(1).padStart(8)}ms ${c.dir}${c.path ? ` [port ${c.path}]` : ''} ${c.dropped ? 'DROPPED ' : ''}${describeDatagram(c.bytes)}`)
        .join('\n'),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [listen, server] = process.argv.slice(2).map(Number);
  const front = dgram.createSocket('udp4');
  const back = dgram.createSocket('udp4');
  let client: { port: number; address: string } | undefined;
  const t0 = performance.now();
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  front.on('message', (m, r) => {
    client = r;
    console.log(`${(performance.now() - t0).toFixed(1)}ms c>s ${describeDatagram(m)}\n  ${hex(m)}`);
    back.send(m, server!, '127.0.0.1');
  });
  back.on('message', (m) => {
    console.log(`${(performance.now() - t0).toFixed(1)}ms s>c ${describeDatagram(m)}\n  ${hex(m)}`);
    if (client) front.send(m, client.port, client.address);
  });
  front.bind(listen, '127.0.0.1');
}
