import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { WebSocket } from 'ws';
import { toProtocolError } from '../../protocol/src/errors.js';

const logger = new Logger('FeedGateway');

/** The protocol's error frame, echoing the frame's clientMsgId when it had one; a fault of the server's own is logged. */
export function errorFrame(error: unknown, clientMsgId?: unknown) {
  const protocolError = toProtocolError(error);
  if (protocolError.status >= 500) logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return { type: 'error', ...(typeof clientMsgId === 'string' ? { clientMsgId } : {}), error: protocolError.body.error };
}

/**
 * What a socket handler did not answer itself (a global pipe refusing the frame, or a fault)
 * reaches the client as the protocol's error frame, not as Nest's `{"event":"exception"}`.
 */
@Catch()
export class ProtocolErrorFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost) {
    const ws = host.switchToWs();
    const socket = ws.getClient<WebSocket>();
    const frame = ws.getData<{ clientMsgId?: unknown } | undefined>();
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(errorFrame(exception, frame?.clientMsgId)));
  }
}
