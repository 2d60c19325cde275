// Certificate name matching (RFC 6125 / RFC 9525): DNS names with a left-most wildcard, and IP addresses (v4, v6)
// against subjectAltName iPAddress entries. Used by ./verify.ts.
import { bytesEqual, type Certificate } from './x509.ts';

function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

function parseIpv4(name: string): Uint8Array | undefined {
  const parts = name.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p > 255)) return undefined;
  return Uint8Array.from(parts);
}

function parseIpv6(name: string): Uint8Array | undefined {
  const s = name.replace(/^\[|\]$/g, '');
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const toGroups = (h: string): number[] | undefined => {
    if (h === '') return [];
    const g = h.split(':').map((x) => (/^[0-9a-fA-F]{1,4}$/.test(x) ? parseInt(x, 16) : NaN));
    return g.some(Number.isNaN) ? undefined : g;
  };
  const a = toGroups(halves[0]!);
  const b = halves.length === 2 ? toGroups(halves[1]!) : [];
  if (!a || !b) return undefined;
  const fill = 8 - a.length - b.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0 || (halves.length === 2 && fill < 1)) return undefined;
  const groups = [...a, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...b];
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

/**
 * RFC 6125 6.4 host name matching, case-insensitive, trailing dot ignored. A wildcard is accepted only as the
 * entire left-most label ("*.example.com"), matches exactly one non-empty label, and needs at least two labels
 * after it (so "*.com" matches nothing). IDNA names are compared in their A-label (xn--) form.
 */
export function matchHostname(pattern: string, host: string): boolean {
  // the common case, a SAN entry equal to the name asked for: no lower-casing, splitting or allocation (the checks
  // below would accept it: non-empty, no empty label, no wildcard)
  if (pattern === host && pattern.length > 0 && pattern.charCodeAt(0) !== 46 && !pattern.includes('..') && !pattern.includes('*')) return true;
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (p === '' || h === '') return false;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl.some((l) => l === '') || hl.some((l) => l === '')) return false;
  if (!p.includes('*')) return p === h;
  if (pl[0] !== '*' || pl.slice(1).some((l) => l.includes('*'))) return false;
  if (pl.length < 3 || hl.length !== pl.length) return false;
  if (hl[0]!.startsWith('xn--')) return false; // no wildcard match into an IDNA label
  return pl.slice(1).join('.') === hl.slice(1).join('.');
}

/** Whether the certificate is valid for `name` (host name or IP literal). */
export function matchesName(cert: Certificate, name: string): boolean {
  const san = cert.extensions.subjectAltName;
  if (isIpLiteral(name)) {
    const ip = name.includes(':') ? parseIpv6(name) : parseIpv4(name);
    if (!ip) return false;
    return (san?.ip ?? []).some((a) => bytesEqual(a, ip));
  }
  if (san && (san.dns.length > 0 || san.ip.length > 0)) return san.dns.some((d) => matchHostname(d, name));
  // No SAN identifiers: fall back to the subject's (last) common name, exact or wildcard.
  const cns = cert.subject.attributes.filter((a) => a.type === 'CN');
  const cn = cns[cns.length - 1]?.value;
  return cn !== undefined && matchHostname(cn, name);
}
