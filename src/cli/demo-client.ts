// npm run demo:client -- --host H --port P --ca ca.pem --message TEXT [--keyupdate] [--keylog FILE]
//                         [--suite NAME] [--group NAME] [--key-share NAME] [--sig NAME] [--cid HEX] [--server-name NAME]
//                         [--timeout MS] [--cert chain.pem --key key.pem] [--resend MS]
// Connects with the sans-IO ClientEndpoint over a real UDP socket, sends TEXT, prints the reply and exits 0 only
// after a complete handshake (certificate chain verified against --ca) and a reply. The message is sent again
// (timer --resend, doubled each time) until a reply arrives: a peer may discard application data that arrives
// before our Finished (RFC 9147 5.8.1; wolfSSL does), and nothing else would resend it. --cert/--key: the client
// certificate sent when the server asks for one. Exit status: 0 success,
// 1 usage error, 2 timeout, 3 alert / connection closed by the peer.
// stdout lines: "connected suite=.. group=.. scheme=.. hrr=.. send_cid=.. recv_cid=..", "keyupdate ...",
// "reply: TEXT"; errors on stderr.
import { Command } from 'commander';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import { ClientEndpoint, DEFAULT_GROUPS, createProvider, type ClientCredential, type EndpointEvent } from '../dtls/index.ts';
import { CertificateVerifier, leafKey, loadCredential, parseCertificate, parseCertificatesPem } from '../dtls/cert/index.ts';
import {
  UsageError, collect, cryptoRandom, hex, keylogWriter, nowMs, parseGroups, parseHex, parseIntOpt, parseSchemes, parseSuites,
  readText,
} from './demo-common.ts';

type Opts = {
  host: string;
  port: string;
  ca?: string;
  insecure?: boolean;
  message: string;
  keyupdate?: boolean;
  keylog?: string;
  suite?: string[];
  group?: string[];
  keyShare?: string[];
  cid?: string;
  serverName?: string;
  timeout: string;
  crypto: string;
  mtu?: string;
  pskIdentity?: string;
  pskKey?: string;
  pskMode?: string;
  verbose?: boolean;
  sig?: string[];
  cert?: string;
  key?: string;
  resend: string;
};

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const program = new Command('demo:client')
    .description('DTLS 1.3 demo client: send one message over UDP and print the reply')
    .requiredOption('--port <port>', 'server UDP port')
    .option('--host <host>', 'server address', '127.0.0.1')
    .option('--ca <file>', 'PEM trust anchors for the server certificate chain')
    .option('--insecure', 'skip certificate verification (tests only)')
    .option('--message <text>', 'application data to send', 'hello from dtls-accel-sim')
    .option('--keyupdate', 'send a KeyUpdate (update_requested) before the message and wait for its ACK')
    .option('--keylog <file>', 'append NSS key-log lines (SSLKEYLOGFILE format)')
    .option('--suite <name>', 'cipher suite(s) in preference order (repeatable or comma-separated)', collect)
    .option('--group <name>', 'key exchange group(s): x25519, secp256r1, X25519MLKEM768, MLKEM768 (first one gets a key share)', collect)
    .option('--key-share <name>', 'groups to send key shares for in the first ClientHello (default: the first --group)', collect)
    .option('--cid <hex>', 'offer connection_id, asking the server to use this CID (hex, may be empty "")')
    .option('--server-name <name>', 'name checked against the certificate (default: --host)')
    .option('--timeout <ms>', 'give up after this long', '10000')
    .option('--crypto <provider>', 'crypto provider: node or noble', 'node')
    .option('--mtu <bytes>', 'path MTU (UDP payload bytes)')
    .option('--sig <name>', 'signature schemes accepted from the server (repeatable or comma-separated; add rsa_pss_rsae_sha256 for RSA servers)', collect)
    .option('--cert <file>', 'PEM client certificate chain (leaf first), sent when the server requests one')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--resend <ms>', 'resend the message after this long without a reply (doubled each time)', '1000')
    .option('--psk-identity <text>', 'offer an external PSK with this identity (with --psk-key)')
    .option('--psk-key <hex>', 'external PSK key, hex')
    .option('--psk-mode <mode>', 'psk_dhe_ke (default) or psk_ke')
    .option('--verbose', 'log datagrams and events to stderr')
    .exitOverride()
    .configureOutput({ writeErr: (s) => err(s), writeOut: (s) => out(s) });
  let o: Opts;
  try {
    program.parse(argv, { from: 'user' });
    o = program.opts<Opts>();
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 1;
  }

  let client: ClientEndpoint;
  let port: number;
  let timeoutMs: number;
  let keylog: ((lines: string[]) => void) | undefined;
  let keylogCount = 0;
  let resendMs: number;
  try {
    resendMs = parseIntOpt(o.resend, '--resend', 1, 3_600_000);
    port = parseIntOpt(o.port, '--port', 1, 65535);
    timeoutMs = parseIntOpt(o.timeout, '--timeout', 1, 3_600_000);
    if (o.crypto !== 'node' && o.crypto !== 'noble') throw new UsageError('--crypto must be node or noble');
    const provider = createProvider(o.crypto, cryptoRandom);
    if (!o.ca && !o.insecure) throw new UsageError('--ca <file> is required (or --insecure)');
    const serverName = o.serverName ?? o.host;
    let verifier: CertificateVerifier | undefined;
    if (o.ca) {
      const anchors = parseCertificatesPem(readText(o.ca, '--ca'));
      if (!anchors.ok) throw new UsageError(`--ca ${o.ca}: ${anchors.detail}`);
      // Endpoint time is monotonic; certificate validity uses the wall clock.
      verifier = new CertificateVerifier({ trustAnchors: anchors.der, provider, clock: () => Date.now() });
    }
    // --insecure: accept any chain whose leaf key is usable (the CertificateVerify signature is still checked).
    const insecure = {
      verify: (chain: readonly Uint8Array[]) => {
        const leaf = chain[0] ? parseCertificate(chain[0]) : undefined;
        const k = leaf?.ok ? leafKey(leaf.cert.publicKey) : undefined;
        return k ? { ok: true as const, publicKey: k.key } : { ok: false as const, alert: 42, reason: 'unusable leaf certificate' };
      },
    };
    keylog = keylogWriter(o.keylog, (m) => err(`demo:client: ${m}\n`));
    const suites = parseSuites(o.suite);
    const groups = parseGroups(o.group);
    const schemes = parseSchemes(o.sig);
    if ((o.cert === undefined) !== (o.key === undefined)) throw new UsageError('--cert and --key go together');
    let credential: ClientCredential | undefined;
    if (o.cert && o.key) {
      const c = loadCredential(readText(o.cert, '--cert'), readText(o.key, '--key'), provider);
      if (!c.ok) throw new UsageError(`client credential: ${c.reason}: ${c.detail}`);
      credential = { chain: c.credential.chain, privateKey: c.credential.privateKey, scheme: c.credential.scheme };
    }
    if ((o.pskIdentity === undefined) !== (o.pskKey === undefined)) throw new UsageError('--psk-identity and --psk-key go together');
    if (o.pskMode !== undefined && o.pskMode !== 'psk_ke' && o.pskMode !== 'psk_dhe_ke') throw new UsageError('--psk-mode must be psk_ke or psk_dhe_ke');
    const keyShareGroups = parseGroups(o.keyShare);
    if (keyShareGroups?.some((g) => !(groups ?? DEFAULT_GROUPS).includes(g))) throw new UsageError('--key-share groups must be among --group');
    client = new ClientEndpoint({
      ...(schemes ? { signatureSchemes: schemes } : {}),
      ...(credential ? { credential } : {}),
      ...(o.pskKey !== undefined ? { externalPsk: { identity: new TextEncoder().encode(o.pskIdentity), key: parseHex(o.pskKey, '--psk-key') } } : {}),
      ...(o.pskMode ? { pskModes: [o.pskMode as 'psk_ke' | 'psk_dhe_ke'] } : {}),
      crypto: provider,
      rng: cryptoRandom,
      ...(suites ? { suites } : {}),
      ...(groups ? { groups } : {}),
      ...(keyShareGroups ? { keyShareGroups } : {}),
      ...(o.mtu ? { mtu: parseIntOpt(o.mtu, '--mtu', 256, 65507) } : {}),
      serverName,
      verifier: verifier ?? insecure,
      offerConnectionId: o.cid !== undefined,
      ...(o.cid !== undefined ? { connectionId: parseHex(o.cid, '--cid') } : {}),
      ...(keylog ? { keylog: (line: string) => (keylogCount++, keylog!([line])) } : {}),
    });
  } catch (e) {
    err(`demo:client: ${(e as Error).message}\n`);
    return 1;
  }

  const sock = dgram.createSocket(isIP(o.host) === 6 ? 'udp6' : 'udp4');
  const log = (s: string) => o.verbose && err(`[${nowMs().toFixed(1)}ms] ${s}\n`);
  let timer: NodeJS.Timeout | undefined;
  let result: number | undefined;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));
  let connected = false;
  let replied = false;
  let kuAcked = !o.keyupdate;
  let messageSent = false;

  const end = (code: number, msg?: string) => {
    if (result !== undefined) return;
    result = code;
    if (msg) err(`demo:client: ${msg}\n`);
    finish(code);
  };

  let resendTimer: NodeJS.Timeout | undefined;
  let messages = 0;
  const sendMessage = (sendCidLength: number) => {
    if (messageSent) return;
    messageSent = true;
    const bytes = new TextEncoder().encode(o.message);
    let wait = resendMs;
    const again = () => {
      resendTimer = undefined;
      if (replied || result !== undefined || !client.isConnected) return;
      messages++;
      log(`no reply after ${wait} ms: resending the message (copy ${messages})`);
      if (!client.send(bytes, nowMs())) return end(3, 'the endpoint refused to send the message');
      pump();
      wait *= 2;
      resendTimer = setTimeout(again, wait);
    };
    resendTimer = setTimeout(again, wait);
    // One record per message: 5-byte unified header (+ CID) + content type + 16-byte tag must fit the MTU.
    const room = (o.mtu ? Number(o.mtu) : 1400) - 22 - sendCidLength;
    if (bytes.length > room) {
      err(`demo:client: warning: the ${bytes.length}-byte message exceeds one ${o.mtu ?? 1400}-byte datagram (about ${room} bytes of data); peers with a 1400-byte MTU such as wolfSSL drop it\n`);
    }
    if (!client.send(bytes, nowMs())) end(3, 'the endpoint refused to send the message');
  };

  const onEvent = (ev: EndpointEvent) => {
    log(`event ${JSON.stringify(ev, (_k, v) => (v instanceof Uint8Array ? hex(v) : v))}`);
    switch (ev.type) {
      case 'connected':
        connected = true;
        if (keylog && keylogCount === 0) err('demo:client: warning: the endpoint reported no secrets (no keylog hook); --keylog file left empty\n');
        out(
          `connected suite=${ev.suite} group=${ev.group} scheme=${ev.signatureScheme} hrr=${ev.helloRetry ? 'yes' : 'no'}` +
            ` send_cid=${hex(ev.sendCid) || '-'} recv_cid=${hex(ev.recvCid) || '-'}\n`,
        );
        if (o.keyupdate) {
          if (!client.keyUpdate(true, nowMs())) end(3, 'KeyUpdate refused by the endpoint');
        }
        sendMessage(ev.sendCid?.length ?? 0);
        break;
      case 'keyupdate':
        out(`keyupdate ${ev.direction} epoch=${ev.epoch}\n`);
        if (ev.direction === 'send') kuAcked = true;
        break;
      case 'data':
        replied = true;
        out(`reply: ${new TextDecoder().decode(ev.data)}\n`);
        break;
      case 'alert':
        if (ev.sent) log(`sent alert ${ev.name}`);
        if (ev.level === 2 || (!ev.sent && ev.name !== 'close_notify')) {
          end(3, `${ev.sent ? 'sent' : 'received'} ${ev.level === 2 ? 'fatal' : 'warning'} alert ${ev.name} (${ev.description})`);
        }
        break;
      case 'closed':
        if (!(replied && kuAcked)) end(3, `connection closed (${ev.reason}) before ${connected ? 'the reply' : 'the handshake completed'}`);
        break;
    }
    if (replied && kuAcked && result === undefined) {
      client.close();
      pump();
      end(0);
    }
  };

  const pump = () => {
    for (let d = client.pollTransmit(); d; d = client.pollTransmit()) {
      log(`send ${d.length}B`);
      sock.send(d, port, o.host);
    }
    for (let ev = client.pollEvent(); ev; ev = client.pollEvent()) onEvent(ev);
    if (timer) clearTimeout(timer);
    timer = undefined;
    const t = client.nextTimeout();
    if (t !== undefined && result === undefined) {
      timer = setTimeout(() => {
        timer = undefined;
        client.handleTimeout(nowMs());
        pump();
      }, Math.max(0, t - nowMs()));
    }
  };

  sock.on('message', (msg) => {
    log(`recv ${msg.length}B`);
    client.receive(new Uint8Array(msg.buffer, msg.byteOffset, msg.length), nowMs());
    pump();
  });
  sock.on('error', (e) => log(`socket error: ${e.message}`));
  const overall = setTimeout(
    () =>
      end(2, `timeout after ${timeoutMs} ms: ${!connected ? 'handshake not complete' : !replied ? 'no reply' : 'KeyUpdate not acknowledged'}` +
        ` (${client.stats.datagramsSent} datagrams sent, ${client.stats.datagramsReceived} received)`),
    timeoutMs,
  );
  await new Promise<void>((r) => sock.bind(0, r));
  client.connect(nowMs());
  pump();
  const code = await done;
  clearTimeout(overall);
  if (resendTimer) clearTimeout(resendTimer);
  if (timer) clearTimeout(timer);
  await new Promise<void>((r) => sock.close(() => r()));
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`demo:client: internal error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
