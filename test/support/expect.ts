import { expect } from 'vitest';
import type { HttpResult } from './client.js';

/**
 * The protocol's error answer: `status`, a body of exactly `{error: {code, message, details}}`
 * with a non-empty code; the code when given (or pass the fields instead), and `details` naming
 * each of `fields`.
 */
export function expectError(result: Pick<HttpResult, 'status' | 'body'>, status: number, codeOrFields?: string | string[], fields: string[] = []) {
  expect(result.status, JSON.stringify(result.body)?.slice(0, 500)).toBe(status);
  expect(Object.keys(result.body ?? {})).toEqual(['error']);
  expect(Object.keys(result.body.error).sort()).toEqual(['code', 'details', 'message']);
  expect(typeof result.body.error.code).toBe('string');
  expect(result.body.error.code.length).toBeGreaterThan(0);
  expect(typeof result.body.error.message).toBe('string');
  if (typeof codeOrFields === 'string') expect(result.body.error.code).toBe(codeOrFields);
  const details = JSON.stringify(result.body.error.details ?? null);
  for (const field of Array.isArray(codeOrFields) ? codeOrFields : fields) expect(details, `details should name "${field}"`).toContain(`"${field}"`);
}
