// pcapng capture (draft-ietf-opsawg-pcapng) of simulated datagrams, with the TLS key log embedded. Pure: returns
// the bytes. Blocks, all little-endian:
//   Section Header Block (0x0A0D0D0A), Decryption Secrets Block (0x0000000A, secrets type 0x544c534b "TLSK" = NSS
//   key log lines), Interface Description Block (linktype 1 = Ethernet, if_tsresol 9 = nanoseconds), then one
//   Enhanced Packet Block (6) per Ethernet frame, timestamps = simulated time (ps rounded down to ns).
// Framing as the port model charges it (src/hw/port.ts): Ethernet II + IPv4 (RFC 791, header checksum computed) or
// IPv6 (RFC 8200) + UDP (RFC 768, checksum computed over the pseudo-header); a datagram larger than the MTU is split
// into IP fragments (IPv4 offset/MF; IPv6 Fragment header); frames shorter than 60 bytes (64 minus the FCS, which
// is not captured) are zero-padded.
import type { Ps } from '../../sim/index.ts';

export interface PcapEndpoint {
  /** 4 bytes (IPv4) or 16 bytes (IPv6). */
  ip: Uint8Array;
  port: number;
  /** 6 bytes; default derived from the IP address (02:00 + last 4 bytes, locally administered). */
  mac?: Uint8Array;
}

export interface PcapDatagram {
  /** When the datagram is seen at the capture point, ps. */
  timePs: Ps;
  src: PcapEndpoint;
  dst: PcapEndpoint;
  payload: Uint8Array;
}

export interface PcapOptions {
  /** IP MTU (bytes); larger datagrams are fragmented. Default 1500. */
  mtu?: number;
  /** NSS key log lines (without newlines), put in one Decryption Secrets Block. */
  keylog?: readonly string[];
  /** Written as shb_userappl. */
  application?: string;
}

/** 10.0.0.0/8 address number n + 1 (n < 2^24 - 2): simulated client n. */
export function clientIpv4(n: number): Uint8Array {
  const v = n + 1;
  return Uint8Array.of(10, (v >> 16) & 255, (v >> 8) & 255, v & 255);
}
/** 192.0.2.1 (TEST-NET-1, RFC 5737): the simulated server. */
export const SERVER_IPV4 = Uint8Array.of(192, 0, 2, 1);

const TSRESOL_NS = 9;

class Buf {
  a = new Uint8Array(1 << 16);
  n = 0;
  private ensure(k: number): void {
    if (this.n + k <= this.a.length) return;
    let m = this.a.length * 2;
    while (m < this.n + k) m *= 2;
    const b = new Uint8Array(m);
    b.set(this.a.subarray(0, this.n));
    this.a = b;
  }
  u8(v: number): void {
    this.ensure(1);
    this.a[this.n++] = v & 255;
  }
  u16le(v: number): void {
    this.ensure(2);
    this.a[this.n++] = v & 255;
    this.a[this.n++] = (v >>> 8) & 255;
  }
  u32le(v: number): void {
    this.ensure(4);
    for (let i = 0; i < 4; i++) this.a[this.n++] = (v >>> (8 * i)) & 255;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.a.set(b, this.n);
    this.n += b.length;
  }
  pad4(): void {
    while (this.n % 4 !== 0) this.u8(0);
  }
  setU32le(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.a[at + i] = (v >>> (8 * i)) & 255;
  }
  result(): Uint8Array {
    return this.a.slice(0, this.n);
  }
}

/** Writes a block: type, length, body (callback), padding, length again. */
function block(b: Buf, type: number, body: () => void): void {
  const at = b.n;
  b.u32le(type);
  b.u32le(0);
  body();
  b.pad4();
  const len = b.n - at + 4;
  b.u32le(len);
  b.setU32le(at + 4, len);
}

function option(b: Buf, code: number, value: Uint8Array): void {
  b.u16le(code);
  b.u16le(value.length);
  b.bytes(value);
  b.pad4();
}

/** RFC 1071 Internet checksum of the given byte ranges (big-endian 16-bit words), as the value to store. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd = -1; // pending high byte across parts
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      if (odd < 0) odd = p[i]!;
      else {
        sum += (odd << 8) | p[i]!;
        odd = -1;
      }
    }
  }
  if (odd >= 0) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function defaultMac(ip: Uint8Array): Uint8Array {
  const n = ip.length;
  return Uint8Array.of(0x02, 0x00, ip[n - 4]!, ip[n - 3]!, ip[n - 2]!, ip[n - 1]!);
}

/** The UDP datagram (header + payload) with its checksum. */
function udp(d: PcapDatagram): Uint8Array {
  const len = 8 + d.payload.length;
  const u = new Uint8Array(len);
  u[0] = d.src.port >> 8;
  u[1] = d.src.port & 255;
  u[2] = d.dst.port >> 8;
  u[3] = d.dst.port & 255;
  u[4] = (len >> 8) & 255;
  u[5] = len & 255;
  u.set(d.payload, 8);
  const v6 = d.src.ip.length === 16;
  const pseudo = new Uint8Array(v6 ? 40 : 12);
  pseudo.set(d.src.ip, 0);
  pseudo.set(d.dst.ip, d.src.ip.length);
  if (v6) {
    pseudo[32] = (len >>> 24) & 255;
    pseudo[33] = (len >>> 16) & 255;
    pseudo[34] = (len >>> 8) & 255;
    pseudo[35] = len & 255;
    pseudo[39] = 17;
  } else {
    pseudo[9] = 17;
    pseudo[10] = (len >> 8) & 255;
    pseudo[11] = len & 255;
  }
  let c = internetChecksum(pseudo, u);
  if (c === 0) c = 0xffff; // RFC 768: a computed 0 is sent as all ones
  u[6] = c >> 8;
  u[7] = c & 255;
  return u;
}

/** Ethernet frames (without FCS) carrying one datagram. */
export function frames(d: PcapDatagram, mtu: number, ipId: number): Uint8Array[] {
  const v6 = d.src.ip.length === 16;
  if (d.dst.ip.length !== d.src.ip.length || (d.src.ip.length !== 4 && !v6)) throw new RangeError('pcapng: src and dst must both be IPv4 (4 bytes) or IPv6 (16 bytes)');
  const l4 = udp(d);
  const ipHdr = v6 ? 40 : 20;
  const pieces: { off: number; data: Uint8Array; more: boolean }[] = [];
  if (ipHdr + l4.length <= mtu) pieces.push({ off: 0, data: l4, more: false });
  else {
    const f = Math.floor((mtu - ipHdr - (v6 ? 8 : 0)) / 8) * 8;
    for (let off = 0; off < l4.length; off += f) pieces.push({ off, data: l4.subarray(off, Math.min(l4.length, off + f)), more: off + f < l4.length });
  }
  const frag = pieces.length > 1;
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    const ext = v6 && frag ? 8 : 0;
    const l3 = ipHdr + ext + p.data.length;
    const fr = new Uint8Array(Math.max(60, 14 + l3));
    fr.set(d.dst.mac ?? defaultMac(d.dst.ip), 0);
    fr.set(d.src.mac ?? defaultMac(d.src.ip), 6);
    const ethType = v6 ? 0x86dd : 0x0800;
    fr[12] = ethType >> 8;
    fr[13] = ethType & 255;
    const ip = fr.subarray(14, 14 + ipHdr);
    if (!v6) {
      ip[0] = 0x45;
      ip[2] = l3 >> 8;
      ip[3] = l3 & 255;
      ip[4] = (ipId >> 8) & 255;
      ip[5] = ipId & 255;
      const fo = (p.off / 8) | (p.more ? 0x2000 : 0);
      ip[6] = fo >> 8;
      ip[7] = fo & 255;
      ip[8] = 64;
      ip[9] = 17;
      ip.set(d.src.ip, 12);
      ip.set(d.dst.ip, 16);
      const c = internetChecksum(ip);
      ip[10] = c >> 8;
      ip[11] = c & 255;
    } else {
      ip[0] = 0x60;
      const pl = l3 - 40;
      ip[4] = pl >> 8;
      ip[5] = pl & 255;
      ip[6] = frag ? 44 : 17;
      ip[7] = 64;
      ip.set(d.src.ip, 8);
      ip.set(d.dst.ip, 24);
      if (frag) {
        const fh = fr.subarray(14 + 40, 14 + 48);
        fh[0] = 17;
        const fo = p.off | (p.more ? 1 : 0);
        fh[2] = fo >> 8;
        fh[3] = fo & 255;
        fh[4] = (ipId >>> 24) & 255;
        fh[5] = (ipId >>> 16) & 255;
        fh[6] = (ipId >>> 8) & 255;
        fh[7] = ipId & 255;
      }
    }
    fr.set(p.data, 14 + ipHdr + ext);
    out.push(fr);
  }
  return out;
}

export function pcapng(datagrams: readonly PcapDatagram[], opts: PcapOptions = {}): Uint8Array {
  const mtu = opts.mtu ?? 1500;
  const b = new Buf();
  const enc = new TextEncoder();
  block(b, 0x0a0d0d0a, () => {
    b.u32le(0x1a2b3c4d);
    b.u16le(1);
    b.u16le(0);
    b.u32le(0xffffffff); // section length -1: not specified
    b.u32le(0xffffffff);
    if (opts.application) {
      option(b, 4, enc.encode(opts.application));
      option(b, 0, new Uint8Array(0));
    }
  });
  if (opts.keylog && opts.keylog.length > 0) {
    const text = enc.encode(opts.keylog.map((l) => l + '\n').join(''));
    block(b, 0x0000000a, () => {
      b.u32le(0x544c534b);
      b.u32le(text.length);
      b.bytes(text);
    });
  }
  block(b, 1, () => {
    b.u16le(1); // LINKTYPE_ETHERNET
    b.u16le(0);
    b.u32le(0); // snaplen: no limit
    option(b, 9, Uint8Array.of(TSRESOL_NS));
    option(b, 0, new Uint8Array(0));
  });
  let ipId = 0;
  for (const d of datagrams) {
    const ns = Math.floor(d.timePs / 1000);
    const hi = Math.floor(ns / 2 ** 32);
    const lo = ns - hi * 2 ** 32;
    for (const fr of frames(d, mtu, ipId)) {
      block(b, 6, () => {
        b.u32le(0);
        b.u32le(hi);
        b.u32le(lo);
        b.u32le(fr.length);
        b.u32le(fr.length);
        b.bytes(fr);
      });
    }
    ipId = (ipId + 1) & 0xffff;
  }
  return b.result();
}
