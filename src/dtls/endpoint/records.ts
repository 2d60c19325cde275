// RecordIO: the endpoint's view of the record layer (RFC 9147 4): epoch 0 DTLSPlaintext, DTLSCiphertext with the
// unified header (CID, 16-bit sequence, length always present so several records share a datagram),
// AEAD protection, record-number encryption, sequence reconstruction and a per-epoch anti-replay window.
//
// Thin adapter written while src/dtls/record was not yet available; all cryptography goes through the injected
// CryptoProvider (so the simulator's observer sees every AEAD and mask operation). Invalid records are dropped and
// counted, never thrown.
import type { AeadKey, CryptoProvider, SnMasker } from '../crypto/provider.ts';
import type { EpochKeys } from '../keyschedule.ts';
import { ContentType, DTLS12 } from '../handshake/constants.ts';

export interface OpenedRecord {
  type: number;
  epoch: number;
  seq: number;
  payload: Uint8Array;
}

interface DropCounter {
  drops: number;
  dropsByReason: Record<string, number>;
}

interface WriteState {
  epoch: number;
  seq: number;
  aead: AeadKey;
  iv: Uint8Array;
  masker: SnMasker;
}

interface ReadState {
  epoch: number;
  aead: AeadKey;
  iv: Uint8Array;
  masker: SnMasker;
  // anti-replay: highest authenticated seq and a 64-bit window below it (two 32-bit words)
  highest: number;
  lo: number; // bits for highest-0 .. highest-31
  hi: number; // bits for highest-32 .. highest-63
}

const nonce = new Uint8Array(12);

function makeNonce(iv: Uint8Array, seq: number): Uint8Array {
  nonce.set(iv);
  let s = seq;
  for (let i = 11; i >= 4; i--) {
    nonce[i]! ^= s & 0xff;
    s = Math.floor(s / 256);
  }
  return nonce;
}

export class RecordIO {
  private write0Seq = 0;
  private writes: WriteState[] = [];
  private reads: ReadState[] = [];
  /** CID to put in records we send (peer's choice), or undefined. */
  writeCid: Uint8Array | undefined;
  /** Length of the CID carried by records we receive (our choice); 0 = records with a CID are rejected. */
  readCidLength = 0;
  /** Accept epoch-0 plaintext records (handshake retransmissions); turned off only by clear(). */
  private acceptPlaintext = true;

  constructor(private readonly crypto: CryptoProvider, private readonly drops: DropCounter) {}

  private drop(reason: string): void {
    this.drops.drops++;
    this.drops.dropsByReason[reason] = (this.drops.dropsByReason[reason] ?? 0) + 1;
  }

  /** Epoch-0 record sequence numbers to use next (a stateless server continues from the ClientHello's). */
  setPlaintextSeq(seq: number): void {
    this.write0Seq = seq;
  }

  installWrite(epoch: number, k: EpochKeys): void {
    this.dropWrite(epoch);
    this.writes.push({
      epoch, seq: 0, aead: this.crypto.aead(k.suite.aead, k.key), iv: k.iv, masker: this.crypto.snMasker(k.suite.aead, k.snKey),
    });
  }
  installRead(epoch: number, k: EpochKeys): void {
    this.dropRead(epoch);
    this.reads.push({
      epoch, aead: this.crypto.aead(k.suite.aead, k.key), iv: k.iv, masker: this.crypto.snMasker(k.suite.aead, k.snKey),
      highest: -1, lo: 0, hi: 0,
    });
    this.reads.sort((a, b) => b.epoch - a.epoch);
  }
  dropWrite(epoch: number): void {
    this.writes = this.writes.filter((w) => w.epoch !== epoch);
  }
  dropRead(epoch: number): void {
    this.reads = this.reads.filter((r) => r.epoch !== epoch);
  }
  hasRead(epoch: number): boolean {
    return this.reads.some((r) => r.epoch === epoch);
  }
  clear(): void {
    this.writes = [];
    this.reads = [];
    this.acceptPlaintext = false;
  }

  /** Bytes added around a payload in `epoch` (header + content type + tag). */
  overhead(epoch: number): number {
    return epoch === 0 ? 13 : 5 + (this.writeCid ? this.writeCid.length : 0) + 1 + 16;
  }

  seal(epoch: number, type: number, payload: Uint8Array): { bytes: Uint8Array; seq: number } {
    if (epoch === 0) {
      const seq = this.write0Seq++;
      const out = new Uint8Array(13 + payload.length);
      out[0] = type;
      out[1] = DTLS12 >>> 8;
      out[2] = DTLS12 & 0xff;
      // epoch 0 (bytes 3-4), 48-bit sequence number
      let s = seq;
      for (let i = 10; i >= 5; i--) {
        out[i] = s & 0xff;
        s = Math.floor(s / 256);
      }
      out[11] = payload.length >>> 8;
      out[12] = payload.length & 0xff;
      out.set(payload, 13);
      return { bytes: out, seq };
    }
    const w = this.writes.find((x) => x.epoch === epoch);
    if (!w) throw new Error(`no write keys for epoch ${epoch}`);
    const seq = w.seq++;
    const cid = this.writeCid;
    const cidLen = cid ? cid.length : 0;
    const hdrLen = 1 + cidLen + 2 + 2;
    const inner = new Uint8Array(payload.length + 1);
    inner.set(payload);
    inner[payload.length] = type;
    const ctLen = inner.length + 16;
    const out = new Uint8Array(hdrLen + ctLen);
    out[0] = 0x20 | (cid ? 0x10 : 0) | 0x08 | 0x04 | (epoch & 3);
    if (cid) out.set(cid, 1);
    const p = 1 + cidLen;
    out[p] = (seq >>> 8) & 0xff;
    out[p + 1] = seq & 0xff;
    out[p + 2] = ctLen >>> 8;
    out[p + 3] = ctLen & 0xff;
    const ct = w.aead.seal(makeNonce(w.iv, seq), out.subarray(0, hdrLen), inner);
    out.set(ct, hdrLen);
    const mask = w.masker.mask(ct.subarray(0, 16));
    out[p]! ^= mask[0]!;
    out[p + 1]! ^= mask[1]!;
    return { bytes: out, seq };
  }

  /** Parses and authenticates the records of a datagram one at a time, handing each to `onRecord` before the
   *  next is opened (a record may install the keys the next one needs). Invalid records are dropped and counted.
   *  `onRecord` returns false to stop. */
  open(d: Uint8Array, onRecord: (r: OpenedRecord) => boolean): void {
    const out = { push: (r: OpenedRecord) => { if (!onRecord(r)) pos = d.length + 1; } };
    let pos = 0;
    while (pos < d.length) {
      const b = d[pos]!;
      if (b === ContentType.handshake || b === ContentType.alert || b === ContentType.ack) {
        if (pos + 13 > d.length) { this.drop('truncated'); break; }
        const epoch = (d[pos + 3]! << 8) | d[pos + 4]!;
        let seq = 0;
        for (let i = 5; i <= 10; i++) seq = seq * 256 + d[pos + i]!;
        const len = (d[pos + 11]! << 8) | d[pos + 12]!;
        const end = pos + 13 + len;
        if (end > d.length) { this.drop('truncated'); break; }
        if (epoch !== 0 || !this.acceptPlaintext || len > 16384) this.drop('plaintext_epoch');
        else out.push({ type: b, epoch: 0, seq, payload: d.subarray(pos + 13, end) });
        if (pos > d.length) break;
        pos = end;
        continue;
      }
      if ((b & 0xe0) !== 0x20) { this.drop('bad_header'); break; }
      let p = pos + 1;
      if (b & 0x10) {
        if (this.readCidLength === 0) { this.drop('unexpected_cid'); break; }
        p += this.readCidLength;
      }
      const seqLen = b & 0x08 ? 2 : 1;
      const snPos = p;
      p += seqLen;
      let end: number;
      if (b & 0x04) {
        if (p + 2 > d.length) { this.drop('truncated'); break; }
        const len = (d[p]! << 8) | d[p + 1]!;
        p += 2;
        end = p + len;
      } else end = d.length;
      if (end > d.length || p > d.length) { this.drop('truncated'); break; }
      const hdrLen = p - pos;
      const ct = d.subarray(p, end);
      const rec = this.openOne(d.subarray(pos, pos + hdrLen), snPos - pos, seqLen, b & 3, ct);
      if (rec) out.push(rec);
      if (pos > d.length) break;
      pos = end;
    }
  }

  private openOne(hdr: Uint8Array, snOff: number, seqLen: number, epochBits: number, ct: Uint8Array): OpenedRecord | undefined {
    if (ct.length < 17 || ct.length > 16384 + 256) { this.drop('length'); return undefined; }
    let tried = false;
    for (const r of this.reads) {
      if ((r.epoch & 3) !== epochBits) continue;
      tried = true;
      const mask = r.masker.mask(ct.subarray(0, 16));
      const aad = hdr.slice();
      let low = 0;
      for (let i = 0; i < seqLen; i++) {
        aad[snOff + i]! ^= mask[i]!;
        low = (low << 8) | aad[snOff + i]!;
      }
      const seq = reconstruct(r.highest + 1, low, seqLen * 8);
      if (seq < 0 || this.isReplay(r, seq)) { this.drop('replay'); return undefined; }
      const pt = r.aead.open(makeNonce(r.iv, seq), aad, ct);
      if (!pt) continue; // maybe an older epoch with the same low bits
      let i = pt.length - 1;
      while (i >= 0 && pt[i] === 0) i--;
      if (i < 0) { this.drop('no_content_type'); return undefined; }
      this.markSeen(r, seq);
      return { type: pt[i]!, epoch: r.epoch, seq, payload: pt.subarray(0, i) };
    }
    this.drop(tried ? 'auth' : 'unknown_epoch');
    return undefined;
  }

  private isReplay(r: ReadState, seq: number): boolean {
    if (seq > r.highest) return false;
    const diff = r.highest - seq;
    if (diff >= 64) return true;
    return diff < 32 ? ((r.lo >>> diff) & 1) === 1 : ((r.hi >>> (diff - 32)) & 1) === 1;
  }

  private markSeen(r: ReadState, seq: number): void {
    if (seq > r.highest) {
      const shift = r.highest < 0 ? 64 : seq - r.highest;
      if (shift >= 64) { r.lo = 0; r.hi = 0; }
      else if (shift >= 32) { r.hi = shift === 32 ? r.lo : (r.lo << (shift - 32)) >>> 0; r.lo = 0; }
      else { r.hi = ((r.hi << shift) | (r.lo >>> (32 - shift))) >>> 0; r.lo = (r.lo << shift) >>> 0; }
      r.highest = seq;
      r.lo = (r.lo | 1) >>> 0;
    } else {
      const diff = r.highest - seq;
      if (diff < 32) r.lo = (r.lo | (1 << diff)) >>> 0;
      else r.hi = (r.hi | (1 << (diff - 32))) >>> 0;
    }
  }
}

/** RFC 9147 4.2.2: the full sequence number closest to `expected` whose low `bits` equal `low`. */
export function reconstruct(expected: number, low: number, bits: number): number {
  const win = 2 ** bits;
  const base = expected - (expected % win);
  let cand = base + low;
  if (cand > expected + win / 2 && cand >= win) cand -= win;
  else if (cand + win / 2 < expected) cand += win;
  return cand;
}
