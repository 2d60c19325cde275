// RecordIO: the endpoint's thin view of part 1's RecordLayer (src/dtls/record): epoch-0 DTLSPlaintext,
// DTLSCiphertext with the unified header (CID, 16-bit sequence, length always present so several records share
// a datagram), AEAD protection, record-number encryption, sequence reconstruction, per-epoch replay windows.
//
// What the adapter adds: seal() reports the sequence number used (for ACK bookkeeping), the plaintext sequence
// continues from a stateless HRR's, an unknown-epoch hook (empty ACK / late Finished), drop counters mirrored into
// EndpointStats.
import type { CryptoProvider } from '../crypto/provider.ts';
import type { EpochKeys } from '../keyschedule.ts';
import { DROP_REASONS, type OpenedRecord, RecordLayer } from '../record/index.ts';
import { packLayer, unpackLayer } from '../record/layer-state.ts';
import type { PackReader, PackWriter } from '../record/pack.ts';

export type { OpenedRecord } from '../record/index.ts';

/** What a connection's stats.dropsByReason holds until its first drop: one shared, frozen empty object (an own empty
 *  object per connection is ~56 B, 2 x 10^6 of them in a million-device fleet). Writers go through reasonsOf(). */
export const NO_DROPS: Record<string, number> = Object.freeze({}) as Record<string, number>;

/** `d`'s own dropsByReason, made on the first drop. */
function reasonsOf(d: DropCounter): Record<string, number> {
  let r = d.dropsByReason;
  if (r === NO_DROPS) d.dropsByReason = r = {};
  return r;
}

interface DropCounter {
  drops: number;
  dropsByReason: Record<string, number>;
}

export class RecordIO {
  readonly layer: RecordLayer;
  private lastDropped = 0;
  private plainSeqOverride: number | undefined;
  private cidLen = 0;

  constructor(crypto: CryptoProvider, private readonly drops: DropCounter, forgeryLimit?: number, recordKeys?: 'kept' | 'per-record') {
    this.layer = new RecordLayer({
      provider: crypto, ...(forgeryLimit === undefined ? {} : { forgeryLimit }), ...(recordKeys === undefined ? {} : { recordKeys }),
    });
  }

  /** CID to put in records we send (the peer's choice), or undefined. */
  get writeCid(): Uint8Array | undefined {
    return this.layer.peerCid; // the layer's copy: the bytes handed in may be a view into a whole handshake message
  }
  set writeCid(c: Uint8Array | undefined) {
    this.layer.setCid({ write: c && c.length ? c : null });
  }
  /** Length of the CID in records we receive (our choice; 0 = none). The CID itself is set with setReadCid. */
  get readCidLength(): number {
    return this.cidLen;
  }
  /** `owned`: the caller never changes `cid` (the layer keeps it instead of a copy). */
  setReadCid(cid: Uint8Array | undefined, owned = false): void {
    this.cidLen = cid ? cid.length : 0;
    this.layer.setCid({ read: cid && cid.length ? cid : null, readOwned: owned });
  }

  /** Dormant connections (./dormant.ts): this adapter's fields, then the layer's (../record/layer-state.ts). */
  pack(w: PackWriter): void {
    w.uint(this.lastDropped).num(this.plainSeqOverride).uint(this.cidLen);
    packLayer(this.layer, w);
  }
  /** `ownedReadCid`: see unpackLayer. */
  unpack(r: PackReader, ownedReadCid: Uint8Array | undefined): void {
    this.lastDropped = r.uint();
    this.plainSeqOverride = r.num();
    this.cidLen = r.uint();
    unpackLayer(this.layer, r, ownedReadCid);
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

  /** Opens the records of a datagram one at a time (RecordLayer.openEach): each reaches `onRecord` before the next
   *  is parsed, so keys installed by a ServerHello apply to the EncryptedExtensions behind it. Invalid records are
   *  dropped and counted. `onRecord` returns false to stop. Returns the low epoch bits of the datagram's first record
   *  when it is a protected record dropped because no read keys match them (where a lost ServerHello or a late
   *  epoch-2 Finished shows), else -1. */
  open(d: Uint8Array, onRecord: (r: OpenedRecord) => boolean): number {
    const unknown = this.layer.drops['unknown-epoch'];
    this.layer.openEach(d, onRecord);
    const bits = this.layer.drops['unknown-epoch'] !== unknown && (d[0]! & 0xe0) === 0x20 ? d[0]! & 3 : -1;
    this.syncDrops();
    return bits;
  }

  private syncDrops(): void {
    const total = this.layer.dropped;
    if (total === this.lastDropped) return;
    this.lastDropped = total;
    let sum = 0;
    for (const r of DROP_REASONS) {
      const n = this.layer.drops[r];
      if (n) reasonsOf(this.drops)[r] = n;
      sum += n;
    }
    // endpoint-level drops are counted separately under their own reasons
    let own = 0;
    for (const [k, v] of Object.entries(this.drops.dropsByReason)) if (!(DROP_REASONS as readonly string[]).includes(k)) own += v;
    this.drops.drops = sum + own;
  }
}

/** Counts one record or fragment dropped by the endpoint itself (not by the record layer) under `reason`. */
export function countDrop(d: DropCounter, reason: string): void {
  d.drops++;
  const r = reasonsOf(d);
  r[reason] = (r[reason] ?? 0) + 1;
}
