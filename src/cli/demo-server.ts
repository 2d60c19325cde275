// npm run demo:server -- --port P --cert chain.pem --key key.pem [--cookie on|off] [--cid LEN] [--keylog FILE]
//                         [--suite NAME] [--group NAME] [--sig NAME] [--host ADDR] [--tickets [--early-data N]]
//                         [--psk-identity ID --psk-key HEX]
//                         [--client-auth none|request|require --client-ca FILE]
//                         [--max-half-open N] [--max-half-open-per-source N] [--handshake-timeout MS]
//                         [--max-connections N] [--idle-timeout-ms MS] [--exit-after N]
//                         [--turn-stats FILE [--speed-probe MS]]
// A DTLS 1.3 echo server over a real UDP socket: the sans-IO ServerDispatcher routes datagrams (by address or
// CID), every application message is sent back to its sender on the same connection. Timers are driven from the
// dispatcher's nextTimeout(). Prints "listening HOST:PORT" once bound (--port 0 picks a free port), then one line
// per connection event. Stops on SIGINT/SIGTERM (exit 0), or after --exit-after N connections have closed. Bad
// arguments (an unreadable --cert, a --keylog or --turn-stats path that cannot be written...): one line, exit 1.
// Established connections that receive nothing for --idle-timeout-ms (default 300000; 0 = never) are closed with a
// close_notify (src/cli/demo-idle.ts): a client that vanished without close_notify is not held for ever.
// --max-connections N: connections held at most (handshakes included); ClientHellos beyond it are dropped.
// --turn-stats FILE: each event-loop turn's wall and CPU time and each garbage collection, written when the server
// stops, and on SIGUSR2 while it runs (src/cli/demo-turns.ts; read by the calibration); a write that fails then is
// one line on stderr (the server keeps serving; at the stop, exit 1). --speed-probe MS adds the
// host's speed: a fixed compute kernel timed after a datagram's turn, at most every MS ms (src/cli/speed-probe.ts).
import { Command } from 'commander';
import dgram from 'node:dgram';
import { isIP, type AddressInfo } from 'node:net';
import { AntiReplay, ServerDispatcher, TicketKeys, createProvider, type ServerConnection } from '../dtls/index.ts';
import { CertificateVerifier, loadCredential, parseCertificate, parseCertificatesPem } from '../dtls/cert/index.ts';
import {
  UsageError, collect, cryptoRandom, hex, keylogWriter, nowMs, parseGroups, parseIntOpt, parseSchemes, parseSuites, readText,
} from './demo-common.ts';
import { IdleConnections } from './demo-idle.ts';
import { TurnRecorder, turnStatsUnwritable } from './demo-turns.ts';

/** The client certificate's subject, for the 'connected' line. */
function clientName(leaf: Uint8Array): string {
  const r = parseCertificate(leaf);
  return r.ok ? JSON.stringify(r.cert.subject.text) : 'yes';
}

type Opts = {
  host: string;
  port: string;
  cert: string;
  key: string;
  cookie: string;
  cid: string;
  keylog?: string;
  suite?: string[];
  group?: string[];
  crypto: string;
  mtu?: string;
  exitAfter?: string;
  echoSessionId?: boolean;
  tickets?: boolean;
  tls13ResumptionLabel?: boolean;
  replayWindow: string;
  earlyData?: string;
  pskIdentity?: string;
  pskKey?: string;
  verbose?: boolean;
  sig?: string[];
  clientAuth: string;
  clientCa?: string;
  maxHalfOpen?: string;
  maxHalfOpenPerSource?: string;
  handshakeTimeout?: string;
  maxConnections?: string;
  idleTimeoutMs: string;
  turnStats?: string;
  speedProbe?: string;
};

/** Address strings used with the dispatcher: "ip:port" ("[ip6]:port"). */
export function addressKey(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
export function splitAddress(a: string): { ip: string; port: number } {
  const i = a.lastIndexOf(':');
  return { ip: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
}

/** Default --idle-timeout-ms: 5 minutes, the UDP mapping timeout RFC 4787 (REQ-5) recommends for NATs, so that a
 *  peer silent for longer would mostly have lost its path to us anyway; long enough for any client of this demo. */
export const IDLE_TIMEOUT_DEFAULT_MS = 300_000;
/** The longest setTimeout delay (2^31-1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export type RunningServer = { port: number; close(): Promise<void>; dispatcher: ServerDispatcher; done: Promise<number>; writeTurns(): void };

export async function start(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<RunningServer | number> {
  const program = new Command('demo:server')
    .description('DTLS 1.3 demo echo server over UDP')
    .option('--port <port>', 'UDP port (0 = any free port)', '4433')
    .option('--host <addr>', 'bind address', '127.0.0.1')
    .requiredOption('--cert <file>', 'PEM certificate chain, leaf first')
    .requiredOption('--key <file>', 'PEM private key (PKCS#8 or SEC1), Ed25519 or P-256')
    .option('--cookie <on|off>', 'stateless HelloRetryRequest with a cookie before any state', 'on')
    .option('--cid <len>', 'length in bytes of the connection IDs this server issues (0 = none)', '0')
    .option('--keylog <file>', 'append NSS key-log lines (SSLKEYLOGFILE format)')
    .option('--suite <name>', 'cipher suite(s) in preference order (repeatable or comma-separated)', collect)
    .option('--group <name>', 'key exchange group(s) in preference order: x25519, secp256r1, X25519MLKEM768, MLKEM768', collect)
    .option('--crypto <provider>', 'crypto provider: node or noble', 'node')
    .option('--mtu <bytes>', 'path MTU (UDP payload bytes)')
    .option('--exit-after <n>', 'exit after n connections have closed')
    .option('--echo-session-id', 'echo legacy_session_id (wolfSSL resumption compatibility; off per RFC 9147)')
    .option('--sig <name>', 'signature schemes for our credential and client certificates (repeatable or comma-separated)', collect)
    .option('--client-auth <mode>', 'client certificates: none, request (continue without) or require', 'none')
    .option('--client-ca <file>', 'PEM trust anchors for client certificate chains (needed with --client-auth)')
    .option('--max-half-open <n>', 'handshakes in progress held at most (oldest evicted; default 4096)')
    .option('--max-half-open-per-source <n>', 'handshakes in progress per source IP (default 256)')
    .option('--handshake-timeout <ms>', 'abandon a handshake not complete after this long (default 60000)')
    .option('--max-connections <n>', 'connections held at most, handshakes included (ClientHellos beyond it are dropped; default no cap)')
    .option('--idle-timeout-ms <ms>', 'close (close_notify) an established connection that received nothing for this long (0 = never)', String(IDLE_TIMEOUT_DEFAULT_MS))
    .option('--tls13-resumption-label', 'derive ticket PSKs with "tls13 resumption" (wolfSSL 5.5.4 compatibility; RFC 9147: dtls13)')
    .option('--tickets', 'issue session tickets (NewSessionTicket, key from the OS RNG) and accept resumption')
    .option('--early-data <bytes>', 'with --tickets: max_early_data_size in tickets, 0-RTT accepted with anti-replay')
    .option('--replay-window <ms>', '0-RTT anti-replay window: ClientHello recording + freshness (a restarted server refuses 0-RTT for half of it)', '10000')
    .option('--psk-identity <text>', 'external PSK identity (with --psk-key)')
    .option('--psk-key <hex>', 'external PSK key, hex')
    .option('--verbose', 'log datagrams to stderr')
    .option('--turn-stats <file>', 'write each event-loop turn\'s wall and CPU time and each GC pause to FILE (JSON) on stop')
    .option('--speed-probe <ms>', 'with --turn-stats: time a fixed compute kernel after a datagram\'s turn at most every MS ms (host speed)')
    .exitOverride()
    .configureOutput({ writeErr: (s) => err(s), writeOut: (s) => out(s) });
  let o: Opts;
  try {
    program.parse(argv, { from: 'user' });
    o = program.opts<Opts>();
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 1;
  }

  let dispatcher: ServerDispatcher;
  let port: number;
  let exitAfter = Infinity;
  let keylog: ((lines: string[]) => void) | undefined;
  let keylogCount = 0;
  let speedProbeMs: number | undefined;
  let idleTimeoutMs: number;
  try {
    port = parseIntOpt(o.port, '--port', 0, 65535);
    if (o.speedProbe !== undefined) {
      if (o.turnStats === undefined) throw new UsageError('--speed-probe needs --turn-stats (its samples go to that file)');
      speedProbeMs = parseIntOpt(o.speedProbe, '--speed-probe', 1, 60000);
    }
    if (o.turnStats !== undefined) {
      const why = turnStatsUnwritable(o.turnStats);
      if (why) throw new UsageError(why);
    }
    idleTimeoutMs = parseIntOpt(o.idleTimeoutMs, '--idle-timeout-ms', 0, MAX_TIMER_MS);
    if (o.crypto !== 'node' && o.crypto !== 'noble') throw new UsageError('--crypto must be node or noble');
    if (o.cookie !== 'on' && o.cookie !== 'off') throw new UsageError('--cookie must be on or off');
    const cidLen = parseIntOpt(o.cid, '--cid', 0, 20);
    if (o.exitAfter) exitAfter = parseIntOpt(o.exitAfter, '--exit-after', 1, 1e9);
    const provider = createProvider(o.crypto, cryptoRandom);
    const cred = loadCredential(readText(o.cert, '--cert'), readText(o.key, '--key'), provider);
    if (!cred.ok) throw new UsageError(`credential: ${cred.reason}: ${cred.detail}`);
    keylog = keylogWriter(o.keylog, (m) => err(`demo:server: ${m}\n`));
    const suites = parseSuites(o.suite);
    const groups = parseGroups(o.group);
    const schemes = parseSchemes(o.sig);
    const clientAuth = o.clientAuth;
    if (clientAuth !== 'none' && clientAuth !== 'request' && clientAuth !== 'require') throw new UsageError('--client-auth must be none, request or require');
    let clientVerifier: CertificateVerifier | undefined;
    if (clientAuth !== 'none') {
      if (!o.clientCa) throw new UsageError(`--client-auth ${clientAuth} needs --client-ca <file>`);
      const anchors = parseCertificatesPem(readText(o.clientCa, '--client-ca'));
      if (!anchors.ok) throw new UsageError(`--client-ca ${o.clientCa}: ${anchors.detail}`);
      clientVerifier = new CertificateVerifier({ trustAnchors: anchors.der, provider, purpose: 'client', clock: () => Date.now() });
    }
    if ((o.pskIdentity === undefined) !== (o.pskKey === undefined)) throw new UsageError('--psk-identity and --psk-key go together');
    if (o.pskKey !== undefined && !/^([0-9a-fA-F]{2})+$/.test(o.pskKey)) throw new UsageError('--psk-key must be hex');
    const maxEarly = o.earlyData !== undefined ? parseIntOpt(o.earlyData, '--early-data', 0, 2 ** 32 - 1) : 0;
    if (maxEarly && !o.tickets) throw new UsageError('--early-data needs --tickets');
    const ticketKey = new Uint8Array(32);
    cryptoRandom.fill(ticketKey);
    const psk = o.tickets || o.pskKey !== undefined ? {
      ...(o.tickets ? { tickets: { keys: new TicketKeys(provider, [ticketKey]), maxEarlyData: maxEarly, tls13ResumptionLabel: o.tls13ResumptionLabel === true } } : {}),
      ...(maxEarly ? { antiReplay: new AntiReplay({ startMs: nowMs(), windowMs: parseIntOpt(o.replayWindow, '--replay-window', 1, 3600000) }) } : {}),
      ...(o.pskKey !== undefined ? { external: [{ identity: new TextEncoder().encode(o.pskIdentity), key: Uint8Array.from(Buffer.from(o.pskKey, 'hex')) }] } : {}),
    } : undefined;
    dispatcher = new ServerDispatcher({
      ...(schemes ? { signatureSchemes: schemes } : {}),
      clientAuth,
      ...(clientVerifier ? { clientVerifier } : {}),
      ...(o.maxHalfOpen ? { maxHalfOpen: parseIntOpt(o.maxHalfOpen, '--max-half-open', 1, 1e9) } : {}),
      ...(o.maxHalfOpenPerSource ? { maxHalfOpenPerSource: parseIntOpt(o.maxHalfOpenPerSource, '--max-half-open-per-source', 1, 1e9) } : {}),
      ...(o.handshakeTimeout ? { handshakeTimeoutMs: parseIntOpt(o.handshakeTimeout, '--handshake-timeout', 1, 3_600_000) } : {}),
      ...(o.maxConnections ? { maxConnections: parseIntOpt(o.maxConnections, '--max-connections', 1, 1e9) } : {}),
      crypto: provider,
      rng: cryptoRandom,
      credential: { chain: cred.credential.chain, privateKey: cred.credential.privateKey, scheme: cred.credential.scheme },
      cookie: { enabled: o.cookie === 'on' },
      connectionIdLength: cidLen,
      ...(o.echoSessionId ? { echoLegacySessionId: true } : {}),
      ...(psk ? { psk } : {}),
      ...(suites ? { suites } : {}),
      ...(groups ? { groups } : {}),
      ...(o.mtu ? { mtu: parseIntOpt(o.mtu, '--mtu', 256, 65507) } : {}),
      ...(keylog ? { keylog: (line: string) => (keylogCount++, keylog!([line])) } : {}),
    });
  } catch (e) {
    err(`demo:server: ${(e as Error).message}\n`);
    return 1;
  }

  const sock = dgram.createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
  const log = (s: string) => o.verbose && err(`[${nowMs().toFixed(1)}ms] ${s}\n`);
  let timer: NodeJS.Timeout | undefined;
  let closedCount = 0;
  let closing = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));
  const turns = o.turnStats !== undefined ? new TurnRecorder(o.turnStats) : undefined;
  if (speedProbeMs !== undefined) turns?.enableSpeedProbe(speedProbeMs);
  const idle = idleTimeoutMs > 0 ? new IdleConnections<ServerConnection>(idleTimeoutMs) : undefined;
  let sent = 0;

  /** Closes the established connections idle past the timeout: close_notify (a peer that is alive but quiet learns
   *  that its next records would be dropped), then the 'closed' event removes the connection from the dispatcher. */
  const expireIdle = (now: number) => {
    if (!idle) return;
    for (const { conn, idleMs } of idle.expire(now)) {
      if (conn.isClosed) continue;
      out(`idle ${conn.address} ${Math.round(idleMs)}ms\n`);
      conn.close();
    }
  };

  const pump = () => {
    for (;;) {
      let progressed = false;
      for (let e = dispatcher.pollEvent(); e; e = dispatcher.pollEvent()) {
        progressed = true;
        const ev = e.event;
        switch (ev.type) {
          case 'connected':
            idle?.touch(e.connection, nowMs());
            if (keylog && keylogCount === 0) err('demo:server: warning: the endpoint reported no secrets (no keylog hook); --keylog file left empty\n');
            out(
              `connected ${e.address} suite=${ev.suite} group=${ev.group} scheme=${ev.signatureScheme}` +
                ` hrr=${ev.helloRetry ? 'yes' : 'no'} send_cid=${hex(ev.sendCid) || '-'} recv_cid=${hex(ev.recvCid) || '-'}` +
                ` client_cert=${ev.peerChain ? clientName(ev.peerChain[0]!) : '-'}` +
                (ev.psk ? ` psk=${ev.psk}` : '') + (ev.earlyData ? ` early_data=${ev.earlyData}` : '') + '\n',
            );
            break;
          case 'data':
            out(`data ${e.address} ${ev.data.length}B${ev.early ? ' early' : ''}\n`);
            e.connection.send(ev.data, nowMs()); // echo
            break;
          case 'keyupdate':
            out(`keyupdate ${e.address} ${ev.direction} epoch=${ev.epoch}\n`);
            break;
          case 'alert':
            out(`alert ${e.address} ${ev.sent ? 'sent' : 'received'} ${ev.name}(${ev.description}) level=${ev.level}\n`);
            break;
          case 'closed':
            idle?.forget(e.connection);
            out(`closed ${e.address} ${ev.reason}\n`);
            if (++closedCount >= exitAfter) setImmediate(() => void stop(0));
            break;
        }
      }
      for (let t = dispatcher.pollTransmit(); t; t = dispatcher.pollTransmit()) {
        progressed = true;
        const a = splitAddress(t.address);
        log(`send ${t.datagram.length}B to ${t.address}`);
        if (!closing) sock.send(t.datagram, a.port, a.ip);
        sent += t.datagram.length;
      }
      if (!progressed) break;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    const d = dispatcher.nextTimeout();
    const i = idle?.nextDeadline();
    const next = d === undefined || (i !== undefined && i < d) ? i : d;
    if (next !== undefined && !closing) {
      timer = setTimeout(() => {
        timer = undefined;
        turns?.begin();
        sent = 0;
        const now = nowMs();
        dispatcher.handleTimeout(now);
        expireIdle(now);
        pump();
        turns?.end(0, sent);
      }, Math.max(0, next - nowMs()));
    }
  };

  sock.on('message', (msg, rinfo) => {
    const address = addressKey(rinfo.address, rinfo.port);
    log(`recv ${msg.length}B from ${address}`);
    turns?.begin();
    sent = 0;
    const now = nowMs();
    const datagram = new Uint8Array(msg.buffer, msg.byteOffset, msg.length);
    // activity: new authenticated records only (a spoofed or replayed datagram does not keep a connection alive)
    const conn = idle ? dispatcher.connectionFor(datagram, address) : undefined;
    const auth = conn?.authenticatedRecords ?? 0;
    const newest = conn?.newestRecords ?? 0;
    const reached = dispatcher.receive(datagram, address, now);
    if (conn && reached === conn && conn.authenticatedRecords > auth && conn.newestRecords > newest && idle!.has(conn)) idle!.touch(conn, now);
    pump();
    turns?.end(msg.length, sent, address);
  });
  sock.on('error', (e) => err(`demo:server: socket error: ${e.message}\n`));

  const stop = async (code: number) => {
    if (closing) return;
    closing = true;
    if (timer) clearTimeout(timer);
    await new Promise<void>((r) => sock.close(() => r()));
    const why = turns?.flush();
    if (why) err(`demo:server: ${why}; the run's turn statistics are lost\n`);
    finish(why && code === 0 ? 1 : code);
  };

  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, o.host, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    err(`demo:server: cannot bind ${o.host}:${port}: ${(e as Error).message}\n`);
    return 1;
  }
  const bound = (sock.address() as AddressInfo).port;
  out(`listening ${addressKey(o.host, bound)}\n`);
  return { port: bound, close: () => stop(0), dispatcher, done, writeTurns: () => {
    const why = turns?.write();
    if (why) err(`demo:server: ${why}; still serving (statistics kept in memory)\n`);
  } };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // The handlers go in before "listening" is printed: a SIGUSR2 (or SIGTERM) sent as soon as that line is read must
  // not meet the signal's default action (terminate) in the instant between the line and the handlers.
  let server: RunningServer | undefined;
  let stopEarly = false;
  const onSignal = () => (server ? void server.close() : (stopEarly = true));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGUSR2', () => server?.writeTurns());
  start(process.argv.slice(2)).then(
    async (r) => {
      if (typeof r === 'number') process.exit(r);
      server = r;
      if (stopEarly) void r.close();
      process.exit(await r.done);
    },
    (e) => {
      process.stderr.write(`demo:server: internal error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
