import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, clockPasses, eventually, FeedClient, registerUser, sendText, TestUser } from '../support/client.js';
import { startTestSystem, TestSystem } from '../support/system.js';

/** docs/protocol.md, "Reading": the inbox, message history and presence. */

const MESSAGE_KEYS = ['body', 'conversationId', 'deletedAt', 'deletedBy', 'editedAt', 'forwardOf', 'forwardedManyTimes', 'kind', 'mediaId', 'messageId', 'quote', 'reactions', 'replyTo', 'senderId', 'sentAt', 'seq', 'status'];
const LAST_MESSAGE_KEYS = ['body', 'kind', 'messageId', 'senderId', 'sentAt', 'seq'];
const INBOX_KEYS = ['conversationId', 'lastMessage', 'lastSeq', 'peerUserId', 'title', 'type', 'unreadCount', 'updatedAt'];

let system: TestSystem;
let api: Api;
const sockets: FeedClient[] = [];

beforeAll(async () => {
  // Disconnects are recorded 200 ms after a device's last socket closed, not 3 s: presence tests wait for them.
  system = await startTestSystem({ PRESENCE_GRACE_MS: '200' });
  api = new Api(system.baseUrl);
});

afterAll(async () => {
  await Promise.all(sockets.map((s) => s.close()));
  await system?.close();
});

function inbox(user: TestUser) {
  return api.get('/v1/conversations', user.token);
}

function history(user: TestUser, conversationId: string, query = '') {
  return api.get(`/v1/conversations/${encodeURIComponent(conversationId)}/messages${query}`, user.token);
}

function ack(user: TestUser, conversationId: string, kind: 'delivered' | 'read', upToSeq: number) {
  return api.post(`/v1/conversations/${encodeURIComponent(conversationId)}/receipts`, { kind, upToSeq }, user.token);
}

const isIso = (value: unknown) => typeof value === 'string' && new Date(value).toISOString() === value;

function entryFor(result: { body: any }, conversationId: string) {
  return Array.isArray(result.body) ? result.body.find((c: any) => c.conversationId === conversationId) : undefined;
}

describe('GET /v1/conversations', () => {
  it('lists a direct conversation with every key of the protocol shape', async () => {
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    const sent = await sendText(api, bob, alice, 'hi alice');

    const result = await eventually(() => inbox(alice), (r) => r.status === 200 && r.body.length === 1);
    expect(result.status).toBe(200);
    const [entry] = result.body;
    for (const key of INBOX_KEYS) expect(entry, `key ${key}`).toHaveProperty(key);
    expect(entry.conversationId).toBe(sent.conversationId);
    expect(entry.type).toBe('direct');
    expect(entry.peerUserId).toBe(bob.userId);
    expect(typeof entry.title).toBe('string');
    expect(entry.title.length).toBeGreaterThan(0);
    expect(Object.keys(entry.lastMessage).sort()).toEqual(LAST_MESSAGE_KEYS);
    expect(entry.lastMessage).toEqual({
      messageId: sent.messageId, seq: 1, senderId: bob.userId, kind: 'text', body: 'hi alice', sentAt: sent.sentAt,
    });
    expect(entry.unreadCount).toBe(1);
    expect(entry.lastSeq).toBe(1);
    expect(isIso(entry.updatedAt), `updatedAt ${entry.updatedAt}`).toBe(true);

    // Bob sees the same conversation id, Alice as the peer, and nothing unread (his own message).
    const bobs = await eventually(() => inbox(bob), (r) => r.status === 200 && r.body.length === 1);
    const bobEntry = bobs.body[0];
    for (const key of INBOX_KEYS) expect(bobEntry, `key ${key}`).toHaveProperty(key);
    expect(bobEntry).toMatchObject({ conversationId: sent.conversationId, type: 'direct', peerUserId: alice.userId, unreadCount: 0, lastSeq: 1 });
    expect(bobEntry.lastMessage).toEqual(entry.lastMessage);

    // A user with no conversation gets an empty list.
    const carol = await registerUser(api);
    const empty = await inbox(carol);
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual([]);

    expect((await api.get('/v1/conversations')).status).toBe(401);
  });

  it('orders conversations by most recent activity first', async () => {
    const [alice, bob, carol, dave] = await Promise.all([registerUser(api), registerUser(api), registerUser(api), registerUser(api)]);
    // Each send is stamped later than the one before (the server's clock is this process's).
    const toBob = await sendText(api, alice, bob, 'to bob');
    await clockPasses(toBob.sentAt);
    const toCarol = await sendText(api, alice, carol, 'to carol');
    await clockPasses(toCarol.sentAt);
    const toDave = await sendText(api, alice, dave, 'to dave');

    let result = await eventually(() => inbox(alice), (r) => r.status === 200 && r.body.length === 3);
    expect(result.body.map((c: any) => c.peerUserId)).toEqual([dave.userId, carol.userId, bob.userId]);
    expect(result.body.map((c: any) => c.conversationId)).toEqual([toDave.conversationId, toCarol.conversationId, toBob.conversationId]);

    await clockPasses(toDave.sentAt);
    const fromBob = await sendText(api, bob, alice, 'bob again');
    result = await eventually(() => inbox(alice), (r) => r.status === 200 && r.body[0]?.lastMessage?.messageId === fromBob.messageId);
    expect(result.body.map((c: any) => c.peerUserId)).toEqual([bob.userId, dave.userId, carol.userId]);
    expect(result.body[0]).toMatchObject({ lastSeq: 2, lastMessage: { seq: 2, senderId: bob.userId, body: 'bob again' } });

    await clockPasses(fromBob.sentAt);
    await sendText(api, carol, alice, 'carol replies');
    result = await eventually(() => inbox(alice), (r) => r.status === 200 && r.body[0]?.peerUserId === carol.userId);
    expect(result.body.map((c: any) => c.peerUserId)).toEqual([carol.userId, bob.userId, dave.userId]);
    const updated = result.body.map((c: any) => Date.parse(c.updatedAt));
    expect([...updated].sort((a, b) => b - a)).toEqual(updated);
  });

  it("counts as unread only others' messages above the caller's read watermark", async () => {
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    await sendText(api, bob, alice, 'b1'); // 1
    await sendText(api, bob, alice, 'b2'); // 2
    await sendText(api, alice, bob, 'a3'); // 3
    await sendText(api, bob, alice, 'b4'); // 4
    const { conversationId } = await sendText(api, bob, alice, 'b5'); // 5

    const unread = async (user: TestUser, expected: number) => {
      const result = await eventually(
        () => inbox(user),
        (r) => r.status === 200 && entryFor(r, conversationId)?.lastSeq === 5 && entryFor(r, conversationId)?.unreadCount === expected,
      ).catch((error) => error);
      const last = await inbox(user);
      expect(entryFor(last, conversationId)?.unreadCount, `unreadCount of ${user === alice ? 'alice' : 'bob'}`).toBe(expected);
      return result;
    };

    await unread(alice, 4);
    await unread(bob, 1);

    // Delivered is not read.
    expect((await ack(alice, conversationId, 'delivered', 5)).status).toBe(202);
    // Alice reads up to 2: only b4 and b5 stay unread; her own a3 never counts.
    expect((await ack(alice, conversationId, 'read', 2)).status).toBe(202);
    await unread(alice, 2);
    expect((await ack(alice, conversationId, 'read', 3)).status).toBe(202);
    await unread(alice, 2);
    expect((await ack(alice, conversationId, 'read', 5)).status).toBe(202);
    await unread(alice, 0);
    await unread(bob, 1);

    // A new message from Bob is unread again; Alice's own new message is not.
    await sendText(api, alice, bob, 'a6');
    await sendText(api, bob, alice, 'b7');
    const result = await eventually(() => inbox(alice), (r) => entryFor(r, conversationId)?.lastSeq === 7);
    expect(entryFor(result, conversationId).unreadCount).toBe(1);
    const bobs = await eventually(() => inbox(bob), (r) => entryFor(r, conversationId)?.lastSeq === 7);
    expect(entryFor(bobs, conversationId).unreadCount).toBe(2);
  });
});

describe('GET /v1/conversations/{conversationId}/messages', () => {
  let alice: TestUser;
  let bob: TestUser;
  let conversationId: string;
  const seqs = (result: { body: any }) => (result.body as any[]).map((m) => m.seq);
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  beforeAll(async () => {
    [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    for (let i = 1; i <= 120; i++) ({ conversationId } = await sendText(api, alice, bob, `message ${i}`));
    await eventually(() => history(bob, conversationId, '?afterSeq=119'), (r) => r.status === 200 && r.body.length === 1);
  });

  it('returns the newest 50 in ascending seq by default', async () => {
    const result = await history(bob, conversationId);
    expect(result.status).toBe(200);
    expect(seqs(result)).toEqual(range(71, 120));
    expect(result.body.map((m: any) => m.body)).toEqual(range(71, 120).map((i) => `message ${i}`));
  });

  it('pages exactly with afterSeq, beforeSeq and limit', async () => {
    const cases: [string, number[]][] = [
      ['?afterSeq=100&limit=10', range(101, 110)],
      ['?beforeSeq=21&limit=5', range(16, 20)],
      ['?beforeSeq=21', range(1, 20)],
      ['?beforeSeq=100', range(50, 99)],
      ['?afterSeq=0&limit=3', [1, 2, 3]],
      ['?afterSeq=0', range(1, 50)],
      ['?afterSeq=115', range(116, 120)],
      ['?afterSeq=120', []],
      ['?beforeSeq=1', []],
      ['?limit=1', [120]],
      ['?limit=200', range(1, 120)],
      ['?afterSeq=60&limit=200', range(61, 120)],
    ];
    for (const [query, expected] of cases) {
      const result = await history(bob, conversationId, query);
      expect(result.status, query).toBe(200);
      expect(seqs(result), query).toEqual(expected);
    }
  });

  it('refuses a limit above 200, of 0, or not a number with 400 naming the field', async () => {
    for (const query of ['?limit=201', '?limit=0', '?limit=-1', '?limit=abc', '?limit=1.5', '?beforeSeq=abc', '?afterSeq=abc']) {
      const result = await history(bob, conversationId, query);
      expect(result.status, `${query} → ${JSON.stringify(result.body)}`).toBe(400);
      expect(typeof result.body?.error?.code).toBe('string');
      const field = query.slice(1, query.indexOf('='));
      expect(JSON.stringify(result.body.error.details ?? null), `${query}: details should name ${field}`).toContain(`"${field}"`);
    }
  });

  it('answers 404 for an unknown conversation and 403 for someone else\'s', async () => {
    const carol = await registerUser(api);
    const unknown = await history(alice, 'd-no-such-conversation');
    expect(unknown.status).toBe(404);
    expect(typeof unknown.body?.error?.code).toBe('string');
    const outsider = await history(carol, conversationId);
    expect(outsider.status).toBe(403);
    expect(typeof outsider.body?.error?.code).toBe('string');
    expect((await api.get(`/v1/conversations/${conversationId}/messages`)).status).toBe(401);
  });

  it('gives every key of the message shape, with status only for the caller\'s own messages', async () => {
    const [ann, ben] = await Promise.all([registerUser(api), registerUser(api)]);
    const first = await sendText(api, ben, ann, 'from ben');
    const reply = await api.post(
      '/v1/messages',
      { clientMsgId: `reply-${Date.now()}`, to: { userId: ben.userId }, kind: 'text', body: 'reply from ann', replyTo: first.messageId, forwardOf: first.messageId },
      ann.token,
    );
    expect(reply.status).toBe(201);
    const location = await api.post(
      '/v1/messages',
      { clientMsgId: `loc-${Date.now()}`, to: { userId: ben.userId }, kind: 'location', body: '{"lat":52.5,"lng":13.4}' },
      ann.token,
    );
    expect(location.status).toBe(201);
    const convId = first.conversationId;

    const annView = await eventually(() => history(ann, convId), (r) => r.status === 200 && r.body.length === 3);
    for (const message of annView.body) expect(Object.keys(message).sort()).toEqual(MESSAGE_KEYS);
    expect(annView.body).toEqual([
      {
        messageId: first.messageId, conversationId: convId, seq: 1, senderId: ben.userId, kind: 'text', body: 'from ben',
        mediaId: null, replyTo: null, forwardOf: null, forwardedManyTimes: false, sentAt: first.sentAt, editedAt: null, deletedAt: null, deletedBy: null, status: null,
        quote: null, reactions: [],
      },
      {
        messageId: reply.body.messageId, conversationId: convId, seq: 2, senderId: ann.userId, kind: 'text', body: 'reply from ann',
        mediaId: null, replyTo: first.messageId, forwardOf: first.messageId, forwardedManyTimes: false, sentAt: reply.body.sentAt, editedAt: null, deletedAt: null, deletedBy: null, status: 'sent',
        quote: { messageId: first.messageId, seq: 1, senderId: ben.userId, kind: 'text', body: 'from ben', mediaId: null }, reactions: [],
      },
      {
        messageId: location.body.messageId, conversationId: convId, seq: 3, senderId: ann.userId, kind: 'location', body: '{"lat":52.5,"lng":13.4}',
        mediaId: null, replyTo: null, forwardOf: null, forwardedManyTimes: false, sentAt: location.body.sentAt, editedAt: null, deletedAt: null, deletedBy: null, status: 'sent',
        quote: null, reactions: [],
      },
    ]);

    const benView = await eventually(() => history(ben, convId), (r) => r.status === 200 && r.body.length === 3);
    expect(benView.body.map((m: any) => [m.seq, m.status])).toEqual([
      [1, 'sent'],
      [2, null],
      [3, null],
    ]);
    for (const message of benView.body) expect(Object.keys(message).sort()).toEqual(MESSAGE_KEYS);
  });
});

describe('GET /v1/users/{userId}/presence', () => {
  it('is online while a socket is open and offline with lastSeen once it closes', async () => {
    const [alice, bob] = await Promise.all([registerUser(api), registerUser(api)]);
    await sendText(api, alice, bob, 'hello');

    const initial = await api.get(`/v1/users/${alice.userId}/presence`, bob.token);
    expect(initial.status).toBe(200);
    expect(Object.keys(initial.body).sort()).toEqual(['lastSeen', 'online', 'userId']);
    expect(initial.body).toMatchObject({ userId: alice.userId, online: false });

    const connectedAt = Date.now();
    const socket = await FeedClient.connect(system.wsUrl, alice.token);
    sockets.push(socket);
    const online = await eventually(() => api.get(`/v1/users/${alice.userId}/presence`, bob.token), (r) => r.body?.online === true);
    expect(online.status).toBe(200);
    expect(online.body.userId).toBe(alice.userId);
    expect(Object.keys(online.body).sort()).toEqual(['lastSeen', 'online', 'userId']);

    await socket.close();
    const offline = await eventually(
      () => api.get(`/v1/users/${alice.userId}/presence`, bob.token),
      (r) => r.body?.online === false && r.body?.lastSeen !== null,
    );
    expect(offline.status).toBe(200);
    expect(Object.keys(offline.body).sort()).toEqual(['lastSeen', 'online', 'userId']);
    expect(offline.body.userId).toBe(alice.userId);
    expect(isIso(offline.body.lastSeen), `lastSeen ${offline.body.lastSeen}`).toBe(true);
    expect(Date.parse(offline.body.lastSeen)).toBeGreaterThanOrEqual(connectedAt - 1000);
    expect(Date.parse(offline.body.lastSeen)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('stays online while any of the user\'s devices is connected', async () => {
    const alice = await registerUser(api);
    const bob = await registerUser(api);
    const aliceSecond = await registerUser(api, alice.phone, 'second device');
    expect(aliceSecond.userId).toBe(alice.userId);
    await sendText(api, bob, alice, 'hello');

    const first = await FeedClient.connect(system.wsUrl, alice.token);
    const second = await FeedClient.connect(system.wsUrl, aliceSecond.token);
    sockets.push(first, second);
    await eventually(() => api.get(`/v1/users/${alice.userId}/presence`, bob.token), (r) => r.body?.online === true);

    const lastActive = async (deviceId: string) =>
      (await api.get('/v1/me/devices', alice.token)).body?.find((d: any) => d.deviceId === deviceId)?.lastActiveAt as string | null | undefined;
    const connectedAt = await eventually(() => lastActive(alice.deviceId), (at) => typeof at === 'string');
    await first.close();
    // Once the first device's disconnect is recorded (after the presence grace), reads see it (they wait for their writes' projection).
    await eventually(() => lastActive(alice.deviceId), (at) => at !== connectedAt);
    const stillOnline = await api.get(`/v1/users/${alice.userId}/presence`, bob.token);
    expect(stillOnline.body).toMatchObject({ userId: alice.userId, online: true });

    await second.close();
    const offline = await eventually(() => api.get(`/v1/users/${alice.userId}/presence`, bob.token), (r) => r.body?.online === false);
    expect(isIso(offline.body.lastSeen), `lastSeen ${offline.body.lastSeen}`).toBe(true);
  });

  it('answers 404 for an unknown user', async () => {
    const alice = await registerUser(api);
    const result = await api.get('/v1/users/u-no-such-user/presence', alice.token);
    expect(result.status).toBe(404);
    expect(typeof result.body?.error?.code).toBe('string');
    expect((await api.get(`/v1/users/${alice.userId}/presence`)).status).toBe(401);
  });
});
