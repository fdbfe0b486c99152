import type { SqlRunner } from '../../read-models/src/data-source.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { userIdForPhone } from '../../auth/src/user-id.js';
import { directConversationId, streams } from '../../domain/src/index.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { PeopleHandler } from '../src/people.handler.js';
import { UserDirectory } from '../src/user-directory.js';
import { eventsIn, fixedClock, noReadModel, NOW, readModel, RecordingEventStore, registerUsers } from './fixtures.js';

const ID_SECRET = 'id-secret';
const at = NOW.toISOString();

describe('PeopleHandler', () => {
  let store: RecordingEventStore;
  let aggregates: AggregateStore;
  const handler = (db: SqlRunner = noReadModel) => new PeopleHandler(aggregates, new UserDirectory(store, db), ID_SECRET, fixedClock);
  beforeEach(async () => {
    store = new RecordingEventStore();
    aggregates = new AggregateStore(store);
    await registerUsers(store, 'alice', 'bob');
  });

  describe('blocks', () => {
    const stream = streams.conversation(directConversationId('alice', 'bob'));

    it('records a block on the direct conversation between the two, once however often asked', async () => {
      await handler().block('alice', 'bob');
      await handler().block('alice', 'bob');
      expect(await eventsIn(store, stream)).toEqual([{ type: 'UserBlocked', data: { userId: 'alice', blockedUserId: 'bob', at } }]);
    });

    it('records an unblock only of a block that holds', async () => {
      await handler().unblock('alice', 'bob');
      await handler().block('alice', 'bob');
      await handler().unblock('alice', 'bob');
      expect((await eventsIn(store, stream)).map((e) => e.type)).toEqual(['UserBlocked', 'UserUnblocked']);
    });

    it('refuses to block an unknown user or oneself', async () => {
      await expect(handler().block('alice', 'nobody')).rejects.toMatchObject({ code: 'user_not_found' });
      await expect(handler().block('alice', 'alice')).rejects.toMatchObject({ code: 'cannot_block_self' });
      expect(store.appends.filter((a) => a.streamId.startsWith('conversation-'))).toEqual([]);
    });
  });

  it('records only the privacy settings that change', async () => {
    await handler().changePrivacy('alice', { readReceipts: true, lastSeen: 'contacts' });
    await handler().changePrivacy('alice', { lastSeen: 'contacts' });
    expect(await eventsIn(store, streams.privacy('alice'))).toEqual([
      { type: 'PrivacySettingsChanged', data: { userId: 'alice', settings: { lastSeen: 'contacts' }, at } },
    ]);
  });

  it('does not lose a settings change to a stale cache: it is decided against what another process wrote', async () => {
    const [here, elsewhere] = [handler(), new PeopleHandler(new AggregateStore(store), new UserDirectory(store, noReadModel), ID_SECRET, fixedClock)];
    await here.changePrivacy('alice', { readReceipts: false });
    await elsewhere.changePrivacy('alice', { readReceipts: true });
    await here.changePrivacy('alice', { readReceipts: false });

    expect((await store.readStream(streams.privacy('alice'))).map((e) => e.data.settings)).toEqual([
      { readReceipts: false },
      { readReceipts: true },
      { readReceipts: false },
    ]);
  });

  it('logs out a device the user has, and refuses one they do not', async () => {
    await store.append(streams.user('alice'), [{ type: 'DeviceLoggedIn', data: { userId: 'alice', deviceId: 'phone', deviceName: 'p', at } }], 1);
    await expect(handler().logOutDevice('alice', 'tablet')).rejects.toMatchObject({ code: 'device_not_found' });
    await handler().logOutDevice('alice', 'phone');
    await expect(handler().logOutDevice('alice', 'phone')).rejects.toMatchObject({ code: 'device_not_found' });
    expect((await eventsIn(store, streams.user('alice'))).map((e) => e.type)).toEqual(['UserRegistered', 'DeviceLoggedIn', 'DeviceLoggedOut']);
  });

  it('addresses a profile update to the audience the read model gives, and refuses an unregistered user', async () => {
    const db = readModel({ audience: ['bob', 'carol'] });
    await handler(db).updateProfile('alice', { displayName: 'Alice' });
    await expect(handler(db).updateProfile('nobody', { about: 'x' })).rejects.toMatchObject({ code: 'user_not_found' });

    expect(await eventsIn(store, streams.user('alice'))).toContainEqual({
      type: 'ProfileUpdated',
      data: { userId: 'alice', displayName: 'Alice', at, audience: ['bob', 'carol'] },
    });
    expect(await store.readStream(streams.user('nobody'))).toEqual([]);
  });

  describe('contact sync', () => {
    const phones = { carol: '+14155550123', dave: '+442079460958', stranger: '+14155550199' };
    const idOf = (phone: string) => userIdForPhone(phone, ID_SECRET);
    beforeEach(async () => {
      await registerUsers(store, idOf(phones.carol), idOf(phones.dave));
    });

    it('finds registered users by number, projected or only in the log, and adds them to the contacts', async () => {
      // carol is in the read model; dave registered a moment ago and is only in the log.
      const db = readModel({ projectedUsers: [idOf(phones.carol)] });
      const found = await handler(db).syncContacts('alice', [phones.carol, '+44 20 7946 0958', phones.stranger, 'not a number']);

      expect(found).toEqual([
        { phone: phones.carol, userId: idOf(phones.carol) },
        { phone: '+44 20 7946 0958', userId: idOf(phones.dave) },
      ]);
      expect(await eventsIn(store, streams.privacy('alice'))).toEqual([
        { type: 'ContactsSynced', data: { userId: 'alice', contactIds: [idOf(phones.carol), idOf(phones.dave)].sort(), at } },
      ]);
    });

    it('keeps earlier contacts, leaves out the caller, and records nothing when nothing is new', async () => {
      const db = readModel({});
      await handler(db).syncContacts(idOf(phones.carol), [phones.dave]);
      expect(await handler(db).syncContacts(idOf(phones.carol), [phones.carol])).toEqual([]);
      await handler(db).syncContacts(idOf(phones.carol), [phones.dave, phones.carol]);

      expect((await store.readStream(streams.privacy(idOf(phones.carol)))).map((e) => e.data.contactIds)).toEqual([[idOf(phones.dave)]]);
    });
  });
});
