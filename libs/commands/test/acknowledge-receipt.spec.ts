import { beforeEach, describe, expect, it } from 'vitest';
import { directConversationId, ReceiptEvent, streams } from '../../domain/src/index.js';
import { AcknowledgeReceiptHandler } from '../src/acknowledge-receipt.handler.js';
import { AggregateStore } from '../src/aggregate-store.js';
import { GroupCommandsHandler } from '../src/group-commands.handler.js';
import { PeopleHandler } from '../src/people.handler.js';
import { NO_MEDIA, SendMessageHandler } from '../src/send-message.handler.js';
import { UserDirectory } from '../src/user-directory.js';
import { eventsIn, fixedClock, noReadModel, NOW, RecordingEventStore, registerUsers } from './fixtures.js';

const device = (userId: string) => ({ userId, deviceId: `${userId}-phone` });

describe('AcknowledgeReceiptHandler', () => {
  let store: RecordingEventStore;
  let receipts: AcknowledgeReceiptHandler;
  let send: (from: string, to: { userId?: string; groupId?: string }) => Promise<unknown>;
  let people: PeopleHandler;
  let groups: GroupCommandsHandler;
  beforeEach(async () => {
    store = new RecordingEventStore();
    const aggregates = new AggregateStore(store);
    const users = new UserDirectory(store, noReadModel);
    receipts = new AcknowledgeReceiptHandler(aggregates, fixedClock);
    const messages = new SendMessageHandler(aggregates, users, NO_MEDIA, fixedClock);
    let n = 0;
    send = (from, to) => messages.send(device(from), { clientMsgId: `c${++n}`, to, kind: 'text', body: 'hi' });
    people = new PeopleHandler(aggregates, users, 'id-secret', fixedClock);
    groups = new GroupCommandsHandler(aggregates, users, 10, fixedClock);
    await registerUsers(store, 'alice', 'bob', 'carol');
  });
  const receiptsOf = async (conversationId: string, userId: string) =>
    (await eventsIn(store, streams.receipts(conversationId, userId))).map((e) => {
      const { type, data } = e as ReceiptEvent;
      return { type, upToSeq: data.upToSeq, audience: data.audience, ...('shared' in data ? { shared: data.shared } : {}) };
    });

  describe('in a direct chat', () => {
    const conversationId = directConversationId('alice', 'bob');
    beforeEach(async () => {
      await send('alice', { userId: 'bob' });
      await send('alice', { userId: 'bob' });
    });

    it('records a read as delivered and read, told to both sides, on the reader\'s own receipts stream', async () => {
      await receipts.acknowledge('bob', conversationId, 'read', 2);
      expect(await receiptsOf(conversationId, 'bob')).toEqual([
        { type: 'MessageDelivered', upToSeq: 2, audience: ['bob', 'alice'] },
        { type: 'MessageRead', upToSeq: 2, audience: ['bob', 'alice'], shared: true },
      ]);
      const [delivered] = await eventsIn(store, streams.receipts(conversationId, 'bob'));
      expect(delivered.data).toMatchObject({ conversationId, userId: 'bob', at: NOW.toISOString() });
    });

    it('never claims messages that do not exist yet, and never moves a watermark back', async () => {
      await receipts.acknowledge('bob', conversationId, 'delivered', 99);
      await receipts.acknowledge('bob', conversationId, 'delivered', 1);
      await receipts.acknowledge('bob', conversationId, 'delivered', 2);
      expect(await receiptsOf(conversationId, 'bob')).toEqual([{ type: 'MessageDelivered', upToSeq: 2, audience: ['bob', 'alice'] }]);
    });

    it('keeps a read private when either side turned read receipts off', async () => {
      await people.changePrivacy('alice', { readReceipts: false });
      await receipts.acknowledge('bob', conversationId, 'read', 1);
      expect(await receiptsOf(conversationId, 'bob')).toEqual([
        { type: 'MessageDelivered', upToSeq: 1, audience: ['bob', 'alice'] },
        { type: 'MessageRead', upToSeq: 1, audience: ['bob'], shared: false },
      ]);
    });

    it('refuses someone outside the chat and a conversation that does not exist, appending nothing', async () => {
      await expect(receipts.acknowledge('carol', conversationId, 'read', 1)).rejects.toMatchObject({ code: 'not_a_participant' });
      await expect(receipts.acknowledge('bob', directConversationId('bob', 'carol'), 'read', 1)).rejects.toMatchObject({
        code: 'conversation_not_found',
      });
      expect(store.appends.filter((a) => a.streamId.startsWith('receipts-'))).toEqual([]);
    });
  });

  describe('in a group', () => {
    let groupId: string;
    beforeEach(async () => {
      ({ groupId } = await groups.create('alice', 'friends', ['bob', 'carol']));
      await send('alice', { groupId });
      await send('bob', { groupId });
      await send('alice', { groupId });
    });

    it('tells the senders of the newly covered messages, not the reader', async () => {
      await receipts.acknowledge('carol', groupId, 'delivered', 1);
      await receipts.acknowledge('carol', groupId, 'delivered', 3);
      expect((await receiptsOf(groupId, 'carol')).map((r) => r.audience)).toEqual([
        ['carol', 'alice'],
        ['carol', 'bob', 'alice'],
      ]);
    });

    it('lets a member who left acknowledge up to their departure, and refuses a stranger', async () => {
      await groups.change(groupId, 'carol', { type: 'LeaveGroup' });
      await send('alice', { groupId });

      await receipts.acknowledge('carol', groupId, 'read', 4);
      expect((await receiptsOf(groupId, 'carol')).map((r) => r.upToSeq)).toEqual([3, 3]);

      await registerUsers(store, 'dave');
      await expect(receipts.acknowledge('dave', groupId, 'read', 1)).rejects.toMatchObject({ code: 'not_a_member' });
      expect(await store.readStream(streams.receipts(groupId, 'dave'))).toEqual([]);
    });
  });
});
