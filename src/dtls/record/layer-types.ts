// The record layer's public types (./layer.ts): drop reasons, padding policies, seal options, opened records,
// events, options and the error thrown on API misuse.
import type { CryptoProvider } from '../crypto/provider.ts';
import type { HeaderForm } from './header.ts';

export type DropReason =
  | 'bad-header' // first byte not a DTLS 1.3 record, bad version, C bit without a negotiated CID, bad plaintext epoch
  | 'bad-cid' // CID present but not ours (the rest of the datagram is dropped too, RFC 9147 4)
  | 'unknown-epoch' // no read keys for the epoch bits (or plaintext refused)
  | 'too-short' // truncated header/record, or ciphertext < 16 bytes
  | 'too-large' // ciphertext > 2^14+256, plaintext > 2^14, or inner plaintext above our record_size_limit
  | 'auth-failed' // AEAD open failed
  | 'replay' // sequence number already authenticated in this epoch
  | 'too-old' // left of the replay window
  | 'bad-content-type'; // all-zero inner plaintext or unknown (inner or plaintext) content type

export const DROP_REASONS: readonly DropReason[] = [
  'bad-header', 'bad-cid', 'unknown-epoch', 'too-short', 'too-large', 'auth-failed', 'replay', 'too-old', 'bad-content-type',
];

export type PaddingPolicy =
  | { kind: 'none' }
  | { kind: 'multiple'; of: number } // pad DTLSInnerPlaintext to a multiple of `of` bytes
  | { kind: 'size'; to: number }; // pad DTLSInnerPlaintext up to `to` bytes (no padding if already larger)

export interface SealOptions {
  seqLength?: 1 | 2; // default: layer option `seqLength` (2)
  length?: boolean; // L bit; default true. Only the last record of a datagram may omit it.
  cid?: boolean; // include the write CID (default: whenever one is set)
  padding?: PaddingPolicy; // default: layer option `padding`
  /** Epoch 0 only: legacy_record_version (default 0xfefd; 0xfeff is allowed for an initial ClientHello). */
  version?: number;
  /** Force the sequence number (tests / vector replay only); the counter continues from max(counter, seq+1). */
  seq?: number;
}

export interface OpenedRecord {
  contentType: number;
  epoch: number;
  seq: number;
  payload: Uint8Array;
  encrypted: boolean;
  form: HeaderForm | undefined; // header layout (encrypted records)
  cid: Uint8Array | undefined;
  paddingLength: number;
}

export type RecordEvent =
  | { type: 'forgery-limit'; epoch: number; failures: number } // per-key auth failures reached the suite limit
  | { type: 'write-limit'; epoch: number; sealed: number }; // records sealed reached the confidentiality limit

export interface RecordLayerOptions {
  provider: CryptoProvider;
  replayWindow?: number; // per-epoch window size, default 64
  padding?: PaddingPolicy; // default { kind: 'none' }
  seqLength?: 1 | 2; // default 2
  /** Override the suite's forgery limit (tests). */
  forgeryLimit?: number;
  /** Override the suite's confidentiality (records sealed per key) limit (tests). */
  writeLimit?: number;
  onEvent?: (e: RecordEvent) => void;
  /** The provider's AEAD keys and record-number maskers: prepared on an epoch's first record and kept ('kept',
   *  default), or prepared for every record from the raw keys ('per-record': less memory per connection, more work
   *  per record; for connections idle most of the time). Records are byte-identical either way. */
  recordKeys?: 'kept' | 'per-record';
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
}
