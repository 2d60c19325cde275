// Caches of the node provider (./node.ts): HMAC-SHA256 key states of recent keys (KeyRing) and a small LRU.
import { hmacSha256Key } from './sha256-block.ts';

/**
 * HMAC-SHA256 key states (ipad/opad compression states, ./sha256-block.ts) of recently used keys, matched by the
 * identity of the key array and confirmed byte by byte (a caller may overwrite an array in place). The key schedule
 * passes the same secret array to consecutive derivations (key / iv / sn, c/s traffic + "derived"), and constant
 * salts recur in every handshake. 16 preallocated slots, clock replacement (a slot used since the last sweep gets
 * a second chance); keys above 64 bytes are hashed first and not kept. Holds at most 16 key copies of <= 64 bytes.
 */
export class KeyRing {
  private static readonly N = 16;
  private readonly refs: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(KeyRing.N).fill(undefined);
  private readonly lens = new Int32Array(KeyRing.N);
  private readonly used = new Uint8Array(KeyRing.N);
  private readonly raw = new Uint8Array(KeyRing.N * 64);
  private readonly states: Int32Array[] = [];
  private readonly spare = new Int32Array(16);
  private hand = 0;
  constructor() {
    const all = new Int32Array(KeyRing.N * 16);
    for (let i = 0; i < KeyRing.N; i++) this.states.push(all.subarray(16 * i, 16 * i + 16));
  }
  get(key: Uint8Array): Int32Array {
    const n = key.length;
    const refs = this.refs;
    for (let i = 0; i < KeyRing.N; i++) {
      if (refs[i] !== key || this.lens[i] !== n) continue;
      const raw = this.raw;
      const o = 64 * i;
      let same = true;
      for (let j = 0; j < n; j++) if (raw[o + j] !== key[j]) { same = false; break; }
      if (same) {
        this.used[i] = 1;
        return this.states[i]!;
      }
    }
    if (n > 64) return hmacSha256Key(key, this.spare);
    let i = this.hand;
    while (this.used[i]) {
      this.used[i] = 0;
      i = (i + 1) % KeyRing.N;
    }
    this.hand = (i + 1) % KeyRing.N;
    refs[i] = key;
    this.lens[i] = n;
    this.raw.set(key, 64 * i);
    this.used[i] = 1;
    return hmacSha256Key(key, this.states[i]);
  }
}

/** Small LRU keyed by string: a Map keeps insertion order, a hit moves the entry to the end. */
export class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.set(k, v);
    if (this.m.size > this.max) this.m.delete(this.m.keys().next().value!);
  }
}
export const keyId = (kind: string, raw: Uint8Array): string => kind + Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('latin1');

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
