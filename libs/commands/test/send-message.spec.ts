import { beforeEach, describe, expect, it } from 'vitest';
import { directConversationId, MessageSent, sendClaim, streams } from '../../domain/src/index.js';
import { InMemoryEventLog } from '../../event-store/src/memory/in-memory-event-store.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { GroupCommandsHandler } from '../src/group-commands.handler.js';
import { NO_MEDIA, SendMessageHandler, SendMessageInput } from '../src/send-message.handler.js';
import { UserDirectory } from '../src/user-directory.js';
import { eventsIn, fixedClock, noReadModel, NOW, RecordingEventStore, registerUsers } from './fixtures.js';

const alice = { userId: 'alice', deviceId: 'alice-phone' };
const text = (clientMsgId: string, to: SendMessageInput['to'], body = 'hello'): SendMessageInput => ({ clientMsgId, to, kind: 'text', body });
const directStream = (a: string, b: string) => streams.conversation(directConversationId(a, b));

/** One command-side process on a shared log; the read model is never consulted on these paths. */
function process(log: InMemoryEventLog) {
  const store = new RecordingEventStore(log);
  const aggregates = new AggregateStore(store);
  const users = new UserDirectory(store, noReadModel);
  return { store, send: new SendMessageHandler(aggregates, users, NO_MEDIA, fixedClock), groups: new GroupCommandsHandler(aggregates, users, 10, fixedClock) };
}

describe('SendMessageHandler', () => {
  let log: InMemoryEventLog;
  let store: RecordingEventStore;
  let handler: SendMessageHandler;
  let groups: GroupCommandsHandler;
  beforeEach(async () => {
    log = new InMemoryEventLog();
    ({ store, send: handler, groups } = process(log));
    await registerUsers(store, 'alice', 'bob', 'carol');
  });
  const messagesIn = async (streamId: string) => (await eventsIn(store, streamId)).filter((e): e is MessageSent => e.type === 'MessageSent');

  it('appends a MessageSent to the direct conversation, numbered and dated by the clock', async () => {
    const first = await handler.send(alice, text('c1', { userId: 'bob' }));
    const second = await handler.send(alice, text('c2', { userId: 'bob' }, 'again'));

    const conversationId = directConversationId('alice', 'bob');
    expect(first).toMatchObject({ conversationId, seq: 1, sentAt: NOW.toISOString(), duplicate: false });
    expect(second).toMatchObject({ conversationId, seq: 2, duplicate: false });
    const messages = await messagesIn(directStream('alice', 'bob'));
    expect(messages.map((m) => m.data)).toEqual([
      expect.objectContaining({ messageId: first.messageId, seq: 1, senderId: 'alice', senderDeviceId: 'alice-phone', recipientIds: ['bob'], body: 'hello' }),
      expect.objectContaining({ messageId: second.messageId, seq: 2, body: 'again' }),
    ]);
  });

  it('refuses an unknown recipient and appends nothing', async () => {
    const before = store.appends.length;
    await expect(handler.send(alice, text('c1', { userId: 'nobody' }))).rejects.toMatchObject({ code: 'user_not_found' });
    expect(store.appends).toHaveLength(before);
    expect(await store.readStream(directStream('alice', 'nobody'))).toEqual([]);
  });

  it('refuses a message to oneself', async () => {
    await expect(handler.send(alice, text('c1', { userId: 'alice' }))).rejects.toMatchObject({ code: 'cannot_message_self' });
    expect(await store.readStream(directStream('alice', 'alice'))).toEqual([]);
  });

  it('answers a repeated clientMsgId in the same conversation with the original message, appending nothing', async () => {
    const original = await handler.send(alice, text('c1', { userId: 'bob' }));
    const repeat = await handler.send(alice, text('c1', { userId: 'bob' }, 'different body'));

    expect(repeat).toEqual({ ...original, duplicate: true });
    expect((await messagesIn(directStream('alice', 'bob'))).map((m) => m.data.body)).toEqual(['hello']);
  });

  it('answers a clientMsgId repeated to another conversation from the one holding its claim; the other conversation stays empty', async () => {
    const original = await handler.send(alice, text('c1', { userId: 'bob' }));
    const repeat = await handler.send(alice, text('c1', { userId: 'carol' }));

    expect(repeat).toEqual({ ...original, duplicate: true });
    expect(store.appends.filter((a) => a.streamId === directStream('alice', 'carol')).map((a) => a.outcome)).toEqual(['ClaimTakenError']);
    expect(await store.readStream(directStream('alice', 'carol'))).toEqual([]);
  });

  it('keys clientMsgIds per sender: the same id from another sender is a new message', async () => {
    await handler.send(alice, text('c1', { userId: 'bob' }));
    const fromBob = await handler.send({ userId: 'bob', deviceId: 'bob-phone' }, text('c1', { userId: 'alice' }));

    expect(fromBob).toMatchObject({ seq: 2, duplicate: false });
    expect((await messagesIn(directStream('alice', 'bob'))).map((m) => m.data.senderId)).toEqual(['alice', 'bob']);
  });

  it('of one clientMsgId sent at once to two conversations by two processes, one message is written and both get it', async () => {
    const other = process(log);
    const [a, b] = await Promise.all([handler.send(alice, text('c1', { userId: 'bob' })), other.send.send(alice, text('c1', { userId: 'carol' }))]);

    expect(a.messageId).toBe(b.messageId);
    expect([a.duplicate, b.duplicate].sort()).toEqual([false, true]);
    const written = [...(await messagesIn(directStream('alice', 'bob'))), ...(await messagesIn(directStream('alice', 'carol')))];
    expect(written.map((m) => m.data.messageId)).toEqual([a.messageId]);
  });

  it('says the clientMsgId is in use when the conversation holding its claim has no such send', async () => {
    // What EventStoreDB can leave behind: the claim written, the send's events not.
    await store.append(directStream('alice', 'carol'), [{ type: 'UserBlocked', data: { userId: 'carol', blockedUserId: 'alice', at: NOW.toISOString() } }], 0, {
      claims: [sendClaim('alice', 'c1')],
    });
    await expect(handler.send(alice, text('c1', { userId: 'bob' }))).rejects.toMatchObject({ code: 'client_msg_id_in_use' });
    expect(await store.readStream(directStream('alice', 'bob'))).toEqual([]);
  });

  it('refuses a send across a block, from either side, and appends nothing', async () => {
    const stream = directStream('alice', 'bob');
    await store.append(stream, [{ type: 'UserBlocked', data: { userId: 'bob', blockedUserId: 'alice', at: NOW.toISOString() } }], 0);
    await expect(handler.send(alice, text('c1', { userId: 'bob' }))).rejects.toMatchObject({ code: 'blocked' });
    await expect(handler.send({ userId: 'bob', deviceId: 'bob-phone' }, text('c2', { userId: 'alice' }))).rejects.toMatchObject({
      code: 'you_blocked_recipient',
    });
    expect(await messagesIn(stream)).toEqual([]);
  });

  it('sees a block another process wrote after this one cached the conversation', async () => {
    const stream = directStream('alice', 'bob');
    await handler.send(alice, text('c1', { userId: 'bob' }));
    await process(log).store.append(stream, [{ type: 'UserBlocked', data: { userId: 'bob', blockedUserId: 'alice', at: NOW.toISOString() } }], 1);

    await expect(handler.send(alice, text('c2', { userId: 'bob' }))).rejects.toMatchObject({ code: 'blocked' });
    expect((await messagesIn(stream)).map((m) => m.data.clientMsgId)).toEqual(['c1']);
  });

  it('sees an unblock another process wrote after this one refused a send on the block', async () => {
    const stream = directStream('alice', 'bob');
    await store.append(stream, [{ type: 'UserBlocked', data: { userId: 'bob', blockedUserId: 'alice', at: NOW.toISOString() } }], 0);
    await expect(handler.send(alice, text('c1', { userId: 'bob' }))).rejects.toMatchObject({ code: 'blocked' });
    await process(log).store.append(stream, [{ type: 'UserUnblocked', data: { userId: 'bob', blockedUserId: 'alice', at: NOW.toISOString() } }], 1);

    expect(await handler.send(alice, text('c2', { userId: 'bob' }))).toMatchObject({ seq: 1, duplicate: false });
    expect((await messagesIn(stream)).map((m) => m.data.clientMsgId)).toEqual(['c2']);
  });

  describe('to a group', () => {
    let groupId: string;
    beforeEach(async () => {
      ({ groupId } = await groups.create('alice', 'friends', ['bob']));
    });

    it('sends to every other member', async () => {
      const sent = await handler.send(alice, text('c1', { groupId }));
      expect(sent).toMatchObject({ conversationId: groupId, seq: 1, duplicate: false });
      expect((await messagesIn(streams.conversation(groupId))).map((m) => m.data)).toEqual([
        expect.objectContaining({ conversationType: 'group', senderId: 'alice', recipientIds: ['bob'] }),
      ]);
    });

    it('refuses a sender who is not a member, and a group id that names no group', async () => {
      await expect(handler.send({ userId: 'carol', deviceId: 'c' }, text('c1', { groupId }))).rejects.toMatchObject({ code: 'not_a_member' });
      await expect(handler.send(alice, text('c2', { groupId: 'g0000' }))).rejects.toMatchObject({ code: 'group_not_found' });
      await expect(handler.send(alice, text('c3', { groupId: 'not-a-group' }))).rejects.toMatchObject({ code: 'group_not_found' });
      expect(await messagesIn(streams.conversation(groupId))).toEqual([]);
      expect(store.appends.filter((a) => a.types.includes('MessageSent'))).toEqual([]);
    });

    it('answers a clientMsgId first sent to the group and repeated to a direct chat with the group message', async () => {
      const original = await handler.send(alice, text('c1', { groupId }));
      expect(await handler.send(alice, text('c1', { userId: 'bob' }))).toEqual({ ...original, duplicate: true });
      expect(await messagesIn(directStream('alice', 'bob'))).toEqual([]);
    });
  });
});
