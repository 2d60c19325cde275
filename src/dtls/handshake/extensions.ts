// Extension codec (RFC 8446 4.2, RFC 9146, RFC 8449, RFC 6066 server_name). Extensions are kept as raw
// {type, data} pairs in the messages; the typed helpers below decode/encode the contents we act on.
// Unknown extensions are carried through untouched; PSK/early-data extensions decode without failing.
import { AlertDescription } from './constants.ts';
import { AlertError, Reader, Writer, decodeError } from './bytes.ts';

export interface Extension {
  type: number;
  data: Uint8Array;
}

export interface KeyShareEntry {
  group: number;
  keyExchange: Uint8Array;
}

export function readExtensions(r: Reader, min: number): Extension[] {
  const er = r.sub(2, min, 0xffff);
  const out: Extension[] = [];
  while (er.remaining > 0) {
    const type = er.u16();
    const data = er.vec(2);
    for (const e of out) {
      if (e.type === type) throw new AlertError(AlertDescription.illegal_parameter, `duplicate extension ${type}`);
    }
    out.push({ type, data });
  }
  return out;
}

export function writeExtensions(w: Writer, exts: readonly Extension[]): void {
  w.block(2, (w) => {
    for (const e of exts) w.u16(e.type).vec(2, e.data);
  });
}

export function findExt(exts: readonly Extension[], type: number): Uint8Array | undefined {
  for (const e of exts) if (e.type === type) return e.data;
  return undefined;
}

function build(fn: (w: Writer) => void): Uint8Array {
  const w = new Writer(64);
  fn(w);
  return w.finish();
}

function u16List(data: Uint8Array, min: number, what: string): number[] {
  const r = new Reader(data);
  const lr = r.sub(2, min, 0xfffe);
  r.done(what);
  if (lr.remaining % 2 !== 0) throw decodeError(`odd ${what} length`);
  const out: number[] = [];
  while (lr.remaining > 0) out.push(lr.u16());
  return out;
}

// supported_versions
export const SupportedVersions = {
  encodeClient: (versions: readonly number[]): Uint8Array =>
    build((w) => w.block(1, (w) => { for (const v of versions) w.u16(v); })),
  decodeClient(data: Uint8Array): number[] {
    const r = new Reader(data);
    const lr = r.sub(1, 2, 254);
    r.done('supported_versions');
    if (lr.remaining % 2 !== 0) throw decodeError('odd supported_versions length');
    const out: number[] = [];
    while (lr.remaining > 0) out.push(lr.u16());
    return out;
  },
  encodeServer: (v: number): Uint8Array => build((w) => w.u16(v)),
  decodeServer(data: Uint8Array): number {
    const r = new Reader(data);
    const v = r.u16();
    r.done('supported_versions');
    return v;
  },
};

// supported_groups
export const SupportedGroups = {
  encode: (groups: readonly number[]): Uint8Array =>
    build((w) => w.block(2, (w) => { for (const g of groups) w.u16(g); })),
  decode: (data: Uint8Array): number[] => u16List(data, 2, 'supported_groups'),
};

// signature_algorithms (and signature_algorithms_cert)
export const SignatureAlgorithms = {
  encode: (schemes: readonly number[]): Uint8Array =>
    build((w) => w.block(2, (w) => { for (const s of schemes) w.u16(s); })),
  decode: (data: Uint8Array): number[] => u16List(data, 2, 'signature_algorithms'),
};

// key_share
function readKeyShareEntry(r: Reader): KeyShareEntry {
  const group = r.u16();
  const keyExchange = r.vec(2, 1, 0xffff);
  return { group, keyExchange };
}
export const KeyShare = {
  encodeClient: (shares: readonly KeyShareEntry[]): Uint8Array =>
    build((w) => w.block(2, (w) => { for (const s of shares) w.u16(s.group).vec(2, s.keyExchange); })),
  decodeClient(data: Uint8Array): KeyShareEntry[] {
    const r = new Reader(data);
    const lr = r.sub(2);
    r.done('key_share');
    const out: KeyShareEntry[] = [];
    while (lr.remaining > 0) {
      const e = readKeyShareEntry(lr);
      // RFC 8446 4.2.8: clients MUST NOT offer multiple shares for the same group.
      if (out.some((o) => o.group === e.group)) {
        throw new AlertError(AlertDescription.illegal_parameter, 'duplicate key_share group');
      }
      out.push(e);
    }
    return out;
  },
  encodeServer: (e: KeyShareEntry): Uint8Array => build((w) => w.u16(e.group).vec(2, e.keyExchange)),
  decodeServer(data: Uint8Array): KeyShareEntry {
    const r = new Reader(data);
    const e = readKeyShareEntry(r);
    r.done('key_share');
    return e;
  },
  encodeHrr: (group: number): Uint8Array => build((w) => w.u16(group)),
  decodeHrr(data: Uint8Array): number {
    const r = new Reader(data);
    const g = r.u16();
    r.done('key_share');
    return g;
  },
};

// cookie
export const Cookie = {
  encode: (cookie: Uint8Array): Uint8Array => build((w) => w.vec(2, cookie)),
  decode(data: Uint8Array): Uint8Array {
    const r = new Reader(data);
    const c = r.vec(2, 1, 0xffff);
    r.done('cookie');
    return c;
  },
};

// server_name (RFC 6066 3): only host_name(0) entries are interpreted; empty in EncryptedExtensions.
export const ServerName = {
  encode: (host: string): Uint8Array =>
    build((w) => w.block(2, (w) => w.u8(0).vec(2, new TextEncoder().encode(host)))),
  decode(data: Uint8Array): string | undefined {
    if (data.length === 0) return undefined;
    const r = new Reader(data);
    const lr = r.sub(2, 1, 0xffff);
    r.done('server_name');
    let host: string | undefined;
    while (lr.remaining > 0) {
      const type = lr.u8();
      const name = lr.vec(2, 1, 0xffff);
      if (type === 0) {
        if (host !== undefined) throw new AlertError(AlertDescription.illegal_parameter, 'two host_names');
        host = new TextDecoder().decode(name);
      }
    }
    return host;
  },
};

// connection_id (RFC 9146 3): opaque cid<0..2^8-1>
export const ConnectionIdExt = {
  encode: (cid: Uint8Array): Uint8Array => build((w) => w.vec(1, cid)),
  decode(data: Uint8Array): Uint8Array {
    const r = new Reader(data);
    const c = r.vec(1);
    r.done('connection_id');
    return c.slice();
  },
};

// record_size_limit (RFC 8449 4): uint16 >= 64
export const RecordSizeLimit = {
  encode: (n: number): Uint8Array => build((w) => w.u16(n)),
  decode(data: Uint8Array): number {
    const r = new Reader(data);
    const n = r.u16();
    r.done('record_size_limit');
    if (n < 64) throw new AlertError(AlertDescription.illegal_parameter, 'record_size_limit < 64');
    return n;
  },
};

// pre_shared_key / psk_key_exchange_modes / early_data: decoded for validation only (no resumption yet).
export interface PskIdentity {
  identity: Uint8Array;
  obfuscatedTicketAge: number;
}
export const PreSharedKey = {
  decodeClient(data: Uint8Array): { identities: PskIdentity[]; binders: Uint8Array[] } {
    const r = new Reader(data);
    const ir = r.sub(2, 7, 0xffff);
    const identities: PskIdentity[] = [];
    while (ir.remaining > 0) identities.push({ identity: ir.vec(2, 1, 0xffff), obfuscatedTicketAge: ir.u32() });
    const br = r.sub(2, 33, 0xffff);
    const binders: Uint8Array[] = [];
    while (br.remaining > 0) binders.push(br.vec(1, 32, 255));
    r.done('pre_shared_key');
    if (binders.length !== identities.length) {
      throw new AlertError(AlertDescription.illegal_parameter, 'psk binders/identities mismatch');
    }
    return { identities, binders };
  },
  decodeServer(data: Uint8Array): number {
    const r = new Reader(data);
    const v = r.u16();
    r.done('pre_shared_key');
    return v;
  },
};
export const PskKeyExchangeModes = {
  decode(data: Uint8Array): number[] {
    const r = new Reader(data);
    const m = r.vec(1, 1, 255);
    r.done('psk_key_exchange_modes');
    return Array.from(m);
  },
  encode: (modes: readonly number[]): Uint8Array => build((w) => w.vec(1, Uint8Array.from(modes))),
};
export const EarlyData = {
  /** Empty in ClientHello/EncryptedExtensions; uint32 max_early_data_size in NewSessionTicket. */
  decode(data: Uint8Array): number | undefined {
    if (data.length === 0) return undefined;
    const r = new Reader(data);
    const v = r.u32();
    r.done('early_data');
    return v;
  },
};
