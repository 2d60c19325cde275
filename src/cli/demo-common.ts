// Shared pieces of the UDP demo (npm run demo:server / demo:client): option parsing helpers, the CSPRNG
// RandomSource, the wall clock, key-log file output. The CLI is the only layer allowed real clocks and randomness.
import { randomFillSync } from 'node:crypto';
import { accessSync, appendFileSync, closeSync, constants, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { KxGroup, RandomSource, SignatureScheme } from '../dtls/crypto/provider.ts';
import { SUITE_NAMES, type CipherSuiteName } from '../dtls/crypto/suites.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Endpoint time: monotonic milliseconds. */
export const nowMs = (): number => performance.now();

export const cryptoRandom: RandomSource = {
  fill(bytes: Uint8Array): void {
    randomFillSync(bytes);
  },
};

const SUITE_ALIASES: Record<string, CipherSuiteName> = {};
for (const s of SUITE_NAMES) {
  SUITE_ALIASES[s.toUpperCase()] = s;
  // wolfSSL / OpenSSL spellings
  SUITE_ALIASES[s.replace(/^TLS_/, 'TLS13-').replace(/_/g, '-').replace(/AES-(\d+)/, 'AES$1').toUpperCase()] = s;
}
SUITE_ALIASES['AES128-GCM'] = 'TLS_AES_128_GCM_SHA256';
SUITE_ALIASES['AES256-GCM'] = 'TLS_AES_256_GCM_SHA384';
SUITE_ALIASES['CHACHA20'] = 'TLS_CHACHA20_POLY1305_SHA256';

/** "--suite A,B" or repeated --suite; names as in RFC 8446 (TLS_AES_128_GCM_SHA256) or wolfSSL (TLS13-AES128-...). */
export function parseSuites(values: string[] | undefined): CipherSuiteName[] | undefined {
  if (!values || values.length === 0) return undefined;
  const out: CipherSuiteName[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const s = SUITE_ALIASES[v.trim().toUpperCase()];
    if (!s || !SUITE_NAMES.includes(s)) throw new UsageError(`unknown cipher suite "${v}" (known: ${SUITE_NAMES.join(', ')})`);
    out.push(s);
  }
  return out;
}

export function parseGroups(values: string[] | undefined): KxGroup[] | undefined {
  if (!values || values.length === 0) return undefined;
  const out: KxGroup[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const g = v.trim().toLowerCase();
    if (g === 'x25519') out.push('x25519');
    else if (g === 'secp256r1' || g === 'p-256' || g === 'p256' || g === 'prime256v1') out.push('secp256r1');
    else if (g === 'x25519mlkem768') out.push('X25519MLKEM768');
    else if (g === 'mlkem768') out.push('MLKEM768');
    else throw new UsageError(`unknown group "${v}" (x25519, secp256r1, X25519MLKEM768, MLKEM768)`);
  }
  return out;
}

const CV_SCHEMES: SignatureScheme[] = ['ecdsa_secp256r1_sha256', 'ed25519', 'rsa_pss_rsae_sha256', 'rsa_pss_rsae_sha384'];
/** "--sig A,B" or repeated --sig: signature schemes (RFC 8446 names) in preference order. */
export function parseSchemes(values: string[] | undefined): SignatureScheme[] | undefined {
  if (!values || values.length === 0) return undefined;
  const out: SignatureScheme[] = [];
  for (const v of values.flatMap((x) => x.split(','))) {
    const s = CV_SCHEMES.find((x) => x === v.trim().toLowerCase());
    if (!s) throw new UsageError(`unknown signature scheme "${v}" (${CV_SCHEMES.join(', ')})`);
    out.push(s);
  }
  return out;
}

export function parseHex(v: string, what: string): Uint8Array {
  const h = v.replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(h) || h.length > 510) throw new UsageError(`${what}: "${v}" is not hex (at most 255 bytes)`);
  return Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
}

export function hex(b: Uint8Array | undefined): string {
  return b ? Buffer.from(b).toString('hex') : '';
}

export function parseIntOpt(v: string, what: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${what} must be an integer in [${min}, ${max}]`);
  return n;
}

/** Refuses (UsageError) an output path that cannot be written: its folder missing or not writable, or a folder
 *  itself. Checked before a long measurement, so that its result is not lost at the end. */
export function checkWritable(path: string, what: string): void {
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error('it is a directory');
    accessSync(dirname(path) || '.', constants.W_OK);
    if (existsSync(path)) accessSync(path, constants.W_OK);
  } catch (e) {
    throw new UsageError(`cannot write ${what} ${path}: ${(e as Error).message}`);
  }
}

export function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/** Appends NSS key-log lines to `path` (created if needed). The file is opened once here, so that a path that cannot
 *  be written (missing directory, no permission, a directory) is a usage error at startup rather than a key-log hook
 *  that throws inside every handshake. A later write failure (disk full, directory removed) is reported once through
 *  `onError` and key logging stops; the connections carry on. */
export function keylogWriter(path: string | undefined, onError: (message: string) => void): ((lines: string[]) => void) | undefined {
  if (!path) return undefined;
  try {
    closeSync(openSync(path, 'a'));
  } catch (e) {
    throw new UsageError(`cannot open --keylog ${path} for appending: ${(e as Error).message}`);
  }
  let failed = false;
  return (lines) => {
    if (failed || lines.length === 0) return;
    try {
      appendFileSync(path, lines.map((l) => `${l}\n`).join(''));
    } catch (e) {
      failed = true;
      onError(`cannot write --keylog ${path}: ${(e as Error).message}; key logging stopped`);
    }
  };
}

export function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}
