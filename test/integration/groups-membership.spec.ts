import { describe, expect, it } from 'vitest';
import { eventually, TestUser } from '../support/client.js';
import { expectError } from '../support/expect.js';
import { byUserId, expectGroupFrame, groupFrames, groupHarness, groupKinds, sorted, unknownGroupId, waitKinds } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** Groups (docs/protocol.md): adding and removing members, leaving, and who may add someone at all. */

const t = groupHarness(useTestSystem());

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

describe('who may add me to groups', () => {
  const api = t.api;
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
