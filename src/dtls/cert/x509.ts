// X.509 v3 certificate parsing (RFC 5280 profile): names, validity, SubjectPublicKeyInfo, the extensions a
// TLS client needs, and the signature. Never throws: parseCertificate returns { ok: false, detail } on any
// malformed input.
import {
  DerError,
  DerReader,
  Tag,
  content,
  decodeBitString,
  decodeBoolean,
  decodeOid,
  decodeSmallUint,
  decodeString,
  decodeTime,
  checkInteger,
  whole,
  type DerNode,
} from './der.ts';
import { parsePssParams, type PssParams } from './pss-params.ts';
import { ATTR_SHORT, Oid, SIG_ALG_NAMES } from './oids.ts';

export type { PssParams } from './pss-params.ts';

export { Oid } from './oids.ts';

export type NameAttribute = { oid: string; type: string; value: string | undefined };
export type Name = {
  /** The encoded Name exactly as in the certificate (issuer/subject chaining compares these bytes). */
  der: Uint8Array;
  attributes: NameAttribute[];
  /** "CN=localhost, O=Example" (for messages only). */
  text: string;
};

export type PublicKeyInfo =
  | { kind: 'ed25519'; key: Uint8Array }
  /** SEC1 uncompressed point (65 bytes). */
  | { kind: 'p256'; key: Uint8Array }
  /** rsaEncryption (pss: false) or id-RSASSA-PSS (pss: true) key; `key` is the RSAPublicKey DER. */
  | { kind: 'rsa'; modulusBits: number; key: Uint8Array; pss: boolean }
  | { kind: 'unknown'; algorithm: string; parameter?: string };

export type KeyUsage = {
  digitalSignature: boolean;
  nonRepudiation: boolean;
  keyEncipherment: boolean;
  dataEncipherment: boolean;
  keyAgreement: boolean;
  keyCertSign: boolean;
  cRLSign: boolean;
};

export type Extensions = {
  basicConstraints?: { ca: boolean; pathLen?: number; critical: boolean };
  keyUsage?: KeyUsage & { critical: boolean };
  subjectAltName?: { dns: string[]; ip: Uint8Array[]; critical: boolean };
  extKeyUsage?: string[];
  /** OIDs of critical extensions this parser does not understand (RFC 5280: such a certificate must be rejected). */
  unknownCritical: string[];
};

export type Certificate = {
  der: Uint8Array;
  /** The signed bytes (tbsCertificate, DER). */
  tbs: Uint8Array;
  version: number; // 1..3
  serialHex: string;
  /** `pss` for RSASSA-PSS signatures (their parameters). */
  signatureAlgorithm: { oid: string; name: string; pss?: PssParams };
  signature: Uint8Array;
  issuer: Name;
  subject: Name;
  notBefore: number; // ms since the epoch
  notAfter: number;
  spki: Uint8Array;
  publicKey: PublicKeyInfo;
  extensions: Extensions;
};

export type ParseResult = { ok: true; cert: Certificate } | { ok: false; reason: 'malformed'; detail: string };

/** Parses one DER certificate; never throws. The certificate must fill `der` exactly. */
export function parseCertificate(der: Uint8Array): ParseResult {
  try {
    if (!(der instanceof Uint8Array)) throw new DerError('not a byte array');
    return { ok: true, cert: parseCert(der) };
  } catch (e) {
    if (e instanceof DerError) return { ok: false, reason: 'malformed', detail: e.message };
    // Anything else is a bug in this parser; still report it as malformed rather than crash the caller.
    return { ok: false, reason: 'malformed', detail: `internal: ${(e as Error)?.message ?? String(e)}` };
  }
}

function parseCert(der: Uint8Array): Certificate {
  const top = new DerReader(der);
  const certNode = top.expect(Tag.SEQUENCE, 'Certificate');
  top.finish('Certificate');
  const cr = top.enter(certNode);
  const tbsNode = cr.expect(Tag.SEQUENCE, 'tbsCertificate');
  const outerAlgNode = cr.expect(Tag.SEQUENCE, 'signatureAlgorithm');
  const sigNode = cr.expect(Tag.BIT_STRING, 'signatureValue');
  cr.finish('Certificate');

  const t = cr.enter(tbsNode);
  let version = 1;
  const vNode = t.optional(0xa0);
  if (vNode) {
    const vr = t.enter(vNode);
    version = decodeSmallUint(der, vr.expect(Tag.INTEGER, 'version')) + 1;
    vr.finish('version');
    if (version < 2 || version > 3) throw new DerError(`unsupported version ${version}`);
  }
  const serialNode = t.expect(Tag.INTEGER, 'serialNumber');
  const serial = content(der, serialNode);
  checkInteger(serial);
  const innerAlgNode = t.expect(Tag.SEQUENCE, 'signature');
  if (!bytesEqual(whole(der, innerAlgNode), whole(der, outerAlgNode))) {
    throw new DerError('tbsCertificate.signature differs from signatureAlgorithm');
  }
  const sigAlg = parseSigAlg(der, outerAlgNode);
  const issuer = parseName(der, t.expect(Tag.SEQUENCE, 'issuer'));
  const validity = t.expect(Tag.SEQUENCE, 'validity');
  const vr = t.enter(validity);
  const notBefore = decodeTime(der, vr.next());
  const notAfter = decodeTime(der, vr.next());
  vr.finish('validity');
  const subject = parseName(der, t.expect(Tag.SEQUENCE, 'subject'));
  const spkiNode = t.expect(Tag.SEQUENCE, 'subjectPublicKeyInfo');
  const publicKey = parseSpki(der, spkiNode);
  // issuerUniqueID [1], subjectUniqueID [2] (v2/v3 only): skipped.
  for (const tag of [0x81, 0xa1, 0x82, 0xa2]) {
    if (t.optional(tag) && version < 2) throw new DerError('unique IDs in a v1 certificate');
  }
  let extensions: Extensions = { unknownCritical: [] };
  const extNode = t.optional(0xa3);
  if (extNode) {
    if (version !== 3) throw new DerError('extensions in a non-v3 certificate');
    extensions = parseExtensions(der, extNode);
  }
  t.finish('tbsCertificate');

  const sig = decodeBitString(der, sigNode);
  return {
    der,
    tbs: whole(der, tbsNode),
    version,
    serialHex: toHex(serial),
    signatureAlgorithm: sigAlg,
    signature: sig.bytes,
    issuer,
    subject,
    notBefore,
    notAfter,
    spki: whole(der, spkiNode),
    publicKey,
    extensions,
  };
}

function parseSigAlg(der: Uint8Array, n: DerNode): { oid: string; name: string; pss?: PssParams } {
  const r = new DerReader(der, n.contentStart, n.end);
  const oid = decodeOid(der, r.expect(Tag.OID, 'algorithm'));
  // ECDSA and EdDSA identifiers carry no parameters; RSA PKCS#1 ones carry NULL; PSS carries a SEQUENCE.
  const p = r.done ? undefined : r.next();
  r.finish('AlgorithmIdentifier');
  const name = SIG_ALG_NAMES[oid] ?? oid;
  if (oid !== Oid.rsassaPss) return { oid, name };
  // RFC 4055 3.1: a PSS signature's AlgorithmIdentifier MUST carry RSASSA-PSS-params
  if (!p || p.tag !== Tag.SEQUENCE) throw new DerError('RSASSA-PSS signature without parameters');
  return { oid, name, pss: parsePssParams(der, p) };
}


function parseName(der: Uint8Array, n: DerNode): Name {
  const r = new DerReader(der, n.contentStart, n.end);
  const attributes: NameAttribute[] = [];
  while (!r.done) {
    const rdn = r.expect(Tag.SET, 'RelativeDistinguishedName');
    const sr = r.enter(rdn);
    if (sr.done) throw new DerError('empty RDN');
    while (!sr.done) {
      const atv = sr.expect(Tag.SEQUENCE, 'AttributeTypeAndValue');
      const ar = sr.enter(atv);
      const oid = decodeOid(der, ar.expect(Tag.OID, 'attribute type'));
      const valueNode = ar.next();
      ar.finish('AttributeTypeAndValue');
      attributes.push({ oid, type: ATTR_SHORT[oid] ?? oid, value: decodeString(der, valueNode) });
    }
  }
  const text = attributes.map((a) => `${a.type}=${a.value ?? '?'}`).join(', ');
  return { der: whole(der, n), attributes, text };
}

function parseSpki(der: Uint8Array, n: DerNode): PublicKeyInfo {
  const r = new DerReader(der, n.contentStart, n.end);
  const alg = r.expect(Tag.SEQUENCE, 'SPKI algorithm');
  const keyNode = r.expect(Tag.BIT_STRING, 'subjectPublicKey');
  r.finish('SubjectPublicKeyInfo');
  const ar = r.enter(alg);
  const oid = decodeOid(der, ar.expect(Tag.OID, 'SPKI algorithm OID'));
  const paramNode = ar.done ? undefined : ar.next();
  ar.finish('SPKI AlgorithmIdentifier');
  const key = decodeBitString(der, keyNode).bytes;
  switch (oid) {
    case Oid.ed25519:
      if (paramNode) throw new DerError('Ed25519 SPKI with parameters');
      if (key.length !== 32) throw new DerError('Ed25519 key is not 32 bytes');
      return { kind: 'ed25519', key };
    case Oid.ecPublicKey: {
      if (!paramNode || paramNode.tag !== Tag.OID) {
        return { kind: 'unknown', algorithm: 'ecPublicKey', parameter: 'explicit or implicit curve' };
      }
      const curve = decodeOid(der, paramNode);
      if (curve !== Oid.prime256v1) return { kind: 'unknown', algorithm: 'ecPublicKey', parameter: curveName(curve) };
      if (key.length === 33 && (key[0] === 2 || key[0] === 3)) {
        return { kind: 'unknown', algorithm: 'ecPublicKey', parameter: 'compressed P-256 point' };
      }
      if (key.length !== 65 || key[0] !== 4) throw new DerError('bad P-256 point encoding');
      return { kind: 'p256', key };
    }
    case Oid.rsaEncryption:
    case Oid.rsassaPss: {
      // RSAPublicKey ::= SEQUENCE { modulus INTEGER, publicExponent INTEGER }
      const kr = new DerReader(key);
      const seq = kr.expect(Tag.SEQUENCE, 'RSAPublicKey');
      kr.finish('RSAPublicKey');
      const sr = kr.enter(seq);
      const mod = content(key, sr.expect(Tag.INTEGER, 'modulus'));
      checkInteger(mod);
      sr.expect(Tag.INTEGER, 'publicExponent');
      sr.finish('RSAPublicKey');
      let bytes = mod.length;
      let i = 0;
      while (i < mod.length - 1 && mod[i] === 0) {
        i++;
        bytes--;
      }
      const top = mod[i]!;
      const bits = bytes * 8 - (top === 0 ? 8 : Math.clz32(top) - 24);
      return { kind: 'rsa', modulusBits: bits, key, pss: oid === Oid.rsassaPss };
    }
    default:
      return { kind: 'unknown', algorithm: oid };
  }
}

function curveName(oid: string): string {
  return oid === Oid.secp384r1 ? 'secp384r1' : oid === Oid.secp521r1 ? 'secp521r1' : oid;
}

function parseExtensions(der: Uint8Array, n: DerNode): Extensions {
  const outer = new DerReader(der, n.contentStart, n.end);
  const seq = outer.expect(Tag.SEQUENCE, 'Extensions');
  outer.finish('[3] extensions');
  const r = outer.enter(seq);
  if (r.done) throw new DerError('empty Extensions');
  const ext: Extensions = { unknownCritical: [] };
  const seen = new Set<string>();
  while (!r.done) {
    const e = r.expect(Tag.SEQUENCE, 'Extension');
    const er = r.enter(e);
    const oid = decodeOid(der, er.expect(Tag.OID, 'extnID'));
    let critical = false;
    const critNode = er.optional(Tag.BOOLEAN);
    if (critNode) {
      critical = decodeBoolean(der, critNode);
      if (!critical) throw new DerError('explicit critical=FALSE (not DER)');
    }
    const valueNode = er.expect(Tag.OCTET_STRING, 'extnValue');
    er.finish('Extension');
    if (seen.has(oid)) throw new DerError(`duplicate extension ${oid}`);
    seen.add(oid);
    const vr = new DerReader(der, valueNode.contentStart, valueNode.end);
    switch (oid) {
      case Oid.basicConstraints: {
        const s = vr.expect(Tag.SEQUENCE, 'BasicConstraints');
        vr.finish('basicConstraints');
        const br = vr.enter(s);
        let ca = false;
        const caNode = br.optional(Tag.BOOLEAN);
        if (caNode) {
          ca = decodeBoolean(der, caNode);
          if (!ca) throw new DerError('explicit cA=FALSE (not DER)');
        }
        const plNode = br.optional(Tag.INTEGER);
        br.finish('BasicConstraints');
        const pathLen = plNode ? decodeSmallUint(der, plNode) : undefined;
        ext.basicConstraints = pathLen === undefined ? { ca, critical } : { ca, pathLen, critical };
        break;
      }
      case Oid.keyUsage: {
        const bs = decodeBitString(der, vr.expect(Tag.BIT_STRING, 'KeyUsage'), true);
        vr.finish('keyUsage');
        const bit = (i: number): boolean => ((bs.bytes[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
        ext.keyUsage = {
          digitalSignature: bit(0),
          nonRepudiation: bit(1),
          keyEncipherment: bit(2),
          dataEncipherment: bit(3),
          keyAgreement: bit(4),
          keyCertSign: bit(5),
          cRLSign: bit(6),
          critical,
        };
        break;
      }
      case Oid.subjectAltName: {
        const s = vr.expect(Tag.SEQUENCE, 'GeneralNames');
        vr.finish('subjectAltName');
        const gr = vr.enter(s);
        const dns: string[] = [];
        const ip: Uint8Array[] = [];
        while (!gr.done) {
          const g = gr.next();
          if (g.tag === 0x82) {
            // dNSName [2] IA5String
            const c = content(der, g);
            let name = '';
            for (const b of c) {
              if (b > 0x7e || b < 0x21) throw new DerError('dNSName with non-printable character');
              name += String.fromCharCode(b);
            }
            dns.push(name);
          } else if (g.tag === 0x87) {
            const c = content(der, g);
            if (c.length !== 4 && c.length !== 16) throw new DerError('iPAddress of bad length');
            ip.push(c);
          }
          // other GeneralName forms are ignored
        }
        ext.subjectAltName = { dns, ip, critical };
        break;
      }
      case Oid.extKeyUsage: {
        const s = vr.expect(Tag.SEQUENCE, 'ExtKeyUsageSyntax');
        vr.finish('extKeyUsage');
        const kr = vr.enter(s);
        const list: string[] = [];
        while (!kr.done) list.push(decodeOid(der, kr.expect(Tag.OID, 'KeyPurposeId')));
        ext.extKeyUsage = list;
        break;
      }
      case Oid.subjectKeyId:
      case Oid.authorityKeyId:
        break; // informational; path building uses names and signatures
      default:
        if (critical) ext.unknownCritical.push(oid);
    }
  }
  return ext;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += x.toString(16).padStart(2, '0');
  return s;
}
