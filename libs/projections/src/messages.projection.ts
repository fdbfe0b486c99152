import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { MessageSent } from '../../domain/src/events.js';
import { eventsOfType, Projection, unnestRows } from './projection.js';

/** Conversation history: every message once, keyed by (conversation, seq). */
export class MessagesProjection implements Projection {
  readonly name = 'messages';

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const sent = eventsOfType<MessageSent>(events, 'MessageSent');
    if (sent.length === 0) return;
    const rows = unnestRows(
      [
        { name: 'conversation_id', type: 'text' }, { name: 'seq', type: 'int' }, { name: 'message_id', type: 'text' },
        { name: 'sender_id', type: 'text' }, { name: 'client_msg_id', type: 'text' }, { name: 'kind', type: 'text' }, { name: 'body', type: 'text' },
        { name: 'media_id', type: 'text' }, { name: 'reply_to', type: 'text' }, { name: 'forward_of', type: 'text' },
        { name: 'sent_at', type: 'timestamptz' },
      ],
      sent.map(({ data: m }) => [m.conversationId, m.seq, m.messageId, m.senderId, m.clientMsgId, m.kind, m.body, m.mediaId, m.replyTo, m.forwardOf, m.sentAt]),
    );
    await db.query(
      `INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, kind, body, media_id, reply_to, forward_of, sent_at)
       ${rows.sql} ON CONFLICT DO NOTHING`,
      rows.params,
    );
  }
}
