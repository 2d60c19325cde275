// `npm run bench -- cert [--json]`: cost of certificate-chain validation (src/dtls/cert verifyChain) on the test
// PKI, per provider, against a baseline measured in the same run: the bare provider.verify calls the chain needs
// (2 ECDSA P-256 verifies for root -> intermediate -> leaf, 1 Ed25519 verify for root -> leaf). The ratio
// chain/baseline shows what parsing, path building and the checks add on top of the signatures.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProvider, seededRandom, type CryptoProvider } from '../../dtls/index.ts';
import { parseCertificate, parseCertificatesPem, verifyChain, type Certificate } from '../../dtls/cert/index.ts';

const FIX = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/certs');

function ders(p: string): Uint8Array[] {
  const r = parseCertificatesPem(readFileSync(join(FIX, p), 'utf8'));
  if (!r.ok) throw new Error(`${p}: ${r.detail}`);
  return r.der;
}
function cert(d: Uint8Array): Certificate {
  const r = parseCertificate(d);
  if (!r.ok) throw new Error(r.detail);
  return r.cert;
}

/** Median of `rounds` timings of `n` calls, in microseconds per call. */
function time(n: number, rounds: number, f: () => void): number {
  const t: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f();
    t.push(((performance.now() - t0) / n) * 1000);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const now = Date.UTC(2030, 0, 1);
  const cases = [
    { name: 'ecdsa-p256 root->int->leaf', chain: ders('ecdsa/server-chain.pem'), ca: ders('ecdsa/ca.pem') },
    { name: 'ed25519 root->leaf', chain: ders('ed25519/server-chain.pem'), ca: ders('ed25519/ca.pem') },
  ];
  const rows: { provider: string; chain: string; verifyChain_us: number; baseline_us: number; ratio: number }[] = [];
  for (const kind of ['node', 'noble'] as const) {
    const p: CryptoProvider = createProvider(kind, seededRandom(1));
    for (const c of cases) {
      // the signatures the path needs: each certificate checked with its issuer's key
      const path = [...c.chain.map(cert), cert(c.ca[0]!)];
      const sigs = path.slice(0, -1).map((x, i) => {
        const issuer = path[i + 1]!.publicKey;
        if (issuer.kind !== 'p256' && issuer.kind !== 'ed25519') throw new Error('unexpected key');
        const scheme = issuer.kind === 'p256' ? ('ecdsa_secp256r1_sha256' as const) : ('ed25519' as const);
        return { scheme, key: { kind: issuer.kind, raw: issuer.key }, msg: x.tbs, sig: x.signature };
      });
      const n = kind === 'noble' ? 20 : 100;
      const chainCall = () => {
        if (!verifyChain(c.chain, { trustAnchors: c.ca, nowMs: now, serverName: 'localhost', provider: p }).ok) throw new Error('chain');
      };
      const baseCall = () => {
        for (const s of sigs) if (!p.verify(s.scheme, s.key, s.msg, s.sig)) throw new Error('sig');
      };
      time(kind === 'noble' ? 10 : 200, 1, chainCall); // warm-up (JIT)
      time(kind === 'noble' ? 10 : 200, 1, baseCall);
      // interleave rounds so that machine noise hits both alike
      const a: number[] = [];
      const b: number[] = [];
      for (let r = 0; r < 5; r++) {
        a.push(time(n, 1, chainCall));
        b.push(time(n, 1, baseCall));
      }
      a.sort((x, y) => x - y);
      b.sort((x, y) => x - y);
      const chainUs = a[2]!;
      const baseUs = b[2]!;
      rows.push({ provider: kind, chain: c.name, verifyChain_us: chainUs, baseline_us: baseUs, ratio: chainUs / baseUs });
    }
  }
  const leaf = ders('ecdsa/server-chain.pem')[0]!;
  const parseUs = time(2000, 5, () => parseCertificate(leaf));
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ bench: 'cert', rows, parseCertificate_us: parseUs, leafBytes: leaf.length }, null, 2)}\n`);
    return;
  }
  process.stdout.write('provider  chain                         verifyChain   bare verifies   ratio\n');
  for (const r of rows) {
    process.stdout.write(
      `${r.provider.padEnd(9)} ${r.chain.padEnd(29)} ${r.verifyChain_us.toFixed(0).padStart(8)} us ${r.baseline_us.toFixed(0).padStart(11)} us ${r.ratio.toFixed(3).padStart(7)}\n`,
    );
  }
  process.stdout.write(`parseCertificate (${leaf.length}-byte ECDSA leaf): ${parseUs.toFixed(1)} us\n`);
}
