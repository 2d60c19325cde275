// RecordIO: the endpoint's thin view of part 1's RecordLayer (src/dtls/record): epoch-0 DTLSPlaintext,
// DTLSCiphertext with the unified header (CID, 16-bit sequence, length always present so several records share
// a datagram), AEAD protection, record-number encryption, sequence reconstruction, per-epoch replay windows.
//
// What the adapter adds: records of one datagram are opened one at a time and handed to the endpoint before the
// next is opened (a ServerHello installs the keys the EncryptedExtensions behind it in the same datagram needs);
// seal() reports the sequence number used (for ACK bookkeeping); drop counters are mirrored into EndpointStats.
import type { CryptoProvider } from '../crypto/provider.ts';
import type { EpochKeys } from '../keyschedule.ts';
import { DROP_REASONS, type OpenedRecord, RecordLayer, splitDatagram } from '../record/index.ts';

export type { OpenedRecord } from '../record/index.ts';

interface DropCounter {
  drops: number;
  dropsByReason: Record<string, number>;
}

export class RecordIO {
  readonly layer: RecordLayer;
  private lastDropped = 0;
  private plainSeqOverride: number | undefined;
  private cidLen = 0;
  private wCid: Uint8Array | undefined;

  constructor(crypto: CryptoProvider, private readonly drops: DropCounter, forgeryLimit?: number) {
    this.layer = new RecordLayer(forgeryLimit === undefined ? { provider: crypto } : { provider: crypto, forgeryLimit });
  }

  /** CID to put in records we send (the peer's choice), or undefined. */
  get writeCid(): Uint8Array | undefined {
    return this.wCid;
  }
  set writeCid(c: Uint8Array | undefined) {
    this.wCid = c && c.length ? c : undefined;
    this.layer.setCid({ write: this.wCid ?? null });
  }
  /** Length of the CID in records we receive (our choice; 0 = none). The CID itself is set with setReadCid. */
  get readCidLength(): number {
    return this.cidLen;
  }
  setReadCid(cid: Uint8Array | undefined): void {
    this.cidLen = cid ? cid.length : 0;
    this.layer.setCid({ read: cid && cid.length ? cid : null });
  }

  /** Epoch-0 numbering continues from `seq` (a stateless server answers with the ClientHello's number). */
  setPlaintextSeq(seq: number): void {
    this.plainSeqOverride = seq;
  }

  installWrite(epoch: number, k: EpochKeys): void {
    this.layer.installWriteKeys(epoch, k);
  }
  installRead(epoch: number, k: EpochKeys): void {
    this.layer.installReadKeys(epoch, k);
  }
  dropWrite(epoch: number): void {
    this.layer.dropWriteEpoch(epoch);
  }
  dropRead(epoch: number): void {
    this.layer.dropReadEpoch(epoch);
  }
  hasRead(epoch: number): boolean {
    return this.layer.hasReadEpoch(epoch);
  }
  clear(): void {
    for (const e of this.layer.readEpochs()) this.layer.dropReadEpoch(e);
    this.layer.acceptPlaintext = false;
  }

  /** Bytes added around a payload in `epoch` (header + content type + tag). */
  overhead(epoch: number): number {
    return this.layer.overhead(epoch);
  }

  seal(epoch: number, type: number, payload: Uint8Array): { bytes: Uint8Array; seq: number } {
    if (epoch === 0 && this.plainSeqOverride !== undefined) {
      const seq = this.plainSeqOverride;
      this.plainSeqOverride = undefined;
      return { bytes: this.layer.seal(type, 0, payload, { seq }), seq };
    }
    const seq = this.layer.nextWriteSeq(epoch);
    return { bytes: this.layer.seal(type, epoch, payload), seq };
  }

  /** Opens the records of a datagram one at a time, handing each to `onRecord` before the next is opened.
   *  Invalid records are dropped and counted. `onRecord` returns false to stop. */
  open(d: Uint8Array, onRecord: (r: OpenedRecord) => boolean): void {
    if (this.singleRecord(d)) {
      this.deliver(d, onRecord);
      this.syncDrops();
      return;
    }
    const split = splitDatagram(d, this.cidLen);
    const recs = split.records;
    if (recs.length <= 1 && !split.error) {
      this.deliver(d, onRecord);
    } else {
      let stopped = false;
      for (const r of recs) {
        if (!this.deliver(d.subarray(r.offset, r.end), onRecord)) { stopped = true; break; }
      }
      // let the record layer count the undecodable tail
      if (!stopped && split.error) this.deliver(d.subarray(recs.length ? recs[recs.length - 1]!.end : 0), onRecord);
    }
    this.syncDrops();
  }

  /** Fast path: a datagram holding exactly one record (the common case after the handshake) needs no split. */
  private singleRecord(d: Uint8Array): boolean {
    const b = d[0];
    if (b === undefined || (b & 0xe0) !== 0x20) return false;
    if ((b & 0x04) === 0) return true; // no length field: the record runs to the end of the datagram
    const hl = 1 + (b & 0x10 ? this.cidLen : 0) + (b & 0x08 ? 2 : 1) + 2;
    return d.length >= hl && hl + ((d[hl - 2]! << 8) | d[hl - 1]!) === d.length;
  }

  /** Called with the low epoch bits of a protected record dropped because no read keys match them. */
  onUnknownEpoch: ((epochBits: number) => void) | undefined;

  private deliver(chunk: Uint8Array, onRecord: (r: OpenedRecord) => boolean): boolean {
    const unknown = this.onUnknownEpoch ? this.layer.drops['unknown-epoch'] : 0;
    for (const r of this.layer.open(chunk)) if (!onRecord(r)) return false;
    if (this.onUnknownEpoch && this.layer.drops['unknown-epoch'] !== unknown && (chunk[0]! & 0xe0) === 0x20) {
      this.onUnknownEpoch(chunk[0]! & 3);
    }
    return true;
  }

  private syncDrops(): void {
    const total = this.layer.dropped;
    if (total === this.lastDropped) return;
    this.lastDropped = total;
    let sum = 0;
    for (const r of DROP_REASONS) {
      const n = this.layer.drops[r];
      if (n) this.drops.dropsByReason[r] = n;
      sum += n;
    }
    // endpoint-level drops are counted separately under their own reasons
    let own = 0;
    for (const [k, v] of Object.entries(this.drops.dropsByReason)) if (!(DROP_REASONS as readonly string[]).includes(k)) own += v;
    this.drops.drops = sum + own;
  }
}
