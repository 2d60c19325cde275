// npm run demo:server -- --port P --cert chain.pem --key key.pem [--cookie on|off] [--cid LEN] [--keylog FILE]
//                         [--suite NAME] [--group NAME] [--host ADDR]
// A DTLS 1.3 echo server over a real UDP socket: the sans-IO ServerDispatcher routes datagrams (by address or
// CID), every application message is sent back to its sender on the same connection. Timers are driven from the
// dispatcher's nextTimeout(). Prints "listening HOST:PORT" once bound (--port 0 picks a free port), then one line
// per connection event. Stops on SIGINT/SIGTERM (exit 0), or after --max-connections connections have closed.
import { Command } from 'commander';
import dgram from 'node:dgram';
import { isIP, type AddressInfo } from 'node:net';
import { ServerDispatcher, createProvider } from '../dtls/index.ts';
import { loadCredential } from '../dtls/cert/index.ts';
import {
  UsageError, collect, cryptoRandom, hex, keylogWriter, nowMs, parseGroups, parseIntOpt, parseSuites, readText,
} from './demo-common.ts';

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
  verbose?: boolean;
};

/** Address strings used with the dispatcher: "ip:port" ("[ip6]:port"). */
export function addressKey(ip: string, port: number): string {
  return isIP(ip) === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
}
export function splitAddress(a: string): { ip: string; port: number } {
  const i = a.lastIndexOf(':');
  return { ip: a.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(a.slice(i + 1)) };
}

export type RunningServer = { port: number; close(): Promise<void>; dispatcher: ServerDispatcher; done: Promise<number> };

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
    .option('--verbose', 'log datagrams to stderr')
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
  try {
    port = parseIntOpt(o.port, '--port', 0, 65535);
    if (o.crypto !== 'node' && o.crypto !== 'noble') throw new UsageError('--crypto must be node or noble');
    if (o.cookie !== 'on' && o.cookie !== 'off') throw new UsageError('--cookie must be on or off');
    const cidLen = parseIntOpt(o.cid, '--cid', 0, 20);
    if (o.exitAfter) exitAfter = parseIntOpt(o.exitAfter, '--exit-after', 1, 1e9);
    const provider = createProvider(o.crypto, cryptoRandom);
    const cred = loadCredential(readText(o.cert, '--cert'), readText(o.key, '--key'), provider);
    if (!cred.ok) throw new UsageError(`credential: ${cred.reason}: ${cred.detail}`);
    keylog = keylogWriter(o.keylog);
    const suites = parseSuites(o.suite);
    const groups = parseGroups(o.group);
    dispatcher = new ServerDispatcher({
      crypto: provider,
      rng: cryptoRandom,
      credential: { chain: cred.credential.chain, privateKey: cred.credential.privateKey, scheme: cred.credential.scheme },
      cookie: { enabled: o.cookie === 'on' },
      connectionIdLength: cidLen,
      ...(o.echoSessionId ? { echoLegacySessionId: true } : {}),
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

  const pump = () => {
    for (;;) {
      let progressed = false;
      for (let e = dispatcher.pollEvent(); e; e = dispatcher.pollEvent()) {
        progressed = true;
        const ev = e.event;
        switch (ev.type) {
          case 'connected':
            if (keylog && keylogCount === 0) err('demo:server: warning: the endpoint reported no secrets (no keylog hook); --keylog file left empty\n');
            out(
              `connected ${e.address} suite=${ev.suite} group=${ev.group} scheme=${ev.signatureScheme}` +
                ` hrr=${ev.helloRetry ? 'yes' : 'no'} send_cid=${hex(ev.sendCid) || '-'} recv_cid=${hex(ev.recvCid) || '-'}\n`,
            );
            break;
          case 'data':
            out(`data ${e.address} ${ev.data.length}B\n`);
            e.connection.send(ev.data, nowMs()); // echo
            break;
          case 'keyupdate':
            out(`keyupdate ${e.address} ${ev.direction} epoch=${ev.epoch}\n`);
            break;
          case 'alert':
            out(`alert ${e.address} ${ev.sent ? 'sent' : 'received'} ${ev.name}(${ev.description}) level=${ev.level}\n`);
            break;
          case 'closed':
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
      }
      if (!progressed) break;
    }
    if (timer) clearTimeout(timer);
    timer = undefined;
    const next = dispatcher.nextTimeout();
    if (next !== undefined && !closing) {
      timer = setTimeout(() => {
        timer = undefined;
        dispatcher.handleTimeout(nowMs());
        pump();
      }, Math.max(0, next - nowMs()));
    }
  };

  sock.on('message', (msg, rinfo) => {
    const address = addressKey(rinfo.address, rinfo.port);
    log(`recv ${msg.length}B from ${address}`);
    dispatcher.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), address, nowMs());
    pump();
  });
  sock.on('error', (e) => err(`demo:server: socket error: ${e.message}\n`));

  const stop = async (code: number) => {
    if (closing) return;
    closing = true;
    if (timer) clearTimeout(timer);
    await new Promise<void>((r) => sock.close(() => r()));
    finish(code);
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
  return { port: bound, close: () => stop(0), dispatcher, done };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  start(process.argv.slice(2)).then(
    async (r) => {
      if (typeof r === 'number') process.exit(r);
      const onSignal = () => void r.close();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      process.exit(await r.done);
    },
    (e) => {
      process.stderr.write(`demo:server: internal error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
