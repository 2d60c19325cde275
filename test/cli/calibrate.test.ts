// npm run calibrate: pricing of traced operations (by hand), the rendered model validates against the model schema,
// and the shipped calibrated model (models/host.yaml) runs every shipped scenario.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../interop/harness.ts';
import { priceOp } from '../../src/cli/calibrate/protocol.ts';
import { renderHostModel } from '../../src/cli/calibrate/render.ts';
import type { MicroResults } from '../../src/cli/calibrate/micro.ts';
import { parseModel, parseScenario, applyScenarioOverrides } from '../../src/workload/config/index.ts';
import { runScenario } from '../../src/workload/index.ts';

const lin = (fixedNs: number, perUnitNs: number) => ({ fixedNs, perUnitNs, how: 'test' });
const micro: MicroResults = {
  aead: { aes_128_gcm: lin(1000, 2), aes_256_gcm: lin(1100, 3), chacha20_poly1305: lin(900, 4), aes_128_ccm: lin(1200, 5) },
  snMaskNs: 300,
  hash: { sha256: lin(500, 100), sha384: lin(600, 200) },
  pkeNs: { x25519_keygen: 50_000, x25519_derive: 60_000, p256_keygen: 70_000, p256_derive: 80_000, ed25519_sign: 40_000, ed25519_verify: 90_000, ecdsa_p256_sign: 45_000, ecdsa_p256_verify: 95_000 },
};

test('priceOp: each kind priced from the micro figures (hand-computed)', () => {
  // seal of 1200 B with AES-128-GCM: 1000 + 2 x 1200
  assert.is(priceOp({ op: 'aead-seal', alg: 'AES-128-GCM', inputBytes: 1200, outputBytes: 1216 }, micro), 3400);
  // open prices the plaintext: 1100 + 3 x 100
  assert.is(priceOp({ op: 'aead-open', alg: 'AES-256-GCM', inputBytes: 116, outputBytes: 100 }, micro), 1400);
  assert.is(priceOp({ op: 'sn-mask', alg: 'AES-128-GCM', inputBytes: 16, outputBytes: 16, blocks: 1 }, micro), 300);
  // HMAC-SHA-384 of 4 compressions: 600 + 4 x 200
  assert.is(priceOp({ op: 'hmac', alg: 'SHA-384', inputBytes: 48, outputBytes: 48, blocks: 4 }, micro), 1400);
  assert.is(priceOp({ op: 'kx-keygen', alg: 'X25519', inputBytes: 0, outputBytes: 32 }, micro), 50_000);
  assert.is(priceOp({ op: 'kx-derive', alg: 'P-256', inputBytes: 65, outputBytes: 32 }, micro), 80_000);
  assert.is(priceOp({ op: 'sign', alg: 'ecdsa_secp256r1_sha256', inputBytes: 130, outputBytes: 72 }, micro), 45_000);
  assert.is(priceOp({ op: 'verify', alg: 'ed25519', inputBytes: 130, outputBytes: 0, ok: true }, micro), 90_000);
});

test('the rendered host model validates and runs a small scenario', () => {
  const yaml = renderHostModel(
    { cpuModel: 'test CPU', clockGhz: 2, node: 'v20', crypto: 'node', date: '2026-12-04T00:00:00Z', command: 'npm run calibrate' },
    micro,
    { handshakes: 10, handshakeNs: 500_000, handshakeCryptoNs: 300_000, handshakeMessages: 7, handshakeRecords: 5, echoNs: 20_000, echoCryptoNs: 8_000, perRecordNs: 6_000, perMessageNs: 24_000 },
    { perDatagramNs: 10_000, how: 'test' },
  );
  const m = parseModel(yaml, 'host.yaml');
  // cycles = ns x GHz
  assert.is(m.cpu.cycles_per_record, 12_000);
  assert.is(m.cpu.cycles_per_handshake_message, 48_000);
  assert.is(m.cpu.cycles_per_datagram, 20_000);
  assert.is(m.cpu.software.pke_cycles.ecdsa_p256_sign, 90_000);
  assert.is(m.cpu.cores, 1);
});

test('models/host.yaml (shipped calibration) validates and runs every shipped scenario (10 clients)', () => {
  const model = parseModel(readFileSync(join(ROOT, 'models/host.yaml'), 'utf8'), 'models/host.yaml');
  for (const f of readdirSync(join(ROOT, 'scenarios')).filter((x) => x.endsWith('.yaml'))) {
    let sc = parseScenario(readFileSync(join(ROOT, 'scenarios', f), 'utf8'), f);
    sc = applyScenarioOverrides(sc, ['clients.count=10', 'sim.warmup_ms=0']);
    // hello-flood sizes its flood at 10x an accelerator's handshake capacity (509k hellos/s): a one-core software
    // host drowns in it, as it would for real. Scaled to the host (100 hellos/s) legitimate handshakes must finish.
    if (sc.attack) sc = applyScenarioOverrides(sc, ['attack.hello_rate_per_s=100', 'attack.garbage_rate_per_s=100']);
    const r = runScenario({ scenario: sc, model, seed: 1, crypto: 'node' });
    assert.ok(r.summary.handshakes.completed > 0, `${f}: no handshake completed on the host model`);
    const cpu = r.blocks.find((b) => b.name === 'cpu')!;
    assert.ok(cpu.utilization > 0, `${f}: host cpu idle`);
  }
});

test.run();
