import type { EntityManager } from 'typeorm';
import { HandledBy, Projection, unnestRows } from './projection.js';

/**
 * Conversation history: every message once, keyed by (conversation, seq), with its edit and
 * deletion; and the messages each user deleted for themselves. A deleted message keeps its row,
 * as a tombstone with no body.
 */
export class MessagesProjection implements Projection {
  readonly name = 'messages';
  readonly handles = ['MessageSent', 'MessageEdited', 'MessageDeleted', 'MessageHidden'] as const;

  async apply(db: EntityManager, events: HandledBy<MessagesProjection>[]): Promise<void> {
    const sent = events.filter((e) => e.type === 'MessageSent');
    if (sent.length > 0) {
      const rows = unnestRows(
        [
          { name: 'conversation_id', type: 'text' }, { name: 'seq', type: 'int' }, { name: 'message_id', type: 'text' },
          { name: 'sender_id', type: 'text' }, { name: 'client_msg_id', type: 'text' }, { name: 'kind', type: 'text' }, { name: 'body', type: 'text' },
          { name: 'media_id', type: 'text' }, { name: 'reply_to', type: 'text' }, { name: 'forward_of', type: 'text' },
          { name: 'forward_score', type: 'int' }, { name: 'sent_at', type: 'timestamptz' }, { name: 'erased', type: 'boolean' },
        ],
        sent.map(({ data: m }) => ({
          conversation_id: m.conversationId, seq: m.seq, message_id: m.messageId, sender_id: m.senderId, client_msg_id: m.clientMsgId, kind: m.kind,
          body: m.body, media_id: m.mediaId, reply_to: m.replyTo, forward_of: m.forwardOf, forward_score: m.forwardScore, sent_at: m.sentAt, erased: m.erased === true,
        })),
      );
      await db.query(
        `INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, kind, body, media_id, reply_to, forward_of, forward_score, sent_at, erased)
         ${rows.sql} ON CONFLICT DO NOTHING`,
        rows.params,
      );
    }
    // Rare next to sends: one statement each, in log order (a later edit wins; a deletion follows every edit).
    for (const event of events) {
      if (event.type === 'MessageEdited') {
        await db.query('UPDATE messages SET body = $2, edited_at = $3 WHERE message_id = $1', [event.data.messageId, event.data.body, event.data.editedAt]);
      } else if (event.type === 'MessageDeleted') {
        await db.query('UPDATE messages SET body = NULL, erased = true, deleted_at = $2, deleted_by = $3 WHERE message_id = $1', [
          event.data.messageId,
          event.data.deletedAt,
          event.data.deletedBy,
        ]);
      } else if (event.type === 'MessageHidden') {
        await db.query('INSERT INTO hidden_messages (user_id, conversation_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          event.data.userId,
          event.data.conversationId,
          event.data.seq,
        ]);
      }
    }
  }
}
