// Public API of the sans-IO DTLS 1.3 package. See docs/protocol.md.
export * from './crypto/index.ts';
export * from './keyschedule.ts';
export { ClientEndpoint, resolveClient, type ResolvedClient } from './endpoint/client.ts';
export { ServerConnection, selectParams, type ResolvedServer } from './endpoint/server.ts';
export { ServerDispatcher, type DispatcherStats, type DispatcherOutput, type DispatcherEvent } from './endpoint/dispatcher.ts';
export {
  Connection, EARLY_DATA_RECORDS, type EndpointEvent, type EndpointStats, type ConnectionState, type CloseReason,
} from './endpoint/connection.ts';
export {
  type ClientConfig, type ServerConfig, type CommonConfig, type CookieConfig, type ServerCredential,
  type ClientCredential, type ClientAuthMode,
  type CertificateVerifier as CertificateVerifierInterface, type VerifyResult,
  DEFAULT_SUITES, DEFAULT_GROUPS, DEFAULT_SCHEMES, DEFAULT_SERVER_SCHEMES, TIMER_DEFAULTS,
} from './endpoint/config.ts';
export { CookieJar } from './endpoint/cookie.ts';
export { HALF_OPEN_DEFAULTS, type HalfOpenLimits } from './endpoint/half-open.ts';
export { TicketKeys, MemoryTicketStore, type TicketStore, type StoredTicket } from './endpoint/tickets.ts';
export { AntiReplay, type AntiReplayOptions } from './endpoint/anti-replay.ts';
export type { ExternalPsk, PskKeMode, ServerPskConfig } from './endpoint/psk.ts';
export { AlertError } from './handshake/bytes.ts';
export { AlertDescription, AlertLevel, ContentType, HandshakeType, ExtensionType, alertName } from './handshake/constants.ts';
export * as handshakeCodec from './handshake/messages.ts';
export * as extensionCodec from './handshake/extensions.ts';
export * as cert from './cert/index.ts';
export * as record from './record/index.ts';
export { RecordLayer, type OpenedRecord, type DropReason } from './record/index.ts';
export { PackStore, packStoreBytes } from './record/index.ts';
export * from './keylog.ts';
