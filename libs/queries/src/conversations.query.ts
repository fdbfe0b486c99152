import type { DataSource } from 'typeorm';
import { readReceiptsHiddenSql } from './privacy.sql.js';
import { visibleTo } from '../../read-models/src/sql/visibility.js';
import { assertCanRead, RECIPIENT_WATERMARKS, VISIBLE_TO_CALLER } from './visibility.js';
import type { LastMessage } from '../../read-models/src/tables.js';
import { HistoryMessageView, messageStatus, messageView, ReactionView } from '../../protocol/src/views.js';

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
  /** Disappearing messages: 0 (off), 86400, 604800 or 7776000. */
  disappearingSeconds: number;
}

interface MessageRowFields {
  message_id: string; conversation_id: string; seq: number; sender_id: string; kind: string; body: string | null;
  media_id: string | null; reply_to: string | null; forward_of: string | null; forward_score: number; sent_at: Date;
  edited_at: Date | null; deleted_at: Date | null; deleted_by: string | null; erased: boolean; expires_at: Date | null;
}

interface HistoryRow extends MessageRowFields {
  min_delivered: number | null; min_read: number | null; reactions: ReactionView[];
  quote_message_id: string | null; quote_seq: number; quote_sender_id: string; quote_kind: string; quote_body: string | null;
  quote_media_id: string | null; quote_erased: boolean;
}

/** How much of a replied-to message history quotes. */
const QUOTE_CHARACTERS = 100;

/**
 * History's columns for messages `m`, over `historyJoins`: the sender's ticks (in a direct chat
 * where either side turned read receipts off, the sender never sees "read"), the start of the
 * message replied to (a join: never stored, so an edit or a deletion shows at once), the reactions.
 */
const HISTORY_SELECT = `
  SELECT m.*, w.min_delivered, CASE WHEN ${readReceiptsHiddenSql('m.conversation_id')} THEN 0 ELSE w.min_read END AS min_read,
         q.message_id AS quote_message_id, q.seq AS quote_seq, q.sender_id AS quote_sender_id, q.kind AS quote_kind,
         left(q.body, ${QUOTE_CHARACTERS}) AS quote_body, q.media_id AS quote_media_id, q.erased AS quote_erased,
         coalesce((SELECT json_agg(json_build_object('userId', r.user_id, 'emoji', r.emoji) ORDER BY r.reacted_at, r.user_id)
                     FROM message_reactions r WHERE r.message_id = m.message_id), '[]') AS reactions`;
const historyJoins = (viewer: string) => `
  LEFT JOIN LATERAL (${RECIPIENT_WATERMARKS}) w ON m.sender_id = ${viewer}
  LEFT JOIN messages q ON q.conversation_id = m.conversation_id AND q.message_id = m.reply_to`;

function historyView(r: HistoryRow, viewerId: string): HistoryMessageView {
  const message = messageView(
    {
      messageId: r.message_id, conversationId: r.conversation_id, seq: r.seq, senderId: r.sender_id, kind: r.kind,
      body: r.body, mediaId: r.media_id, replyTo: r.reply_to, forwardOf: r.forward_of, forwardScore: r.forward_score, sentAt: r.sent_at, erased: r.erased,
      editedAt: r.edited_at?.toISOString() ?? null, deletedAt: r.deleted_at?.toISOString() ?? null, deletedBy: r.deleted_by,
      expiresAt: r.expires_at,
    },
    viewerId,
    messageStatus(r.seq, r.min_delivered ?? 0, r.min_read ?? 0),
  );
  const quote = r.quote_message_id === null ? null : {
    messageId: r.quote_message_id, seq: r.quote_seq, senderId: r.quote_sender_id, kind: r.quote_kind, body: r.quote_body,
    mediaId: r.quote_media_id, ...(r.quote_erased ? { erased: true as const } : {}),
  };
  return { ...message, quote, reactions: r.reactions };
}

export interface HistoryPage {
  beforeSeq?: number;
  afterSeq?: number;
  limit?: number;
}

export interface StarredPage {
  /** A `cursor` of the previous page: only stars older than it. */
  before?: string;
  limit?: number;
}

export interface StarredMessage {
  cursor: string;
  starredAt: string;
  message: HistoryMessageView;
}

/** Read side of conversations: the inbox and message history, from the projections' tables. */
export class ConversationsQuery {
  constructor(private readonly db: DataSource) {}

  async inbox(userId: string): Promise<ConversationSummary[]> {
    const rows: {
      conversation_id: string; type: 'direct' | 'group'; peer_user_id: string | null; title: string | null;
      last_message: LastMessage | null; last_seq: number; updated_at: Date; unread: string; disappearing_seconds: number | null;
    }[] = await this.db.query(
      `SELECT m.conversation_id, m.type, m.peer_user_id, coalesce(u.phone, g.name) AS title, m.last_message, m.last_seq, m.updated_at,
              t.seconds AS disappearing_seconds,
              (SELECT count(*) FROM messages x
                WHERE x.conversation_id = m.conversation_id AND x.seq > m.read_up_to AND x.sender_id <> m.user_id
                  AND ${visibleTo('x', 'm.user_id')}) AS unread
       FROM conversation_members m
       LEFT JOIN users u ON u.user_id = m.peer_user_id
       LEFT JOIN groups g ON g.group_id = m.conversation_id
       LEFT JOIN disappearing_timers t ON t.conversation_id = m.conversation_id
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
      disappearingSeconds: r.disappearing_seconds ?? 0,
    }));
  }

  async history(userId: string, conversationId: string, page: HistoryPage): Promise<HistoryMessageView[]> {
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
    const rows: HistoryRow[] = await this.db.query(
      `${HISTORY_SELECT}
       FROM messages m ${historyJoins('$2')}
       WHERE ${conditions.join(' AND ')}
       ORDER BY m.seq ${newestFirst ? 'DESC' : 'ASC'} LIMIT $${params.push(limit)}`,
      params,
    );
    if (newestFirst) rows.reverse();
    return rows.map((r) => historyView(r, userId));
  }

  /**
   * The user's starred messages, newest star first, in history's shape. A star needs the message
   * to be visible to the user and goes when it is deleted (for everyone, or for the user), so
   * every row is one the user may read.
   */
  async starred(userId: string, page: StarredPage): Promise<StarredMessage[]> {
    const params: unknown[] = [userId];
    const before = page.before === undefined ? '' : `AND s.position < $${params.push(page.before)}`;
    const rows: (HistoryRow & { position: string; starred_at: Date })[] = await this.db.query(
      `${HISTORY_SELECT}, s.position, s.starred_at
       FROM starred_messages s JOIN messages m ON m.message_id = s.message_id ${historyJoins('$1')}
       WHERE s.user_id = $1 ${before}
       ORDER BY s.position DESC LIMIT $${params.push(page.limit ?? 50)}`,
      params,
    );
    return rows.map((r) => ({ cursor: r.position, starredAt: r.starred_at.toISOString(), message: historyView(r, userId) }));
  }
}
