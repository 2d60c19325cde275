// Code points used by the DTLS 1.3 handshake (RFC 8446 section 4 and appendix B.3, RFC 9147 section 5.2,
// RFC 9146, RFC 8449). Plain numeric constants so the codec and the state logic share one vocabulary.

export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  request_connection_id: 9,
  new_connection_id: 10,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

export const ContentType = {
  change_cipher_spec: 20,
  alert: 21,
  handshake: 22,
  application_data: 23,
  ack: 26,
} as const;

export const ExtensionType = {
  server_name: 0,
  max_fragment_length: 1,
  status_request: 5,
  supported_groups: 10,
  signature_algorithms: 13,
  use_srtp: 14,
  heartbeat: 15,
  application_layer_protocol_negotiation: 16,
  signed_certificate_timestamp: 18,
  client_certificate_type: 19,
  server_certificate_type: 20,
  padding: 21,
  record_size_limit: 28,
  pre_shared_key: 41,
  early_data: 42,
  supported_versions: 43,
  cookie: 44,
  psk_key_exchange_modes: 45,
  certificate_authorities: 47,
  oid_filters: 48,
  post_handshake_auth: 49,
  signature_algorithms_cert: 50,
  key_share: 51,
  connection_id: 54,
} as const;

export const AlertLevel = { warning: 1, fatal: 2 } as const;

export const AlertDescription = {
  close_notify: 0,
  unexpected_message: 10,
  bad_record_mac: 20,
  record_overflow: 22,
  handshake_failure: 40,
  bad_certificate: 42,
  unsupported_certificate: 43,
  certificate_revoked: 44,
  certificate_expired: 45,
  certificate_unknown: 46,
  illegal_parameter: 47,
  unknown_ca: 48,
  access_denied: 49,
  decode_error: 50,
  decrypt_error: 51,
  too_many_cids_requested: 52,
  protocol_version: 70,
  insufficient_security: 71,
  internal_error: 80,
  inappropriate_fallback: 86,
  user_canceled: 90,
  missing_extension: 109,
  unsupported_extension: 110,
  unrecognized_name: 112,
  unknown_psk_identity: 115,
  certificate_required: 116,
  no_application_protocol: 120,
} as const;

const alertNames = new Map<number, string>(Object.entries(AlertDescription).map(([k, v]) => [v, k]));
export function alertName(code: number): string {
  return alertNames.get(code) ?? `alert_${code}`;
}

// IANA TLS Supported Groups; MLKEM768 from draft-ietf-tls-mlkem, X25519MLKEM768 from draft-ietf-tls-ecdhe-mlkem.
export const NamedGroup = { secp256r1: 0x0017, secp384r1: 0x0018, x25519: 0x001d, MLKEM768: 0x0201, X25519MLKEM768: 0x11ec } as const;
export type GroupName = 'x25519' | 'secp256r1' | 'X25519MLKEM768' | 'MLKEM768';
export const groupCodes: Record<GroupName, number> = { x25519: 0x001d, secp256r1: 0x0017, X25519MLKEM768: 0x11ec, MLKEM768: 0x0201 };

export const SignatureScheme = {
  ecdsa_secp256r1_sha256: 0x0403,
  ecdsa_secp384r1_sha384: 0x0503,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pkcs1_sha256: 0x0401,
  rsa_pkcs1_sha384: 0x0501,
  ed25519: 0x0807,
} as const;
export type SignatureSchemeName =
  | 'ed25519' | 'ecdsa_secp256r1_sha256' | 'rsa_pss_rsae_sha256' | 'rsa_pss_rsae_sha384' | 'rsa_pkcs1_sha256' | 'rsa_pkcs1_sha384';
export const signatureCodes: Record<SignatureSchemeName, number> = {
  ed25519: 0x0807,
  ecdsa_secp256r1_sha256: 0x0403,
  rsa_pss_rsae_sha256: 0x0804,
  rsa_pss_rsae_sha384: 0x0805,
  rsa_pkcs1_sha256: 0x0401, // certificates only (RFC 8446 4.2.3)
  rsa_pkcs1_sha384: 0x0501,
};

export const CipherSuiteCode = {
  TLS_AES_128_GCM_SHA256: 0x1301,
  TLS_AES_256_GCM_SHA384: 0x1302,
  TLS_CHACHA20_POLY1305_SHA256: 0x1303,
  TLS_AES_128_CCM_SHA256: 0x1304,
} as const;

/** DTLS wire versions (RFC 9147 5.3). */
export const DTLS12 = 0xfefd;
export const DTLS13 = 0xfefc;

/** SHA-256("HelloRetryRequest"), the ServerHello.random that marks a HelloRetryRequest (RFC 8446 4.1.3). */
export const HRR_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);
