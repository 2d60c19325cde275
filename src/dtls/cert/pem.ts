// PEM (RFC 7468) decoding: "-----BEGIN LABEL-----" base64 "-----END LABEL-----" blocks; text outside blocks is
// ignored (as OpenSSL does, e.g. "Bag Attributes" or `-text` output). Strict base64, no exceptions.

export type PemBlock = { label: string; der: Uint8Array };

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Strict standard base64 (whitespace ignored, '=' padding only at the end); undefined if invalid. */
export function base64Decode(text: string): Uint8Array | undefined {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 4 !== 0) return undefined;
  const pad = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const n = clean.length - pad;
  const out = new Uint8Array((clean.length / 4) * 3 - pad);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < n; i++) {
    const ch = clean.charCodeAt(i);
    const d = ch < 256 ? B64_INDEX[ch]! : -1;
    if (d < 0) return undefined;
    acc = ((acc << 6) | d) & 0xffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  if (o !== out.length) return undefined;
  return out;
}

/** All PEM blocks in `text`, in order. `errors` lists blocks that could not be decoded. */
export function parsePem(text: string): { blocks: PemBlock[]; errors: string[] } {
  const blocks: PemBlock[] = [];
  const errors: string[] = [];
  if (typeof text !== 'string') return { blocks, errors: ['not a string'] };
  const re = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const [, label, body, endLabel] = m;
    if (label !== endLabel) {
      errors.push(`BEGIN ${label} closed by END ${endLabel}`);
      continue;
    }
    // RFC 1421 style headers ("Proc-Type: ...") mean an encrypted legacy key: unsupported.
    if (/^[\s]*[A-Za-z-]+:/.test(body!)) {
      errors.push(`${label}: PEM headers (encrypted key?) are not supported`);
      continue;
    }
    const der = base64Decode(body!);
    if (!der || der.length === 0) {
      errors.push(`${label}: invalid base64`);
      continue;
    }
    blocks.push({ label: label!, der });
  }
  return { blocks, errors };
}
