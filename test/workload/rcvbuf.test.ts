// The server socket's receive buffer (cpu.socket_rcvbuf_bytes / socket_rcvbuf_charge, src/workload/rcvbuf.ts): a
// queue bounded in bytes of kernel charge that drops past its bound (Linux's rule: the check is made on what is
// already held, before the arriving datagram is added), at no CPU cost, and the drops appear in the summary and
// in the datagram balance; the clients' own retransmission timers then recover.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SocketRcvbuf } from '../../src/workload/rcvbuf.ts';
import { runScenario } from '../../src/workload/index.ts';
import { load } from './helpers.ts';

test('charge by payload step, drop once the held charge exceeds the bound, release on read', () => {
  const b = new SocketRcvbuf({ socket_rcvbuf_bytes: 2000, socket_rcvbuf_charge: [{ up_to_payload: 648, bytes: 1288 }, { up_to_payload: 200, bytes: 835 }] });
  assert.is(b.charge(1), 835);
  assert.is(b.charge(200), 835);
  assert.is(b.charge(201), 1288);
  assert.is(b.charge(649), 649); // above the last step: the payload itself
  // 835, 1670 (<= 2000: the third is still admitted), 2505 > 2000: the fourth is dropped
  assert.is(b.admit(100), 835);
  assert.is(b.admit(100), 835);
  assert.is(b.admit(100), 835);
  assert.is(b.admit(100), -1);
  assert.is(b.drops, 1);
  assert.is(b.count, 3);
  b.release(835);
  b.release(835); // held 835
  assert.is(b.admit(300), 1288); // 835 <= 2000
  assert.is(b.held, 835 + 1288);
  assert.is(b.maxCount, 3);
});

test('bound 0: nothing held, nothing dropped', () => {
  const b = new SocketRcvbuf({ socket_rcvbuf_bytes: 0, socket_rcvbuf_charge: [] });
  for (let i = 0; i < 10_000; i++) assert.is(b.admit(1200), 0);
  assert.is(b.drops, 0);
  assert.not.ok(b.bounded);
});

const CLIENTS = 40;
function burst(rcvbufBytes: number) {
  // 40 ClientHellos within 1 us at a one-core server whose socket read (cycles_per_datagram) takes 10 us: nothing is
  // read while they arrive
  const { scenario, model } = load('scenarios/10k-clients.yaml', [`clients.count=${CLIENTS}`, 'clients.arrival.duration_ms=0.001', 'traffic.records_per_client=1', 'sim.end_ms=600000'],
    ['cpu.cores=1', 'cpu.cycles_per_datagram=26000', `cpu.socket_rcvbuf_bytes=${rcvbufBytes}`]);
  model.cpu.socket_rcvbuf_charge = [{ up_to_payload: 1500, bytes: 1000 }];
  return runScenario({ scenario, model }).summary;
}

test('a burst past the bound: the excess is dropped at the socket, counted, and retransmitted', () => {
  const L = 4000;
  const s = burst(L);
  const dropped = s.drops.socket_rcvbuf_full ?? 0;
  // of the burst, floor(L / 1000) + 1 = 5 are held (the check precedes the charge), the other 35 dropped
  assert.ok(dropped >= CLIENTS - (Math.floor(L / 1000) + 1), `dropped ${dropped}`);
  assert.is(s.conservation.dtls.dropped.socket_rcvbuf_full, dropped);
  assert.is(s.conservation.dtls.in_flight, 0);
  assert.is(s.handshakes.completed, CLIENTS);
  assert.ok(s.handshakes.retransmissions >= dropped, 'the dropped ClientHellos are sent again by the clients');
  const unbounded = burst(0);
  assert.is(unbounded.drops.socket_rcvbuf_full, undefined);
  assert.is(unbounded.handshakes.completed, CLIENTS);
  // the clients whose ClientHello was dropped waited for their retransmission timer (1 s initial)
  assert.ok(s.handshake_latency_ms.max > 1000 && unbounded.handshake_latency_ms.max < 1000, `${s.handshake_latency_ms.max} ${unbounded.handshake_latency_ms.max}`);
});

test.run();
