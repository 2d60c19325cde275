// RecordLayer: the per-connection DTLS 1.3 record layer (RFC 9147 4), sans-IO and clock-free.
//
//   const rl = new RecordLayer({ provider, replayWindow: 64, padding: { kind: 'none' } });
//   rl.installWriteKeys(2, keys); rl.installReadKeys(2, peerKeys);        // EpochKeys from keyschedule.ts
//   rl.setCid({ read: ourCid, write: peerCid });                           // RFC 9146 (optional)
//   rl.setRecordSizeLimit({ write: peerLimit, read: ourLimit });            // RFC 8449 (optional)
//   const rec = rl.seal(ContentType.handshake, 2, msg, { seqLength: 2, length: true, padding }); // one record
//   const datagram = concatRecords([rec1, rec2]);                           // several records per datagram
//   for (const r of rl.open(datagram)) { r.contentType; r.epoch; r.seq; r.payload; }   // never throws
//   rl.openEach(datagram, (r) => { ...install keys...; return true; });   // record by record, keys apply at once
//   rl.drops['auth-failed']; rl.forgeryLimitReached; rl.nextWriteSeq(3);
//
// - Epoch 0 is DTLSPlaintext (13-byte header) and needs no keys; other epochs use the unified header, AEAD nonce =
//   iv XOR 64-bit seq, AAD = header as sent with the plaintext sequence bits, then record-number encryption.
// - Received records: epoch chosen as the highest installed read epoch whose low two bits match; sequence number
//   reconstructed closest to highest+1 of that epoch; per-epoch replay window checked before and updated only after
//   authentication. Epoch-0 records are delivered without replay filtering (they cannot be authenticated; the
//   handshake layer deduplicates by message_seq). Set `acceptPlaintext = false` to refuse them after the handshake.
// - Invalid records are dropped and counted in `drops` by reason, never thrown. API misuse on the send side (no keys
//   for the epoch, payload over the limit, sequence space exhausted) throws RecordError.
// - Payloads of epoch-0 records are views into the datagram; decrypted ones are views of the AEAD's output, with CCM
//   in Node's shared pool (../crypto/alloc.ts): copy what you keep (the endpoints' reassembly copies every message).
// Types and options: ./layer-types.ts (re-exported here); per-epoch keys and counters: ./epoch-state.ts.
import type { CryptoProvider } from '../crypto/provider.ts';
import { allocBytes } from '../crypto/alloc.ts';
import { bytesEqual, checkEpoch, findEpoch, padLength, plaintextRecord, trailer, TYPE_BYTE, withEpoch } from './layer-bytes.ts';
import type { EpochKeys } from '../keyschedule.ts';
import {
  ContentType,
  DTLS_PLAINTEXT_HEADER_LENGTH,
  DTLS_VERSION_12,
  DTLS_VERSION_10,
  MAX_CIPHERTEXT,
  MAX_INNER_PLAINTEXT,
  MAX_PLAINTEXT,
  MAX_SEQ,
  firstByteOf,
  formOf,
  readPlaintextSeq,
  reconstructSeq,
  unifiedHeaderLength,
  type HeaderForm,
} from './header.ts';
import { ReplayWindow } from './replay.ts';
import { EpochState, NO_WINDOW } from './epoch-state.ts';
import type { LayerFields } from './layer-state.ts';
import {
  DROP_REASONS, RecordError, type DropReason, type OpenedRecord, type PaddingPolicy, type RecordEvent, type RecordLayerOptions, type SealOptions,
} from './layer-types.ts';

export {
  DROP_REASONS, RecordError, type DropReason, type OpenedRecord, type PaddingPolicy, type RecordEvent, type RecordLayerOptions,
  type SealOptions,
} from './layer-types.ts';
export { concatRecords } from './layer-bytes.ts';

const MAX_HEADER = 1 + 255 + 2 + 2;
// Local copies of hot constants (no cross-module binding lookups on the record path).
const CT_ALERT = ContentType.alert, CT_HANDSHAKE = ContentType.handshake, CT_ACK = ContentType.ack;
const MAX_CT = MAX_CIPHERTEXT;
const PT_HDR = DTLS_PLAINTEXT_HEADER_LENGTH;
const INNER_TYPES = new Set<number>([ContentType.alert, ContentType.handshake, ContentType.applicationData, ContentType.ack]);

/** AAD scratch shared by every record layer: filled and consumed inside one synchronous seal or open call (the
 *  AEAD copies what it needs). */
const AAD = new Uint8Array(MAX_HEADER);

/** Default padding policy, shared (policies are never mutated). */
const NO_PADDING: PaddingPolicy = { kind: 'none' };

export class RecordLayer {
  readonly provider: CryptoProvider;
  /** Drop counters by reason. */
  readonly drops: Record<DropReason, number>;
  /** Accept epoch-0 DTLSPlaintext records (default true). */
  acceptPlaintext = true;
  /** True once any read key reached its AEAD forgery limit (RFC 9147 4.5.3): close or rekey. */
  forgeryLimitReached = false;
  /** Records that failed authentication, all epochs. */
  authFailures = 0;
  recordsOpened = 0;
  recordsSealed = 0;
  padding: PaddingPolicy;
  seqLength: 1 | 2;

  private readonly windowSize: number;
  private readonly perRecordKeys: boolean;
  private readonly forgeryOverride: number | undefined;
  private readonly writeLimitOverride: number | undefined;
  private readonly onEvent: ((e: RecordEvent) => void) | undefined;
  /** Installed read / write epochs, ascending by epoch. Rarely more than two: copied on change so each array is
   *  exactly as long as its content (a connection keeps them for its whole life). */
  private reads: EpochState[] = [];
  private writes: EpochState[] = [];
  private plainWriteSeq = 0;
  private readCid: Uint8Array | undefined;
  private writeCid: Uint8Array | undefined;
  private writeInnerLimit = MAX_INNER_PLAINTEXT;
  private readInnerLimit = MAX_INNER_PLAINTEXT;

  constructor(opts: RecordLayerOptions) {
    this.provider = opts.provider;
    this.windowSize = opts.replayWindow ?? 64;
    this.perRecordKeys = opts.recordKeys === 'per-record';
    this.padding = opts.padding ?? NO_PADDING;
    this.seqLength = opts.seqLength ?? 2;
    this.forgeryOverride = opts.forgeryLimit;
    this.writeLimitOverride = opts.writeLimit;
    this.onEvent = opts.onEvent;
    // a literal (one per connection): Object.fromEntries over DROP_REASONS cost ~0.5 us per layer
    this.drops = {
      'bad-header': 0, 'bad-cid': 0, 'unknown-epoch': 0, 'too-short': 0, 'too-large': 0, 'auth-failed': 0, replay: 0,
      'too-old': 0, 'bad-content-type': 0,
    };
  }

  /** Total dropped records (sum of `drops`). */
  get dropped(): number {
    let s = 0;
    for (const r of DROP_REASONS) s += this.drops[r];
    return s;
  }

  // ---- keys and connection parameters ----

  installReadKeys(epoch: number, keys: EpochKeys): void {
    checkEpoch(epoch);
    const st = EpochState.fromKeys(this.provider, epoch, keys, new ReplayWindow(this.windowSize), this.perRecordKeys);
    this.reads = withEpoch(this.reads, st);
  }
  installWriteKeys(epoch: number, keys: EpochKeys): void {
    checkEpoch(epoch);
    this.writes = withEpoch(this.writes, EpochState.fromKeys(this.provider, epoch, keys, NO_WINDOW, this.perRecordKeys));
  }
  dropReadEpoch(epoch: number): void {
    if (findEpoch(this.reads, epoch)) this.reads = this.reads.filter((s) => s.epoch !== epoch).slice(); // exact length
  }
  dropWriteEpoch(epoch: number): void {
    if (findEpoch(this.writes, epoch)) this.writes = this.writes.filter((s) => s.epoch !== epoch).slice();
  }
  hasReadEpoch(epoch: number): boolean {
    return epoch === 0 ? this.acceptPlaintext : findEpoch(this.reads, epoch) !== undefined;
  }
  hasWriteEpoch(epoch: number): boolean {
    return epoch === 0 || findEpoch(this.writes, epoch) !== undefined;
  }
  readEpochs(): number[] {
    return this.reads.map((s) => s.epoch);
  }
  /** `read`: the CID peers put in records to us (its length frames incoming headers); `write`: the peer's CID. Both
   *  are copied, except a read CID the caller hands over (`readOwned`: it never changes it), so that an idle
   *  connection holds one array per CID, not two. */
  setCid(c: { read?: Uint8Array | null; write?: Uint8Array | null; readOwned?: boolean }): void {
    if (c.read !== undefined) this.readCid = c.read && c.read.length > 0 ? (c.readOwned === true ? c.read : c.read.slice()) : undefined;
    if (c.write !== undefined) this.writeCid = c.write && c.write.length > 0 ? c.write.slice() : undefined;
    if ((this.readCid?.length ?? 0) > 255 || (this.writeCid?.length ?? 0) > 255) throw new RecordError('CID longer than 255');
  }
  get readCidLength(): number {
    return this.readCid?.length ?? 0;
  }
  /** The layer's copy of the peer's CID (what setCid({ write }) set), or undefined. */
  get peerCid(): Uint8Array | undefined {
    return this.writeCid;
  }
  /**
   * RFC 8449 record_size_limit values (they bound DTLSInnerPlaintext = content + type + padding in (D)TLS 1.3):
   * `write` = the peer's advertised limit, `read` = ours. Range 64 .. 2^14+1.
   */
  setRecordSizeLimit(l: { write?: number; read?: number }): void {
    const chk = (v: number) => {
      if (!Number.isInteger(v) || v < 64) throw new RecordError('record_size_limit below 64');
      return Math.min(v, MAX_INNER_PLAINTEXT);
    };
    if (l.write !== undefined) this.writeInnerLimit = chk(l.write);
    if (l.read !== undefined) this.readInnerLimit = chk(l.read);
  }
  /** Largest payload `seal` accepts for an encrypted epoch (before padding). */
  get maxPayload(): number {
    return this.writeInnerLimit - 1;
  }
  /** Bytes a sealed record adds around `payload` bytes (header + type + tag; no padding; an epoch without write
   *  keys yet is assumed to use a 16-byte tag). */
  overhead(epoch: number, opts?: SealOptions): number {
    if (epoch === 0) return DTLS_PLAINTEXT_HEADER_LENGTH;
    const form = this.formFor(opts);
    return unifiedHeaderLength(form, this.writeCid?.length ?? 0) + 1 + (findEpoch(this.writes, epoch)?.suite.tagLength ?? 16);
  }
  /** Sequence number the next record sealed in `epoch` will carry. */
  nextWriteSeq(epoch: number): number {
    if (epoch === 0) return this.plainWriteSeq;
    const st = findEpoch(this.writes, epoch);
    if (!st) throw new RecordError(`no write keys for epoch ${epoch}`);
    return st.nextSeq;
  }
  /** Highest authenticated sequence number of a read epoch (-1 if none yet / unknown epoch). */
  highestReadSeq(epoch: number): number {
    return findEpoch(this.reads, epoch)?.window.highest ?? -1;
  }
  /** Records that failed authentication under the read keys of `epoch`. */
  epochAuthFailures(epoch: number): number {
    return findEpoch(this.reads, epoch)?.failures ?? 0;
  }
  /** Records sealed under the write keys of `epoch`. */
  epochSealed(epoch: number): number {
    return findEpoch(this.writes, epoch)?.sealed ?? 0;
  }

  /** Dormant connections (./layer-state.ts): the private state as one object, and its restoration into a layer
   *  built with the same options. */
  saveFields(): LayerFields {
    return {
      reads: this.reads, writes: this.writes, plainWriteSeq: this.plainWriteSeq, readCid: this.readCid, writeCid: this.writeCid,
      writeInnerLimit: this.writeInnerLimit, readInnerLimit: this.readInnerLimit, windowSize: this.windowSize, perRecordKeys: this.perRecordKeys,
    };
  }
  loadFields(f: LayerFields): void {
    if (f.windowSize !== this.windowSize || f.perRecordKeys !== this.perRecordKeys) throw new RecordError('layer options differ from the packed state');
    this.reads = f.reads;
    this.writes = f.writes;
    this.plainWriteSeq = f.plainWriteSeq;
    this.readCid = f.readCid;
    this.writeCid = f.writeCid;
    this.writeInnerLimit = f.writeInnerLimit;
    this.readInnerLimit = f.readInnerLimit;
  }

  // ---- send ----

  private formFor(opts: SealOptions | undefined): HeaderForm {
    const cid = (opts?.cid ?? true) && this.writeCid !== undefined;
    const seqLength = opts?.seqLength ?? this.seqLength;
    const length = opts?.length ?? true;
    return formOf((cid ? 0x10 : 0) | (seqLength === 2 ? 0x08 : 0) | (length ? 0x04 : 0));
  }

  /** Seal one record; returns its bytes. Concatenate records (concatRecords) to build a datagram. */
  seal(contentType: number, epoch: number, payload: Uint8Array, opts?: SealOptions): Uint8Array {
    if (epoch === 0) return this.sealPlaintext(contentType, payload, opts);
    const st = findEpoch(this.writes, epoch);
    if (!st) throw new RecordError(`no write keys for epoch ${epoch}`);
    if (!INNER_TYPES.has(contentType)) throw new RecordError(`content type ${contentType} not allowed`);
    const n = payload.length;
    if (n + 1 > this.writeInnerLimit) throw new RecordError(`payload ${n} exceeds limit ${this.writeInnerLimit - 1}`);
    let seq = st.nextSeq;
    if (opts?.seq !== undefined) seq = opts.seq;
    if (seq > MAX_SEQ) throw new RecordError('sequence number space exhausted: rekey');
    const form = this.formFor(opts);
    const cidLen = form.cid ? this.writeCid!.length : 0;
    const hl = unifiedHeaderLength(form, cidLen);
    const tagLen = st.suite.tagLength;
    let inner = n + 1 + padLength(opts?.padding ?? this.padding, n + 1, this.writeInnerLimit);
    // RFC 9147 4.2.3: the record-number mask samples 16 ciphertext bytes; pad short records (8-byte CCM_8 tag)
    if (inner + tagLen < 16) inner = 16 - tagLen;
    const ctLen = inner + tagLen;
    const out = allocBytes(hl + ctLen); // every byte is written below (a pooled view: ../crypto/alloc.ts)
    // header with plaintext sequence bits (this is also the AAD)
    out[0] = firstByteOf(form, epoch);
    let p = 1;
    if (form.cid) { out.set(this.writeCid!, 1); p += cidLen; }
    const seqOff = p;
    if (form.seqLength === 2) { out[p] = (seq >>> 8) & 0xff; out[p + 1] = seq & 0xff; p += 2; }
    else { out[p] = seq & 0xff; p += 1; }
    if (form.length) { out[p] = ctLen >>> 8; out[p + 1] = ctLen & 0xff; }
    // DTLSInnerPlaintext = content || type || zeros, sealed as two parts straight into the record buffer
    const tail = inner === n + 1 ? TYPE_BYTE[contentType]! : trailer(contentType, inner - n);
    st.aead.sealInto(st.nonceFor(seq), out.subarray(0, hl), payload, tail, out, hl);
    const mask = st.masker.mask(out.subarray(hl, hl + 16));
    out[seqOff] = out[seqOff]! ^ mask[0]!;
    if (form.seqLength === 2) out[seqOff + 1] = out[seqOff + 1]! ^ mask[1]!;
    st.nextSeq = Math.max(st.nextSeq, seq + 1);
    st.sealed++;
    this.recordsSealed++;
    if (st.sealed === (this.writeLimitOverride ?? st.suite.confidentialityLimit)) this.onEvent?.({ type: 'write-limit', epoch, sealed: st.sealed });
    return out;
  }

  private sealPlaintext(contentType: number, payload: Uint8Array, opts: SealOptions | undefined): Uint8Array {
    const seq = opts?.seq ?? this.plainWriteSeq;
    const out = plaintextRecord(contentType, payload, seq, opts?.version ?? DTLS_VERSION_12);
    this.plainWriteSeq = Math.max(this.plainWriteSeq, seq + 1);
    this.recordsSealed++;
    return out;
  }

  // ---- receive ----

  private drop(r: DropReason): void {
    this.drops[r]++;
  }

  /** Open every record of a datagram. Invalid records are counted in `drops` and skipped; never throws. */
  open(datagram: Uint8Array): OpenedRecord[] {
    const out: OpenedRecord[] = [];
    this.openEach(datagram, (r) => { out.push(r); });
    return out;
  }

  /**
   * Open the records of a datagram one at a time, calling `onRecord` for each valid record before the next one is
   * even parsed: keys installed (or epochs dropped, CIDs set) inside the callback apply to the records behind it,
   * e.g. a ServerHello followed by EncryptedExtensions in one datagram. Return `false` from the callback to stop
   * (the rest of the datagram is ignored, not counted). Never throws, unless the callback does.
   */
  openEach(datagram: Uint8Array, onRecord: (r: OpenedRecord) => boolean | void): void {
    const n = datagram.length;
    let off = 0;
    while (off < n) {
      const b = datagram[off]!;
      if (b === CT_ALERT || b === CT_HANDSHAKE || b === CT_ACK) {
        if (off + PT_HDR > n) { this.drop('too-short'); break; }
        const len = (datagram[off + 11]! << 8) | datagram[off + 12]!;
        const end = off + DTLS_PLAINTEXT_HEADER_LENGTH + len;
        if (end > n) { this.drop('too-short'); break; }
        const version = (datagram[off + 1]! << 8) | datagram[off + 2]!;
        const epoch = (datagram[off + 3]! << 8) | datagram[off + 4]!;
        if ((version !== DTLS_VERSION_12 && version !== DTLS_VERSION_10) || epoch !== 0) this.drop('bad-header');
        else if (len > MAX_PLAINTEXT) this.drop('too-large');
        else if (!this.acceptPlaintext) this.drop('unknown-epoch');
        else {
          this.recordsOpened++;
          const r: OpenedRecord = {
            contentType: b, epoch: 0, seq: readPlaintextSeq(datagram, off),
            payload: datagram.subarray(off + PT_HDR, end),
            encrypted: false, form: undefined, cid: undefined, paddingLength: 0,
          };
          if (onRecord(r) === false) return;
        }
        off = end;
        continue;
      }
      if ((b & 0xe0) !== 0x20) { this.drop('bad-header'); break; }
      const form = formOf(b);
      const cidLen = this.readCid?.length ?? 0;
      if (form.cid && cidLen === 0) { this.drop('bad-header'); break; }
      const hl = unifiedHeaderLength(form, cidLen);
      if (off + hl > n) { this.drop('too-short'); break; }
      const end = form.length ? off + hl + ((datagram[off + hl - 2]! << 8) | datagram[off + hl - 1]!) : n;
      if (end > n) { this.drop('too-short'); break; }
      let cid: Uint8Array | undefined;
      if (form.cid) {
        cid = datagram.subarray(off + 1, off + 1 + cidLen);
        if (!bytesEqual(cid, this.readCid!)) { this.drop('bad-cid'); break; }
      }
      const rec = this.openCiphertext(datagram, off, hl, end, form, cid);
      if (rec && onRecord(rec) === false) return;
      off = end;
    }
  }

  private openCiphertext(d: Uint8Array, off: number, hl: number, end: number, form: HeaderForm, cid: Uint8Array | undefined): OpenedRecord | undefined {
    const ctLen = end - off - hl;
    // larger than 2^14+256, or than our record_size_limit allows once the tag (16 bytes at most) is removed
    if (ctLen > MAX_CT || ctLen > this.readInnerLimit + 16) { this.drop('too-large'); return undefined; }
    if (ctLen < 16) { this.drop('too-short'); return undefined; }
    // the highest installed read epoch whose low two bits match
    const bits = d[off]! & 3;
    const reads = this.reads;
    let st: EpochState | undefined;
    for (let i = reads.length - 1; i >= 0; i--) if ((reads[i]!.epoch & 3) === bits) { st = reads[i]!; break; }
    if (!st) { this.drop('unknown-epoch'); return undefined; }
    if (ctLen > this.readInnerLimit + st.suite.tagLength) { this.drop('too-large'); return undefined; } // 8-byte tag
    const ct = d.subarray(off + hl, end);
    const mask = st.masker.mask(ct);
    const seqOff = off + 1 + (form.cid ? cid!.length : 0);
    let low: number;
    if (form.seqLength === 2) low = ((d[seqOff]! ^ mask[0]!) << 8) | (d[seqOff + 1]! ^ mask[1]!);
    else low = d[seqOff]! ^ mask[0]!;
    const seq = reconstructSeq(st.window.highest + 1, low, form.seqLength === 2 ? 16 : 8);
    const verdict = st.window.check(seq);
    if (verdict !== 'ok') { this.drop(verdict); return undefined; }
    // AAD = header with the plaintext sequence bits
    const aad = AAD;
    for (let i = 0; i < hl; i++) aad[i] = d[off + i]!;
    const so = seqOff - off;
    if (form.seqLength === 2) { aad[so] = low >>> 8; aad[so + 1] = low & 0xff; } else aad[so] = low;
    const pt = st.aead.open(st.nonceFor(seq), aad.subarray(0, hl), ct);
    if (!pt) {
      this.drop('auth-failed');
      this.authFailures++;
      st.failures++;
      const limit = this.forgeryOverride ?? st.suite.forgeryLimit;
      if (st.failures >= limit && !st.limitSignalled) {
        st.limitSignalled = true;
        this.forgeryLimitReached = true;
        this.onEvent?.({ type: 'forgery-limit', epoch: st.epoch, failures: st.failures });
      }
      return undefined;
    }
    st.window.mark(seq);
    let i = pt.length - 1;
    while (i >= 0 && pt[i] === 0) i--;
    if (i < 0 || !INNER_TYPES.has(pt[i]!)) { this.drop('bad-content-type'); return undefined; }
    if (pt.length > this.readInnerLimit) { this.drop('too-large'); return undefined; }
    this.recordsOpened++;
    return {
      contentType: pt[i]!, epoch: st.epoch, seq, payload: pt.subarray(0, i),
      encrypted: true, form, cid, paddingLength: pt.length - i - 1,
    };
  }
}
