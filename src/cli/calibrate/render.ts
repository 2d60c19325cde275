// The calibrated software-only model (models/host.yaml): one core of this host running the project's own server,
// every figure with how it was measured. Cycles = measured ns x the clock written in the file.
import type { MicroResults } from './micro.ts';
import type { ProtocolFigures } from './split.ts';
import type { RcvbufResults } from './rcvbuf.ts';
import { REFILL_GRID_MS } from './server.ts';
import type { Variability } from './variability.ts';

export interface HostFacts {
  cpuModel: string;
  clockGhz: number;
  node: string;
  crypto: 'node' | 'noble';
  date: string;
  command: string;
}

export interface SocketResults {
  /** One datagram sent or received by a node:dgram socket on loopback (syscall + event loop), ns. */
  perDatagramNs: number;
  how: string;
}

const c = (ns: number, ghz: number) => Math.max(1, Math.round(ns * ghz));
const cf = (ns: number, ghz: number) => Number(Math.max(0.001, ns * ghz).toPrecision(3));

/** How long the demo server's event loop stays awake after its last send before it blocks in epoll_wait: not
 *  measured by each calibration (it needs perf and root), but once on this host (docs/models.md). */
export const WAKEUP_LINGER = {
  us: 79,
  how: 'perf record of the demo server (syscalls sendmsg/recvmsg/epoll_pwait, sched_switch), 20 handshakes at 5/s, 2026-12-05 07:50 UTC, load average ~7: median time from the exit of its last sendmsg to its main thread sleeping (prev_state S) 79 us (p10 45, p90 137, 52 samples)',
};

/** The irregular-service lines of the cpu block (cpu.gc_*, cpu.service_cv) from the server's own turn statistics;
 *  0 (off) for what was not measured. */
/** The irregular-service figures (cpu.gc_pause_cycles, gc_every_cycles, service_cv) from the server's own turn
 *  statistics, at `g` GHz; 0 (off) for what was not measured. */
export function variabilityValues(v: Variability | undefined, g: number): { gcPause: number; gcEvery: number; cv: number } {
  if (v === undefined) return { gcPause: 0, gcEvery: 0, cv: 0 };
  const gcOn = v.minorGcs > 0 && Number.isFinite(v.cpuMsPerMinorGc) && v.minorPauseUs * 1000 < v.cpuMsPerMinorGc * 1e6;
  return {
    gcPause: gcOn ? Math.round(v.minorPauseUs * 1000 * g) : 0,
    gcEvery: gcOn ? Math.round(v.cpuMsPerMinorGc * 1e6 * g) : 0,
    cv: Number.isFinite(v.flightCv) ? Number(v.flightCv.toFixed(3)) : 0,
  };
}

/** The irregular-service lines of the cpu block (cpu.gc_*, cpu.service_cv) from the server's own turn statistics;
 *  0 (off) for what was not measured. */
export function variabilityLines(v: Variability | undefined, g: number): string {
  if (v === undefined) {
    return `  gc_pause_cycles: 0           # not measured (the server wrote no turn statistics)
  gc_every_cycles: 0
  service_cv: 0
`;
  }
  const x = variabilityValues(v, g);
  const src = 'the real demo server\'s own perf_hooks \'gc\' entries and event-loop turns (demo-server --turn-stats) over the calibration batches';
  return `  gc_pause_cycles: ${x.gcPause}       # ${src}: ${v.minorGcs} scavenges, mean pause ${(v.minorPauseUs / 1000).toFixed(3)} ms (median ${(v.minorPauseP50Us / 1000).toFixed(3)}, p90 ${(v.minorPauseP90Us / 1000).toFixed(3)}); ${v.majorGcs} mark-compacts${v.majorGcs > 0 ? ` (mean ${(v.majorPauseUs / 1000).toFixed(2)} ms, not modelled)` : ''}
  gc_every_cycles: ${x.gcEvery}       # the server's CPU time (kernel accounting) over those batches / its scavenges: ${v.cpuMsPerMinorGc.toFixed(2)} ms per scavenge
  service_cv: ${x.cv}             # CPU time (process.cpuUsage) of the server's handshake turn (ClientHello with cookie in, the whole flight out): mean ${(v.flightCpuUs / 1000).toFixed(3)} ms (p10/50/90/99 ${v.flightQuantilesUs.map((x) => (x / 1000).toFixed(2)).join('/')} ms), sd within each batch (pooled) / mean, over ${v.flightTurns} turns in which no collection started (${v.flightTurnsWithGc} others left out)
`;
}

export function renderHostModel(h: HostFacts, m: MicroResults, p: ProtocolFigures, s: SocketResults, rb?: RcvbufResults, v?: Variability): string {
  const g = h.clockGhz;
  const a = m.aead;
  const aeadLine = (k: keyof MicroResults['aead']) => (a[k] ? cf(a[k].perUnitNs, g) : 1);
  const setupNs = a.aes_128_gcm?.fixedNs ?? 0;
  const pk = (k: string) => c(m.pkeNs[k] ?? 0, g);
  return `# Calibrated on this host by \`${h.command}\` (${h.date}): one core of ${h.cpuModel} at ${g.toFixed(3)} GHz
# (/proc/cpuinfo), Node ${h.node}, the project's ${h.crypto} crypto provider. Software-only: no accelerator block,
# every operation runs on the host core at the rates measured here. Cycles = measured ns x ${g.toFixed(3)}.
# Crypto and socket figures: medians of 7 batches timed in CPU time (process.cpuUsage). Protocol figures: the real
# demo server's CPU time (kernel accounting of all its threads) under light loads, a least-squares fit over every
# batch (src/cli/calibrate/server.ts), less the crypto and datagrams the simulator counts for the same workload
# (src/cli/calibrate/split.ts). docs/validation.md ("Real server") compares this model's predictions
# with the real demo server under the loadtest generator.
name: host
description: One core of this host running the project's DTLS server (${h.crypto} provider), calibrated ${h.date.slice(0, 10)}

port:
  line_rate_gbps: 40         # loopback: no wire; a rate high enough never to be the bottleneck (memcpy-bound)
  mtu: 1500
  ip_version: 4
  rx_queue_packets: 4096     # no NIC ring on loopback: never the bound (the socket's receive buffer is cpu.socket_rcvbuf_bytes)
  tx_queue_packets: 4096
  propagation_ns: 0          # loopback
  cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 }

dma:
  bandwidth_gbps: 400        # no device: the kernel copies; not a limit at these rates
  descriptor_latency_ns: 0
  max_outstanding: 64
  cost: { area_mm2: 0, static_mw: 0, energy_pj_per_byte: 0 }

cpu:
  cores: 1                   # the server is pinned to one core (taskset)
  clock_ghz: ${g.toFixed(3)}
  cycles_per_handshake_message: ${c(p.messageCycles / g, g)}   # ${p.messageHow}
  cycles_per_record: ${c(p.recordCycles / g, g)}              # ${p.recordHow}
  invocation_cycles: 0       # no accelerator to invoke
  cycles_per_datagram: ${c(s.perDatagramNs, g)}             # ${s.how}
  cycles_per_wakeup: ${Math.round(p.wakeupCycles)}             # ${p.wakeupHow}
  wakeup_linger_us: ${WAKEUP_LINGER.us}             # ${WAKEUP_LINGER.how}
  wakeup_refill_ms: ${p.refillMs}             # ${p.refillHow ?? `time constant of the wake-up cost against the sleep before it: of ${REFILL_GRID_MS.length + 1} candidates (0, ${REFILL_GRID_MS[0]}..${REFILL_GRID_MS[REFILL_GRID_MS.length - 1]} ms), the one whose fit of cycles_per_wakeup left the smallest residual`}
  offpath_cycles_per_wakeup: ${Math.round(p.offpathCycles ?? 0)}             # ${p.offpathHow ?? 'not measured'}
  offpath_refill_ms: ${p.offpathRefillMs ?? 0}             # ${p.offpathRefillHow ?? ((p.offpathRefillMs ?? 0) > 0 ? "wakeup_refill_ms: the off-path line on wake-ups weighted by 1 - exp(-sleep / it) left a smaller residual than every wake-up at its full cost" : 'every wake-up books the full off-path cost (the line on refill-weighted wake-ups fitted no better, or no turn statistics)')}
${rb ? `  socket_rcvbuf_bytes: ${rb.bytes}          # ${rb.how}
  socket_rcvbuf_charge: [${rb.steps.map((x) => `{ up_to_payload: ${x.up_to_payload}, bytes: ${x.bytes} }`).join(', ')}]   # kernel charge (truesize) per datagram by payload
` : ''}${variabilityLines(v, g)}  software:
    aead_cycles_per_byte: { aes_128_gcm: ${aeadLine('aes_128_gcm')}, aes_256_gcm: ${aeadLine('aes_256_gcm')}, aes_128_ccm: ${aeadLine('aes_128_ccm')}, chacha20_poly1305: ${aeadLine('chacha20_poly1305')} }  # seal of 64 B and 16 KiB, slope
    aead_setup_cycles: ${c(setupNs, g)}   # AES-128-GCM seal of 64 B less 64 x the per-byte slope
    sn_mask_cycles: ${c(m.snMaskNs, g)}      # one record-number mask (AES-ECB of the 16-byte sample)
    cycles_per_compression: { sha256: ${cf(m.hash.sha256.perUnitNs, g)}, sha384: ${cf(m.hash.sha384.perUnitNs, g)} }  # one-shot hash of 1 and 256 compressions, slope
    hash_op_cycles: ${c(m.hash.sha256.fixedNs, g)}     # SHA-256 one-shot of one block less one compression
    pke_cycles:              # one call each through the provider
      x25519_keygen: ${pk('x25519_keygen')}
      x25519_derive: ${pk('x25519_derive')}
      p256_keygen: ${pk('p256_keygen')}
      p256_derive: ${pk('p256_derive')}
      ed25519_sign: ${pk('ed25519_sign')}
      ed25519_verify: ${pk('ed25519_verify')}
      ecdsa_p256_sign: ${pk('ecdsa_p256_sign')}
      ecdsa_p256_verify: ${pk('ecdsa_p256_verify')}
  cost: { area_mm2: 0, static_mw: 0, energy_pj_per_cycle: 0 }
`;
}
