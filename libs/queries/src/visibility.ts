import type { DataSource } from 'typeorm';
import { forbidden, notFound } from '../../domain/src/errors.js';
import { memberAtSql, visibleTo } from '../../read-models/src/sql/visibility.js';
import { isDirectConversationSql } from '../../read-models/src/sql/conversations.sql.js';

/** `visibleTo` over `messages m` with the caller's id as `$2`. */
export const VISIBLE_TO_CALLER = visibleTo('m', '$2');

/**
 * The recipients of message `m` (everyone else in the conversation when it was sent), as SQL
 * rows `user_id`. For a direct chat, the other participant.
 */
export const RECIPIENTS = `
  SELECT cm.user_id FROM conversation_members cm
   WHERE cm.conversation_id = m.conversation_id AND cm.user_id <> m.sender_id AND ${isDirectConversationSql('m.conversation_id')}
  UNION ALL
  SELECT gm.user_id FROM group_memberships gm
   WHERE gm.group_id = m.conversation_id AND gm.user_id <> m.sender_id
     AND ${memberAtSql('gm', 'm.seq')}`;

/** The lowest delivered and (shared) read watermarks among message `m`'s recipients: its ticks for the sender. */
export const RECIPIENT_WATERMARKS = `
  SELECT min(cm.delivered_up_to) AS min_delivered, min(cm.shared_read_up_to) AS min_read
  FROM (${RECIPIENTS}) r JOIN conversation_members cm ON cm.user_id = r.user_id AND cm.conversation_id = m.conversation_id`;

/** 404 for an unknown conversation, 403 for one the user never took part in. */
export async function assertCanRead(db: DataSource, userId: string, conversationId: string): Promise<void> {
  const [row]: { known: boolean; member: boolean }[] = await db.query(
    `SELECT EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1)
              OR EXISTS (SELECT 1 FROM groups WHERE group_id = $1) AS known,
            EXISTS (SELECT 1 FROM conversation_members WHERE conversation_id = $1 AND user_id = $2) AS member`,
    [conversationId, userId],
  );
  if (!row.known) throw notFound('conversation_not_found', 'no conversation with that id');
  if (!row.member) throw forbidden('not_a_participant', 'you are not a participant of this conversation');
}
