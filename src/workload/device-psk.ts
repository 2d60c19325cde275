// External PSKs of a device fleet (scenario `clients.psk`, docs/scenarios.md "Device fleets"), as IoT provisioning
// does: device i holds identity `device-<i>` and key HMAC-SHA256(fleet key, identity), the fleet key 32 bytes of the
// run's stream `psk`. The server keeps no table: its DTLS core asks `lookup` for the key of an identity it is
// offered (ServerPskConfig.lookup), and the key is derived again from the identity, so a million devices cost the
// server nothing before they connect. The derivation stands for a provisioning database and is not charged to any
// block (it is not a protocol operation of the server's DTLS core).
//
// The clients share one configuration per choice (client-crypto.ts); `client` is the ExternalPsk they all read,
// switched to the client at work (`current`, set before every piece of client work, as the ticket store is). The
// DTLS core reads it once per connect (makeOffer), and each read returns fresh arrays, so the handshake state of a
// client never sees another client's identity.
import type { RngStream } from '../sim/index.ts';
import type { ExternalPsk, PskKeMode, ServerPskConfig } from '../dtls/index.ts';
import type { ExternalPskConfig } from './config/index.ts';
import { hmacSha256, hmacSha256Key, type HmacSha256Key } from '../dtls/crypto/index.ts';

const PREFIX = 'device-';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DevicePsk {
  /** The client at work (its index). */
  current = -1;
  /** psk_key_exchange_modes every device offers. */
  readonly modes: PskKeMode[];
  /** HMAC-SHA256 key state of the fleet key (inner and outer pads compressed once: two compressions per key). */
  private readonly fleetKey: HmacSha256Key;

  /** `rng`: the run's stream `psk`; `count`: devices (identities beyond it are unknown to the server). */
  constructor(cfg: ExternalPskConfig, rng: RngStream, private readonly count: number) {
    const k = new Uint8Array(32);
    rng.fill(k);
    this.fleetKey = hmacSha256Key(k);
    k.fill(0);
    this.modes = [cfg.mode];
  }

  /** Identity of device `i`: the ASCII bytes of `device-<i>`. */
  static identity(i: number): Uint8Array {
    return encoder.encode(`${PREFIX}${i}`);
  }

  /** Key of an identity: HMAC-SHA256(fleet key, identity). */
  key(identity: Uint8Array): Uint8Array {
    const out = new Uint8Array(32);
    hmacSha256(this.fleetKey, identity, undefined, undefined, out, 0);
    return out;
  }

  /** The device index an identity names, or -1 (not `device-<i>` with 0 <= i < count, in canonical form). */
  indexOf(identity: Uint8Array): number {
    if (identity.length <= PREFIX.length || identity.length > PREFIX.length + 10) return -1;
    const s = decoder.decode(identity);
    if (!s.startsWith(PREFIX)) return -1;
    const n = s.slice(PREFIX.length);
    if (!/^(0|[1-9][0-9]*)$/.test(n)) return -1;
    const i = Number(n);
    return i < this.count ? i : -1;
  }

  /** What every client configuration offers: the PSK of the client at work (getters: fresh arrays per read). */
  readonly client: ExternalPsk = (() => {
    const self = this;
    return {
      get identity(): Uint8Array {
        return DevicePsk.identity(self.current);
      },
      get key(): Uint8Array {
        return self.key(DevicePsk.identity(self.current));
      },
    };
  })();

  /** The server's PSK configuration: keys looked up (derived) by identity, in the devices' mode only. */
  server(): ServerPskConfig {
    return {
      lookup: (identity) => (this.indexOf(identity) >= 0 ? { identity: identity.slice(), key: this.key(identity) } : undefined),
      modes: this.modes.slice(),
    };
  }
}
