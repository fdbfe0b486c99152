import type { DataSource } from 'typeorm';
import { readReceiptsHiddenSql } from './privacy.sql.js';
import { visibleTo } from '../../read-models/src/sql/visibility.js';
import { assertCanRead, RECIPIENT_WATERMARKS, VISIBLE_TO_CALLER } from './visibility.js';
import type { LastMessage } from '../../read-models/src/tables.js';
import { messageStatus, messageView, MessageView } from '../../protocol/src/views.js';

export interface ConversationSummary {
  conversationId: string;
  type: 'direct' | 'group';
  peerUserId?: string;
  groupId?: string;
  title: string;
  lastMessage: LastMessage | null;
  unreadCount: number;
  lastSeq: number;
  updatedAt: string;
}

interface MessageRowFields {
  message_id: string; conversation_id: string; seq: number; sender_id: string; kind: string; body: string | null;
  media_id: string | null; reply_to: string | null; forward_of: string | null; forward_score: number; sent_at: Date;
  edited_at: Date | null; deleted_at: Date | null; deleted_by: string | null; erased: boolean;
}

export interface HistoryPage {
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
}

/** Read side of conversations: the inbox and message history, from the projections' tables. */
export class ConversationsQuery {
  constructor(private readonly db: DataSource) {}

  async inbox(userId: string): Promise<ConversationSummary[]> {
    const rows: {
      conversation_id: string; type: 'direct' | 'group'; peer_user_id: string | null; title: string | null;
      last_message: LastMessage | null; last_seq: number; updated_at: Date; unread: string;
    }[] = await this.db.query(
      `SELECT m.conversation_id, m.type, m.peer_user_id, coalesce(u.phone, g.name) AS title, m.last_message, m.last_seq, m.updated_at,
              (SELECT count(*) FROM messages x
                WHERE x.conversation_id = m.conversation_id AND x.seq > m.read_up_to AND x.sender_id <> m.user_id
                  AND ${visibleTo('x', 'm.user_id')}) AS unread
       FROM conversation_members m
       LEFT JOIN users u ON u.user_id = m.peer_user_id
       LEFT JOIN groups g ON g.group_id = m.conversation_id
       WHERE m.user_id = $1
       ORDER BY m.updated_at DESC, m.conversation_id`,
      [userId],
    );
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      type: r.type,
      ...(r.type === 'direct' ? { peerUserId: r.peer_user_id ?? undefined } : { groupId: r.conversation_id }),
      title: r.title ?? r.conversation_id,
      lastMessage: r.last_message,
      unreadCount: Number(r.unread),
      lastSeq: r.last_seq,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  async history(userId: string, conversationId: string, page: HistoryPage): Promise<MessageView[]> {
    await assertCanRead(this.db, userId, conversationId);
    const limit = page.limit ?? 50;
    const conditions = [
      'm.conversation_id = $1',
      VISIBLE_TO_CALLER,
      'NOT EXISTS (SELECT 1 FROM hidden_messages h WHERE h.user_id = $2 AND h.conversation_id = m.conversation_id AND h.seq = m.seq)',
    ];
    const params: unknown[] = [conversationId, userId];
    if (page.afterSeq !== undefined) conditions.push(`m.seq > $${params.push(page.afterSeq)}`);
    if (page.beforeSeq !== undefined) conditions.push(`m.seq < $${params.push(page.beforeSeq)}`);
    const newestFirst = page.afterSeq === undefined;
    // In a direct chat where either side turned read receipts off, the sender never sees "read".
    const rows: (MessageRowFields & { min_delivered: number | null; min_read: number | null })[] = await this.db.query(
      `SELECT m.*, w.min_delivered, CASE WHEN ${readReceiptsHiddenSql('m.conversation_id')} THEN 0 ELSE w.min_read END AS min_read
       FROM messages m
       LEFT JOIN LATERAL (${RECIPIENT_WATERMARKS}) w ON m.sender_id = $2
       WHERE ${conditions.join(' AND ')}
       ORDER BY m.seq ${newestFirst ? 'DESC' : 'ASC'} LIMIT $${params.push(limit)}`,
      params,
    );
    if (newestFirst) rows.reverse();
    return rows.map((r) =>
      messageView(
        {
          messageId: r.message_id, conversationId: r.conversation_id, seq: r.seq, senderId: r.sender_id, kind: r.kind,
          body: r.body, mediaId: r.media_id, replyTo: r.reply_to, forwardOf: r.forward_of, forwardScore: r.forward_score, sentAt: r.sent_at, erased: r.erased,
          editedAt: r.edited_at?.toISOString() ?? null, deletedAt: r.deleted_at?.toISOString() ?? null, deletedBy: r.deleted_by,
        },
        userId,
        messageStatus(r.seq, r.min_delivered ?? 0, r.min_read ?? 0),
      ),
    );
  }
}
