// The predicted side of `npm run validate -- loopback`: the simulator with the calibrated one-core host model
// (models/host.yaml from `npm run calibrate`) and a loopback network, on the same arrival process as the generator
// (Poisson at the same rate, the same client count, records and size).
import { readFileSync } from 'node:fs';
import { runScenario } from '../../workload/index.ts';
import { parseModel, parseScenario } from '../../workload/config/index.ts';
import type { SimResult } from '../../workload/result.ts';

export interface ClientCostsUs {
  handshake_message_us: number;
  record_us: number;
  aead_op_us: number;
  aead_ns_per_byte: number;
  hash_block_ns: number;
  kx_keygen_us: number;
  kx_derive_us: number;
  sign_us: number;
  verify_us: number;
}

export interface PredictInput {
  modelFile: string;
  clients: number;
  rate: number;
  records: number;
  size: number;
  cookie: boolean;
  seed: number;
  /** Loopback one-way delay outside the server (kernel path), ms. */
  oneWayMs: number;
  clientCosts: ClientCostsUs;
}

export interface Prediction {
  serverUtilization: number;
  handshakesPerS: number;
  handshakeP50Ms: number;
  handshakeP99Ms: number;
  /** Predicted echo round trip: twice the simulated one-way record latency p50 (both directions are alike). */
  recordRttP50Us: number;
  result: SimResult;
}

export function scenarioYaml(p: PredictInput): string {
  const cc = Object.entries(p.clientCosts).map(([k, v]) => `    ${k}: ${Number(v.toPrecision(4))}`).join('\n');
  return `name: loopback-validation
description: the loadtest generator's workload against the demo server on one core (npm run validate -- loopback)
model:
  file: ${JSON.stringify(p.modelFile)}
  overrides: []
baseline_udp: false
clients:
  count: ${p.clients}
  arrival: { kind: poisson, rate_per_s: ${p.rate} }
  mix:
    suites: { TLS_AES_128_GCM_SHA256: 1 }
    groups: { x25519: 1 }
    signatures: { ecdsa_secp256r1_sha256: 1 }
  cookie: ${p.cookie}
  certificate: { type: ecdsa-p256, chain_length: 2 }
  costs:
${cc}
traffic:
  records_per_client: ${p.records}
  size: ${p.size}
  direction: echo
  rate: { process: constant, records_per_s: 100000 }
  close: true
network:
  one_way_ms: ${p.oneWayMs}
  jitter_ms: 0
  loss: 0
  access_bandwidth_mbps: 100000
  mtu: 1500
sim:
  seed: ${p.seed}
  warmup_ms: 0
  end_ms: 600000
`;
}

export function predict(p: PredictInput): Prediction {
  const scenario = parseScenario(scenarioYaml(p), 'loopback-validation.yaml');
  const model = parseModel(readFileSync(p.modelFile, 'utf8'), p.modelFile);
  const result = runScenario({ scenario, model, seed: p.seed, crypto: 'node' });
  const s = result.summary;
  const cpu = result.blocks.find((b) => b.name === 'cpu');
  return {
    serverUtilization: cpu ? cpu.busy_s / s.sim_time_s : Number.NaN,
    handshakesPerS: s.throughput.handshakes_per_s,
    handshakeP50Ms: s.handshake_latency_ms.p50,
    handshakeP99Ms: s.handshake_latency_ms.p99,
    recordRttP50Us: 2 * s.record_latency_us.p50,
    result,
  };
}
