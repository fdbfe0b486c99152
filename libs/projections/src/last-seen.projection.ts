import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { PresenceEvent } from '../../domain/src/events.js';
import { eventsOfType, Projection, ProjectionContext } from './projection.js';

/** Query-apis listen here to push presence frames; the payload is `{userId, online, lastSeen}`. */
export const PRESENCE_CHANNEL = 'presence';

/**
 * Last seen: a user is online while any connection is open; last seen is when the last one
 * closed. When a user goes online or offline, query-apis are told, after the commit.
 */
export class LastSeenProjection implements Projection {
  readonly name = 'last-seen';
  readonly tables = ['presence', 'device_activity'] as const;

  async apply(db: EntityManager, events: StoredEvent[], context: ProjectionContext): Promise<void> {
    // Connection events are rare next to messages: one statement each keeps the order simple.
    for (const { type, data } of eventsOfType<PresenceEvent>(events, 'DeviceConnected', 'DeviceDisconnected')) {
      const [row]: { was: number; now: number; last_seen: Date | null }[] =
        type === 'DeviceConnected'
          ? await db.query(
              `INSERT INTO presence AS p (user_id, open_connections) VALUES ($1, ARRAY[$2])
               ON CONFLICT (user_id) DO UPDATE SET open_connections = array_append(array_remove(p.open_connections, $2), $2)
               RETURNING cardinality(array_remove(p.open_connections, $2)) AS was, cardinality(p.open_connections) AS now, p.last_seen`,
              [data.userId, data.connectionId],
            )
          : await db.query(
              `WITH before AS (SELECT cardinality(open_connections) AS was FROM presence WHERE user_id = $1)
               INSERT INTO presence AS p (user_id, open_connections, last_seen) VALUES ($1, '{}', $3)
               ON CONFLICT (user_id) DO UPDATE SET
                 open_connections = array_remove(p.open_connections, $2),
                 last_seen = CASE WHEN array_remove(p.open_connections, $2) = '{}' THEN $3::timestamptz ELSE p.last_seen END
               RETURNING coalesce((SELECT was FROM before), 0) AS was, cardinality(p.open_connections) AS now, p.last_seen`,
              [data.userId, data.connectionId, data.at],
            );
      await db.query(
        `INSERT INTO device_activity AS d (device_id, last_active_at) VALUES ($1, $2)
         ON CONFLICT (device_id) DO UPDATE SET last_active_at = GREATEST(d.last_active_at, excluded.last_active_at)`,
        [data.deviceId, data.at],
      );
      const wentOnline = row.now > 0 && (type === 'DeviceConnected' ? row.was === 0 : false);
      const wentOffline = row.now === 0 && row.was > 0;
      if (context.live && (wentOnline || wentOffline)) {
        await db.query('SELECT pg_notify($1, $2)', [
          PRESENCE_CHANNEL,
          JSON.stringify({ userId: data.userId, online: wentOnline, lastSeen: row.last_seen?.toISOString() ?? null }),
        ]);
      }
    }
  }
}
