// `npm run fuzz -- [--iterations N] [--seed S] [--provider node|noble] [--json]`
// Long-running version of the record-layer fuzz property (test/dtls/record/record-fuzz.test.ts): random and mutated
// datagrams into a RecordLayer for every cipher suite, plus garbage into the provider's parsers (AEAD open,
// signature verify, key exchange). Exit status 1 if anything threw or a forged record was delivered.
import { createProvider, seededRandom, SUITE_NAMES, SUITES, type ProviderKind } from '../dtls/crypto/index.ts';
import { fuzzRecordLayer } from '../dtls/record/fuzz.ts';

const args = process.argv.slice(2);
const opt = (name: string, def: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : def;
};
const iterations = Number(opt('iterations', '1000000'));
const seed = Number(opt('seed', '1'));
const kind = opt('provider', 'node') as ProviderKind;
const json = args.includes('--json');
if (!Number.isInteger(iterations) || iterations < 1 || !Number.isInteger(seed) || (kind !== 'node' && kind !== 'noble')) {
  process.stderr.write('usage: npm run fuzz -- [--iterations N] [--seed S] [--provider node|noble] [--json]\n');
  process.exit(2);
}

const t0 = performance.now();
const CHUNK = 500;
let done = 0, delivered = 0, dropped = 0, exceptions = 0, forged = 0, run = 0;
const drops: Record<string, number> = {};
let firstException: string | undefined;
while (done < iterations) {
  const n = Math.min(CHUNK, iterations - done);
  const suite = SUITES[SUITE_NAMES[run % SUITE_NAMES.length]!];
  const r = fuzzRecordLayer({ provider: createProvider(kind, seededRandom(seed * 7919 + run)), suite, seed: seed * 1_000_003 + run, datagrams: n });
  done += n; delivered += r.delivered; dropped += r.dropped; exceptions += r.exceptions; forged += r.forged;
  for (const [k, v] of Object.entries(r.drops)) drops[k] = (drops[k] ?? 0) + v;
  firstException ??= r.firstException;
  run++;
  if (!json && run % 200 === 0) process.stderr.write(`\r${done}/${iterations} datagrams`);
}

// provider parsers with garbage
const p = createProvider(kind, seededRandom(seed));
const rng = seededRandom(`garbage/${seed}`);
let providerCalls = 0;
for (let i = 0; i < Math.min(20000, iterations / 10); i++) {
  const len = i % 97;
  const b = new Uint8Array(len);
  rng.fill(b);
  try {
    p.aead('AES-128-GCM', new Uint8Array(16)).open(new Uint8Array(12), b.subarray(0, 5), b);
    p.verify('ecdsa_secp256r1_sha256', { kind: 'p256', raw: b.subarray(0, 65) }, b, b);
    p.verify('ed25519', { kind: 'ed25519', raw: b.subarray(0, 32) }, b, b.subarray(0, 64));
    p.kxDerive(i % 2 ? 'x25519' : 'secp256r1', new Uint8Array(32).fill(1), b.subarray(0, i % 2 ? 32 : 65));
    providerCalls += 4;
  } catch (e) {
    exceptions++;
    firstException ??= String((e as Error).stack ?? e);
  }
}

const seconds = (performance.now() - t0) / 1000;
const result = { iterations, seed, provider: kind, delivered, dropped, drops, exceptions, forged, providerCalls, seconds: Number(seconds.toFixed(2)) };
if (json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  process.stderr.write('\n');
  process.stdout.write(`fuzz: ${iterations} datagrams (${kind}, seed ${seed}) in ${result.seconds} s: ${delivered} delivered, ${dropped} dropped ` +
    `${JSON.stringify(drops)}; ${providerCalls} garbage provider calls; exceptions ${exceptions}, forged ${forged}\n`);
  if (firstException) process.stdout.write(firstException + '\n');
}
process.exit(exceptions === 0 && forged === 0 ? 0 : 1);
