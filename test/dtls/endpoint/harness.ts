// In-memory test harness: one ClientEndpoint and one ServerDispatcher joined by a simulated link with seeded
// loss, reordering (random extra delay) and duplication, driven by virtual time. Not a test file itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { createProvider, seededRandom, type CryptoProvider, type ProviderKind } from '../../../src/dtls/crypto/index.ts';
import { CertificateVerifier, loadCredential } from '../../../src/dtls/cert/index.ts';
import {
  ClientEndpoint, ServerDispatcher, type ClientConfig, type EndpointEvent, type ServerConfig, type ServerCredential,
  type ServerConnection,
} from '../../../src/dtls/index.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixture = (p: string) => readFileSync(join(root, 'test/fixtures/certs', p), 'utf8');

export type KeyKind = 'ecdsa' | 'ed25519';
const credCache = new Map<KeyKind, ServerCredential>();
export function credential(kind: KeyKind): ServerCredential {
  let c = credCache.get(kind);
  if (!c) {
    const r = loadCredential(fixture(`${kind}/server-chain.pem`), fixture(`${kind}/server.key`));
    if (!r.ok) throw new Error(`fixture credential: ${r.detail}`);
    c = { chain: r.credential.chain, privateKey: r.credential.privateKey, scheme: r.credential.scheme };
    credCache.set(kind, c);
  }
  return c;
}
export function caDer(kind: KeyKind): Uint8Array {
  const pem = fixture(`${kind}/ca.pem`);
  const b64 = pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return new Uint8Array(Buffer.from(b64, 'base64'));
}
export function verifier(provider: CryptoProvider): CertificateVerifier {
  return new CertificateVerifier({
    trustAnchors: [caDer('ecdsa'), caDer('ed25519')],
    provider,
    clock: Date.UTC(2030, 0, 1),
  });
}

export interface LinkOptions {
  seed?: number;
  loss?: number; // probability per datagram
  duplicate?: number; // probability per datagram
  reorder?: number; // probability of extra delay
  delayMs?: number; // one-way delay
  jitterMs?: number; // extra delay when reordered
  /** Optional tap that may rewrite or drop datagrams: return undefined to drop. */
  tap?: (dir: 'c2s' | 's2c', d: Uint8Array, index: number) => Uint8Array | Uint8Array[] | undefined;
}

interface InFlight { at: number; seq: number; dir: 'c2s' | 's2c'; data: Uint8Array }

/** Sorts the datagrams in flight `q` by due time (sending order among equals) and returns the earliest of its head
 *  and the two endpoints' timers, ms (Infinity: nothing due). */
export function nextDue(q: { at: number; seq: number }[], client: { nextTimeout(): number | undefined },
  server: { nextTimeout(): number | undefined }): number {
  q.sort((a, b) => a.at - b.at || a.seq - b.seq);
  let t = q.length ? q[0]!.at : Infinity;
  const tc = client.nextTimeout();
  const ts = server.nextTimeout();
  if (tc !== undefined) t = Math.min(t, tc);
  if (ts !== undefined) t = Math.min(t, ts);
  return t;
}

export class Pair {
  readonly client: ClientEndpoint;
  readonly server: ServerDispatcher;
  readonly clientEvents: EndpointEvent[] = [];
  readonly serverEvents: EndpointEvent[] = [];
  serverConn: ServerConnection | undefined;
  now = 0;
  private q: InFlight[] = [];
  private n = 0;
  private rnd: () => number;
  private counts = { c2s: 0, s2c: 0 };
  readonly addr = '10.0.0.1:5000';
  datagrams = { c2s: 0, s2c: 0, lost: 0, duplicated: 0 };

  constructor(clientCfg: ClientConfig, serverCfg: ServerConfig, readonly link: LinkOptions = {}) {
    this.client = new ClientEndpoint(clientCfg);
    this.server = new ServerDispatcher(serverCfg);
    const r = seededRandom(link.seed ?? 1);
    const b = new Uint8Array(4);
    this.rnd = () => { r.fill(b); return (((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0) / 2 ** 32; };
  }

  private send(dir: 'c2s' | 's2c', d: Uint8Array): void {
    this.datagrams[dir]++;
    let outs: Uint8Array[] = [d];
    if (this.link.tap) {
      const t = this.link.tap(dir, d, this.counts[dir]++);
      outs = t === undefined ? [] : Array.isArray(t) ? t : [t];
    }
    for (const x of outs) {
      if (this.link.loss && this.rnd() < this.link.loss) { this.datagrams.lost++; continue; }
      const copies = this.link.duplicate && this.rnd() < this.link.duplicate ? 2 : 1;
      if (copies === 2) this.datagrams.duplicated++;
      for (let i = 0; i < copies; i++) {
        let at = this.now + (this.link.delayMs ?? 10);
        if (this.link.reorder && this.rnd() < this.link.reorder) at += this.rnd() * (this.link.jitterMs ?? 30);
        this.q.push({ at, seq: this.n++, dir, data: x });
      }
    }
  }

  private pump(): void {
    for (let d; (d = this.client.pollTransmit()); ) this.send('c2s', d);
    for (let o; (o = this.server.pollTransmit()); ) this.send('s2c', o.datagram);
    for (let e; (e = this.client.pollEvent()); ) this.clientEvents.push(e);
    for (let e; (e = this.server.pollEvent()); ) this.serverEvents.push(e.event);
  }

  /** Runs until `stop()` or no more work, or `limitMs` of virtual time. */
  run(stop: () => boolean = () => false, limitMs = 600_000): void {
    this.pump();
    while (!stop()) {
      const t = nextDue(this.q, this.client, this.server);
      const next = this.q[0];
      const tc = this.client.nextTimeout();
      const ts = this.server.nextTimeout();
      if (t === Infinity || t > limitMs) {
        if (limitMs !== Infinity && t !== Infinity) this.now = Math.max(this.now, limitMs);
        break;
      }
      this.now = Math.max(this.now, t);
      if (next && next.at <= this.now) {
        this.q.shift();
        if (next.dir === 'c2s') {
          const c = this.server.receive(next.data, this.addr, this.now);
          if (c) this.serverConn = c;
        } else this.client.receive(next.data, this.now);
      } else {
        if (tc !== undefined && tc <= this.now) this.client.handleTimeout(this.now);
        if (ts !== undefined && ts <= this.now) this.server.handleTimeout(this.now);
      }
      this.pump();
    }
  }

  connect(limitMs?: number): boolean {
    this.client.connect(this.now);
    this.run(() => this.bothConnected() || this.client.isClosed, limitMs);
    return this.bothConnected();
  }

  bothConnected(): boolean {
    return this.clientEvents.some((e) => e.type === 'connected') && this.serverEvents.some((e) => e.type === 'connected');
  }

  /** Runs until the link is quiet (no datagrams in flight) and no timers within `ms`. */
  settle(ms = 5000): void {
    const end = this.now + ms;
    this.run(() => false, end);
    this.now = Math.max(this.now, end);
  }
}

export function providers(kind: ProviderKind, seed: number | string): { c: CryptoProvider; s: CryptoProvider } {
  return { c: createProvider(kind, seededRandom(`c${seed}`)), s: createProvider(kind, seededRandom(`s${seed}`)) };
}
