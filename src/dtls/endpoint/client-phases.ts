// The client's handshake state (./client.ts): one member per phase, each holding exactly what that phase has
// learnt.
import type { KxGroup, KxKeyPair, SignatureScheme, TranscriptHash, VerifyKey } from '../crypto/provider.ts';
import type { CipherSuite } from '../crypto/suites.ts';
import type * as E from '../handshake/extensions.ts';
import type { CertRequest } from './client-auth.ts';
import type { Negotiated } from './epochs.ts';
import type { PskOffer } from './psk.ts';

/** WAIT_SH before any HelloRetryRequest: ClientHello1 in TLS form (hashed once the suite is known) and its
 *  extensions (ClientHello2 repeats them with a new key_share). */
export interface FirstHello {
  retried: false;
  ch1: Uint8Array;
  ch1Exts: E.Extension[];
}
/** WAIT_SH after a HelloRetryRequest: the transcript so far (message_hash(CH1), HRR, CH2) and the HRR's suite. */
export interface RetriedHello {
  retried: true;
  transcript: TranscriptHash;
  suite: CipherSuite;
}
export interface WaitSh {
  phase: 'wait_sh';
  /** The PSK offered (./psk.ts) and the 0-RTT data sent under it, if any. */
  offer: PskOffer | undefined;
  earlySent: Uint8Array | undefined;
  random: Uint8Array;
  shares: KxKeyPair[];
  /** Extension types of the latest ClientHello: the server may answer only those. */
  chExts: Set<number>;
  hello: FirstHello | RetriedHello;
}
/** What every phase after the ServerHello holds. */
export interface Keyed {
  random: Uint8Array;
  chExts: Set<number>;
  transcript: TranscriptHash;
  keys: Negotiated;
  group: KxGroup | 'none';
  hsSecret: Uint8Array;
  /** Client / server handshake traffic secrets (the Finished keys derive from them). */
  cHs: Uint8Array;
  sHs: Uint8Array;
  /** The PSK the server accepted (no certificate then), and the 0-RTT data still to confirm or resend. */
  psk: PskOffer | undefined;
  earlySent: Uint8Array | undefined;
}
export interface WaitEe { phase: 'wait_ee'; k: Keyed }
export interface WaitCertCr { phase: 'wait_cert_cr'; k: Keyed }
/** After a CertificateRequest: what it asked (our final flight answers it, ./client-auth.ts). */
export interface WaitCert { phase: 'wait_cert'; k: Keyed; certRequest: CertRequest }
export interface WaitCv { phase: 'wait_cv'; k: Keyed; certRequest: CertRequest | undefined; serverKey: VerifyKey }
export interface WaitFinished { phase: 'wait_finished'; k: Keyed; certRequest: CertRequest | undefined; scheme: SignatureScheme | 'psk'; earlyAccepted: boolean }
/** The client's handshake state, one member per phase. */
export type ClientHs = WaitSh | WaitEe | WaitCertCr | WaitCert | WaitCv | WaitFinished;

/** The extension types of a ClientHello (`WaitSh.chExts`: the server may answer only those). */
export function extensionTypes(exts: E.Extension[]): Set<number> {
  return new Set(exts.map((e) => e.type));
}
