// CODE_DELIVERY=sms: login codes go to the SMS webhook (docs/protocol.md, "Accounts"), never into the answer.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../libs/platform/src/config.js';
import { Api, uniquePhone } from '../support/client.js';
import { freePort } from '../support/ports.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

interface WebhookCall {
  authorization?: string;
  body: { to: string; code: string; text: string };
}

let system: TestSystem;
let api: Api;
let webhook: Server;
const calls: WebhookCall[] = [];
let failNext = false;

const bodyOf = async (request: IncomingMessage) => {
  let text = '';
  for await (const chunk of request) text += chunk;
  return JSON.parse(text);
};

beforeAll(async () => {
  const port = await freePort();
  webhook = createServer(async (request, response) => {
    calls.push({ authorization: request.headers.authorization, body: await bodyOf(request) });
    response.writeHead(failNext ? 502 : 204).end();
    failNext = false;
  });
  await new Promise<void>((resolve) => webhook.listen(port, '127.0.0.1', resolve));
  system = await startTestSystem({ CODE_DELIVERY: 'sms', SMS_WEBHOOK_URL: `http://127.0.0.1:${port}/sms`, SMS_WEBHOOK_TOKEN: 'webhook-secret' });
  api = new Api(system.baseUrl);
});

afterAll(async () => {
  await system?.close();
  await new Promise((resolve) => webhook?.close(resolve));
});

describe('login codes by SMS webhook', () => {
  it('POSTs the code to the webhook with its bearer token, answers 202 without it, and the texted code logs in', async () => {
    const phone = uniquePhone();
    const requested = await api.post('/v1/auth/request-code', { phone });
    expect(requested.status).toBe(202);
    expect(requested.body).toEqual({});
    const call = calls.find((c) => c.body.to === phone)!;
    expect(call.authorization).toBe('Bearer webhook-secret');
    expect(call.body.code).toMatch(/^\d{6}$/);
    expect(call.body.text).toContain(call.body.code);
    const verified = await api.post('/v1/auth/verify', { phone, code: call.body.code });
    expect(verified.status).toBe(200);
  });

  it('answers 503 sms_unavailable in the error shape when the webhook fails', async () => {
    failNext = true;
    const result = await api.post('/v1/auth/request-code', { phone: uniquePhone() });
    expect(result.status).toBe(503);
    expect(result.body).toEqual({ error: { code: 'sms_unavailable', message: expect.any(String), details: null } });
  });

  it('refuses to start in sms mode without a webhook', () => {
    expect(() => loadConfig({ CODE_DELIVERY: 'sms' })).toThrow(/SMS_WEBHOOK_URL: required when CODE_DELIVERY=sms/);
  });
});
