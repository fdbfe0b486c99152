import { DEVICE_REVOKED_CHANNEL } from '../../read-models/src/projection-progress.js';
import type { EntityManager } from 'typeorm';
import { HandledBy, Projection, ProjectionContext, unnestRows } from './projection.js';


/** Users, their devices and profiles. */
export class UsersProjection implements Projection {
  readonly name = 'users';
  readonly handles = ['UserRegistered', 'DeviceLoggedIn', 'ProfileUpdated', 'DeviceLoggedOut'] as const;

  async apply(db: EntityManager, events: HandledBy<UsersProjection>[], context: ProjectionContext): Promise<void> {
    const registered = events.filter((e) => e.type === 'UserRegistered');
    if (registered.length > 0) {
      const rows = unnestRows(
        [{ name: 'user_id', type: 'text' }, { name: 'phone', type: 'text' }, { name: 'registered_at', type: 'timestamptz' }],
        registered.map(({ data }) => ({ user_id: data.userId, phone: data.phone, registered_at: data.registeredAt })),
      );
      await db.query(`INSERT INTO users (user_id, phone, registered_at) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
      await db.query(`INSERT INTO profiles (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [registered.map((e) => e.data.userId)]);
    }
    const devices = events.filter((e) => e.type === 'DeviceLoggedIn');
    if (devices.length > 0) {
      const rows = unnestRows(
        [{ name: 'device_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'name', type: 'text' }, { name: 'at', type: 'timestamptz' }],
        devices.map(({ data }) => ({ device_id: data.deviceId, user_id: data.userId, name: data.deviceName, at: data.at })),
      );
      await db.query(`INSERT INTO devices (device_id, user_id, name, logged_in_at) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
    }
    // Profile changes and logouts are rare: one statement each, in order.
    for (const event of events) {
      if (event.type === 'DeviceLoggedOut') {
        await db.query('UPDATE devices SET logged_out_at = $2 WHERE device_id = $1', [event.data.deviceId, event.data.at]);
        if (context.live) await db.query('SELECT pg_notify($1, $2)', [DEVICE_REVOKED_CHANNEL, event.data.deviceId]);
      } else if (event.type === 'ProfileUpdated') {
        const p = event.data;
        await db.query(
          `UPDATE profiles SET display_name = coalesce($2, display_name), about = coalesce($3, about),
             avatar_media_id = CASE WHEN $4::boolean THEN $5 ELSE avatar_media_id END
           WHERE user_id = $1`,
          [p.userId, p.displayName ?? null, p.about ?? null, p.avatarMediaId !== undefined, p.avatarMediaId ?? null],
        );
      }
    }
  }
}
