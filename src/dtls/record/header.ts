// DTLS 1.3 record headers (RFC 9147 4, 4.1): DTLSPlaintext (13 bytes) and the unified DTLSCiphertext header
//   0 0 1 C S L E E | connection_id (negotiated length, if C) | seq (8 bits, or 16 if S) | length (16, if L)
// plus a key-less splitter (`splitDatagram`) that finds record boundaries, e.g. for a server dispatcher that routes
// by CID before any keys exist (`peekCid`).

export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  ack: 26,
} as const;

export const DTLS_PLAINTEXT_HEADER_LENGTH = 13;
/** Largest plaintext fragment (RFC 8446 5.1). */
export const MAX_PLAINTEXT = 2 ** 14;
/** Largest DTLSInnerPlaintext (content + type + padding), RFC 8446 5.4 / RFC 8449 4. */
export const MAX_INNER_PLAINTEXT = 2 ** 14 + 1;
/** Largest encrypted_record (RFC 8446 5.2). */
export const MAX_CIPHERTEXT = 2 ** 14 + 256;
/** Largest sequence number a sender may use (RFC 9147 4.2.1: 48-bit on the wire of DTLSPlaintext). */
export const MAX_SEQ = 2 ** 48 - 1;
export const DTLS_VERSION_12 = 0xfefd; // legacy_record_version {254,253}
export const DTLS_VERSION_10 = 0xfeff; // allowed in an initial ClientHello

/** Unified header layout choices for one record. */
export interface HeaderForm {
  readonly cid: boolean; // C bit: connection ID present
  readonly seqLength: 1 | 2; // S bit: 16-bit sequence number
  readonly length: boolean; // L bit: 16-bit length present (must be true except for the last record of a datagram)
}

const FORMS: HeaderForm[] = [];
for (let i = 0; i < 8; i++) {
  FORMS.push(Object.freeze({ cid: (i & 4) !== 0, seqLength: (i & 2) !== 0 ? 2 : 1, length: (i & 1) !== 0 }));
}
/** Interned (frozen) HeaderForm for a first byte. */
export function formOf(firstByte: number): HeaderForm {
  return FORMS[((firstByte & 0x10) >> 2) | ((firstByte & 0x08) >> 2) | ((firstByte & 0x04) >> 2)]!;
}

export function unifiedHeaderLength(form: HeaderForm, cidLength: number): number {
  return 1 + (form.cid ? cidLength : 0) + form.seqLength + (form.length ? 2 : 0);
}

export function firstByteOf(form: HeaderForm, epoch: number): number {
  return 0x20 | (form.cid ? 0x10 : 0) | (form.seqLength === 2 ? 0x08 : 0) | (form.length ? 0x04 : 0) | (epoch & 3);
}

/** A record found in a datagram without decrypting it. Offsets are into the datagram. */
export interface RawRecord {
  readonly kind: 'plaintext' | 'ciphertext';
  readonly offset: number;
  readonly headerLength: number;
  readonly end: number; // offset of the next record
  /** DTLSPlaintext: content type; DTLSCiphertext: the first header byte. */
  readonly typeOrFirstByte: number;
  /** DTLSPlaintext: full epoch; DTLSCiphertext: the two low bits. */
  readonly epochBits: number;
  readonly cid: Uint8Array | undefined;
}

export type SplitError = 'bad-header' | 'too-short';

/**
 * Split a datagram into records using only the headers. `cidLength` = length of the CID records to us carry
 * (0 if none was negotiated; a C bit then makes the header invalid). Stops at the first undecodable header and
 * reports it in `error` (the rest of the datagram cannot be framed).
 */
export function splitDatagram(datagram: Uint8Array, cidLength: number): { records: RawRecord[]; error?: SplitError } {
  const records: RawRecord[] = [];
  let off = 0;
  const n = datagram.length;
  while (off < n) {
    const b = datagram[off]!;
    if (b === ContentType.alert || b === ContentType.handshake || b === ContentType.ack) {
      if (off + DTLS_PLAINTEXT_HEADER_LENGTH > n) return { records, error: 'too-short' };
      const len = (datagram[off + 11]! << 8) | datagram[off + 12]!;
      const end = off + DTLS_PLAINTEXT_HEADER_LENGTH + len;
      if (end > n) return { records, error: 'too-short' };
      const epoch = (datagram[off + 3]! << 8) | datagram[off + 4]!;
      records.push({ kind: 'plaintext', offset: off, headerLength: 13, end, typeOrFirstByte: b, epochBits: epoch, cid: undefined });
      off = end;
    } else if ((b & 0xe0) === 0x20) {
      const form = formOf(b);
      if (form.cid && cidLength === 0) return { records, error: 'bad-header' };
      const hl = unifiedHeaderLength(form, cidLength);
      if (off + hl > n) return { records, error: 'too-short' };
      const end = form.length ? off + hl + ((datagram[off + hl - 2]! << 8) | datagram[off + hl - 1]!) : n;
      if (end > n) return { records, error: 'too-short' };
      const cid = form.cid ? datagram.subarray(off + 1, off + 1 + cidLength) : undefined;
      records.push({ kind: 'ciphertext', offset: off, headerLength: hl, end, typeOrFirstByte: b, epochBits: b & 3, cid });
      off = end;
    } else {
      return { records, error: 'bad-header' };
    }
  }
  return { records };
}

/** CID of the first DTLSCiphertext record that carries one, or undefined. Never throws. */
export function peekCid(datagram: Uint8Array, cidLength: number): Uint8Array | undefined {
  if (cidLength === 0) return undefined;
  for (const r of splitDatagram(datagram, cidLength).records) if (r.cid) return r.cid;
  return undefined;
}

/** Encode a DTLSPlaintext header into out[off..off+13). */
export function writePlaintextHeader(
  out: Uint8Array,
  off: number,
  contentType: number,
  version: number,
  epoch: number,
  seq: number,
  length: number,
): void {
  out[off] = contentType;
  out[off + 1] = version >>> 8;
  out[off + 2] = version & 0xff;
  out[off + 3] = (epoch >>> 8) & 0xff;
  out[off + 4] = epoch & 0xff;
  const hi = Math.floor(seq / 0x100000000);
  out[off + 5] = (hi >>> 8) & 0xff;
  out[off + 6] = hi & 0xff;
  out[off + 7] = (seq >>> 24) & 0xff;
  out[off + 8] = (seq >>> 16) & 0xff;
  out[off + 9] = (seq >>> 8) & 0xff;
  out[off + 10] = seq & 0xff;
  out[off + 11] = length >>> 8;
  out[off + 12] = length & 0xff;
}

/** 48-bit sequence number of a DTLSPlaintext header at `off`. */
export function readPlaintextSeq(b: Uint8Array, off: number): number {
  return ((b[off + 5]! << 8) | b[off + 6]!) * 0x100000000 + (((b[off + 7]! << 24) | (b[off + 8]! << 16) | (b[off + 9]! << 8) | b[off + 10]!) >>> 0);
}

/**
 * Full sequence number from its low `bits` bits: the candidate numerically closest to `expected`
 * (= highest authenticated + 1), RFC 9147 4.2.2. Never negative.
 */
export function reconstructSeq(expected: number, low: number, bits: 8 | 16): number {
  const m = bits === 8 ? 256 : 65536;
  const c = expected - (expected % m) + low;
  let best = c;
  let bestD = Math.abs(c - expected);
  if (c - m >= 0 && Math.abs(c - m - expected) < bestD) {
    best = c - m;
    bestD = Math.abs(best - expected);
  }
  if (c + m <= MAX_SEQ && Math.abs(c + m - expected) < bestD) best = c + m;
  return best;
}
