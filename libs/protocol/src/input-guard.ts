import { Injectable, PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import { invalid } from '../../domain/src/errors.js';

/** One field's problem, as the protocol's `details` list it. */
export interface FieldError {
  field: string;
  message: string;
}

/** NUL, and UTF-16 surrogates without their pair: PostgreSQL's text and jsonb cannot hold them. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** No request of the protocol nests deeper than a few levels; a deeper one only costs stack further in. */
const MAX_DEPTH = 16;

/**
 * What of a parsed JSON value the server refuses before looking at its meaning: strings (or keys)
 * it could not store, and nesting deeper than any request needs. Dotted paths name the fields.
 */
export function inputProblems(value: unknown, path = '', depth = 0): FieldError[] {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? [{ field: path, message: UNSTORABLE_MESSAGE }] : [];
  if (value === null || typeof value !== 'object') return [];
  if (depth >= MAX_DEPTH) return [{ field: path, message: `nests deeper than ${MAX_DEPTH} levels` }];
  return Object.entries(value).flatMap(([key, child]) => {
    const field = path ? `${path}.${key}` : key;
    return UNSTORABLE.test(key) ? [{ field, message: UNSTORABLE_MESSAGE }] : inputProblems(child, field, depth + 1);
  });
}

/** Refuses such input at the edge, before it reaches validation or a batched write: 400 naming each field. */
export function assertAcceptableInput(value: unknown, path = ''): void {
  const problems = inputProblems(value, path);
  if (problems.length > 0) throw invalid('validation_failed', 'the request has invalid fields', problems);
}

/** The same for every HTTP body, query and path parameter (socket frames: `parseDto`). */
@Injectable()
export class InputGuardPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') assertAcceptableInput(value, metadata.data ?? '');
    return value;
  }
}
