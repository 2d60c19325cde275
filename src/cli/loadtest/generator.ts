// Real UDP load generator: DTLS 1.3 clients (the project's ClientEndpoint), one UDP socket each, started by an
// open-loop arrival process (the start times are fixed before the run; a slow server does not slow the arrivals).
// Each client does a full handshake, then sends `records` application records of `size` bytes one after the other,
// each after the echo of the previous one, then close_notify. Measured per client: handshake latency (connect()
// to the 'connected' event) and the round trip of every record (send() to the echoed 'data' event).
//
// This module touches sockets and clocks, so it lives under src/cli (the only layer allowed to). Randomness of the
// arrival process comes from the project's seeded generator; the DTLS randomness from the CSPRNG.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ClientEndpoint, type CertificateVerifierInterface, type EndpointEvent } from '../../dtls/index.ts';
import type { CryptoProvider, KxGroup, RandomSource } from '../../dtls/crypto/provider.ts';
import type { CipherSuiteName } from '../../dtls/crypto/suites.ts';
import { Rng } from '../../sim/random.ts';

export interface LoadSpec {
  host: string;
  port: number;
  clients: number;
  /** Mean arrival rate, clients per second. */
  rate: number;
  /** 'burst': groups of `burst` clients started at the same instant, the groups at `rate` / `burst` per second. */
  arrival: 'poisson' | 'constant' | 'burst';
  /** Clients per group with arrival 'burst'. */
  burst?: number | undefined;
  records: number;
  size: number;
  /** A client that has not finished this long after its start counts as failed. */
  clientTimeoutMs: number;
  seed: number;
  /** Run only the clients with index % shards === shard (the arrival schedule is the whole run's). */
  shard: number;
  shards: number;
  suites?: CipherSuiteName[] | undefined;
  groups?: KxGroup[] | undefined;
  mtu?: number | undefined;
}

export interface ClientEnv {
  crypto: CryptoProvider;
  rng: RandomSource;
  verifier: CertificateVerifierInterface;
  serverName: string;
}

/** Raw measurements of one generator process (mergeable across shards). */
export interface LoadSamples {
  /** Clients started, clients that completed everything, clients that failed (any stage). */
  offered: number;
  completed: number;
  failed: number;
  /** Clients that failed before their handshake completed. */
  handshakesFailed: number;
  failures: Record<string, number>;
  handshakeMs: number[];
  /** Per completed handshake, the client's own time in it, ms: from its start to its first datagram sent (socket,
   *  endpoint, bind, ClientHello) plus the wall time of each of its receive and timer handlers until 'connected'
   *  (time spent waiting for the generator's event loop is not in it). */
  handshakeClientMs: number[];
  recordRttUs: number[];
  recordsSent: number;
  recordsReceived: number;
  payloadBytesReceived: number;
  datagramsSent: number;
  datagramsReceived: number;
  retransmissions: number;
  /** Wall times relative to the run's t0 (ms): first arrival, last client end. */
  firstStartMs: number;
  lastEndMs: number;
  /** Each completed handshake's end, ms after t0 (the arrival-window rate, summary.ts). */
  handshakeEndMs: number[];
  /** Each started client's actual start, ms after t0, as [client index, ms] pairs flattened (its scheduled start is
   *  arrivalTimes()[index]; the timer fires late when the generator's core is busy): the arrival process the server
   *  really saw (summary.ts start_lateness_ms, and `arrivals_ms` with --arrivals). */
  startedMs: number[];
  /** t0 on the epoch clock (performance.timeOrigin + t0), ms: lets another process place the run in time. */
  t0EpochMs: number;
}

/** Client start times (ms after t0), the same for every shard of a run. */
export function arrivalTimes(n: number, ratePerS: number, kind: 'poisson' | 'constant' | 'burst', seed: number, burst = 1): Float64Array {
  const out = new Float64Array(n);
  const rng = new Rng(`loadtest:${seed}`);
  let t = 0;
  for (let i = 0; i < n; i++) {
    if (kind === 'burst') {
      out[i] = (Math.floor(i / burst) * burst * 1000) / ratePerS;
      continue;
    }
    out[i] = t;
    t += kind === 'constant' ? 1000 / ratePerS : rng.exponential(ratePerS) * 1000;
  }
  return out;
}

export function emptySamples(): LoadSamples {
  return {
    offered: 0, completed: 0, failed: 0, handshakesFailed: 0, failures: {}, handshakeMs: [], handshakeClientMs: [], recordRttUs: [], recordsSent: 0, recordsReceived: 0,
    payloadBytesReceived: 0, datagramsSent: 0, datagramsReceived: 0, retransmissions: 0, firstStartMs: Infinity, lastEndMs: 0,
    handshakeEndMs: [], startedMs: [], t0EpochMs: Number.NaN,
  };
}

export function mergeSamples(into: LoadSamples, s: LoadSamples): LoadSamples {
  into.offered += s.offered;
  into.completed += s.completed;
  into.failed += s.failed;
  into.handshakesFailed += s.handshakesFailed;
  for (const [k, v] of Object.entries(s.failures)) into.failures[k] = (into.failures[k] ?? 0) + v;
  for (const x of s.handshakeMs) into.handshakeMs.push(x);
  for (const x of s.handshakeClientMs) into.handshakeClientMs.push(x);
  for (const x of s.recordRttUs) into.recordRttUs.push(x);
  for (const x of s.handshakeEndMs) into.handshakeEndMs.push(x);
  for (const x of s.startedMs) into.startedMs.push(x);
  if (!Number.isFinite(into.t0EpochMs)) into.t0EpochMs = s.t0EpochMs;
  into.recordsSent += s.recordsSent;
  into.recordsReceived += s.recordsReceived;
  into.payloadBytesReceived += s.payloadBytesReceived;
  into.datagramsSent += s.datagramsSent;
  into.datagramsReceived += s.datagramsReceived;
  into.retransmissions += s.retransmissions;
  into.firstStartMs = Math.min(into.firstStartMs, s.firstStartMs);
  into.lastEndMs = Math.max(into.lastEndMs, s.lastEndMs);
  return into;
}

/** Runs this shard's clients; resolves when every one has finished or failed. `t0` is performance.now() of the run.
 *  `samples` fills as the clients finish (a caller stopped early can report the ones so far). */
export function runLoad(spec: LoadSpec, env: ClientEnv, t0: number, samples: LoadSamples = emptySamples()): Promise<LoadSamples> {
  const starts = arrivalTimes(spec.clients, spec.rate, spec.arrival, spec.seed, spec.burst ?? 1);
  samples.t0EpochMs = performance.timeOrigin + t0;
  const payload = new Uint8Array(spec.size);
  for (let i = 0; i < payload.length; i++) payload[i] = i & 0xff;
  const family = isIP(spec.host) === 6 ? 'udp6' : 'udp4';
  const mine: number[] = [];
  for (let i = spec.shard; i < spec.clients; i += spec.shards) mine.push(i);
  samples.offered = mine.length;
  if (mine.length === 0) return Promise.resolve(samples);

  return new Promise((resolve) => {
    let pending = mine.length;
    const finished = () => {
      if (--pending === 0) resolve(samples);
    };
    for (const i of mine) {
      const delay = Math.max(0, t0 + starts[i]! - performance.now());
      setTimeout(() => startClient(spec, env, t0, payload, family, samples, finished, i), delay);
    }
  });
}

function startClient(
  spec: LoadSpec, env: ClientEnv, t0: number, payload: Uint8Array, family: 'udp4' | 'udp6', samples: LoadSamples,
  finished: () => void, index: number,
): void {
  const startMs = performance.now();
  if (startMs - t0 < samples.firstStartMs) samples.firstStartMs = startMs - t0;
  samples.startedMs.push(index, startMs - t0);
  const sock = dgram.createSocket(family);
  const client = new ClientEndpoint({
    crypto: env.crypto,
    rng: env.rng,
    serverName: env.serverName,
    verifier: env.verifier,
    ...(spec.suites ? { suites: spec.suites } : {}),
    ...(spec.groups ? { groups: spec.groups } : {}),
    ...(spec.mtu ? { mtu: spec.mtu } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  let done = false;
  let sent = 0;
  let sentAt = 0;
  let connected = false;
  let closing = false;
  // the client's own time in its handshake (LoadSamples.handshakeClientMs): start of the current handler, sum so far
  let handlerMs = startMs;
  let ownMs = 0;

  const end = (failure?: string) => {
    if (done) return;
    done = true;
    if (failure) {
      samples.failed++;
      if (!connected) samples.handshakesFailed++;
      samples.failures[failure] = (samples.failures[failure] ?? 0) + 1;
    } else samples.completed++;
    samples.datagramsSent += client.stats.datagramsSent;
    samples.datagramsReceived += client.stats.datagramsReceived;
    samples.retransmissions += client.stats.retransmissions;
    const endMs = performance.now() - t0;
    if (endMs > samples.lastEndMs) samples.lastEndMs = endMs;
    clearTimeout(overall);
    if (timer) clearTimeout(timer);
    timer = undefined;
    sock.close();
    finished();
  };

  const sendNext = () => {
    if (sent >= spec.records) {
      closing = true;
      client.close();
      pump();
      end();
      return;
    }
    sent++;
    samples.recordsSent++;
    sentAt = performance.now();
    if (!client.send(payload, sentAt)) end('send_refused');
  };

  const onEvent = (ev: EndpointEvent) => {
    switch (ev.type) {
      case 'connected':
        connected = true;
        samples.handshakeClientMs.push(ownMs + performance.now() - handlerMs);
        samples.handshakeMs.push(performance.now() - startMs);
        samples.handshakeEndMs.push(performance.now() - t0);
        sendNext();
        break;
      case 'data':
        samples.recordsReceived++;
        samples.payloadBytesReceived += ev.data.length;
        samples.recordRttUs.push((performance.now() - sentAt) * 1000);
        sendNext();
        break;
      case 'alert':
        if (ev.level === 2) end(`alert_${ev.name}`);
        break;
      case 'closed':
        end(closing ? undefined : `closed_${ev.reason}`);
        break;
      default:
        break;
    }
  };

  const pump = () => {
    // Events may queue datagrams (a record sent on 'connected' or on an echo): drain until both queues are empty.
    for (;;) {
      let any = false;
      for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
        any = true;
        if (!done) sock.send(d, spec.port, spec.host);
      }
      for (let ev = client.pollEvent(); ev && !done; ev = client.pollEvent()) {
        any = true;
        onEvent(ev);
      }
      if (!any || done) break;
    }
    if (done) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const t = client.nextTimeout();
    if (t !== undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        handlerMs = performance.now();
        client.handleTimeout(handlerMs);
        pump();
        if (!connected) ownMs += performance.now() - handlerMs;
      }, Math.max(0, t - performance.now()));
    }
  };

  const overall = setTimeout(() => end(client.state === 'connected' ? 'timeout_records' : 'timeout_handshake'), spec.clientTimeoutMs);
  sock.on('message', (msg) => {
    if (done) return;
    handlerMs = performance.now();
    client.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), handlerMs);
    pump();
    if (!connected) ownMs += performance.now() - handlerMs;
  });
  sock.on('error', () => end('socket_error'));
  sock.bind(0, () => {
    if (done) return;
    client.connect(performance.now());
    pump();
    ownMs += performance.now() - startMs;
  });
}
