// Scenario/model loading: every shipped file validates, broken fixtures fail with the exact file:line:col and field.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  ConfigError,
  parseScenario,
  parseModel,
  applyModelOverrides,
  applyScenarioOverrides,
  applyOverrides,
  parseYamlConfig,
  resolveModelPath,
  scenarioName,
  oneWayDelayMs,
  distMean,
  isSlaMetric,
  ScenarioSchema,
  SLA_METRICS,
  applyScenarioModelOverrides,
  positionOf,
  mtuIssue,
} from '../../src/workload/config/index.ts';
import { loadInput } from '../../src/cli/sim.ts';
import { runCosim } from '../../src/workload/cosim.ts';
import { arrivalTimes } from '../../src/workload/population.ts';
import { MAX_TIME, Rng } from '../../src/sim/index.ts';
import * as z from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const read = (rel: string) => readFileSync(join(root, rel), 'utf8');

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw new Error(`expected ConfigError, got ${String(e)}`);
  }
  throw new Error('expected ConfigError, got success');
}

const baseline = () => parseModel(read('models/baseline.yaml'), 'models/baseline.yaml');

test('every shipped model validates', () => {
  for (const f of readdirSync(join(root, 'models')).filter((f) => f.endsWith('.yaml'))) {
    const m = parseModel(read(`models/${f}`), `models/${f}`);
    assert.ok(m.name.length > 0, f);
  }
  const sw = parseModel(read('models/software-only.yaml'), 'models/software-only.yaml');
  assert.is(sw.aead, undefined);
  assert.is(sw.pke, undefined);
  assert.is(sw.hash, undefined);
});

test('every shipped scenario validates and its model resolves and loads with its overrides', () => {
  for (const f of readdirSync(join(root, 'scenarios')).filter((f) => f.endsWith('.yaml'))) {
    const file = `scenarios/${f}`;
    const s = parseScenario(read(file), file);
    const mp = resolveModelPath(file, s.model.file);
    assert.ok(mp.startsWith('models/'), mp);
    const m = applyModelOverrides(parseModel(read(mp), mp), s.model.overrides);
    assert.ok(m.cpu.cores > 0);
    assert.is(scenarioName(s, file), f.replace(/\.yaml$/, ''));
  }
});

test('10k-clients carries the issue figures', () => {
  const s = parseScenario(read('scenarios/10k-clients.yaml'), 'scenarios/10k-clients.yaml');
  assert.is(s.clients.count, 10000);
  assert.equal(s.clients.arrival, { kind: 'ramp', duration_ms: 1000 });
  assert.equal(s.clients.mix.groups, { x25519: 1 });
  assert.is(s.clients.certificate.type, 'ecdsa-p256');
  assert.is(s.traffic.records_per_client, 20);
  assert.is(s.traffic.size, 1200);
  assert.is(s.traffic.direction, 'echo');
  assert.equal(s.sla, [
    { metric: 'handshake_latency_ms.p99', max: 10 },
    { metric: 'overhead_vs_udp.bytes_pct', max: 5 },
    { metric: 'overhead_vs_udp.throughput_ratio', min: 0.9 },
    { metric: 'memory.bytes_per_connection', max: 65536 },
  ]);
});

test('defaults fill a minimal scenario', () => {
  const s = parseScenario('model: { file: m.yaml }\nclients: { count: 3 }\n', 'min.yaml');
  assert.equal(s.clients.arrival, { kind: 'all_at_once' });
  assert.equal(s.clients.mix.suites, { TLS_AES_128_GCM_SHA256: 1 });
  assert.is(s.clients.cookie, false);
  assert.is(s.clients.certificate.chain_length, 2);
  assert.is(s.traffic.size, 1200);
  assert.is(s.traffic.direction, 'echo');
  assert.equal(s.traffic.rate, { process: 'constant', records_per_s: 1000 });
  assert.is(s.network.loss, 0);
  assert.is(s.network.mtu, 1500);
  assert.is(oneWayDelayMs(s.network), 0.05);
  assert.equal(s.sim, { seed: 1, warmup_ms: 0, end_ms: 60000, timeseries_interval_ms: 10 });
  assert.is(s.baseline_udp, true);
  assert.is(s.crypto, undefined);
  assert.equal(s.sla, []);
  assert.equal(s.model.overrides, []);
  assert.is(scenarioName(s, 'dir/min.yaml'), 'min');
});

// fixture -> exact rendered issues (one line each)
const expected: Record<string, string[]> = {
  'syntax-error.yaml': ['test/config/fixtures/syntax-error.yaml:6:1 YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
  'unknown-key.yaml': ['test/config/fixtures/unknown-key.yaml:5:3 clients.cokie: unknown key'],
  'wrong-type.yaml': ['test/config/fixtures/wrong-type.yaml:4:10 clients.count: expected number, got string'],
  'negative-count.yaml': ['test/config/fixtures/negative-count.yaml:4:10 clients.count: must be > 0'],
  'bad-enum.yaml': ['test/config/fixtures/bad-enum.yaml:6:14 traffic.direction: must be one of "up", "down", "echo"'],
  'bad-arrival.yaml': ['test/config/fixtures/bad-arrival.yaml:5:20 clients.arrival.kind: must be one of "all_at_once", "ramp", "poisson", "trace"'],
  'missing-model.yaml': ['test/config/fixtures/missing-model.yaml:1:1 model: required field is missing (expected object)'],
  'end-before-warmup.yaml': ['test/config/fixtures/end-before-warmup.yaml:7:11 sim.end_ms: must be > warmup_ms (500)'],
  'loss-above-one.yaml': ['test/config/fixtures/loss-above-one.yaml:6:9 network.loss: must be <= 1'],
  'mtu-too-small.yaml': [
    'test/config/fixtures/mtu-too-small.yaml:6:8 network.mtu: must be >= 284 (the DTLS core needs datagrams of at least 256 B: mtu - 20 (IPv4 header) - 8 (UDP); an IPv6 model needs 304)',
  ],
  'bad-sla.yaml': [
    'test/config/fixtures/bad-sla.yaml:7:15 sla.1.metric: unknown metric (see docs/scenarios.md for the list)',
    'test/config/fixtures/bad-sla.yaml:8:5 sla.2: needs max or min',
  ],
  'bad-size-dist.yaml': [
    'test/config/fixtures/bad-size-dist.yaml:6:39 traffic.size.sdev: unknown key',
    'test/config/fixtures/bad-size-dist.yaml:6:9 traffic.size: give either mean and sd, or mu and sigma',
  ],
};

for (const [f, lines] of Object.entries(expected)) {
  test(`fixture ${f} fails with position and field`, () => {
    const file = `test/config/fixtures/${f}`;
    const e = errorOf(() => parseScenario(read(file), file));
    assert.equal(e.message.split('\n'), lines);
    assert.is(e.issues.length, lines.length);
    assert.is(e.issues[0]!.file, file);
  });
}

test('fixture model-zero-cores.yaml: model schema names cpu.cores', () => {
  const file = 'test/config/fixtures/model-zero-cores.yaml';
  const e = errorOf(() => parseModel(read(file), file));
  assert.is(e.message, 'test/config/fixtures/model-zero-cores.yaml:5:10 cpu.cores: must be > 0');
  assert.equal({ line: e.issues[0]!.line, col: e.issues[0]!.col, path: e.issues[0]!.path }, { line: 5, col: 10, path: 'cpu.cores' });
});

test('fixture bad-override.yaml: the scenario parses, its model override is rejected naming the override', () => {
  const file = 'test/config/fixtures/bad-override.yaml';
  const s = parseScenario(read(file), file);
  const e = errorOf(() => applyModelOverrides(baseline(), s.model.overrides));
  assert.is(e.message, 'override "aead.instances=-2" aead.instances: must be >= 0');
});

test('fixture bad-override.yaml: applyScenarioModelOverrides reports the override at its scenario position', () => {
  const file = 'test/config/fixtures/bad-override.yaml';
  const text = read(file);
  const s = parseScenario(text, file);
  const e = errorOf(() => applyScenarioModelOverrides(baseline(), s, text, file));
  assert.is(e.message, 'test/config/fixtures/bad-override.yaml:3:15 model.overrides.0: "aead.instances=-2" aead.instances: must be >= 0');
  const ok = parseScenario(read('scenarios/bulk-throughput.yaml'), 'scenarios/bulk-throughput.yaml');
  assert.is(applyScenarioModelOverrides(baseline(), ok, read('scenarios/bulk-throughput.yaml'), 'x').port.mtu, 9000);
  assert.equal(positionOf('a:\n  b: [1, 2]\n', ['a', 'b', 1]), { line: 2, col: 10 });
});

test('overrides: numbers, booleans, nested objects, array items; original untouched', () => {
  const m = baseline();
  const m2 = applyModelOverrides(m, ['aead.instances=8', 'aead.chacha_poly_parallel=false', 'port.cost={area_mm2: 1}']);
  assert.is(m2.aead!.instances, 8);
  assert.is(m2.aead!.chacha_poly_parallel, false);
  assert.equal(m2.port.cost, { area_mm2: 1, static_mw: 0, energy_pj_per_byte: 0 });
  assert.is(m.aead!.instances, 4);
  const s = parseScenario(read('scenarios/10k-clients.yaml'), 'scenarios/10k-clients.yaml');
  const s2 = applyScenarioOverrides(s, ['clients.count=100', 'sla.0.max=20', 'traffic.size={dist: exponential, mean: 500}']);
  assert.is(s2.clients.count, 100);
  assert.is(s2.sla[0]!.max, 20);
  assert.equal(s2.traffic.size, { dist: 'exponential', mean: 500 });
  assert.is(distMean(s2.traffic.size), 500);
});

test('override errors name the override and the field', () => {
  const m = baseline();
  const cases: [string, string][] = [
    ['aead.bogus=1', 'override "aead.bogus=1" aead.bogus: unknown key'],
    ['port.mtu=100', 'override "port.mtu=100" port.mtu: must be >= 200'],
    ['aead.cycles_per_block.aes_128_gcm=fast', 'override "aead.cycles_per_block.aes_128_gcm=fast" aead.cycles_per_block.aes_128_gcm: expected number, got string'],
    ['aead.instances', 'override "aead.instances" expected path=value'],
    ['aead.instances=[1, 2', 'override "aead.instances=[1, 2" aead.instances: value is not valid YAML: Flow sequence must end with a ]'],
    ['port.mtu.x=1', 'override "port.mtu.x=1" port.mtu: is a number, cannot set a field inside it'],
    ['pke.instances=1.5', 'override "pke.instances=1.5" pke.instances: must be an integer'],
    ['port.line_rate_gbps=.inf', 'override "port.line_rate_gbps=.inf" port.line_rate_gbps: must be a finite number'],
  ];
  for (const [ov, msg] of cases) assert.is(errorOf(() => applyModelOverrides(m, [ov])).message, msg, ov);
  // the first failing override stops the chain, later ones are not applied
  assert.is(errorOf(() => applyModelOverrides(m, ['aead.instances=2', 'dma.max_outstanding=0'])).issues[0]!.path, 'dma.max_outstanding');
});

test('software-only: adding an accelerator block by override must be complete', () => {
  const sw = parseModel(read('models/software-only.yaml'), 'models/software-only.yaml');
  const e = errorOf(() => applyModelOverrides(sw, ['aead.instances=2']));
  assert.ok(e.issues.some((i) => i.path === 'aead.clock_mhz'), e.message);
});

test('cross-field and union checks', () => {
  const base = 'model: { file: m.yaml }\nclients: { count: 3 }\n';
  let e = errorOf(() => parseScenario(base + 'network: { rtt_ms: 1, one_way_ms: 2 }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:35 network.one_way_ms: use either rtt_ms or one_way_ms, not both');
  e = errorOf(() => parseScenario(base + 'traffic: { size: 20000 }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:18 traffic.size: must be <= 16384 (DTLS record plaintext limit)');
  e = errorOf(() => parseScenario(base + 'traffic: { size: [1, 2] }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:18 traffic.size: expected number or object');
  e = errorOf(() => parseScenario(base + 'traffic: { size: { dist: uniform, min: 10, max: 5 } }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:49 traffic.size.max: max must be >= min');
  e = errorOf(() => parseScenario(base + 'traffic: { size: { dist: constant, value: 5 } }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:26 traffic.size.dist: must be one of "deterministic", "uniform", "exponential", "normal", "lognormal", "empirical"');
  e = errorOf(() => parseScenario(base + 'network: { one_way_ms: { dist: exponential, mean: 1, rate: 2 } }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:3:51 network.one_way_ms.mean: give exactly one of mean or rate');
  e = errorOf(() => parseScenario(base.replace('count: 3', 'count: 3, mix: { groups: { x25519: 0 } }'), 's.yaml'));
  assert.is(e.message, 's.yaml:2:37 clients.mix.groups: at least one weight must be > 0');
  e = errorOf(() => parseScenario(base + 'sla:\n  - { metric: blocks.aead.utilization, max: 90 }\n', 's.yaml'));
  assert.is(e.message, 's.yaml:4:45 sla.0.max: must be in [0, 1] (utilization is a fraction, not a percent)');
  e = errorOf(() => parseScenario(base + 'sim: { warmup_ms: 10, end_ms: 10 }\n', 's.yaml'));
  assert.is(e.issues[0]!.path, 'sim.end_ms');
  e = errorOf(() => parseScenario('model: { file: m.yaml }\nclients: *nope\n', 'alias.yaml'));
  assert.is(e.message, 'alias.yaml:2:10 YAML error: Unresolved alias (the anchor must be set before the alias): nope');
  e = errorOf(() => parseScenario('model: !weird { file: m.yaml }\nclients: { count: 1 }\n', 'tag.yaml'));
  assert.match(e.message, /^tag\.yaml:1:8 YAML syntax error: Unresolved tag: !weird/);
  e = errorOf(() => parseScenario('model: { file: m.yaml }\nclients: { count: 3 }\nclients: { count: 4 }\n', 'dup.yaml'));
  assert.match(e.message, /^dup\.yaml:3:1 YAML syntax error: Map keys must be unique/);
});

// network.mtu 200..283 passed and the DTLS core refused its datagram limit (mtu - IP - UDP < 256) at run time
test('network.mtu: floor of the DTLS core datagram limit, IPv4 in the schema, IPv6 with the model', () => {
  const base = 'model: { file: m.yaml }\nclients: { count: 3 }\n';
  const e = errorOf(() => parseScenario(base + 'network: { mtu: 283 }\n', 's.yaml'));
  assert.is(
    e.message,
    's.yaml:3:17 network.mtu: must be >= 284 (the DTLS core needs datagrams of at least 256 B: mtu - 20 (IPv4 header) - 8 (UDP); an IPv6 model needs 304)',
  );
  assert.is(parseScenario(base + 'network: { mtu: 284 }\n', 's.yaml').network.mtu, 284);
  assert.is(
    errorOf(() => parseScenario(base + 'network: { mtu: 65536 }\n', 's.yaml')).message,
    "s.yaml:3:17 network.mtu: must be <= 65535 (the largest IP packet; 65535 - 20 (IPv4) - 8 (UDP) = 65507, the DTLS core's largest datagram)",
  );
  assert.is(mtuIssue({ mtu: 303 }, 6), 'must be >= 304 with an IPv6 model (port.ip_version 6): the DTLS core needs datagrams of at least 256 B, and 303 - 40 (IPv6 header) - 8 (UDP) leaves 255');
  assert.is(mtuIssue({ mtu: 304 }, 6), undefined);
  assert.is(mtuIssue({ mtu: 284 }, 4), undefined);

  // where scenario and model meet: the CLI's loadInput names the scenario file's position or the --set override
  const dir = mkdtempSync(join(tmpdir(), 'mtu-'));
  try {
    const file = join(dir, 's.yaml');
    const modelFile = join(root, 'models/baseline.yaml');
    writeFileSync(file, `model:\n  file: ${modelFile}\n  overrides: ['port.ip_version=6']\nclients: { count: 1 }\nnetwork:\n  mtu: 300\n`);
    const why = `must be >= 304 with an IPv6 model (port.ip_version 6): the DTLS core needs datagrams of at least 256 B, and 300 - 40 (IPv6 header) - 8 (UDP) leaves 252 (${modelFile})`;
    assert.is(errorOf(() => loadInput(file, { set: [] })).message, `${file}:6:8 network.mtu: ${why}`);
    assert.is(errorOf(() => loadInput(file, { set: ['network.mtu=290', 'clients.count=2'] })).message, `override "network.mtu=290" network.mtu: ${why.replace(/300/g, '290').replace('252', '242')}`);
    const ok = loadInput(file, { set: ['network.mtu=304'] });
    assert.is(ok.model.port.ip_version, 6);
    // and the co-simulation itself refuses it (callers other than the CLI: DSE, tests), before running anything
    const bad = { ...ok.scenario, network: { ...ok.scenario.network, mtu: 303 } };
    assert.throws(() => runCosim({ scenario: bad, model: ok.model, seed: 1, crypto: 'node' }), (err: Error) =>
      err.name === 'InputError' && err.message === `network.mtu: ${why.replace(/300/g, '303').replace('252', '255').replace(` (${modelFile})`, '')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// a normal one-way delay without min drew negative delays and stopped the run with a SimTimeError
test('network.one_way_ms: a normal delay needs min, a delay distribution stays within the delay limit', () => {
  const base = 'model: { file: m.yaml }\nclients: { count: 3 }\n';
  let e = errorOf(() => parseScenario(base + 'network: { one_way_ms: { dist: normal, mean: 0.05, sd: 1 } }\n', 's.yaml'));
  assert.is(
    e.message,
    's.yaml:3:12 network.one_way_ms.min: required for a delay: a normal distribution draws negative values (give min: 0 or more; samples are clamped to [min, max])',
  );
  const ok = parseScenario(base + 'network: { one_way_ms: { dist: normal, mean: 0.05, sd: 1, min: 0 } }\n', 's.yaml');
  assert.equal(ok.network.one_way_ms, { dist: 'normal', mean: 0.05, sd: 1, min: 0 });
  e = errorOf(() => applyScenarioOverrides(ok, ['network.one_way_ms={dist: normal, mean: 1, sd: 1}']));
  assert.is(e.issues[0]!.path, 'network.one_way_ms.min');
  e = errorOf(() => parseScenario(base + 'network: { one_way_ms: { dist: uniform, min: 0, max: 2000000 } }\n', 's.yaml'));
  assert.is(
    e.message,
    "s.yaml:3:54 network.one_way_ms.max: must be <= 1000000 (the simulation kernel's clock ends at 2^53-1 ps, about 9,007 s; a delay or timer is at most 1,000 s, so that it fits after the longest run)",
  );
  // a size is not a delay: its samples are clamped to [1, 16384] anyway
  assert.equal(parseScenario(base + 'traffic: { size: { dist: normal, mean: 500, sd: 400 } }\n', 's.yaml').traffic.size, { dist: 'normal', mean: 500, sd: 400 });
});

// times beyond the kernel's clock (2^53-1 ps) passed validation and stopped the run with a SimTimeError
test('time fields and model rates are bounded by the simulation kernel clock', () => {
  const base = 'model: { file: m.yaml }\nclients: { count: 3 }\n';
  const run = "(the simulation kernel's clock ends at 2^53-1 ps, about 9,007 s; a run or an instant is at most 4,500 s, half of it)";
  const delay = "(the simulation kernel's clock ends at 2^53-1 ps, about 9,007 s; a delay or timer is at most 1,000 s, so that it fits after the longest run)";
  assert.is(errorOf(() => parseScenario(base + 'sim: { end_ms: 1e7 }\n', 's.yaml')).message, `s.yaml:3:16 sim.end_ms: must be <= 4500000 ${run}`);
  assert.is(parseScenario(base + 'sim: { end_ms: 4500000 }\n', 's.yaml').sim.end_ms, 4_500_000);
  const s = parseScenario(base, 's.yaml');
  const cases: [string, string][] = [
    ['network.rtt_ms=1e13', "override \"network.rtt_ms=1e13\" network.rtt_ms: must be <= 2000000 (the simulation kernel's clock ends at 2^53-1 ps, about 9,007 s; the one-way delay rtt_ms / 2 is at most 1,000 s, so that it fits after the longest run)"],
    ['sim.warmup_ms=5e6', `override "sim.warmup_ms=5e6" sim.warmup_ms: must be <= 4500000 ${run}\noverride "sim.warmup_ms=5e6" sim.end_ms: must be > warmup_ms (5000000)`],
    ['traffic.duration_ms=1e13', `override "traffic.duration_ms=1e13" traffic.duration_ms: must be <= 4500000 ${run}`],
    ['clients.arrival={kind: ramp, duration_ms: 1e10}', `override "clients.arrival={kind: ramp, duration_ms: 1e10}" clients.arrival.duration_ms: must be <= 4500000 ${run}`],
    ['network.jitter_ms=1000001', `override "network.jitter_ms=1000001" network.jitter_ms: must be <= 1000000 ${delay}`],
    ['dtls.timers.max_rto_ms=1e9', `override "dtls.timers.max_rto_ms=1e9" dtls.timers.max_rto_ms: must be <= 1000000 ${delay}`],
    ['dtls.half_open.handshake_timeout_ms=1e9', `override "dtls.half_open.handshake_timeout_ms=1e9" dtls.half_open.handshake_timeout_ms: must be <= 1000000 ${delay}`],
    ['network.access_bandwidth_mbps=1e-9', "override \"network.access_bandwidth_mbps=1e-9\" network.access_bandwidth_mbps: must be >= 0.001 (a slower link serializes one 64 KiB datagram for more than about 500 s, beyond what the simulation kernel's clock leaves after the longest run)"],
  ];
  for (const [ov, msg] of cases) assert.is(errorOf(() => applyScenarioOverrides(s, [ov])).message, msg, ov);

  const rate = "(slower gives service times beyond the simulation kernel's clock of 2^53-1 ps, about 9,007 s; no real part is this slow)";
  const m = baseline();
  const modelCases: [string, string][] = [
    ['port.line_rate_gbps=1e-300', `override "port.line_rate_gbps=1e-300" port.line_rate_gbps: must be >= 0.001 ${rate}`],
    ['dma.bandwidth_gbps=0.0009', `override "dma.bandwidth_gbps=0.0009" dma.bandwidth_gbps: must be >= 0.001 ${rate}`],
    ['aead.clock_mhz=0.5', `override "aead.clock_mhz=0.5" aead.clock_mhz: must be >= 1 ${rate}`],
    ['hash.clock_mhz=1e-9', `override "hash.clock_mhz=1e-9" hash.clock_mhz: must be >= 1 ${rate}`],
    ['cpu.clock_ghz=1e-6', `override "cpu.clock_ghz=1e-6" cpu.clock_ghz: must be >= 0.001 ${rate}`],
  ];
  for (const [ov, msg] of modelCases) assert.is(errorOf(() => applyModelOverrides(m, [ov])).message, msg, ov);
  assert.is(applyModelOverrides(m, ['port.line_rate_gbps=0.001', 'aead.clock_mhz=1', 'cpu.clock_ghz=0.001']).port.line_rate_gbps, 0.001);

  // Poisson arrivals slower than the run: a start beyond the kernel's clock is kept at its end, never run
  const starts = arrivalTimes({ kind: 'poisson', rate_per_s: 1e-9 }, 3, new Rng(1));
  assert.ok(starts.every((t) => t === MAX_TIME), String(starts));
});

test('SLA metric names follow summary.json', () => {
  assert.ok(isSlaMetric('handshake_latency_ms.p99'));
  assert.ok(isSlaMetric('blocks.aead.utilization'));
  assert.ok(isSlaMetric('drops.queue_full'));
  assert.not.ok(isSlaMetric('handshake_latency_ms.p95'));
  assert.not.ok(isSlaMetric('blocks.aead'));
});

test('every fixed SLA metric is a numeric field of the report Summary', async () => {
  const { normalizeSimResult } = await import('../../src/report/index.ts');
  const summary = normalizeSimResult({}).summary as unknown as Record<string, unknown>;
  for (const m of SLA_METRICS) {
    let v: unknown = summary;
    for (const seg of m.split('.')) {
      assert.ok(typeof v === 'object' && v !== null && Object.hasOwn(v, seg), `${m}: no ${seg}`);
      v = (v as Record<string, unknown>)[seg];
    }
    assert.type(v, 'number', m);
  }
});

test('resolveModelPath is relative to the scenario file', () => {
  assert.is(resolveModelPath('scenarios/10k.yaml', '../models/baseline.yaml'), 'models/baseline.yaml');
  assert.is(resolveModelPath('/abs/dir/s.yaml', 'm/x.yaml'), '/abs/dir/m/x.yaml');
  assert.is(resolveModelPath('s.yaml', 'models/x.yaml'), 'models/x.yaml');
  assert.is(resolveModelPath('a/b/s.yaml', '/etc/m.yaml'), '/etc/m.yaml');
});

test('parseYamlConfig is generic (e.g. DSE sweep files)', () => {
  const Sweep = z.strictObject({ scenario: z.string(), params: z.array(z.strictObject({ path: z.string(), values: z.array(z.number()).min(1) })) });
  const ok = parseYamlConfig('scenario: s.yaml\nparams:\n  - { path: aead.instances, values: [1, 2] }\n', 'sw.yaml', Sweep);
  assert.equal(ok.params[0]!.values, [1, 2]);
  const e = errorOf(() => parseYamlConfig('scenario: s.yaml\nparams:\n  - { path: aead.instances, values: [] }\n', 'sw.yaml', Sweep));
  assert.is(e.message, 'sw.yaml:3:37 params.0.values: must have at least 1 item(s)');
  // generic applyOverrides with the scenario schema equals applyScenarioOverrides
  const s = parseScenario('model: { file: m.yaml }\nclients: { count: 3 }\n', 'x.yaml');
  assert.equal(applyOverrides(s, ['clients.count=5'], ScenarioSchema), applyScenarioOverrides(s, ['clients.count=5']));
});

test('empty document reports the missing required sections', () => {
  const e = errorOf(() => parseScenario('', 'empty.yaml'));
  assert.equal(e.issues.map((i) => i.path), ['model', 'clients']);
});

test.run();
