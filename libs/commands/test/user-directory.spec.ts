import { describe, expect, it } from 'vitest';
import { streams } from '../../domain/src/index.js';
import { UserDirectory } from '../src/user-directory.js';
import { noReadModel, NOW, readModel, RecordingEventStore, registerUsers } from './fixtures.js';

describe('UserDirectory', () => {
  it('asserts existence from the users\' own streams, without the read model, naming every unknown id', async () => {
    const store = new RecordingEventStore();
    await registerUsers(store, 'alice', 'bob');
    const users = new UserDirectory(store, noReadModel);

    await users.assertExist(['alice', 'bob', 'alice']);
    await expect(users.assertExist(['alice', 'x', 'y'])).rejects.toMatchObject({ kind: 'not_found', code: 'user_not_found', details: { userIds: ['x', 'y'] } });
  });

  it('does not count a stream without a registration as a user', async () => {
    const store = new RecordingEventStore();
    await store.append(streams.user('ghost'), [{ type: 'DeviceLoggedOut', data: { userId: 'ghost', deviceId: 'd', at: NOW.toISOString() } }], 0);
    await expect(new UserDirectory(store, noReadModel).assertExist(['ghost'])).rejects.toMatchObject({ code: 'user_not_found' });
  });

  it('reads a registered user\'s stream once; an unknown one every time, so a later registration is seen', async () => {
    const store = new RecordingEventStore();
    await registerUsers(store, 'alice');
    const users = new UserDirectory(store, noReadModel);

    await users.assertExist(['alice']);
    await users.assertExist(['alice']);
    await expect(users.assertExist(['bob'])).rejects.toMatchObject({ code: 'user_not_found' });
    await registerUsers(store, 'bob');
    await users.assertExist(['bob']);

    expect(store.reads.map((r) => r.streamId)).toEqual([streams.user('alice'), streams.user('bob'), streams.user('bob')]);
  });

  it('finds the registered among ids: the read model answers for the projected, the log for the rest', async () => {
    const store = new RecordingEventStore();
    await registerUsers(store, 'projected', 'just-registered');
    const users = new UserDirectory(store, readModel({ projectedUsers: ['projected'] }));

    const registered = await users.registered(['projected', 'just-registered', 'nobody']);

    expect([...registered].sort()).toEqual(['just-registered', 'projected']);
    expect(store.reads.map((r) => r.streamId).sort()).toEqual([streams.user('just-registered'), streams.user('nobody')]);
  });
});
