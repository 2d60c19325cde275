// `npm run sim -- --replay`: files written, same-model replay of a replayed trace differs by 0 ps, bad input exits 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/sim.ts';
import { parseOpTrace, formatOpTrace } from '../../src/workload/trace/format.ts';
import { syntheticTrace } from '../../src/workload/trace/synthetic.ts';

const tmp = mkdtempSync(join(tmpdir(), 'traces-cli-'));
const io = () => {
  const o = { out: '', err: '' };
  return { o, io: { stdout: { write: (s: string) => (o.out += s) }, stderr: { write: (s: string) => (o.err += s) } } };
};

test('replay writes its files; replaying the replayed trace on the same model gives 0 ps', async () => {
  const src = join(tmp, 'in.jsonl');
  writeFileSync(src, formatOpTrace(syntheticTrace({ jobs: 300, ratePerS: 2e6, seed: 2 })));
  const a = io();
  assert.is(await main(['--replay', src, '--model', 'baseline', '--out', join(tmp, 'r1'), '--trace', 'ops,perfetto,vcd', '--quiet'], a.io), 0);
  for (const f of ['ops.jsonl', 'perfetto.json', 'trace.vcd', 'replay-summary.json']) assert.ok(existsSync(join(tmp, 'r1', f)), f);
  const t1 = parseOpTrace(readFileSync(join(tmp, 'r1', 'ops.jsonl'), 'utf8'));
  assert.is(t1.header.model, 'baseline');
  const b = io();
  assert.is(await main(['--replay', join(tmp, 'r1', 'ops.jsonl'), '--model', 'models/baseline.yaml', '--out', join(tmp, 'r2'), '--quiet'], b.io), 0);
  const s = JSON.parse(readFileSync(join(tmp, 'r2', 'replay-summary.json'), 'utf8'));
  assert.is(s.same_model, true);
  assert.is(s.largest_difference_from_input_ps, 0);
  assert.equal(s.structural_differences, []);
  assert.match(b.o.out, /largest difference from the input 0 ps \(same model\)/);
  // another model: one AEAD engine and software-only give other (plausible: not faster) times
  const c = io();
  assert.is(await main(['--replay', join(tmp, 'r1', 'ops.jsonl'), '--model', 'software-only', '--out', join(tmp, 'r3'), '--quiet'], c.io), 0);
  const s3 = JSON.parse(readFileSync(join(tmp, 'r3', 'replay-summary.json'), 'utf8'));
  assert.is(s3.same_model, false);
  assert.ok(s3.simulated_s >= s.simulated_s, `software-only ${s3.simulated_s} s vs baseline ${s.simulated_s} s`);
});

test('bad input: exit 2 with a message', async () => {
  const bad = join(tmp, 'bad.jsonl');
  writeFileSync(bad, '{"type":"job"}\n');
  const good = join(tmp, 'good.jsonl');
  writeFileSync(good, formatOpTrace(syntheticTrace({ jobs: 3, ratePerS: 1e6 })));
  for (const [argv, msg] of [
    [['--replay', bad, '--model', 'baseline'], /line 1: the first line must be the header/],
    [['--replay', bad], /usage/],
    [['--replay', good, '--model', 'nope-model'], /nope-model/],
    [['--replay', bad, '--model', 'baseline', '--seed', '3'], /unexpected argument --seed/],
    [['--replay', bad, '--model', 'baseline', '--trace', 'pcap'], /unknown kind/],
  ] as const) {
    const x = io();
    assert.is(await main([...argv], x.io), 2, argv.join(' '));
    assert.match(x.o.err, msg);
  }
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
