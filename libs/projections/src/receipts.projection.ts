import type { EntityManager } from 'typeorm';
import type { ReceiptEvent } from '../../domain/src/events.js';
import { HandledBy, Projection, unnestRows } from './projection.js';

export interface ReceiptHistoryRow {
  conversation_id: string;
  user_id: string;
  kind: 'delivered' | 'read';
  up_to_seq: number;
  at: string;
  /** False only for a read made with read receipts off; deliveries are always shared. */
  shared: boolean;
}

export const receiptHistoryRow = ({ type, data }: ReceiptEvent): ReceiptHistoryRow => ({
  conversation_id: data.conversationId,
  user_id: data.userId,
  kind: type === 'MessageRead' ? 'read' : 'delivered',
  up_to_seq: data.upToSeq,
  at: data.at,
  shared: type !== 'MessageRead' || data.shared !== false,
});

/** Every watermark move, so per-message receipts can say who has a message and since when. */
export class ReceiptsProjection implements Projection {
  readonly name = 'receipts';
  readonly handles = ['MessageDelivered', 'MessageRead'] as const;

  async apply(db: EntityManager, events: HandledBy<ReceiptsProjection>[]): Promise<void> {
    const rows = unnestRows(
      [
        { name: 'conversation_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'kind', type: 'text' },
        { name: 'up_to_seq', type: 'int' }, { name: 'at', type: 'timestamptz' }, { name: 'shared', type: 'boolean' },
      ],
      events.map(receiptHistoryRow),
    );
    await db.query(`INSERT INTO receipt_history (conversation_id, user_id, kind, up_to_seq, at, shared) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
  }
}
