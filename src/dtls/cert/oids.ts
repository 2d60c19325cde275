// Object identifiers the certificate parser (./x509.ts) knows, with the display names of signature algorithms and
// of name attributes.
export const Oid = {
  ecPublicKey: '1.2.840.10045.2.1',
  prime256v1: '1.2.840.10045.3.1.7',
  secp384r1: '1.3.132.0.34',
  secp521r1: '1.3.132.0.35',
  ed25519: '1.3.101.112',
  ed448: '1.3.101.113',
  rsaEncryption: '1.2.840.113549.1.1.1',
  rsassaPss: '1.2.840.113549.1.1.10',
  sha256WithRSA: '1.2.840.113549.1.1.11',
  sha384WithRSA: '1.2.840.113549.1.1.12',
  sha512WithRSA: '1.2.840.113549.1.1.13',
  sha1WithRSA: '1.2.840.113549.1.1.5',
  ecdsaSha256: '1.2.840.10045.4.3.2',
  ecdsaSha384: '1.2.840.10045.4.3.3',
  ecdsaSha512: '1.2.840.10045.4.3.4',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  commonName: '2.5.4.3',
} as const;

export const SIG_ALG_NAMES: Record<string, string> = {
  [Oid.ecdsaSha256]: 'ecdsa-with-SHA256',
  [Oid.ecdsaSha384]: 'ecdsa-with-SHA384',
  [Oid.ecdsaSha512]: 'ecdsa-with-SHA512',
  [Oid.ed25519]: 'Ed25519',
  [Oid.ed448]: 'Ed448',
  [Oid.sha256WithRSA]: 'sha256WithRSAEncryption',
  [Oid.sha384WithRSA]: 'sha384WithRSAEncryption',
  [Oid.sha512WithRSA]: 'sha512WithRSAEncryption',
  [Oid.sha1WithRSA]: 'sha1WithRSAEncryption',
  [Oid.rsassaPss]: 'RSASSA-PSS',
};

export const ATTR_SHORT: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '1.2.840.113549.1.9.1': 'emailAddress',
  '0.9.2342.19200300.100.1.25': 'DC',
};
