import type { DataSource } from 'typeorm';
import { forbidden, notFound } from '../../domain/src/errors.js';
import { readReceiptsHiddenSql } from './privacy.sql.js';
import { RECIPIENTS, VISIBLE_TO_CALLER } from './visibility.js';

export interface MessageReceiptsView {
  messageId: string;
  delivered: { userId: string; at: string }[];
  read: { userId: string; at: string }[];
  pending: string[];
}

/** Who has a message and who has read it, with the moment each watermark first covered it. */
export class ReceiptsQuery {
  constructor(private readonly db: DataSource) {}

  async ofMessage(userId: string, messageId: string): Promise<MessageReceiptsView> {
    const messages: { visible: boolean }[] = await this.db.query(
      `SELECT (m.sender_id = $2 OR (${VISIBLE_TO_CALLER} AND EXISTS (
                 SELECT 1 FROM conversation_members c WHERE c.conversation_id = m.conversation_id AND c.user_id = $2))) AS visible
       FROM messages m WHERE m.message_id = $1`,
      [messageId, userId],
    );
    if (messages.length === 0) throw notFound('message_not_found', 'no message with that id');
    if (!messages[0].visible) throw forbidden('not_a_participant', 'only the sender and members may see receipts');
    const rows: { user_id: string; delivered_at: Date | null; read_at: Date | null }[] = await this.db.query(
      `SELECT r.user_id,
              (SELECT min(h.at) FROM receipt_history h WHERE h.conversation_id = m.conversation_id AND h.user_id = r.user_id
                 AND h.kind = 'delivered' AND h.up_to_seq >= m.seq) AS delivered_at,
              CASE WHEN ${readReceiptsHiddenSql('m.conversation_id')} THEN NULL ELSE
              (SELECT min(h.at) FROM receipt_history h WHERE h.conversation_id = m.conversation_id AND h.user_id = r.user_id
                 AND h.kind = 'read' AND h.shared AND h.up_to_seq >= m.seq) END AS read_at
       FROM messages m CROSS JOIN LATERAL (${RECIPIENTS}) r
       WHERE m.message_id = $1
       ORDER BY r.user_id`,
      [messageId],
    );
    const byTime = (a: { at: string; userId: string }, b: { at: string; userId: string }) => a.at.localeCompare(b.at) || a.userId.localeCompare(b.userId);
    return {
      messageId,
      delivered: rows.filter((r) => r.delivered_at).map((r) => ({ userId: r.user_id, at: r.delivered_at!.toISOString() })).sort(byTime),
      read: rows.filter((r) => r.read_at).map((r) => ({ userId: r.user_id, at: r.read_at!.toISOString() })).sort(byTime),
      pending: rows.filter((r) => !r.delivered_at).map((r) => r.user_id),
    };
  }
}
