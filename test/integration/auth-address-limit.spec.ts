import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, uniquePhone } from '../support/client.js';
import { startTestSystem, TestSystem } from '../support/system.js';

describe('per-address rate limit on the auth routes (AUTH_REQUESTS_PER_IP_PER_MINUTE)', () => {
  let system: TestSystem;
  let api: Api;

  beforeAll(async () => {
    system = await startTestSystem({ AUTH_REQUESTS_PER_IP_PER_MINUTE: '3' });
    api = new Api(system.baseUrl);
  });
  afterAll(() => system.close());

  it('answers 429 with Retry-After in the error shape past the limit, and issues no code', async () => {
    for (let i = 0; i < 3; i++) expect((await api.post('/v1/auth/request-code', { phone: uniquePhone() })).status).toBe(202);
    const refused = await api.post('/v1/auth/request-code', { phone: uniquePhone() });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String), details: null } });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.devCode).toBeUndefined();
  });
});
