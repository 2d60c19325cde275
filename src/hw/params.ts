// Parameters of the hardware blocks: the one definition. Each block's parameters are a zod schema (validation,
// defaults, doc comment per field) and the TypeScript type the block takes is derived from it (z.output), so a
// parameter is declared exactly once. src/workload/config/model.ts parses models/*.yaml against these schemas
// (adding only the model's description); src/hw imports nothing from src/workload. Every parameter, its unit and
// its source: docs/models.md. Units are in the key names: _gbps 10^9 bit/s, _ns/_us nanoseconds/microseconds,
// _mhz/_ghz clock, _mm2 area, _mw milliwatts, _pj picojoules, _cycles clock cycles of the block's own clock.
import * as z from 'zod';

const posNum = z.number().positive();
const nonNeg = z.number().nonnegative();
const posInt = z.number().int().positive();
const nonNegInt = z.number().int().nonnegative();

/**
 * Floors of the rates a service time is divided by: far below any real part (10 Mbit/s is the slowest Ethernet; no
 * crypto engine or host CPU runs below 1 MHz), yet high enough that one operation of a shipped cost (a 64 KiB
 * datagram on the wire or over DMA: ~0.5 s at 1 Mbit/s; RSA-4096 signing, 25 x 10^6 cycles: 25 s at 1 MHz) stays
 * far within the simulation kernel's clock (2^53-1 ps, about 9,007 s, src/sim/time.ts). Before, 1e-300 passed and
 * the run stopped with a SimTimeError.
 */
const RATE_WHY = "slower gives service times beyond the simulation kernel's clock of 2^53-1 ps, about 9,007 s; no real part is this slow";
/** Line rates and bandwidths, 10^9 bit/s: at least 1 Mbit/s. */
const gbps = z.number().min(0.001, { error: RATE_WHY });
/** Engine clocks, MHz: at least 1 MHz. */
const mhz = z.number().min(1, { error: RATE_WHY });
/** Host clock, GHz: at least 1 MHz. */
const ghz = z.number().min(0.001, { error: RATE_WHY });

/** Area, leakage and dynamic energy of one instance; dynamic-energy keys are block-specific. */
const baseCost = {
  /** Area of one instance, mm^2. */
  area_mm2: nonNeg.default(0),
  /** Static (leakage + clock tree) power of one instance, mW, charged for the whole simulated time. */
  static_mw: nonNeg.default(0),
};

/**
 * How the cost of a clocked block (AEAD, hash) depends on its clock (src/hw/clock-cost.ts, docs/models.md "Cost
 * versus clock"). area_mm2, static_mw and energy_pj_per_cycle are quoted at knee_mhz.
 */
const clockCost = {
  /** Timing-closure knee, MHz: highest clock met with minimum-area cells; the other cost figures are quoted there. */
  knee_mhz: posNum.default(1000),
  /** Relative area added at twice the knee (area x (1 + area_growth x ((f - knee)/knee)^2) above the knee). */
  area_growth: nonNeg.default(1),
  /** Share of static_mw that is clock-tree power (scales with the clock); the rest is leakage (scales with area). */
  clock_power_fraction: z.number().min(0).max(1).default(0.3),
};

export const PortSchema = z.strictObject({
  /** Line rate, 10^9 bit/s (each direction); >= 0.001 (RATE_WHY). */
  line_rate_gbps: gbps,
  /** IP MTU in bytes (largest IP packet; the UDP payload limit is mtu - IP header - 8). */
  mtu: z.number().int().min(200).max(65535),
  /** IP version of the framing: 4 (20 B header) or 6 (40 B header). */
  ip_version: z.union([z.literal(4), z.literal(6)]).default(4),
  /** Frames that can wait for the receive link (beyond the one being received); tail-dropped beyond. */
  rx_queue_packets: posInt,
  /** Frames that can wait for the transmit link (beyond the one being sent); tail-dropped beyond. */
  tx_queue_packets: posInt,
  /** Propagation delay from the port to the cable end, ns (added after serialization). */
  propagation_ns: nonNeg.default(0),
  cost: z
    .strictObject({ ...baseCost, /** Dynamic energy per wire byte sent or received, pJ. */ energy_pj_per_byte: nonNeg.default(0) })
    .prefault({}),
});

export const DmaSchema = z.strictObject({
  /** Sustained data bandwidth per direction (host->engine and engine->host), 10^9 bit/s; >= 0.001 (RATE_WHY). */
  bandwidth_gbps: gbps,
  /** Fixed latency of one descriptor (doorbell/fetch/completion), ns; overlaps across outstanding descriptors. */
  descriptor_latency_ns: nonNeg,
  /** Descriptors in flight at once (both directions together). */
  max_outstanding: posInt,
  cost: z
    .strictObject({ ...baseCost, /** Dynamic energy per byte moved, pJ. */ energy_pj_per_byte: nonNeg.default(0) })
    .prefault({}),
});

export const AeadSchema = z.strictObject({
  /** Parallel engines; 0 = no AEAD offload (record protection runs on the host CPU). */
  instances: nonNegInt,
  /** Engine clock, MHz; >= 1 (RATE_WHY). */
  clock_mhz: mhz,
  /** Cycles per block (issue interval) for each algorithm. */
  cycles_per_block: z.strictObject({
    /** AES-128-GCM, per 16 B block (CTR + GHASH in parallel). */
    aes_128_gcm: posNum,
    /** AES-256-GCM, per 16 B block. */
    aes_256_gcm: posNum,
    /** AES-128-CCM (and CCM_8), per 16 B block: CBC-MAC + CTR, about 2 AES per block. */
    aes_128_ccm: posNum,
    /** ChaCha20 keystream, per 64 B block. */
    chacha20: posNum,
    /** Poly1305, per 16 B block. */
    poly1305: posNum,
  }),
  /** ChaCha20 and Poly1305 run side by side (cycles = max of the two) instead of one after the other (sum). */
  chacha_poly_parallel: z.boolean().default(true),
  /** Per-record setup: context/key load, J0/tag or Poly1305 key and finish, cycles. */
  setup_cycles: nonNeg,
  /** Extra cycles of a record-number mask (sn-mask) on top of one cipher block. */
  mask_setup_cycles: nonNeg.default(0),
  /** Pipeline stages: latency = occupancy + (pipeline_depth - 1) cycles; occupancy limits throughput. */
  pipeline_depth: posInt.default(1),
  /** Additional authenticated data assumed when the operation does not say (DTLS 1.3 unified header), bytes. */
  aad_bytes: nonNegInt.default(5),
  cost: z
    .strictObject({ ...baseCost, ...clockCost, /** Dynamic energy per busy cycle, pJ. */ energy_pj_per_cycle: nonNeg.default(0) })
    .prefault({}),
});

export const HashSchema = z.strictObject({
  /** Parallel SHA/HMAC/HKDF units; 0 = hashing runs on the host CPU. */
  instances: nonNegInt,
  /** Unit clock, MHz; >= 1 (RATE_WHY). */
  clock_mhz: mhz,
  cycles_per_compression: z.strictObject({
    /** SHA-256, per 64 B compression. */
    sha256: posNum,
    /** SHA-384 (SHA-512 core), per 128 B compression. */
    sha384: posNum,
  }),
  /** Per-operation overhead (load/unload, padding, key setup), cycles. */
  op_overhead_cycles: nonNeg,
  cost: z.strictObject({ ...baseCost, ...clockCost, energy_pj_per_cycle: nonNeg.default(0) }).prefault({}),
});

/** RSA operations (rsa_pss_rsae_* signatures, by modulus length; sign with CRT), with defaults: sources in
 *  docs/models.md. */
type RsaDefaults = Record<'rsa2048_sign' | 'rsa2048_verify' | 'rsa3072_sign' | 'rsa3072_verify' | 'rsa4096_sign' | 'rsa4096_verify', number>;

/** One number per asymmetric operation (microseconds for pke.latency_us, cycles for cpu.software.pke_cycles). */
function pkeTable(rsa: RsaDefaults) {
  return z.strictObject({
    x25519_keygen: posNum,
    x25519_derive: posNum,
    p256_keygen: posNum,
    p256_derive: posNum,
    ed25519_sign: posNum,
    ed25519_verify: posNum,
    ecdsa_p256_sign: posNum,
    ecdsa_p256_verify: posNum,
    rsa2048_sign: posNum.default(rsa.rsa2048_sign),
    rsa2048_verify: posNum.default(rsa.rsa2048_verify),
    rsa3072_sign: posNum.default(rsa.rsa3072_sign),
    rsa3072_verify: posNum.default(rsa.rsa3072_verify),
    rsa4096_sign: posNum.default(rsa.rsa4096_sign),
    rsa4096_verify: posNum.default(rsa.rsa4096_verify),
  });
}
/** Engine latencies, us (E): see docs/models.md. */
const PkeTableSchema = pkeTable({ rsa2048_sign: 50, rsa2048_verify: 1.5, rsa3072_sign: 169, rsa3072_verify: 3.4, rsa4096_sign: 400, rsa4096_verify: 6 });
/** Host cycles, measured node:crypto (OpenSSL) at 2.596 GHz: see docs/models.md. */
const PkeCyclesSchema = pkeTable({
  rsa2048_sign: 1_682_000, rsa2048_verify: 232_000, rsa3072_sign: 10_745_000, rsa3072_verify: 304_000, rsa4096_sign: 25_246_000, rsa4096_verify: 436_000,
});

/** One number per ML-KEM-768 operation (FIPS 203 keygen, encapsulation, decapsulation), with defaults: the lattice
 *  half of X25519MLKEM768 and the whole of MLKEM768 (the X25519 half is the usual x25519 keygen / derive). */
function kemTable(d: { keygen: number; encaps: number; decaps: number }) {
  return z
    .strictObject({ mlkem768_keygen: posNum.default(d.keygen), mlkem768_encaps: posNum.default(d.encaps), mlkem768_decaps: posNum.default(d.decaps) })
    .prefault({});
}

export const PkeSchema = z.strictObject({
  /** Parallel public-key engines; 0 = asymmetric crypto runs on the host CPU. */
  instances: nonNegInt,
  /** Latency of each operation on one engine, microseconds. */
  latency_us: PkeTableSchema,
  /** ML-KEM on the accelerator (docs/models.md, "ML-KEM"). */
  kem: z
    .strictObject({
      /** 'shared': ML-KEM runs on the public-key engines, queueing with the elliptic-curve operations (default);
       *  'separate': on a lattice unit of its own (block 'lattice', `instances` of it, same cost per instance). */
      unit: z.enum(['shared', 'separate']).default('shared'),
      /** Lattice units when unit is 'separate'. */
      instances: posInt.default(1),
      /** Latency per operation, microseconds. Defaults: the Kyber coprocessor of Bisheh-Niasar, Azarderakhsh and
       *  Mozaffari-Kermani (IACR ePrint 2021/563, Artix-7 at 200 MHz): keygen 9, encapsulation 12, decapsulation 19. */
      latency_us: kemTable({ keygen: 9, encaps: 12, decaps: 19 }),
    })
    .prefault({}),
  cost: z
    .strictObject({ ...baseCost, /** Power while busy, mW per instance (energy per op = active_mw x latency). */ active_mw: nonNeg.default(0) })
    .prefault({}),
});

export const CpuSchema = z.strictObject({
  /** Host cores available to the DTLS server. */
  cores: posInt,
  /** Host clock, GHz; >= 0.001 (RATE_WHY). */
  clock_ghz: ghz,
  /** Protocol processing per handshake message (parse/build, state machine), cycles. */
  cycles_per_handshake_message: nonNeg,
  /** Protocol processing per record (header, replay window, dispatch), excluding crypto, cycles. */
  cycles_per_record: nonNeg,
  /** Host cost of one accelerator invocation (descriptor, doorbell, interrupt/completion), cycles. */
  invocation_cycles: nonNeg,
  /** Host cost of one datagram received or sent by the server's socket (system call, kernel UDP path, event-loop
   *  turn), cycles; 0 (default) leaves it out, as for a NIC that places datagrams in host memory by DMA. Measured
   *  on this host by `npm run calibrate` (docs/validation.md, "Real server"). */
  cycles_per_datagram: nonNeg.default(0),
  /** Host cost of waking an idle server (event loop returning from epoll_wait, timer and callback machinery, caches
   *  refilled after other processes ran), cycles, charged with a datagram's socket cost when it reaches a CPU that
   *  has been idle (not one freed at that very instant); needs cycles_per_datagram > 0. 0 (default) leaves it out.
   *  Measured on the real demo server by `npm run calibrate` (docs/validation.md, "Real server"). */
  cycles_per_wakeup: nonNeg.default(0),
  /** How long an event loop stays awake after its last work ends before it blocks (libuv's read loop, the loop's
   *  other phases, the blocking epoll_wait entered), us: a datagram arriving within it is read in the same turn and
   *  pays no cycles_per_wakeup. 0 (default): any idle instant counts as asleep. Measured on the real demo server
   *  with perf (docs/models.md). */
  wakeup_linger_us: nonNeg.default(0),
  /** Time constant of what a wake-up costs against how long the server slept, ms: a wake-up after sleeping s costs
   *  cycles_per_wakeup x (1 - exp(-s / wakeup_refill_ms)) (what other processes evicted from the caches grows with
   *  the time they ran). 0 (default): every wake-up costs cycles_per_wakeup. Fitted by `npm run calibrate` over
   *  batches of different sleep lengths (docs/models.md). */
  wakeup_refill_ms: nonNeg.default(0),
  /** CPU a wake-up costs off the event loop's path, cycles: work the core does for the server outside its turns
   *  (the event loop entering and leaving epoll_wait, context switches, V8's helper threads while the main thread
   *  sleeps). Booked with each wake-up into a backlog done in the CPU's idle time (no core busy); what the idle time
   *  has not absorbed when a datagram reaches the CPU awake (busy, or within wakeup_linger_us of its last work) is
   *  done as core work just before that datagram's, as the helper threads take the core from a main thread that
   *  never sleeps (so a saturated CPU does all of it and utilisation stays <= 1). 0 (default): none. Measured by
   *  `npm run calibrate` as the real demo server's CPU outside its event-loop turns against its wake-ups
   *  (docs/models.md). */
  offpath_cycles_per_wakeup: nonNeg.default(0),
  /** Time constant of the off-path work against how long the server slept, ms: a wake-up after sleeping s books
   *  offpath_cycles_per_wakeup x (1 - exp(-s / offpath_refill_ms)) (what the runtime does while its main thread
   *  is idle grows with the idle time). 0 (default): every wake-up books offpath_cycles_per_wakeup. Fitted by
   *  `npm run calibrate` with offpath_cycles_per_wakeup (docs/models.md). */
  offpath_refill_ms: nonNeg.default(0),
  /** Garbage-collection pauses of a managed-runtime server (V8's scavenges): after every gc_every_cycles cycles of
   *  work the CPU stops for gc_pause_cycles, and every piece of work takes (1 - gc_pause_cycles / gc_every_cycles)
   *  of its charge, so the mean cost is the one charged (measured costs include their collections) and only its
   *  lumpiness changes. Either 0 (default): no pauses. Measured by `npm run calibrate` from the real demo server's
   *  'gc' performance entries (docs/models.md). */
  gc_pause_cycles: nonNeg.default(0),
  gc_every_cycles: nonNeg.default(0),
  /** Coefficient of variation of the server's event-loop turns: every received datagram's job (from its socket
   *  charge on) is timed at a factor drawn from a lognormal of mean 1 and this cv, from the run's seeded stream
   *  (the charged cycles, energy and counters are not changed). 0 (default): every charge takes exactly its cycles.
   *  Measured by `npm run calibrate` on the real demo server's handshake turn (docs/models.md). */
  service_cv: nonNeg.default(0),
  /** The host's speed over time, as [from_ms, factor] pairs in increasing from_ms: from simulated time from_ms on,
   *  every charge on the CPU takes factor x its time (a host slower for a while: the hypervisor or another guest
   *  on the same physical core), its cycles, energy and counters unchanged; 1 before the first entry. The factor is
   *  taken when the charge is issued. [] (default): a steady host. Set by `npm run validate -- loopback` from the
   *  demo server's speed probe during each load (docs/models.md). */
  speed_schedule: z.array(z.tuple([nonNeg, posNum])).default([]),
  /** Receive buffer of the server's socket, bytes of kernel charge (SO_RCVBUF; Linux: net.core.rmem_default): a
   *  datagram arriving while the datagrams received but not yet read by the server are charged more than this is
   *  dropped by the kernel at no server CPU cost (Linux's rule: the check is made before adding the new datagram).
   *  A datagram is read when its socket cost (cycles_per_datagram) has been served, or, without that cost, when its
   *  job ends. 0 (default): unbounded (a NIC that places datagrams in host memory; the port's rx_queue_packets
   *  still applies). */
  socket_rcvbuf_bytes: nonNegInt.default(0),
  /** What the kernel charges the receive buffer per datagram (its skb truesize), by UDP payload size: the first
   *  step whose `up_to_payload` is >= the payload gives `bytes`; above the last step, or with no steps (default),
   *  the payload itself. Measured by filling a socket on this host (docs/models.md). */
  socket_rcvbuf_charge: z.array(z.strictObject({ up_to_payload: posInt, bytes: posInt })).default([]),
  /** Software crypto rates, used for every operation whose accelerator block is absent or has 0 instances. */
  software: z.strictObject({
    /** AEAD per byte of plaintext, cycles/B. */
    aead_cycles_per_byte: z.strictObject({ aes_128_gcm: posNum, aes_256_gcm: posNum, aes_128_ccm: posNum, chacha20_poly1305: posNum }),
    /** Fixed cost per AEAD call (key schedule, context, call overhead), cycles. */
    aead_setup_cycles: nonNeg,
    /** Record-number mask (one cipher block + call), cycles. */
    sn_mask_cycles: nonNeg,
    cycles_per_compression: z.strictObject({ sha256: posNum, sha384: posNum }),
    /** Fixed cost per hash/HMAC/HKDF call, cycles. */
    hash_op_cycles: nonNeg,
    /** Cycles per asymmetric operation. */
    pke_cycles: PkeCyclesSchema,
    /** Cycles per ML-KEM-768 operation. Defaults: @noble/post-quantum 0.7.1 in Node 20 (issue 18: keygen 0.65 ms,
     *  encapsulation 0.51 ms, decapsulation 0.45 ms) at the 2.6 GHz of the pke_cycles measurements. */
    kem_cycles: kemTable({ keygen: 1_690_000, encaps: 1_326_000, decaps: 1_170_000 }),
  }),
  cost: z
    .strictObject({ ...baseCost, /** Dynamic energy per busy cycle of one core, pJ. */ energy_pj_per_cycle: nonNeg.default(0) })
    .prefault({}),
}).superRefine((c, ctx) => {
  for (let i = 1; i < c.speed_schedule.length; i++) {
    if (c.speed_schedule[i]![0] <= c.speed_schedule[i - 1]![0]) {
      ctx.addIssue({ code: 'custom', path: ['speed_schedule', i, 0], message: `from_ms must increase (${c.speed_schedule[i]![0]} after ${c.speed_schedule[i - 1]![0]})` });
    }
  }
  if (c.gc_pause_cycles > 0 && c.gc_every_cycles > 0 && c.gc_pause_cycles >= c.gc_every_cycles) {
    ctx.addIssue({ code: 'custom', path: ['gc_pause_cycles'], message: `must be below gc_every_cycles (${c.gc_every_cycles}): the pauses are part of the work charged between them` });
  }
});

export const ContextCacheSchema = z.strictObject({
  /** Connection contexts held on the accelerator; 0 = no cache (every record fetches its context). */
  capacity_connections: nonNegInt,
  /** Size of one connection context (keys, IVs, sn keys, epochs, replay window), bytes. */
  context_bytes: posInt,
  /** Lookup latency on a hit, ns. A miss adds a DMA fetch of context_bytes. */
  hit_ns: nonNeg,
  /** Lookups served in parallel. */
  ports: posInt.default(1),
  cost: z
    .strictObject({
      /** Static power per instance (the whole cache), mW. */
      static_mw: nonNeg.default(0),
      /** SRAM area per KiB of capacity, mm^2 (area = capacity x context_bytes / 1024 x this). */
      area_mm2_per_kib: nonNeg.default(0),
      /** Dynamic energy per lookup, pJ. */
      energy_pj_per_access: nonNeg.default(0),
    })
    .prefault({}),
});

/** The hardware part of a model file (models/*.yaml): absent accelerator blocks (or instances 0) => CPU. */
export const HwModelSchema = z.strictObject({
  /** Model name as shown in reports. */
  name: z.string().min(1),
  port: PortSchema,
  dma: DmaSchema,
  aead: AeadSchema.optional(),
  hash: HashSchema.optional(),
  pke: PkeSchema.optional(),
  cpu: CpuSchema,
  context_cache: ContextCacheSchema.optional(),
});

/** Area and static power of one instance (every block's `cost` has them; dynamic-energy keys are block-specific). */
export type CostParams = { area_mm2: number; static_mw: number };
export type PortParams = z.output<typeof PortSchema>;
export type DmaParams = z.output<typeof DmaSchema>;
export type AeadParams = z.output<typeof AeadSchema>;
export type AeadCycles = AeadParams['cycles_per_block'];
export type HashParams = z.output<typeof HashSchema>;
/** One number per asymmetric operation. */
export type PkeTable = z.output<typeof PkeTableSchema>;
/** An elliptic-curve operation (pke.latency_us, cpu.software.pke_cycles). */
export type EccOp = keyof PkeTable;
/** One number per ML-KEM-768 operation. */
export type KemTable = PkeParams['kem']['latency_us'];
export type KemOp = keyof KemTable;
/** Any operation of the public-key engine. */
export type PkeOp = EccOp | KemOp;
export type PkeParams = z.output<typeof PkeSchema>;
export type CpuParams = z.output<typeof CpuSchema>;
export type CpuSoftwareParams = CpuParams['software'];
export type ContextCacheParams = z.output<typeof ContextCacheSchema>;
/** A whole hardware model after validation. */
export type HwModel = z.output<typeof HwModelSchema>;
