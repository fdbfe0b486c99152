// Hostile input never produces a 5xx nor costs another client anything: strings PostgreSQL cannot
// store (NUL, unpaired UTF-16 surrogates) are refused at the edge with a 400 naming the field, and
// a fuzzer throws hostile strings, numbers and shapes at every route and frame.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditorDirectory } from '../../libs/audit/src/auditors.js';
import { RoleTokens } from '../../libs/auth/src/role-tokens.js';
import { Api, FeedClient, registerUser, type TestUser } from '../support/client.js';
import { startTestSystem, TEST_SECRETS, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: Api;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  system = await startTestSystem();
  api = new Api(system.baseUrl);
  [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
});

afterAll(async () => {
  await system?.close();
});

const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

function expectFieldRefused(result: { status: number; body: any }, field: string) {
  expect(result.status, JSON.stringify(result.body)).toBe(400);
  expect(result.body.error.code).toBe('validation_failed');
  expect(result.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
}

describe('unstorable strings', () => {
  it.each([
    ['body', { body: NUL }],
    ['body', { body: LONE_SURROGATE }],
    ['clientMsgId', { clientMsgId: NUL }],
    ['to.userId', { to: { userId: LONE_SURROGATE } }],
  ])('a send with one in %s is 400 naming it, and stores nothing', async (field, override) => {
    const before = await api.get('/v1/conversations', alice.token);
    const send = { clientMsgId: `c-${Math.random()}`, to: { userId: bob.userId }, kind: 'text', body: 'x', ...override };
    expectFieldRefused(await api.post('/v1/messages', send, alice.token), field);
    expect((await api.get('/v1/conversations', alice.token)).body).toEqual(before.body);
  });

  it('in a path parameter or a query is 400, never 500', async () => {
    expectFieldRefused(await api.get('/v1/conversations/a%00b/messages', alice.token), 'conversationId');
    expectFieldRefused(await api.get('/v1/users/u%00/presence', alice.token), 'userId');
    expectFieldRefused(await api.get('/v1/groups/g%00', alice.token), 'groupId');
    expectFieldRefused(await api.get(`/v1/conversations/x/messages?beforeSeq=%00`, alice.token), 'beforeSeq');
  });

  it('in a profile or a group name is 400', async () => {
    expectFieldRefused(await api.request('PATCH', '/v1/me/profile', { displayName: NUL }, alice.token), 'displayName');
    expectFieldRefused(await api.post('/v1/groups', { name: LONE_SURROGATE, members: [bob.userId] }, alice.token), 'name');
  });

  it('on the socket: an error frame naming the field, with the clientMsgId; the socket stays open', async () => {
    const socket = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      socket.send({ type: 'send', clientMsgId: 'poison-1', to: { userId: bob.userId }, kind: 'text', body: NUL });
      socket.send({ type: 'receipt', conversationId: LONE_SURROGATE, kind: 'read', upToSeq: 1 });
      const [sendError, receiptError] = await socket.nextOfType('error', 2);
      expect(sendError).toMatchObject({ clientMsgId: 'poison-1', error: { code: 'validation_failed', details: [{ field: 'body' }] } });
      expect(receiptError).toMatchObject({ error: { code: 'validation_failed', details: [{ field: 'conversationId' }] } });
      await socket.ping();
    } finally {
      await socket.close();
    }
  });

  it("one client looping such sends costs another client's sends nothing", async () => {
    const honest = Array.from({ length: 30 }, (_, i) =>
      api.post('/v1/messages', { clientMsgId: `honest-${i}-${Math.random()}`, to: { userId: alice.userId }, kind: 'text', body: `fine ${i}` }, bob.token),
    );
    const hostile = Array.from({ length: 30 }, (_, i) =>
      api.post('/v1/messages', { clientMsgId: `hostile-${i}`, to: { userId: bob.userId }, kind: 'text', body: NUL }, alice.token),
    );
    const [honestResults, hostileResults] = await Promise.all([Promise.all(honest), Promise.all(hostile)]);
    expect(honestResults.map((r) => r.status)).toEqual(honest.map(() => 201));
    expect(new Set(hostileResults.map((r) => r.status))).toEqual(new Set([400]));
  });
});

// ---- fuzzing: hostile strings, numbers and shapes at every route and frame -------------------

/** Strings that have broken servers: NUL, lone surrogates, huge numbers in text, long and odd text. */
const hostileString = fc.oneof(
  fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udfffy', '', ' ', '9999999999999999999', '-1', '1e309', '0x10', '../..', '%00', '{"$gt":""}', "'; DROP TABLE es_events; --"),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.string({ maxLength: 300 }),
);
const hostileNumber = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(9999999999999999999, -1, 0, 2 ** 53, 1e308, -0));
const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { d: deep(depth - 1) });
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  hostileNumber,
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 20, max: 1_400 }).map(deep),
);
/** A valid body with one field made hostile, or a hostile value instead of the body. */
const mutated = (valid: Record<string, unknown>) =>
  fc.oneof(
    fc.tuple(fc.constantFrom(...Object.keys(valid)), hostileValue).map(([key, value]) => ({ ...valid, [key]: value })),
    hostileValue,
  );
/** As a path segment: percent-encoded; a lone surrogate as the bytes a client would send for it. */
const asSegment = (s: string) =>
  Array.from(s, (c) => (/^[\ud800-\udfff]$/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('') || '%20';
const segment = hostileString.map(asSegment);

function expectProtocolRefusalOrSuccess(result: { status: number; body: any }, what: string) {
  expect(result.status, `${what} → ${result.status} ${JSON.stringify(result.body)?.slice(0, 300)}`).toBeLessThan(500);
  if (result.status >= 400) {
    expect(Object.keys(result.body ?? {}), what).toEqual(['error']);
    expect(typeof result.body.error.code, what).toBe('string');
    expect(typeof result.body.error.message, what).toBe('string');
  }
}

describe('fuzzing every route and frame', () => {
  const RUNS = 20;
  let auditor: string;
  beforeAll(async () => {
    await new AuditorDirectory(system.runtime.eventStore).create('fuzz', 'auditor');
    auditor = await new RoleTokens(TEST_SECRETS.jwtSecret).issue({ name: 'fuzz', role: 'auditor' });
  });

  const routes: [string, (token: () => string) => fc.Arbitrary<[string, string, unknown]>][] = [
    ['POST /v1/messages', () => mutated({ clientMsgId: 'c', to: { userId: 'u' }, kind: 'text', body: 'x', replyTo: 'm' }).map((b) => ['POST', '/v1/messages', b])],
    ['POST /v1/conversations/{id}/receipts', () => fc.tuple(segment, mutated({ kind: 'read', upToSeq: 1 })).map(([id, b]) => ['POST', `/v1/conversations/${id}/receipts`, b])],
    ['POST /v1/groups', () => mutated({ name: 'g', members: ['u'] }).map((b) => ['POST', '/v1/groups', b])],
    ['PATCH /v1/groups/{id}', () => fc.tuple(segment, mutated({ name: 'g', description: 'd', iconMediaId: 'm' })).map(([id, b]) => ['PATCH', `/v1/groups/${id}`, b])],
    ['POST /v1/groups/{id}/members', () => fc.tuple(segment, mutated({ userIds: ['u'] })).map(([id, b]) => ['POST', `/v1/groups/${id}/members`, b])],
    ['DELETE /v1/groups/{id}/members/{user}', () => fc.tuple(segment, segment).map(([g, u]) => ['DELETE', `/v1/groups/${g}/members/${u}`, undefined])],
    ['POST /v1/groups/{id}/admins/{user}', () => fc.tuple(segment, segment).map(([g, u]) => ['POST', `/v1/groups/${g}/admins/${u}`, undefined])],
    ['POST /v1/groups/{id}/leave', () => segment.map((g) => ['POST', `/v1/groups/${g}/leave`, undefined])],
    ['PATCH /v1/me/profile', () => mutated({ displayName: 'n', about: 'a', avatarMediaId: 'm' }).map((b) => ['PATCH', '/v1/me/profile', b])],
    ['PATCH /v1/me/privacy', () => mutated({ lastSeen: 'everyone', online: 'contacts', readReceipts: true }).map((b) => ['PATCH', '/v1/me/privacy', b])],
    ['POST /v1/users/{id}/block', () => segment.map((u) => ['POST', `/v1/users/${u}/block`, undefined])],
    ['POST /v1/contacts/sync', () => mutated({ phones: ['+14155550123'] }).map((b) => ['POST', '/v1/contacts/sync', b])],
    ['DELETE /v1/me/devices/{id}', () => segment.map((d) => ['DELETE', `/v1/me/devices/${d}`, undefined])],
    ['GET /v1/conversations/{id}/messages', () => fc.tuple(segment, segment, segment).map(([id, before, limit]) => ['GET', `/v1/conversations/${id}/messages?beforeSeq=${before}&limit=${limit}`, undefined])],
    ['GET /v1/users/{id}/presence', () => segment.map((u) => ['GET', `/v1/users/${u}/presence`, undefined])],
    ['GET /v1/users/{id}/profile', () => segment.map((u) => ['GET', `/v1/users/${u}/profile`, undefined])],
    ['GET /v1/groups/{id}', () => segment.map((g) => ['GET', `/v1/groups/${g}`, undefined])],
    ['GET /v1/messages/{id}/receipts', () => segment.map((m) => ['GET', `/v1/messages/${m}/receipts`, undefined])],
    ['POST /v1/auth/request-code', () => mutated({ phone: '+14155550123' }).map((b) => ['POST', '/v1/auth/request-code', b])],
    ['POST /v1/auth/verify', () => mutated({ phone: '+14155550123', code: '123456', deviceName: 'd' }).map((b) => ['POST', '/v1/auth/verify', b])],
    ['GET /v1/audit/events', () => fc.tuple(segment, segment, segment).map(([after, type, limit]) => ['GET', `/v1/audit/events?after=${after}&type=${type}&limit=${limit}`, undefined])],
    ['GET /v1/audit/conversations/{id}/state', () => fc.tuple(segment, segment).map(([id, at]) => ['GET', `/v1/audit/conversations/${id}/state?at=${at}`, undefined])],
  ];

  it.each(routes)('%s never answers 5xx; every refusal is in the error shape; an honest sender meanwhile is unaffected', async (name, route) => {
    const honest = (async () => {
      const results = [];
      for (let i = 0; i < 10; i++) results.push((await api.post('/v1/messages', { clientMsgId: `honest-${name}-${i}-${Math.random()}`, to: { userId: alice.userId }, kind: 'text', body: 'still here' }, bob.token)).status);
      return results;
    })();
    const token = name.includes('/audit/') ? () => auditor : () => alice.token;
    await fc.assert(
      fc.asyncProperty(route(token), async ([method, path, body]) => {
        expectProtocolRefusalOrSuccess(await api.request(method, path, body, token()), `${method} ${path} ${JSON.stringify(body)?.slice(0, 200)}`);
      }),
      { numRuns: RUNS },
    );
    expect(await honest).toEqual(Array.from({ length: 10 }, () => 201));
  });

  it('hostile socket frames get error frames and the socket stays open', async () => {
    const socket = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      const frames = fc.oneof(
        mutated({ type: 'send', clientMsgId: 'c', to: { userId: bob.userId }, kind: 'text', body: 'x' }),
        mutated({ type: 'receipt', conversationId: 'd', kind: 'read', upToSeq: 1 }),
        mutated({ type: 'typing', conversationId: 'd', state: 'typing' }),
      );
      await fc.assert(
        fc.asyncProperty(frames, async (frame) => {
          socket.send(frame);
          await socket.ping();
          expect(socket.closed).toBeUndefined();
        }),
        { numRuns: 40 },
      );
      for (const error of socket.ofType('error')) expect(Object.keys(error.error).sort()).toEqual(['code', 'details', 'message']);
      expect(socket.frames.filter((f) => f.event === 'exception')).toEqual([]);
    } finally {
      await socket.close();
    }
  });

  it('a cursor beyond a PostgreSQL bigint is a 400 on the audit routes', async () => {
    const result = await api.get('/v1/audit/events?after=9999999999999999999', auditor);
    expect(result.status).toBe(400);
    expect(result.body.error.details.map((d: { field: string }) => d.field)).toContain('after');
  });

  it('JSON nested 1,400 deep is a 400, over HTTP and on the socket', async () => {
    const body = { clientMsgId: 'deep', to: { userId: bob.userId }, kind: 'text', body: deep(1_400) };
    const refused = await api.post('/v1/messages', body, alice.token);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].message).toMatch(/deeper than/);
    const socket = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      socket.send({ type: 'send', ...body });
      const [error] = await socket.nextOfType('error');
      expect(error).toMatchObject({ clientMsgId: 'deep', error: { code: 'validation_failed' } });
    } finally {
      await socket.close();
    }
  });

  it('a 20,000-character URL is refused in the error shape', async () => {
    const response = await fetch(`${system.baseUrl}/v1/conversations/${'x'.repeat(20_000)}/messages`, { headers: { authorization: `Bearer ${alice.token}` } });
    expect(response.status).toBe(431);
    expect((await response.json()).error.code).toBe('headers_too_large');
  });
});
