import type { EntityManager } from 'typeorm';
import { HandledBy, Projection } from './projection.js';

/** Privacy settings, blocks and contacts, as the query side needs them to decide who sees what. */
export class PeopleProjection implements Projection {
  readonly name = 'people';
  readonly handles = ['PrivacySettingsChanged', 'UserBlocked', 'UserUnblocked', 'ContactsSynced'] as const;

  async apply(db: EntityManager, events: HandledBy<PeopleProjection>[]): Promise<void> {
    for (const { type, data } of events) {
      switch (type) {
        case 'PrivacySettingsChanged': {
          const s = data.settings;
          await db.query(
            `INSERT INTO privacy_settings AS p (user_id, last_seen, online, profile_photo, about, read_receipts, group_add)
             VALUES ($1, coalesce($2, 'everyone'), coalesce($3, 'everyone'), coalesce($4, 'everyone'), coalesce($5, 'everyone'), coalesce($6, true), coalesce($7, 'everyone'))
             ON CONFLICT (user_id) DO UPDATE SET
               last_seen = coalesce($2, p.last_seen), online = coalesce($3, p.online), profile_photo = coalesce($4, p.profile_photo),
               about = coalesce($5, p.about), read_receipts = coalesce($6, p.read_receipts), group_add = coalesce($7, p.group_add)`,
            [data.userId, s.lastSeen ?? null, s.online ?? null, s.profilePhoto ?? null, s.about ?? null, s.readReceipts ?? null, s.groupAdd ?? null],
          );
          break;
        }
        case 'UserBlocked':
          await db.query('INSERT INTO blocks (blocker_id, blocked_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [data.userId, data.blockedUserId]);
          break;
        case 'UserUnblocked':
          await db.query('DELETE FROM blocks WHERE blocker_id = $1 AND blocked_id = $2', [data.userId, data.blockedUserId]);
          break;
        case 'ContactsSynced':
          await db.query('DELETE FROM contacts WHERE user_id = $1', [data.userId]);
          await db.query('INSERT INTO contacts (user_id, contact_id) SELECT $1, unnest($2::text[]) ON CONFLICT DO NOTHING', [data.userId, data.contactIds]);
          break;
      }
    }
  }
}
