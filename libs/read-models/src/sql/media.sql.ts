/**
 * SQL: is the media object `mediaId` still named by anything — a message not erased, a group's
 * icon, a profile photo? Once nothing does, its key is destroyed and its bytes removed.
 */
export const mediaInUseSql = (mediaId: string) => `(
  EXISTS (SELECT 1 FROM messages m WHERE m.media_id = ${mediaId} AND NOT m.erased)
  OR EXISTS (SELECT 1 FROM groups g WHERE g.icon_media_id = ${mediaId})
  OR EXISTS (SELECT 1 FROM profiles p WHERE p.avatar_media_id = ${mediaId}))`;
