// `npm run bench -- record [--json] [--quick] [--provider node|noble] [--suite NAME] [--sizes 64,1200,16384]`
// Record-layer throughput: RecordLayer.seal + RecordLayer.open per second at 64, 1200 and 16384-byte payloads for
// every suite and provider, against the bare AEAD seal+open in the same run:
//   node  bare = createCipheriv(...).setAAD/update/final/getAuthTag + createDecipheriv(...).setAuthTag/setAAD/update/final
//   noble bare = gcm()/chacha20poly1305() encrypt + decrypt (AES-128-CCM: noble has none; the provider's CCM built
//                from noble AES-CTR/CBC is the baseline)
// ratio = bare ops/s / record ops/s (>= 1; the record layer's overhead factor; target <= 1.3 at 1200 B with node).
// Also the observer on/off ratio: record ops/s without observer / with a counting observer attached.
// Measurements are interleaved in short slices (bare, record, record+observer) and the median of the per-slice
// ratios is reported, so load changes on a shared machine cancel out.
import * as nc from 'node:crypto';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { gcm } from '@noble/ciphers/aes.js';
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { createProvider, seededRandom, SUITE_NAMES, SUITES, type CipherSuite, type CryptoProvider, type ProviderKind } from '../../dtls/crypto/index.ts';
import { deriveEpochKeys } from '../../dtls/keyschedule.ts';
import { RecordLayer } from '../../dtls/record/index.ts';

type Pair = () => void;
const createCipheriv = nc.createCipheriv;
const createDecipheriv = nc.createDecipheriv;

// A full GC before every slice, so a slice never pays for the previous slice's garbage (cipher objects carry native
// state freed by the collector).
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** ops/s of fn measured for about `ms` milliseconds. */
function rate(fn: Pair, ms: number): number {
  gc();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  const end = t0 + ms;
  while (t < end) {
    for (let i = 0; i < 16; i++) fn();
    n += 16;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

function bareFor(kind: ProviderKind, p: CryptoProvider, suite: CipherSuite, key: Uint8Array, iv: Uint8Array, payload: Uint8Array): Pair {
  const aad = new Uint8Array([0x2c, 0, 0, 0, 0]);
  const nonce = iv.slice();
  const pt = new Uint8Array(payload.length + 1);
  pt.set(payload);
  pt[payload.length] = 23;
  if (kind === 'node') {
    const name = { 'AES-128-GCM': 'aes-128-gcm', 'AES-256-GCM': 'aes-256-gcm', 'CHACHA20-POLY1305': 'chacha20-poly1305', 'AES-128-CCM': 'aes-128-ccm' }[suite.aead];
    const ccm = suite.aead === 'AES-128-CCM';
    const opts = { authTagLength: 16 } as const;
    return () => {
      nonce[11] = (nonce[11]! + 1) & 0xff;
      const c = createCipheriv(name as 'aes-128-gcm', key, nonce, opts);
      if (ccm) c.setAAD(aad, { plaintextLength: pt.length }); else c.setAAD(aad);
      const ct = c.update(pt);
      c.final();
      const tag = c.getAuthTag();
      const d = createDecipheriv(name as 'aes-128-gcm', key, nonce, opts);
      d.setAuthTag(tag);
      if (ccm) d.setAAD(aad, { plaintextLength: ct.length }); else d.setAAD(aad);
      d.update(ct);
      d.final();
    };
  }
  if (suite.aead === 'AES-128-CCM') {
    const k = p.aead(suite.aead, key);
    return () => {
      nonce[11] = (nonce[11]! + 1) & 0xff;
      k.open(nonce, aad, k.seal(nonce, aad, pt));
    };
  }
  const ctor = suite.aead === 'CHACHA20-POLY1305' ? chacha20poly1305 : gcm;
  return () => {
    nonce[11] = (nonce[11]! + 1) & 0xff;
    const ct = ctor(key, nonce, aad).encrypt(pt);
    ctor(key, nonce, aad).decrypt(ct);
  };
}

function recordFor(p: CryptoProvider, suite: CipherSuite, payload: Uint8Array): Pair {
  const keys = deriveEpochKeys(p, suite, new Uint8Array(suite.hashLength).fill(3));
  const tx = new RecordLayer({ provider: p });
  const rx = new RecordLayer({ provider: p });
  tx.installWriteKeys(3, keys);
  rx.installReadKeys(3, keys);
  return () => {
    const out = rx.open(tx.seal(23, 3, payload));
    if (out.length !== 1) throw new Error('record bench: open failed');
  };
}

export async function run(opts: { json: boolean; args: string[] }): Promise<void> {
  const arg = (n: string) => { const i = opts.args.indexOf(`--${n}`); return i >= 0 ? opts.args[i + 1] : undefined; };
  const quick = opts.args.includes('--quick');
  const providers: ProviderKind[] = arg('provider') ? [arg('provider') as ProviderKind] : ['node', 'noble'];
  const suites = arg('suite') ? [arg('suite')!] : [...SUITE_NAMES];
  const sizes = (arg('sizes') ?? '64,1200,16384').split(',').map(Number);
  const rows: Record<string, unknown>[] = [];
  for (const kind of providers) {
    for (const sname of suites) {
      const suite = SUITES[sname as keyof typeof SUITES];
      if (!suite) throw new Error(`unknown suite ${sname}`);
      for (const size of sizes) {
        const p = createProvider(kind, seededRandom(1));
        const payload = new Uint8Array(size).fill(0x5a);
        const keys = deriveEpochKeys(p, suite, new Uint8Array(suite.hashLength).fill(3));
        const bare = bareFor(kind, p, suite, keys.key, keys.iv, payload);
        const rec = recordFor(p, suite, payload);
        let observed = 0;
        const counting = () => { observed++; };
        // Short adjacent slices, ratio per slice, median over slices: load changes on a shared machine hit both
        // sides of a ratio alike.
        const ms = (quick ? 15 : 30) * (kind === 'noble' ? 2 : 1);
        const rounds = quick ? 9 : 21;
        for (let w = 0; w < 3; w++) { rate(bare, ms); rate(rec, ms); } // warm up (JIT, buffer pools)
        const rb: number[] = [], rr: number[] = [], ro: number[] = [], ratios: number[] = [], oratios: number[] = [];
        for (let r = 0; r < rounds; r++) {
          // alternate the order every round to cancel ordering effects
          let b = 0, x = 0, y = 0;
          const measure = [
            () => { b = rate(bare, ms); },
            () => { p.observer = undefined; x = rate(rec, ms); },
            () => { p.observer = counting; y = rate(rec, ms); p.observer = undefined; },
          ];
          for (const f of r % 2 === 0 ? measure : measure.reverse()) f();
          rb.push(b); rr.push(x); ro.push(y);
          ratios.push(b / x);
          oratios.push(x / y);
        }
        const bareOps = median(rb), recOps = median(rr), obsOps = median(ro);
        const row = {
          provider: kind, suite: sname, bytes: size,
          bare_ops_s: Math.round(bareOps), record_ops_s: Math.round(recOps), record_observer_ops_s: Math.round(obsOps),
          ratio: Number(median(ratios).toFixed(3)),
          observer_ratio: Number(median(oratios).toFixed(3)),
          record_MB_s: Number(((recOps * size) / 1e6).toFixed(1)),
          observed_ops: observed,
        };
        rows.push(row);
        if (!opts.json) {
          process.stdout.write(`${kind.padEnd(6)} ${sname.padEnd(29)} ${String(size).padStart(6)} B  bare ${String(row.bare_ops_s).padStart(7)}/s  record ${String(row.record_ops_s).padStart(7)}/s  ratio ${row.ratio.toFixed(2)}  observer on/off ${row.observer_ratio.toFixed(2)}\n`);
        }
      }
    }
  }
  const at1200 = rows.filter((r) => r.provider === 'node' && r.bytes === 1200).map((r) => r.ratio as number);
  const summary = {
    bench: 'record',
    unit: 'seal+open pairs per second (one record each way); ratios = median over interleaved short slices',
    slices: quick ? 9 : 21,
    rows,
    node_1200_max_ratio: at1200.length ? Math.max(...at1200) : null,
    target_ratio_node_1200: 1.3,
    pass: at1200.length ? Math.max(...at1200) <= 1.3 : null,
  };
  if (opts.json) process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
  else process.stdout.write(`node provider, 1200 B: max ratio ${summary.node_1200_max_ratio} (target <= 1.3): ${summary.pass ? 'pass' : 'FAIL'}\n`);
}
