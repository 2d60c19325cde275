// `npm run bench -- handshake [--json] [--provider node|noble] [--n 300] [--no-cookie] [--group x25519|secp256r1]
//   [--key ecdsa|ed25519|rsa] [--suite NAME] [--no-rsa] [--no-psk] [--split]`
// Rows per provider:
//  - full: full handshakes with the --key chain (default ecdsa: P-256 leaf <- intermediate <- root);
//  - rsa-2048: the same with the RSA-2048 leaf <- 3072 <- 4096 test chain, rsa_pss_rsae_sha256 (the client opting in
//    to RSA schemes); skipped with --no-rsa or when --key rsa already makes the full row RSA. A provider that cannot
//    run it gets the row with `refused` (the reason) instead of figures;
//  - resumed (ticket, psk_dhe_ke) and psk_ke (external PSK): ./handshake-psk.ts; --no-psk skips them.
// Full in-memory DTLS 1.3 handshakes (ClientEndpoint <-> ServerDispatcher, certificate chain validation included)
// per second, per provider (./handshake-world.ts). The asymmetric operations of every handshake (kx keygen/derive,
// sign, verify, including the chain signatures checked by the certificate verifier) are recorded with their
// arguments and replayed alone in the same run; the ratio handshake wall time / asymmetric-crypto time says how much
// the protocol code costs on top of the unavoidable public-key work. Target: ratio <= 1.5 with the node provider
// (full row). A third measurement runs the same handshakes with the asymmetric calls answered from precomputed
// results: the protocol work alone. --split adds to each full row a `split` (./handshake-split.ts, own rounds after
// the ratio rounds): the live wall time divided into time inside the asymmetric calls and protocol time, against the
// replay alone, the replay interleaved with stubbed handshakes, the stubbed handshakes and the GC time of each.
import {
  createProvider, getSuite, type KxGroup, type ProviderKind, type RandomSource,
} from '../../dtls/index.ts';
import { CertificateVerifier } from '../../dtls/cert/index.ts';
import { pskRows } from './handshake-psk.ts';
import { measureSplit, splitLine, type Split } from './handshake-split.ts';
import {
  BENCH_CLOCK, KEYS, handshakeOnce, loadSetup, makeWorld, pooledRandom, replay, type Call, type KeyArg, type Setup,
  type WorldOpts,
} from './handshake-world.ts';

export type Row = Record<string, unknown>;

interface Opts extends WorldOpts {
  n: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** Times full handshakes of one provider with one chain: wall, replayed asymmetric calls, protocol work alone. */
export function measureFull(kind: ProviderKind, rng: RandomSource, setup: Setup, o: Opts, label: string, target?: number): Row {
  const head: Row = {
    provider: kind, handshake: label, handshakes: 0, cookie: o.cookie, group: o.group, signature: setup.credential.scheme,
    suite: o.suite,
  };
  const world = makeWorld(kind, rng, setup, o);
  const stubWorld = makeWorld(kind, rng, setup, o, true);
  // a provider that cannot run this chain (e.g. no RSA) says so in the row: one probe handshake before any timing
  try {
    handshakeOnce(world, undefined)();
  } catch (e) {
    return { ...head, refused: (e as Error).message };
  }
  // warm-up, the replay provider included (one for the whole run, kept warm as the live ones are)
  const replayer = createProvider(kind, rng);
  for (let i = 0; i < Math.min(50, o.n); i++) {
    const log: Call[] = [];
    handshakeOnce(world, log)();
    replay(replayer, log);
    handshakeOnce(stubWorld, undefined)();
  }
  // many short alternating rounds (10 handshakes each): both measurements see the same machine load, and some
  // rounds of each kind escape the other processes on a shared machine
  const rounds = Math.max(5, Math.floor(o.n / 10));
  const per = Math.max(1, Math.floor(o.n / rounds));
  const wall: number[] = [];
  const asym: number[] = [];
  const proto: number[] = [];
  let ops: Record<string, number> = {};
  for (let r = 0; r < rounds; r++) {
    // handshakes, recording the asymmetric calls
    const logs: Call[][] = [];
    const closers: (() => void)[] = [];
    const t0 = performance.now();
    for (let i = 0; i < per; i++) {
      const log: Call[] = [];
      closers.push(handshakeOnce(world, log));
      logs.push(log);
    }
    wall.push((performance.now() - t0) / per);
    for (const c of closers) c();
    // the same asymmetric calls alone
    const t1 = performance.now();
    for (const log of logs) replay(replayer, log);
    asym.push((performance.now() - t1) / per);
    // the same number of handshakes with the asymmetric calls stubbed out
    const stubClosers: (() => void)[] = [];
    const t2 = performance.now();
    for (let i = 0; i < per; i++) stubClosers.push(handshakeOnce(stubWorld, undefined));
    proto.push((performance.now() - t2) / per);
    for (const c of stubClosers) c();
    ops = {};
    for (const c of logs[0]!) ops[c.m] = (ops[c.m] ?? 0) + 1;
  }
  const w = median(wall);
  const a = median(asym);
  // Each round pairs 10 handshakes with the replay of their asymmetric calls right after, so both see the same
  // machine load; the verdict uses the median of these per-round ratios (the ratio of the fastest round of each
  // kind is reported too: on a busy machine the two minima may come from differently disturbed rounds).
  const ratio = median(wall.map((x, i) => x / asym[i]!));
  const wMin = Math.min(...wall);
  const aMin = Math.min(...asym);
  return {
    ...head,
    handshakes: per * rounds,
    handshakes_per_s: Number((1000 / w).toFixed(1)),
    wall_ms_per_handshake: Number(w.toFixed(3)),
    asym_ms_per_handshake: Number(a.toFixed(3)),
    ratio_wall_to_asym: Number(ratio.toFixed(3)),
    ratio_fastest_rounds: Number((wMin / aMin).toFixed(3)),
    wall_ms_min: Number(wMin.toFixed(3)),
    asym_ms_min: Number(aMin.toFixed(3)),
    protocol_only_ms_per_handshake: Number(median(proto).toFixed(3)),
    protocol_only_ms_min: Number(Math.min(...proto).toFixed(3)),
    asym_ops_per_handshake: ops,
    target_ratio: target,
    pass: target === undefined ? undefined : ratio <= target,
  };
}

/** The rows of the bench (see the header); `args` as on the command line, without the bench name and --json. */
export function handshakeRows(args: string[]): Row[] {
  const arg = (n: string) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : undefined; };
  const kinds: ProviderKind[] = arg('provider') ? [arg('provider') as ProviderKind] : ['node', 'noble'];
  const key = (arg('key') ?? 'ecdsa') as KeyArg;
  if (!KEYS.includes(key)) throw new Error(`--key ${key}: one of ${KEYS.join(', ')}`);
  const setup = loadSetup(key);
  const rsa = key === 'rsa' || args.includes('--no-rsa') ? undefined : loadSetup('rsa');
  const rng = pooledRandom();
  const rows: Row[] = [];
  for (const kind of kinds) {
    const o: Opts = {
      n: Number(arg('n') ?? (kind === 'node' ? 1000 : 30)),
      cookie: !args.includes('--no-cookie'),
      group: (arg('group') ?? 'x25519') as KxGroup,
      suite: getSuite(arg('suite') ?? 'TLS_AES_128_GCM_SHA256').name,
    };
    const full = measureFull(kind, rng, setup, o, 'full', kind === 'node' ? 1.5 : undefined);
    rows.push(full);
    if (rsa) rows.push(measureFull(kind, rng, rsa, o, 'rsa-2048'));
    if (!args.includes('--no-psk') && typeof full.wall_ms_per_handshake === 'number') {
      rows.push(...pskRows(kind, rng, {
        n: o.n, cookie: o.cookie, group: o.group, suite: o.suite, credential: setup.credential,
        verifier: (p) => new CertificateVerifier({ trustAnchors: setup.anchors, provider: p, clock: BENCH_CLOCK }),
      }, full.wall_ms_per_handshake));
    }
  }
  return rows;
}

function line(r: Row): string {
  const what = `${String(r.provider).padEnd(6)} ${r.handshakes} ${r.handshake} handshakes`;
  if (r.refused) return `${what} (${r.signature}): refused: ${r.refused}\n`;
  if (r.speedup_vs_full !== undefined) {
    return `${what} (${r.group}, ${r.suite}, cookie ${r.cookie}): ` +
      `${r.handshakes_per_s} handshakes/s, ${r.wall_ms_per_handshake} ms each (fastest round ${r.wall_ms_min}); ` +
      `asymmetric operations ${JSON.stringify(r.asym_ops_per_handshake)}; ${r.speedup_vs_full}x the full handshake\n`;
  }
  return `${what} (${r.group}, ${r.signature}, ${r.suite}, cookie ${r.cookie}): ` +
    `${r.handshakes_per_s} handshakes/s, ${r.wall_ms_per_handshake} ms each; asymmetric crypto alone ` +
    `${r.asym_ms_per_handshake} ms (${JSON.stringify(r.asym_ops_per_handshake)}); ratio wall/asym (median of ` +
    `rounds) ${r.ratio_wall_to_asym} (fastest rounds ${r.wall_ms_min}/${r.asym_ms_min} = ${r.ratio_fastest_rounds}); ` +
    `protocol work alone (asymmetric calls stubbed) ${r.protocol_only_ms_per_handshake} ms (fastest ${r.protocol_only_ms_min})` +
    `${r.target_ratio ? ` (target <= ${r.target_ratio}: ${r.pass ? 'PASS' : 'FAIL'})` : ''}\n`;
}

/** --split: the split of each completed full row (same provider, chain and options as the row). */
export async function addSplits(rows: Row[], args: string[]): Promise<void> {
  const arg = (n: string) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : undefined; };
  const setup = loadSetup((arg('key') ?? 'ecdsa') as KeyArg);
  for (const r of rows) {
    if (r.handshake !== 'full' || r.refused !== undefined) continue;
    const o = { cookie: r.cookie as boolean, group: r.group as KxGroup, suite: getSuite(String(r.suite)).name };
    r.split = await measureSplit(r.provider as ProviderKind, pooledRandom(), setup, o, Math.max(5, Math.floor(r.handshakes as number / 10)));
  }
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const rows = handshakeRows(opts.args);
  if (opts.args.includes('--split')) await addSplits(rows, opts.args);
  if (opts.json) {
    process.stdout.write(JSON.stringify({ bench: 'handshake', results: rows }, null, 2) + '\n');
    return;
  }
  for (const r of rows) process.stdout.write(line(r) + (r.split ? splitLine(r.split as Split) : ''));
}
