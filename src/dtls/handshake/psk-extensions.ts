// PSK extensions (RFC 8446 4.2.9-4.2.11) and the binder's truncated ClientHello (4.2.11.2). The client writes its
// pre_shared_key extension last, with zero binders of the right lengths, hashes the TLS-form ClientHello up to
// (not including) the binders list, then fills the binders in place. In DTLS the transcript (and so the binder
// hash) covers the TLS form of the message: type + uint24 length + body, without message_seq / fragment_offset /
// fragment_length (RFC 9147 5.2); the body includes DTLS's legacy_cookie. The length fields of the truncated
// message are those of the complete one.
import { AlertDescription } from './constants.ts';
import { AlertError, Reader, Writer } from './bytes.ts';
import type { Extension, PskIdentity } from './extensions.ts';

export const PskMode = { psk_ke: 0, psk_dhe_ke: 1 } as const;

/** OfferedPsks with zero-filled binders of the given lengths (filled later by `fillBinders`). */
export function encodeOfferedPsks(identities: readonly PskIdentity[], binderLengths: readonly number[]): Uint8Array {
  const w = new Writer(64);
  w.block(2, (w) => {
    for (const id of identities) w.vec(2, id.identity).u32(id.obfuscatedTicketAge >>> 0);
  });
  w.block(2, (w) => {
    for (const n of binderLengths) w.vec(1, new Uint8Array(n));
  });
  return w.finish();
}

/** Bytes the binders list occupies at the end of the ClientHello: uint16 length + (uint8 length + binder) each. */
export function bindersLength(binderLengths: readonly number[]): number {
  let n = 2;
  for (const b of binderLengths) n += 1 + b;
  return n;
}

/** The truncated ClientHello (a view): `message` without its trailing binders list. */
export function truncateClientHello(message: Uint8Array, binderLengths: readonly number[]): Uint8Array {
  const cut = bindersLength(binderLengths);
  if (cut > message.length) throw new AlertError(AlertDescription.decode_error, 'binders longer than ClientHello');
  return message.subarray(0, message.length - cut);
}

/** Writes `binders` into the trailing binders list of `message` (a ClientHello body or TLS-form message). */
export function fillBinders(message: Uint8Array, binders: readonly Uint8Array[]): void {
  let off = message.length - bindersLength(binders.map((b) => b.length)) + 2;
  for (const b of binders) {
    message[off] = b.length;
    message.set(b, off + 1);
    off += 1 + b.length;
  }
}

/** A ClientHello's pre_shared_key must be its last extension (RFC 8446 4.2.11): illegal_parameter otherwise. */
export function checkPskLast(exts: readonly Extension[], pskType: number): void {
  for (let i = 0; i < exts.length - 1; i++) {
    if (exts[i]!.type === pskType) throw new AlertError(AlertDescription.illegal_parameter, 'pre_shared_key not last');
  }
}

export const PreSharedKeyServer = {
  encode: (index: number): Uint8Array => Uint8Array.of(index >>> 8, index & 0xff),
};

export const EarlyDataExt = {
  /** Empty (ClientHello, EncryptedExtensions) or max_early_data_size (NewSessionTicket). */
  encode: (maxEarlyDataSize?: number): Uint8Array => {
    if (maxEarlyDataSize === undefined) return new Uint8Array(0);
    const w = new Writer(4);
    w.u32(maxEarlyDataSize >>> 0);
    return w.finish();
  },
};

/** uint32 read helper for callers outside the codec. */
export function readU32(data: Uint8Array): number {
  const r = new Reader(data);
  const v = r.u32();
  r.done('uint32');
  return v;
}
