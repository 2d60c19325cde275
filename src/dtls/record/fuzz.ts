// Record-layer fuzz driver (pure, seeded): builds valid datagrams with a sender RecordLayer and feeds a receiver
// random bytes and mutations of them (bit flips, truncation, extension, splicing, header rewrites, duplicates).
// Checks: no exception escapes `open`, and every delivered record is one the sender sealed (same epoch, seq,
// content type, payload). Used by test/dtls/record/record-fuzz.test.ts and `npm run fuzz`.
import type { CryptoProvider } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import { seededRandom } from '../crypto/random.ts';
import { deriveEpochKeys } from '../keyschedule.ts';
import { RecordLayer, concatRecords } from './layer.ts';

export interface FuzzOptions {
  provider: CryptoProvider;
  suite: CipherSuite;
  seed: number;
  datagrams: number;
}
export interface FuzzResult {
  datagrams: number;
  delivered: number;
  dropped: number;
  exceptions: number;
  forged: number;
  firstException?: string;
  drops: Record<string, number>;
}

export function fuzzRecordLayer(o: FuzzOptions): FuzzResult {
  const rng = seededRandom(`fuzz/${o.seed}`);
  const buf = new Uint32Array(1);
  const u32 = () => { rng.fill(new Uint8Array(buf.buffer)); return buf[0]!; };
  const int = (n: number) => u32() % n;
  const bytes = (n: number) => { const b = new Uint8Array(n); rng.fill(b); return b; };
  const p = o.provider;
  const useCid = int(2) === 0;
  const cid = bytes(1 + int(8));
  const tx = new RecordLayer({ provider: p });
  const rx = new RecordLayer({ provider: p, replayWindow: 32 + int(64) });
  for (const e of [2, 3, 4]) {
    const k = deriveEpochKeys(p, o.suite, new Uint8Array(o.suite.hashLength).fill(e ^ (o.seed & 0xff)));
    tx.installWriteKeys(e, k);
    rx.installReadKeys(e, k);
  }
  if (useCid) { tx.setCid({ write: cid }); rx.setCid({ read: cid }); }
  const sent = new Map<string, string>();
  const hex = (b: Uint8Array) => { let s = ""; for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16); return s; };
  const pool: Uint8Array[] = [];
  const makeValid = (): Uint8Array => {
    const n = 1 + int(3);
    const recs: Uint8Array[] = [];
    for (let i = 0; i < n; i++) {
      const epoch = int(5) === 0 ? 0 : 2 + int(3);
      const type = epoch === 0 ? [21, 22, 26][int(3)]! : [21, 22, 23, 26][int(4)]!;
      const payload = bytes(int(4) === 0 ? int(1500) : int(40));
      const seq = tx.nextWriteSeq(epoch);
      const last = i === n - 1;
      recs.push(tx.seal(type, epoch, payload, {
        seqLength: int(2) === 0 ? 1 : 2,
        length: last ? int(2) === 0 : true,
        padding: int(3) === 0 ? { kind: 'multiple', of: 1 + int(64) } : { kind: 'none' },
      }));
      sent.set(`${epoch}/${seq}`, `${type}/${hex(payload)}`);
    }
    return concatRecords(recs);
  };
  const mutate = (d: Uint8Array): Uint8Array => {
    const m = d.slice();
    switch (int(8)) {
      case 0: for (let k = 1 + int(4); k > 0; k--) if (m.length) m[int(m.length)]! ^= 1 << int(8); return m;
      case 1: return m.subarray(0, int(m.length + 1));
      case 2: return concatRecords([m, bytes(int(40))]);
      case 3: { const other = pool[int(pool.length)] ?? m; return concatRecords([m.subarray(0, int(m.length + 1)), other.subarray(int(other.length + 1))]); }
      case 4: if (m.length) m[0] = 0x20 | int(32); return m;
      case 5: if (m.length > 5) { m[1 + int(4)] = u32() & 0xff; } return m;
      case 6: return m; // exact duplicate -> replay
      default: if (m.length > 3) { const i = int(m.length - 2); m[i] = 0xff; m[i + 1] = 0xff; } return m;
    }
  };
  let exceptions = 0;
  let forged = 0;
  let delivered = 0;
  let firstException: string | undefined;
  for (let i = 0; i < o.datagrams; i++) {
    let d: Uint8Array;
    const r = int(10);
    if (r < 3 || pool.length === 0) { d = makeValid(); pool.push(d); if (pool.length > 16) pool.shift(); }
    else if (r < 8) d = mutate(pool[int(pool.length)]!);
    else if (r === 8) { d = bytes(int(200)); if (d.length) d[0] = [0x16, 0x15, 0x1a, 0x20 | int(32)][int(4)]!; }
    else d = bytes(int(100));
    try {
      for (const rec of rx.open(d)) {
        delivered++;
        if (sent.get(`${rec.epoch}/${rec.seq}`) !== `${rec.contentType}/${hex(rec.payload)}`) {
          // epoch-0 records are unauthenticated: a mutated plaintext record is expected to come through as-is
          if (rec.epoch !== 0) forged++;
        }
      }
    } catch (e) {
      exceptions++;
      firstException ??= String((e as Error).stack ?? e);
    }
  }
  return { datagrams: o.datagrams, delivered, dropped: rx.dropped, exceptions, forged, firstException, drops: { ...rx.drops } };
}
