import { describe, expect, it } from 'vitest';
import { eventually } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { byUserId, expectGroupFrame, groupFrames, groupHarness, ISO, sorted, unknownGroupId, waitKinds } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';
import { uploadedPhoto } from '../support/media.js';

/** Groups (docs/protocol.md): creating a group, reading it and changing its name, description and icon. */

const t = groupHarness(useTestSystem());

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
    const icon = await uploadedPhoto(t.api().baseUrl, alice.token);
    const [aliceSocket, bobSocket] = await Promise.all([t.connect(alice), t.connect(bob)]);

    const renamed = await t.update(alice, groupId, { name: 'After' });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toEqual({});
    const both = await t.update(alice, groupId, { description: 'our trips', iconMediaId: icon });
    expect(both.status).toBe(200);
    expect(both.body).toEqual({});

    const group = await t.group(bob, groupId, (g) => g.iconMediaId === icon);
    expect(group).toMatchObject({ name: 'After', description: 'our trips', iconMediaId: icon });
    expect((await t.inboxEntry(bob, groupId)).title).toBe('After');

    for (const socket of [aliceSocket, bobSocket]) {
      await waitKinds(socket, groupId, 2);
      const [first, second] = groupFrames(socket, groupId);
      expectGroupFrame(first, groupId, { kind: 'updated', name: 'After', by: alice.userId });
      expectGroupFrame(second, groupId, { kind: 'updated', description: 'our trips', iconMediaId: icon, by: alice.userId });
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
