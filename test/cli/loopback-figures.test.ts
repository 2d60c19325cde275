// npm run validate -- loopback: which repetitions fell behind their offered load (src/cli/loopback/figures.ts), so
// that a load's handshakes/s is read as a saturated rate only where it is one. Expectations by hand.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SATURATED_SHARE, fellBehind, fig, summarize, table, type Row } from '../../src/cli/loopback/figures.ts';

const row = (rate: number, rep: number, measuredHs: number, predictedHs: number): Row => ({
  rate, rep, figures: { handshakes_per_s: fig(measuredHs, predictedHs), server_utilization: fig(0.9, 0.9) }, context: {} as Row['context'],
});

test('fellBehind: below 0.97 x the offered rate, not at it', () => {
  assert.is(SATURATED_SHARE, 0.97);
  assert.is(fellBehind(100, 96.99), true);
  assert.is(fellBehind(100, 97), false);
  assert.is(fellBehind(298, 272), true); // loopback-57 repetition 2: 272 of 298/s
  assert.is(fellBehind(298, 296), false); // its repetition 3: 296 of 298/s, 0.90 busy
});

test('summarize counts the repetitions that fell behind on each side; the table says when the top load was not saturated', () => {
  const rows = [row(50, 0, 50, 50), row(50, 1, 49.9, 50), row(100, 0, 99, 100), row(100, 1, 90, 96)];
  const s = summarize(rows, [50, 100], 80, false);
  assert.equal(s[0]!.saturated, { measured: 0, predicted: 0, repetitions: 2 });
  assert.equal(s[1]!.saturated, { measured: 1, predicted: 1, repetitions: 2 });
  const t = table(s);
  assert.match(t, /100 +fell behind the offered rate\s+1\/2\s+1\/2/);
  assert.match(t, /note: at the highest load \(100\/s\) the real server kept up in 1 of 2 repetitions/);
  // every repetition behind at the top load: no note
  const all = table(summarize([row(100, 0, 90, 91), row(100, 1, 80, 95)], [100], 80, false));
  assert.match(all, /fell behind the offered rate\s+2\/2\s+2\/2/);
  assert.not.match(all, /note:/);
});

test.run();
