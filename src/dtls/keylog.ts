// NSS key log format (https://firefox-source-docs.mozilla.org/security/nss/legacy/key_log_format/), no file IO.
//   keylogLine(label, clientRandom, secret) -> 'LABEL <client_random hex> <secret hex>'
//   keylogLines({ clientRandom, clientHandshake?, serverHandshake?, client0?, server0?, clientEarly?,
//                 exporter?, earlyExporter? }) -> lines in NSS order
//   parseKeylog(text) -> KeylogEntry[] (ignores comments/blank/malformed lines); findSecret(entries, label, cr?)
// Labels: CLIENT_EARLY_TRAFFIC_SECRET, CLIENT_HANDSHAKE_TRAFFIC_SECRET, SERVER_HANDSHAKE_TRAFFIC_SECRET,
// CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0, EXPORTER_SECRET, EARLY_EXPORTER_SECRET.
// (wolfSSL writes CLIENT_TRAFFIC_SECRET / SERVER_TRAFFIC_SECRET without the _0 suffix, as in the illustrated-dtls
// vectors; the parser keeps labels verbatim and `findSecret` treats both spellings as the same.)

export type KeylogLabel =
  | 'CLIENT_EARLY_TRAFFIC_SECRET'
  | 'CLIENT_HANDSHAKE_TRAFFIC_SECRET'
  | 'SERVER_HANDSHAKE_TRAFFIC_SECRET'
  | 'CLIENT_TRAFFIC_SECRET_0'
  | 'SERVER_TRAFFIC_SECRET_0'
  | 'EXPORTER_SECRET'
  | 'EARLY_EXPORTER_SECRET';

export interface KeylogEntry {
  label: string;
  clientRandom: Uint8Array;
  secret: Uint8Array;
}

const toHex = (b: Uint8Array): string => {
  let s = '';
  for (let i = 0; i < b.length; i++) s += (b[i]! < 16 ? '0' : '') + b[i]!.toString(16);
  return s;
};

export function keylogLine(label: KeylogLabel | string, clientRandom: Uint8Array, secret: Uint8Array): string {
  return `${label} ${toHex(clientRandom)} ${toHex(secret)}`;
}

export interface KeylogSecrets {
  clientRandom: Uint8Array;
  clientEarly?: Uint8Array;
  clientHandshake?: Uint8Array;
  serverHandshake?: Uint8Array;
  client0?: Uint8Array;
  server0?: Uint8Array;
  exporter?: Uint8Array;
  earlyExporter?: Uint8Array;
}

export function keylogLines(s: KeylogSecrets): string[] {
  const pairs: [KeylogLabel, Uint8Array | undefined][] = [
    ['CLIENT_EARLY_TRAFFIC_SECRET', s.clientEarly],
    ['EARLY_EXPORTER_SECRET', s.earlyExporter],
    ['CLIENT_HANDSHAKE_TRAFFIC_SECRET', s.clientHandshake],
    ['SERVER_HANDSHAKE_TRAFFIC_SECRET', s.serverHandshake],
    ['CLIENT_TRAFFIC_SECRET_0', s.client0],
    ['SERVER_TRAFFIC_SECRET_0', s.server0],
    ['EXPORTER_SECRET', s.exporter],
  ];
  return pairs.filter((p) => p[1] !== undefined).map(([l, v]) => keylogLine(l, s.clientRandom, v!));
}

function fromHex(h: string): Uint8Array | undefined {
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) return undefined;
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

export function parseKeylog(text: string): KeylogEntry[] {
  const out: KeylogEntry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    if (f.length !== 3) continue;
    const cr = fromHex(f[1]!);
    const sec = fromHex(f[2]!);
    if (!cr || !sec || sec.length === 0) continue;
    out.push({ label: f[0]!, clientRandom: cr, secret: sec });
  }
  return out;
}

const canon = (l: string): string => l.replace(/^(CLIENT|SERVER)_TRAFFIC_SECRET$/, '$1_TRAFFIC_SECRET_0');

export function findSecret(entries: readonly KeylogEntry[], label: KeylogLabel | string, clientRandom?: Uint8Array): Uint8Array | undefined {
  const want = canon(label);
  for (const e of entries) {
    if (canon(e.label) !== want) continue;
    if (clientRandom && toHex(e.clientRandom) !== toHex(clientRandom)) continue;
    return e.secret;
  }
  return undefined;
}
