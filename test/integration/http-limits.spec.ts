// docs/protocol.md, "Errors" and "Origin" at the HTTP edge: body limit, malformed JSON, unknown
// routes, and the operational routes (/health, /metrics, /docs).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, registerUser, type TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: Api;
let user: TestUser;

const HTTP_BODY_LIMIT = 256 * 1024;

beforeAll(async () => {
  system = await startTestSystem();
  api = new Api(system.baseUrl);
  user = await registerUser(api);
});

afterAll(async () => {
  await system?.close();
});

/** A JSON object whose serialisation is exactly `bytes` long. */
function jsonOfSize(bytes: number, fields: Record<string, unknown> = {}): string {
  const skeleton = JSON.stringify({ ...fields, padding: '' });
  return JSON.stringify({ ...fields, padding: 'x'.repeat(bytes - Buffer.byteLength(skeleton)) });
}

/** A raw request (node:http), so the test controls framing; answers status, headers and parsed body. */
function rawRequest(options: { method: string; path: string; headers?: Record<string, string>; chunks?: Buffer[] }) {
  return new Promise<{ status: number; body: any; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const url = new URL(system.baseUrl + options.path);
    const request = http.request({ host: url.hostname, port: url.port, method: options.method, path: url.pathname + url.search, headers: options.headers }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (chunk: Buffer) => parts.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8');
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : undefined;
        } catch {
          // keep the text
        }
        resolve({ status: response.statusCode!, body, headers: response.headers });
      });
    });
    // The server may answer (and close) before it has read the whole upload; that is fine.
    request.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    for (const chunk of options.chunks ?? []) request.write(chunk);
    request.end();
  });
}

describe('request body limit', () => {
  it('answers 413 in the error shape for a body over 256 KiB (Content-Length)', async () => {
    const raw = jsonOfSize(HTTP_BODY_LIMIT + 1, { phone: '+14155550123' });
    expect(Buffer.byteLength(raw)).toBe(HTTP_BODY_LIMIT + 1);
    expectError(await api.request('POST', '/v1/auth/request-code', undefined, undefined, raw), 413);
  });

  it('answers 413 for an oversized body on an authenticated route too', async () => {
    const raw = jsonOfSize(HTTP_BODY_LIMIT * 2, { clientMsgId: 'big', to: { userId: user.userId }, kind: 'text' });
    expectError(await api.request('POST', '/v1/messages', undefined, user.token, raw), 413);
  });

  it('answers 413 for an oversized chunked body (no Content-Length)', async () => {
    const chunk = Buffer.from('x'.repeat(64 * 1024));
    const result = await rawRequest({
      method: 'POST',
      path: '/v1/auth/request-code',
      headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      chunks: [Buffer.from('{"phone":"+14155550123","padding":"'), chunk, chunk, chunk, chunk, chunk, Buffer.from('"}')],
    });
    expectError(result, 413);
  });

  it('reads a body just under the limit (it reaches validation, not the size check)', async () => {
    const raw = jsonOfSize(HTTP_BODY_LIMIT - 1024, { phone: 'not a phone' });
    const result = await api.request('POST', '/v1/auth/request-code', undefined, undefined, raw);
    expectError(result, 400);
  });

  it('keeps serving after refusing an oversized body', async () => {
    await api.request('POST', '/v1/auth/request-code', undefined, undefined, jsonOfSize(HTTP_BODY_LIMIT + 10));
    expect((await api.get('/health')).status).toBe(200);
  });
});

describe('malformed requests', () => {
  it.each([
    ['truncated JSON', '{"phone": "+14155550123"'],
    ['a trailing comma', '{"phone": "+14155550123",}'],
    ['single quotes', "{'phone': '+14155550123'}"],
    ['plain text', 'phone=+14155550123'],
    ['a lone brace', '{'],
  ])('answers 400 in the error shape for %s', async (_why, raw) => {
    expectError(await api.request('POST', '/v1/auth/request-code', undefined, undefined, raw), 400);
  });

  it('answers 400 in the error shape for malformed JSON on an authenticated route', async () => {
    expectError(await api.request('POST', '/v1/messages', undefined, user.token, '{"clientMsgId": '), 400);
  });

  it('answers 400 (not 500) for a body that is not UTF-8', async () => {
    const result = await rawRequest({
      method: 'POST',
      path: '/v1/auth/request-code',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      chunks: [Buffer.from([0x7b, 0x22, 0x70, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
    });
    expect(result.status).toBeLessThan(500);
    expectError(result, 400);
  });
});

describe('unknown routes', () => {
  it.each([
    ['GET', '/nope'],
    ['GET', '/v1/nope'],
    ['POST', '/v1/nope'],
    ['GET', '/v2/conversations'],
    ['DELETE', '/v1/messages'],
  ])('answers %s %s with 404 in the error shape', async (method, path) => {
    expectError(await api.request(method, path, method === 'POST' ? {} : undefined), 404);
  });
});

describe('operational routes', () => {
  it('GET /health answers 200', async () => {
    const result = await api.get('/health');
    expect(result.status).toBe(200);
  });

  it('GET /metrics answers 200 with Prometheus text holding messenger_ metrics', async () => {
    const response = await fetch(`${system.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^# (HELP|TYPE) messenger_/m);
    expect(text).toMatch(/^messenger_\w+(\{[^}]*\})? ([-+0-9.eE]+|NaN)$/m);
  });

  it('GET /docs answers 200 with the OpenAPI UI', async () => {
    const response = await fetch(`${system.baseUrl}/docs`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await response.text()).toMatch(/swagger/i);
  });

  it('GET /docs-json lists the /v1 routes', async () => {
    const result = await api.get('/docs-json');
    expect(result.status).toBe(200);
    expect(result.body.openapi).toMatch(/^3\./);
    const paths = result.body.paths as Record<string, Record<string, unknown>>;
    const routes = Object.entries(paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes).toEqual(
      expect.arrayContaining([
        'POST /v1/auth/request-code',
        'POST /v1/auth/verify',
        'POST /v1/messages',
        'POST /v1/conversations/{conversationId}/receipts',
        'GET /v1/conversations',
        'GET /v1/conversations/{conversationId}/messages',
        'GET /v1/users/{userId}/presence',
      ]),
    );
    // the token-protected routes declare bearer auth
    const send = paths['/v1/messages'].post as { security?: unknown[] };
    expect(JSON.stringify(send.security ?? result.body.security)).toMatch(/bearer/i);
  });
});
