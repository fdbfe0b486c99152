// docs/protocol.md, "Accounts" and "Errors": phone codes, verification, device login, rate limits,
// and the token every other route (and the WebSocket) needs.
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Api, FeedClient, registerUser, uniquePhone } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { ManualClock } from '../support/manual-clock.js';
import { startTestSystem, TEST_SECRETS, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: Api;

beforeAll(async () => {
  system = await startTestSystem();
  api = new Api(system.baseUrl);
});

afterAll(async () => {
  await system?.close();
});

/** "details name each bad field": a list of {field} entries, or an object keyed by field. */
function namedFields(details: unknown): string[] {
  if (Array.isArray(details)) return details.map((d) => (typeof d === 'string' ? d : (d?.field ?? d?.property ?? d?.path))).map(String);
  if (details && typeof details === 'object') return Object.keys(details);
  return [];
}

function expectBadFields(result: { status: number; body: any }, ...fields: string[]) {
  expectError(result, 400);
  expect(result.body.error.details).toEqual(expect.anything());
  const named = namedFields(result.body.error.details);
  for (const field of fields) expect(named, `details should name ${field}: ${JSON.stringify(result.body.error.details)}`).toContain(field);
}

function expectRetryAfter(headers: Headers, atMostSeconds: number) {
  const retryAfter = headers.get('retry-after');
  expect(retryAfter, 'Retry-After header').not.toBeNull();
  // delta-seconds (an HTTP-date would also be legal, but then it must lie in the future)
  if (/^\d+$/.test(retryAfter!)) {
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(atMostSeconds);
  } else {
    const at = Date.parse(retryAfter!);
    expect(Number.isNaN(at), `Retry-After "${retryAfter}" is neither seconds nor an HTTP-date`).toBe(false);
    expect(at).toBeGreaterThan(Date.now() - 1000);
  }
}

async function requestCode(phone: string): Promise<string> {
  const result = await api.post('/v1/auth/request-code', { phone });
  expect(result.status, JSON.stringify(result.body)).toBe(202);
  expect(typeof result.body.devCode).toBe('string');
  return result.body.devCode;
}

/** A code of the same form that is certainly not `code`. */
function wrongCode(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(code.length, '0');
}

describe('POST /v1/auth/request-code', () => {
  it('answers 202 with the one-time code as devCode in development delivery mode', async () => {
    const result = await api.post('/v1/auth/request-code', { phone: uniquePhone() });
    expect(result.status).toBe(202);
    expect(result.body).toEqual({ devCode: expect.any(String) });
    expect(result.body.devCode).toMatch(/^\d{4,10}$/);
  });

  it('issues a code on each request; the latest one works', async () => {
    const phone = uniquePhone();
    const codes = [await requestCode(phone), await requestCode(phone), await requestCode(phone)];
    const verified = await api.post('/v1/auth/verify', { phone, code: codes[2] });
    expect(verified.status).toBe(200);
  });

  it.each([
    ['without the leading +', '14155550123'],
    ['with letters', '+1415555ABCD'],
    ['with spaces and dashes (not E.164)', '+1 415-555-0123'],
    ['too short for its region', '+1555'],
    ['an invalid US area code', '+15555550123'],
    ['an unassigned country code', '+9991234567'],
    ['too short for the UK', '+4412345'],
    ['longer than E.164 allows', '+1415555012345678'],
    ['empty', ''],
    ['only a plus', '+'],
  ])('refuses a phone %s (%j) with 400 naming phone', async (_why, phone) => {
    expectBadFields(await api.post('/v1/auth/request-code', { phone }), 'phone');
  });

  it.each([
    ['missing', {}],
    ['a number', { phone: 14155550123 }],
    ['null', { phone: null }],
    ['an array', { phone: ['+14155550123'] }],
    ['an object', { phone: { number: '+14155550123' } }],
  ])('refuses a phone that is %s with 400 naming phone', async (_why, body) => {
    expectBadFields(await api.post('/v1/auth/request-code', body), 'phone');
  });
});

describe('POST /v1/auth/verify', () => {
  it('registers a new phone: 200 {userId, deviceId, token}, and the token works', async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    const result = await api.post('/v1/auth/verify', { phone, code, deviceName: 'Pixel 9' });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ userId: expect.any(String), deviceId: expect.any(String), token: expect.any(String) });
    for (const value of Object.values(result.body) as string[]) expect(value.length).toBeGreaterThan(0);
    const inbox = await api.get('/v1/conversations', result.body.token);
    expect(inbox.status).toBe(200);
    expect(inbox.body).toEqual([]);
  });

  it('logs a known phone in on a second device: same userId, another deviceId and token; both tokens work', async () => {
    const phone = uniquePhone();
    const first = await registerUser(api, phone, 'phone');
    const code = await requestCode(phone);
    const second = await api.post('/v1/auth/verify', { phone, code, deviceName: 'laptop' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ userId: first.userId, deviceId: expect.any(String), token: expect.any(String) });
    expect(second.body.deviceId).not.toBe(first.deviceId);
    expect(second.body.token).not.toBe(first.token);
    expect((await api.get('/v1/conversations', first.token)).status).toBe(200);
    expect((await api.get('/v1/conversations', second.body.token)).status).toBe(200);
  });

  it('gives different phones different userIds', async () => {
    const a = await registerUser(api);
    const b = await registerUser(api);
    expect(a.userId).not.toBe(b.userId);
  });

  it('accepts a code only once', async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    expect((await api.post('/v1/auth/verify', { phone, code })).status).toBe(200);
    expectError(await api.post('/v1/auth/verify', { phone, code }), 401);
  });

  it('answers a wrong code with 401 in the error shape, and the right code still works after 4 wrong ones', async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    for (let attempt = 1; attempt <= 4; attempt++) {
      expectError(await api.post('/v1/auth/verify', { phone, code: wrongCode(code, attempt) }), 401);
    }
    const verified = await api.post('/v1/auth/verify', { phone, code });
    expect(verified.status).toBe(200);
    expect(verified.body.userId).toEqual(expect.any(String));
  });

  it('answers 401 for a phone that never requested a code', async () => {
    expectError(await api.post('/v1/auth/verify', { phone: uniquePhone(), code: '123456' }), 401);
  });

  it('voids the code after 5 wrong codes: 429 with Retry-After, even with the right code', async () => {
    const phone = uniquePhone();
    const code = await requestCode(phone);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expectError(await api.post('/v1/auth/verify', { phone, code: wrongCode(code, attempt) }), 401);
    }
    const right = await api.post('/v1/auth/verify', { phone, code });
    expectError(right, 429);
    expectRetryAfter(right.headers, 3600);
    const wrongAgain = await api.post('/v1/auth/verify', { phone, code: wrongCode(code) });
    expectError(wrongAgain, 429);
    expectRetryAfter(wrongAgain.headers, 3600);
    // nobody got in: a new code registers the phone (so the void code created no user)
    const fresh = await requestCode(phone);
    const verified = await api.post('/v1/auth/verify', { phone, code: fresh });
    expect(verified.status).toBe(200);
  });

  it('counts wrong codes per phone: another phone\'s wrong guesses do not void this code', async () => {
    const phone = uniquePhone();
    const other = uniquePhone();
    const code = await requestCode(phone);
    const otherCode = await requestCode(other);
    for (let attempt = 1; attempt <= 5; attempt++) {
      expectError(await api.post('/v1/auth/verify', { phone: other, code: wrongCode(otherCode, attempt) }), 401);
    }
    expect((await api.post('/v1/auth/verify', { phone, code })).status).toBe(200);
  });

  it.each([
    ['missing phone', { code: '123456' }, 'phone'],
    ['invalid phone', { phone: '+1555', code: '123456' }, 'phone'],
    ['missing code', { phone: '+14155550123' }, 'code'],
    ['numeric code', { phone: '+14155550123', code: 123456 }, 'code'],
    ['non-string deviceName', { phone: '+14155550123', code: '123456', deviceName: 7 }, 'deviceName'],
  ])('refuses a verify with %s: 400 naming the field', async (_why, body, field) => {
    expectBadFields(await api.post('/v1/auth/verify', body), field);
  });
});

describe('code request limit', () => {
  it('allows 5 codes per phone per hour; the 6th request is 429 with Retry-After, other phones unaffected', async () => {
    const phone = uniquePhone();
    for (let i = 1; i <= 5; i++) await requestCode(phone);
    const sixth = await api.post('/v1/auth/request-code', { phone });
    expectError(sixth, 429);
    expectRetryAfter(sixth.headers, 3600);
    expect(sixth.body.devCode).toBeUndefined();
    const seventh = await api.post('/v1/auth/request-code', { phone });
    expect(seventh.status).toBe(429);
    expect((await api.post('/v1/auth/request-code', { phone: uniquePhone() })).status).toBe(202);
  });

  it('holds under concurrent requests: exactly 5 of 8 parallel requests succeed', async () => {
    const phone = uniquePhone();
    const results = await Promise.all(Array.from({ length: 8 }, () => api.post('/v1/auth/request-code', { phone })));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429, 429, 429]);
  });
});

describe('code expiry, on a clock the test moves', () => {
  const clock = new ManualClock();
  let shortLived: TestSystem;
  let shortApi: Api;

  beforeAll(async () => {
    shortLived = await startTestSystem({ CODE_TTL_SECONDS: '1' }, { clock });
    shortApi = new Api(shortLived.baseUrl);
  });

  afterAll(async () => {
    await shortLived?.close();
  });

  it('refuses an expired code with 401 (while a fresh one works): a code lives CODE_TTL_SECONDS = 1 s to the millisecond', async () => {
    const [phone, other] = [uniquePhone(), uniquePhone()];
    const [requested, fresh] = await Promise.all([phone, other].map((p) => shortApi.post('/v1/auth/request-code', { phone: p })));
    expect([requested.status, fresh.status]).toEqual([202, 202]);
    // control: within its second, a code works on this system
    clock.advance(999);
    expect((await shortApi.post('/v1/auth/verify', { phone: other, code: fresh.body.devCode })).status).toBe(200);
    clock.advance(1);
    expectError(await shortApi.post('/v1/auth/verify', { phone, code: requested.body.devCode }), 401);
  });
});

describe('tokens', () => {
  const protectedRoutes: [string, string, unknown?][] = [
    ['GET', '/v1/conversations'],
    ['GET', '/v1/conversations/dAAAAAAAAAAAAAAAAAAAAAAAAAA/messages'],
    ['GET', '/v1/users/uAAAAAAAAAAAAAAAAAAAAAA/presence'],
    ['POST', '/v1/messages', { clientMsgId: 'c1', to: { userId: 'uAAAAAAAAAAAAAAAAAAAAAA' }, kind: 'text', body: 'hi' }],
    ['POST', '/v1/messages', {}],
    ['POST', '/v1/conversations/dAAAAAAAAAAAAAAAAAAAAAAAAAA/receipts', { kind: 'read', upToSeq: 1 }],
  ];

  async function forgedTokens(userId: string, deviceId: string): Promise<[string, string][]> {
    const rightKey = new TextEncoder().encode(TEST_SECRETS.jwtSecret);
    const wrongKey = new TextEncoder().encode('another-secret-that-is-long-enough-0123456789');
    const expired = await new SignJWT({ did: deviceId }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId)
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(Math.floor(Date.now() / 1000) - 3600).sign(rightKey);
    const otherKey = await new SignJWT({ did: deviceId }).setProtectedHeader({ alg: 'HS256' }).setSubject(userId)
      .setIssuedAt().setExpirationTime('1h').sign(wrongKey);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ sub: userId, did: deviceId })).toString('base64url');
    return [
      ['garbage', 'not-a-token'],
      ['a JWT signed with another key', otherKey],
      ['an expired JWT', expired],
      ['an unsigned (alg none) JWT', `${header}.${payload}.`],
    ];
  }

  it.each(protectedRoutes)('%s %s answers 401 in the error shape without a token', async (method, path, body) => {
    expectError(await api.request(method, path, body), 401);
  });

  it.each(protectedRoutes)('%s %s answers 401 with bad tokens and bad Authorization headers', async (method, path, body) => {
    const user = await registerUser(api);
    for (const [why, token] of await forgedTokens(user.userId, user.deviceId)) {
      const result = await api.request(method, path, body, token);
      expect(result.status, `${why}: ${JSON.stringify(result.body)}`).toBe(401);
      expectError(result, 401);
    }
    for (const authorization of [`Basic ${user.token}`, user.token, 'Bearer', 'Bearer ']) {
      const response = await fetch(system.baseUrl + path, {
        method,
        headers: { 'content-type': 'application/json', authorization },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      expect(response.status, `Authorization: ${authorization.slice(0, 12)}…`).toBe(401);
      expectError({ status: response.status, body: await response.json() }, 401);
    }
  });

  it('tells an expired token apart: 401 token_expired', async () => {
    const user = await registerUser(api);
    const [, expired] = (await forgedTokens(user.userId, user.deviceId)).find(([why]) => why === 'an expired JWT')!;
    const result = await api.get('/v1/conversations', expired);
    expect(result.status).toBe(401);
    expect(result.body.error.code).toBe('token_expired');
  });

  it('lets the auth routes through without a token', async () => {
    expect((await api.post('/v1/auth/request-code', { phone: uniquePhone() })).status).toBe(202);
  });
});

describe('WebSocket handshake', () => {
  /** Opens a socket and reports the handshake's outcome: the HTTP status it was refused with, or that it opened. */
  function handshake(url: string): Promise<{ opened: boolean; status?: number; body?: string }> {
    return new Promise((resolve) => {
      const socket = new WebSocket(url);
      socket.on('error', () => resolve({ opened: false }));
      socket.once('open', () => {
        resolve({ opened: true });
        socket.close();
      });
      socket.once('unexpected-response', (request, response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => {
          resolve({ opened: false, status: response.statusCode, body });
          request.destroy();
        });
      });
    });
  }

  it('refuses a socket without a token with 401', async () => {
    expect(await handshake(system.wsUrl)).toMatchObject({ opened: false, status: 401 });
  });

  it('refuses a socket with an empty token with 401', async () => {
    expect(await handshake(`${system.wsUrl}?token=`)).toMatchObject({ opened: false, status: 401 });
  });

  it('refuses a socket with a bad token with 401', async () => {
    const user = await registerUser(api);
    expect(await handshake(`${system.wsUrl}?token=garbage`)).toMatchObject({ opened: false, status: 401 });
    const forged = await new SignJWT({ did: user.deviceId }).setProtectedHeader({ alg: 'HS256' }).setSubject(user.userId)
      .setExpirationTime('1h').sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789'));
    expect(await handshake(`${system.wsUrl}?token=${forged}`)).toMatchObject({ opened: false, status: 401 });
  });

  it('takes the token from an Authorization: Bearer header too (clients that are not browsers)', async () => {
    const user = await registerUser(api);
    const opened = await new Promise<boolean>((resolve) => {
      const socket = new WebSocket(system.wsUrl, { headers: { authorization: `Bearer ${user.token}` } });
      socket.once('open', () => {
        socket.close();
        resolve(true);
      });
      socket.once('unexpected-response', () => resolve(false));
      socket.on('error', () => resolve(false));
    });
    expect(opened).toBe(true);
  });

  it('opens a socket with a valid token, which answers ping with pong', async () => {
    const user = await registerUser(api);
    expect(await handshake(`${system.wsUrl}?token=${encodeURIComponent(user.token)}`)).toEqual({ opened: true });
    const feed = await FeedClient.connect(system.wsUrl, user.token);
    expect(feed.ofType('pong')[0]).toEqual({ type: 'pong', serverTime: expect.any(String), cursor: expect.stringMatching(/^\d+$/) });
    await feed.close();
  });
});
