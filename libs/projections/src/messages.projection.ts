import type { EntityManager } from 'typeorm';
import { HandledBy, Projection, unnestRows } from './projection.js';

/** Conversation history: every message once, keyed by (conversation, seq). */
export class MessagesProjection implements Projection {
  readonly name = 'messages';
  readonly handles = ['MessageSent'] as const;

  async apply(db: EntityManager, events: HandledBy<MessagesProjection>[]): Promise<void> {
    const rows = unnestRows(
      [
        { name: 'conversation_id', type: 'text' }, { name: 'seq', type: 'int' }, { name: 'message_id', type: 'text' },
        { name: 'sender_id', type: 'text' }, { name: 'client_msg_id', type: 'text' }, { name: 'kind', type: 'text' }, { name: 'body', type: 'text' },
        { name: 'media_id', type: 'text' }, { name: 'reply_to', type: 'text' }, { name: 'forward_of', type: 'text' },
        { name: 'sent_at', type: 'timestamptz' },
      ],
      events.map(({ data: m }) => ({
        conversation_id: m.conversationId, seq: m.seq, message_id: m.messageId, sender_id: m.senderId, client_msg_id: m.clientMsgId, kind: m.kind,
        body: m.body, media_id: m.mediaId, reply_to: m.replyTo, forward_of: m.forwardOf, sent_at: m.sentAt,
      })),
    );
    await db.query(
      `INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, kind, body, media_id, reply_to, forward_of, sent_at)
       ${rows.sql} ON CONFLICT DO NOTHING`,
      rows.params,
    );
  }
}
