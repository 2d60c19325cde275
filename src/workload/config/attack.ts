// Hello floods in a scenario (`attack:`, docs/scenarios.md): attackers beside the legitimate clients send
// ClientHellos from spoofed, never-repeated source addresses and malformed datagrams at fixed rates; and the
// server's bounds on half-open handshakes (`dtls.half_open`), the state such a flood creates when cookies are off.
import * as z from 'zod';
import { HALF_OPEN_DEFAULTS } from '../../dtls/endpoint/half-open.ts';
import { delayMs, runMs } from './limits.ts';

export const AttackSchema = z
  .strictObject({
    /** Spoofed ClientHellos per second (each from a new source address), evenly spaced. */
    hello_rate_per_s: z.number().nonnegative().default(0),
    /** Malformed datagrams per second (random bytes of `garbage_bytes`, each from a new source address). */
    garbage_rate_per_s: z.number().nonnegative().default(0),
    /** Size of a malformed datagram, bytes. */
    garbage_bytes: z.number().int().min(1).max(1472).default(100),
    /** Start of the attack and its length, ms of simulated time. */
    start_ms: runMs().default(0),
    duration_ms: runMs(true),
  })
  .superRefine((a, ctx) => {
    if (a.hello_rate_per_s <= 0 && a.garbage_rate_per_s <= 0) {
      ctx.addIssue({ code: 'custom', path: ['hello_rate_per_s'], message: 'hello_rate_per_s or garbage_rate_per_s must be > 0' });
    }
  });

/** The server's bounds on handshakes not yet completed (the DTLS core's src/dtls/endpoint/half-open.ts; its defaults). */
export const HalfOpenSchema = z.strictObject({
  /** Half-open connections in total; a new one beyond it evicts the oldest. */
  max: z.number().int().positive().default(HALF_OPEN_DEFAULTS.maxHalfOpen),
  /** Half-open connections per source address (IP without port). */
  max_per_source: z.number().int().positive().default(HALF_OPEN_DEFAULTS.maxHalfOpenPerSource),
  /** A handshake not completed this long after its ClientHello is abandoned, ms. */
  handshake_timeout_ms: delayMs(true).default(HALF_OPEN_DEFAULTS.handshakeTimeoutMs),
});

export type AttackConfig = z.output<typeof AttackSchema>;
export type HalfOpenConfig = z.output<typeof HalfOpenSchema>;
