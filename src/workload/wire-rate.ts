// Wire rate per direction of the server port: the bytes the port serialized (framing included) per second of the
// statistics window, i.e. the port direction's utilisation x its line rate. Bytes that were queued but not yet
// serialized, tail-dropped at the port, or lost before reaching it do not count, so the figure can never exceed
// the line rate (docs/outputs.md, "wire rate").
import type { HwBlockStats } from '../hw/index.ts';

export function portWireGbps(blocks: readonly HwBlockStats[], lineRateGbps: number): { rx: number; tx: number } {
  let rx = 0;
  let tx = 0;
  for (const b of blocks) {
    if (b.kind !== 'port') continue;
    if (b.name.endsWith('_rx')) rx += b.utilization * lineRateGbps;
    else if (b.name.endsWith('_tx')) tx += b.utilization * lineRateGbps;
  }
  return { rx, tx };
}
