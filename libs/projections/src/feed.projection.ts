import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { GroupChanged, MessageRead, MessageSent, ProfileUpdated, ReceiptEvent } from '../../domain/src/events.js';
import { isGroupConversation } from '../../domain/src/streams.js';
import { messageView } from '../../protocol/src/views.js';
import { visibleTo } from '../../read-models/src/sql/visibility.js';
import { Projection, unnestRows } from './projection.js';

interface FeedEntry {
  position: string;
  payload: Record<string, unknown>;
  /** Recipients; the first one flagged `own` is the sender of a message. */
  recipients: { userId: string; own: boolean }[];
}

/**
 * Fan-out on write of what every user's devices must receive. The frame is stored once per
 * event (`feed_events`); each recipient gets a small row (`feed_items`) keyed by the event's
 * global position, which is the cursor. Events carry their audience (a message its recipients
 * at send time, a group change the members after it plus whoever left), so membership over
 * time needs no lookup. Receipts go to the acknowledging user and to the senders whose messages
 * the watermark newly covers (both participants in a direct chat); this reads tables of the
 * inbox and receipts projections, which run earlier in the same transaction.
 */
export class FeedProjection implements Projection {
  readonly name = 'feed';
  readonly tables = ['feed_events', 'feed_items'] as const;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const entries: FeedEntry[] = [];
    for (const event of events) {
      const position = event.globalPosition.toString();
      if (event.type === 'MessageSent') {
        const m = (event as unknown as MessageSent).data;
        entries.push({
          position,
          payload: { type: 'message', message: messageView(m, '', 'sent') },
          recipients: [{ userId: m.senderId, own: true }, ...m.recipientIds.map((userId) => ({ userId, own: false }))],
        });
      } else if (event.type === 'MessageDelivered' || event.type === 'MessageRead') {
        const r = (event as unknown as ReceiptEvent).data;
        const kind = event.type === 'MessageRead' ? 'read' : 'delivered';
        // A read that is not shared (read receipts off) still syncs the reader's own devices.
        const shared = event.type !== 'MessageRead' || (event as unknown as MessageRead).data.shared !== false;
        const audience = shared ? await this.receiptAudience(db, r.conversationId, r.userId, kind, r.upToSeq) : [r.userId];
        entries.push({
          position,
          payload: { type: 'receipt', conversationId: r.conversationId, userId: r.userId, kind, upToSeq: r.upToSeq, at: r.at },
          recipients: audience.map((userId) => ({ userId, own: false })),
        });
      } else if (event.type === 'ProfileUpdated') {
        // The frame says what changed, not the values: each viewer fetches the profile, which applies the owner's privacy settings.
        const p = (event as unknown as ProfileUpdated).data;
        const changed = (['displayName', 'about', 'avatarMediaId'] as const).filter((field) => p[field] !== undefined);
        entries.push({
          position,
          payload: { type: 'profile', userId: p.userId, changed, at: p.at },
          recipients: [...new Set([p.userId, ...p.audience])].map((userId) => ({ userId, own: false })),
        });
      } else if (event.type === 'GroupChanged') {
        const g = (event as unknown as GroupChanged).data;
        const affected = 'userId' in g.change ? [g.change.userId] : [];
        entries.push({
          position,
          payload: { type: 'group', groupId: g.groupId, change: { ...g.change, by: g.by, at: g.at } },
          recipients: [...new Set([...g.membersAfter, ...affected])].map((userId) => ({ userId, own: false })),
        });
      }
    }
    if (entries.length === 0) return;
    const frames = unnestRows(
      [{ name: 'position', type: 'bigint' }, { name: 'payload', type: 'jsonb' }],
      entries.map((e) => [e.position, JSON.stringify(e.payload)]),
    );
    await db.query(`INSERT INTO feed_events (position, payload) ${frames.sql} ON CONFLICT DO NOTHING`, frames.params);
    const items = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'own', type: 'boolean' }],
      entries.flatMap((e) => e.recipients.map((r) => [r.userId, e.position, r.own])),
    );
    await db.query(`INSERT INTO feed_items (user_id, position, own) ${items.sql} ON CONFLICT DO NOTHING`, items.params);
  }

  private async receiptAudience(db: EntityManager, conversationId: string, userId: string, kind: string, upToSeq: number): Promise<string[]> {
    if (!isGroupConversation(conversationId)) {
      const rows: { user_id: string }[] = await db.query('SELECT user_id FROM conversation_members WHERE conversation_id = $1', [conversationId]);
      return rows.map((r) => r.user_id);
    }
    // Only messages the member could see: a watermark does not acknowledge what came before joining.
    const rows: { sender_id: string }[] = await db.query(
      `SELECT DISTINCT x.sender_id FROM messages x
       WHERE x.conversation_id = $1 AND x.seq <= $4 AND x.seq > coalesce(
         (SELECT max(up_to_seq) FROM receipt_history WHERE conversation_id = $1 AND user_id = $2 AND kind = $3 AND up_to_seq < $4), 0)
         AND ${visibleTo('x', '$2')}`,
      [conversationId, userId, kind, upToSeq],
    );
    return [...new Set([userId, ...rows.map((r) => r.sender_id)])];
  }
}
