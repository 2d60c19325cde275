// Public API of the certificate module (X.509 parsing, chain validation, credential loading). See docs/protocol.md
// "Certificates".
export { parsePem, base64Decode, type PemBlock } from './pem.ts';
export {
  parseCertificate,
  Oid,
  type Certificate,
  type PssParams,
  type Name,
  type NameAttribute,
  type PublicKeyInfo,
  type KeyUsage,
  type Extensions,
  type ParseResult,
} from './x509.ts';
export {
  verifyChain,
  checkSignature,
  matchHostname,
  matchesName,
  leafKey,
  describeKey,
  CertificateVerifier,
  CHAIN_FAILURE_ALERT,
  type CertificateVerifierOptions,
  type EndpointVerifyResult,
  type ChainResult,
  type ChainFailure,
  type VerifyOptions,
  type TrustAnchor,
  type SignatureVerifier,
} from './verify.ts';
export { CERT_SCHEMES, certSignatureScheme, chainSignatureSchemes } from './schemes.ts';
export {
  loadCredential,
  parsePkcs8Key,
  parsePkcs1Key,
  parseSec1,
  parsePrivateKeyPem,
  parseCertificatesPem,
  type Credential,
  type CredentialResult,
} from './credential.ts';
