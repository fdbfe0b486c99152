// The OpenAPI document at /docs-json (docs/protocol.md, "Origin"): complete enough to generate a
// client from it — a summary, a success schema and the error shape for every route.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api } from '../support/client.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let doc: any;

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
const ERROR_REF = '#/components/schemas/ErrorResponse';

interface Operation {
  route: string;
  summary?: string;
  security?: Record<string, unknown>[];
  responses: Record<string, { content?: Record<string, { schema?: any }> }>;
}

function operations(): Operation[] {
  return Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, ...op })),
  );
}

const needsToken = (op: Operation) => (op.security ?? doc.security ?? []).some((s: Record<string, unknown>) => Object.keys(s).length > 0);

/** Every $ref in a value, recursively. */
function refs(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => (key === '$ref' && typeof v === 'string' ? [v] : refs(v)));
  }
  return [];
}

beforeAll(async () => {
  system = await startTestSystem();
  const result = await new Api(system.baseUrl).get('/docs-json');
  expect(result.status).toBe(200);
  doc = result.body;
});

afterAll(async () => {
  await system?.close();
});

describe('GET /docs-json', () => {
  it('is OpenAPI 3 and lists the operational routes', () => {
    expect(doc.openapi).toMatch(/^3\./);
    expect(doc.paths['/health']?.get).toBeDefined();
    expect(doc.paths['/metrics']?.get).toBeDefined();
    expect(operations().length).toBeGreaterThan(25);
  });

  it('gives every operation a summary', () => {
    const missing = operations().filter((op) => typeof op.summary !== 'string' || op.summary.trim() === '').map((op) => op.route);
    expect(missing).toEqual([]);
  });

  it('gives every operation a 2xx response with a schema (text/plain for /metrics)', () => {
    const missing = operations()
      .filter((op) => {
        const success = Object.entries(op.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
        return !success.some(([, response]) => Object.values(response.content ?? {}).some((media) => media.schema && Object.keys(media.schema).length > 0));
      })
      .map((op) => op.route);
    expect(missing).toEqual([]);
    expect(doc.paths['/metrics'].get.responses['200'].content['text/plain']).toBeDefined();
    expect(doc.paths['/health'].get.responses['200'].content['application/json'].schema).toBeDefined();
  });

  it('describes every response', () => {
    const missing = operations().flatMap((op) =>
      Object.entries(op.responses ?? {}).filter(([, response]) => !(response as { description?: string }).description).map(([status]) => `${op.route} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('declares the protocol error shape', () => {
    const schemas = doc.components.schemas;
    expect(schemas.ErrorResponse.properties.error).toBeDefined();
    const detail = schemas[refs(schemas.ErrorResponse.properties.error)[0].split('/').pop()!];
    expect(Object.keys(detail.properties).sort()).toEqual(['code', 'details', 'message']);
    expect(detail.properties.code.type).toBe('string');
    expect(detail.properties.message.type).toBe('string');
    expect(detail.properties.details.nullable).toBe(true);
    expect([...detail.required].sort()).toEqual(['code', 'details', 'message']);
  });

  it('gives every route that needs a token a 401 and its other 4xx answers the error schema', () => {
    const tokenRoutes = operations().filter(needsToken);
    expect(tokenRoutes.length).toBeGreaterThan(20);
    const problems = tokenRoutes.flatMap((op) => {
      const errors = Object.entries(op.responses ?? {}).filter(([status]) => /^4\d\d$/.test(status));
      const wrong = errors.filter(([, response]) => response.content?.['application/json']?.schema?.$ref !== ERROR_REF).map(([status]) => `${op.route} ${status}`);
      return [...(op.responses?.['401'] ? [] : [`${op.route} has no 401`]), ...wrong];
    });
    expect(problems).toEqual([]);
  });

  it('the public auth routes document their errors too', () => {
    for (const path of ['/v1/auth/request-code', '/v1/auth/verify']) {
      const responses = doc.paths[path].post.responses;
      expect(responses['400'].content['application/json'].schema.$ref).toBe(ERROR_REF);
      expect(responses['429'].content['application/json'].schema.$ref).toBe(ERROR_REF);
    }
  });

  it('resolves every schema reference', () => {
    const missing = [...new Set(refs(doc))].filter((ref) => !doc.components.schemas[ref.replace('#/components/schemas/', '')]);
    expect(missing).toEqual([]);
  });
});
