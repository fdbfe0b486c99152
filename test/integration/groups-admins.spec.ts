import { describe, expect, it } from 'vitest';
import { expectError } from '../support/expect.js';
import { byUserId, expectGroupFrame, groupFrames, groupHarness, groupKinds, sorted, unknownGroupId, waitKinds } from '../support/groups.js';
import { useTestSystem } from '../support/harness.js';

/** Groups (docs/protocol.md): promoting and demoting admins, and the member limit. */

const t = groupHarness(useTestSystem());

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

describe('GROUP_MAX_MEMBERS', () => {
  const s = groupHarness(useTestSystem({ GROUP_MAX_MEMBERS: '3' }));

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
