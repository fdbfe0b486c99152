import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { MessageSent, ReceiptEvent } from '../../domain/src/events.js';
import type { LastMessage } from '../../read-models/src/entities/conversation-member.entity.js';
import { eventsOfType, Projection, unnestRows } from './projection.js';

/**
 * The inbox: a row per (member, conversation) with the last message and the member's receipt
 * watermarks. Every write only moves values forward (greatest seq wins), so replaying a batch
 * or splitting it differently gives the same rows.
 */
export class InboxProjection implements Projection {
  readonly name = 'inbox';
  readonly tables = ['conversation_members'] as const;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    await this.applyMessages(db, eventsOfType<MessageSent>(events, 'MessageSent'));
    await this.applyReceipts(db, eventsOfType<ReceiptEvent>(events, 'MessageDelivered'), 'delivered');
    await this.applyReceipts(db, eventsOfType<ReceiptEvent>(events, 'MessageRead'), 'read');
  }

  private async applyMessages(db: EntityManager, sent: MessageSent[]): Promise<void> {
    if (sent.length === 0) return;
    const latest = new Map<string, unknown[]>();
    for (const { data: m } of sent) {
      const lastMessage: LastMessage = { messageId: m.messageId, seq: m.seq, senderId: m.senderId, kind: m.kind, body: m.body, sentAt: m.sentAt };
      const members = [m.senderId, ...m.recipientIds];
      for (const userId of members) {
        const peer = m.conversationType === 'direct' ? members.find((other) => other !== userId) ?? null : null;
        const key = `${userId}\u0000${m.conversationId}`;
        const previous = latest.get(key);
        if (!previous || (previous[4] as number) < m.seq) {
          latest.set(key, [userId, m.conversationId, m.conversationType, peer, m.seq, JSON.stringify(lastMessage), m.sentAt]);
        }
      }
    }
    const rows = unnestRows(
      [
        { name: 'user_id', type: 'text' }, { name: 'conversation_id', type: 'text' }, { name: 'type', type: 'text' },
        { name: 'peer_user_id', type: 'text' }, { name: 'last_seq', type: 'int' }, { name: 'last_message', type: 'jsonb' },
        { name: 'updated_at', type: 'timestamptz' },
      ],
      [...latest.values()],
    );
    await db.query(
      `INSERT INTO conversation_members AS m (user_id, conversation_id, type, peer_user_id, last_seq, last_message, updated_at)
       ${rows.sql}
       ON CONFLICT (user_id, conversation_id) DO UPDATE SET
         last_seq = excluded.last_seq, last_message = excluded.last_message, updated_at = excluded.updated_at
       WHERE m.last_seq < excluded.last_seq`,
      rows.params,
    );
  }

  private async applyReceipts(db: EntityManager, receipts: ReceiptEvent[], kind: 'delivered' | 'read'): Promise<void> {
    if (receipts.length === 0) return;
    const highest = new Map<string, unknown[]>();
    for (const { data: r } of receipts) {
      const key = `${r.userId}\u0000${r.conversationId}`;
      const previous = highest.get(key);
      if (!previous || (previous[2] as number) < r.upToSeq) highest.set(key, [r.userId, r.conversationId, r.upToSeq, r.at]);
    }
    const rows = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'conversation_id', type: 'text' }, { name: 'up_to', type: 'int' }, { name: 'at', type: 'timestamptz' }],
      [...highest.values()],
    );
    const [upTo, at] = kind === 'delivered' ? ['delivered_up_to', 'delivered_at'] : ['read_up_to', 'read_at'];
    await db.query(
      `UPDATE conversation_members m SET ${upTo} = t.up_to, ${at} = t.at
       FROM (${rows.sql}) t
       WHERE m.user_id = t.user_id AND m.conversation_id = t.conversation_id AND m.${upTo} < t.up_to`,
      rows.params,
    );
  }
}
