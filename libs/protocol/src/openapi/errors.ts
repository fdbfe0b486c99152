import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';

/** The inner object of every error answer. */
export class ErrorDetail {
  @ApiProperty({ description: 'machine-readable code, e.g. validation_failed, group_not_found', example: 'validation_failed' })
  code!: string;

  @ApiProperty({ description: 'human-readable text', example: 'the request has invalid fields' })
  message!: string;

  @ApiProperty({
    description: 'more about the error, or null; for validation_failed a list of {field, message}',
    // type Array with oneOf: the generator then leaves `type` out, so details may be an object or a list.
    type: Array,
    oneOf: [{ type: 'object', additionalProperties: true }, { type: 'array', items: {} }],
    nullable: true,
    example: [{ field: 'phone', message: 'phone must be a string' }],
  })
  details!: unknown;
}

/** The protocol's error shape: `{"error": {"code", "message", "details"}}`. */
export class ErrorResponse {
  @ApiProperty({ type: () => ErrorDetail })
  error!: ErrorDetail;
}

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 416 | 429 | 503;

const DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: 'Invalid input (code validation_failed, invalid_json, …); details name each bad field',
  401: 'No token, or a bad, expired or revoked one',
  403: 'Not allowed (not a member, not an admin, blocked, …)',
  404: 'Unknown id',
  409: 'Conflict with the current state',
  413: 'Too large (request body, message body, group size or upload)',
  415: 'The uploaded bytes are not of the declared media kind (media_type_mismatch)',
  416: 'The requested byte range starts past the end of the media',
  429: 'Rate-limited; retry after the Retry-After header',
  503: 'Temporarily unavailable (projections_behind); retry after the Retry-After header',
};

const RETRY_AFTER = { 'Retry-After': { description: 'seconds to wait before retrying', schema: { type: 'integer' } } };

/**
 * Documents the error answers a route can give, each with the protocol's error shape. Errors are
 * always JSON, whatever the route's success answer is (ndjson, server-sent events).
 */
export function ApiErrors(...statuses: ErrorStatus[]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponse, ErrorDetail),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status],
        content: { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponse) } } },
        ...(status === 429 || status === 503 ? { headers: RETRY_AFTER } : {}),
      }),
    ),
  );
}
