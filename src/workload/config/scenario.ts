// Scenario schema (scenarios/*.yaml). Every field, its type, default and meaning: docs/scenarios.md.
import { posix as path } from 'node:path';
import * as z from 'zod';
import { SUITE_NAMES, type CipherSuiteName } from '../../dtls/crypto/suites.ts';
import { DelayDistSpec, PositiveDistSpec, type DistSpec } from './dist.ts';
import { DELAY_LIMIT_WHY, MAX_DELAY_MS, MIN_ACCESS_MBPS, RTT_LIMIT_WHY, delayMs, runMs } from './limits.ts';
import { DtlsSchema } from './dtls.ts';
import { AttackSchema } from './attack.ts';
import { CERT_KEY_TYPES, ClientAuthSchema } from './auth.ts';
import { ConnectionIdLengthSchema, ExternalPskSchema, PerMinuteFractionSchema } from './fleet.ts';
import { SlaSchema } from './sla.ts';
import { parseYamlConfig, applyOverrides, ConfigError, positionOf } from './yaml.ts';
import { applyModelOverrides, type ModelConfig } from './model.ts';
import { IPV4_HEADER_BYTES, IPV6_HEADER_BYTES, UDP_HEADER_BYTES } from '../../hw/port.ts';

const posNum = z.number().positive();
const nonNeg = z.number().nonnegative();
const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

export const GROUPS = ['x25519', 'secp256r1', 'X25519MLKEM768', 'MLKEM768'] as const;
/** rsa_pss_rsae_sha256: the clients that pick it talk to the server's RSA chain (clients.certificate.type rsa-2048 or
 *  rsa-3072; rsa-2048 if the type is not RSA). */
export const SIGNATURES = ['ecdsa_secp256r1_sha256', 'ed25519', 'rsa_pss_rsae_sha256'] as const;
/** Cipher suite names a scenario may use: exactly those the DTLS core implements (SUITE_NAMES). */
export type SuiteName = CipherSuiteName;
export type GroupName = (typeof GROUPS)[number];
export type SignatureName = (typeof SIGNATURES)[number];

/** Weights by name; only listed names are offered, a name with weight 0 is never picked. `what` names the kind of
 *  name in the error for any other key, e.g. "cipher suite". */
function weights<const T extends string>(names: readonly T[], what: string) {
  const shape = Object.fromEntries(names.map((n) => [n, nonNeg.optional()])) as { [K in T]: z.ZodOptional<typeof nonNeg> };
  const error = `not a ${what} the DTLS core implements (${names.join(', ')})`;
  return z
    .strictObject(shape, { error: (iss) => (iss.code === 'unrecognized_keys' ? error : undefined) })
    .refine((w) => Object.values(w).some((v) => typeof v === 'number' && v > 0), {
      message: 'at least one weight must be > 0',
      when: (p) => p.issues.length === 0, // an unknown name is reported alone
    });
}

export const ArrivalSchema = z.discriminatedUnion('kind', [
  /** Every client starts at t = 0. */
  z.strictObject({ kind: z.literal('all_at_once') }),
  /** Start times evenly spread over [0, duration_ms). */
  z.strictObject({ kind: z.literal('ramp'), duration_ms: runMs(true) }),
  /** Poisson arrivals at rate_per_s until `count` clients have arrived. */
  z.strictObject({ kind: z.literal('poisson'), rate_per_s: posNum }),
  /** Client i starts at at_ms[i]: a measured arrival process replayed (the load generator's actual starts, which
   *  `npm run validate -- loopback` hands the model); one entry per client (clients.count). */
  z.strictObject({ kind: z.literal('trace'), at_ms: z.array(runMs()).min(1) }),
]);

/** Simple client-side costs (the clients are not modelled as hardware): microseconds / nanoseconds per operation. */
export const ClientCostsSchema = z.strictObject({
  /** Protocol processing per handshake message, us. */
  handshake_message_us: nonNeg.default(10),
  /** Protocol processing per record, us. */
  record_us: nonNeg.default(1),
  /** AEAD: fixed cost per record, us, plus ns per byte. */
  aead_op_us: nonNeg.default(0.5),
  aead_ns_per_byte: nonNeg.default(0.5),
  /** Per SHA compression (hash/HMAC/HKDF), ns. */
  hash_block_ns: nonNeg.default(200),
  /** Key-share generation and shared-secret derivation, us each. */
  kx_keygen_us: nonNeg.default(60),
  kx_derive_us: nonNeg.default(60),
  /** ML-KEM-768 key generation and decapsulation (a client of an ML-KEM group; encapsulation is the server's),
   *  us each: @noble/post-quantum 0.7.1 in Node 20, 650 / 450 us (issue 18; docs/models.md). The X25519 half of
   *  X25519MLKEM768 is charged kx_keygen_us / kx_derive_us. */
  kem_keygen_us: nonNeg.default(650),
  kem_decaps_us: nonNeg.default(450),
  /** Signature (client auth only) and verification (server CertificateVerify + chain), us each. */
  sign_us: nonNeg.default(50),
  verify_us: nonNeg.default(170),
  /** Processors the clients share, FIFO in the order their work arrives: 0 (default) every client has its own (its
   *  work waits only for its own earlier work); N: every client's work waits for the first of N processors to be
   *  free as well (a load generator whose clients share one event loop: src/cli/loopback/predict.ts). */
  shared_processors: nonNegInt.default(0),
  /** Stalls of each shared event loop (shared_processors > 0): work of the generator's own, beside its clients'
   *  (garbage collection, its bookkeeping), taking `loop_stall_share` of the loop's time in pieces of `loop_stall_us`
   *  at Poisson instants; a client's work that arrives during one waits for it (src/workload/loop-stalls.ts). */
  loop_stall_share: nonNeg.max(0.9).default(0),
  loop_stall_us: posNum.max(MAX_DELAY_MS * 1000, { error: DELAY_LIMIT_WHY }).default(1000),
}).superRefine((c, ctx) => {
  if (c.loop_stall_share > 0 && c.shared_processors === 0)
    ctx.addIssue({ code: 'custom', path: ['loop_stall_share'], message: 'stalls a shared event loop: needs shared_processors > 0' });
});

/**
 * Reconnecting clients and resumption: every client opens 1 + `sessions_per_client` sessions one after another
 * (each begins `reconnect_delay_ms` after the previous one closed), so the number of handshakes does not depend on
 * the fraction. A client drawn into the resuming set (one draw per client from its stream `resume/<i>`, resuming if
 * the draw < fraction, so a larger fraction keeps every client a smaller one resumed) keeps the server's session
 * ticket and offers it on its next session (psk_dhe_ke); the other clients do a full handshake every time.
 */
export const ResumptionSchema = z.strictObject({
  /** Fraction of clients that resume, [0, 1]. */
  fraction: z.number().min(0).max(1),
  /** Sessions after the first (full) one, per client. */
  sessions_per_client: posInt.default(1),
  /** Delay between a connection's close and the client's next ClientHello, ms. */
  reconnect_delay_ms: delayMs().default(0),
  /** Application records a resumed session sends as 0-RTT early data with its ClientHello (0 or 1: the core sends
   *  at most one early record, src/dtls/endpoint/psk.ts). */
  early_data_records: z.number().int().min(0).max(1).default(0),
});

export const ClientsSchema = z.strictObject({
  /** Number of simulated clients (one connection each). */
  count: posInt,
  arrival: ArrivalSchema.prefault({ kind: 'all_at_once' }),
  mix: z
    .strictObject({
      suites: weights(SUITE_NAMES, 'cipher suite').prefault({ TLS_AES_128_GCM_SHA256: 1 }),
      groups: weights(GROUPS, 'key-exchange group').prefault({ x25519: 1 }),
      signatures: weights(SIGNATURES, 'signature scheme').prefault({ ecdsa_secp256r1_sha256: 1 }),
    })
    .prefault({}),
  /** Server demands a cookie (HelloRetryRequest round trip) before keeping any state. */
  cookie: z.boolean().default(false),
  certificate: z
    .strictObject({
      /** Key type of the server certificate chain. */
      type: z.enum(CERT_KEY_TYPES).default('ecdsa-p256'),
      /** Certificates sent (leaf + intermediates); the client verifies one signature per certificate. */
      chain_length: z.number().int().min(1).max(8).default(2),
    })
    .prefault({}),
  costs: ClientCostsSchema.prefault({}),
  /** Session resumption (RFC 8446 2.2 / 4.6.1): absent = no client resumes and the server issues no tickets. */
  resumption: ResumptionSchema.optional(),
  /** Client certificate authentication (config/auth.ts): absent = the server sends no CertificateRequest. */
  client_auth: ClientAuthSchema.optional(),
  /** External PSK per device (config/fleet.ts): absent = certificate handshakes. */
  psk: ExternalPskSchema.optional(),
  /** Length of the connection IDs the server issues, bytes (0 = none; config/fleet.ts). */
  connection_id_length: ConnectionIdLengthSchema,
  /** Fraction of connected devices that close and reconnect with a new handshake, per minute (config/fleet.ts). */
  churn_per_min: PerMinuteFractionSchema,
}).superRefine((c, ctx) => {
  if (c.arrival.kind === 'trace' && c.arrival.at_ms.length !== c.count)
    ctx.addIssue({ code: 'custom', path: ['arrival', 'at_ms'], message: `needs one start per client: ${c.arrival.at_ms.length} entries for count ${c.count}` });
});

export const RateSchema = z.strictObject({
  /** constant: fixed gap 1/records_per_s; poisson: exponential gaps with that mean. */
  process: z.enum(['constant', 'poisson']).default('constant'),
  /** Records per second per client (per direction for up/down; requests for echo). */
  records_per_s: posNum,
});

export const TrafficSchema = z
  .strictObject({
    /** Application records each client sends (up/echo) or receives (down) after its handshake. */
    records_per_client: nonNegInt.optional(),
    /** Alternatively, send for this long after the handshake, ms. */
    duration_ms: runMs(true).optional(),
    /** Record payload size in bytes: a number or a distribution spec (samples clamped to [1, 16384]). */
    size: PositiveDistSpec.default(1200),
    /** up: client->server; down: server->client; echo: client sends, server returns the same size. */
    direction: z.enum(['up', 'down', 'echo']).default('echo'),
    rate: RateSchema.prefault({ records_per_s: 1000 }),
    /** Client sends KeyUpdate every N records it sends; 0 = never. */
    key_update_every: nonNegInt.default(0),
    /** Client closes the connection (close_notify) after its last record. */
    close: z.boolean().default(true),
  })
  .superRefine((t, ctx) => {
    if (typeof t.size === 'number' && t.size > 16384) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: 'must be <= 16384 (DTLS record plaintext limit)' });
    }
    if (t.records_per_client !== undefined && t.duration_ms !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['duration_ms'], message: 'use either records_per_client or duration_ms, not both' });
    }
  });

/** The DTLS core's smallest datagram (its size limit: resolveCommon in src/dtls/endpoint/config.ts refuses less), bytes. */
export const DTLS_MIN_DATAGRAM = 256;
/** Smallest network.mtu: the DTLS datagram limit is mtu - IP header (20 IPv4, 40 IPv6) - 8 (UDP). */
export const MIN_MTU_IPV4 = DTLS_MIN_DATAGRAM + IPV4_HEADER_BYTES + UDP_HEADER_BYTES; // 284
export const MIN_MTU_IPV6 = DTLS_MIN_DATAGRAM + IPV6_HEADER_BYTES + UDP_HEADER_BYTES; // 304
const MTU_WHY = `the DTLS core needs datagrams of at least ${DTLS_MIN_DATAGRAM} B: mtu - ${IPV4_HEADER_BYTES} (IPv4 header) - ${UDP_HEADER_BYTES} (UDP); an IPv6 model needs ${MIN_MTU_IPV6}`;

/**
 * What the scenario's network.mtu leaves the DTLS core under the model's IP version: the message of a ConfigError
 * or InputError on `network.mtu` when the datagram limit is below DTLS_MIN_DATAGRAM (only an IPv6 model: the schema's
 * floor is IPv4's), else undefined.
 */
export function mtuIssue(network: Pick<NetworkConfig, 'mtu'>, ipVersion: 4 | 6): string | undefined {
  if (ipVersion !== 6 || network.mtu >= MIN_MTU_IPV6) return undefined;
  return `must be >= ${MIN_MTU_IPV6} with an IPv6 model (port.ip_version 6): the DTLS core needs datagrams of at least ${DTLS_MIN_DATAGRAM} B, and ${network.mtu} - ${IPV6_HEADER_BYTES} (IPv6 header) - ${UDP_HEADER_BYTES} (UDP) leaves ${network.mtu - IPV6_HEADER_BYTES - UDP_HEADER_BYTES}`;
}

export const NetworkSchema = z
  .strictObject({
    /** Round-trip time client <-> server excluding serialization, ms (one way = rtt_ms / 2, at most MAX_DELAY_MS). */
    rtt_ms: nonNeg.max(2 * MAX_DELAY_MS, { error: RTT_LIMIT_WHY }).optional(),
    /** Alternatively, one-way latency as a distribution spec, ms (per datagram; a normal needs `min`, config/dist.ts). */
    one_way_ms: DelayDistSpec.optional(),
    /** Extra per-datagram delay, uniform in [0, jitter_ms], ms (may reorder datagrams). */
    jitter_ms: delayMs().default(0),
    /** Independent loss probability per datagram, each direction, [0, 1]. */
    loss: z.number().min(0).max(1).default(0),
    /** Client access link bandwidth, 10^6 bit/s, each direction; at least MIN_ACCESS_MBPS (config/limits.ts). */
    access_bandwidth_mbps: z.number().min(MIN_ACCESS_MBPS, { error: 'a slower link serializes one 64 KiB datagram for more than about 500 s, beyond what the simulation kernel\'s clock leaves after the longest run' }).default(1000),
    /** Path MTU (IP packet), bytes; DTLS datagrams are sized to fit: mtu - IP header - 8 (UDP) must be in the DTLS
     *  core's [256, 65507] (src/dtls/endpoint/config.ts). The floor is IPv4's (20 B header); an IPv6 model needs
     *  MIN_MTU_IPV6 (checked with the model: mtuIssue). 65535: the largest IPv4 packet (65535 - 20 - 8 = 65507). */
    mtu: z.number().int().min(MIN_MTU_IPV4, { error: MTU_WHY }).max(65535, { error: 'the largest IP packet; 65535 - 20 (IPv4) - 8 (UDP) = 65507, the DTLS core\'s largest datagram' }).default(1500),
    /** Fraction of connected clients whose source address changes, per minute (NAT rebinding; config/fleet.ts). */
    nat_rebinding_per_min: PerMinuteFractionSchema,
  })
  .superRefine((n, ctx) => {
    if (n.rtt_ms !== undefined && n.one_way_ms !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['one_way_ms'], message: 'use either rtt_ms or one_way_ms, not both' });
    }
  });

export const SimSchema = z
  .strictObject({
    /** Seed of every random stream; the CLI --seed overrides it. */
    seed: nonNegInt.default(1),
    /** Statistics exclude events before this simulated time, ms. */
    warmup_ms: runMs().default(0),
    /** Hard stop: simulated time limit, ms (the run also ends when all clients are done); at most MAX_RUN_MS. */
    end_ms: runMs(true).default(60_000),
    /** Sampling interval of the time series, ms. */
    timeseries_interval_ms: runMs(true).default(10),
  })
  .superRefine((s, ctx) => {
    if (s.end_ms <= s.warmup_ms) ctx.addIssue({ code: 'custom', path: ['end_ms'], message: `must be > warmup_ms (${s.warmup_ms})` });
  });

export const ScenarioSchema = z.strictObject({
  /** Scenario name in reports (default: the file base name, filled in by the caller). */
  name: z.string().min(1).optional(),
  description: z.string().default(''),
  model: z.strictObject({
    /** Model file, relative to the scenario file. */
    file: z.string().min(1),
    /** `path=value` overrides applied to the model (same syntax as the CLI --set). */
    overrides: z.array(z.string()).default([]),
  }),
  /** Crypto provider of the DTLS implementation: node (node:crypto) or noble (@noble/*). Default: the CLI's. */
  crypto: z.enum(['node', 'noble']).optional(),
  /** Also run the plain-UDP baseline for the overhead_vs_udp figures. */
  baseline_udp: z.boolean().default(true),
  clients: ClientsSchema,
  traffic: TrafficSchema.prefault({}),
  network: NetworkSchema.prefault({}),
  /** DTLS protocol settings (retransmission timers) of every client and the server. */
  dtls: DtlsSchema.prefault({}),
  sim: SimSchema.prefault({}),
  /** Hello flood beside the legitimate clients (config/attack.ts): absent = no attacker. */
  attack: AttackSchema.optional(),
  sla: z.array(SlaSchema).default([]),
}).superRefine((s, ctx) => {
  // without CIDs a rebound client learns that its association is dead only from echoes that stop (fleet.ts)
  if (s.network.nat_rebinding_per_min > 0 && s.clients.connection_id_length === 0 && s.traffic.direction !== 'echo') {
    ctx.addIssue({
      code: 'custom', path: ['network', 'nat_rebinding_per_min'],
      message: 'without connection IDs (clients.connection_id_length 0) a rebound client notices only by its unanswered echoes: needs traffic.direction echo',
    });
  }
  // a churning client's traffic goes on where it was: its own sending (up, echo), not a server download
  if (s.clients.churn_per_min > 0 && s.traffic.direction === 'down') {
    ctx.addIssue({ code: 'custom', path: ['clients', 'churn_per_min'], message: 'not modelled with traffic.direction down (use up or echo)' });
  }
});

export type Scenario = z.output<typeof ScenarioSchema>;
export type ScenarioInput = z.input<typeof ScenarioSchema>;
export type Arrival = z.output<typeof ArrivalSchema>;
export type ClientCosts = z.output<typeof ClientCostsSchema>;
export type ResumptionConfig = z.output<typeof ResumptionSchema>;
export type ClientsConfig = z.output<typeof ClientsSchema>;
export type TrafficConfig = z.output<typeof TrafficSchema>;
export type NetworkConfig = z.output<typeof NetworkSchema>;
export type SimConfig = z.output<typeof SimSchema>;

/** Parses and validates a scenario file's text. Throws ConfigError (`file:line:col path: message`). */
export function parseScenario(text: string, fileName: string): Scenario {
  return parseYamlConfig(text, fileName, ScenarioSchema);
}

/** Applies `path=value` overrides to a validated scenario (e.g. `clients.count=100`). */
export function applyScenarioOverrides(s: Scenario, overrides: readonly string[]): Scenario {
  return applyOverrides(s, overrides, ScenarioSchema);
}

/**
 * Applies the scenario's `model.overrides` to a validated model, one at a time. An invalid override is reported at
 * its position in the scenario file: `scenarios/x.yaml:4:15 model.overrides.0: "aead.instances=-2" aead.instances:
 * must be >= 0`. `scenarioText` is the scenario file's text (for positions only).
 */
export function applyScenarioModelOverrides(model: ModelConfig, scenario: Scenario, scenarioText: string, scenarioFile: string): ModelConfig {
  let m = model;
  scenario.model.overrides.forEach((ov, i) => {
    try {
      m = applyModelOverrides(m, [ov]);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      const pos = positionOf(scenarioText, ['model', 'overrides', i]);
      throw new ConfigError(
        e.issues.map((iss) => ({
          file: scenarioFile,
          line: pos?.line ?? 0,
          col: pos?.col ?? 0,
          path: `model.overrides.${i}`,
          message: `${JSON.stringify(ov)} ${iss.path ? `${iss.path}: ` : ''}${iss.message}`,
        })),
      );
    }
  });
  return m;
}

/** Model file path as seen from the working directory: `model.file` is relative to the scenario file. */
export function resolveModelPath(scenarioFile: string, modelFile: string): string {
  const s = scenarioFile.replace(/\\/g, '/');
  const m = modelFile.replace(/\\/g, '/');
  if (path.isAbsolute(m)) return path.normalize(m);
  return path.normalize(path.join(path.dirname(s), m));
}

/** Default round-trip time when the scenario gives neither rtt_ms nor one_way_ms, ms. */
export const DEFAULT_RTT_MS = 0.1;

/** One-way delay spec, ms: `one_way_ms` if given, else the constant rtt_ms / 2 (DEFAULT_RTT_MS when neither). */
export function oneWayDelayMs(n: NetworkConfig): DistSpec {
  return n.one_way_ms ?? (n.rtt_ms ?? DEFAULT_RTT_MS) / 2;
}

/** Scenario name: its `name:`, else the file base name without .yaml. */
export function scenarioName(s: Scenario, fileName: string): string {
  if (s.name) return s.name;
  const base = fileName.replace(/\\/g, '/').split('/').pop() ?? fileName;
  return base.replace(/\.ya?ml$/i, '');
}
