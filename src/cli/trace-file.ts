// Operation-trace files of any size: a trace of a long many-client run (the full 10k-clients run: ~500 MB of JSON
// Lines) is near or above the longest string V8 holds (~512 MiB), so it is read and written in pieces of whole
// lines, never as one string.
//   readOpTraceFile(path) -> OpTrace (OpTraceError with the line number on bad input)
//   opTraceBytes(recorder) -> Uint8Array (the recorder's text, for writeOutputs); opTraceFileBytes(trace) -> Buffer
import { readFileSync } from 'node:fs';
import { OpTraceReader, formatOpTraceChunks, type OpTrace } from '../workload/trace/format.ts';
import type { OpTraceRecorder } from '../workload/trace/recorder.ts';



export function readOpTraceFile(path: string, piece = 1 << 26): OpTrace {
  const buf = readFileSync(path);
  const r = new OpTraceReader();
  let line = 0;
  for (let at = 0; at < buf.length; ) {
    // a piece ends after a newline (or at the end of the file): UTF-8 never splits there
    let end = Math.min(buf.length, at + piece);
    if (end < buf.length) {
      const nl = buf.lastIndexOf(10, end - 1);
      end = nl >= at ? nl + 1 : buf.indexOf(10, end) + 1 || buf.length;
    }
    const lines = buf.toString('utf8', at, end).split('\n');
    if (end < buf.length || lines[lines.length - 1] === '') lines.pop(); // the piece's final newline
    for (const l of lines) r.line(l, ++line);
    at = end;
  }
  return r.finish();
}

export function opTraceBytes(rec: OpTraceRecorder): Uint8Array {
  return rec.bytes();
}

export function opTraceFileBytes(t: OpTrace): Buffer {
  return Buffer.concat(formatOpTraceChunks(t).map((c) => Buffer.from(c, 'utf8')));
}
