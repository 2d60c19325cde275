// TLS 1.3 cipher suites supported by src/dtls (RFC 8446 B.4) with the DTLS 1.3 limits (RFC 9147 4.5.3,
// RFC 8446 5.5). `getSuite(name)` / `suiteByCode(code)` look them up.
import type { AeadAlg, HashAlg } from './provider.ts';

export type CipherSuiteName =
  | 'TLS_AES_128_GCM_SHA256'
  | 'TLS_AES_256_GCM_SHA384'
  | 'TLS_CHACHA20_POLY1305_SHA256'
  | 'TLS_AES_128_CCM_SHA256'
  | 'TLS_AES_128_CCM_8_SHA256';

export interface CipherSuite {
  readonly name: CipherSuiteName;
  readonly code: number; // IANA value, e.g. 0x1301
  readonly aead: AeadAlg;
  readonly hash: HashAlg;
  readonly keyLength: number; // AEAD key and sn_key length
  readonly ivLength: 12;
  readonly tagLength: 16 | 8;
  readonly hashLength: number;
  /** Records failing authentication per key before the connection should close (RFC 9147 4.5.3). */
  readonly forgeryLimit: number;
  /** Records protected per key before a KeyUpdate is required (RFC 8446 5.5, RFC 9147 4.5.3 / B). */
  readonly confidentialityLimit: number;
}

export const SUITES: Readonly<Record<CipherSuiteName, CipherSuite>> = {
  TLS_AES_128_GCM_SHA256: {
    name: 'TLS_AES_128_GCM_SHA256', code: 0x1301, aead: 'AES-128-GCM', hash: 'SHA-256', keyLength: 16,
    ivLength: 12, tagLength: 16, hashLength: 32, forgeryLimit: 2 ** 36, confidentialityLimit: Math.floor(2 ** 24.5),
  },
  TLS_AES_256_GCM_SHA384: {
    name: 'TLS_AES_256_GCM_SHA384', code: 0x1302, aead: 'AES-256-GCM', hash: 'SHA-384', keyLength: 32,
    ivLength: 12, tagLength: 16, hashLength: 48, forgeryLimit: 2 ** 36, confidentialityLimit: Math.floor(2 ** 24.5),
  },
  TLS_CHACHA20_POLY1305_SHA256: {
    name: 'TLS_CHACHA20_POLY1305_SHA256', code: 0x1303, aead: 'CHACHA20-POLY1305', hash: 'SHA-256', keyLength: 32,
    ivLength: 12, tagLength: 16, hashLength: 32, forgeryLimit: 2 ** 36, confidentialityLimit: 2 ** 48,
  },
  TLS_AES_128_CCM_SHA256: {
    name: 'TLS_AES_128_CCM_SHA256', code: 0x1304, aead: 'AES-128-CCM', hash: 'SHA-256', keyLength: 16,
    ivLength: 12, tagLength: 16, hashLength: 32, forgeryLimit: Math.floor(2 ** 23.5), confidentialityLimit: 2 ** 23,
  },
  // RFC 9147 B.3: same confidentiality limit as CCM; forgery limit v <= 2^7 to keep the margins of the other suites
  // (4.5.3: CCM_8 MUST NOT be used without additional safeguards against forgery; not in DEFAULT_SUITES).
  TLS_AES_128_CCM_8_SHA256: {
    name: 'TLS_AES_128_CCM_8_SHA256', code: 0x1305, aead: 'AES-128-CCM-8', hash: 'SHA-256', keyLength: 16,
    ivLength: 12, tagLength: 8, hashLength: 32, forgeryLimit: 2 ** 7, confidentialityLimit: 2 ** 23,
  },
};

export const SUITE_NAMES: readonly CipherSuiteName[] = Object.keys(SUITES) as CipherSuiteName[];

/** A cipher suite name the DTLS core does not implement (e.g. from a configuration or a cast string). */
export class UnknownSuiteError extends Error {
  override readonly name = 'UnknownSuiteError';
  constructor(readonly suite: string) {
    super(`unknown cipher suite ${JSON.stringify(suite)} (implemented: ${SUITE_NAMES.join(', ')})`);
  }
}

/** True if the DTLS core implements the suite `name`. */
export function isSuiteName(name: string): name is CipherSuiteName {
  return Object.hasOwn(SUITES, name);
}

/** The suite called `name`; throws UnknownSuiteError if the core does not implement it. */
export function getSuite(name: string): CipherSuite {
  if (!isSuiteName(name)) throw new UnknownSuiteError(name);
  return SUITES[name];
}

export function suiteByCode(code: number): CipherSuite | undefined {
  for (const n of SUITE_NAMES) if (SUITES[n].code === code) return SUITES[n];
  return undefined;
}
