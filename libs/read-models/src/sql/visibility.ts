import { isDirectConversationSql } from './conversations.sql.js';

/**
 * Membership over time, as SQL over the read-model tables: message `message` is visible to
 * `user` if it is in a direct chat, or was sent while the user was a member of the group
 * (`group_memberships`: from_seq < seq <= to_seq). Shared by the feed projection and the queries.
 */
export const visibleTo = (message: string, user: string) => `(${isDirectConversationSql(`${message}.conversation_id`)} OR EXISTS (
  SELECT 1 FROM group_memberships gm WHERE gm.group_id = ${message}.conversation_id AND gm.user_id = ${user}
    AND ${memberAtSql('gm', `${message}.seq`)}))`;

/** True when group membership row `membership` covers the message at `seq`: from_seq < seq <= to_seq. */
export const memberAtSql = (membership: string, seq: string) =>
  `${seq} > ${membership}.from_seq AND (${membership}.to_seq IS NULL OR ${seq} <= ${membership}.to_seq)`;
