// The protocol's errors as sentences a person reads, never raw JSON: the server's messages are
// already written for people; a few codes get a sentence that says what to do.
import { ApiError, SendError, type ErrorBody } from '../../libs/client/src/index.js';

const PLAIN: Record<string, string> = {
  unauthorized: 'Your session has ended. Please sign in again.',
  rate_limited: 'Too many attempts. Please wait a moment and try again.',
  projections_behind: 'The server is busy catching up. Please try again in a moment.',
  validation_failed: 'Please check what you entered.',
};

/** A plain notice for a failure: the server's own human text, or a sentence for what it means. */
export function noticeOf(error: unknown): string {
  const body: ErrorBody | null =
    error instanceof ApiError ? { code: error.code, message: error.message, details: error.details } : error instanceof SendError ? error.error : isErrorBody(error) ? error : null;
  if (body) {
    const plain = PLAIN[body.code];
    if (plain && body.code !== 'validation_failed') return plain;
    const fields = validationFields(body.details);
    if (fields) return `${PLAIN.validation_failed} ${fields}`;
    return sentence(body.message);
  }
  if (error instanceof TypeError) return 'Cannot reach the server. Check your connection and try again.';
  return 'Something went wrong. Please try again.';
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).code === 'string' && typeof (value as ErrorBody).message === 'string';
}

function validationFields(details: unknown): string | null {
  if (!Array.isArray(details)) return null;
  const parts = details.flatMap((d) => (typeof d?.message === 'string' ? [`${d.field ? `${d.field}: ` : ''}${d.message}`] : []));
  return parts.length ? parts.join('; ') + '.' : null;
}

const sentence = (text: string) => (text ? text[0].toUpperCase() + text.slice(1) + (/[.!?]$/.test(text) ? '' : '.') : 'Something went wrong.');
