// Post-handshake handshake messages (RFC 9147 8, 9; RFC 8446 4.6), in message_seq order after the handshake:
// KeyUpdate rolls the read epoch (./epochs.ts); NewSessionTicket is handled by the connection (onNewSessionTicket: ./tickets.ts);
// NewConnectionId / RequestConnectionId are validated (only once a CID was negotiated) and dropped.
import { AlertError } from '../handshake/bytes.ts';
import { AlertDescription, HandshakeType } from '../handshake/constants.ts';
import { decodeNewConnectionId, decodeRequestConnectionId } from '../handshake/messages.ts';
import type { Epochs } from './epochs.ts';

/** One complete post-handshake message received under `epoch`. Throws AlertError. */
export function onPostHandshake(epochs: Epochs, cidNegotiated: boolean, msgType: number, body: Uint8Array, epoch: number): void {
  if (epoch < 3) throw new AlertError(AlertDescription.unexpected_message, 'post-handshake message below epoch 3');
  switch (msgType) {
    case HandshakeType.key_update:
      epochs.onKeyUpdate(body, epoch);
      return;
    case HandshakeType.new_connection_id:
      if (!cidNegotiated) throw new AlertError(AlertDescription.unexpected_message, 'NewConnectionId without CID');
      decodeNewConnectionId(body);
      return;
    case HandshakeType.request_connection_id:
      if (!cidNegotiated) throw new AlertError(AlertDescription.unexpected_message, 'RequestConnectionId without CID');
      decodeRequestConnectionId(body);
      return;
    default:
      throw new AlertError(AlertDescription.unexpected_message, `post-handshake message type ${msgType}`);
  }
}
