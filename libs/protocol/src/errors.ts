import { HttpException } from '@nestjs/common';
import { DomainError, DomainErrorKind } from '../../domain/src/errors.js';

/** The protocol's error shape: `{"error": {"code", "message", "details"}}`. */
export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

export interface ProtocolError {
  status: number;
  body: ErrorBody;
  retryAfterSeconds?: number;
}

const STATUS: Record<DomainErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_type: 415,
  range_not_satisfiable: 416,
  rate_limited: 429,
  unavailable: 503,
};

const STATUS_CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

const body = (code: string, message: string, details: unknown = null): ErrorBody => ({ error: { code, message, details } });

/** One translation of every failure into the protocol's error, for HTTP and WebSocket alike. */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof DomainError) {
    const status = STATUS[error.kind];
    const retryAfterSeconds = (error.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    return { status, body: body(error.code, error.message, error.details ?? null), retryAfterSeconds };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse() as { message?: unknown } | string;
    const message = typeof response === 'string' ? response : String(response.message ?? error.message);
    return { status, body: body(STATUS_CODES[status] ?? 'error', message) };
  }
  // Errors raised by Express' body parser before our code runs.
  const parserError = error as { type?: string; status?: number; message?: string };
  if (parserError?.type === 'entity.too.large') {
    return { status: 413, body: body('body_too_large', 'request body is too large') };
  }
  if (parserError?.type === 'entity.parse.failed') {
    return { status: 400, body: body('invalid_json', 'request body is not valid JSON') };
  }
  if (typeof parserError?.status === 'number' && parserError.status >= 400 && parserError.status < 500) {
    return { status: parserError.status, body: body(STATUS_CODES[parserError.status] ?? 'invalid_request', parserError.message ?? 'bad request') };
  }
  return { status: 500, body: body('internal', 'internal error') };
}
