import { describe, expect, it } from 'vitest';
import {
  acknowledgeableSeq,
  decideGroupCommand,
  decideSendGroupMessage,
  DEFAULT_MAX_GROUP_MEMBERS,
  DomainError,
  DomainErrorKind,
  evolveGroup,
  GroupChange,
  GroupChanged,
  GroupCommand,
  GroupEvent,
  initialGroup,
  MessageSent,
  SendGroupMessage,
  sendersSeenBy,
} from '../src/index.js';
import { specify } from './given-when-then.js';

/**
 * The group aggregate: GroupChanged for every change, the invariants (only admins change the
 * group, the member limit, the last admin leaving, clear errors instead of duplicate events),
 * and group messages (only members send, recipients are the members at send time).
 */

const now = new Date('2026-11-24T12:00:00.000Z');
const at = now.toISOString();
const G = 'g1';
const MAX = 1024;

const group = specify(initialGroup, evolveGroup, decideGroupCommand);
const sending = specify(initialGroup, evolveGroup, decideSendGroupMessage);
const fold = (...events: GroupEvent[]) => events.reduce(evolveGroup, initialGroup());

// ---- past events ------------------------------------------------------------------------

const changed = (by: string, change: GroupChange, membersAfter: string[], atSeq = 0, when = at): GroupChanged => ({
  type: 'GroupChanged',
  data: { groupId: G, by, at: when, atSeq, change, membersAfter },
});

/** alice creates the group with the others as members. */
const created = (members: string[] = ['alice', 'bob', 'carol'], when = at): GroupChanged =>
  changed(
    members[0],
    {
      kind: 'created',
      name: 'Family',
      description: '',
      iconMediaId: null,
      members: members.map((userId, i) => ({ userId, role: i === 0 ? ('admin' as const) : ('member' as const) })),
    },
    members,
    0,
    when,
  );
const added = (by: string, userIds: string[], membersAfter: string[], atSeq = 0) => changed(by, { kind: 'members_added', userIds }, membersAfter, atSeq);
const removed = (by: string, userId: string, membersAfter: string[], atSeq = 0) => changed(by, { kind: 'member_removed', userId }, membersAfter, atSeq);
const left = (userId: string, membersAfter: string[], atSeq = 0) => changed(userId, { kind: 'member_left', userId }, membersAfter, atSeq);
const promoted = (by: string, userId: string, membersAfter: string[], atSeq = 0) => changed(by, { kind: 'admin_promoted', userId }, membersAfter, atSeq);
const demoted = (by: string, userId: string, membersAfter: string[], atSeq = 0) => changed(by, { kind: 'admin_demoted', userId }, membersAfter, atSeq);

const sent = (seq: number, senderId: string, recipientIds: string[], clientMsgId = `c${seq}`): MessageSent => ({
  type: 'MessageSent',
  data: {
    messageId: `m${seq}`, conversationId: G, conversationType: 'group', seq, senderId, senderDeviceId: `${senderId}-phone`,
    recipientIds, clientMsgId, kind: 'text', body: `message ${seq}`, mediaId: null, replyTo: null, forwardOf: null, forwardScore: 0, sentAt: at, expiresAt: null,
  },
});

// ---- commands ---------------------------------------------------------------------------

const actor = (by: string) => ({ groupId: G, by, now });
const create = (by: string, memberIds: string[], maxMembers = MAX): GroupCommand => ({ ...actor(by), type: 'CreateGroup', name: 'Family', memberIds, maxMembers });
const update = (by: string, fields: { name?: string; description?: string; iconMediaId?: string | null }): GroupCommand => ({ ...actor(by), type: 'UpdateGroup', ...fields });
const addMembers = (by: string, userIds: string[], maxMembers = MAX): GroupCommand => ({ ...actor(by), type: 'AddMembers', userIds, maxMembers });
const removeMember = (by: string, userId: string): GroupCommand => ({ ...actor(by), type: 'RemoveMember', userId });
const promote = (by: string, userId: string): GroupCommand => ({ ...actor(by), type: 'PromoteAdmin', userId });
const demote = (by: string, userId: string): GroupCommand => ({ ...actor(by), type: 'DemoteAdmin', userId });
const leave = (by: string): GroupCommand => ({ ...actor(by), type: 'LeaveGroup' });

const send = (senderId: string, overrides: Partial<SendGroupMessage> = {}): SendGroupMessage => ({
  groupId: G,
  conversationId: G,
  messageId: 'm-new',
  senderId,
  senderDeviceId: `${senderId}-phone`,
  clientMsgId: 'c-new',
  kind: 'text',
  body: 'hello group',
  mediaId: null,
  replyTo: null,
  forwardOf: null,
  now,
  ...overrides,
});

/** Runs `run` and checks it throws a DomainError of this kind (HTTP status) and code, returning it. */
function expectError(run: () => unknown, kind: DomainErrorKind, code: string): DomainError {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${kind}/${code}`).toBeInstanceOf(DomainError);
  expect({ kind: (thrown as DomainError).kind, code: (thrown as DomainError).code }).toEqual({ kind, code });
  return thrown as DomainError;
}

const ids = (n: number, prefix = 'u') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const sorted = (values: string[]) => [...values].sort();

// ---- specs ------------------------------------------------------------------------------

describe('creating a group', () => {
  it('appends GroupChanged created: the creator is a member and an admin, the others members', () => {
    group.given().when(create('alice', ['bob', 'carol'])).then([created(['alice', 'bob', 'carol'])]);
  });

  it('de-duplicates the member list and does not list the creator twice', () => {
    group.given().when(create('alice', ['bob', 'carol', 'bob', 'alice', 'carol'])).then([created(['alice', 'bob', 'carol'])]);
  });

  it('accepts a group of the creator alone', () => {
    group.given().when(create('alice', [])).then([created(['alice'])]);
  });

  it('allows exactly the member limit, the creator counted', () => {
    const events = group.given().when(create('alice', ids(2), 3)).result();
    expect(events).toHaveLength(1);
    expect(events[0].data.membersAfter).toEqual(['alice', 'u0', 'u1']);
    // Duplicates do not count against the limit.
    expect(group.given().when(create('alice', ['u0', 'u1', 'u0', 'alice'], 3)).result()[0].data.membersAfter).toHaveLength(3);
  });

  it('refuses one member over the limit with 413 too_many_members', () => {
    const error = expectError(() => decideGroupCommand(create('alice', ids(3), 3), initialGroup()), 'too_large', 'too_many_members');
    expect(error.details).toEqual({ maxMembers: 3 });
  });

  it('has a default limit of 1,024 members: 1,024 are allowed, 1,025 are not', () => {
    expect(DEFAULT_MAX_GROUP_MEMBERS).toBe(1024);
    const atLimit = group.given().when(create('alice', ids(1023), DEFAULT_MAX_GROUP_MEMBERS)).result();
    expect(atLimit[0].data.membersAfter).toHaveLength(1024);
    group.given().when(create('alice', ids(1024), DEFAULT_MAX_GROUP_MEMBERS)).thenThrows('too_many_members');
  });

  it('refuses to create a group that exists already', () => {
    expectError(() => decideGroupCommand(create('alice', ['bob']), fold(created())), 'conflict', 'group_exists');
  });

  it('a created group holds its name, members, roles and creation time', () => {
    const state = fold(created(['alice', 'bob', 'carol']));
    expect(state.exists).toBe(true);
    expect(state.name).toBe('Family');
    expect(state.description).toBe('');
    expect(state.iconMediaId).toBeNull();
    expect(state.createdAt).toBe(at);
    expect([...state.members].map(([id, m]) => [id, m.role, m.joinedAt])).toEqual([
      ['alice', 'admin', at],
      ['bob', 'member', at],
      ['carol', 'member', at],
    ]);
  });
});

describe('updating a group', () => {
  it('an admin changes the name, description and icon: updated carries only the given fields', () => {
    group.given(created()).when(update('alice', { name: 'Family 2' })).then([
      changed('alice', { kind: 'updated', name: 'Family 2' }, ['alice', 'bob', 'carol']),
    ]);
    group.given(created()).when(update('alice', { description: 'our group', iconMediaId: 'media-1' })).then([
      changed('alice', { kind: 'updated', description: 'our group', iconMediaId: 'media-1' }, ['alice', 'bob', 'carol']),
    ]);
  });

  it('null removes the icon', () => {
    group.given(created()).when(update('alice', { iconMediaId: null })).then([
      changed('alice', { kind: 'updated', iconMediaId: null }, ['alice', 'bob', 'carol']),
    ]);
  });

  it('an update changes only what it names', () => {
    const state = fold(
      created(),
      changed('alice', { kind: 'updated', description: 'd', iconMediaId: 'icon' }, ['alice', 'bob', 'carol']),
      changed('alice', { kind: 'updated', name: 'Renamed' }, ['alice', 'bob', 'carol']),
    );
    expect({ name: state.name, description: state.description, iconMediaId: state.iconMediaId }).toEqual({ name: 'Renamed', description: 'd', iconMediaId: 'icon' });
    const cleared = evolveGroup(state, changed('alice', { kind: 'updated', iconMediaId: null }, ['alice', 'bob', 'carol']));
    expect(cleared.iconMediaId).toBeNull();
    expect(cleared.name).toBe('Renamed');
  });

  it('a member who is not an admin may not: 403 not_an_admin', () => {
    expectError(() => decideGroupCommand(update('bob', { name: 'x' }), fold(created())), 'forbidden', 'not_an_admin');
  });

  it('a stranger may not: 403 not_a_member', () => {
    expectError(() => decideGroupCommand(update('mallory', { name: 'x' }), fold(created())), 'forbidden', 'not_a_member');
  });

  it('an unknown group: 404 group_not_found', () => {
    expectError(() => decideGroupCommand(update('alice', { name: 'x' }), initialGroup()), 'not_found', 'group_not_found');
  });

  it('a promoted admin may change the group; a demoted one no longer may', () => {
    group.given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])).when(update('bob', { name: 'by bob' })).then([
      changed('bob', { kind: 'updated', name: 'by bob' }, ['alice', 'bob', 'carol']),
    ]);
    group
      .given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol']), demoted('alice', 'bob', ['alice', 'bob', 'carol']))
      .when(update('bob', { name: 'by bob' }))
      .thenThrows('not_an_admin');
  });
});

describe('adding members', () => {
  it('an admin adds users: members_added, with membersAfter naming everyone', () => {
    group.given(created()).when(addMembers('alice', ['dave', 'erin'])).then([
      added('alice', ['dave', 'erin'], ['alice', 'bob', 'carol', 'dave', 'erin']),
    ]);
  });

  it('de-duplicates the user ids', () => {
    group.given(created()).when(addMembers('alice', ['dave', 'dave'])).then([added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'])]);
  });

  it('records the seq the member joins at, so they see only later messages', () => {
    group.given(created(), sent(1, 'alice', ['bob', 'carol']), sent(2, 'bob', ['alice', 'carol'])).when(addMembers('alice', ['dave'])).then([
      added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'], 2),
    ]);
  });

  it('adding someone who is a member already is 409 already_member naming them, and no event', () => {
    const error = expectError(() => decideGroupCommand(addMembers('alice', ['bob']), fold(created())), 'conflict', 'already_member');
    expect(error.details).toEqual({ userIds: ['bob'] });
    // Mixed with new users: still refused as a whole, nothing half-done.
    const mixed = expectError(() => decideGroupCommand(addMembers('alice', ['dave', 'carol', 'alice']), fold(created())), 'conflict', 'already_member');
    expect(mixed.details).toEqual({ userIds: ['carol', 'alice'] });
  });

  it('adding someone who was added earlier is already_member too', () => {
    group.given(created(), added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'])).when(addMembers('alice', ['dave'])).thenThrows('already_member');
  });

  it('a former member (removed or left) can be added again', () => {
    group.given(created(), removed('alice', 'bob', ['alice', 'carol'])).when(addMembers('alice', ['bob'])).then([
      added('alice', ['bob'], ['alice', 'carol', 'bob']),
    ]);
    group.given(created(), left('carol', ['alice', 'bob'])).when(addMembers('alice', ['carol'])).then([
      added('alice', ['carol'], ['alice', 'bob', 'carol']),
    ]);
  });

  it('allows filling the group to exactly the limit, and refuses one more with 413 too_many_members', () => {
    // 3 members, limit 5.
    const atLimit = group.given(created()).when(addMembers('alice', ['dave', 'erin'], 5)).result();
    expect(atLimit[0].data.membersAfter).toHaveLength(5);
    const error = expectError(() => decideGroupCommand(addMembers('alice', ['dave', 'erin', 'frank'], 5), fold(created())), 'too_large', 'too_many_members');
    expect(error.details).toEqual({ maxMembers: 5 });
    // A full group takes no one.
    group.given(created(), added('alice', ['dave', 'erin'], ['alice', 'bob', 'carol', 'dave', 'erin'])).when(addMembers('alice', ['frank'], 5)).thenThrows('too_many_members');
  });

  it('departed members do not count against the limit', () => {
    const events = group.given(created(), removed('alice', 'bob', ['alice', 'carol'])).when(addMembers('alice', ['dave', 'erin'], 4)).result();
    expect(events[0].data.membersAfter).toEqual(['alice', 'carol', 'dave', 'erin']);
  });

  it('with the default limit a group of 1,024 takes no one more', () => {
    const members = ['alice', ...ids(1023)];
    group.given(created(members)).when(addMembers('alice', ['one-more'], DEFAULT_MAX_GROUP_MEMBERS)).thenThrows('too_many_members');
    const almost = ['alice', ...ids(1022)];
    expect(group.given(created(almost)).when(addMembers('alice', ['last'], DEFAULT_MAX_GROUP_MEMBERS)).result()[0].data.membersAfter).toHaveLength(1024);
  });

  it('only admins add: a member gets 403 not_an_admin, a stranger 403 not_a_member, an unknown group 404', () => {
    expectError(() => decideGroupCommand(addMembers('bob', ['dave']), fold(created())), 'forbidden', 'not_an_admin');
    expectError(() => decideGroupCommand(addMembers('mallory', ['dave']), fold(created())), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(addMembers('alice', ['dave']), initialGroup()), 'not_found', 'group_not_found');
  });

  it('a joining member is recorded with the time and order of joining', () => {
    const later = added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave']);
    const state = fold(created(), { ...later, data: { ...later.data, at: '2026-11-25T08:00:00.000Z' } });
    expect(state.members.get('dave')).toEqual({ role: 'member', joinedAt: '2026-11-25T08:00:00.000Z', order: 3 });
  });
});

describe('removing a member', () => {
  it('an admin removes a member: member_removed, membersAfter without them, at the current seq', () => {
    group.given(created(), sent(1, 'bob', ['alice', 'carol'])).when(removeMember('alice', 'bob')).then([removed('alice', 'bob', ['alice', 'carol'], 1)]);
  });

  it('an admin may remove another admin', () => {
    group.given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])).when(removeMember('bob', 'alice')).then([removed('bob', 'alice', ['bob', 'carol'])]);
  });

  it('removing someone who is not a member is 404 not_a_member, and no event', () => {
    expectError(() => decideGroupCommand(removeMember('alice', 'mallory'), fold(created())), 'not_found', 'not_a_member');
  });

  it('removing someone removed already, or who left, is 404 not_a_member', () => {
    group.given(created(), removed('alice', 'bob', ['alice', 'carol'])).when(removeMember('alice', 'bob')).thenThrows('not_a_member');
    expectError(() => decideGroupCommand(removeMember('alice', 'carol'), fold(created(), left('carol', ['alice', 'bob']))), 'not_found', 'not_a_member');
  });

  it('only admins remove: a member gets 403 not_an_admin, a stranger 403 not_a_member, an unknown group 404', () => {
    expectError(() => decideGroupCommand(removeMember('bob', 'carol'), fold(created())), 'forbidden', 'not_an_admin');
    expectError(() => decideGroupCommand(removeMember('mallory', 'carol'), fold(created())), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(removeMember('alice', 'bob'), initialGroup()), 'not_found', 'group_not_found');
  });

  it('removing yourself is leaving', () => {
    group.given(created()).when(removeMember('bob', 'bob')).then([left('bob', ['alice', 'carol'])]);
    // Even for a non-admin, and the last admin removing themselves hands over admin.
    group.given(created()).when(removeMember('alice', 'alice')).then([left('alice', ['bob', 'carol']), promoted('alice', 'bob', ['bob', 'carol'])]);
  });

  it('a removed admin can no longer change the group', () => {
    group
      .given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol']), removed('alice', 'bob', ['alice', 'carol']))
      .when(update('bob', { name: 'x' }))
      .thenThrows('not_a_member');
  });

  it('the removed member leaves the members and is remembered with the last seq they may see', () => {
    const state = fold(created(), sent(1, 'alice', ['bob', 'carol']), removed('alice', 'bob', ['alice', 'carol'], 1), sent(2, 'alice', ['carol']));
    expect([...state.members.keys()]).toEqual(['alice', 'carol']);
    expect(state.departedAtSeq.get('bob')).toBe(1);
  });

  it('a receipt concerns the senders of the messages the member could see in its range', () => {
    const state = fold(
      created(),
      sent(1, 'alice', ['bob', 'carol']),
      removed('alice', 'bob', ['alice', 'carol'], 1),
      sent(2, 'carol', ['alice']),
      added('alice', ['bob'], ['alice', 'bob', 'carol'], 2),
      sent(3, 'carol', ['alice', 'bob']),
      sent(4, 'bob', ['alice', 'carol']),
    );
    expect(sendersSeenBy(state, 'bob', 0, 4).sort()).toEqual(['alice', 'carol']);
    // Message 2 came while bob was away: its sender is not told of bob's watermark.
    expect(sendersSeenBy(state, 'bob', 1, 2)).toEqual([]);
    expect(sendersSeenBy(state, 'bob', 3, 4)).toEqual([]);
    expect(sendersSeenBy(state, 'carol', 0, 2)).toEqual(['alice']);
  });
});

describe('promoting and demoting admins', () => {
  it('an admin promotes a member: admin_promoted', () => {
    group.given(created()).when(promote('alice', 'bob')).then([promoted('alice', 'bob', ['alice', 'bob', 'carol'])]);
    expect(fold(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])).members.get('bob')?.role).toBe('admin');
  });

  it('promoting an admin is 409 already_admin', () => {
    expectError(() => decideGroupCommand(promote('alice', 'alice'), fold(created())), 'conflict', 'already_admin');
    group.given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])).when(promote('alice', 'bob')).thenThrows('already_admin');
  });

  it('promoting a non-member is 404 not_a_member', () => {
    expectError(() => decideGroupCommand(promote('alice', 'mallory'), fold(created())), 'not_found', 'not_a_member');
    group.given(created(), left('bob', ['alice', 'carol'])).when(promote('alice', 'bob')).thenThrows('not_a_member');
  });

  it('only admins promote: a member gets 403 not_an_admin, a stranger 403 not_a_member, an unknown group 404', () => {
    expectError(() => decideGroupCommand(promote('bob', 'carol'), fold(created())), 'forbidden', 'not_an_admin');
    expectError(() => decideGroupCommand(promote('bob', 'bob'), fold(created())), 'forbidden', 'not_an_admin');
    expectError(() => decideGroupCommand(promote('mallory', 'bob'), fold(created())), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(promote('alice', 'bob'), initialGroup()), 'not_found', 'group_not_found');
  });

  it('an admin demotes another admin: admin_demoted', () => {
    const twoAdmins = [created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])];
    group.given(...twoAdmins).when(demote('alice', 'bob')).then([demoted('alice', 'bob', ['alice', 'bob', 'carol'])]);
    expect(fold(...twoAdmins, demoted('alice', 'bob', ['alice', 'bob', 'carol'])).members.get('bob')?.role).toBe('member');
  });

  it('an admin may demote themselves while another admin remains', () => {
    group.given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol'])).when(demote('alice', 'alice')).then([
      demoted('alice', 'alice', ['alice', 'bob', 'carol']),
    ]);
  });

  it('demoting a member who is not an admin is 409 not_an_admin', () => {
    expectError(() => decideGroupCommand(demote('alice', 'bob'), fold(created())), 'conflict', 'not_an_admin');
  });

  it('demoting the only admin is 409 last_admin', () => {
    expectError(() => decideGroupCommand(demote('alice', 'alice'), fold(created())), 'conflict', 'last_admin');
    // Two admins, one demoted: the other is the only one again.
    group
      .given(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol']), demoted('bob', 'alice', ['alice', 'bob', 'carol']))
      .when(demote('bob', 'bob'))
      .thenThrows('last_admin');
  });

  it('demoting a non-member is 404 not_a_member', () => {
    expectError(() => decideGroupCommand(demote('alice', 'mallory'), fold(created())), 'not_found', 'not_a_member');
  });

  it('only admins demote: a member gets 403 not_an_admin, a stranger 403 not_a_member, an unknown group 404', () => {
    const twoAdmins = fold(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol']));
    expectError(() => decideGroupCommand(demote('carol', 'bob'), twoAdmins), 'forbidden', 'not_an_admin');
    expectError(() => decideGroupCommand(demote('mallory', 'bob'), twoAdmins), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(demote('alice', 'bob'), initialGroup()), 'not_found', 'group_not_found');
  });
});

describe('leaving a group', () => {
  it('a member leaves: member_left, membersAfter without them, at the current seq', () => {
    group.given(created(), sent(1, 'alice', ['bob', 'carol']), sent(2, 'carol', ['alice', 'bob'])).when(leave('bob')).then([
      left('bob', ['alice', 'carol'], 2),
    ]);
  });

  it('an admin leaves while another admin remains: nobody is promoted', () => {
    group.given(created(), promoted('alice', 'carol', ['alice', 'bob', 'carol'])).when(leave('alice')).then([left('alice', ['bob', 'carol'])]);
  });

  it('the last admin leaving promotes the longest-standing member', () => {
    group.given(created(['alice', 'bob', 'carol'])).when(leave('alice')).then([
      left('alice', ['bob', 'carol']),
      promoted('alice', 'bob', ['bob', 'carol']),
    ]);
  });

  it('the longest-standing member, not the most recent one', () => {
    const history = [
      created(['alice', 'bob']),
      sent(1, 'alice', ['bob']),
      added('alice', ['carol'], ['alice', 'bob', 'carol'], 1),
      added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'], 1),
    ];
    group.given(...history).when(leave('alice')).then([
      left('alice', ['bob', 'carol', 'dave'], 1),
      promoted('alice', 'bob', ['bob', 'carol', 'dave'], 1),
    ]);
  });

  it('standing counts from the latest joining: a member who left and rejoined is behind those who stayed', () => {
    // bob was there first, but left and came back after carol and dave joined.
    const history = [
      created(['alice', 'bob']),
      added('alice', ['carol'], ['alice', 'bob', 'carol']),
      added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave']),
      left('bob', ['alice', 'carol', 'dave']),
      added('alice', ['bob'], ['alice', 'carol', 'dave', 'bob']),
    ];
    group.given(...history).when(leave('alice')).then([
      left('alice', ['carol', 'dave', 'bob']),
      promoted('alice', 'carol', ['carol', 'dave', 'bob']),
    ]);
    // Removed (rather than left) and re-added counts the same.
    const removedAndBack = [
      created(['alice', 'bob', 'carol']),
      removed('alice', 'bob', ['alice', 'carol']),
      added('alice', ['bob'], ['alice', 'carol', 'bob']),
    ];
    group.given(...removedAndBack).when(leave('alice')).then([left('alice', ['carol', 'bob']), promoted('alice', 'carol', ['carol', 'bob'])]);
  });

  it('after the hand-over the promoted member is the admin', () => {
    const [leaving, promotion] = decideGroupCommand(leave('alice'), fold(created()));
    const state = fold(created(), leaving, promotion);
    expect([...state.members].map(([id, m]) => [id, m.role])).toEqual([
      ['bob', 'admin'],
      ['carol', 'member'],
    ]);
    group.given(created(), leaving, promotion).when(addMembers('bob', ['dave'])).then([added('bob', ['dave'], ['bob', 'carol', 'dave'])]);
  });

  it('the last member leaving leaves an empty group: member_left only', () => {
    group.given(created(['alice'])).when(leave('alice')).then([left('alice', [])]);
    const empty = fold(created(['alice']), left('alice', []));
    expect(empty.members.size).toBe(0);
    expectError(() => decideSendGroupMessage(send('alice'), empty), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(addMembers('alice', ['alice']), empty), 'forbidden', 'not_a_member');
  });

  it('leaving a group one is not in is 403 not_a_member; an unknown group 404', () => {
    expectError(() => decideGroupCommand(leave('mallory'), fold(created())), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(leave('bob'), fold(created(), left('bob', ['alice', 'carol']))), 'forbidden', 'not_a_member');
    expectError(() => decideGroupCommand(leave('bob'), initialGroup()), 'not_found', 'group_not_found');
  });
});

describe('membersAfter: the audience of every change', () => {
  it('names the members after each kind of change (the removed or leaving member is named by the change)', () => {
    const state = () => fold(created(), promoted('alice', 'bob', ['alice', 'bob', 'carol']));
    const members = (command: GroupCommand) => decideGroupCommand(command, state()).map((e) => sorted(e.data.membersAfter));
    expect(members(update('alice', { name: 'x' }))).toEqual([['alice', 'bob', 'carol']]);
    expect(members(addMembers('alice', ['dave']))).toEqual([['alice', 'bob', 'carol', 'dave']]);
    expect(members(removeMember('alice', 'carol'))).toEqual([['alice', 'bob']]);
    expect(members(leave('carol'))).toEqual([['alice', 'bob']]);
    expect(members(promote('alice', 'carol'))).toEqual([['alice', 'bob', 'carol']]);
    expect(members(demote('alice', 'bob'))).toEqual([['alice', 'bob', 'carol']]);
    expect(decideGroupCommand(create('alice', ['bob']), initialGroup()).map((e) => e.data.membersAfter)).toEqual([['alice', 'bob']]);
  });

  it('every change is stamped with the actor, the time and the group', () => {
    const [event] = decideGroupCommand(addMembers('alice', ['dave']), fold(created()));
    expect(event.type).toBe('GroupChanged');
    expect(event.data).toMatchObject({ groupId: G, by: 'alice', at });
  });
});

describe('sending to a group', () => {
  it('a member sends: seq 1, to every other member at this moment', () => {
    sending.given(created()).when(send('bob')).then({
      events: [
        {
          type: 'MessageSent',
          data: {
            messageId: 'm-new', conversationId: G, conversationType: 'group', seq: 1, senderId: 'bob', senderDeviceId: 'bob-phone',
            recipientIds: ['alice', 'carol'], clientMsgId: 'c-new', kind: 'text', body: 'hello group', mediaId: null, replyTo: null,
            forwardOf: null, forwardScore: 0, sentAt: at, expiresAt: null,
          },
        },
      ],
      sent: { messageId: 'm-new', conversationId: G, seq: 1, sentAt: at },
    });
  });

  it('the recipients are the members at send time: joined ones included, departed ones not', () => {
    const decision = sending
      .given(
        created(['alice', 'bob', 'carol']),
        sent(1, 'alice', ['bob', 'carol']),
        added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'], 1),
        removed('alice', 'bob', ['alice', 'carol', 'dave'], 1),
        left('carol', ['alice', 'dave'], 1),
        added('alice', ['erin'], ['alice', 'dave', 'erin'], 1),
      )
      .when(send('dave'))
      .result();
    if (!('events' in decision)) throw new Error('expected a new message');
    expect(sorted(decision.events[0].data.recipientIds)).toEqual(['alice', 'erin']);
    expect(decision.sent.seq).toBe(2);
  });

  it('a member removed and added again receives again', () => {
    const decision = sending
      .given(created(), removed('alice', 'bob', ['alice', 'carol']), added('alice', ['bob'], ['alice', 'carol', 'bob']))
      .when(send('alice'))
      .result();
    expect('events' in decision && sorted(decision.events[0].data.recipientIds)).toEqual(['bob', 'carol']);
  });

  it('a removed member cannot send: 403 not_a_member', () => {
    const history = [created(), sent(1, 'bob', ['alice', 'carol']), removed('alice', 'bob', ['alice', 'carol'], 1)];
    expectError(() => decideSendGroupMessage(send('bob'), fold(...history)), 'forbidden', 'not_a_member');
  });

  it('a member who left cannot send; a stranger cannot send; an unknown group is 404', () => {
    expectError(() => decideSendGroupMessage(send('carol'), fold(created(), left('carol', ['alice', 'bob']))), 'forbidden', 'not_a_member');
    expectError(() => decideSendGroupMessage(send('mallory'), fold(created())), 'forbidden', 'not_a_member');
    expectError(() => decideSendGroupMessage(send('alice'), initialGroup()), 'not_found', 'group_not_found');
  });

  it('group changes take no seq: messages stay numbered 1, 2, 3 without gaps', () => {
    const decision = sending
      .given(
        created(),
        sent(1, 'alice', ['bob', 'carol']),
        changed('alice', { kind: 'updated', name: 'x' }, ['alice', 'bob', 'carol'], 1),
        added('alice', ['dave'], ['alice', 'bob', 'carol', 'dave'], 1),
        sent(2, 'dave', ['alice', 'bob', 'carol']),
      )
      .when(send('carol'))
      .result();
    expect('events' in decision && decision.sent.seq).toBe(3);
  });

  it('a repeated clientMsgId of the same sender is answered with the first result and no event', () => {
    sending.given(created(), sent(1, 'bob', ['alice', 'carol'], 'c-1'), sent(2, 'alice', ['bob', 'carol'])).when(send('bob', { clientMsgId: 'c-1' })).then({
      duplicateOf: { messageId: 'm1', conversationId: G, seq: 1, sentAt: at },
    });
  });

  it('the same clientMsgId from another member is a new message', () => {
    const decision = sending.given(created(), sent(1, 'bob', ['alice', 'carol'], 'c-1')).when(send('carol', { clientMsgId: 'c-1' })).result();
    expect('events' in decision && decision.sent.seq).toBe(2);
  });
});

describe('acknowledgeableSeq: how far a user may acknowledge', () => {
  const history = [
    created(['alice', 'bob', 'carol']),
    sent(1, 'alice', ['bob', 'carol']),
    sent(2, 'alice', ['bob', 'carol']),
    removed('alice', 'bob', ['alice', 'carol'], 2),
    sent(3, 'alice', ['carol']),
    left('carol', ['alice'], 3),
    added('alice', ['dave'], ['alice', 'dave'], 3),
    sent(4, 'alice', ['dave']),
    sent(5, 'dave', ['alice']),
  ];

  it('a member may acknowledge up to the last message', () => {
    expect(acknowledgeableSeq(fold(...history), 'alice')).toBe(5);
    expect(acknowledgeableSeq(fold(...history), 'dave')).toBe(5);
  });

  it('a departed member only up to their last message as a member (removed or left)', () => {
    expect(acknowledgeableSeq(fold(...history), 'bob')).toBe(2);
    expect(acknowledgeableSeq(fold(...history), 'carol')).toBe(3);
  });

  it('a member who rejoined may acknowledge up to the last message again', () => {
    expect(acknowledgeableSeq(fold(...history, added('alice', ['bob'], ['alice', 'dave', 'bob'], 5), sent(6, 'alice', ['dave', 'bob'])), 'bob')).toBe(6);
  });

  it('a stranger may not acknowledge: 403 not_a_member; an unknown group is 404', () => {
    expectError(() => acknowledgeableSeq(fold(...history), 'mallory'), 'forbidden', 'not_a_member');
    expectError(() => acknowledgeableSeq(initialGroup(), 'alice'), 'not_found', 'group_not_found');
  });
});
