// Operation-trace files read and written in pieces of whole lines (src/cli/trace-file.ts, OpTraceReader,
// formatOpTraceChunks, OpTraceRecorder.chunks): a trace larger than V8's longest string must round-trip. Small
// pieces here exercise the boundaries; the expected trace is the whole-text parse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatOpTrace, formatOpTraceChunks, parseOpTrace, OpTraceError } from '../../src/workload/trace/format.ts';
import { syntheticTrace } from '../../src/workload/trace/synthetic.ts';
import { OpTraceRecorder } from '../../src/workload/trace/recorder.ts';
import { readOpTraceFile } from '../../src/cli/trace-file.ts';

const tmp = mkdtempSync(join(tmpdir(), 'trace-file-'));

test('pieces of whole lines: chunks join to the text; the file reader gives the same trace at any piece size', () => {
  const t = syntheticTrace({ jobs: 300, ratePerS: 1e6, connections: 5, seed: 2, rsaBits: 2048 });
  const text = formatOpTrace(t);
  const chunks = formatOpTraceChunks(t, 2000);
  assert.ok(chunks.length > 10, `${chunks.length} chunks`);
  for (const c of chunks) assert.ok(c.endsWith('\n'));
  assert.is(chunks.join(''), text);
  const f = join(tmp, 'ops.jsonl');
  writeFileSync(f, text);
  const whole = parseOpTrace(text);
  for (const piece of [1, 100, 4096, 1 << 26]) assert.equal(readOpTraceFile(f, piece), whole, `piece ${piece}`);
  // errors keep their line numbers across pieces
  const lines = text.split('\n');
  lines[150] = '{"type":"job","id":"x"}';
  writeFileSync(f, lines.join('\n'));
  try {
    readOpTraceFile(f, 512);
    assert.unreachable();
  } catch (e) {
    assert.instance(e, OpTraceError);
    assert.match((e as Error).message, /line 151:/);
  }
});

test('recorder: chunks of whole lines equal its text', () => {
  const rec = new OpTraceRecorder({ model: 'm', params_digest: 'd' });
  for (let i = 0; i < 200; i++) {
    const id = rec.startJob('send', i * 10, { peer: `client-${i}` });
    rec.submit(id, { block: 'cpu', op: 'record', cycles: 5 }, i * 10);
    rec.served(id, i * 10, i * 10 + 5);
    rec.endJob(id);
  }
  const chunks = rec.chunks(500);
  assert.ok(chunks.length > 5);
  for (const c of chunks) assert.ok(c.endsWith('\n'));
  assert.is(chunks.join(''), rec.text());
  assert.is(parseOpTrace(rec.text()).jobs.length, 200);
});

test.run();
