// Helpers of the record layer (./layer.ts): record buffers, inner-plaintext trailers, padding, datagrams, and the
// short ascending list of epoch states.
import { ContentType, DTLS_PLAINTEXT_HEADER_LENGTH, MAX_PLAINTEXT, MAX_SEQ, writePlaintextHeader } from './header.ts';
import type { PaddingPolicy } from './layer.ts';
import { RecordError } from './layer-types.ts';

export const TYPE_BYTE: Record<number, Uint8Array> = {
  [ContentType.alert]: Uint8Array.of(ContentType.alert),
  [ContentType.handshake]: Uint8Array.of(ContentType.handshake),
  [ContentType.applicationData]: Uint8Array.of(ContentType.applicationData),
  [ContentType.ack]: Uint8Array.of(ContentType.ack),
};
export function trailer(contentType: number, len: number): Uint8Array {
  const t = new Uint8Array(len);
  t[0] = contentType;
  return t;
}

export function padLength(p: PaddingPolicy, inner: number, limit: number): number {
  let target = inner;
  if (p.kind === 'multiple' && p.of > 1) target = Math.ceil(inner / p.of) * p.of;
  else if (p.kind === 'size') target = Math.max(inner, p.to);
  return Math.min(target, Math.max(limit, inner)) - inner;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Concatenate sealed records into one datagram. */
export function concatRecords(records: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const r of records) n += r.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const r of records) { out.set(r, o); o += r.length; }
  return out;
}

/** A key epoch a layer can install: 1 .. 2^48 - 1 (epoch 0 is plaintext and has no keys). */
export function checkEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 1 || epoch > MAX_SEQ) throw new RecordError(`bad epoch ${epoch}`);
}

export function findEpoch<T extends { epoch: number }>(list: readonly T[], epoch: number): T | undefined {
  for (let i = 0; i < list.length; i++) if (list[i]!.epoch === epoch) return list[i];
  return undefined;
}

/** `list` with `st` in place of any state of the same epoch, ascending by epoch, as a new array of exact length
 *  (concat and slice allocate exactly; push and filter leave room to grow, about 100 bytes per array in V8). */
export function withEpoch<T extends { epoch: number }>(list: readonly T[], st: T): T[] {
  // insertion into the (short, ascending) list; no filter/concat/sort temporaries
  let n = 0;
  for (const s of list) if (s.epoch !== st.epoch) n++;
  const out = new Array<T>(n + 1);
  let j = 0;
  let placed = false;
  for (const s of list) {
    if (s.epoch === st.epoch) continue;
    if (!placed && st.epoch < s.epoch) { out[j++] = st; placed = true; }
    out[j++] = s;
  }
  if (!placed) out[j] = st;
  return out;
}

/** An epoch-0 DTLSPlaintext record carrying `payload` with sequence number `seq`. Throws RecordError on misuse. */
export function plaintextRecord(contentType: number, payload: Uint8Array, seq: number, version: number): Uint8Array {
  if (contentType !== ContentType.alert && contentType !== ContentType.handshake && contentType !== ContentType.ack) {
    throw new RecordError(`content type ${contentType} cannot be sent in epoch 0`);
  }
  if (payload.length > MAX_PLAINTEXT) throw new RecordError('plaintext record above 2^14');
  if (seq > MAX_SEQ) throw new RecordError('sequence number space exhausted');
  const out = new Uint8Array(DTLS_PLAINTEXT_HEADER_LENGTH + payload.length);
  writePlaintextHeader(out, 0, contentType, version, 0, seq, payload.length);
  out.set(payload, DTLS_PLAINTEXT_HEADER_LENGTH);
  return out;
}
