/**
 * SQL fragments about conversations, over the read-model tables, for every query that needs them.
 */

/** True when conversation id `conversation` is a direct chat: group ids start with `g` (the domain's `isGroupConversation`). */
export const isDirectConversationSql = (conversation: string) => `${conversation} NOT LIKE 'g%'`;

/**
 * Rows `(user_id, peer_id)`: pairs of users who share a conversation that both still see
 * (`visible_up_to IS NULL`: not left, not removed). Filter on either column outside.
 */
export const CURRENT_PEERS_SQL = `
  SELECT DISTINCT mine.user_id, o.user_id AS peer_id FROM conversation_members mine
    JOIN conversation_members o ON o.conversation_id = mine.conversation_id AND o.user_id <> mine.user_id
   WHERE mine.visible_up_to IS NULL AND o.visible_up_to IS NULL`;
