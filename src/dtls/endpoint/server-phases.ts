// The server's handshake phases (./server.ts): one union member per phase, each holding what that phase has
// learnt (as ./client-phases.ts for the client).
import type { KxGroup, SignatureScheme, VerifyKey } from '../crypto/provider.ts';
import type { AwaitingClient } from './client-auth.ts';
import type { Negotiated } from './epochs.ts';

/** What the dispatcher learnt from a valid cookie: the synthetic transcript prefix and the HRR's choices. */
export interface HrrContext {
  prefix: Uint8Array[]; // message_hash(CH1), HelloRetryRequest (TLS form)
  suiteCode: number;
  group: KxGroup | undefined;
}

/** The server's handshake state, one member per phase. START: a ClientHello is being processed (`hrr`: the
 *  stateless HelloRetryRequest it answers, learnt from the cookie). WAIT_CH2: we sent a stateful HelloRetryRequest.
 *  WAIT_FINISHED: our flight is out; what the client's Finished must be, and what the 'connected' event reports. */
export type WaitFinished = {
  phase: 'wait_finished'; keys: Negotiated; expectedFinished: Uint8Array; group: KxGroup | 'none';
  scheme: SignatureScheme | 'psk'; helloRetry: boolean;
  /** The client's certificate chain (client authentication), or on resumption its leaf from the ticket. */
  peerChain?: Uint8Array[] | undefined;
  /** Resumption master secret (only when tickets are issued). */
  rms: Uint8Array | undefined;
  psk: { kind: 'external' | 'resumption'; earlyData: boolean | undefined } | undefined;
};
/** WAIT_CLIENT_CERT / WAIT_CLIENT_CV (we sent a CertificateRequest, ./client-auth.ts): the running transcript and
 *  what WAIT_FINISHED will hold. */
export type ToFinished = Omit<WaitFinished, 'phase' | 'expectedFinished'>;
export type ServerHs =
  | { phase: 'start'; hrr: HrrContext | undefined }
  | { phase: 'wait_ch2'; hrr: HrrContext }
  | { phase: 'wait_client_cert'; a: AwaitingClient; next: ToFinished }
  | { phase: 'wait_client_cv'; a: AwaitingClient; next: ToFinished; key: VerifyKey }
  | WaitFinished;
