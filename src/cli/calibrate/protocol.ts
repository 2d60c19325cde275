// Protocol cost of the real server code (ServerDispatcher + ServerConnection, as the demo server runs them),
// measured in-process: a client endpoint and the server exchange datagrams through memory; only the server's
// calls are timed. The crypto the server performed in that time is counted through the provider's operation trace
// and priced with the micro-measurements; what remains is protocol work (parsing, state machine, record framing,
// dispatch), reported per record and per handshake message, the two figures the model's cpu block charges.
import { performance } from 'node:perf_hooks';
import { ClientEndpoint, ServerDispatcher, type ServerConnection, createProvider } from '../../dtls/index.ts';
import type { CryptoOp, CryptoProvider, RandomSource } from '../../dtls/crypto/provider.ts';
import type { ServerCredential } from '../../dtls/endpoint/config.ts';
import { leafKey, parseCertificate } from '../../dtls/cert/index.ts';
import type { MicroResults } from './micro.ts';
import { classifyAead } from '../../hw/aead.ts';
import { classifyPke } from '../../hw/pke.ts';
import type { HwCryptoOp } from '../../hw/types.ts';

export interface ProtocolResults {
  handshakes: number;
  /** Server time per full handshake (all server calls), ns; crypto part priced from the micro figures. */
  handshakeNs: number;
  handshakeCryptoNs: number;
  handshakeMessages: number;
  handshakeRecords: number;
  /** Server time per echoed record (receive + send back), ns, and its crypto part. */
  echoNs: number;
  echoCryptoNs: number;
  /** Protocol ns per record (records received + sent in the echo phase). */
  perRecordNs: number;
  /** Protocol ns per handshake message after the per-record share of the handshake's records. */
  perMessageNs: number;
}

/** Price one traced operation with the micro-measurements (ns). */
export function priceOp(op: CryptoOp, m: MicroResults): number {
  switch (op.op) {
    case 'aead-seal':
    case 'aead-open': {
      const a = m.aead[classifyAead(op.alg)];
      const bytes = op.op === 'aead-seal' ? op.inputBytes : op.outputBytes;
      return a ? a.fixedNs + a.perUnitNs * bytes : 0;
    }
    case 'sn-mask':
      return m.snMaskNs;
    case 'hash':
    case 'hmac':
    case 'hkdf-extract':
    case 'hkdf-expand': {
      const h = m.hash[op.alg === 'SHA-384' ? 'sha384' : 'sha256'];
      return h.fixedNs + h.perUnitNs * (op.blocks ?? 1);
    }
    default:
      return m.pkeNs[classifyPke(op as HwCryptoOp) ?? ''] ?? 0;
  }
}

/** Measures after a warm-up run (JIT, OpenSSL contexts) whose figures are discarded. */
export function measureProtocol(
  credential: ServerCredential, m: MicroResults, rng: RandomSource, crypto: 'node' | 'noble', opts: { handshakes: number; recordsPerClient: number; recordSize: number; cookie: boolean },
): ProtocolResults {
  measureOnce(credential, m, rng, crypto, { ...opts, handshakes: Math.min(30, opts.handshakes) });
  return measureOnce(credential, m, rng, crypto, opts);
}

function measureOnce(
  credential: ServerCredential, m: MicroResults, rng: RandomSource, crypto: 'node' | 'noble', opts: { handshakes: number; recordsPerClient: number; recordSize: number; cookie: boolean },
): ProtocolResults {
  const serverCrypto: CryptoProvider = createProvider(crypto, rng);
  const clientCrypto: CryptoProvider = createProvider('node', rng);
  let cryptoNs = 0;
  serverCrypto.observer = (op) => {
    cryptoNs += priceOp(op, m);
  };
  const server = new ServerDispatcher({ crypto: serverCrypto, rng, credential, cookie: { enabled: opts.cookie } });
  // The calibration trusts the server it built: the client takes the leaf key without chain validation (the
  // CertificateVerify signature is still checked). Chain validation is client work and not timed anyway.
  const trustLeaf = {
    verify: (chain: readonly Uint8Array[]) => {
      const leaf = chain[0] ? parseCertificate(chain[0]) : undefined;
      const k = leaf?.ok ? leafKey(leaf.cert.publicKey) : undefined;
      return k ? { ok: true as const, publicKey: k.key } : { ok: false as const, alert: 42, reason: 'unusable leaf certificate' };
    },
  };
  const payload = new Uint8Array(opts.recordSize).fill(0x61);
  let hsNs = 0;
  let hsCrypto = 0;
  let echoNs = 0;
  let echoCrypto = 0;
  let msgs = 0;
  let hsRecords = 0;
  let echoRecords = 0;
  let now = 0;
  for (let i = 0; i < opts.handshakes; i++) {
    const address = `10.0.${i >> 8 & 255}.${i & 255}:4433`;
    const client = new ClientEndpoint({ crypto: clientCrypto, rng, serverName: 'localhost', verifier: trustLeaf });
    let phase: 'hs' | 'echo' = 'hs';
    let connected = false;
    let started = false;
    let serverDone: ServerConnection | undefined;
    let echoes = 0;
    const serverCall = (fn: () => void) => {
      const c0 = cryptoNs;
      const t0 = performance.now();
      fn();
      const dt = (performance.now() - t0) * 1e6;
      if (phase === 'hs') {
        hsNs += dt;
        hsCrypto += cryptoNs - c0;
      } else {
        echoNs += dt;
        echoCrypto += cryptoNs - c0;
      }
    };
    client.connect(now);
    for (let guard = 0; guard < 100; guard++) {
      let moved = false;
      for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
        moved = true;
        const dgram = d;
        serverCall(() => {
          server.receive(dgram, address, now);
          for (let e = server.pollEvent(); e; e = server.pollEvent()) {
            if (e.event.type === 'data') e.connection.send(e.event.data, now); // the demo server's echo
            if (e.event.type === 'connected') serverDone = e.connection;
          }
        });
        if (serverDone && phase === 'hs') {
          // The server's handshake ends with the call that processed the client's Finished.
          msgs += serverDone.stats.handshakeMessagesSent + serverDone.stats.handshakeMessagesReceived;
          hsRecords += serverDone.stats.recordsSent + serverDone.stats.recordsReceived;
          phase = 'echo';
        }
      }
      for (let o = server.pollTransmit(); o; o = server.pollTransmit()) {
        moved = true;
        client.receive(o.datagram, now);
      }
      for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) {
        if (ev.type === 'connected') connected = true;
        if (ev.type === 'data') echoes++;
      }
      if (connected && !started) {
        started = true;
        echoes = 0;
        client.send(payload, now);
        continue;
      }
      if (phase === 'echo' && echoes > 0) {
        echoRecords += 2;
        echoes = 0;
        if (echoRecords / 2 >= (i + 1) * opts.recordsPerClient) break;
        client.send(payload, now);
        continue;
      }
      if (!moved) break;
    }
    if (!connected) throw new Error(`calibration handshake ${i} did not complete`);
    const conn = server.get(address);
    conn?.close();
    while (server.pollTransmit());
    while (server.pollEvent());
    now += 1;
  }
  const n = opts.handshakes;
  const perRecordNs = echoRecords ? Math.max(0, echoNs - echoCrypto) / echoRecords : 0;
  const hsProto = Math.max(0, hsNs - hsCrypto) / n;
  const recordsPerHs = hsRecords / n;
  const msgsPerHs = msgs / n;
  return {
    handshakes: n,
    handshakeNs: hsNs / n,
    handshakeCryptoNs: hsCrypto / n,
    handshakeMessages: msgsPerHs,
    handshakeRecords: recordsPerHs,
    echoNs: echoRecords ? echoNs / (echoRecords / 2) : 0,
    echoCryptoNs: echoRecords ? echoCrypto / (echoRecords / 2) : 0,
    perRecordNs,
    perMessageNs: Math.max(0, hsProto - recordsPerHs * perRecordNs) / msgsPerHs,
  };
}

