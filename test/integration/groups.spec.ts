import { randomBytes, randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, eventually, FeedClient, HttpResult, registerUser, sendText, TestUser } from '../support/client.js';
import { startTestSystem, TestSystem } from '../support/system.js';

/**
 * docs/protocol.md, "Groups" (with the group parts of "Sending", "Receipts" and the live feed), over
 * real HTTP and WebSockets: every route and error, membership over time in history, inbox and
 * feed, group changes on every member's feed, and per-member receipts.
 */

const GROUP_FRAME_KEYS = ['change', 'cursor', 'groupId', 'type'];
const MESSAGE_FRAME_KEYS = ['cursor', 'message', 'type'];
const MESSAGE_KEYS = ['body', 'conversationId', 'forwardOf', 'kind', 'mediaId', 'messageId', 'replyTo', 'senderId', 'sentAt', 'seq', 'status'];
const RECEIPT_FRAME_KEYS = ['at', 'conversationId', 'cursor', 'kind', 'type', 'upToSeq', 'userId'];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const unknownGroupId = () => `g${randomBytes(16).toString('hex')}`;
const byUserId = <T extends { userId: string }>(rows: T[]) => [...rows].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
const sorted = (values: string[]) => [...values].sort();

interface Sent {
  messageId: string;
  conversationId: string;
  seq: number;
  sentAt: string;
}

/** Everything a test needs against one running system. */
function harness(getSystem: () => TestSystem) {
  const sockets: FeedClient[] = [];
  const api = () => new Api(getSystem().baseUrl);

  const h = {
    sockets,
    api,
    async users(n: number): Promise<TestUser[]> {
      return Promise.all(Array.from({ length: n }, () => registerUser(api())));
    },
    async connect(user: TestUser, since?: string): Promise<FeedClient> {
      const socket = await FeedClient.connect(getSystem().wsUrl, user.token, since);
      sockets.push(socket);
      return socket;
    },
    create: (user: TestUser, body: unknown) => api().post('/v1/groups', body, user.token),
    async createGroup(owner: TestUser, members: TestUser[], name = 'Team'): Promise<string> {
      const result = await h.create(owner, { name, members: members.map((m) => m.userId) });
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      return result.body.groupId;
    },
    update: (user: TestUser, groupId: string, body: unknown) => api().request('PATCH', `/v1/groups/${groupId}`, body, user.token),
    add: (user: TestUser, groupId: string, userIds: string[]) => api().post(`/v1/groups/${groupId}/members`, { userIds }, user.token),
    remove: (user: TestUser, groupId: string, userId: string) => api().request('DELETE', `/v1/groups/${groupId}/members/${userId}`, undefined, user.token),
    promote: (user: TestUser, groupId: string, userId: string) => api().request('POST', `/v1/groups/${groupId}/admins/${userId}`, undefined, user.token),
    demote: (user: TestUser, groupId: string, userId: string) => api().request('DELETE', `/v1/groups/${groupId}/admins/${userId}`, undefined, user.token),
    leave: (user: TestUser, groupId: string) => api().request('POST', `/v1/groups/${groupId}/leave`, undefined, user.token),
    get: (user: TestUser, groupId: string) => api().get(`/v1/groups/${groupId}`, user.token),
    /** GET /v1/groups/{id} once the read model satisfies `done`. */
    async group(user: TestUser, groupId: string, done: (body: any) => boolean = () => true): Promise<any> {
      const result = await eventually(() => h.get(user, groupId), (r) => r.status === 200 && done(r.body));
      return result.body;
    },
    sendRaw: (user: TestUser, groupId: string, body: string, clientMsgId = `c-${randomInt(1e12)}`) =>
      api().post('/v1/messages', { clientMsgId, to: { groupId }, kind: 'text', body }, user.token),
    async send(user: TestUser, groupId: string, body: string, clientMsgId?: string): Promise<Sent> {
      const result = await h.sendRaw(user, groupId, body, clientMsgId);
      expect(result.status, JSON.stringify(result.body)).toBe(201);
      return result.body;
    },
    ack: (user: TestUser, conversationId: string, kind: 'delivered' | 'read', upToSeq: number) =>
      api().post(`/v1/conversations/${conversationId}/receipts`, { kind, upToSeq }, user.token),
    history: (user: TestUser, conversationId: string, query = '') => api().get(`/v1/conversations/${conversationId}/messages${query}`, user.token),
    /** The seqs of the viewer's history once `done` holds for them. */
    async seqs(user: TestUser, conversationId: string, done: (seqs: number[]) => boolean, query = ''): Promise<number[]> {
      const result = await eventually(
        () => h.history(user, conversationId, query),
        (r) => r.status === 200 && done(r.body.map((m: any) => m.seq)),
      );
      return result.body.map((m: any) => m.seq);
    },
    /** [seq, status] of the viewer's history once it holds `count` messages and `done` holds. */
    async statuses(user: TestUser, conversationId: string, count: number, done: (s: [number, string | null][]) => boolean = () => true) {
      const result = await eventually(
        () => h.history(user, conversationId),
        (r) => r.status === 200 && r.body.length === count && done(r.body.map((m: any) => [m.seq, m.status])),
      );
      return result.body.map((m: any) => [m.seq, m.status]) as [number, string | null][];
    },
    async inboxEntry(user: TestUser, conversationId: string, done: (entry: any) => boolean = () => true): Promise<any> {
      const result = await eventually(
        () => api().get('/v1/conversations', user.token),
        (r) => r.status === 200 && r.body.some((c: any) => c.conversationId === conversationId && done(c)),
      );
      return result.body.find((c: any) => c.conversationId === conversationId);
    },
    receipts: (user: TestUser, messageId: string) => api().get(`/v1/messages/${messageId}/receipts`, user.token),
    /** A direct message from `from` to `to`, awaited on `socket` (of `to`): everything appended before it has arrived. */
    async marker(from: TestUser, to: TestUser, socket: FeedClient): Promise<number> {
      const body = `marker-${randomInt(1e12)}`;
      await sendText(api(), from, to, body);
      await socket.waitFor(() => socket.ofType('message').some((f) => f.message.body === body));
      return socket.frames.findIndex((f) => f.type === 'message' && f.message.body === body);
    },
    async closeAll() {
      await Promise.all(sockets.map((s) => s.close()));
    },
  };
  return h;
}

function expectError(result: HttpResult, status: number, code: string) {
  expect({ status: result.status, code: result.body?.error?.code }, JSON.stringify(result.body)).toEqual({ status, code });
  expect(typeof result.body.error.message).toBe('string');
  expect('details' in result.body.error).toBe(true);
}

const groupFrames = (socket: FeedClient, groupId: string) => socket.ofType('group').filter((f) => f.groupId === groupId);
const groupKinds = (socket: FeedClient, groupId: string) => groupFrames(socket, groupId).map((f) => f.change.kind);
const groupMessages = (socket: FeedClient, groupId: string) => socket.ofType('message').filter((f) => f.message.conversationId === groupId);
const groupSeqs = (socket: FeedClient, groupId: string) => groupMessages(socket, groupId).map((f) => f.message.seq);
const receiptFrames = (socket: FeedClient, groupId: string) => socket.ofType('receipt').filter((f) => f.conversationId === groupId);
const waitKinds = (socket: FeedClient, groupId: string, count: number) => socket.waitFor(() => groupFrames(socket, groupId).length >= count);

function expectGroupFrame(frame: any, groupId: string, change: Record<string, unknown>) {
  expect(Object.keys(frame).sort()).toEqual(GROUP_FRAME_KEYS);
  expect(typeof frame.cursor).toBe('string');
  expect(frame.cursor.length).toBeGreaterThan(0);
  expect(frame.groupId).toBe(groupId);
  expect(frame.change.at).toMatch(ISO);
  expect(frame.change).toEqual({ ...change, at: frame.change.at });
}

let system: TestSystem;
const t = harness(() => system);

beforeAll(async () => {
  system = await startTestSystem();
});

afterAll(async () => {
  await t.closeAll();
  await system?.close();
});

describe('POST /v1/groups', () => {
  it('answers 201 {groupId, conversationId} (equal, starting with g); the creator is an admin, the others members', async () => {
    const [alice, bob, carol] = await t.users(3);
    const [aliceSocket, bobSocket, carolSocket] = await Promise.all([t.connect(alice), t.connect(bob), t.connect(carol)]);
    const before = Date.now();

    const result = await t.create(alice, { name: 'Hiking', members: [bob.userId, carol.userId] });
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(Object.keys(result.body).sort()).toEqual(['conversationId', 'groupId']);
    const { groupId } = result.body;
    expect(typeof groupId).toBe('string');
    expect(groupId.startsWith('g')).toBe(true);
    expect(result.body.conversationId).toBe(groupId);

    const group = await t.group(alice, groupId);
    expect(Object.keys(group).sort()).toEqual(['createdAt', 'description', 'groupId', 'iconMediaId', 'members', 'name']);
    expect(group).toMatchObject({ groupId, name: 'Hiking', description: '', iconMediaId: null });
    expect(group.createdAt).toMatch(ISO);
    expect(Date.parse(group.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(group.createdAt)).toBeLessThanOrEqual(Date.now() + 1000);
    expect(byUserId(group.members)).toEqual(
      byUserId([
        { userId: alice.userId, role: 'admin', joinedAt: group.createdAt },
        { userId: bob.userId, role: 'member', joinedAt: group.createdAt },
        { userId: carol.userId, role: 'member', joinedAt: group.createdAt },
      ]),
    );

    // Every member gets the `created` item on the feed.
    for (const socket of [aliceSocket, bobSocket, carolSocket]) {
      await waitKinds(socket, groupId, 1);
      const [frame] = groupFrames(socket, groupId);
      expectGroupFrame(frame, groupId, {
        kind: 'created', name: 'Hiking', description: '', iconMediaId: null,
        members: [{ userId: alice.userId, role: 'admin' }, { userId: bob.userId, role: 'member' }, { userId: carol.userId, role: 'member' }],
        by: alice.userId, at: group.createdAt,
      });
    }

    // The group is in every member's inbox, titled by its name, with no message yet.
    for (const user of [alice, bob, carol]) {
      const entry = await t.inboxEntry(user, groupId);
      expect(entry).toMatchObject({ conversationId: groupId, type: 'group', groupId, title: 'Hiking', lastMessage: null, unreadCount: 0, lastSeq: 0 });
      expect(entry.peerUserId).toBeUndefined();
    }
  });

  it('de-duplicates the members and does not list the creator twice', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob, bob, alice]);
    const group = await t.group(bob, groupId);
    expect(byUserId(group.members).map((m: any) => [m.userId, m.role])).toEqual(
      byUserId([{ userId: alice.userId, role: 'admin' }, { userId: bob.userId, role: 'member' }]).map((m) => [m.userId, m.role]),
    );
  });

  it('accepts a group of the creator alone', async () => {
    const [alice] = await t.users(1);
    const groupId = await t.createGroup(alice, []);
    const group = await t.group(alice, groupId);
    expect(group.members.map((m: any) => [m.userId, m.role])).toEqual([[alice.userId, 'admin']]);
  });

  it('refuses unknown user ids with 404 user_not_found, invalid bodies with 400, no token with 401; and creates nothing', async () => {
    const [alice, bob] = await t.users(2);
    const bobSocket = await t.connect(bob);
    const unknown = await t.create(alice, { name: 'x', members: [bob.userId, 'u-no-such-user'] });
    expectError(unknown, 404, 'user_not_found');

    for (const [body, field] of [
      [{ members: [bob.userId] }, 'name'],
      [{ name: '', members: [bob.userId] }, 'name'],
      [{ name: 42, members: [bob.userId] }, 'name'],
      [{ name: 'x' }, 'members'],
      [{ name: 'x', members: bob.userId }, 'members'],
      [{ name: 'x', members: [42] }, 'members'],
    ] as const) {
      const result = await t.create(alice, body);
      expect(result.status, `${JSON.stringify(body)} → ${JSON.stringify(result.body)}`).toBe(400);
      expect(JSON.stringify(result.body.error.details), `details should name ${field}`).toContain(`"${field}"`);
    }
    const anonymous = await t.api().post('/v1/groups', { name: 'x', members: [bob.userId] });
    expect(anonymous.status).toBe(401);

    // None of that made a group: bob's feed and inbox hold only the group made after.
    const later = await t.createGroup(alice, [bob], 'later');
    await waitKinds(bobSocket, later, 1);
    expect(bobSocket.ofType('group').map((f) => f.groupId)).toEqual([later]);
    const inbox = await eventually(
      () => t.api().get('/v1/conversations', bob.token),
      (r) => r.status === 200 && r.body.some((c: any) => c.conversationId === later),
    );
    expect(inbox.body.map((c: any) => c.conversationId)).toEqual([later]);
  });
});

describe('GET /v1/groups/{groupId}', () => {
  it('is for members only: 403 not_a_member for outsiders and removed members, 404 group_not_found for unknown ids, 401 without token', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    await t.group(bob, groupId);

    expectError(await t.get(outsider, groupId), 403, 'not_a_member');
    expectError(await t.get(alice, unknownGroupId()), 404, 'group_not_found');
    expectError(await t.get(alice, 'not-a-group-id'), 404, 'group_not_found');
    expect((await t.api().get(`/v1/groups/${groupId}`)).status).toBe(401);

    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    await eventually(() => t.get(carol, groupId), (r) => r.status !== 200);
    expectError(await t.get(carol, groupId), 403, 'not_a_member');
    const group = await t.group(bob, groupId);
    expect(sorted(group.members.map((m: any) => m.userId))).toEqual(sorted([alice.userId, bob.userId]));
  });
});

describe('PATCH /v1/groups/{groupId}', () => {
  it('lets an admin change name, description and icon: 200 {}, the group shows it and every member gets `updated`', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob], 'Before');
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);

    const renamed = await t.update(alice, groupId, { name: 'After' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toEqual({});
    const both = await t.update(alice, groupId, { description: 'our trips', iconMediaId: 'media-icon-1' });
    expect(both.status).toBe(200);
    expect(both.body).toEqual({});

    const group = await t.group(bob, groupId, (g) => g.iconMediaId === 'media-icon-1');
    expect(group).toMatchObject({ name: 'After', description: 'our trips', iconMediaId: 'media-icon-1' });
    expect((await t.inboxEntry(bob, groupId)).title).toBe('After');

    for (const socket of [aliceSocket, bobSocket]) {
      await waitKinds(socket, groupId, 2);
      const [first, second] = groupFrames(socket, groupId);
      expectGroupFrame(first, groupId, { kind: 'updated', name: 'After', by: alice.userId });
      expectGroupFrame(second, groupId, { kind: 'updated', description: 'our trips', iconMediaId: 'media-icon-1', by: alice.userId });
    }

    // null removes the icon and keeps the rest.
    expect((await t.update(alice, groupId, { iconMediaId: null })).status).toBe(200);
    const cleared = await t.group(alice, groupId, (g) => g.iconMediaId === null);
    expect(cleared).toMatchObject({ name: 'After', description: 'our trips', iconMediaId: null });
  });

  it('refuses non-admins (403 not_an_admin), outsiders (403 not_a_member), unknown groups (404), empty or invalid bodies (400), no token (401)', async () => {
    const [alice, bob, outsider] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob], 'Kept');
    const bobSocket = await t.connect(bob);

    expectError(await t.update(bob, groupId, { name: 'by bob' }), 403, 'not_an_admin');
    expectError(await t.update(outsider, groupId, { name: 'by outsider' }), 403, 'not_a_member');
    expectError(await t.update(alice, unknownGroupId(), { name: 'x' }), 404, 'group_not_found');
    expectError(await t.update(alice, 'not-a-group-id', { name: 'x' }), 404, 'group_not_found');
    expect((await t.update(alice, groupId, {})).status).toBe(400);
    for (const [body, field] of [
      [{ name: '' }, 'name'],
      [{ name: 7 }, 'name'],
      [{ description: 5 }, 'description'],
      [{ iconMediaId: 5 }, 'iconMediaId'],
    ] as const) {
      const result = await t.update(alice, groupId, body);
      expect(result.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(result.body.error.details)).toContain(`"${field}"`);
    }
    expect((await t.api().request('PATCH', `/v1/groups/${groupId}`, { name: 'x' })).status).toBe(401);

    // Nothing changed: no `updated` item reached bob before this one.
    expect((await t.update(alice, groupId, { description: 'marker' })).status).toBe(200);
    await waitKinds(bobSocket, groupId, 1);
    expect(groupFrames(bobSocket, groupId).map((f) => f.change)).toEqual([expect.objectContaining({ kind: 'updated', description: 'marker' })]);
    expect(groupFrames(bobSocket, groupId)[0].change.name).toBeUndefined();
    expect((await t.group(bob, groupId, (g) => g.description === 'marker')).name).toBe('Kept');
  });
});

describe('POST /v1/groups/{groupId}/members', () => {
  it('lets an admin add users: 200 {}, they are members from now, and everyone incl. the new members gets `members_added`', async () => {
    const [alice, bob, carol, dave] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob]);
    const sockets = await Promise.all([alice, bob, carol, dave].map((u) => t.connect(u)));
    const created = await t.group(alice, groupId);

    const result = await t.add(alice, groupId, [carol.userId, dave.userId, carol.userId]);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({});

    for (const socket of sockets) {
      await waitKinds(socket, groupId, 1);
      expect(groupFrames(socket, groupId)).toHaveLength(1);
      expectGroupFrame(groupFrames(socket, groupId)[0], groupId, { kind: 'members_added', userIds: [carol.userId, dave.userId], by: alice.userId });
    }
    const group = await t.group(dave, groupId);
    const joinedAt = groupFrames(sockets[0], groupId)[0].change.at;
    expect(byUserId(group.members)).toEqual(
      byUserId([
        { userId: alice.userId, role: 'admin', joinedAt: created.createdAt },
        { userId: bob.userId, role: 'member', joinedAt: created.createdAt },
        { userId: carol.userId, role: 'member', joinedAt },
        { userId: dave.userId, role: 'member', joinedAt },
      ]),
    );
  });

  it('refuses members already in (409 already_member), unknown users (404 user_not_found), non-admins, outsiders, unknown groups', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob]);
    const bobSocket = await t.connect(bob);

    expectError(await t.add(alice, groupId, [bob.userId]), 409, 'already_member');
    expectError(await t.add(alice, groupId, [carol.userId, alice.userId]), 409, 'already_member');
    expectError(await t.add(alice, groupId, ['u-no-such-user']), 404, 'user_not_found');
    expectError(await t.add(bob, groupId, [carol.userId]), 403, 'not_an_admin');
    expectError(await t.add(outsider, groupId, [carol.userId]), 403, 'not_a_member');
    expectError(await t.add(alice, unknownGroupId(), [carol.userId]), 404, 'group_not_found');
    expect((await t.api().post(`/v1/groups/${groupId}/members`, { userIds: 'x' }, alice.token)).status).toBe(400);
    expect((await t.api().post(`/v1/groups/${groupId}/members`, { userIds: [carol.userId] })).status).toBe(401);

    // No event from any of them: the next change is the first bob sees, and carol is not a member.
    expect((await t.update(alice, groupId, { description: 'marker' })).status).toBe(200);
    await waitKinds(bobSocket, groupId, 1);
    expect(groupKinds(bobSocket, groupId)).toEqual(['updated']);
    const group = await t.group(alice, groupId, (g) => g.description === 'marker');
    expect(sorted(group.members.map((m: any) => m.userId))).toEqual(sorted([alice.userId, bob.userId]));
  });
});

describe('DELETE /v1/groups/{groupId}/members/{userId}', () => {
  it('lets an admin remove a member: 200 {}, and every member, the removed one included, gets `member_removed`', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const sockets = await Promise.all([alice, bob, carol].map((u) => t.connect(u)));

    const result = await t.remove(alice, groupId, carol.userId);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({});
    for (const socket of sockets) {
      await waitKinds(socket, groupId, 1);
      expectGroupFrame(groupFrames(socket, groupId)[0], groupId, { kind: 'member_removed', userId: carol.userId, by: alice.userId });
    }
    const group = await t.group(alice, groupId, (g) => g.members.length === 2);
    expect(sorted(group.members.map((m: any) => m.userId))).toEqual(sorted([alice.userId, bob.userId]));
  });

  it('refuses non-members (404 not_a_member), non-admins (403 not_an_admin), outsiders (403 not_a_member), unknown groups (404)', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const bobSocket = await t.connect(bob);

    expectError(await t.remove(alice, groupId, outsider.userId), 404, 'not_a_member');
    expectError(await t.remove(bob, groupId, carol.userId), 403, 'not_an_admin');
    expectError(await t.remove(bob, groupId, alice.userId), 403, 'not_an_admin');
    expectError(await t.remove(outsider, groupId, carol.userId), 403, 'not_a_member');
    expectError(await t.remove(alice, unknownGroupId(), carol.userId), 404, 'group_not_found');
    expect((await t.api().request('DELETE', `/v1/groups/${groupId}/members/${carol.userId}`)).status).toBe(401);
    // Removed once, a second removal is a non-member.
    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    expectError(await t.remove(alice, groupId, carol.userId), 404, 'not_a_member');

    await waitKinds(bobSocket, groupId, 1);
    expect((await t.update(alice, groupId, { description: 'marker' })).status).toBe(200);
    await waitKinds(bobSocket, groupId, 2);
    expect(groupKinds(bobSocket, groupId)).toEqual(['member_removed', 'updated']);
  });

  it('removing yourself is leaving: `member_left`', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);
    const result = await t.remove(bob, groupId, bob.userId);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({});
    for (const socket of [aliceSocket, bobSocket]) {
      await waitKinds(socket, groupId, 1);
      expectGroupFrame(groupFrames(socket, groupId)[0], groupId, { kind: 'member_left', userId: bob.userId, by: bob.userId });
    }
    expectError(await eventually(() => t.get(bob, groupId), (r) => r.status !== 200), 403, 'not_a_member');
  });
});

describe('POST and DELETE /v1/groups/{groupId}/admins/{userId}', () => {
  it('promotes and demotes: 200 {}, the role shows, every member gets `admin_promoted` / `admin_demoted`, and the new admin may change the group', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const sockets = await Promise.all([alice, bob, carol].map((u) => t.connect(u)));

    const promoted = await t.promote(alice, groupId, bob.userId);
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect(promoted.body).toEqual({});
    const asAdmin = await t.group(carol, groupId, (g) => g.members.find((m: any) => m.userId === bob.userId)?.role === 'admin');
    expect(byUserId(asAdmin.members).map((m: any) => [m.userId, m.role])).toEqual(
      byUserId([{ userId: alice.userId, role: 'admin' }, { userId: bob.userId, role: 'admin' }, { userId: carol.userId, role: 'member' }]).map((m) => [m.userId, m.role]),
    );
    // Bob is an admin now, and he may demote alice.
    const demoted = await t.demote(bob, groupId, alice.userId);
    expect(demoted.status, JSON.stringify(demoted.body)).toBe(200);
    expect(demoted.body).toEqual({});
    expectError(await t.update(alice, groupId, { name: 'x' }), 403, 'not_an_admin');
    expect((await t.update(bob, groupId, { name: 'by bob' })).status).toBe(200);

    for (const socket of sockets) {
      await waitKinds(socket, groupId, 3);
      const [p, d] = groupFrames(socket, groupId);
      expectGroupFrame(p, groupId, { kind: 'admin_promoted', userId: bob.userId, by: alice.userId });
      expectGroupFrame(d, groupId, { kind: 'admin_demoted', userId: alice.userId, by: bob.userId });
    }
    const after = await t.group(alice, groupId, (g) => g.name === 'by bob');
    expect(byUserId(after.members).map((m: any) => m.role)).toEqual(
      byUserId([{ userId: alice.userId, role: 'member' }, { userId: bob.userId, role: 'admin' }, { userId: carol.userId, role: 'member' }]).map((m) => m.role),
    );
  });

  it('refuses: promote an admin 409 already_admin, a non-member 404 not_a_member; demote a non-admin 409 not_an_admin, the only admin 409 last_admin; non-admins 403', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const bobSocket = await t.connect(bob);

    expectError(await t.promote(alice, groupId, alice.userId), 409, 'already_admin');
    expectError(await t.promote(alice, groupId, outsider.userId), 404, 'not_a_member');
    expectError(await t.promote(bob, groupId, carol.userId), 403, 'not_an_admin');
    expectError(await t.promote(outsider, groupId, carol.userId), 403, 'not_a_member');
    expectError(await t.promote(alice, unknownGroupId(), bob.userId), 404, 'group_not_found');
    expectError(await t.demote(alice, groupId, bob.userId), 409, 'not_an_admin');
    expectError(await t.demote(alice, groupId, alice.userId), 409, 'last_admin');
    expectError(await t.demote(alice, groupId, outsider.userId), 404, 'not_a_member');
    expectError(await t.demote(bob, groupId, alice.userId), 403, 'not_an_admin');
    expectError(await t.demote(outsider, groupId, alice.userId), 403, 'not_a_member');
    expectError(await t.demote(alice, unknownGroupId(), alice.userId), 404, 'group_not_found');
    expect((await t.api().request('POST', `/v1/groups/${groupId}/admins/${bob.userId}`)).status).toBe(401);
    expect((await t.api().request('DELETE', `/v1/groups/${groupId}/admins/${alice.userId}`)).status).toBe(401);

    // With a second admin, the first may demote themselves.
    expect((await t.promote(alice, groupId, bob.userId)).status).toBe(200);
    expectError(await t.promote(alice, groupId, bob.userId), 409, 'already_admin');
    expect((await t.demote(alice, groupId, alice.userId)).status).toBe(200);
    expectError(await t.demote(bob, groupId, bob.userId), 409, 'last_admin');

    await waitKinds(bobSocket, groupId, 2);
    expect((await t.update(bob, groupId, { description: 'marker' })).status).toBe(200);
    await waitKinds(bobSocket, groupId, 3);
    expect(groupKinds(bobSocket, groupId)).toEqual(['admin_promoted', 'admin_demoted', 'updated']);
  });
});

describe('POST /v1/groups/{groupId}/leave', () => {
  it('any member leaves: 200 {}, everyone incl. the leaver gets `member_left`, and the leaver is no member any more', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const sockets = await Promise.all([alice, bob, carol].map((u) => t.connect(u)));
    const result = await t.leave(carol, groupId);
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(result.body).toEqual({});
    for (const socket of sockets) {
      await waitKinds(socket, groupId, 1);
      expectGroupFrame(groupFrames(socket, groupId)[0], groupId, { kind: 'member_left', userId: carol.userId, by: carol.userId });
    }
    expectError(await t.leave(carol, groupId), 403, 'not_a_member');
    expectError(await t.sendRaw(carol, groupId, 'still here?'), 403, 'not_a_member');
    const group = await t.group(alice, groupId, (g) => g.members.length === 2);
    expect(sorted(group.members.map((m: any) => m.userId))).toEqual(sorted([alice.userId, bob.userId]));
  });

  it('refuses outsiders (403 not_a_member), unknown groups (404), no token (401)', async () => {
    const [alice, outsider] = await t.users(2);
    const groupId = await t.createGroup(alice, []);
    expectError(await t.leave(outsider, groupId), 403, 'not_a_member');
    expectError(await t.leave(alice, unknownGroupId()), 404, 'group_not_found');
    expect((await t.api().request('POST', `/v1/groups/${groupId}/leave`)).status).toBe(401);
  });

  it('the last admin leaving promotes the longest-standing member, not the one who rejoined nor the newest', async () => {
    const [alice, bob, carol, dave] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob]);
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    expect((await t.add(alice, groupId, [dave.userId])).status).toBe(200);
    // Bob was there first, but leaves and is added again: now he joined last.
    expect((await t.leave(bob, groupId)).status).toBe(200);
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    const sockets = await Promise.all([bob, carol, dave].map((u) => t.connect(u)));
    const aliceSocket = await t.connect(alice);

    expect((await t.leave(alice, groupId)).status).toBe(200);
    for (const socket of sockets) {
      await waitKinds(socket, groupId, 2);
      const [leftFrame, promotedFrame] = groupFrames(socket, groupId);
      expectGroupFrame(leftFrame, groupId, { kind: 'member_left', userId: alice.userId, by: alice.userId });
      expectGroupFrame(promotedFrame, groupId, { kind: 'admin_promoted', userId: carol.userId, by: alice.userId });
    }
    await waitKinds(aliceSocket, groupId, 1);
    expect(groupFrames(aliceSocket, groupId)[0].change).toMatchObject({ kind: 'member_left', userId: alice.userId });

    const group = await t.group(carol, groupId, (g) => g.members.some((m: any) => m.role === 'admin'));
    expect(byUserId(group.members).map((m: any) => [m.userId, m.role])).toEqual(
      byUserId([
        { userId: bob.userId, role: 'member' },
        { userId: carol.userId, role: 'admin' },
        { userId: dave.userId, role: 'member' },
      ]).map((m) => [m.userId, m.role]),
    );
    expect((await t.add(carol, groupId, [alice.userId])).status).toBe(200);
    expectError(await t.add(bob, groupId, [alice.userId]), 403, 'not_an_admin');
  });

  it('the last member leaving leaves an empty group nobody can act in', async () => {
    const [alice] = await t.users(1);
    const groupId = await t.createGroup(alice, []);
    expect((await t.leave(alice, groupId)).status).toBe(200);
    expectError(await t.sendRaw(alice, groupId, 'anyone?'), 403, 'not_a_member');
    expectError(await t.update(alice, groupId, { name: 'x' }), 403, 'not_a_member');
  });
});

describe('sending to a group', () => {
  it('over HTTP: 201 with the group as conversationId; every connected member gets the frame, the sender’s devices too, outsiders not', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const aliceLaptop = await registerUser(t.api(), alice.phone, 'alice laptop');
    const groupId = await t.createGroup(alice, [bob, carol]);
    const [alicePhone, laptop, bobSocket, carolSocket, outsiderSocket] = await Promise.all(
      [alice, aliceLaptop, bob, carol, outsider].map((u) => t.connect(u)),
    );

    const result = await t.sendRaw(alice, groupId, 'hello team', 'c-group-1');
    expect(result.status, JSON.stringify(result.body)).toBe(201);
    expect(Object.keys(result.body).sort()).toEqual(['conversationId', 'messageId', 'sentAt', 'seq']);
    expect(result.body).toMatchObject({ conversationId: groupId, seq: 1 });
    const sent: Sent = result.body;

    const expected = {
      messageId: sent.messageId, conversationId: groupId, seq: 1, senderId: alice.userId, kind: 'text', body: 'hello team',
      mediaId: null, replyTo: null, forwardOf: null, sentAt: sent.sentAt,
    };
    for (const [socket, status] of [[alicePhone, 'sent'], [laptop, 'sent'], [bobSocket, null], [carolSocket, null]] as const) {
      await socket.waitFor(() => groupMessages(socket, groupId).length === 1);
      const [frame] = groupMessages(socket, groupId);
      expect(Object.keys(frame).sort()).toEqual(MESSAGE_FRAME_KEYS);
      expect(Object.keys(frame.message).sort()).toEqual(MESSAGE_KEYS);
      expect(frame.message).toEqual({ ...expected, status });
    }
    await t.marker(bob, outsider, outsiderSocket);
    expect(groupMessages(outsiderSocket, groupId)).toEqual([]);

    // History: the same message for every member, status for the sender only.
    const [forAlice] = (await eventually(() => t.history(alice, groupId), (r) => r.status === 200 && r.body.length === 1)).body;
    expect(forAlice).toEqual({ ...expected, status: 'sent' });
    const [forBob] = (await eventually(() => t.history(bob, groupId), (r) => r.status === 200 && r.body.length === 1)).body;
    expect(forBob).toEqual({ ...expected, status: null });
    expect((await t.history(outsider, groupId)).status).toBe(403);

    // Inbox: last message for every member, unread for the others.
    const entry = await t.inboxEntry(bob, groupId, (c) => c.lastMessage !== null);
    expect(entry).toMatchObject({
      type: 'group', groupId, title: 'Team', unreadCount: 1, lastSeq: 1,
      lastMessage: { messageId: sent.messageId, seq: 1, senderId: alice.userId, kind: 'text', body: 'hello team', sentAt: sent.sentAt },
    });
    expect((await t.inboxEntry(alice, groupId, (c) => c.lastMessage !== null)).unreadCount).toBe(0);
  });

  it('over the socket: `sent` answers; members get the frames in seq order; a repeated clientMsgId appends nothing', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);

    for (let i = 1; i <= 5; i++) aliceSocket.send({ type: 'send', clientMsgId: `ws-${i}`, to: { groupId }, kind: 'text', body: `ws ${i}` });
    const sentFrames = await aliceSocket.nextOfType('sent', 5);
    for (const frame of sentFrames) {
      expect(Object.keys(frame).sort()).toEqual(['clientMsgId', 'conversationId', 'messageId', 'sentAt', 'seq', 'type']);
      expect(frame.conversationId).toBe(groupId);
    }
    expect(sentFrames.map((f) => f.seq as number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5]);
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 5);
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 2, 3, 4, 5]);

    // The same clientMsgId again, over HTTP and over the socket: the first answer, nothing appended.
    const first = sentFrames.find((f) => f.clientMsgId === 'ws-1');
    const again = await t.sendRaw(alice, groupId, 'ws 1', 'ws-1');
    expect([200, 201]).toContain(again.status);
    expect(again.body).toEqual({ messageId: first.messageId, conversationId: groupId, seq: first.seq, sentAt: first.sentAt });
    aliceSocket.send({ type: 'send', clientMsgId: 'ws-2', to: { groupId }, kind: 'text', body: 'ws 2' });
    await aliceSocket.nextOfType('sent', 6);
    const second = sentFrames.find((f) => f.clientMsgId === 'ws-2');
    expect(aliceSocket.ofType('sent')[5]).toEqual(second);
    expect((await t.send(alice, groupId, 'next')).seq).toBe(6);
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length >= 6);
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses outsiders (403) and unknown groups (404), over HTTP and the socket', async () => {
    const [alice, outsider] = await t.users(2);
    const groupId = await t.createGroup(alice, []);
    expectError(await t.sendRaw(outsider, groupId, 'let me in'), 403, 'not_a_member');
    expectError(await t.sendRaw(alice, unknownGroupId(), 'anyone?'), 404, 'group_not_found');

    const socket = await t.connect(outsider);
    socket.send({ type: 'send', clientMsgId: 'ws-outsider', to: { groupId }, kind: 'text', body: 'let me in' });
    const [error] = await socket.nextOfType('error');
    expect(error).toMatchObject({ type: 'error', clientMsgId: 'ws-outsider', error: { code: 'not_a_member' } });
    expect((await t.send(alice, groupId, 'first')).seq).toBe(1);
  });
});

describe('membership over time', () => {
  it('a member added after messages 1..3 sees none of them: history, inbox and feed (also on reconnect with an older cursor)', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const carolLive = await t.connect(carol);
    await sendText(t.api(), helper, carol, 'before the group');
    const [oldFrame] = await carolLive.nextOfType('message');
    const oldCursor: string = oldFrame.cursor;

    const groupId = await t.createGroup(alice, [bob]);
    const m1 = await t.send(alice, groupId, 'one');
    await t.send(bob, groupId, 'two');
    await t.send(alice, groupId, 'three');
    expect((await t.add(alice, groupId, [carol.userId])).status).toBe(200);
    await waitKinds(carolLive, groupId, 1);
    expect(groupKinds(carolLive, groupId)).toEqual(['members_added']);
    await t.group(carol, groupId);

    // History: nothing before joining.
    expect((await t.history(carol, groupId)).body).toEqual([]);
    expect((await t.history(carol, groupId, '?afterSeq=0')).body).toEqual([]);
    // Inbox: the group is there, with no last message and nothing unread.
    const entry = await t.inboxEntry(carol, groupId);
    expect(entry).toMatchObject({ conversationId: groupId, type: 'group', groupId, title: 'Team', lastMessage: null, unreadCount: 0 });
    // Receipts of message 1: its recipients were the members at send time only.
    const receipts = await t.receipts(alice, m1.messageId);
    expect(receipts.status).toBe(200);
    expect(receipts.body).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: [bob.userId] });

    const m4 = await t.send(bob, groupId, 'four');
    await carolLive.waitFor(() => groupMessages(carolLive, groupId).length >= 1);
    expect(await t.seqs(carol, groupId, (s) => s.length > 0)).toEqual([4]);
    expect((await t.history(carol, groupId, '?beforeSeq=4')).body).toEqual([]);
    const after = await t.inboxEntry(carol, groupId, (c) => c.lastMessage !== null);
    expect(after).toMatchObject({ unreadCount: 1, lastMessage: { messageId: m4.messageId, seq: 4, senderId: bob.userId, body: 'four' } });

    // Feed, live: only message 4. Reconnect with a cursor from before joining: the same, nothing older.
    await t.marker(helper, carol, carolLive);
    expect(groupSeqs(carolLive, groupId)).toEqual([4]);
    const replay = await t.connect(carol, oldCursor);
    const markerIndex = await t.marker(helper, carol, replay);
    const replayed = replay.frames.slice(0, markerIndex).filter((f) => ['group', 'message', 'receipt'].includes(f.type));
    expect(replayed.map((f) => (f.type === 'message' ? `message:${f.message.conversationId === groupId ? f.message.seq : 'direct'}` : `${f.type}:${f.change?.kind ?? f.kind}`))).toEqual([
      'group:members_added',
      'message:4',
      'message:direct',
    ]);
  });

  it('a removed member sees the messages up to the removal and none after: history, inbox, feed (live and on reconnect), and gets the item of their own removal', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const bobLive = await t.connect(bob);
    await sendText(t.api(), helper, bob, 'before the group');
    const [oldFrame] = await bobLive.nextOfType('message');
    const oldCursor: string = oldFrame.cursor;

    const groupId = await t.createGroup(alice, [bob, carol]);
    await t.send(alice, groupId, 'one');
    const m2 = await t.send(carol, groupId, 'two');
    await bobLive.waitFor(() => groupMessages(bobLive, groupId).length === 2);

    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await bobLive.waitFor(() => groupFrames(bobLive, groupId).length === 2);
    const removal = groupFrames(bobLive, groupId)[1];
    expectGroupFrame(removal, groupId, { kind: 'member_removed', userId: bob.userId, by: alice.userId });

    await t.send(alice, groupId, 'three');
    await t.send(carol, groupId, 'four');
    expect(await t.seqs(alice, groupId, (s) => s.length === 4)).toEqual([1, 2, 3, 4]);
    await t.marker(helper, bob, bobLive);
    expect(groupSeqs(bobLive, groupId)).toEqual([1, 2]);

    // History.
    expect(await t.seqs(bob, groupId, () => true)).toEqual([1, 2]);
    expect((await t.history(bob, groupId, '?afterSeq=2')).body).toEqual([]);
    expect((await t.history(bob, groupId, '?afterSeq=0')).body.map((m: any) => m.body)).toEqual(['one', 'two']);
    // Inbox: frozen at the removal.
    const entry = await t.inboxEntry(bob, groupId);
    expect(entry).toMatchObject({ type: 'group', groupId, unreadCount: 2, lastMessage: { messageId: m2.messageId, seq: 2, senderId: carol.userId, body: 'two' } });

    // Feed on reconnect from before the group: the group's items for bob up to the removal, nothing after.
    const replay = await t.connect(bob, oldCursor);
    const markerIndex = await t.marker(helper, bob, replay);
    const replayed = replay.frames.slice(0, markerIndex).filter((f) => f.type === 'group' || f.type === 'message');
    const label = (f: any) => (f.type === 'group' ? `group:${f.change.kind}` : f.message.conversationId === groupId ? `message:${f.message.seq}` : 'direct');
    expect(replayed.map(label)).toEqual([
      'group:created',
      'message:1',
      'message:2',
      'group:member_removed',
      'direct', // the first marker, sent above
    ]);
    // From the cursor of the removal: nothing of the group.
    const fromRemoval = await t.connect(bob, removal.cursor);
    const index = await t.marker(helper, bob, fromRemoval);
    expect(fromRemoval.frames.slice(0, index).filter((f) => f.type === 'group' || f.message?.conversationId === groupId)).toEqual([]);
  });

  it('a removed member’s send is refused with 403 not_a_member (HTTP and socket) and appends nothing', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    await t.send(bob, groupId, 'while a member');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    const aliceSocket = await t.connect(alice);

    expectError(await t.sendRaw(bob, groupId, 'after removal'), 403, 'not_a_member');
    const bobSocket = await t.connect(bob);
    bobSocket.send({ type: 'send', clientMsgId: 'ws-removed', to: { groupId }, kind: 'text', body: 'after removal' });
    const [error] = await bobSocket.nextOfType('error');
    expect(error).toMatchObject({ type: 'error', clientMsgId: 'ws-removed', error: { code: 'not_a_member' } });

    expect((await t.send(alice, groupId, 'next')).seq).toBe(2);
    await aliceSocket.waitFor(() => groupMessages(aliceSocket, groupId).length === 1);
    expect(groupMessages(aliceSocket, groupId).map((f) => f.message.body)).toEqual(['next']);
    expect((await eventually(() => t.history(alice, groupId), (r) => r.body.length === 2)).body.map((m: any) => m.body)).toEqual(['while a member', 'next']);
  });

  it('a member removed and added again sees what was sent while a member, not what was sent in between', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const bobSocket = await t.connect(bob);
    await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    const m3 = await t.send(alice, groupId, 'three');
    await bobSocket.waitFor(() => groupSeqs(bobSocket, groupId).includes(3));
    expect(groupSeqs(bobSocket, groupId)).toEqual([1, 3]);
    expect(await t.seqs(bob, groupId, (s) => s.includes(3))).toEqual([1, 3]);
    expect((await t.inboxEntry(bob, groupId, (c) => c.lastMessage?.seq === 3)).lastMessage.messageId).toBe(m3.messageId);
    expect((await t.receipts(alice, m3.messageId)).body.pending).toEqual([bob.userId]);
  });

  it('being added again acknowledges nothing for the member: the sender still sees the earlier message as sent, and it stays unread', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    await t.send(alice, groupId, 'three');
    expect(await t.seqs(bob, groupId, (s) => s.includes(3))).toEqual([1, 3]);

    // Bob never acknowledged message 1: no watermark of his covers it.
    expect(await t.statuses(alice, groupId, 3), "alice's ticks").toEqual([[1, 'sent'], [2, 'sent'], [3, 'sent']]);
    expect((await t.receipts(alice, m1.messageId)).body).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: [bob.userId] });
    expect((await t.inboxEntry(bob, groupId, (c) => c.lastMessage?.seq === 3)).unreadCount, "bob's unread: messages 1 and 3").toBe(2);
  });

  it('a member removed before any message and added again sees the messages after rejoining', async () => {
    const [alice, bob] = await t.users(2);
    const groupId = await t.createGroup(alice, [bob]);
    expect((await t.remove(alice, groupId, bob.userId)).status).toBe(200);
    expect((await t.add(alice, groupId, [bob.userId])).status).toBe(200);
    const bobSocket = await t.connect(bob);
    const m1 = await t.send(alice, groupId, 'one');
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 1);
    await t.group(bob, groupId, (g) => g.members.length === 2);

    const history = await eventually(() => t.history(bob, groupId), (r) => r.status === 200 && r.body.length > 0, 3_000).catch(() => t.history(bob, groupId));
    expect(history.body.map((m: any) => m.seq), 'bob is a member again and should see message 1').toEqual([1]);
    expect((await t.inboxEntry(bob, groupId)).unreadCount).toBe(1);
    expect((await t.receipts(alice, m1.messageId)).body.pending).toEqual([bob.userId]);
  });
});

describe('every member receives every change', () => {
  it('on each member’s feed, the removed and the leaving member included, in order', async () => {
    const [alice, bob, carol, dave] = await t.users(4);
    const sockets = await Promise.all([alice, bob, carol, dave].map((u) => t.connect(u)));
    const [aliceSocket, bobSocket, carolSocket, daveSocket] = sockets;

    const groupId = await t.createGroup(alice, [bob, carol], 'Changes');
    expect((await t.update(alice, groupId, { name: 'Changed' })).status).toBe(200);
    expect((await t.add(alice, groupId, [dave.userId])).status).toBe(200);
    expect((await t.promote(alice, groupId, bob.userId)).status).toBe(200);
    expect((await t.demote(bob, groupId, bob.userId)).status).toBe(200);
    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    expect((await t.leave(dave, groupId)).status).toBe(200);

    const all = ['created', 'updated', 'members_added', 'admin_promoted', 'admin_demoted', 'member_removed', 'member_left'];
    await waitKinds(aliceSocket, groupId, 7);
    await waitKinds(bobSocket, groupId, 7);
    expect(groupKinds(aliceSocket, groupId)).toEqual(all);
    expect(groupKinds(bobSocket, groupId)).toEqual(all);
    expect(groupFrames(aliceSocket, groupId)).toEqual(groupFrames(bobSocket, groupId));
    // carol up to and including her removal; dave from his joining up to and including his leaving.
    for (const [socket, user] of [[carolSocket, carol], [daveSocket, dave]] as const) await t.marker(alice, user, socket);
    expect(groupKinds(carolSocket, groupId)).toEqual(all.slice(0, 6));
    expect(groupKinds(daveSocket, groupId)).toEqual(all.slice(2));

    const changes = groupFrames(aliceSocket, groupId).map((f) => f.change);
    for (const change of changes) expect(change.at).toMatch(ISO);
    expect(changes.map(({ at: _at, ...rest }: any) => rest)).toEqual([
      {
        kind: 'created', name: 'Changes', description: '', iconMediaId: null, by: alice.userId,
        members: [{ userId: alice.userId, role: 'admin' }, { userId: bob.userId, role: 'member' }, { userId: carol.userId, role: 'member' }],
      },
      { kind: 'updated', name: 'Changed', by: alice.userId },
      { kind: 'members_added', userIds: [dave.userId], by: alice.userId },
      { kind: 'admin_promoted', userId: bob.userId, by: alice.userId },
      { kind: 'admin_demoted', userId: bob.userId, by: bob.userId },
      { kind: 'member_removed', userId: carol.userId, by: alice.userId },
      { kind: 'member_left', userId: dave.userId, by: dave.userId },
    ]);
    // The same cursors for everyone who got an item.
    expect(groupFrames(carolSocket, groupId).map((f) => f.cursor)).toEqual(groupFrames(aliceSocket, groupId).slice(0, 6).map((f) => f.cursor));
    expect(groupFrames(daveSocket, groupId).map((f) => f.cursor)).toEqual(groupFrames(aliceSocket, groupId).slice(2).map((f) => f.cursor));
  });
});

describe('receipts in groups', () => {
  it('per-member watermarks: the sender sees delivered (read) only once every recipient at send time has delivered (read); GET receipts says who', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const aliceSocket = await t.connect(alice);
    const m1 = await t.send(alice, groupId, 'one');
    const m2 = await t.send(alice, groupId, 'two');
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'sent'], [2, 'sent']]);

    const receiptsOf = async (messageId: string) => {
      const result = await t.receipts(alice, messageId);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect(Object.keys(result.body).sort()).toEqual(['delivered', 'messageId', 'pending', 'read']);
      return { ...result.body, pending: sorted(result.body.pending) };
    };
    expect(await receiptsOf(m1.messageId)).toEqual({ messageId: m1.messageId, delivered: [], read: [], pending: sorted([bob.userId, carol.userId]) });

    // Bob has both: still only "sent" for alice, carol has not.
    expect((await t.ack(bob, groupId, 'delivered', 2)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 1);
    const bobDelivered = receiptFrames(aliceSocket, groupId)[0];
    expect(Object.keys(bobDelivered).sort()).toEqual(RECEIPT_FRAME_KEYS);
    expect(bobDelivered).toMatchObject({ type: 'receipt', conversationId: groupId, userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    expect(bobDelivered.at).toMatch(ISO);
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'sent'], [2, 'sent']]);
    for (const m of [m1, m2]) {
      expect(await receiptsOf(m.messageId)).toEqual({ messageId: m.messageId, delivered: [{ userId: bob.userId, at: bobDelivered.at }], read: [], pending: [carol.userId] });
    }

    // Carol has message 1: it is delivered, message 2 is not.
    expect((await t.ack(carol, groupId, 'delivered', 1)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 2);
    const carolDelivered = receiptFrames(aliceSocket, groupId)[1];
    expect(carolDelivered).toMatchObject({ userId: carol.userId, kind: 'delivered', upToSeq: 1 });
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'delivered'], [2, 'sent']]);
    const r1 = await receiptsOf(m1.messageId);
    expect(byUserId(r1.delivered)).toEqual(byUserId([{ userId: bob.userId, at: bobDelivered.at }, { userId: carol.userId, at: carolDelivered.at }]));
    expect(r1).toMatchObject({ read: [], pending: [] });
    expect(await receiptsOf(m2.messageId)).toMatchObject({ delivered: [{ userId: bob.userId, at: bobDelivered.at }], read: [], pending: [carol.userId] });

    // Carol reads both (read implies delivered): both delivered, none read, bob has not read.
    expect((await t.ack(carol, groupId, 'read', 2)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).some((f) => f.kind === 'read'));
    expect(await t.statuses(alice, groupId, 2)).toEqual([[1, 'delivered'], [2, 'delivered']]);
    const carolRead = receiptFrames(aliceSocket, groupId).find((f) => f.kind === 'read');
    expect(carolRead).toMatchObject({ userId: carol.userId, upToSeq: 2 });
    const r2 = await receiptsOf(m2.messageId);
    expect(byUserId(r2.delivered).map((d: any) => d.userId)).toEqual(sorted([bob.userId, carol.userId]));
    expect(r2.read).toEqual([{ userId: carol.userId, at: carolRead.at }]);
    expect(r2.pending).toEqual([]);
    // Message 1: carol's delivery was her first receipt; its time does not move.
    expect(byUserId((await receiptsOf(m1.messageId)).delivered)).toEqual(byUserId(r1.delivered));

    // Bob reads message 1: read for alice; message 2 stays delivered.
    expect((await t.ack(bob, groupId, 'read', 1)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[0][1] === 'read')).toEqual([[1, 'read'], [2, 'delivered']]);
    const bobRead = (await t.receipts(alice, m1.messageId)).body.read.find((r: any) => r.userId === bob.userId);
    expect(bobRead?.at).toMatch(ISO);
    expect(byUserId((await receiptsOf(m1.messageId)).read)).toEqual(byUserId([{ userId: carol.userId, at: carolRead.at }, { userId: bob.userId, at: bobRead.at }]));
    expect((await t.ack(bob, groupId, 'read', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[1][1] === 'read')).toEqual([[1, 'read'], [2, 'read']]);
    // The recipients see no status on others' messages.
    expect(await t.statuses(bob, groupId, 2)).toEqual([[1, null], [2, null]]);
  });

  it('GET /v1/messages/{id}/receipts: the sender and members may ask; outsiders 403, unknown ids 404, no token 401', async () => {
    const [alice, bob, carol, outsider] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const m1 = await t.send(alice, groupId, 'one');
    await t.seqs(alice, groupId, (s) => s.length === 1);
    const expected = { messageId: m1.messageId, delivered: [], read: [], pending: sorted([bob.userId, carol.userId]) };
    for (const user of [alice, bob, carol]) {
      const result = await t.receipts(user, m1.messageId);
      expect(result.status, JSON.stringify(result.body)).toBe(200);
      expect({ ...result.body, pending: sorted(result.body.pending) }).toEqual(expected);
    }
    const forbidden = await t.receipts(outsider, m1.messageId);
    expect(forbidden.status, JSON.stringify(forbidden.body)).toBe(403);
    expect(typeof forbidden.body.error.code).toBe('string');
    const unknown = await t.receipts(alice, 'no-such-message');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('message_not_found');
    expect((await t.api().get(`/v1/messages/${m1.messageId}/receipts`)).status).toBe(401);
  });

  it('receipt frames go to the acknowledging member and the senders whose messages the watermark newly covers, not to other members', async () => {
    const [alice, bob, carol, helper] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const [aliceSocket, bobSocket, carolSocket] = await Promise.all([alice, bob, carol].map((u) => t.connect(u)));
    await t.send(alice, groupId, 'from alice');
    await t.send(carol, groupId, 'from carol');
    await bobSocket.waitFor(() => groupMessages(bobSocket, groupId).length === 2);

    // Bob acknowledges over the socket: alice's message 1 only.
    bobSocket.send({ type: 'receipt', conversationId: groupId, kind: 'delivered', upToSeq: 1 });
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length === 1);
    await bobSocket.waitFor(() => receiptFrames(bobSocket, groupId).length === 1);
    expect(receiptFrames(aliceSocket, groupId)[0]).toMatchObject({ userId: bob.userId, kind: 'delivered', upToSeq: 1 });
    expect(receiptFrames(bobSocket, groupId)[0]).toEqual(receiptFrames(aliceSocket, groupId)[0]);
    await t.marker(helper, carol, carolSocket);
    expect(receiptFrames(carolSocket, groupId)).toEqual([]);

    // Then up to 2: newly covers only carol's message.
    bobSocket.send({ type: 'receipt', conversationId: groupId, kind: 'delivered', upToSeq: 2 });
    await carolSocket.waitFor(() => receiptFrames(carolSocket, groupId).length === 1);
    expect(receiptFrames(carolSocket, groupId)[0]).toMatchObject({ userId: bob.userId, kind: 'delivered', upToSeq: 2 });
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId).map((f) => f.upToSeq)).toEqual([1]);
    expect(bobSocket.ofType('error')).toEqual([]);
    expect(await t.statuses(carol, groupId, 2)).toEqual([[1, null], [2, 'sent']]);
  });

  it('a member added later acknowledges from the join point: senders of earlier messages get no receipt frame', async () => {
    const [alice, bob, dave, helper] = await t.users(4);
    const groupId = await t.createGroup(alice, [bob]);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);
    await t.send(alice, groupId, 'one');
    await t.send(alice, groupId, 'two');
    expect((await t.add(alice, groupId, [dave.userId])).status).toBe(200);
    const m3 = await t.send(bob, groupId, 'three');

    expect((await t.ack(dave, groupId, 'delivered', 3)).status).toBe(202);
    await bobSocket.waitFor(() => receiptFrames(bobSocket, groupId).length === 1);
    expect(receiptFrames(bobSocket, groupId)[0]).toMatchObject({ userId: dave.userId, kind: 'delivered', upToSeq: 3 });
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId), 'dave’s watermark newly covers only message 3 (bob’s)').toEqual([]);
    // Alice's messages still wait for bob only; message 3 for alice.
    expect(await t.statuses(alice, groupId, 3)).toEqual([[1, 'sent'], [2, 'sent'], [3, null]]);
    expect((await t.receipts(bob, m3.messageId)).body).toEqual({
      messageId: m3.messageId, delivered: [{ userId: dave.userId, at: receiptFrames(bobSocket, groupId)[0].at }], read: [], pending: [alice.userId],
    });
  });

  it('a member removed after a message still counts for it; they may acknowledge up to their removal', async () => {
    const [alice, bob, carol] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob, carol]);
    const m1 = await t.send(alice, groupId, 'one');
    expect((await t.remove(alice, groupId, carol.userId)).status).toBe(200);
    await t.send(alice, groupId, 'two');
    expect((await t.ack(bob, groupId, 'delivered', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[1][1] === 'delivered')).toEqual([[1, 'sent'], [2, 'delivered']]);
    expect((await t.receipts(alice, m1.messageId)).body.pending).toEqual([carol.userId]);

    // Carol acknowledges beyond what she saw: only up to her removal counts.
    expect((await t.ack(carol, groupId, 'read', 2)).status).toBe(202);
    expect(await t.statuses(alice, groupId, 2, (s) => s[0][1] !== 'sent')).toEqual([[1, 'delivered'], [2, 'delivered']]);
    const receipts = await t.receipts(alice, m1.messageId);
    expect(receipts.body.pending).toEqual([]);
    expect(receipts.body.read.map((r: any) => r.userId)).toEqual([carol.userId]);
  });

  it('500 messages acknowledged at once are one receipt frame per kind on the sender’s socket', async () => {
    const [alice, bob, helper] = await t.users(3);
    const groupId = await t.createGroup(alice, [bob]);
    const aliceSocket = await t.connect(alice);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, i) => t.send(alice, groupId, `bulk ${batch * 50 + i}`)));
    }
    await aliceSocket.waitFor(() => groupMessages(aliceSocket, groupId).length === 500, 30_000);
    expect(groupSeqs(aliceSocket, groupId)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));

    expect((await t.ack(bob, groupId, 'read', 500)).status).toBe(202);
    await aliceSocket.waitFor(() => receiptFrames(aliceSocket, groupId).length >= 2);
    await t.marker(helper, alice, aliceSocket);
    expect(receiptFrames(aliceSocket, groupId).map((f) => [f.userId, f.kind, f.upToSeq])).toEqual([
      [bob.userId, 'delivered', 500],
      [bob.userId, 'read', 500],
    ]);
    const newest = await eventually(() => t.history(alice, groupId, '?limit=200'), (r) => r.body.every((m: any) => m.status === 'read'));
    expect(newest.body).toHaveLength(200);
    const oldest = await t.history(alice, groupId, '?afterSeq=0&limit=200');
    expect(oldest.body.map((m: any) => m.status)).toEqual(Array(200).fill('read'));
  });
});

describe('GROUP_MAX_MEMBERS', () => {
  let small: TestSystem;
  const s = harness(() => small);

  beforeAll(async () => {
    small = await startTestSystem({ GROUP_MAX_MEMBERS: '3' });
  });

  afterAll(async () => {
    await s.closeAll();
    await small?.close();
  });

  it('allows exactly the limit (creator counted) and answers 413 too_many_members beyond, on create and on add', async () => {
    const [alice, bob, carol, dave] = await s.users(4);
    expectError(await s.create(alice, { name: 'big', members: [bob.userId, carol.userId, dave.userId] }), 413, 'too_many_members');
    const full = await s.createGroup(alice, [bob, carol]);
    expect((await s.group(alice, full)).members).toHaveLength(3);
    expectError(await s.add(alice, full, [dave.userId]), 413, 'too_many_members');

    const two = await s.createGroup(alice, [bob]);
    expectError(await s.add(alice, two, [carol.userId, dave.userId]), 413, 'too_many_members');
    expect((await s.add(alice, two, [carol.userId])).status).toBe(200);

    // Room again after a removal.
    expect((await s.remove(alice, full, carol.userId)).status).toBe(200);
    expect((await s.add(alice, full, [dave.userId])).status).toBe(200);
    const group = await s.group(alice, full, (g) => g.members.some((m: any) => m.userId === dave.userId));
    expect(sorted(group.members.map((m: any) => m.userId))).toEqual(sorted([alice.userId, bob.userId, dave.userId]));
  });
});

describe('who may add me to groups', () => {
  const api = () => new Api(system.baseUrl);
  const privacy = (user: TestUser, settings: unknown) => api().request('PATCH', '/v1/me/privacy', settings, user.token);

  it('nobody: neither creating a group with them nor adding them is allowed (403 naming them); everyone again: both are', async () => {
    const [alice, bob, carol] = await t.users(3);
    expect((await privacy(bob, { groupAdd: 'nobody' })).status).toBe(200);
    const refused = await t.create(alice, { name: 'no', members: [bob.userId, carol.userId] });
    expectError(refused, 403, 'group_add_not_allowed');
    expect(refused.body.error.details).toEqual({ userIds: [bob.userId] });
    const group = await t.createGroup(alice, [carol]);
    expectError(await t.add(alice, group, [bob.userId]), 403, 'group_add_not_allowed');
    expect((await privacy(bob, { groupAdd: 'everyone' })).status).toBe(200);
    expect((await t.add(alice, group, [bob.userId])).status).toBe(200);
  });

  it('contacts: only someone in their address book may add them', async () => {
    const [alice, bob, carol] = await t.users(3);
    expect((await privacy(bob, { groupAdd: 'contacts' })).status).toBe(200);
    expect((await api().post('/v1/contacts/sync', { phones: [alice.phone] }, bob.token)).status).toBe(200);
    expect((await t.create(alice, { name: 'ok', members: [bob.userId] })).status).toBe(201);
    expectError(await t.create(carol, { name: 'no', members: [bob.userId] }), 403, 'group_add_not_allowed');
  });

  it('someone they blocked never can, whatever the setting', async () => {
    const [alice, bob] = await t.users(2);
    expect((await api().post(`/v1/users/${alice.userId}/block`, {}, bob.token)).status).toBe(200);
    expectError(await t.create(alice, { name: 'no', members: [bob.userId] }), 403, 'group_add_not_allowed');
  });

  it('GET /v1/me shows the setting', async () => {
    const [alice] = await t.users(1);
    expect((await api().get('/v1/me', alice.token)).body.privacy.groupAdd).toBe('everyone');
    await privacy(alice, { groupAdd: 'contacts' });
    expect((await api().get('/v1/me', alice.token)).body.privacy.groupAdd).toBe('contacts');
  });
});
