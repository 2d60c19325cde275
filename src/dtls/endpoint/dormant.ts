// Dormant connections. A connected, quiescent connection (Connection.sleep(), ./connection.ts) packs its protocol
// state into one slot of its configuration's PackStore (../record/pack-store.ts: bytes in shared chunks, no heap
// object per connection; ../record/pack.ts for the field encodings) and releases its sub-objects
// (RecordIO with the RecordLayer, its epoch states and replay windows; Datagrams, Reassembly, Flights, Acks,
// Epochs, EarlyData, EventQueue); the next use of any public entry point rebuilds them (Connection.build()) and
// restores the packed fields, so that it behaves byte for byte as if it had never slept.
//
// Quiescent (sleep() refuses otherwise): state 'connected'; no handshake, ticket or KeyUpdate flight unacknowledged
// and no record tracked for ACKs; no ACK pending or timed; no datagram being built, queued for pollTransmit() or
// held by the anti-amplification limit; no event queued for pollEvent(); no handshake message being reassembled;
// no early application data held; no KeyUpdate reply pending; role checks (no handshake state left).
//
// Format (field encodings in ../record/pack.ts), in this order:
//   u8 version (PACK_VERSION)
//   Epochs      uint write epoch, uint read epoch (first: sendEpoch/receiveEpoch answer from them without a wake),
//               uint suite code (0: none), u8 has-secrets [str secrets], num old read epoch, uint application
//               records under the write key, num KeyUpdate threshold
//   RecordIO    uint drops already mirrored, num epoch-0 sequence override, uint read CID length, then the record
//               layer (../record/layer-state.ts: counters, CIDs, limits, every epoch's keys, counters and window)
//   Datagrams   u8 anti-amplification limit in force
//   Reassembly  uint next message_seq, num message_seq at the end of the handshake
//   Flights     uint records sent, uint next message_seq, num retransmission timeout, num latest time seen
//   Acks        uint n, n x uint: the newest record number per epoch as epoch, seq pairs
//   EarlyData   num time of the last empty ACK
//   role        client: u8 has-resumption-secret [uint suite code, bytes secret]; server: uint n, n x (uint epoch,
//               uint seq): the ACK of the client's final flight (n = 0: none)
// Not packed (kept on the connection object, whose in-object fields cost nothing more): state, stats (the public
// counters object and its dropsByReason), sinks, config references, role scalars. Not kept at all (dead once
// connected): the partial-flight ACK bookkeeping (Acks.lastReceived / partial), the time of the datagram being
// processed (set again by receive()), an emptied anti-amplification hold list, the provider's prepared AEAD keys
// and maskers (prepared again from the packed raw keys on the next record; no crypto operation is reported).
import { PackError, PackReader, type PackWriter } from '../record/pack.ts';
import type { PackStore } from '../record/pack-store.ts';
import type { Acks } from './acks.ts';
import type { Datagrams } from './datagrams.ts';
import type { EarlyData } from './early-data.ts';
import type { Epochs } from './epochs.ts';
import type { EventQueue } from './events.ts';
import type { Flights } from './flights.ts';
import type { Reassembly } from './reassembly.ts';
import type { RecordIO } from './records.ts';

export const PACK_VERSION = 1;

/** What a released sub-object field holds while its connection is dormant. Typed `never` so that it fits every
 *  field: no code touches those fields before wake() rebuilds them (every public entry point wakes first, and the
 *  getters that do not wake answer from the connection's own fields or the packed slot). */
export const RELEASED: never = undefined as never;

/** The sub-objects of one connection. */
export interface Parts {
  rec: RecordIO;
  out: Datagrams;
  reasm: Reassembly;
  flights: Flights;
  acks: Acks;
  epochs: Epochs;
  events: EventQueue;
  early: EarlyData;
}

/** True when nothing but packable state is held (see the header). The role adds its own checks. */
export function quiescent(p: Parts): boolean {
  return p.flights.quiet && p.acks.quiet && p.out.quiet && p.events.quiet && p.reasm.quiet && p.early.quiet && p.epochs.quiet;
}

export function packParts(p: Parts, w: PackWriter): void {
  w.u8(PACK_VERSION);
  p.epochs.pack(w);
  p.rec.pack(w);
  p.out.pack(w);
  p.reasm.pack(w);
  p.flights.pack(w);
  p.acks.pack(w);
  p.early.pack(w);
}

/** Restores packed state into freshly built parts. `ownedReadCid`: see ../record/layer-state.ts unpackLayer. */
export function unpackParts(p: Parts, r: PackReader, ownedReadCid: Uint8Array | undefined): void {
  const v = r.u8();
  if (v !== PACK_VERSION) throw new PackError(`packed connection version ${v}`);
  p.epochs.unpack(r);
  p.rec.unpack(r, ownedReadCid);
  p.out.unpack(r);
  p.reasm.unpack(r);
  p.flights.unpack(r);
  p.acks.unpack(r);
  p.early.unpack(r);
}

/** The write (which 0) or read (1) epoch of a packed connection, read without unpacking it. */
export function packedEpoch(store: PackStore, handle: number, which: 0 | 1): number {
  const r = PackReader.ofSlot(store, handle);
  r.u8(); // version
  const write = r.uint();
  return which === 0 ? write : r.uint();
}
