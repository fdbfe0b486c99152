import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { ReceiptEvent } from '../../domain/src/events.js';
import { eventsOfType, Projection, unnestRows } from './projection.js';

/** Every watermark move, so per-message receipts can say who has a message and since when. */
export class ReceiptsProjection implements Projection {
  readonly name = 'receipts';

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const receipts = eventsOfType<ReceiptEvent>(events, 'MessageDelivered', 'MessageRead');
    if (receipts.length === 0) return;
    const rows = unnestRows(
      [
        { name: 'conversation_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'kind', type: 'text' },
        { name: 'up_to_seq', type: 'int' }, { name: 'at', type: 'timestamptz' }, { name: 'shared', type: 'boolean' },
      ],
      receipts.map(({ type, data }) => [
        data.conversationId, data.userId, type === 'MessageRead' ? 'read' : 'delivered', data.upToSeq, data.at,
        (data as { shared?: boolean }).shared !== false,
      ]),
    );
    await db.query(`INSERT INTO receipt_history (conversation_id, user_id, kind, up_to_seq, at, shared) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
  }
}
