import { beforeEach, describe, expect, it } from 'vitest';
import { GroupChanged, streams } from '../../domain/src/index.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { GroupCommandsHandler } from '../src/group-commands.handler.js';
import { PeopleHandler } from '../src/people.handler.js';
import { UserDirectory } from '../src/user-directory.js';
import { eventsIn, fixedClock, noReadModel, NOW, RecordingEventStore, registerUsers } from './fixtures.js';

describe('GroupCommandsHandler', () => {
  let store: RecordingEventStore;
  let groups: GroupCommandsHandler;
  let people: PeopleHandler;
  beforeEach(async () => {
    store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    const users = new UserDirectory(store, noReadModel);
    groups = new GroupCommandsHandler(aggregates, users, 3, fixedClock);
    people = new PeopleHandler(aggregates, users, 'id-secret', fixedClock);
    await registerUsers(store, 'alice', 'bob', 'carol', 'dave');
  });
  const changes = async (groupId: string) => (await eventsIn(store, streams.conversation(groupId))).map((e) => (e as GroupChanged).data);
  const groupAppends = () => store.appends.filter((a) => a.types.includes('GroupChanged'));

  it('creates a group with the creator as its admin, on the stream of a new group id', async () => {
    const { groupId, conversationId } = await groups.create('alice', 'friends', ['bob', 'bob', 'alice']);

    expect(conversationId).toBe(groupId);
    expect(await changes(groupId)).toEqual([
      {
        groupId,
        by: 'alice',
        at: NOW.toISOString(),
        atSeq: 0,
        change: { kind: 'created', name: 'friends', description: '', iconMediaId: null, members: [{ userId: 'alice', role: 'admin' }, { userId: 'bob', role: 'member' }] },
        membersAfter: ['alice', 'bob'],
      },
    ]);
    const second = await groups.create('alice', 'friends', ['bob']);
    expect(second.groupId).not.toBe(groupId);
  });

  it('refuses unknown users and more members than the limit, creating nothing', async () => {
    await expect(groups.create('alice', 'g', ['bob', 'nobody'])).rejects.toMatchObject({ code: 'user_not_found', details: { userIds: ['nobody'] } });
    await expect(groups.create('alice', 'g', ['bob', 'carol', 'dave'])).rejects.toMatchObject({ code: 'too_many_members' });
    expect(groupAppends()).toEqual([]);
  });

  it("respects each added user's groupAdd setting and blocks", async () => {
    await people.changePrivacy('bob', { groupAdd: 'nobody' });
    await people.changePrivacy('carol', { groupAdd: 'contacts' });
    await people.block('dave', 'alice');

    const refused = await groups.create('alice', 'g', ['bob', 'carol', 'dave']).catch((error: unknown) => error);

    expect(refused).toMatchObject({ code: 'group_add_not_allowed', details: { userIds: ['bob', 'carol', 'dave'] } });
    expect(groupAppends()).toEqual([]);
  });

  it("lets a user whose groupAdd is 'contacts' be added by a contact", async () => {
    await people.changePrivacy('carol', { groupAdd: 'contacts' });
    // Contacts are found by phone; write carol's contact list directly, as the contact sync would.
    await store.append(streams.privacy('carol'), [{ type: 'ContactsSynced', data: { userId: 'carol', contactIds: ['alice'], at: NOW.toISOString() } }], 1);

    const { groupId } = await groups.create('alice', 'g', ['carol']);
    await expect(groups.create('bob', 'g', ['carol'])).rejects.toMatchObject({ code: 'group_add_not_allowed' });
    expect((await changes(groupId))[0].membersAfter).toEqual(['alice', 'carol']);
  });

  it('checks added members like created ones, and only admins may add', async () => {
    const { groupId } = await groups.create('alice', 'g', ['bob']);
    await people.changePrivacy('carol', { groupAdd: 'nobody' });

    await expect(groups.change(groupId, 'alice', { type: 'AddMembers', userIds: ['nobody'] })).rejects.toMatchObject({ code: 'user_not_found' });
    await expect(groups.change(groupId, 'alice', { type: 'AddMembers', userIds: ['carol'] })).rejects.toMatchObject({ code: 'group_add_not_allowed' });
    await expect(groups.change(groupId, 'bob', { type: 'AddMembers', userIds: ['dave'] })).rejects.toMatchObject({ code: 'not_an_admin' });
    await groups.change(groupId, 'alice', { type: 'AddMembers', userIds: ['dave'] });

    expect((await changes(groupId)).map((c) => c.change.kind)).toEqual(['created', 'members_added']);
    expect((await changes(groupId))[1].membersAfter).toEqual(['alice', 'bob', 'dave']);
  });

  it('refuses a change to an id that is not a group without reading or writing anything', async () => {
    const [reads, appends] = [store.reads.length, store.appends.length];
    await expect(groups.change('d-direct', 'alice', { type: 'LeaveGroup' })).rejects.toMatchObject({ code: 'group_not_found' });
    expect([store.reads.length, store.appends.length]).toEqual([reads, appends]);
  });
});
