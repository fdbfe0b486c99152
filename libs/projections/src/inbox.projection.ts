import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { GroupChanged, MessageRead, MessageSent, ReceiptEvent } from '../../domain/src/events.js';
import type { LastMessage } from '../../read-models/src/tables.js';
import { eventsOfType, Projection, unnestRows } from './projection.js';

/**
 * The inbox: a row per (member, conversation) with the last message and the member's receipt
 * watermarks. Every write only moves values forward (greatest seq wins), so replaying a batch
 * or splitting it differently gives the same rows.
 */
export class InboxProjection implements Projection {
  readonly name = 'inbox';

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    await this.applyMessages(db, eventsOfType<MessageSent>(events, 'MessageSent'));
    await this.applyGroupChanges(db, eventsOfType<GroupChanged>(events, 'GroupChanged'));
    await this.applyReceipts(db, eventsOfType<ReceiptEvent>(events, 'MessageDelivered'), 'delivered');
    await this.applyReceipts(db, eventsOfType<ReceiptEvent>(events, 'MessageRead'), 'read');
    const sharedReads = eventsOfType<MessageRead>(events, 'MessageRead').filter((e) => e.data.shared !== false);
    await this.applyReceipts(db, sharedReads, 'shared_read');
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

  /**
   * A member who joins gets an inbox row (earlier messages are not theirs: the queries read
   * membership over time); one who leaves keeps the row, frozen at the leaving point. Joining
   * never moves receipt watermarks: those are the member's own acknowledgements.
   */
  private async applyGroupChanges(db: EntityManager, changes: GroupChanged[]): Promise<void> {
    for (const { data } of changes) {
      const { change, groupId, atSeq, at } = data;
      const joined = change.kind === 'created' ? change.members.map((m) => m.userId) : change.kind === 'members_added' ? change.userIds : [];
      if (joined.length > 0) {
        await db.query(
          `INSERT INTO conversation_members AS m
             (user_id, conversation_id, type, peer_user_id, last_seq, last_message, updated_at)
           SELECT unnest($1::text[]), $2, 'group', NULL, $3, NULL, $4
           ON CONFLICT (user_id, conversation_id) DO UPDATE SET
             visible_up_to = NULL, updated_at = GREATEST(m.updated_at, excluded.updated_at),
             last_seq = GREATEST(m.last_seq, excluded.last_seq)`,
          [joined, groupId, atSeq, at],
        );
      }
      if (change.kind === 'member_removed' || change.kind === 'member_left') {
        await db.query('UPDATE conversation_members SET visible_up_to = $3 WHERE user_id = $1 AND conversation_id = $2', [
          change.userId,
          groupId,
          atSeq,
        ]);
      }
    }
  }

  /** `shared_read` is the read watermark others may see: reads made with read receipts off leave it behind. */
  private async applyReceipts(db: EntityManager, receipts: ReceiptEvent[], kind: 'delivered' | 'read' | 'shared_read'): Promise<void> {
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
    const [upTo, at] = { delivered: ['delivered_up_to', 'delivered_at'], read: ['read_up_to', 'read_at'], shared_read: ['shared_read_up_to', null] }[kind];
    await db.query(
      `UPDATE conversation_members m SET ${upTo} = t.up_to${at ? `, ${at} = t.at` : ''}
       FROM (${rows.sql}) t
       WHERE m.user_id = t.user_id AND m.conversation_id = t.conversation_id AND m.${upTo} < t.up_to`,
      rows.params,
    );
  }
}
