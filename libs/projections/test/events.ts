import type { GroupChanged, GroupChange, MessageSent, PresenceEvent, ReceiptEvent } from '../../domain/src/events.js';
import type { StoredEvent, UntypedEvent } from '../../event-store/src/event-store.port.js';

/** Small builders for the events the projection tests fold; only what the test says varies. */
export const sent = (m: { conversationId: string; seq: number; senderId: string; recipientIds: string[]; type?: 'direct' | 'group' }): MessageSent => ({
  type: 'MessageSent',
  data: {
    messageId: `${m.conversationId}-${m.seq}`,
    conversationId: m.conversationId,
    conversationType: m.type ?? 'direct',
    seq: m.seq,
    senderId: m.senderId,
    senderDeviceId: `${m.senderId}-phone`,
    recipientIds: m.recipientIds,
    clientMsgId: `c-${m.seq}`,
    kind: 'text',
    body: `message ${m.seq}`,
    mediaId: null,
    replyTo: null,
    forwardOf: null,
    forwardScore: 0,
    sentAt: `2026-01-01T00:00:${String(m.seq).padStart(2, '0')}.000Z`,
    expiresAt: null,
  },
});

export const delivered = (userId: string, conversationId: string, upToSeq: number, at = '2026-01-01T00:01:00.000Z'): ReceiptEvent => ({
  type: 'MessageDelivered',
  data: { conversationId, userId, upToSeq, at, audience: [userId] },
});

export const read = (userId: string, conversationId: string, upToSeq: number, shared = true, at = '2026-01-01T00:02:00.000Z'): ReceiptEvent => ({
  type: 'MessageRead',
  data: { conversationId, userId, upToSeq, at, audience: [userId], shared },
});

export const groupChanged = (change: GroupChange, atSeq = 0): GroupChanged => ({
  type: 'GroupChanged',
  data: { groupId: 'g1', by: 'alice', at: '2026-01-01T00:00:00.000Z', atSeq, change, membersAfter: [] },
});

export const connected = (userId: string, connectionId: string, at: string, deviceId = `${userId}-phone`): PresenceEvent => ({
  type: 'DeviceConnected',
  data: { userId, deviceId, connectionId, at },
});

export const disconnected = (userId: string, connectionId: string, at: string, deviceId = `${userId}-phone`): PresenceEvent => ({
  type: 'DeviceDisconnected',
  data: { userId, deviceId, connectionId, at },
});

/** The events as the store would hand them out, at consecutive positions from `first`. */
export function stored(events: UntypedEvent[], first = 1n): StoredEvent[] {
  return events.map((event, i) => ({
    ...event,
    id: `event-${first + BigInt(i)}`,
    streamId: 'stream',
    streamVersion: i + 1,
    globalPosition: first + BigInt(i),
    metadata: {},
    recordedAt: new Date('2026-01-01T00:00:00.000Z'),
  }));
}
