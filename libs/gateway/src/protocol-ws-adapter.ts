import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { isCursor } from '../../protocol/src/cursor.js';
import { coalesceWrites } from '../../net/src/coalesced-writes.js';
import { Principal, TokenService } from '../../auth/src/tokens.js';
import type { Runtime } from '../../platform/src/runtime.js';

/** What the handshake learned, attached to the upgrade request for the gateway. */
export interface SocketHandshake {
  principal: Principal;
  since: bigint | undefined;
}

export type HandshakeRequest = IncomingMessage & { handshake?: SocketHandshake };

export const CLIENT_FRAME_TYPES = ['send', 'receipt', 'typing', 'ping', 'call_invite', 'call_accept', 'call_decline', 'call_cancel', 'call_hangup', 'call_signal'] as const;

/**
 * Adapts @nestjs/platform-ws to the protocol: frames are `{"type": …}` rather than Nest's
 * `{"event", "data"}`, so the parser routes on `type` and hands malformed frames to an
 * `invalid` handler that answers with an error frame (the socket stays open); the token and
 * cursor are checked during the handshake, which answers 401/400 instead of upgrading; and
 * frames over the limit close the socket with 1009 (ws' maxPayload).
 */
export class ProtocolWsAdapter extends WsAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly tokens: TokenService,
    private readonly maxFrameBytes: number,
    /** The event log's head: a cursor beyond it was never issued (the server's data was reset, or it is made up). */
    private readonly headPosition: () => Promise<bigint>,
    private readonly log: Logger,
  ) {
    super(app, {
      messageParser: (data: unknown) => {
        let frame: unknown;
        try {
          frame = JSON.parse(String(data));
        } catch {
          return { event: 'invalid', data: { code: 'invalid_json', message: 'frame is not valid JSON' } };
        }
        const type = (frame as { type?: unknown } | null)?.type;
        if (typeof frame !== 'object' || frame === null || Array.isArray(frame) || typeof type !== 'string') {
          return { event: 'invalid', data: { code: 'invalid_frame', message: 'frame must be a JSON object with a string "type"', frame } };
        }
        if (!(CLIENT_FRAME_TYPES as readonly string[]).includes(type)) {
          return { event: 'invalid', data: { code: 'unknown_frame_type', message: `unknown frame type "${type}"`, frame } };
        }
        return { event: type, data: frame };
      },
    });
  }

  bindClientConnect(server: { on(event: 'connection', listener: (socket: WebSocket, request: HandshakeRequest) => void): void }, callback: Function) {
    server.on('connection', (socket, request) => {
      // The upgraded request's socket is the WebSocket's own connection.
      coalesceWrites(request.socket);
      callback(socket, request);
    });
  }

  /**
   * A client's protocol violation (an oversized frame, closed 1009; a malformed one) is the
   * client's problem, not the server's: a warning, not an error. Server errors stay errors.
   */
  bindErrorHandler(server: { on(event: string, listener: (...args: never[]) => void): unknown }) {
    server.on('connection', (socket: WebSocket) =>
      socket.on('error', (error: Error & { code?: string }) => this.log.warn({ code: error.code, reason: error.message }, 'socket closed for a protocol violation')),
    );
    server.on('error', (error: Error) => this.log.error({ err: error }, 'WebSocket server error'));
    return server;
  }

  create(port: number, options: Record<string, unknown> = {}) {
    return super.create(port, {
      ...options,
      maxPayload: this.maxFrameBytes,
      verifyClient: (info: { req: HandshakeRequest }, accept: (ok: boolean, code?: number, message?: string) => void) => {
        const url = new URL(info.req.url ?? '/', 'http://localhost');
        const since = url.searchParams.get('since');
        if (since !== null && !isCursor(since)) {
          accept(false, 400, 'since must be a cursor received from this server');
          return;
        }
        const cursor = since === null ? undefined : BigInt(since);
        // Browsers can only pass the token in the URL; other clients may use the Authorization header.
        const bearer = /^Bearer (.+)$/i.exec(info.req.headers.authorization ?? '')?.[1];
        this.tokens.verify(url.searchParams.get('token') ?? bearer).then(
          async (principal) => {
            const head = cursor === undefined ? undefined : await this.headPosition().catch(() => null);
            if (head === null) return accept(false, 503, 'the event log cannot be reached; retry shortly');
            if (head !== undefined && cursor! > head) {
              return accept(false, 400, 'since names no event of this server: reconnect without since and resync');
            }
            info.req.handshake = { principal, since: cursor };
            accept(true);
          },
          () => accept(false, 401, 'missing or invalid token'),
        );
      },
    });
  }
}

/** The live feed's socket server for an app built on `runtime`. */
export function protocolWebSocket(nest: INestApplicationContext, runtime: Runtime): ProtocolWsAdapter {
  return new ProtocolWsAdapter(
    nest,
    nest.get(TokenService),
    runtime.config.MAX_FRAME_BYTES,
    () => runtime.eventStore.headPosition(),
    runtime.logger.child({ component: 'websocket' }),
  );
}
