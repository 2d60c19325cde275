// `npm run loadtest -- --port P [--host H] --clients N --rate R [--records K] [--size B] [--json] [--procs W]`
//   [--arrival poisson|constant|burst [--burst K]] [--ca FILE | --insecure] [--server-name NAME] [--suite S] [--group G]
//   [--crypto node|noble] [--mtu BYTES] [--timeout MS] [--seed N] [--arrivals]
//
// A real UDP load generator of DTLS 1.3 clients against a server on this machine (docs/validation.md, "Real
// server"). Open-loop arrivals at R clients/s; each client handshakes, echoes K records of B bytes one after the
// other, and closes. With --procs W the clients are split over W processes (client i in process i mod W), all on
// the same arrival schedule. Prints a summary (or, with --json, a JSON object whose field names follow the
// simulator's summary.json where the figure is the same: handshakes, handshake_latency_ms, throughput, records).
// Record latency here is the echo round trip (`record_rtt_us`), not the simulator's one-way record latency.
// `start_lateness_ms`: how late the clients started against the schedule; --arrivals adds every client's actual start
// (`arrivals_ms`, by client index; `npm run validate -- loopback` replays them in the model).
// Exit status: 0 every client completed, 1 some failed, 2 bad arguments (one line: a bad number, an unreadable or
// non-PEM --ca, a schedule longer than Node's longest timer). With --procs W, a generator process that fails or a
// SIGINT / SIGTERM stops every process and prints what completed instead of the summary (src/cli/loadtest/children.ts):
// exit 1 (2 if a process refused its arguments), 128 + the signal's number when interrupted; --procs 1 likewise.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Command, CommanderError } from 'commander';
import { createProvider } from '../dtls/index.ts';
import { CertificateVerifier, leafKey, parseCertificate, parseCertificatesPem } from '../dtls/cert/index.ts';
import { UsageError, collect, cryptoRandom, parseGroups, parseIntOpt, parseSuites, readText } from './demo-common.ts';
import { CHILD_STOPPED_EXIT, PARTIAL_MARK, SHARD_MARK, runChildren, signalExit, startLeadMs, stopRequest, tally } from './loadtest/children.ts';
import { type ClientEnv, type LoadSamples, type LoadSpec, arrivalTimes, emptySamples, runLoad } from './loadtest/generator.ts';
import { summarize, renderText } from './loadtest/summary.ts';

type Opts = {
  host: string; port: string; clients: string; rate: string; records: string; size: string; arrival: 'poisson' | 'constant' | 'burst'; burst: string;
  procs: string; timeout: string; seed: string; ca?: string; insecure?: boolean; serverName?: string;
  suite?: string[]; group?: string[]; crypto: string; mtu?: string; json?: boolean; shard?: string; arrivals?: boolean;
};

/** The longest delay setTimeout honours (2^31-1 ms, about 24.8 days; longer ones fire after 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): Promise<number> {
  const program = new Command('loadtest')
    .description('Real UDP load generator of DTLS 1.3 clients (open-loop arrivals, echo records)')
    .requiredOption('--port <port>', 'server UDP port')
    .option('--host <host>', 'server address (this machine only)', '127.0.0.1')
    .option('--clients <n>', 'clients in total', '100')
    .option('--rate <r>', 'mean arrival rate, clients per second', '100')
    .option('--records <k>', 'echo records per client', '1')
    .option('--size <bytes>', 'application bytes per record', '100')
    .option('--arrival <kind>', 'poisson, constant or burst (groups of --burst clients at one instant)', 'poisson')
    .option('--burst <k>', 'clients per group with --arrival burst', '10')
    .option('--procs <w>', 'generator processes', '1')
    .option('--timeout <ms>', 'a client not finished this long after its start fails', '10000')
    .option('--seed <n>', 'seed of the arrival process', '1')
    .option('--ca <file>', 'PEM trust anchors for the server certificate chain')
    .option('--insecure', 'skip chain validation (the CertificateVerify signature is still checked)')
    .option('--server-name <name>', 'name checked against the certificate (default: --host)')
    .option('--suite <name>', 'cipher suite(s) in preference order', collect)
    .option('--group <name>', 'key exchange group(s)', collect)
    .option('--crypto <provider>', 'crypto provider of the clients: node or noble', 'node')
    .option('--mtu <bytes>', 'path MTU (UDP payload bytes)')
    .option('--json', 'print the summary as JSON')
    .option('--arrivals', 'with --json: add every client\'s actual start time (arrivals_ms)')
    .option('--shard <i/n>', 'internal: run one process share and print raw samples')
    .exitOverride()
    .configureOutput({ writeErr: (s) => err(s), writeOut: (s) => out(s) });
  let o: Opts;
  let spec: LoadSpec;
  let procs: number;
  let env: ClientEnv;
  try {
    program.parse(argv, { from: 'user' });
    o = program.opts<Opts>();
    spec = toSpec(o);
    procs = parseIntOpt(o.procs, '--procs', 1, 64);
    checkSchedule(spec, o.rate, procs);
    env = clientEnv(o); // also in the parent of --procs W: a bad --ca is refused before any process starts
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    if (!(e instanceof UsageError)) throw e;
    err(`loadtest: ${e.message}\n`);
    return 2;
  }

  if (o.shard !== undefined) {
    // Child process: wait for the parent's start time, run, print the raw samples (the samples so far if stopped).
    const t0 = Number(process.env.LOADTEST_T0_EPOCH_MS) - Date.now() + performance.now();
    const samples = emptySamples();
    const stop = stopRequest(process.env.LOADTEST_T0_EPOCH_MS !== undefined);
    try {
      const how = await Promise.race([runLoad(spec, env, Number.isFinite(t0) ? t0 : performance.now(), samples).then(() => 'done' as const), stop.stopped]);
      if (how === 'done') {
        out(`${SHARD_MARK}${JSON.stringify(samples)}\n`);
        return 0;
      }
      if (how !== 'parent') out(`${PARTIAL_MARK}${JSON.stringify({ signal: how, samples })}\n`);
      return CHILD_STOPPED_EXIT;
    } finally {
      stop.dispose();
    }
  }

  const wall0 = performance.now();
  let samples: LoadSamples;
  if (procs === 1) {
    samples = emptySamples();
    const stop = stopRequest(false);
    try {
      const how = await Promise.race([runLoad(spec, env, performance.now() + startLeadMs(1), samples).then(() => 'done' as const), stop.stopped]);
      if (how !== 'done') {
        const sig = how === 'parent' ? 'SIGTERM' : how;
        err(`loadtest: interrupted by ${sig}. No complete result; of ${tally(samples)}\n`);
        return signalExit(sig);
      }
    } finally {
      stop.dispose();
    }
  } else {
    const r = await runChildren(fileURLToPath(import.meta.url), argv, procs, Date.now() + startLeadMs(procs), err);
    if (!r.ok) return r.exitCode;
    samples = r.samples;
  }
  const summary = summarize(spec, samples, (performance.now() - wall0) / 1000, o.arrivals === true);
  out(o.json ? `${JSON.stringify(summary, null, 2)}\n` : renderText(summary));
  return samples.failed === 0 ? 0 : 1;
}

/** Refuses a schedule whose last client would start after the longest delay setTimeout honours (a longer one fires
 *  after 1 ms: every client would start at once while the summary still reports the requested rate). */
function checkSchedule(spec: LoadSpec, rateText: string, procs: number): void {
  const starts = arrivalTimes(spec.clients, spec.rate, spec.arrival, spec.seed, spec.burst ?? 1);
  const last = starts[starts.length - 1]! + startLeadMs(procs);
  if (last > MAX_TIMER_MS) {
    throw new UsageError(
      `--rate ${rateText} with --clients ${spec.clients}: the last client would start ${(last / 86_400_000).toPrecision(3)} days ` +
        'after the run begins, beyond the longest timer Node can wait (2^31-1 ms, 24.8 days); raise --rate or lower --clients',
    );
  }
}

function toSpec(o: Opts): LoadSpec {
  if (o.arrival !== 'poisson' && o.arrival !== 'constant' && o.arrival !== 'burst') throw new UsageError('--arrival must be poisson, constant or burst');
  const rate = Number(o.rate);
  if (!(rate > 0 && rate <= 1e6)) throw new UsageError('--rate must be a number in (0, 1e6]');
  let shard = 0;
  let shards = 1;
  if (o.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(o.shard);
    if (!m || Number(m[1]) >= Number(m[2])) throw new UsageError('--shard must be i/n with i < n');
    shard = Number(m[1]);
    shards = Number(m[2]);
  }
  if (o.crypto !== 'node' && o.crypto !== 'noble') throw new UsageError('--crypto must be node or noble');
  if (!o.ca && !o.insecure) throw new UsageError('--ca <file> is required (or --insecure)');
  return {
    host: o.host,
    port: parseIntOpt(o.port, '--port', 1, 65535),
    clients: parseIntOpt(o.clients, '--clients', 1, 1_000_000),
    rate,
    arrival: o.arrival,
    burst: parseIntOpt(o.burst, '--burst', 1, 100_000),
    records: parseIntOpt(o.records, '--records', 0, 1_000_000),
    size: parseIntOpt(o.size, '--size', 1, 16384),
    clientTimeoutMs: parseIntOpt(o.timeout, '--timeout', 1, 3_600_000),
    seed: parseIntOpt(o.seed, '--seed', 0, 2 ** 31),
    shard,
    shards,
    suites: parseSuites(o.suite),
    groups: parseGroups(o.group),
    mtu: o.mtu ? parseIntOpt(o.mtu, '--mtu', 256, 65507) : undefined,
  };
}

function clientEnv(o: Opts): ClientEnv {
  const crypto = createProvider(o.crypto as 'node' | 'noble', cryptoRandom);
  let verifier;
  if (o.ca) {
    const anchors = parseCertificatesPem(readText(o.ca, '--ca'));
    if (!anchors.ok) throw new UsageError(`--ca ${o.ca}: not a PEM certificate file (${anchors.detail})`);
    verifier = new CertificateVerifier({ trustAnchors: anchors.der, provider: crypto, clock: () => Date.now() });
  } else {
    verifier = {
      verify: (chain: readonly Uint8Array[]) => {
        const leaf = chain[0] ? parseCertificate(chain[0]) : undefined;
        const k = leaf?.ok ? leafKey(leaf.cert.publicKey) : undefined;
        return k ? { ok: true as const, publicKey: k.key } : { ok: false as const, alert: 42, reason: 'unusable leaf certificate' };
      },
    };
  }
  return { crypto, rng: cryptoRandom, verifier, serverName: o.serverName ?? o.host };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`loadtest: internal error: ${(e as Error).stack}\n`);
      process.exit(1);
    },
  );
}
