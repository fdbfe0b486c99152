/**
 * Membership over time, as SQL over the read-model tables: message `message` is visible to
 * `user` if it is in a direct chat, or was sent while the user was a member of the group
 * (`group_memberships`: from_seq < seq <= to_seq). Shared by the feed projection and the queries.
 */
export const visibleTo = (message: string, user: string) => `(${message}.conversation_id NOT LIKE 'g%' OR EXISTS (
  SELECT 1 FROM group_memberships gm WHERE gm.group_id = ${message}.conversation_id AND gm.user_id = ${user}
    AND ${message}.seq > gm.from_seq AND (gm.to_seq IS NULL OR ${message}.seq <= gm.to_seq)))`;
