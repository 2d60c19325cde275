// src/dtls/record: DTLS 1.3 record layer. See ./layer.ts (RecordLayer) and ./header.ts (framing helpers).
export * from './header.ts';
export * from './replay.ts';
export * from './layer.ts';
export { PackWriter, PackReader, PackError } from './pack.ts';
export { PackStore, PACK_SLOT_MAX, packStoreBytes, type SlotRef } from './pack-store.ts';
export { packLayer, unpackLayer, type LayerFields } from './layer-state.ts';
