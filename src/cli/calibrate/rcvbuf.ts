// The server socket's receive buffer on this host (cpu.socket_rcvbuf_bytes, cpu.socket_rcvbuf_charge): its size
// (SO_RCVBUF of a fresh node:dgram socket, i.e. net.core.rmem_default) and what the kernel charges it per datagram.
// Linux charges each queued datagram its skb truesize, larger than the payload and rising in steps (allocation size
// classes), and drops an arriving datagram when what is held already exceeds the buffer. Measured by filling: a
// burst of datagrams of one payload size is sent to a socket that cannot read meanwhile (all sends happen in one
// turn of the event loop, before the receiver's next poll); n arrive, so the charge c satisfies (n - 1) c <= R < n c
// and c = floor(R / (n - 1)) reproduces n. The steps are found by bisection on the payload size (n falls as the
// size grows, so two sizes with the same n bound a run of sizes with that n).
import dgram from 'node:dgram';

export interface RcvbufResults {
  bytes: number;
  steps: { up_to_payload: number; bytes: number }[];
  how: string;
}

/** Datagrams of `size` bytes a fresh socket holds before dropping, and its SO_RCVBUF. */
async function fill(size: number, burst: number): Promise<{ n: number; rcvbuf: number }> {
  const rx = dgram.createSocket('udp4');
  const tx = dgram.createSocket('udp4');
  await Promise.all([new Promise<void>((r) => rx.bind(0, '127.0.0.1', r)), new Promise<void>((r) => tx.bind(0, '127.0.0.1', r))]);
  let n = 0;
  rx.on('message', () => n++);
  const port = rx.address().port;
  const payload = Buffer.alloc(size, 7);
  let sent = 0;
  await new Promise<void>((resolve) => {
    for (let i = 0; i < burst; i++) tx.send(payload, port, '127.0.0.1', () => ++sent === burst && resolve());
  });
  await new Promise((r) => setTimeout(r, 30));
  const rcvbuf = rx.getRecvBufferSize();
  rx.close();
  tx.close();
  return { n, rcvbuf };
}

export async function measureRcvbuf(maxPayload = 1472): Promise<RcvbufResults> {
  const burst = 2000;
  const memo = new Map<number, { n: number; rcvbuf: number }>();
  const at = async (size: number) => {
    let v = memo.get(size);
    if (!v) {
      v = await fill(size, burst);
      memo.set(size, v);
    }
    return v;
  };
  // sizes where n changes: bisect every interval whose ends differ
  const bounds: number[] = [];
  const split = async (lo: number, hi: number): Promise<void> => {
    const [a, b] = [await at(lo), await at(hi)];
    if (a.n === b.n) return;
    if (hi - lo === 1) {
      bounds.push(lo);
      return;
    }
    const mid = (lo + hi) >> 1;
    await split(lo, mid);
    await split(mid, hi);
  };
  await split(1, maxPayload);
  const rcvbuf = (await at(1)).rcvbuf;
  const steps: { up_to_payload: number; bytes: number }[] = [];
  for (const upTo of [...bounds.sort((x, y) => x - y), maxPayload]) {
    const { n } = await at(upTo);
    if (n < 2 || n >= burst) throw new Error(`receive buffer fill of ${upTo} B datagrams held ${n} of ${burst}: cannot size the charge`);
    steps.push({ up_to_payload: upTo, bytes: Math.floor(rcvbuf / (n - 1)) });
  }
  const counts = steps.map((s) => `${memo.get(s.up_to_payload)!.n} x <= ${s.up_to_payload} B`).join(', ');
  return { bytes: rcvbuf, steps, how: `SO_RCVBUF of a node:dgram socket; filled with bursts of ${burst} datagrams it held ${counts}; charge = floor(${rcvbuf} / (held - 1))` };
}
