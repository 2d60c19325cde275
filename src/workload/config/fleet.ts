// Device-fleet keys of a scenario (docs/scenarios.md "Device fleets"): external PSKs per device
// (`clients.psk`), connection IDs (`clients.connection_id_length`), churn (`clients.churn_per_min`) and NAT
// rebinding (`network.nat_rebinding_per_min`). Behaviour: src/workload/device-psk.ts, src/workload/fleet.ts.
import * as z from 'zod';

/** psk_key_exchange_modes a device offers (RFC 8446 4.2.9): psk_ke (no key share: no public-key operation at all)
 *  or psk_dhe_ke ((EC)DHE on top of the PSK: forward secrecy, one key share and one shared secret per side). */
export const PSK_KE_MODES = ['psk_ke', 'psk_dhe_ke'] as const;
export type PskKeModeName = (typeof PSK_KE_MODES)[number];

/**
 * External PSKs (RFC 8446 2.2), as IoT provisioning does: device i holds identity `device-<i>` and a key derived
 * from the run's seed and that identity; the server derives the same key from the identity when it looks it up.
 * Every client uses its PSK (no certificate, no signature).
 */
export const ExternalPskSchema = z.strictObject({
  /** Key exchange mode every device offers. */
  mode: z.enum(PSK_KE_MODES).default('psk_ke'),
});

/** Length of the connection IDs the server issues (RFC 9146 / RFC 9147 9), bytes; 0 = no CID. */
export const ConnectionIdLengthSchema = z.number().int().min(0).max(255).default(0);

/** Fraction of connected devices per minute, [0, 1]: the rate of a per-device Poisson process. */
export const PerMinuteFractionSchema = z.number().min(0).max(1).default(0);

export type ExternalPskConfig = z.output<typeof ExternalPskSchema>;
