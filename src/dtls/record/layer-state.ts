// The whole mutable state of a RecordLayer (./layer.ts) as fields of a packed string (./pack.ts), and back: a
// dormant connection (../endpoint/dormant.ts) keeps its record layer this way instead of ~10 objects (the layer,
// its drop counters, epoch states, replay windows, CIDs). The provider's prepared AEAD keys and maskers are not
// packed: they are prepared again from the raw keys on the next record (no crypto operation is reported for that).
//
// Format (field encodings in ./pack.ts):
//   u8 flags          bit 0 acceptPlaintext, bit 1 forgeryLimitReached, bit 2 seqLength 1 (else 2)
//   uint x 9          drops, in DROP_REASONS order
//   uint x 3          authFailures, recordsOpened, recordsSealed
//   u8 [uint]         padding: 0 none, 1 multiple (uint of), 2 size (uint to)
//   uint              plainWriteSeq (next epoch-0 sequence number)
//   optBytes x 2      read CID (ours), write CID (the peer's)
//   uint x 2          writeInnerLimit, readInnerLimit (record_size_limit, RFC 8449)
//   uint, u8          replay window size, per-record keys (checked against the layer's options on unpack)
//   uint n, n x read epoch, uint m, m x write epoch, ascending by epoch; one epoch:
//     uint epoch, uint suite code, str key || sn_key, 12 x u8 write_iv, uint nextSeq, uint sealed, uint failures,
//     u8 limitSignalled; read epochs then: uint highest + 1, uint per window word (32 bits each, unsigned)
import { suiteByCode } from '../crypto/suites.ts';
import { EpochState, NO_WINDOW } from './epoch-state.ts';
import type { RecordLayer } from './layer.ts';
import { DROP_REASONS, type PaddingPolicy } from './layer-types.ts';
import { type PackReader, type PackWriter, PackError } from './pack.ts';
import { ReplayWindow } from './replay.ts';

/** The private fields of a RecordLayer (RecordLayer.saveFields / loadFields). */
export interface LayerFields {
  reads: EpochState[];
  writes: EpochState[];
  plainWriteSeq: number;
  readCid: Uint8Array | undefined;
  writeCid: Uint8Array | undefined;
  writeInnerLimit: number;
  readInnerLimit: number;
  readonly windowSize: number;
  readonly perRecordKeys: boolean;
}

export function packLayer(l: RecordLayer, w: PackWriter): void {
  const f = l.saveFields();
  w.u8((l.acceptPlaintext ? 1 : 0) | (l.forgeryLimitReached ? 2 : 0) | (l.seqLength === 1 ? 4 : 0));
  for (let i = 0; i < DROP_REASONS.length; i++) w.uint(l.drops[DROP_REASONS[i]!]);
  w.uint(l.authFailures).uint(l.recordsOpened).uint(l.recordsSealed);
  const p = l.padding;
  if (p.kind === 'none') w.u8(0);
  else if (p.kind === 'multiple') w.u8(1).uint(p.of);
  else w.u8(2).uint(p.to);
  w.uint(f.plainWriteSeq).optBytes(f.readCid).optBytes(f.writeCid).uint(f.writeInnerLimit).uint(f.readInnerLimit);
  w.uint(f.windowSize).bool(f.perRecordKeys);
  packEpochs(f.reads, true, w);
  packEpochs(f.writes, false, w);
}

/** One list of epochs (index loops: this runs at every sleep, and iterators would be garbage). */
function packEpochs(list: EpochState[], reads: boolean, w: PackWriter): void {
  w.uint(list.length);
  for (let k = 0; k < list.length; k++) {
    const st = list[k]!;
    w.uint(st.epoch).uint(st.suite.code).str(st.raw);
    for (let i = 0; i < 12; i++) w.u8(st.ivByte(i));
    w.uint(st.nextSeq).uint(st.sealed).uint(st.failures).bool(st.limitSignalled);
    if (reads) {
      w.uint(st.window.highest + 1);
      const words = st.window.words;
      for (let j = 0; j < words.length; j++) w.uint(words[j]! >>> 0);
    }
  }
}

/** write_iv scratch of unpackLayer (the EpochState constructor keeps the values, not the array). */
const IV = new Uint8Array(12);

/** Restores a packed state into `l`, a layer just built with the options of the packed one. `ownedReadCid`: an
 *  array equal to the packed read CID that the caller never changes (kept instead of a new copy). */
export function unpackLayer(l: RecordLayer, r: PackReader, ownedReadCid?: Uint8Array): void {
  const flags = r.u8();
  l.acceptPlaintext = (flags & 1) !== 0;
  l.forgeryLimitReached = (flags & 2) !== 0;
  l.seqLength = flags & 4 ? 1 : 2;
  for (let i = 0; i < DROP_REASONS.length; i++) l.drops[DROP_REASONS[i]!] = r.uint();
  l.authFailures = r.uint();
  l.recordsOpened = r.uint();
  l.recordsSealed = r.uint();
  const kind = r.u8();
  const padding: PaddingPolicy = kind === 0 ? { kind: 'none' } : kind === 1 ? { kind: 'multiple', of: r.uint() } : { kind: 'size', to: r.uint() };
  if (!samePadding(padding, l.padding)) l.padding = padding; // else the layer's own (often shared) policy object
  const plainWriteSeq = r.uint();
  const readCid = r.optBytesOr(ownedReadCid);
  const writeCid = r.optBytes();
  const writeInnerLimit = r.uint();
  const readInnerLimit = r.uint();
  const windowSize = r.uint();
  const perRecordKeys = r.bool();
  const lists: EpochState[][] = [];
  for (let k = 0; k < 2; k++) {
    const n = r.uint();
    const list: EpochState[] = new Array<EpochState>(n); // exact length, like the layer's own lists
    for (let i = 0; i < n; i++) {
      const epoch = r.uint();
      const code = r.uint();
      const suite = suiteByCode(code);
      if (!suite) throw new PackError(`unknown suite 0x${code.toString(16)}`);
      const raw = r.str();
      const iv = IV;
      for (let j = 0; j < 12; j++) iv[j] = r.u8();
      const window = k === 0 ? new ReplayWindow(windowSize) : NO_WINDOW;
      const st = new EpochState(l.provider, epoch, suite, raw, iv, window, perRecordKeys);
      st.nextSeq = r.uint();
      st.sealed = r.uint();
      st.failures = r.uint();
      st.limitSignalled = r.bool();
      if (k === 0) {
        window.highest = r.uint() - 1;
        const words = window.words;
        for (let j = 0; j < words.length; j++) words[j] = r.uint() | 0;
      }
      list[i] = st;
    }
    lists.push(list);
  }
  l.loadFields({ reads: lists[0]!, writes: lists[1]!, plainWriteSeq, readCid, writeCid, writeInnerLimit, readInnerLimit, windowSize, perRecordKeys });
}

function samePadding(a: PaddingPolicy, b: PaddingPolicy): boolean {
  if (a.kind === 'none' || b.kind === 'none') return a.kind === b.kind;
  if (a.kind === 'multiple') return b.kind === 'multiple' && a.of === b.of;
  return b.kind === 'size' && a.to === b.to;
}
