import type { EventStore } from '../../libs/event-store/src/event-store.port.js';
import { createTestDatabase } from './database.js';
import { openTestEventStore } from './event-store.js';

/** A PostgreSQL event store on a fresh database of the test cluster, wrapped as the apps wrap it. */
export async function testEventStore(): Promise<{ store: EventStore; url: string; close(): Promise<void> }> {
  const url = await createTestDatabase();
  const { store, close } = await openTestEventStore(url);
  return { store, url, close };
}

export function messageSent(conversationId: string, seq: number, senderId: string, recipientIds: string[], sentAt: string, body = `m${seq}`) {
  return {
    type: 'MessageSent',
    data: {
      messageId: `${conversationId}-m${seq}`,
      conversationId,
      conversationType: conversationId.startsWith('g') ? 'group' : 'direct',
      seq,
      senderId,
      senderDeviceId: `${senderId}-phone`,
      recipientIds,
      clientMsgId: `c${seq}`,
      kind: 'text',
      body,
      mediaId: null,
      replyTo: null,
      forwardOf: null,
      forwardScore: 0,
      sentAt,
    },
  };
}

export function receipt(type: 'MessageDelivered' | 'MessageRead', conversationId: string, userId: string, upToSeq: number, at: string) {
  return { type, data: { conversationId, userId, upToSeq, at, ...(type === 'MessageRead' ? { shared: true } : {}) } };
}

export function groupChanged(groupId: string, by: string, at: string, atSeq: number, change: Record<string, unknown>, membersAfter: string[]) {
  return { type: 'GroupChanged', data: { groupId, by, at, atSeq, change, membersAfter } };
}
