// DTLS protocol settings of a scenario (`dtls:` section) and their mapping to the DTLS core's endpoint
// configuration. Every field, its default and its source: docs/scenarios.md.
import * as z from 'zod';
import { type CommonConfig, TIMER_DEFAULTS } from '../../dtls/endpoint/config.ts';
import { HalfOpenSchema } from './attack.ts';
import { delayMs } from './limits.ts';

/**
 * Handshake retransmission timer (RFC 9147 5.8.2), the same for every client and the server. The defaults are the
 * core's own (TIMER_DEFAULTS in src/dtls/endpoint/config.ts) except the floor (see rto_floor_ms).
 */
export const DtlsTimersSchema = z
  .strictObject({
    /** First retransmission timeout of a flight, ms; doubled on each expiry (RFC 9147 5.8.2: 1000 ms). */
    initial_rto_ms: delayMs(true).default(TIMER_DEFAULTS.initialRetransmitMs),
    /** Cap of the doubling, ms (RFC 9147 5.8.2: no less than 60 s, the maximum of RFC 6298). */
    max_rto_ms: delayMs(true).default(TIMER_DEFAULTS.maxRetransmitMs),
    /** Floor of the timer once it is set from a measured RTT (1.5 x RTT, RFC 9147 5.8.2), ms. Default 1 ms, not the
     *  core's 10 ms: the shipped scenarios' outputs were taken with 1 ms (a 10 ms floor turns single-client's
     *  1.21 ms handshake into 3.46 ms: with cookies off the server is amplification-limited and the client's
     *  partial-flight ACK waits 1/4 of the timer). Set 10 to simulate the core's default. */
    rto_floor_ms: delayMs(true).default(1),
    /** Consecutive expiries of one flight before the endpoint gives up (the handshake fails). */
    max_retransmissions: z.number().int().nonnegative().default(TIMER_DEFAULTS.maxRetransmissions),
  })
  .superRefine((t, ctx) => {
    if (t.initial_rto_ms > t.max_rto_ms) ctx.addIssue({ code: 'custom', path: ['initial_rto_ms'], message: `must be <= max_rto_ms (${t.max_rto_ms})` });
    if (t.rto_floor_ms > t.max_rto_ms) ctx.addIssue({ code: 'custom', path: ['rto_floor_ms'], message: `must be <= max_rto_ms (${t.max_rto_ms})` });
  });

export const DtlsSchema = z.strictObject({
  timers: DtlsTimersSchema.prefault({}),
  /** The server's bounds on half-open handshakes (config/attack.ts). */
  half_open: HalfOpenSchema.prefault({}),
});

export type DtlsTimersConfig = z.output<typeof DtlsTimersSchema>;
export type DtlsConfig = z.output<typeof DtlsSchema>;

/** The endpoint configuration fields the scenario's `dtls:` section sets. */
export type EndpointTimers = Required<Pick<CommonConfig, 'initialRetransmitMs' | 'maxRetransmitMs' | 'minRetransmitMs' | 'maxRetransmissions'>>;

/** Scenario `dtls:` -> the DTLS core's endpoint fields (spread into every ClientConfig and ServerConfig). */
export function endpointTimers(d: DtlsConfig): EndpointTimers {
  const t = d.timers;
  return {
    initialRetransmitMs: t.initial_rto_ms,
    maxRetransmitMs: t.max_rto_ms,
    minRetransmitMs: t.rto_floor_ms,
    maxRetransmissions: t.max_retransmissions,
  };
}
