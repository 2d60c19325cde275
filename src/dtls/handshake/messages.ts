// Handshake message codec (RFC 8446 4, RFC 9147 5.2-5.3, 7, 9). Pure functions from bytes to plain objects
// and back; no state. Decoders throw AlertError (decode_error / illegal_parameter) and nothing else.
import { AlertDescription, DTLS12, HRR_RANDOM, HandshakeType } from './constants.ts';
import { AlertError, Reader, Writer, bytesEqual, decodeError } from './bytes.ts';
import { type Extension, readExtensions, writeExtensions } from './extensions.ts';

export interface ClientHello {
  legacyVersion: number;
  random: Uint8Array;
  legacySessionId: Uint8Array;
  legacyCookie: Uint8Array;
  cipherSuites: number[];
  compressionMethods: Uint8Array;
  extensions: Extension[];
}

/** ServerHello and HelloRetryRequest share one structure; isHrr tells them apart (random == HRR_RANDOM). */
export interface ServerHello {
  legacyVersion: number;
  random: Uint8Array;
  legacySessionIdEcho: Uint8Array;
  cipherSuite: number;
  compressionMethod: number;
  extensions: Extension[];
  isHrr: boolean;
}

export interface CertificateEntry {
  data: Uint8Array;
  extensions: Extension[];
}
export interface CertificateMsg {
  context: Uint8Array;
  entries: CertificateEntry[];
}
export interface CertificateVerifyMsg {
  scheme: number;
  signature: Uint8Array;
}
export interface NewSessionTicketMsg {
  lifetime: number;
  ageAdd: number;
  nonce: Uint8Array;
  ticket: Uint8Array;
  extensions: Extension[];
}
export interface CertificateRequestMsg {
  context: Uint8Array;
  extensions: Extension[];
}
export interface NewConnectionIdMsg {
  cids: Uint8Array[];
  usage: number;
}

export interface RecordNumber {
  epoch: number;
  seq: number;
}

// ---- ClientHello ----
export function encodeClientHello(m: ClientHello): Uint8Array {
  const w = new Writer(512);
  w.u16(m.legacyVersion).bytes(m.random).vec(1, m.legacySessionId).vec(1, m.legacyCookie);
  w.block(2, (w) => { for (const s of m.cipherSuites) w.u16(s); });
  w.vec(1, m.compressionMethods);
  writeExtensions(w, m.extensions);
  return w.finish();
}
export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new Reader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const legacySessionId = r.vec(1, 0, 32);
  const legacyCookie = r.vec(1, 0, 255);
  const sr = r.sub(2, 2, 0xfffe);
  if (sr.remaining % 2 !== 0) throw decodeError('odd cipher_suites length');
  const cipherSuites: number[] = [];
  while (sr.remaining > 0) cipherSuites.push(sr.u16());
  const compressionMethods = r.vec(1, 1, 255);
  // RFC 8446 4.1.2: extensions<8..2^16-1>; a DTLS 1.3 ClientHello always has some.
  const extensions = r.remaining === 0 ? [] : readExtensions(r, 0);
  r.done('ClientHello');
  return { legacyVersion, random, legacySessionId, legacyCookie, cipherSuites, compressionMethods, extensions };
}

// ---- ServerHello / HelloRetryRequest ----
export function encodeServerHello(m: Omit<ServerHello, 'isHrr' | 'legacyVersion'> & { legacyVersion?: number }): Uint8Array {
  const w = new Writer(256);
  w.u16(m.legacyVersion ?? DTLS12).bytes(m.random).vec(1, m.legacySessionIdEcho).u16(m.cipherSuite).u8(m.compressionMethod);
  writeExtensions(w, m.extensions);
  return w.finish();
}
export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new Reader(body);
  const legacyVersion = r.u16();
  const random = r.bytes(32);
  const legacySessionIdEcho = r.vec(1, 0, 32);
  const cipherSuite = r.u16();
  const compressionMethod = r.u8();
  const extensions = readExtensions(r, 0);
  r.done('ServerHello');
  return {
    legacyVersion, random, legacySessionIdEcho, cipherSuite, compressionMethod, extensions,
    isHrr: bytesEqual(random, HRR_RANDOM),
  };
}

// ---- EncryptedExtensions ----
export function encodeEncryptedExtensions(exts: readonly Extension[]): Uint8Array {
  const w = new Writer(64);
  writeExtensions(w, exts);
  return w.finish();
}
export function decodeEncryptedExtensions(body: Uint8Array): Extension[] {
  const r = new Reader(body);
  const e = readExtensions(r, 0);
  r.done('EncryptedExtensions');
  return e;
}

// ---- CertificateRequest (RFC 8446 4.3.2) ----
export function encodeCertificateRequest(m: CertificateRequestMsg): Uint8Array {
  const w = new Writer(64);
  w.vec(1, m.context);
  writeExtensions(w, m.extensions);
  return w.finish();
}
export function decodeCertificateRequest(body: Uint8Array): CertificateRequestMsg {
  const r = new Reader(body);
  const context = r.vec(1);
  const extensions = readExtensions(r, 2);
  r.done('CertificateRequest');
  return { context, extensions };
}

// ---- Certificate ----
export function encodeCertificate(m: CertificateMsg): Uint8Array {
  const w = new Writer(2048);
  w.vec(1, m.context);
  w.block(3, (w) => {
    for (const e of m.entries) {
      w.vec(3, e.data);
      writeExtensions(w, e.extensions);
    }
  });
  return w.finish();
}
export function decodeCertificate(body: Uint8Array): CertificateMsg {
  const r = new Reader(body);
  const context = r.vec(1);
  const lr = r.sub(3);
  r.done('Certificate');
  const entries: CertificateEntry[] = [];
  while (lr.remaining > 0) {
    const data = lr.vec(3, 1, 0xffffff);
    const extensions = readExtensions(lr, 0);
    entries.push({ data, extensions });
  }
  return { context, entries };
}

// ---- CertificateVerify ----
export function encodeCertificateVerify(m: CertificateVerifyMsg): Uint8Array {
  return new Writer(m.signature.length + 4).u16(m.scheme).vec(2, m.signature).finish();
}
export function decodeCertificateVerify(body: Uint8Array): CertificateVerifyMsg {
  const r = new Reader(body);
  const scheme = r.u16();
  const signature = r.vec(2);
  r.done('CertificateVerify');
  return { scheme, signature };
}

// ---- Finished: the body is verify_data; its length is checked by the state logic (Hash.length). ----

// ---- NewSessionTicket ----
export function encodeNewSessionTicket(m: NewSessionTicketMsg): Uint8Array {
  const w = new Writer(128);
  w.u32(m.lifetime).u32(m.ageAdd).vec(1, m.nonce).vec(2, m.ticket);
  writeExtensions(w, m.extensions);
  return w.finish();
}
export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicketMsg {
  const r = new Reader(body);
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vec(1);
  const ticket = r.vec(2, 1, 0xffff);
  const extensions = readExtensions(r, 0);
  r.done('NewSessionTicket');
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

// ---- KeyUpdate ----
export function encodeKeyUpdate(requestUpdate: boolean): Uint8Array {
  return Uint8Array.of(requestUpdate ? 1 : 0);
}
export function decodeKeyUpdate(body: Uint8Array): boolean {
  const r = new Reader(body);
  const v = r.u8();
  r.done('KeyUpdate');
  if (v > 1) throw new AlertError(AlertDescription.illegal_parameter, `KeyUpdate request_update=${v}`);
  return v === 1;
}

// ---- NewConnectionId / RequestConnectionId (RFC 9147 9) ----
export function decodeNewConnectionId(body: Uint8Array): NewConnectionIdMsg {
  const r = new Reader(body);
  const lr = r.sub(2);
  const cids: Uint8Array[] = [];
  while (lr.remaining > 0) cids.push(lr.vec(1));
  const usage = r.u8();
  r.done('NewConnectionId');
  return { cids, usage };
}
export function decodeRequestConnectionId(body: Uint8Array): number {
  const r = new Reader(body);
  const n = r.u8();
  r.done('RequestConnectionId');
  return n;
}

// ---- DTLS handshake fragments (RFC 9147 5.2) ----
export const DTLS_HS_HEADER = 12;
export interface HandshakeFragment {
  msgType: number;
  length: number;
  messageSeq: number;
  fragmentOffset: number;
  fragment: Uint8Array;
}

export function writeFragment(w: Writer, msgType: number, length: number, seq: number, offset: number,
  frag: Uint8Array): void {
  w.u8(msgType).u24(length).u16(seq).u24(offset).u24(frag.length).bytes(frag);
}

/** Splits one record's handshake payload into fragments. Throws decode_error on any inconsistency. */
export function decodeFragments(payload: Uint8Array): HandshakeFragment[] {
  const r = new Reader(payload);
  const out: HandshakeFragment[] = [];
  if (payload.length === 0) throw decodeError('empty handshake record');
  while (r.remaining > 0) {
    const msgType = r.u8();
    const length = r.u24();
    const messageSeq = r.u16();
    const fragmentOffset = r.u24();
    const fragLen = r.u24();
    if (fragmentOffset + fragLen > length) throw decodeError('fragment beyond message length');
    const fragment = r.bytes(fragLen);
    out.push({ msgType, length, messageSeq, fragmentOffset, fragment });
  }
  return out;
}

/** The TLS 1.3 form used in the transcript: type(1) + uint24 length + body (RFC 9147 5.2). */
export function tlsMessage(msgType: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  out[0] = msgType;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out;
}

let tlsScratch = new Uint8Array(4096);
/**
 * tlsMessage into a shared scratch buffer: the result is a view that the next call overwrites. Only for bytes that
 * are consumed at once (a transcript update, a one-shot hash), which saves a copy and an allocation per message.
 */
export function tlsMessageTransient(msgType: number, body: Uint8Array): Uint8Array {
  const n = 4 + body.length;
  if (n > tlsScratch.length) tlsScratch = new Uint8Array(Math.max(n, 2 * tlsScratch.length));
  const out = tlsScratch;
  out[0] = msgType;
  out[1] = body.length >>> 16;
  out[2] = (body.length >>> 8) & 0xff;
  out[3] = body.length & 0xff;
  out.set(body, 4);
  return out.subarray(0, n);
}

/** RFC 8446 4.4.1: message_hash synthetic message replacing ClientHello1 after a HelloRetryRequest. */
export function messageHash(hashOfCh1: Uint8Array): Uint8Array {
  return tlsMessage(HandshakeType.message_hash, hashOfCh1);
}

// ---- ACK (RFC 9147 7) ----
export function encodeAck(records: readonly RecordNumber[]): Uint8Array {
  const w = new Writer(2 + 16 * records.length);
  w.u16(16 * records.length);
  for (const rn of records) w.u64(rn.epoch).u64(rn.seq);
  return w.finish();
}
export function decodeAck(payload: Uint8Array): RecordNumber[] {
  const r = new Reader(payload);
  const lr = r.sub(2);
  r.done('ACK');
  if (lr.remaining % 16 !== 0) throw decodeError('ACK length not a multiple of 16');
  const out: RecordNumber[] = [];
  while (lr.remaining > 0) out.push({ epoch: lr.u64(), seq: lr.u64() });
  return out;
}

// ---- Alert ----
export function encodeAlert(level: number, description: number): Uint8Array {
  return Uint8Array.of(level, description);
}
export function decodeAlert(payload: Uint8Array): { level: number; description: number } {
  const r = new Reader(payload);
  const level = r.u8();
  const description = r.u8();
  r.done('Alert');
  return { level, description };
}
