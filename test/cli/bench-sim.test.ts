// `npm run bench -- sim --json`: the shape of what it prints (issue 14 item 6), on tiny runs. No timing is checked,
// only that every figure is there, of the right kind, and agrees with what the run itself must have done.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run, targetsFor } from '../../src/cli/bench/sim.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What `run` writes to stdout, parsed as JSON. */
async function bench(args: string[]): Promise<Record<string, unknown>> {
  let out = '';
  const write = process.stdout.write;
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  try {
    await run({ json: true, args });
  } finally {
    process.stdout.write = write;
  }
  return JSON.parse(out) as Record<string, unknown>;
}

const num = (r: Record<string, unknown>, k: string) => {
  assert.type(r[k], 'number', k);
  return r[k] as number;
};

test('--scenario with --set: heap per connection from the run itself, wall, CPU and peak RSS reported', async () => {
  const clients = 40;
  const r = await bench([
    '--scenario', join(root, 'scenarios/memory-per-connection.yaml'), '--clients', String(clients), '--no-replay',
    '--set', 'traffic.records_per_client=5',
  ]);
  assert.is(r.scenario, 'memory-per-connection');
  assert.is(r.clients, clients);
  assert.equal(r.overrides, ['traffic.records_per_client=5']);
  assert.is(r.memory_in_run, true);
  assert.is(r.memory_scenario, 'memory-per-connection');
  assert.is(r.memory_clients, clients);
  assert.is(r.bytes_per_connection_method, 'slope');
  assert.ok(num(r, 'wall_s') > 0);
  assert.ok(num(r, 'cpu_s') > 0);
  // maxRSS covers this process: at least the heap it has now
  assert.ok(num(r, 'peak_rss_bytes') >= process.memoryUsage().heapUsed * 0.5);
  assert.is(num(r, 'handshakes_completed'), clients);
  assert.ok(num(r, 'connections_at_measurement') <= clients);
  assert.ok(num(r, 'memory_samples') >= 1);
  // the replay was skipped: its figures are null, not invented
  assert.is(r.crypto_alone_s, null);
  assert.is(r.ratio, null);
  // memory-per-connection has baseline_udp: false
  assert.is(r.udp_baseline_wall_s, null);
  // the whole command: the co-simulation plus its heap sampling (no UDP baseline here)
  assert.ok(num(r, 'command_wall_s') >= num(r, 'wall_s') + num(r, 'heap_sampling_s') - 1e-6);
  assert.is((r.targets as { kind: string }).kind, 'sim');
  const perLive = r.heap_per_live_connection_at_peak;
  assert.ok(perLive === null || typeof perLive === 'number');
});

test('default memory source and the crypto replay: a second run of the memory scenario, a ratio', async () => {
  const r = await bench([
    '--scenario', join(root, 'scenarios/single-client.yaml'), '--memory-scenario', join(root, 'scenarios/memory-per-connection.yaml'),
    '--memory-clients', '30', '--replay',
  ]);
  assert.is(r.memory_in_run, false);
  assert.is(r.memory_clients, 30);
  assert.ok(num(r, 'crypto_ops') > 0);
  assert.ok(num(r, 'crypto_alone_s') > 0);
  assert.ok(Math.abs(num(r, 'ratio') - num(r, 'wall_s') / num(r, 'crypto_alone_s')) < 1e-9);
});

test('a --scenario run skips the crypto replay unless asked (--replay)', async () => {
  const r = await bench(['--scenario', join(root, 'scenarios/memory-per-connection.yaml'), '--clients', '10']);
  assert.is(r.crypto_alone_s, null);
  assert.is(r.crypto_ops, null);
});

test('the UDP baseline runs in a worker beside the co-simulation, or after it with --serial-udp', async () => {
  const base = ['--scenario', join(root, 'scenarios/iot-fleet.yaml'), '--clients', '30', '--set', 'sim.warmup_ms=0', '--set', 'sim.end_ms=2000', '--quiet'];
  const w = await bench(base);
  assert.is(w.udp_baseline_mode, 'worker');
  assert.ok(num(w, 'udp_baseline_wall_s') > 0);
  // the command ends with the later of the two
  assert.ok(num(w, 'command_wall_s') >= num(w, 'wall_s') + num(w, 'heap_sampling_s') - 1e-6);
  assert.ok(num(w, 'cpu_s') > 0);
  const s = await bench([...base, '--serial-udp']);
  assert.is(s.udp_baseline_mode, 'serial');
  assert.ok(num(s, 'command_wall_s') >= num(s, 'wall_s') + num(s, 'udp_baseline_wall_s') - 1e-6);
  // same run either way
  assert.is(s.events, w.events);
  // no baseline asked: none run
  const n = await bench([...base, '--set', 'baseline_udp=false']);
  assert.is(n.udp_baseline_mode, null);
  assert.is(n.udp_baseline_wall_s, null);
});

test('handshakes: the whole run\'s count beside the summary\'s after warm-up (a fleet connects during its warm-up)', async () => {
  // 30 devices arriving over 300 ms, statistics from 800 ms: every handshake happens in the warm-up
  const r = await bench([
    '--scenario', join(root, 'scenarios/iot-fleet.yaml'), '--clients', '30', '--set', 'clients.arrival.duration_ms=300',
    '--set', 'sim.warmup_ms=800', '--set', 'sim.end_ms=1500', '--set', 'baseline_udp=false', '--quiet',
  ]);
  assert.is(num(r, 'handshakes_completed'), 30);
  assert.is(num(r, 'handshakes_completed_after_warmup'), 0);
});

test('targets: the fleet\'s (issue 14) for iot-fleet at 10^6 devices only', () => {
  assert.equal(targetsFor('iot-fleet', 1e6), { kind: 'fleet', command_wall_s: 900, peak_rss_bytes: 8 * 2 ** 30, heap_per_live_connection: 4096 });
  assert.is(targetsFor('iot-fleet', 1e5).kind, 'sim');
  assert.is(targetsFor('10k-clients', 1e4).kind, 'sim');
});

test('bad input: an impossible --set or a missing scenario is one line naming the field, exit status 2, no stack trace', () => {
  const cli = (...a: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'src/cli/bench.ts'), 'sim', ...a], { cwd: root, encoding: 'utf8' });
  const bad = cli('--scenario', 'scenarios/iot-fleet.yaml', '--clients', '10', '--set', 'sim.end_ms=400');
  assert.is(bad.status, 2);
  assert.is(bad.stderr.trim(), 'override "sim.end_ms=400" sim.end_ms: must be > warmup_ms (10500)');
  assert.is(bad.stdout, '');
  const missing = cli('--scenario', 'scenarios/no-such-file.yaml');
  assert.is(missing.status, 2);
  assert.match(missing.stderr, /^scenarios\/no-such-file\.yaml: cannot read scenario file/);
  assert.not.match(missing.stderr, /\n\s+at /);
});

test.run();
