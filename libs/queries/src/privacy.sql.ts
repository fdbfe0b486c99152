import { isDirectConversationSql } from '../../read-models/src/sql/conversations.sql.js';

/**
 * SQL deciding whether `viewer` may see what `owner` shares under the privacy setting `column`
 * (last_seen, online, profile_photo, about): never if the owner blocked the viewer; always for
 * oneself; otherwise as the owner's setting says (default everyone; contacts = the viewer is
 * in the owner's synced address book).
 */
export const mayViewSql = (column: 'last_seen' | 'online' | 'profile_photo' | 'about', owner: string, viewer: string) => `(
  ${owner} = ${viewer} OR (
    NOT EXISTS (SELECT 1 FROM blocks b WHERE b.blocker_id = ${owner} AND b.blocked_id = ${viewer})
    AND CASE coalesce((SELECT ps.${column} FROM privacy_settings ps WHERE ps.user_id = ${owner}), 'everyone')
          WHEN 'everyone' THEN true
          WHEN 'contacts' THEN EXISTS (SELECT 1 FROM contacts c WHERE c.user_id = ${owner} AND c.contact_id = ${viewer})
          ELSE false END))`;

/** True when read receipts are off for either participant of the direct conversation `conversation`. */
export const readReceiptsHiddenSql = (conversation: string) => `(
  ${isDirectConversationSql(conversation)} AND EXISTS (
    SELECT 1 FROM conversation_members cm JOIN privacy_settings ps ON ps.user_id = cm.user_id
    WHERE cm.conversation_id = ${conversation} AND NOT ps.read_receipts))`;
