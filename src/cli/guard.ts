// Guard rails before a run (issue 12): the estimate of src/workload/estimate.ts against what the machine has.
import { freemem, totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Scenario } from '../workload/config/index.ts';
import { estimateRun, type RunEstimate } from '../workload/estimate.ts';

/** What a run may use: the smaller of the memory available to the system and this process's JavaScript heap limit. */
export interface MemoryLimit {
  bytes: number;
  /** What the limit is, for the message. */
  what: string;
}

export function machineLimit(): MemoryLimit {
  const avail = freemem();
  const heap = getHeapStatistics().heap_size_limit;
  return heap < avail
    ? { bytes: heap, what: `the JavaScript heap limit (${gb(heap)}; raise with NODE_OPTIONS=--max-old-space-size=MB, machine has ${gb(avail)} available of ${gb(totalmem())})` }
    : { bytes: avail, what: `the memory available (${gb(avail)} of ${gb(totalmem())})` };
}

function gb(b: number): string {
  return b >= 1e9 ? `${(b / 1e9).toFixed(1)} GB` : `${(b / 1e6).toFixed(0)} MB`;
}

function duration(s: number): string {
  if (s < 120) return `${s.toFixed(0)} s`;
  if (s < 7200) return `${(s / 60).toFixed(0)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

export function describeEstimate(e: RunEstimate): string {
  return `${e.clients.toLocaleString('en-US')} clients x ${Number(e.recordsPerClient.toPrecision(6))} records, up to ${e.alive.toLocaleString('en-US')} connections at once: ~${gb(e.memoryBytes)} of memory, ~${Math.round(e.events).toLocaleString('en-US')} events, ~${duration(e.wallSeconds)} of wall time`;
}

/** A refusal message when the estimated memory exceeds the limit, else undefined. */
export function checkRun(sc: Scenario, limit: MemoryLimit): { estimate: RunEstimate; refusal?: string } {
  const estimate = estimateRun(sc);
  if (estimate.memoryBytes <= limit.bytes) return { estimate };
  return {
    estimate,
    refusal: `refusing to run: estimated ${describeEstimate(estimate)}; more than ${limit.what}.\nReduce clients.count, or pass --force to run anyway (estimate: src/workload/estimate.ts).`,
  };
}
