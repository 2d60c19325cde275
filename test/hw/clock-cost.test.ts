// Issue 12 item 6: cost depends on clock (src/hw/clock-cost.ts). Expected values computed by hand from the formulas
// in docs/models.md, and an end-to-end check that `npm run sim` at 250 and 2000 MHz reports different area and power.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { clockScaling } from '../../src/hw/clock-cost.ts';
import { main } from '../../src/cli/sim.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'clock-cost-'));
const p = { knee_mhz: 1000, area_growth: 1, clock_power_fraction: 0.3 };

test('at the knee nothing changes; below it only the clock tree scales; above it area grows quadratically', () => {
  assert.equal(clockScaling(1000, p), { area: 1, static: 1, energy: 1 });
  const slow = clockScaling(250, p);
  assert.is(slow.area, 1);
  assert.ok(Math.abs(slow.static - (0.7 + 0.3 * 0.25)) < 1e-12);
  const fast = clockScaling(2000, p);
  assert.is(fast.area, 2); // 1 + 1 x ((2000 - 1000) / 1000)^2
  assert.ok(Math.abs(fast.static - (0.7 * 2 + 0.3 * 2)) < 1e-12);
  assert.is(fast.energy, 2);
  assert.is(clockScaling(1500, p).area, 1.25);
});

function sink() {
  let s = '';
  return { write: (x: string) => ((s += x), true), isTTY: false, columns: 100, get text() { return s; } };
}

test('sim at aead 250 vs 2000 MHz: different area and power', async () => {
  const cost: Record<number, { area_mm2: number; avg_power_w: number }> = {};
  for (const mhz of [250, 2000]) {
    const out = join(tmp, String(mhz));
    const err = sink();
    const code = await main(
      [join(root, 'scenarios/10k-clients.yaml'), '--set', 'clients.count=20', '--set', `model.aead.clock_mhz=${mhz}`, '--quiet', '--no-charts', '--out', out],
      { stdout: sink(), stderr: err },
    );
    assert.is(code, 0, err.text);
    cost[mhz] = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).cost;
  }
  // baseline: 4 AEAD engines of 0.05 mm^2 at the 1000 MHz knee; at 2000 MHz each is 0.1 mm^2 (+0.2 mm^2 in all)
  assert.ok(Math.abs(cost[2000]!.area_mm2 - cost[250]!.area_mm2 - 0.2) < 1e-9, JSON.stringify(cost));
  assert.ok(cost[2000]!.avg_power_w > cost[250]!.avg_power_w, JSON.stringify(cost));
});

test.after(() => rmSync(tmp, { recursive: true, force: true }));
test.run();
