// RSASSA-PSS-params of a certificate signature algorithm (RFC 4055 3.1), for ./x509.ts.
import { DerError, DerReader, Tag, decodeOid, decodeSmallUint, type DerNode } from './der.ts';

/** RSASSA-PSS-params (RFC 4055 3.1; absent fields take the defaults SHA-1 / MGF1-SHA-1 / 20 / 1). Hash names are
 *  'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512' or the OID; mgfHash is 'unsupported-mgf' for a mask function other
 *  than MGF1. */
export type PssParams = { hash: string; mgfHash: string; saltLength: number; trailerField: number };

const OID_MGF1 = '1.2.840.113549.1.1.8';
const HASH_NAMES: Record<string, string> = {
  '1.3.14.3.2.26': 'SHA-1', '2.16.840.1.101.3.4.2.1': 'SHA-256', '2.16.840.1.101.3.4.2.2': 'SHA-384',
  '2.16.840.1.101.3.4.2.3': 'SHA-512',
};

/** Hash AlgorithmIdentifier with NULL or absent parameters (RFC 4055 2.1 accepts both). */
function hashAlgorithm(der: Uint8Array, n: DerNode): string {
  const r = new DerReader(der, n.contentStart, n.end);
  const oid = decodeOid(der, r.expect(Tag.OID, 'hash algorithm'));
  const nul = r.optional(Tag.NULL);
  if (nul && nul.end !== nul.contentStart) throw new DerError('NULL with content');
  r.finish('hash AlgorithmIdentifier');
  return HASH_NAMES[oid] ?? oid;
}

/** One explicitly tagged field [tag] of RSASSA-PSS-params, if present. */
function pssField(r: DerReader, tag: number): DerReader | undefined {
  const f = r.optional(tag);
  return f ? r.enter(f) : undefined;
}

export function parsePssParams(der: Uint8Array, n: DerNode): PssParams {
  const r = new DerReader(der, n.contentStart, n.end);
  const out: PssParams = { hash: 'SHA-1', mgfHash: 'SHA-1', saltLength: 20, trailerField: 1 };
  const h = pssField(r, 0xa0);
  if (h) {
    out.hash = hashAlgorithm(der, h.expect(Tag.SEQUENCE, 'hashAlgorithm'));
    h.finish('hashAlgorithm');
  }
  const m = pssField(r, 0xa1);
  if (m) {
    const seq = m.expect(Tag.SEQUENCE, 'maskGenAlgorithm');
    m.finish('maskGenAlgorithm');
    const mr = m.enter(seq);
    const mgf = decodeOid(der, mr.expect(Tag.OID, 'mask generation function'));
    if (mgf === OID_MGF1) out.mgfHash = hashAlgorithm(der, mr.expect(Tag.SEQUENCE, 'MGF1 hash'));
    else {
      out.mgfHash = 'unsupported-mgf';
      if (!mr.done) mr.next();
    }
    mr.finish('maskGenAlgorithm');
  }
  const s = pssField(r, 0xa2);
  if (s) {
    out.saltLength = decodeSmallUint(der, s.expect(Tag.INTEGER, 'saltLength'));
    s.finish('saltLength');
  }
  const t = pssField(r, 0xa3);
  if (t) {
    out.trailerField = decodeSmallUint(der, t.expect(Tag.INTEGER, 'trailerField'));
    t.finish('trailerField');
  }
  r.finish('RSASSA-PSS-params');
  return out;
}
