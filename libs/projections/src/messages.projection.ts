import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { MessageReacted, MessageStarred, MessageUnstarred } from '../../domain/src/events.js';
import { mediaKeyId } from '../../domain/src/sealed-fields.js';
import { mediaInUseSql } from '../../read-models/src/sql/media.sql.js';
import { HandledBy, Projection, ProjectionContext, unnestRows } from './projection.js';

/**
 * Conversation history: every message once, keyed by (conversation, seq), with its edit and
 * deletion; the messages each user deleted for themselves; reactions; each user's stars. A
 * deleted message keeps its row, as a tombstone with no body, and loses its reactions and stars.
 */
export class MessagesProjection implements Projection {
  readonly name = 'messages';
  readonly handles = ['MessageSent', 'MessageEdited', 'MessageDeleted', 'MessageHidden', 'MessageExpired', 'MessageReacted', 'MessageStarred', 'MessageUnstarred'] as const;

  async apply(db: EntityManager, events: HandledBy<MessagesProjection>[], context: ProjectionContext): Promise<void> {
    const sent = events.filter((e) => e.type === 'MessageSent');
    if (sent.length > 0) {
      const rows = unnestRows(
        [
          { name: 'conversation_id', type: 'text' }, { name: 'seq', type: 'int' }, { name: 'message_id', type: 'text' },
          { name: 'sender_id', type: 'text' }, { name: 'client_msg_id', type: 'text' }, { name: 'kind', type: 'text' }, { name: 'body', type: 'text' },
          { name: 'media_id', type: 'text' }, { name: 'reply_to', type: 'text' }, { name: 'forward_of', type: 'text' },
          { name: 'forward_score', type: 'int' }, { name: 'sent_at', type: 'timestamptz' }, { name: 'erased', type: 'boolean' },
          { name: 'expires_at', type: 'timestamptz' },
        ],
        sent.map(({ data: m }) => ({
          conversation_id: m.conversationId, seq: m.seq, message_id: m.messageId, sender_id: m.senderId, client_msg_id: m.clientMsgId, kind: m.kind,
          body: m.body, media_id: m.mediaId, reply_to: m.replyTo, forward_of: m.forwardOf, forward_score: m.forwardScore, sent_at: m.sentAt,
          erased: m.erased === true, expires_at: m.expiresAt,
        })),
      );
      await db.query(
        `INSERT INTO messages (conversation_id, seq, message_id, sender_id, client_msg_id, kind, body, media_id, reply_to, forward_of, forward_score, sent_at, erased, expires_at)
         ${rows.sql} ON CONFLICT DO NOTHING`,
        rows.params,
      );
    }
    // Before deletions and hides: the domain refuses reactions and stars after those, so they come earlier in the log.
    await applyReactions(db, events.filter((e) => e.type === 'MessageReacted'));
    await applyStars(db, events.filter((e) => e.type === 'MessageStarred' || e.type === 'MessageUnstarred'));
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
        await dropReactionsAndStars(db, event.data.messageId);
      } else if (event.type === 'MessageExpired') {
        // A tombstone like a deletion's, by no one: `expires_at` says why it is erased.
        await db.query('UPDATE messages SET body = NULL, erased = true WHERE message_id = $1', [event.data.messageId]);
        await dropReactionsAndStars(db, event.data.messageId);
      } else if (event.type === 'MessageHidden') {
        await db.query('INSERT INTO hidden_messages (user_id, conversation_id, seq) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [
          event.data.userId,
          event.data.conversationId,
          event.data.seq,
        ]);
        await db.query('DELETE FROM starred_messages WHERE user_id = $1 AND message_id = $2', [event.data.userId, event.data.messageId]);
      }
    }
    // A rebuild destroys no keys (they went when the erasure was live), so it need not look for media.
    if (!context.live) return;
    const erased = events.flatMap((e) => (e.type === 'MessageDeleted' || e.type === 'MessageExpired' ? [e.data.messageId] : []));
    await context.destroyKeys([...erased, ...(await mediaLeftUnused(db, erased)).map(mediaKeyId)]);
  }
}

/**
 * The media of these erased messages that nothing names any more (no other message, icon or
 * profile photo): erasing the message erases its media too. Media still named elsewhere — a
 * forward's copy, the same photo sent to another chat — lives on with what names it.
 */
async function mediaLeftUnused(db: EntityManager, erasedMessageIds: string[]): Promise<string[]> {
  if (erasedMessageIds.length === 0) return [];
  const rows: { media_id: string }[] = await db.query(
    `SELECT DISTINCT e.media_id FROM messages e WHERE e.message_id = ANY($1) AND e.media_id IS NOT NULL AND NOT ${mediaInUseSql('e.media_id')}`,
    [erasedMessageIds],
  );
  return rows.map((row) => row.media_id);
}

/** Nothing of an erased message is kept: its reactions and stars go with it. */
async function dropReactionsAndStars(db: EntityManager, messageId: string): Promise<void> {
  await db.query('DELETE FROM message_reactions WHERE message_id = $1', [messageId]);
  await db.query('DELETE FROM starred_messages WHERE message_id = $1', [messageId]);
}

/** The last of each key's events in the batch: only the final state is written. */
function lastByKey<E>(events: E[], key: (event: E) => string): E[] {
  return [...new Map(events.map((event) => [key(event), event])).values()];
}

/** One upsert for reactions set, one delete for reactions removed. */
async function applyReactions(db: EntityManager, events: StoredEvent<MessageReacted>[]): Promise<void> {
  if (events.length === 0) return;
  const last = lastByKey(events, (e) => `${e.data.messageId}\u0000${e.data.userId}`);
  const set = last.filter((e) => e.data.emoji !== null);
  const removed = last.filter((e) => e.data.emoji === null);
  if (set.length > 0) {
    const rows = unnestRows(
      [{ name: 'message_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'emoji', type: 'text' }, { name: 'reacted_at', type: 'timestamptz' }],
      set.map(({ data: r }) => ({ message_id: r.messageId, user_id: r.userId, emoji: r.emoji, reacted_at: r.at })),
    );
    await db.query(
      `INSERT INTO message_reactions (message_id, user_id, emoji, reacted_at) ${rows.sql}
       ON CONFLICT (message_id, user_id) DO UPDATE SET emoji = excluded.emoji, reacted_at = excluded.reacted_at`,
      rows.params,
    );
  }
  if (removed.length > 0) {
    await db.query('DELETE FROM message_reactions r USING unnest($1::text[], $2::text[]) AS t(message_id, user_id) WHERE r.message_id = t.message_id AND r.user_id = t.user_id', [
      removed.map((e) => e.data.messageId),
      removed.map((e) => e.data.userId),
    ]);
  }
}

/** One upsert for stars, one delete for unstars; a star's log position orders the user's list. */
async function applyStars(db: EntityManager, events: StoredEvent<MessageStarred | MessageUnstarred>[]): Promise<void> {
  if (events.length === 0) return;
  const last = lastByKey(events, (e) => `${e.data.userId}\u0000${e.data.messageId}`);
  const stars = last.filter((e) => e.type === 'MessageStarred');
  const unstars = last.filter((e) => e.type === 'MessageUnstarred');
  if (stars.length > 0) {
    const rows = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'message_id', type: 'text' }, { name: 'position', type: 'bigint' }, { name: 'starred_at', type: 'timestamptz' }],
      stars.map((e) => ({ user_id: e.data.userId, message_id: e.data.messageId, position: e.globalPosition.toString(), starred_at: e.data.at })),
    );
    await db.query(`INSERT INTO starred_messages (user_id, message_id, position, starred_at) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
  }
  if (unstars.length > 0) {
    await db.query('DELETE FROM starred_messages s USING unnest($1::text[], $2::text[]) AS t(user_id, message_id) WHERE s.user_id = t.user_id AND s.message_id = t.message_id', [
      unstars.map((e) => e.data.userId),
      unstars.map((e) => e.data.messageId),
    ]);
  }
}
