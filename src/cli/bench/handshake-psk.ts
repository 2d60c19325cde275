// Rows of `npm run bench -- handshake` for PSK handshakes (./handshake.ts runs them after the full handshake):
//  - resumed: a session ticket from the previous connection, psk_dhe_ke (the server issues a fresh ticket after each
//    handshake; its NewSessionTicket and the client's ACK are inside the timed region);
//  - psk_ke: an external PSK (identity + key), no key exchange, no certificate: no public-key operation at all.
// Timed the same way as the full handshake (short rounds, median per handshake), with the asymmetric operations
// counted from the provider's operation trace.
import {
  ClientEndpoint, MemoryTicketStore, ServerDispatcher, TicketKeys, createProvider, type ClientConfig, type CryptoOp,
  type CryptoProvider, type KxGroup, type ProviderKind, type RandomSource, type CipherSuiteName, type ServerCredential,
} from '../../dtls/index.ts';
import type { CertificateVerifier } from '../../dtls/cert/index.ts';

export interface PskBenchOpts {
  n: number;
  cookie: boolean;
  group: KxGroup;
  suite: CipherSuiteName;
  credential: ServerCredential;
  verifier: (p: CryptoProvider) => CertificateVerifier;
}

const ASYM = new Set(['kx-keygen', 'kx-derive', 'sign', 'verify']);

function once(client: ClientEndpoint, server: ServerDispatcher, addr: string): void {
  let now = 0;
  let up = 0;
  client.connect(now);
  for (let round = 0; round < 20 && up < 2; round++) {
    now += 1;
    for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, now);
    for (let e; (e = server.pollEvent()); ) if (e.event.type === 'connected') up++;
    now += 1;
    for (let d; (d = server.pollTransmit()); ) client.receive(d.datagram, now);
    for (let e; (e = client.pollEvent()); ) if (e.type === 'connected') up++;
  }
  // the NewSessionTicket (sent with the server's 'connected') reaches the client, its ACK the server
  for (let d; (d = server.pollTransmit()); ) client.receive(d.datagram, now);
  for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, now);
  while (client.pollEvent());
  while (server.pollEvent());
  if (up < 2) throw new Error('bench PSK handshake did not complete');
  client.close();
  for (let d; (d = client.pollTransmit()); ) server.receive(d, addr, now);
  while (server.pollEvent());
  while (server.pollTransmit());
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

export function pskRows(kind: ProviderKind, rng: RandomSource, o: PskBenchOpts, fullWallMs: number): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const variant of ['resumed', 'psk_ke'] as const) {
    const pc = createProvider(kind, rng);
    const ps = createProvider(kind, rng);
    const ext = { identity: new TextEncoder().encode('bench-device'), key: new Uint8Array(32).fill(0x5a) };
    const server = new ServerDispatcher({
      crypto: ps, credential: o.credential, groups: [o.group], suites: [o.suite], cookie: { enabled: o.cookie },
      psk: variant === 'resumed' ? { tickets: { keys: new TicketKeys(ps, [new Uint8Array(32).fill(9)]) } } : { external: [ext] },
    });
    const store = new MemoryTicketStore();
    const cfg: ClientConfig = {
      crypto: pc, verifier: o.verifier(pc), serverName: 'localhost', groups: [o.group], suites: [o.suite],
      ...(variant === 'resumed' ? { ticketStore: store } : { externalPsk: ext, pskModes: ['psk_ke'] }),
    };
    let n = 0;
    const addr = () => `192.0.2.2:${1024 + (n++ % 60000)}`;
    for (let i = 0; i < Math.min(50, o.n); i++) once(new ClientEndpoint(cfg), server, addr()); // warm-up (+ first ticket)
    const ops: Record<string, number> = {};
    const count = (op: CryptoOp) => { if (ASYM.has(op.op)) ops[op.op] = (ops[op.op] ?? 0) + 1; };
    pc.observer = count;
    ps.observer = count;
    once(new ClientEndpoint(cfg), server, addr());
    pc.observer = undefined;
    ps.observer = undefined;
    const rounds = Math.max(5, Math.floor(o.n / 10));
    const per = Math.max(1, Math.floor(o.n / rounds));
    const wall: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < per; i++) once(new ClientEndpoint(cfg), server, addr());
      wall.push((performance.now() - t0) / per);
    }
    const w = median(wall);
    rows.push({
      provider: kind,
      handshake: variant,
      handshakes: per * rounds,
      cookie: o.cookie,
      group: variant === 'psk_ke' ? 'none' : o.group,
      signature: 'psk',
      suite: o.suite,
      handshakes_per_s: Number((1000 / w).toFixed(1)),
      wall_ms_per_handshake: Number(w.toFixed(3)),
      wall_ms_min: Number(Math.min(...wall).toFixed(3)),
      asym_ops_per_handshake: ops,
      speedup_vs_full: Number((fullWallMs / w).toFixed(2)),
    });
  }
  return rows;
}
