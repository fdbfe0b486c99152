// docs/protocol.md, "Sending" (POST /v1/messages) and the socket's `send` frame, plus the socket's
// handling of invalid, unknown and oversized frames.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, registerUser, sendText, type TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { uploadedMedia } from '../support/media.js';
import { startTestSystem, type TestSystem } from '../support/system.js';

let system: TestSystem;
let api: Api;

beforeAll(async () => {
  system = await startTestSystem();
  api = new Api(system.baseUrl);
});

afterAll(async () => {
  await system?.close();
});

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const MAX_BODY_BYTES = 65_536;
const MAX_FRAME_BYTES = 128 * 1024;

const newId = () => `c-${randomUUID()}`;

function expectSent(result: { status: number; body: any }, status = 201) {
  expect(result.status, JSON.stringify(result.body)).toBe(status);
  expect(result.body).toEqual({ messageId: expect.any(String), conversationId: expect.any(String), seq: expect.any(Number), sentAt: expect.any(String) });
  expect(result.body.sentAt).toMatch(ISO_UTC);
  expect(Number.isInteger(result.body.seq)).toBe(true);
}

/** "details name each bad field": a list of {field} entries, or an object keyed by field. */
function namedFields(details: unknown): string[] {
  if (Array.isArray(details)) return details.map((d) => (typeof d === 'string' ? d : (d?.field ?? d?.property ?? d?.path))).map(String);
  if (details && typeof details === 'object') return Object.keys(details);
  return [];
}

function expectBadFields(error: { details: unknown }, fields: string[]) {
  const named = namedFields(error.details);
  for (const field of fields) {
    // a nested field may be named on its own (to.userId) or through its parent (to)
    const hit = named.some((n) => n === field || n.startsWith(`${field}.`) || field.startsWith(`${n}.`));
    expect(hit, `details should name ${field}: ${JSON.stringify(error.details)}`).toBe(true);
  }
}

/** `{"type": "error", "clientMsgId"?, "error": {code, message, details}}` */
function expectErrorFrame(frame: any, clientMsgId?: string) {
  expect(frame?.type).toBe('error');
  expect(Object.keys(frame).sort()).toEqual(clientMsgId === undefined ? ['error', 'type'] : ['clientMsgId', 'error', 'type']);
  if (clientMsgId !== undefined) expect(frame.clientMsgId).toBe(clientMsgId);
  expect(Object.keys(frame.error).sort()).toEqual(['code', 'details', 'message']);
  expect(typeof frame.error.code).toBe('string');
  expect(frame.error.code.length).toBeGreaterThan(0);
  expect(typeof frame.error.message).toBe('string');
}

function send(from: TestUser, body: unknown) {
  return api.post('/v1/messages', body, from.token);
}

function text(to: TestUser, body = 'hello', clientMsgId = newId()) {
  return { clientMsgId, to: { userId: to.userId }, kind: 'text', body };
}

function history(user: TestUser, conversationId: string) {
  return api.get(`/v1/conversations/${encodeURIComponent(conversationId)}/messages?limit=200`, user.token);
}

/** Waits until the history shows `count` messages and returns them. */
async function historyOf(user: TestUser, conversationId: string, count: number): Promise<any[]> {
  const result = await eventually(
    () => history(user, conversationId),
    (r) => r.status === 200 && Array.isArray(r.body) && r.body.length >= count,
  );
  return result.body;
}

/**
 * Sends a marker message and waits until history shows it (read models apply the log in
 * order, so everything appended before the marker is visible by then); returns the history
 * without the marker. The marker's seq tells the command side's count, the history the read side's.
 */
async function historyAfterMarker(from: TestUser, to: TestUser, conversationId: string): Promise<any[]> {
  const marker = await sendText(api, from, to, `marker ${randomUUID()}`);
  expect(marker.conversationId).toBe(conversationId);
  const result = await eventually(
    () => history(from, conversationId),
    (r) => r.status === 200 && Array.isArray(r.body) && r.body.some((m: any) => m.messageId === marker.messageId),
  );
  const messages = result.body as any[];
  expect(messages.at(-1).messageId).toBe(marker.messageId);
  expect(messages.at(-1).seq).toBe(marker.seq);
  expect(marker.seq).toBe(messages.length);
  return messages.slice(0, -1);
}

async function pair(): Promise<[TestUser, TestUser]> {
  return Promise.all([registerUser(api), registerUser(api)]);
}

describe('POST /v1/messages', () => {
  it('answers 201 {messageId, conversationId, seq, sentAt} and the message shows in both histories', async () => {
    const [alice, bob] = await pair();
    const before = Date.now();
    const result = await send(alice, text(bob, 'hi Bob'));
    expectSent(result);
    expect(result.body.seq).toBe(1);
    expect(Date.parse(result.body.sentAt)).toBeGreaterThanOrEqual(before - 5_000);
    expect(Date.parse(result.body.sentAt)).toBeLessThanOrEqual(Date.now() + 5_000);
    const [mine] = await historyOf(alice, result.body.conversationId, 1);
    expect(mine).toEqual({
      messageId: result.body.messageId,
      conversationId: result.body.conversationId,
      seq: 1,
      senderId: alice.userId,
      kind: 'text',
      body: 'hi Bob',
      mediaId: null,
      replyTo: null,
      forwardOf: null,
      forwardedManyTimes: false,
      editedAt: null,
      deletedAt: null,
      deletedBy: null,
      sentAt: expect.any(String),
      status: 'sent',
      quote: null,
      reactions: [],
    });
    expect(Date.parse(mine.sentAt)).toBe(Date.parse(result.body.sentAt));
    const [theirs] = await historyOf(bob, result.body.conversationId, 1);
    expect(theirs).toMatchObject({ messageId: result.body.messageId, senderId: alice.userId, body: 'hi Bob', seq: 1 });
  });

  it('gives a direct chat one conversationId for both participants and both directions', async () => {
    const [alice, bob] = await pair();
    const one = await sendText(api, alice, bob, 'a→b');
    const two = await sendText(api, bob, alice, 'b→a');
    const three = await sendText(api, alice, bob, 'a→b again');
    expect(two.conversationId).toBe(one.conversationId);
    expect(three.conversationId).toBe(one.conversationId);
    expect([one.seq, two.seq, three.seq]).toEqual([1, 2, 3]);
    const seenByBob = await historyOf(bob, one.conversationId, 3);
    expect(seenByBob.map((m) => m.messageId)).toEqual([one.messageId, two.messageId, three.messageId]);
    const inbox = await eventually(() => api.get('/v1/conversations', alice.token), (r) => r.status === 200 && r.body.length === 1);
    expect(inbox.body[0].conversationId).toBe(one.conversationId);
  });

  it('gives different pairs different conversations, each numbered from 1', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    const toBob = await sendText(api, alice, bob, 'to bob');
    const toCarol = await sendText(api, alice, carol, 'to carol');
    const bobToCarol = await sendText(api, bob, carol, 'bob to carol');
    expect(new Set([toBob.conversationId, toCarol.conversationId, bobToCarol.conversationId]).size).toBe(3);
    expect([toBob.seq, toCarol.seq, bobToCarol.seq]).toEqual([1, 1, 1]);
  });

  it('numbers messages 1, 2, 3 … in send order, and history shows them in that order', async () => {
    const [alice, bob] = await pair();
    const sent = [];
    for (let i = 1; i <= 6; i++) sent.push(await sendText(api, i % 2 ? alice : bob, i % 2 ? bob : alice, `message ${i}`));
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    const messages = await historyOf(alice, sent[0].conversationId, 6);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(messages.map((m) => m.body)).toEqual(['message 1', 'message 2', 'message 3', 'message 4', 'message 5', 'message 6']);
    expect(messages.map((m) => m.messageId)).toEqual(sent.map((s) => s.messageId));
  });

  it('numbers 20 concurrent sends from both sides 1..20, each exactly once, with no gaps', async () => {
    const [alice, bob] = await pair();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(i % 2 ? bob : alice, text(i % 2 ? alice : bob, `concurrent ${i}`))),
    );
    for (const result of results) expectSent(result);
    expect(new Set(results.map((r) => r.body.conversationId)).size).toBe(1);
    expect(new Set(results.map((r) => r.body.messageId)).size).toBe(20);
    expect(results.map((r) => r.body.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const messages = await historyOf(bob, results[0].body.conversationId, 20);
    expect(messages.map((m) => m.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const bySeq = new Map(results.map((r) => [r.body.seq, r.body.messageId]));
    for (const m of messages) expect(m.messageId).toBe(bySeq.get(m.seq));
  });

  it.each(['image', 'video', 'audio', 'document'] as const)('sends a %s with a mediaId and no body', async (kind) => {
    const [alice, bob] = await pair();
    const mediaId = await uploadedMedia(system.baseUrl, alice.token, kind);
    const result = await send(alice, { clientMsgId: newId(), to: { userId: bob.userId }, kind, mediaId });
    expectSent(result);
    const [message] = await historyOf(bob, result.body.conversationId, 1);
    expect(message).toMatchObject({ kind, mediaId, body: null });
  });

  it.each(['location', 'contact'])('sends a %s with a body', async (kind) => {
    const [alice, bob] = await pair();
    expectSent(await send(alice, { clientMsgId: newId(), to: { userId: bob.userId }, kind, body: '{"opaque":true}' }));
  });
});

describe('idempotent sends', () => {
  it('returns the same body for the same clientMsgId from the same user and appends nothing', async () => {
    const [alice, bob] = await pair();
    const body = text(bob, 'once');
    const first = await send(alice, body);
    expectSent(first);
    for (let i = 0; i < 3; i++) {
      const again = await send(alice, body);
      expect([200, 201]).toContain(again.status);
      expect(again.body).toEqual(first.body);
    }
    const messages = await historyAfterMarker(alice, bob, first.body.conversationId);
    expect(messages.map((m) => m.messageId)).toEqual([first.body.messageId]);
  });

  it('returns the first body even when the repeated send differs in its body', async () => {
    const [alice, bob] = await pair();
    const clientMsgId = newId();
    const first = await send(alice, text(bob, 'original', clientMsgId));
    expectSent(first);
    const again = await send(alice, text(bob, 'changed', clientMsgId));
    expect([200, 201]).toContain(again.status);
    expect(again.body).toEqual(first.body);
    const messages = await historyAfterMarker(alice, bob, first.body.conversationId);
    expect(messages.map((m) => m.body)).toEqual(['original']);
  });

  it('returns the first body when the same user repeats a clientMsgId to another recipient ("unique per sender")', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    const clientMsgId = newId();
    const first = await send(alice, text(bob, 'to bob', clientMsgId));
    expectSent(first);
    const again = await send(alice, text(carol, 'to carol', clientMsgId));
    expect([200, 201]).toContain(again.status);
    expect(again.body).toEqual(first.body);
  });

  it('stores one message when the same clientMsgId goes to two conversations at the same moment (HTTP and socket)', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    const socket = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      for (let i = 0; i < 20; i++) {
        const clientMsgId = newId();
        socket.send({ type: 'send', ...text(carol, 'to carol', clientMsgId) });
        const overHttp = await send(alice, text(bob, 'to bob', clientMsgId));
        await socket.waitFor(() => socket.frames.some((f) => f.type === 'sent' && f.clientMsgId === clientMsgId));
        const overSocket = socket.frames.find((f) => f.type === 'sent' && f.clientMsgId === clientMsgId);
        expect([200, 201]).toContain(overHttp.status);
        expect(overSocket).toEqual({ type: 'sent', clientMsgId, ...overHttp.body });
      }
      const inboxes = await Promise.all([bob, carol].map((u) => api.get('/v1/conversations', u.token)));
      const stored = inboxes.reduce((sum, inbox) => sum + (inbox.body[0]?.lastSeq ?? 0), 0);
      expect(stored).toBe(20);
    } finally {
      await socket.close();
    }
  });

  it('treats the same clientMsgId from another user as another message', async () => {
    const [alice, bob] = await pair();
    const clientMsgId = newId();
    const fromAlice = await send(alice, text(bob, 'from alice', clientMsgId));
    const fromBob = await send(bob, text(alice, 'from bob', clientMsgId));
    expectSent(fromAlice);
    expectSent(fromBob);
    expect(fromBob.body.messageId).not.toBe(fromAlice.body.messageId);
    expect([fromAlice.body.seq, fromBob.body.seq]).toEqual([1, 2]);
  });

  it('gives one message for 10 concurrent sends of the same clientMsgId', async () => {
    const [alice, bob] = await pair();
    const body = text(bob, 'raced');
    const results = await Promise.all(Array.from({ length: 10 }, () => send(alice, body)));
    for (const result of results) {
      expect([200, 201], JSON.stringify(result.body)).toContain(result.status);
      expect(result.body).toEqual(results[0].body);
    }
    expectSent({ status: 201, body: results[0].body });
    expect(results[0].body.seq).toBe(1);
    const messages = await historyAfterMarker(alice, bob, results[0].body.conversationId);
    expect(messages.map((m) => m.messageId)).toEqual([results[0].body.messageId]);
  });

  it('is idempotent across HTTP and the socket', async () => {
    const [alice, bob] = await pair();
    const body = text(bob, 'both ways');
    const overHttp = await send(alice, body);
    expectSent(overHttp);
    const feed = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      feed.send({ type: 'send', ...body });
      const [sent] = await feed.nextOfType('sent');
      expect(sent).toEqual({ type: 'sent', clientMsgId: body.clientMsgId, ...overHttp.body });
    } finally {
      await feed.close();
    }
  });
});

describe('refused sends', () => {
  it.each([
    ['an empty text body', { body: '' }, 'body'],
    ['a blank text body', { body: ' \n\t ' }, 'body'],
  ])('answers 400 for %s', async (_why, override, field) => {
    const [alice, bob] = await pair();
    const result = await send(alice, { ...text(bob), ...override });
    expectError(result, 400);
    expectBadFields(result.body.error, [field]);
  });

  it('answers 400 for a `to` that names both a user and a group', async () => {
    const [alice, bob] = await pair();
    const result = await send(alice, { ...text(bob), to: { userId: bob.userId, groupId: 'gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } });
    expectError(result, 400);
    expectBadFields(result.body.error, ['to']);
  });

  it('answers 404 for an unknown userId', async () => {
    const [alice] = await pair();
    const result = await send(alice, { clientMsgId: newId(), to: { userId: 'uNoSuchUserAAAAAAAAAAAA' }, kind: 'text', body: 'hi' });
    expectError(result, 404);
  });

  it('answers 404 for an unknown groupId', async () => {
    const [alice] = await pair();
    const result = await send(alice, { clientMsgId: newId(), to: { groupId: `g-${randomUUID()}` }, kind: 'text', body: 'hi' });
    expectError(result, 404);
  });

  it('answers 400 for a message to yourself', async () => {
    const [alice] = await pair();
    expectError(await send(alice, text(alice, 'me')), 400);
  });

  const bob = { userId: 'uSomeoneAAAAAAAAAAAAAAA' };
  it.each<[string, Record<string, unknown>, string[]]>([
    ['missing clientMsgId', { to: bob, kind: 'text', body: 'x' }, ['clientMsgId']],
    ['empty clientMsgId', { clientMsgId: '', to: bob, kind: 'text', body: 'x' }, ['clientMsgId']],
    ['numeric clientMsgId', { clientMsgId: 42, to: bob, kind: 'text', body: 'x' }, ['clientMsgId']],
    ['missing to', { clientMsgId: 'c', kind: 'text', body: 'x' }, ['to']],
    ['string to', { clientMsgId: 'c', to: 'someone', kind: 'text', body: 'x' }, ['to']],
    ['numeric to', { clientMsgId: 'c', to: 7, kind: 'text', body: 'x' }, ['to']],
    ['array to', { clientMsgId: 'c', to: [bob], kind: 'text', body: 'x' }, ['to']],
    ['null to', { clientMsgId: 'c', to: null, kind: 'text', body: 'x' }, ['to']],
    ['empty to', { clientMsgId: 'c', to: {}, kind: 'text', body: 'x' }, ['to']],
    ['numeric to.userId', { clientMsgId: 'c', to: { userId: 5 }, kind: 'text', body: 'x' }, ['to.userId']],
    ['missing kind', { clientMsgId: 'c', to: bob, body: 'x' }, ['kind']],
    ['unknown kind', { clientMsgId: 'c', to: bob, kind: 'sticker', body: 'x' }, ['kind']],
    ['kind in capitals', { clientMsgId: 'c', to: bob, kind: 'TEXT', body: 'x' }, ['kind']],
    ['numeric kind', { clientMsgId: 'c', to: bob, kind: 1, body: 'x' }, ['kind']],
    ['text without body', { clientMsgId: 'c', to: bob, kind: 'text' }, ['body']],
    ['text with a numeric body', { clientMsgId: 'c', to: bob, kind: 'text', body: 12 }, ['body']],
    ['text with an object body', { clientMsgId: 'c', to: bob, kind: 'text', body: { a: 1 } }, ['body']],
    ['image without mediaId', { clientMsgId: 'c', to: bob, kind: 'image' }, ['mediaId']],
    ['video without mediaId', { clientMsgId: 'c', to: bob, kind: 'video', body: 'caption' }, ['mediaId']],
    ['image with a numeric mediaId', { clientMsgId: 'c', to: bob, kind: 'image', mediaId: 3 }, ['mediaId']],
    ['numeric replyTo', { clientMsgId: 'c', to: bob, kind: 'text', body: 'x', replyTo: 9 }, ['replyTo']],
    ['object forwardOf', { clientMsgId: 'c', to: bob, kind: 'text', body: 'x', forwardOf: {} }, ['forwardOf']],
    ['several bad fields', { clientMsgId: 1, to: 'x', kind: 'sticker' }, ['clientMsgId', 'to', 'kind']],
  ])('answers 400 naming the field for %s', async (_why, body, fields) => {
    const [alice] = await pair();
    const result = await send(alice, body);
    expectError(result, 400);
    expectBadFields(result.body.error, fields);
  });

  it.each([
    ['a JSON array', '[]'],
    ['a JSON string', '"hello"'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['an empty body', ''],
  ])('answers 400 for %s as the request body', async (_why, raw) => {
    const [alice] = await pair();
    expectError(await api.request('POST', '/v1/messages', undefined, alice.token, raw), 400);
  });
});

describe('body size', () => {
  it('accepts a body of exactly 65,536 bytes', async () => {
    const [alice, bob] = await pair();
    const body = 'a'.repeat(MAX_BODY_BYTES);
    const result = await send(alice, text(bob, body));
    expectSent(result);
    const [message] = await historyOf(bob, result.body.conversationId, 1);
    expect(message.body).toBe(body);
  });

  it('accepts a multi-byte body of exactly 65,536 bytes', async () => {
    const [alice, bob] = await pair();
    const body = 'é'.repeat(MAX_BODY_BYTES / 2);
    expect(Buffer.byteLength(body)).toBe(MAX_BODY_BYTES);
    const result = await send(alice, text(bob, body));
    expectSent(result);
    const [message] = await historyOf(bob, result.body.conversationId, 1);
    expect(message.body).toBe(body);
  });

  it.each([
    ['65,537 ASCII characters', 'a'.repeat(MAX_BODY_BYTES + 1)],
    ['32,769 two-byte characters (65,538 bytes)', 'é'.repeat(MAX_BODY_BYTES / 2 + 1)],
    ['16,385 four-byte emoji (65,540 bytes, 32,770 UTF-16 units)', '😀'.repeat(MAX_BODY_BYTES / 4 + 1)],
    ['65,535 ASCII characters and one three-byte character', 'a'.repeat(MAX_BODY_BYTES - 1) + '€'],
  ])('answers 413 for a body of %s', async (_why, body) => {
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
    expect(body.length).toBeLessThanOrEqual(MAX_BODY_BYTES + 1);
    const [alice, bob] = await pair();
    expectError(await send(alice, text(bob, body)), 413);
  });

  it('answers 413 for a media caption over 65,536 bytes', async () => {
    const [alice, bob] = await pair();
    const mediaId = await uploadedMedia(system.baseUrl, alice.token, 'image');
    const result = await send(alice, { clientMsgId: newId(), to: { userId: bob.userId }, kind: 'image', mediaId, body: 'x'.repeat(MAX_BODY_BYTES + 1) });
    expectError(result, 413);
  });
});

describe('replies', () => {
  it('answers 404 for a replyTo that names no message of the conversation', async () => {
    const [alice, bob] = await pair();
    const carol = await registerUser(api);
    await sendText(api, alice, bob, 'first');
    const elsewhere = await sendText(api, alice, carol, 'in another conversation');
    expectError(await send(alice, { ...text(bob, 'reply'), replyTo: randomUUID() }), 404);
    expectError(await send(alice, { ...text(bob, 'reply'), replyTo: elsewhere.messageId }), 404);
  });

  it('answers 404 for a replyTo in a conversation that has no messages yet', async () => {
    const [alice, bob] = await pair();
    expectError(await send(alice, { ...text(bob, 'reply'), replyTo: randomUUID() }), 404);
  });

  it('accepts a reply to an existing message, from either side, and history shows replyTo', async () => {
    const [alice, bob] = await pair();
    const original = await sendText(api, alice, bob, 'question?');
    const reply = await send(bob, { ...text(alice, 'answer!'), replyTo: original.messageId });
    expectSent(reply);
    expect(reply.body.seq).toBe(2);
    const messages = await historyOf(alice, original.conversationId, 2);
    expect(messages[0]).toMatchObject({ messageId: original.messageId, replyTo: null });
    expect(messages[1]).toMatchObject({ messageId: reply.body.messageId, replyTo: original.messageId, body: 'answer!', senderId: bob.userId });
  });
});

describe('the socket send frame', () => {
  let alice: TestUser;
  let bob: TestUser;
  let feed: FeedClient;

  beforeAll(async () => {
    [alice, bob] = await pair();
    feed = await FeedClient.connect(system.wsUrl, alice.token);
  });

  afterAll(async () => {
    await feed?.close();
  });

  const errorsFor = (clientMsgId: string) => feed.ofType('error').filter((f) => f.clientMsgId === clientMsgId);

  it('answers a send frame with a sent frame carrying the clientMsgId', async () => {
    const clientMsgId = newId();
    feed.send({ type: 'send', ...text(bob, 'over the socket', clientMsgId) });
    await feed.waitFor(() => feed.ofType('sent').some((f) => f.clientMsgId === clientMsgId));
    const sent = feed.ofType('sent').find((f) => f.clientMsgId === clientMsgId);
    expect(sent).toEqual({
      type: 'sent',
      clientMsgId,
      messageId: expect.any(String),
      conversationId: expect.any(String),
      seq: expect.any(Number),
      sentAt: expect.stringMatching(ISO_UTC),
    });
    const messages = await eventually(
      () => history(bob, sent.conversationId),
      (r) => r.status === 200 && r.body.some((m: any) => m.messageId === sent.messageId),
    );
    expect(messages.body.find((m: any) => m.messageId === sent.messageId)).toMatchObject({ body: 'over the socket', senderId: alice.userId, seq: sent.seq });
  });

  it('shares the conversation and numbering with HTTP sends', async () => {
    const [carol, dave] = await pair();
    const carolFeed = await FeedClient.connect(system.wsUrl, carol.token);
    try {
      const overHttp = await sendText(api, carol, dave, 'http');
      const clientMsgId = newId();
      carolFeed.send({ type: 'send', ...text(dave, 'socket', clientMsgId) });
      await carolFeed.waitFor(() => carolFeed.ofType('sent').some((f) => f.clientMsgId === clientMsgId));
      const sent = carolFeed.ofType('sent').find((f) => f.clientMsgId === clientMsgId);
      expect(sent.conversationId).toBe(overHttp.conversationId);
      expect(sent.seq).toBe(overHttp.seq + 1);
    } finally {
      await carolFeed.close();
    }
  });

  it.each<[string, Record<string, unknown>, number, string[]]>([
    ['a bad kind', { kind: 'sticker', body: 'x' }, 400, ['kind']],
    ['text without body', { kind: 'text' }, 400, ['body']],
    ['image without mediaId', { kind: 'image' }, 400, ['mediaId']],
    ['a string to', { kind: 'text', body: 'x', to: 'bob' }, 400, ['to']],
  ])('answers a send frame with %s with an error frame carrying the clientMsgId; the socket stays open', async (_why, fields, _status, bad) => {
    const clientMsgId = newId();
    feed.send({ type: 'send', clientMsgId, to: { userId: bob.userId }, ...fields });
    await feed.waitFor(() => errorsFor(clientMsgId).length > 0);
    const [frame] = errorsFor(clientMsgId);
    expect(frame).toEqual({ type: 'error', clientMsgId, error: { code: expect.any(String), message: expect.any(String), details: expect.anything() } });
    expectBadFields(frame.error, bad);
    expect(feed.ofType('sent').some((f) => f.clientMsgId === clientMsgId)).toBe(false);
    await feed.ping();
    expect(feed.closed).toBeUndefined();
  });

  it('answers a send frame without clientMsgId with an error frame naming clientMsgId', async () => {
    const before = feed.ofType('error').length;
    feed.send({ type: 'send', to: { userId: bob.userId }, kind: 'text', body: 'x' });
    await feed.waitFor(() => feed.ofType('error').length > before);
    const frame = feed.ofType('error')[before];
    expect(frame).toEqual({ type: 'error', error: { code: expect.any(String), message: expect.any(String), details: expect.anything() } });
    expectBadFields(frame.error, ['clientMsgId']);
    await feed.ping();
  });

  it('answers refused socket sends (unknown user, yourself, too large, unknown reply) with error frames carrying the clientMsgId', async () => {
    const cases: [string, Record<string, unknown>][] = [
      ['unknown user', { to: { userId: 'uNoSuchUserAAAAAAAAAAAA' }, kind: 'text', body: 'x' }],
      ['yourself', { to: { userId: alice.userId }, kind: 'text', body: 'x' }],
      ['too large', { to: { userId: bob.userId }, kind: 'text', body: 'x'.repeat(MAX_BODY_BYTES + 1) }],
      ['unknown reply', { to: { userId: bob.userId }, kind: 'text', body: 'x', replyTo: randomUUID() }],
    ];
    const ids = cases.map(() => newId());
    cases.forEach(([, fields], i) => feed.send({ type: 'send', clientMsgId: ids[i], ...fields }));
    await feed.waitFor(() => ids.every((id) => errorsFor(id).length > 0));
    for (const id of ids) {
      expectErrorFrame(errorsFor(id)[0], id);
    }
    // the same codes as HTTP would give
    const http = await Promise.all(cases.map(([, fields]) => send(alice, { clientMsgId: newId(), ...fields })));
    expect(http.map((r) => r.status)).toEqual([404, 400, 413, 404]);
    expect(ids.map((id) => errorsFor(id)[0].error.code)).toEqual(http.map((r) => r.body.error.code));
    await feed.ping();
  });

  it('answers a frame that is not JSON with an error frame; the socket stays open', async () => {
    const before = feed.ofType('error').length;
    feed.send('{"type": "send", not json');
    await feed.waitFor(() => feed.ofType('error').length > before);
    expectErrorFrame(feed.ofType('error')[before]);
    await feed.ping();
    expect(feed.closed).toBeUndefined();
  });

  it.each([
    ['an unknown frame type', { type: 'teleport', clientMsgId: 'x' }],
    ['a frame without type', { clientMsgId: 'x' }],
    ['a numeric type', { type: 7 }],
    ['a JSON array', []],
    ['a JSON string', 'send'],
    ['JSON null', null],
  ])('answers %s with an error frame; the socket stays open', async (_why, frame) => {
    const before = feed.ofType('error').length;
    feed.send(JSON.stringify(frame));
    await feed.waitFor(() => feed.ofType('error').length > before);
    expectErrorFrame(feed.ofType('error')[before], typeof frame === 'object' && frame !== null && 'clientMsgId' in frame ? frame.clientMsgId : undefined);
    await feed.ping();
    expect(feed.closed).toBeUndefined();
  });

  it('keeps a frame of exactly 128 KiB (it gets an answer, the socket stays open)', async () => {
    const clientMsgId = newId();
    const skeleton = JSON.stringify({ type: 'send', clientMsgId, to: { userId: bob.userId }, kind: 'text', body: '' });
    const frame = JSON.stringify({ type: 'send', clientMsgId, to: { userId: bob.userId }, kind: 'text', body: 'x'.repeat(MAX_FRAME_BYTES - Buffer.byteLength(skeleton)) });
    expect(Buffer.byteLength(frame)).toBe(MAX_FRAME_BYTES);
    feed.send(frame);
    // the body is over 65,536 bytes, so the answer is an error frame
    await feed.waitFor(() => errorsFor(clientMsgId).length > 0);
    await feed.ping();
    expect(feed.closed).toBeUndefined();
  });

  it('closes the socket with 1009 on a frame over 128 KiB', async () => {
    const own = await FeedClient.connect(system.wsUrl, alice.token);
    const frame = JSON.stringify({ type: 'send', clientMsgId: newId(), to: { userId: bob.userId }, kind: 'text', body: 'x'.repeat(MAX_FRAME_BYTES) });
    expect(Buffer.byteLength(frame)).toBeGreaterThan(MAX_FRAME_BYTES);
    own.send(frame);
    await own.waitFor(() => own.closed !== undefined);
    expect(own.closed!.code).toBe(1009);
    expect(own.ofType('sent')).toEqual([]);
  });
});

describe('rejected requests append nothing', () => {
  it('leaves the conversation unchanged after every kind of refused send, over HTTP and the socket', async () => {
    const [alice, bob] = await pair();
    const first = await sendText(api, alice, bob, 'the only message');
    const to = { userId: bob.userId };
    const refused: [number, Record<string, unknown>][] = [
      [400, { to, kind: 'text', body: 'no clientMsgId' }],
      [400, { clientMsgId: newId(), to, kind: 'sticker', body: 'bad kind' }],
      [400, { clientMsgId: newId(), to, kind: 'text' }],
      [400, { clientMsgId: newId(), to, kind: 'image' }],
      [400, { clientMsgId: newId(), to: 'bob', kind: 'text', body: 'x' }],
      [413, { clientMsgId: newId(), to, kind: 'text', body: 'a'.repeat(MAX_BODY_BYTES + 1) }],
      [413, { clientMsgId: newId(), to, kind: 'text', body: 'é'.repeat(MAX_BODY_BYTES / 2 + 1) }],
      [404, { clientMsgId: newId(), to, kind: 'text', body: 'x', replyTo: randomUUID() }],
    ];
    for (const [status, body] of refused) expectError(await send(alice, body), status);
    expectError(await send(bob, { clientMsgId: newId(), to: { userId: alice.userId }, kind: 'text', body: 'x', replyTo: randomUUID() }), 404);

    const feed = await FeedClient.connect(system.wsUrl, alice.token);
    try {
      // the same refused bodies as frames (their clientMsgIds appended nothing, so they are still free)
      for (const [, body] of refused) feed.send({ type: 'send', ...body });
      feed.send('{not json');
      feed.send({ type: 'nonsense', clientMsgId: newId(), to, kind: 'text', body: 'x' });
      await feed.waitFor(() => feed.ofType('error').length >= refused.length + 2);
      expect(feed.ofType('sent')).toEqual([]);
    } finally {
      await feed.close();
    }

    const messages = await historyAfterMarker(alice, bob, first.conversationId);
    expect(messages.map((m) => [m.seq, m.messageId])).toEqual([[1, first.messageId]]);
  });
});
