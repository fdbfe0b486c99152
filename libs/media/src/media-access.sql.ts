import { mayViewSql } from '../../queries/src/privacy.sql.js';
import { visibleTo } from '../../read-models/src/sql/visibility.js';

/**
 * SQL: may `user` fetch media object `media` (a `media_objects` row)? Its uploader may; so may
 * whoever can see a message naming it — a participant of the direct chat, or a member of the
 * group when it was sent (a member removed before it was sent never could) — unless that message
 * is erased or its sender blocked them; the members of a group whose icon it is; and whoever the
 * owner's privacy settings let see the profile photo it is.
 */
export const mayFetchMediaSql = (media: string, user: string) => `(
  ${media}.uploader_id = ${user}
  OR EXISTS (
    SELECT 1 FROM messages m JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ${user}
    WHERE m.media_id = ${media}.media_id AND NOT m.erased AND ${visibleTo('m', user)}
      AND NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = m.sender_id AND b.blocked_id = ${user}))
  OR EXISTS (
    SELECT 1 FROM groups g JOIN group_members gm ON gm.group_id = g.group_id AND gm.user_id = ${user}
    WHERE g.icon_media_id = ${media}.media_id)
  OR EXISTS (
    SELECT 1 FROM profiles p WHERE p.avatar_media_id = ${media}.media_id AND ${mayViewSql('profile_photo', 'p.user_id', user)}))`;
