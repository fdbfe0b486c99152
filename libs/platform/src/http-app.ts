import { ArgumentsHost, Catch, ExceptionFilter, INestApplication, NotFoundException } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { DomainError } from '../../domain/src/errors.js';
import { toProtocolError } from '../../protocol/src/errors.js';
import type { Config } from './config.js';

/** Every HTTP failure leaves in the protocol's error shape; only real faults are logged as errors. */
@Catch()
export class ProtocolExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const response = host.switchToHttp().getResponse<express.Response>();
    const error = exception instanceof NotFoundException && /^Cannot /.test(exception.message)
      ? { status: 404, body: { error: { code: 'route_not_found', message: exception.message, details: null } } }
      : toProtocolError(exception);
    // A 503 the server chose (thumbnails being made, projections behind, SMS gateway down) is an answer, not a fault.
    if (error.status >= 500) {
      if (exception instanceof DomainError) this.logger.info({ code: exception.code, reason: exception.message }, 'request refused for now');
      else this.logger.error({ err: exception }, 'request failed');
    }
    if (error.retryAfterSeconds !== undefined) response.setHeader('Retry-After', String(error.retryAfterSeconds));
    response.status(error.status).json(error.body);
  }
}

/** Body limits, error shape and OpenAPI docs, the same for every app that serves HTTP. */
export function configureHttpApp(app: INestApplication, config: Config, logger: Logger, title: string): void {
  // The body parser refuses an over-long Content-Length before reading, and stops reading a
  // chunked body as soon as it passes the limit.
  if (config.TRUST_PROXY) (app.getHttpAdapter().getInstance() as express.Express).set('trust proxy', true);
  app.use(express.json({ limit: config.MAX_BODY_BYTES, type: (request) => !isMediaBody(request.url) }));
  app.useGlobalFilters(new ProtocolExceptionFilter(logger));
  (app.getHttpServer() as Server).on('clientError', answerMalformedRequest);
  if (config.SERVE_DOCS) {
    const document = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle(title)
        .setDescription('Client protocol v1. WebSocket frames: see docs/protocol-websocket.md')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, document);
  }
}

/** Media uploads (under /v1/media) are bytes their routes stream to storage: never parsed, nor held, as JSON. */
const isMediaBody = (url: string | undefined) => url !== undefined && (url === '/v1/media' || url.startsWith('/v1/media/') || url.startsWith('/v1/media?'));

/**
 * Node answers a request it cannot parse (a request line and headers over its 16 KB limit, say a
 * 20,000-character URL) with a bare status; this gives it the protocol's error shape too.
 */
function answerMalformedRequest(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const [status, code, message] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'the request line and headers are larger than the server accepts (16 KB)']
      : [400, 'malformed_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message, details: null } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
