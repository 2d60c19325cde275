// Hardware blocks built on the kernel (src/sim). Formulas and parameters: docs/models.md.
export type * from './params.ts';
export * from './types.ts';
export { BlockBase, hz, nsToPs, usToPs } from './block.ts';
export * from './aead.ts';
export * from './hash.ts';
export * from './pke.ts';
export * from './cpu.ts';
export * from './port.ts';
export * from './dma.ts';
export * from './context-cache.ts';
export * from './platform.ts';
export * from './capacity.ts';
