import { Injectable, PipeTransform, type ArgumentMetadata } from '@nestjs/common';
import { invalid } from '../../domain/src/errors.js';
import type { FieldError } from './validation.js';

/** NUL, and UTF-16 surrogates without their pair: PostgreSQL's text and jsonb cannot hold them. */
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** The fields (dotted paths) of a parsed JSON value whose strings, or keys, the server could not store. */
export function unstorableFields(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? [{ field: path, message: MESSAGE }] : [];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const field = path ? `${path}.${key}` : key;
    return UNSTORABLE.test(key) ? [{ field, message: MESSAGE }] : unstorableFields(child, field);
  });
}

/** Refuses such input at the edge, before it reaches a batched write: 400 naming each field. */
export function assertStorable(value: unknown, path = ''): void {
  const bad = unstorableFields(value, path);
  if (bad.length > 0) throw invalid('validation_failed', 'the request has invalid fields', bad);
}

/** The same for every HTTP body, query and path parameter. */
@Injectable()
export class StorableTextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata) {
    if (metadata.type === 'body' || metadata.type === 'query' || metadata.type === 'param') assertStorable(value, metadata.data ?? '');
    return value;
  }
}
