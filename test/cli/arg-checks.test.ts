// Arguments of the long measurements are checked before anything is measured (a review found a bad --out of
// `npm run calibrate` refused only after the whole measurement, its result lost, and a bad --reps of
// `validate -- loopback` failing after the runs): each refusal is one line and exit status 2, at once.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main as calibrate } from '../../src/cli/calibrate.ts';
import { run as loopback } from '../../src/cli/validate/loopback.ts';
import { checkWritable, UsageError } from '../../src/cli/demo-common.ts';

test('calibrate: an --out that cannot be written is refused before measuring', async () => {
  let err = '';
  const t0 = performance.now();
  const code = await calibrate(['--out', '/nonexistent-dir-x/host.yaml'], () => {}, (s) => void (err += s));
  assert.is(code, 2);
  assert.match(err, /^calibrate: cannot write --out \/nonexistent-dir-x\/host\.yaml: /);
  assert.ok(performance.now() - t0 < 5000, 'refused at once');
});

test('validate loopback: bad --reps, --seconds, --records, --loads and --calibrate-out are UsageErrors before any run', async () => {
  for (const [args, re] of [
    [['--reps', 'abc'], /--reps must be an integer in \[1, 50\]/],
    [['--reps', '0'], /--reps must be an integer/],
    [['--seconds', '-1'], /--seconds must be a number in \(0, 3600\]/],
    [['--records', '1.5'], /--records must be an integer/],
    [['--loads', '0.5,abc'], /--loads must be positive numbers/],
    [['--calibrate', '--calibrate-out', '/nonexistent-dir-x/h.yaml'], /cannot write --calibrate-out/],
  ] as const) {
    try {
      await loopback({ json: false, args: [...args] });
      assert.unreachable(args.join(' '));
    } catch (e) {
      assert.ok(e instanceof UsageError, `${args.join(' ')}: ${String(e)}`);
      assert.match((e as Error).message, re);
    }
  }
});

test('checkWritable: a folder, a missing folder and a writable file', () => {
  assert.throws(() => checkWritable('/tmp', 'x'), /it is a directory/);
  assert.throws(() => checkWritable('/nonexistent-dir-x/f', 'x'), /cannot write x/);
  checkWritable('/tmp/arg-checks-writable.txt', 'x');
});

test.run();
