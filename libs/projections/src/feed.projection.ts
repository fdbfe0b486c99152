import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { MessageSent, ReceiptEvent } from '../../domain/src/events.js';
import { messageView } from '../../protocol/src/views.js';
import { Projection, unnestRows } from './projection.js';

/**
 * Fan-out on write of what every user's devices must receive: one row per (user, event).
 * The event's global position is the item's cursor. Runs after the inbox projection in the
 * same transaction, whose member rows say who takes part in a conversation.
 */
export class FeedProjection implements Projection {
  readonly name = 'feed';
  readonly tables = ['feed_items'] as const;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const members = await this.membersOf(db, events);
    const rows: unknown[][] = [];
    for (const event of events) {
      const position = event.globalPosition.toString();
      if (event.type === 'MessageSent') {
        const m = (event as unknown as MessageSent).data;
        for (const userId of [m.senderId, ...m.recipientIds]) {
          rows.push([userId, position, JSON.stringify({ type: 'message', message: messageView(m, userId, 'sent') })]);
        }
      } else if (event.type === 'MessageDelivered' || event.type === 'MessageRead') {
        const r = (event as unknown as ReceiptEvent).data;
        const item = {
          type: 'receipt',
          conversationId: r.conversationId,
          userId: r.userId,
          kind: event.type === 'MessageRead' ? 'read' : 'delivered',
          upToSeq: r.upToSeq,
          at: r.at,
        };
        for (const userId of members.get(r.conversationId) ?? []) rows.push([userId, position, JSON.stringify(item)]);
      }
    }
    if (rows.length === 0) return;
    const insert = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'payload', type: 'jsonb' }],
      rows,
    );
    await db.query(`INSERT INTO feed_items (user_id, position, payload) ${insert.sql} ON CONFLICT DO NOTHING`, insert.params);
  }

  private async membersOf(db: EntityManager, events: StoredEvent[]): Promise<Map<string, string[]>> {
    const conversationIds = [
      ...new Set(events.filter((e) => e.type === 'MessageDelivered' || e.type === 'MessageRead').map((e) => e.data.conversationId as string)),
    ];
    const members = new Map<string, string[]>();
    if (conversationIds.length === 0) return members;
    const rows: { user_id: string; conversation_id: string }[] = await db.query(
      'SELECT user_id, conversation_id FROM conversation_members WHERE conversation_id = ANY($1)',
      [conversationIds],
    );
    for (const row of rows) members.set(row.conversation_id, [...(members.get(row.conversation_id) ?? []), row.user_id]);
    return members;
  }
}
