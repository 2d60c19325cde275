// The in-memory world of `npm run bench -- handshake` (./handshake.ts): a long-lived client provider + certificate
// verifier and a server dispatcher per provider, as a real client and server would keep them; one full handshake
// driven between them; the asymmetric calls recorded with their arguments (for the replay), or answered from
// precomputed results (the "protocol work alone" measurement). Also used by profiling drivers.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomFillSync } from 'node:crypto';
import {
  ClientEndpoint, ServerDispatcher, createProvider, type CryptoProvider, type KxGroup, type ProviderKind,
  type RandomSource, type CipherSuiteName, type ServerCredential, type SignatureScheme,
} from '../../dtls/index.ts';
import { CertificateVerifier, loadCredential } from '../../dtls/cert/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (p: string) => readFileSync(join(root, 'test/fixtures/certs', p), 'utf8');
const pemDer = (pem: string) => new Uint8Array(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

export type KeyArg = 'ecdsa' | 'ed25519' | 'rsa';
export const KEYS: KeyArg[] = ['ecdsa', 'ed25519', 'rsa'];
/** Fixed verification time of the test chains. */
export const BENCH_CLOCK = Date.UTC(2030, 0, 1);

/** One asymmetric call of a live handshake: its arguments and (kxGenerate) its result. */
export type Call = { m: 'kxGenerate' | 'kxDerive' | 'sign' | 'verify'; args: unknown[]; result?: unknown };

type KeyPair = { privateKey: Uint8Array };

/**
 * Runs the recorded calls again on `p`, as the live providers ran them: a kxDerive whose private key came from a
 * recorded kxGenerate uses the key pair `p` generated when that kxGenerate was replayed (a provider prepares the keys
 * it generates, e.g. the node provider's KeyObject cache, so deriving from its own fresh key pair costs less than
 * importing foreign key bytes; replaying the recorded bytes charged an import the live handshake never paid).
 * Keep `p` across rounds, as the live providers are kept, so that long-lived keys (the server's signing key, the
 * chain's public keys) are as warm as they were live.
 */
export function replay(p: CryptoProvider, calls: Call[]): void {
  const q = p as unknown as Record<string, (...a: unknown[]) => unknown>;
  const own = new Map<unknown, Uint8Array>();
  for (const c of calls) {
    if (c.m === 'kxDerive') {
      const mine = own.get(c.args[1]);
      q.kxDerive!.apply(p, mine === undefined ? c.args : [c.args[0], mine, c.args[2]]);
      continue;
    }
    const r = q[c.m]!.apply(p, c.args);
    if (c.m === 'kxGenerate' && c.result !== undefined) own.set((c.result as KeyPair).privateKey, (r as KeyPair).privateKey);
  }
}

export interface Setup {
  key: KeyArg;
  credential: ServerCredential;
  anchors: Uint8Array[];
}

/** The server credential and the client's trust anchor of a test PKI (test/fixtures/certs/<key>/; rsa: the RSA-2048
 *  leaf <- 3072 <- 4096 chain, rsa_pss_rsae_sha256). */
export function loadSetup(key: KeyArg): Setup {
  const loaded = loadCredential(fixture(`${key}/server-chain.pem`), fixture(`${key}/server.key`));
  if (!loaded.ok) throw new Error(`credential: ${loaded.detail}`);
  const c = loaded.credential;
  return { key, credential: { chain: c.chain, privateKey: c.privateKey, scheme: c.scheme }, anchors: [pemDer(fixture(`${key}/ca.pem`))] };
}

export interface WorldOpts {
  cookie: boolean;
  group: KxGroup;
  suite: CipherSuiteName;
}

/** Long-lived per-provider state, as a real server and client would keep it: providers, verifier, dispatcher. */
export interface World {
  setup: Setup;
  opts: WorldOpts;
  pc: CryptoProvider;
  verifier: CertificateVerifier;
  server: ServerDispatcher;
  log: Call[] | undefined;
  n: number;
}

/** Asymmetric calls answered with precomputed results (same shared secret on both sides, verify always true):
 *  what is left of a handshake is the protocol work alone (key schedule, records, codec, certificate parsing). */
function stubbed(p: CryptoProvider, canned: { kp: ReturnType<CryptoProvider['kxGenerate']>; shared: Uint8Array; sig: Uint8Array }): CryptoProvider {
  const r = Object.create(p) as Record<string, unknown>;
  r.kxGenerate = () => canned.kp;
  r.kxDerive = () => canned.shared;
  r.sign = () => canned.sig;
  r.verify = () => true;
  return r as unknown as CryptoProvider;
}

function recordingDyn(p: CryptoProvider, sink: { readonly log: Call[] | undefined }): CryptoProvider {
  const r = Object.create(p) as Record<string, unknown>;
  for (const m of ['kxGenerate', 'kxDerive', 'sign', 'verify'] as const) {
    const f = (p as unknown as Record<string, (...a: unknown[]) => unknown>)[m]!.bind(p);
    r[m] = (...args: unknown[]) => {
      const log = sink.log;
      if (log === undefined) return f(...args);
      const call: Call = { m, args };
      log.push(call);
      const result = f(...args);
      if (m === 'kxGenerate') call.result = result;
      return result;
    };
  }
  return r as unknown as CryptoProvider;
}

/** `wrap` (./handshake-split.ts) sees each provider after the stub and before the recording layer. */
export function makeWorld(
  kind: ProviderKind, rng: RandomSource, s: Setup, o: WorldOpts, stub = false, wrap?: (p: CryptoProvider) => CryptoProvider,
): World {
  const w = { setup: s, opts: o, log: undefined, n: 0 } as World;
  const sink = { get log() { return w.log; } };
  let pc = createProvider(kind, rng);
  let ps = createProvider(kind, rng);
  if (stub) {
    const kp = pc.kxGenerate(o.group);
    const canned = { kp, shared: pc.kxDerive(o.group, kp.privateKey, pc.kxGenerate(o.group).publicKey)!,
      sig: ps.sign(s.credential.scheme, s.credential.privateKey, new Uint8Array(32)) };
    pc = stubbed(pc, canned);
    ps = stubbed(ps, canned);
  }
  if (wrap) {
    pc = wrap(pc);
    ps = wrap(ps);
  }
  pc = recordingDyn(pc, sink);
  ps = recordingDyn(ps, sink);
  w.pc = pc;
  w.verifier = new CertificateVerifier({ trustAnchors: s.anchors, provider: pc, clock: BENCH_CLOCK });
  w.server = new ServerDispatcher({
    crypto: ps, credential: s.credential, groups: [o.group], suites: [o.suite], cookie: { enabled: o.cookie },
  });
  return w;
}

/** A client opts in to RSA servers (the default ClientHello offers ECDSA and Ed25519 only, docs/protocol.md). */
const RSA_CLIENT_SCHEMES: SignatureScheme[] = ['rsa_pss_rsae_sha256', 'ecdsa_secp256r1_sha256'];

/** One full handshake (a new ClientEndpoint against the world's dispatcher), its asymmetric calls appended to `log`
 *  when given; returns the close_notify exchange, to be run outside the timed region. */
export function handshakeOnce(w: World, log: Call[] | undefined): () => void {
  const o = w.opts;
  w.log = log;
  const client = new ClientEndpoint({
    crypto: w.pc, verifier: w.verifier, serverName: 'localhost', groups: [o.group], suites: [o.suite],
    ...(w.setup.key === 'rsa' ? { signatureSchemes: RSA_CLIENT_SCHEMES } : {}),
  });
  const server = w.server;
  const addr = `192.0.2.1:${1024 + (w.n++ % 60000)}`;
  let now = 0;
  let clientUp = false;
  let serverUp = false;
  let alert = '';
  client.connect(now);
  for (let round = 0; round < 20 && !(clientUp && serverUp); round++) {
    now += 1;
    for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, now);
    for (let e; (e = server.pollEvent()); ) {
      if (e.event.type === 'connected') serverUp = true;
      else if (e.event.type === 'alert') alert ||= `server ${e.event.sent ? 'sent' : 'received'} ${e.event.name}${e.event.reason ? `: ${e.event.reason}` : ''}`;
    }
    now += 1;
    for (let d; (d = server.pollTransmit()); ) client.receive(d.datagram, now);
    for (let e; (e = client.pollEvent()); ) {
      if (e.type === 'connected') clientUp = true;
      else if (e.type === 'alert') alert ||= `client ${e.sent ? 'sent' : 'received'} ${e.name}${e.reason ? `: ${e.reason}` : ''}`;
    }
    // timers (the partial-flight ACK that releases an anti-amplification hold when cookies are off)
    const ct = client.nextTimeout();
    if (ct !== undefined && ct <= now) client.handleTimeout(now);
    const conn = server.get(addr);
    const st = conn?.nextTimeout();
    if (conn && st !== undefined && st <= now) conn.handleTimeout(now);
  }
  if (!clientUp || !serverUp) throw new Error(`bench handshake did not complete${alert ? ` (${alert})` : ''}`);
  w.log = undefined;
  return () => {
    // close_notify outside the timed region: the bench measures the handshake only
    client.close();
    for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, now);
    while (server.pollEvent());
    while (server.pollTransmit());
  };
}

/** OS randomness drawn 4 KiB at a time: on this project's machine every randomFillSync call costs ~11 us whatever
 *  its size (measured: 32 bytes 11.1 us, 4096 bytes 12.2 us), as much as the protocol work of a whole flight, where a
 *  server's in-process DRBG answers in well under a microsecond. A handshake draws 32 bytes per Hello random and per
 *  key pair; a call per draw would charge the bench's randomness source to the protocol. */
export function pooledRandom(poolBytes = 4096): RandomSource {
  const pool = new Uint8Array(poolBytes);
  let off = poolBytes;
  return {
    fill(b: Uint8Array): void {
      if (b.length > poolBytes) { randomFillSync(b); return; }
      if (off + b.length > poolBytes) { randomFillSync(pool); off = 0; }
      b.set(pool.subarray(off, off + b.length));
      pool.fill(0, off, off + b.length); // each byte handed out once
      off += b.length;
    },
  };
}
