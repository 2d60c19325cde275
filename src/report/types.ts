// The SimResult contract is defined by the layer that produces it (src/workload/result.ts); the report layer,
// which sits above, renders it. Re-exported here so report code and its users keep one import path.
export type * from '../workload/result.ts';
