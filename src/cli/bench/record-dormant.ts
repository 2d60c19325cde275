// `npm run bench -- record --dormant [--json] [--pairs 20000] [--provider node|noble] [--cycles 3]`: dormant
// connections (src/dtls/endpoint/dormant.ts) in the issue-14 IoT setting: external PSK psk_ke,
// TLS_AES_128_CCM_8_SHA256, 4-byte CIDs, per-record keys, the server side behind one ServerDispatcher.
//   heap: V8 heapUsed + the packed states' slot chunks (after forced GCs; pack-store.ts) per connected pair (client endpoint + dispatcher-held server connection,
//         the dispatcher's map entries included), awake and then with both ends dormant;
//   wake+sleep: microseconds per wake+sleep cycle of one endpoint (handleTimeout() wakes it, doing nothing else;
//         sleep() packs it again), client and server, over every pair, `--cycles` rounds;
//   record: one 64-byte record client -> server per pair, awake vs dormant at both ends (wake, open/seal, sleep).
// A helper of ./record.ts (no run() of its own).
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  ClientEndpoint, ServerDispatcher, createProvider, resolveClient, seededRandom, type ProviderKind, type ServerConfig,
  type ServerConnection,
  packStoreBytes,
} from '../../dtls/index.ts';
import { CertificateVerifier } from '../../dtls/cert/index.ts';

v8.setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;
const heap = (): number => {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed + packStoreBytes();
};

interface Device { client: ClientEndpoint; conn: ServerConnection; addr: string }


export async function runDormant(opts: { json: boolean; args: string[] }): Promise<void> {
  const arg = (n: string) => { const i = opts.args.indexOf(`--${n}`); return i >= 0 ? opts.args[i + 1] : undefined; };
  const pairs = Number(arg('pairs') ?? 20_000);
  const cycles = Number(arg('cycles') ?? 3);
  const kind = (arg('provider') ?? 'node') as ProviderKind;
  const c = createProvider(kind, seededRandom('dormant-c'));
  const s = createProvider(kind, seededRandom('dormant-s'));
  const psk = { identity: new TextEncoder().encode('fleet'), key: new Uint8Array(32).fill(0x42) };
  const suites = ['TLS_AES_128_CCM_8_SHA256' as const];
  const sc: ServerConfig = { crypto: s, psk: { external: [psk], modes: ['psk_ke'] }, suites, connectionIdLength: 4, recordKeys: 'per-record' };
  const server = new ServerDispatcher(sc);
  const cc = resolveClient({
    // the verifier is never consulted (PSK only)
    crypto: c, verifier: new CertificateVerifier({ trustAnchors: [], provider: c }), externalPsk: psk, pskModes: ['psk_ke'], suites, offerConnectionId: true,
    connectionId: new Uint8Array(0), recordKeys: 'per-record',
  }); // resolved once, shared by every client (as the simulator does)
  const payload = new Uint8Array(64).fill(0x5a);
  let now = 0;
  const exchange = (client: ClientEndpoint, addr: string): void => {
    for (let x; (x = client.pollTransmit()); ) server.receive(x, addr, now);
    for (let o; (o = server.pollTransmit()); ) client.receive(o.datagram, now);
  };
  const drain = (d: Device): void => {
    while (d.client.pollEvent());
    while (server.pollEvent());
  };

  const h0 = heap();
  const devs: Device[] = [];
  for (let i = 0; i < pairs; i++) {
    const client = new ClientEndpoint(cc);
    const addr = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:5684`;
    client.connect(now);
    for (let r = 0; r < 6 && !client.isConnected; r++) exchange(client, addr);
    exchange(client, addr); // the server's ACK of the final flight
    const conn = server.get(addr);
    if (!client.isConnected || !conn || client.nextTimeout() !== undefined) throw new Error(`pair ${i} did not settle: ${client.state} ${conn?.state}`);
    const d = { client, conn, addr };
    drain(d);
    devs.push(d);
  }
  const h1 = heap();
  let slept = 0;
  for (const d of devs) slept += (d.client.sleep() ? 1 : 0) + (d.conn.sleep() ? 1 : 0);
  if (slept !== 2 * pairs) throw new Error(`only ${slept} of ${2 * pairs} endpoints slept`);
  const h2 = heap();
  const awakePerPair = (h1 - h0) / pairs;
  const dormantPerPair = (h2 - h0) / pairs;

  // wake+sleep cycles: handleTimeout() wakes (nothing is due), sleep() packs again
  const cycle = (ep: ClientEndpoint | ServerConnection): void => {
    ep.handleTimeout(now);
    if (!ep.sleep()) throw new Error('did not sleep again');
  };
  const tCycle = { client: 0, server: 0 };
  for (let k = 0; k < cycles; k++) {
    let a = performance.now();
    for (const d of devs) cycle(d.client);
    tCycle.client += performance.now() - a;
    a = performance.now();
    for (const d of devs) cycle(d.conn);
    tCycle.server += performance.now() - a;
  }
  const usClient = (tCycle.client * 1000) / (cycles * pairs);
  const usServer = (tCycle.server * 1000) / (cycles * pairs);

  // one record per pair, dormant at both ends (wake, seal/open, sleep) vs awake
  const record = (d: Device, sleepAfter: boolean): void => {
    now += 1;
    d.client.send(payload, now);
    exchange(d.client, d.addr);
    drain(d);
    if (sleepAfter && !(d.client.sleep() && d.conn.sleep())) throw new Error('did not sleep after the record');
  };
  let a = performance.now();
  for (const d of devs) record(d, true);
  const tDormant = performance.now() - a;
  for (const d of devs) { d.client.handleTimeout(now); d.conn.handleTimeout(now); } // all awake
  a = performance.now();
  for (const d of devs) record(d, false);
  const tAwake = performance.now() - a;
  const usRecordDormant = (tDormant * 1000) / pairs;
  const usRecordAwake = (tAwake * 1000) / pairs;

  const summary = {
    bench: 'record --dormant', provider: kind, pairs, cycles,
    setting: 'external PSK psk_ke, TLS_AES_128_CCM_8_SHA256, 4-byte CIDs, per-record keys, ServerDispatcher',
    heap_bytes_per_pair_awake: Math.round(awakePerPair),
    heap_bytes_per_pair_dormant: Math.round(dormantPerPair),
    us_per_wake_sleep_client: Number(usClient.toFixed(2)),
    us_per_wake_sleep_server: Number(usServer.toFixed(2)),
    us_per_record_awake: Number(usRecordAwake.toFixed(2)),
    us_per_record_dormant: Number(usRecordDormant.toFixed(2)),
  };
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else {
    process.stdout.write(`${pairs} IoT pairs (${kind}; ${summary.setting})\n`);
    process.stdout.write(`heap per connected pair: awake ${summary.heap_bytes_per_pair_awake} B, dormant ${summary.heap_bytes_per_pair_dormant} B\n`);
    process.stdout.write(`wake+sleep per endpoint: client ${summary.us_per_wake_sleep_client} us, server ${summary.us_per_wake_sleep_server} us\n`);
    process.stdout.write(`64-byte record client -> server: awake ${summary.us_per_record_awake} us, dormant (wake + sleep at both ends) ${summary.us_per_record_dormant} us\n`);
  }
}
