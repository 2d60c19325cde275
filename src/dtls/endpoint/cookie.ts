// Stateless HelloRetryRequest cookies (RFC 9147 5.1, RFC 8446 4.2.2).
// cookie = version(1) | suite(2) | group(2, 0 = HRR only for the cookie) | time ms(6) | hashLen(1) |
//          Hash(ClientHello1)(hashLen) | HMAC-SHA256(secret, address (UTF-16BE) || all previous bytes)(32)
// Two secrets are accepted: the current one and the one it replaced (rotation every rotateMs).
import type { CryptoProvider, RandomSource } from '../crypto/provider.ts';
import { ctEqual } from '../handshake/bytes.ts';

export interface CookieContents {
  suiteCode: number;
  groupCode: number;
  chHash: Uint8Array;
  timeMs: number;
}


export class CookieJar {
  private current: Uint8Array | undefined;
  private previous: Uint8Array | undefined;
  private rotatedAt = 0;

  constructor(
    private readonly crypto: CryptoProvider,
    private readonly rng: RandomSource,
    readonly lifetimeMs = 60000,
    readonly rotateMs = 30000,
  ) {}

  private rotate(now: number): void {
    if (!this.current) {
      this.current = new Uint8Array(32);
      this.rng.fill(this.current);
      this.rotatedAt = now;
      return;
    }
    if (now - this.rotatedAt >= this.rotateMs) {
      // after two periods without traffic both secrets are stale
      this.previous = now - this.rotatedAt >= 2 * this.rotateMs ? undefined : this.current;
      this.current = new Uint8Array(32);
      this.rng.fill(this.current);
      this.rotatedAt = now;
    }
  }

  private mac(secret: Uint8Array, address: string, body: Uint8Array): Uint8Array {
    // address as UTF-16 code units, 2 bytes each (no TextEncoder call: addresses are short)
    const n = address.length;
    const data = new Uint8Array(2 * n + body.length);
    for (let i = 0; i < n; i++) {
      const c = address.charCodeAt(i);
      data[2 * i] = c >>> 8;
      data[2 * i + 1] = c & 0xff;
    }
    data.set(body, 2 * n);
    return this.crypto.hmac('SHA-256', secret, data);
  }

  make(address: string, c: Omit<CookieContents, 'timeMs'>, now: number): Uint8Array {
    this.rotate(now);
    const t = Math.max(0, Math.floor(now));
    const body = new Uint8Array(12 + c.chHash.length);
    body[0] = 1;
    body[1] = c.suiteCode >>> 8;
    body[2] = c.suiteCode & 0xff;
    body[3] = c.groupCode >>> 8;
    body[4] = c.groupCode & 0xff;
    let x = t;
    for (let i = 10; i >= 5; i--) {
      body[i] = x & 0xff;
      x = Math.floor(x / 256);
    }
    body[11] = c.chHash.length;
    body.set(c.chHash, 12);
    const mac = this.mac(this.current!, address, body);
    const out = new Uint8Array(body.length + mac.length);
    out.set(body);
    out.set(mac, body.length);
    return out;
  }

  /** Contents of a valid, unexpired cookie for this address, or undefined. */
  check(cookie: Uint8Array, address: string, now: number): CookieContents | undefined {
    this.rotate(now);
    if (cookie.length < 12 + 32 || cookie[0] !== 1) return undefined;
    const hl = cookie[11]!;
    if (cookie.length !== 12 + hl + 32) return undefined;
    const body = cookie.subarray(0, 12 + hl);
    const mac = cookie.subarray(12 + hl);
    let ok = ctEqual(this.mac(this.current!, address, body), mac);
    if (!ok && this.previous) ok = ctEqual(this.mac(this.previous, address, body), mac);
    if (!ok) return undefined;
    let t = 0;
    for (let i = 5; i <= 10; i++) t = t * 256 + cookie[i]!;
    if (now - t > this.lifetimeMs || t > now + 1000) return undefined;
    return {
      suiteCode: (cookie[1]! << 8) | cookie[2]!,
      groupCode: (cookie[3]! << 8) | cookie[4]!,
      chHash: cookie.slice(12, 12 + hl),
      timeMs: t,
    };
  }
}
