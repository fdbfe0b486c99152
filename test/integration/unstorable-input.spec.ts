// Strings PostgreSQL cannot store (NUL, unpaired UTF-16 surrogates) are refused at the edge with a
// 400 naming the field, over HTTP and on the socket, and never cost another client its send.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, FeedClient, registerUser, type TestUser } from '../support/client.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

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
