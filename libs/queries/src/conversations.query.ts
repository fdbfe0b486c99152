import type { DataSource } from 'typeorm';
import { forbidden, notFound } from '../../domain/src/errors.js';
import type { LastMessage } from '../../read-models/src/entities/conversation-member.entity.js';
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
      conversation_id: string; type: 'direct' | 'group'; peer_user_id: string | null; peer_phone: string | null;
      last_message: LastMessage | null; last_seq: number; updated_at: Date; unread: string;
    }[] = await this.db.query(
      `SELECT m.conversation_id, m.type, m.peer_user_id, u.phone AS peer_phone, m.last_message, m.last_seq, m.updated_at,
              (SELECT count(*) FROM messages x
                WHERE x.conversation_id = m.conversation_id AND x.seq > m.read_up_to AND x.sender_id <> m.user_id) AS unread
       FROM conversation_members m LEFT JOIN users u ON u.user_id = m.peer_user_id
       WHERE m.user_id = $1
       ORDER BY m.updated_at DESC, m.conversation_id`,
      [userId],
    );
    return rows.map((r) => ({
      conversationId: r.conversation_id,
      type: r.type,
      ...(r.type === 'direct' ? { peerUserId: r.peer_user_id ?? undefined } : { groupId: r.conversation_id }),
      title: r.peer_phone ?? r.conversation_id,
      lastMessage: r.last_message,
      unreadCount: Number(r.unread),
      lastSeq: r.last_seq,
      updatedAt: r.updated_at.toISOString(),
    }));
  }

  async history(userId: string, conversationId: string, page: HistoryPage): Promise<MessageView[]> {
    const members: { user_id: string; delivered_up_to: number; read_up_to: number }[] = await this.db.query(
      'SELECT user_id, delivered_up_to, read_up_to FROM conversation_members WHERE conversation_id = $1',
      [conversationId],
    );
    if (members.length === 0) throw notFound('conversation_not_found', 'no conversation with that id');
    if (!members.some((m) => m.user_id === userId)) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
    // The caller's messages are delivered (read) once every other member's watermark covers them.
    const others = members.filter((m) => m.user_id !== userId);
    const delivered = Math.min(...others.map((m) => m.delivered_up_to));
    const read = Math.min(...others.map((m) => m.read_up_to));

    const limit = page.limit ?? 50;
    const rows: {
      message_id: string; conversation_id: string; seq: number; sender_id: string; kind: string; body: string | null;
      media_id: string | null; reply_to: string | null; forward_of: string | null; sent_at: Date;
    }[] = page.afterSeq !== undefined
      ? await this.db.query(
          `SELECT * FROM messages WHERE conversation_id = $1 AND seq > $2 ${page.beforeSeq !== undefined ? 'AND seq < $4' : ''}
           ORDER BY seq LIMIT $3`,
          page.beforeSeq !== undefined ? [conversationId, page.afterSeq, limit, page.beforeSeq] : [conversationId, page.afterSeq, limit],
        )
      : (
          await this.db.query(
            `SELECT * FROM messages WHERE conversation_id = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`,
            [conversationId, page.beforeSeq ?? 2_147_483_647, limit],
          )
        ).reverse();
    return rows.map((r) =>
      messageView(
        {
          messageId: r.message_id, conversationId: r.conversation_id, seq: r.seq, senderId: r.sender_id, kind: r.kind,
          body: r.body, mediaId: r.media_id, replyTo: r.reply_to, forwardOf: r.forward_of, sentAt: r.sent_at,
        },
        userId,
        messageStatus(r.seq, delivered, read),
      ),
    );
  }
}
