// Reads a pcapng file on its own (not with the writer's code) and decrypts every DTLS 1.3 record in it with the keys
// of its Decryption Secrets Block, through the project's record layer: what Wireshark would do with a capture of
// the server port. Blocks (draft-ietf-opsawg-pcapng): SHB 0x0A0D0D0A, DSB 0x0000000A (secrets type 0x544c534b =
// NSS key log), IDB 1, EPB 6; frames Ethernet II / IPv4 (fragments reassembled) / UDP.
//
//   decryptCapture(bytes, serverPort) -> { datagrams, encrypted, decrypted, failures, keylog, byLabel }
//
// A record is bound to its connection as a dissector does: the client's address and port, and the client random
// of the last ClientHello seen from it; a client whose ClientHello precedes the capture's window is matched by
// trying the connections of the key log that no ClientHello in the capture claimed (the AEAD tag decides). The
// suite comes from the length of the secrets (SHA-256: 32 bytes, SHA-384: 48); each suite of that hash is tried.
import {
  ContentType, KeySchedule, RecordLayer, SUITE_NAMES, createProvider, getSuite, parseKeylog, seededRandom,
  type CipherSuite, type KeylogEntry,
} from '../../src/dtls/index.ts';
import { splitDatagram } from '../../src/dtls/record/index.ts';

const TLSK = 0x544c534b;

export interface CaptureDecryption {
  /** UDP datagrams in the capture (after IP reassembly). */
  datagrams: number;
  /** Encrypted (DTLSCiphertext) records in them, and how many of those opened under a key of the key log. */
  encrypted: number;
  decrypted: number;
  /** The first records that did not open (direction, client, epoch bits). */
  failures: string[];
  keylog: KeylogEntry[];
  /** Key-log lines per label. */
  byLabel: Map<string, number>;
  /** Decrypted records per (outer epoch bits) and inner content type, e.g. '3/23'. */
  byEpochType: Map<string, number>;
}

interface Udp {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** The EPB frames and DSB key log of a little-endian pcapng section. */
function readBlocks(b: Uint8Array): { frames: Uint8Array[]; keylogText: string } {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (v.getUint32(0, true) !== 0x0a0d0d0a || v.getUint32(8, true) !== 0x1a2b3c4d) throw new Error('not a little-endian pcapng');
  const frames: Uint8Array[] = [];
  let keylogText = '';
  for (let off = 0; off < b.length; ) {
    const type = v.getUint32(off, true);
    const len = v.getUint32(off + 4, true);
    if (len < 12 || len % 4 !== 0 || off + len > b.length || v.getUint32(off + len - 4, true) !== len) throw new Error(`bad block at ${off}`);
    if (type === 0x0000000a) {
      if (v.getUint32(off + 8, true) !== TLSK) throw new Error('DSB secrets type is not TLSK');
      const n = v.getUint32(off + 12, true);
      keylogText += new TextDecoder().decode(b.subarray(off + 16, off + 16 + n));
    } else if (type === 6) {
      const cap = v.getUint32(off + 20, true);
      frames.push(b.subarray(off + 28, off + 28 + cap));
    }
    off += len;
  }
  return { frames, keylogText };
}

/** UDP datagrams of Ethernet/IPv4 frames, IP fragments reassembled by (src, dst, id). */
function udpOf(frames: Uint8Array[]): Udp[] {
  const out: Udp[] = [];
  const pending = new Map<string, { parts: { off: number; data: Uint8Array }[]; total: number }>();
  for (const f of frames) {
    if (((f[12]! << 8) | f[13]!) !== 0x0800) throw new Error('not IPv4');
    const ip = f.subarray(14);
    const ihl = (ip[0]! & 15) * 4;
    const total = (ip[2]! << 8) | ip[3]!;
    if (ip[9] !== 17) throw new Error('not UDP');
    const fo = (ip[6]! << 8) | ip[7]!;
    const more = (fo & 0x2000) !== 0;
    const off = (fo & 0x1fff) * 8;
    const body = ip.subarray(ihl, total);
    const src = Array.from(ip.subarray(12, 16)).join('.');
    const dst = Array.from(ip.subarray(16, 20)).join('.');
    let l4 = body;
    if (more || off > 0) {
      const key = `${src}>${dst}#${(ip[4]! << 8) | ip[5]!}`;
      const p = pending.get(key) ?? { parts: [], total: -1 };
      pending.set(key, p);
      p.parts.push({ off, data: body });
      if (!more) p.total = off + body.length;
      const have = p.parts.reduce((s, x) => s + x.data.length, 0);
      if (p.total < 0 || have < p.total) continue;
      l4 = new Uint8Array(p.total);
      for (const x of p.parts) l4.set(x.data, x.off);
      pending.delete(key);
    }
    const ulen = (l4[4]! << 8) | l4[5]!;
    out.push({ src, dst, srcPort: (l4[0]! << 8) | l4[1]!, dstPort: (l4[2]! << 8) | l4[3]!, payload: l4.subarray(8, ulen) });
  }
  if (pending.size > 0) throw new Error(`${pending.size} incomplete IP datagram(s)`);
  return out;
}

/** One connection of the key log: a record layer per direction per suite candidate, with epochs 1-3 installed. */
interface Conn {
  random: string;
  /** [suite index][0: to server, 1: to client] */
  layers: RecordLayer[][];
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function connections(keylog: KeylogEntry[]): Map<string, Conn> {
  const provider = createProvider('node', seededRandom('pcap-keys'));
  const secrets = new Map<string, Map<string, Uint8Array>>();
  for (const e of keylog) {
    const r = hex(e.clientRandom);
    if (!secrets.has(r)) secrets.set(r, new Map());
    secrets.get(r)!.set(e.label, e.secret);
  }
  const out = new Map<string, Conn>();
  for (const [random, s] of secrets) {
    const len = (s.get('CLIENT_HANDSHAKE_TRAFFIC_SECRET') ?? s.get('CLIENT_EARLY_TRAFFIC_SECRET'))!.length;
    const suites: CipherSuite[] = SUITE_NAMES.map((n) => getSuite(n)).filter((su) => (su.hash === 'SHA-384' ? 48 : 32) === len);
    const layers = suites.map((suite) => {
      const ks = KeySchedule.forSuite(provider, suite);
      const dirs = [new RecordLayer({ provider, replayWindow: 1024 }), new RecordLayer({ provider, replayWindow: 1024 })];
      const put = (dir: number, epoch: number, label: string) => {
        const sec = s.get(label);
        if (sec) dirs[dir]!.installReadKeys(epoch, ks.epochKeys(sec, suite));
      };
      put(0, 1, 'CLIENT_EARLY_TRAFFIC_SECRET');
      put(0, 2, 'CLIENT_HANDSHAKE_TRAFFIC_SECRET');
      put(1, 2, 'SERVER_HANDSHAKE_TRAFFIC_SECRET');
      put(0, 3, 'CLIENT_TRAFFIC_SECRET_0');
      put(1, 3, 'SERVER_TRAFFIC_SECRET_0');
      return dirs;
    });
    out.set(random, { random, layers });
  }
  return out;
}

/** client_random of a ClientHello's first fragment in an epoch-0 handshake record (RFC 9147 5.2, 4), else undefined. */
function clientHelloRandom(d: Uint8Array, off: number): string | undefined {
  const m = off + 13;
  if (d[off] !== ContentType.handshake || d[m] !== 1) return undefined;
  const fragOff = (d[m + 6]! << 16) | (d[m + 7]! << 8) | d[m + 8]!;
  if (fragOff !== 0) return undefined;
  return hex(d.subarray(m + 12 + 2, m + 12 + 34));
}

export function decryptCapture(bytes: Uint8Array, serverPort: number): CaptureDecryption {
  const { frames, keylogText } = readBlocks(bytes);
  const keylog = parseKeylog(keylogText);
  const byLabel = new Map<string, number>();
  for (const e of keylog) byLabel.set(e.label, (byLabel.get(e.label) ?? 0) + 1);
  const conns = connections(keylog);
  const claimed = new Set<string>();
  const current = new Map<string, Conn>(); // client address:port -> connection of its last ClientHello
  const r: CaptureDecryption = { datagrams: 0, encrypted: 0, decrypted: 0, failures: [], keylog, byLabel, byEpochType: new Map() };
  for (const u of udpOf(frames)) {
    r.datagrams++;
    const toServer = u.dstPort === serverPort;
    const client = toServer ? `${u.src}:${u.srcPort}` : `${u.dst}:${u.dstPort}`;
    const split = splitDatagram(u.payload, 0);
    if (split.error) throw new Error(`${client}: undecodable record header (${split.error})`);
    for (const rec of split.records) {
      if (rec.kind === 'plaintext') {
        const random = toServer ? clientHelloRandom(u.payload, rec.offset) : undefined;
        const c = random !== undefined ? conns.get(random) : undefined;
        if (c) {
          current.set(client, c);
          claimed.add(c.random);
        }
        continue;
      }
      r.encrypted++;
      const bytesOf = u.payload.subarray(rec.offset, rec.end);
      const known = current.get(client);
      const candidates = known ? [known] : [...conns.values()].filter((c) => !claimed.has(c.random));
      let opened = false;
      for (const c of candidates) {
        for (const dirs of c.layers) {
          const got = dirs[toServer ? 0 : 1]!.open(bytesOf);
          if (got.length === 1 && got[0]!.encrypted) {
            opened = true;
            const k = `${rec.epochBits}/${got[0]!.contentType}`;
            r.byEpochType.set(k, (r.byEpochType.get(k) ?? 0) + 1);
            break;
          }
        }
        if (opened) break;
      }
      if (opened) r.decrypted++;
      else if (r.failures.length < 5) r.failures.push(`${toServer ? 'to server' : 'to client'} ${client} epoch bits ${rec.epochBits}`);
    }
  }
  return r;
}
