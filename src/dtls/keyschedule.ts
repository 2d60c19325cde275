// TLS 1.3 / DTLS 1.3 key schedule (RFC 8446 section 7, RFC 9147 5.9 / 4.2.3), provider-agnostic.
//
// The HKDF label prefix is a parameter: 'dtls13' for DTLS 1.3 (no trailing space, RFC 9147), 'tls13 ' for TLS 1.3
// (used to check the RFC 8448 traces). All functions are pure given the provider; every HKDF/HMAC/hash call goes
// through the provider and therefore shows in the operation trace.
//
//   const ks = new KeySchedule(provider, 'SHA-256', 'dtls13');      // or KeySchedule.forSuite(provider, suite)
//   const early = ks.earlySecret(psk?);                              // psk absent -> HashLen zeros
//   const binder = ks.binderKey(early, 'res' | 'ext');
//   const cEarly = ks.clientEarlyTrafficSecret(early, hashCH); ks.earlyExporterMasterSecret(early, hashCH)
//   const hs = ks.handshakeSecret(early, ecdheSharedSecret?);        // no (EC)DHE (psk_ke) -> HashLen zeros
//   const { client, server } = ks.handshakeTrafficSecrets(hs, hashCHtoSH);
//   const ms = ks.masterSecret(hs);
//   const app = ks.applicationTrafficSecrets(ms, hashCHtoServerFinished);   // { client, server }
//   ks.exporterMasterSecret(ms, hashCHtoServerFinished); ks.resumptionMasterSecret(ms, hashCHtoClientFinished)
//   ks.resumptionPsk(resumptionMaster, ticketNonce)
//   ks.finishedKey(baseKey); ks.finishedVerifyData(baseKey, transcriptHash)   // HMAC(finished_key, hash)
//   ks.nextTrafficSecret(secret)                                             // KeyUpdate: "traffic upd"
//   ks.exporter(exporterMasterSecret, label, context, length)                // RFC 8446 7.5
//   ks.epochKeys(secret, suite) -> EpochKeys { suite, secret, key, iv, snKey }  // "key", "iv", "sn"
//   ks.hkdfExpandLabel(secret, label, context, length); ks.deriveSecret(secret, label, transcriptHash)
//   ks.emptyHash()                                                           // Hash("") (cached)
import type { CryptoProvider, HashAlg } from './crypto/provider.ts';
import { HASH_LENGTH } from './crypto/provider.ts';
import type { CipherSuite } from './crypto/suites.ts';

export type LabelPrefix = 'dtls13' | 'tls13 ';
export const DTLS13_PREFIX: LabelPrefix = 'dtls13';
export const TLS13_PREFIX: LabelPrefix = 'tls13 ';

/** Traffic keys of one direction of one epoch, derived from a traffic secret. */
export interface EpochKeys {
  readonly suite: CipherSuite;
  readonly secret: Uint8Array; // the traffic secret the keys come from (for KeyUpdate / keylog)
  readonly key: Uint8Array; // AEAD key, suite.keyLength bytes
  readonly iv: Uint8Array; // 12 bytes
  readonly snKey: Uint8Array; // record-number key, suite.keyLength bytes
}

const enc = new TextEncoder();
const EMPTY = new Uint8Array(0);

export class KeySchedule {
  readonly hashLength: number;
  private readonly zeros: Uint8Array;
  private empty: Uint8Array | undefined;

  constructor(
    readonly provider: CryptoProvider,
    readonly hash: HashAlg,
    readonly prefix: LabelPrefix = DTLS13_PREFIX,
  ) {
    this.hashLength = HASH_LENGTH[hash];
    this.zeros = new Uint8Array(this.hashLength);
  }

  static forSuite(provider: CryptoProvider, suite: CipherSuite, prefix: LabelPrefix = DTLS13_PREFIX): KeySchedule {
    return new KeySchedule(provider, suite.hash, prefix);
  }

  /** prefix + label, encoded once per label (the key schedule uses a dozen fixed labels). */
  private readonly labels = new Map<string, Uint8Array>();
  private labelBytes(label: string): Uint8Array {
    let b = this.labels.get(label);
    if (b === undefined) {
      b = enc.encode(this.prefix + label);
      if (this.labels.size < 64) this.labels.set(label, b); // exporter labels are caller-chosen: keep the map bounded
    }
    return b;
  }

  /** HkdfLabels with an empty context ("key", "iv", "sn", "finished", "traffic upd"): the same bytes in every
   *  handshake, built once per label (and rebuilt if the length differs). Never modified once built. */
  private readonly constInfo = new Map<string, Uint8Array>();

  /** HkdfLabel = uint16 length || opaque label<7..255> = prefix + label || opaque context<0..255>. */
  hkdfExpandLabel(secret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    if (context.length === 0) {
      const info = this.constInfo.get(label);
      if (info !== undefined && ((info[0]! << 8) | info[1]!) === length) return this.provider.hkdfExpand(this.hash, secret, info, length);
    }
    const full = this.labelBytes(label);
    if (full.length > 255 || context.length > 255 || length > 0xffff) throw new RangeError('HkdfLabel field too long');
    const info = new Uint8Array(2 + 1 + full.length + 1 + context.length);
    info[0] = length >>> 8;
    info[1] = length & 0xff;
    info[2] = full.length;
    info.set(full, 3);
    info[3 + full.length] = context.length;
    info.set(context, 4 + full.length);
    if (context.length === 0 && this.constInfo.size < 64) this.constInfo.set(label, info);
    return this.provider.hkdfExpand(this.hash, secret, info, length);
  }

  /** Derive-Secret(Secret, Label, Messages) with the transcript hash already computed. */
  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    return this.hkdfExpandLabel(secret, label, transcriptHash, this.hashLength);
  }

  /** Transcript-Hash of no messages, Hash(""). */
  emptyHash(): Uint8Array {
    if (!this.empty) this.empty = this.provider.hash(this.hash, new Uint8Array(0));
    return this.empty;
  }

  earlySecret(psk?: Uint8Array): Uint8Array {
    return this.provider.hkdfExtract(this.hash, this.zeros, psk ?? this.zeros);
  }
  binderKey(earlySecret: Uint8Array, kind: 'ext' | 'res'): Uint8Array {
    return this.deriveSecret(earlySecret, kind === 'ext' ? 'ext binder' : 'res binder', this.emptyHash());
  }
  clientEarlyTrafficSecret(earlySecret: Uint8Array, hashClientHello: Uint8Array): Uint8Array {
    return this.deriveSecret(earlySecret, 'c e traffic', hashClientHello);
  }
  earlyExporterMasterSecret(earlySecret: Uint8Array, hashClientHello: Uint8Array): Uint8Array {
    return this.deriveSecret(earlySecret, 'e exp master', hashClientHello);
  }
  /** Handshake Secret = HKDF-Extract(Derive-Secret(early, "derived", ""), (EC)DHE or zeros). */
  handshakeSecret(earlySecret: Uint8Array, ecdhe?: Uint8Array): Uint8Array {
    const salt = this.deriveSecret(earlySecret, 'derived', this.emptyHash());
    return this.provider.hkdfExtract(this.hash, salt, ecdhe ?? this.zeros);
  }
  handshakeTrafficSecrets(handshakeSecret: Uint8Array, hashToServerHello: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    return {
      client: this.deriveSecret(handshakeSecret, 'c hs traffic', hashToServerHello),
      server: this.deriveSecret(handshakeSecret, 's hs traffic', hashToServerHello),
    };
  }
  masterSecret(handshakeSecret: Uint8Array): Uint8Array {
    const salt = this.deriveSecret(handshakeSecret, 'derived', this.emptyHash());
    return this.provider.hkdfExtract(this.hash, salt, this.zeros);
  }
  applicationTrafficSecrets(masterSecret: Uint8Array, hashToServerFinished: Uint8Array): { client: Uint8Array; server: Uint8Array } {
    return {
      client: this.deriveSecret(masterSecret, 'c ap traffic', hashToServerFinished),
      server: this.deriveSecret(masterSecret, 's ap traffic', hashToServerFinished),
    };
  }
  exporterMasterSecret(masterSecret: Uint8Array, hashToServerFinished: Uint8Array): Uint8Array {
    return this.deriveSecret(masterSecret, 'exp master', hashToServerFinished);
  }
  resumptionMasterSecret(masterSecret: Uint8Array, hashToClientFinished: Uint8Array): Uint8Array {
    return this.deriveSecret(masterSecret, 'res master', hashToClientFinished);
  }
  /** PSK for a NewSessionTicket: HKDF-Expand-Label(res_master, "resumption", ticket_nonce, Hash.length). */
  resumptionPsk(resumptionMasterSecret: Uint8Array, ticketNonce: Uint8Array): Uint8Array {
    return this.hkdfExpandLabel(resumptionMasterSecret, 'resumption', ticketNonce, this.hashLength);
  }
  /** finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). Also used for PSK binders. */
  finishedKey(baseKey: Uint8Array): Uint8Array {
    return this.hkdfExpandLabel(baseKey, 'finished', EMPTY, this.hashLength);
  }
  /** verify_data = HMAC(finished_key, transcriptHash). */
  finishedVerifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    return this.provider.hmac(this.hash, this.finishedKey(baseKey), transcriptHash);
  }
  /** application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic upd", "", Hash.length). */
  nextTrafficSecret(secret: Uint8Array): Uint8Array {
    return this.hkdfExpandLabel(secret, 'traffic upd', EMPTY, this.hashLength);
  }
  /** TLS-Exporter(label, context, length) from an (early) exporter master secret (RFC 8446 7.5). */
  exporter(exporterMasterSecret: Uint8Array, label: string, context: Uint8Array, length: number): Uint8Array {
    const s = this.deriveSecret(exporterMasterSecret, label, this.emptyHash());
    return this.hkdfExpandLabel(s, 'exporter', this.provider.hash(this.hash, context), length);
  }
  /** write_key / write_iv / sn_key of one direction from its traffic secret. */
  epochKeys(secret: Uint8Array, suite: CipherSuite): EpochKeys {
    const none = EMPTY;
    return {
      suite,
      secret,
      key: this.hkdfExpandLabel(secret, 'key', none, suite.keyLength),
      iv: this.hkdfExpandLabel(secret, 'iv', none, suite.ivLength),
      snKey: this.hkdfExpandLabel(secret, 'sn', none, suite.keyLength),
    };
  }
}

/** Convenience: EpochKeys for `suite` from a traffic secret with the DTLS prefix (or another one). */
export function deriveEpochKeys(
  provider: CryptoProvider,
  suite: CipherSuite,
  secret: Uint8Array,
  prefix: LabelPrefix = DTLS13_PREFIX,
): EpochKeys {
  return new KeySchedule(provider, suite.hash, prefix).epochKeys(secret, suite);
}
