import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { PresenceEvent } from '../../domain/src/events.js';
import { eventsOfType, Projection } from './projection.js';

/** Last seen: a user is online while any connection is open; last seen is when the last closed. */
export class LastSeenProjection implements Projection {
  readonly name = 'last-seen';
  readonly tables = ['presence'] as const;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    // Connection events are rare next to messages: one statement each keeps the order simple.
    for (const { type, data } of eventsOfType<PresenceEvent>(events, 'DeviceConnected', 'DeviceDisconnected')) {
      if (type === 'DeviceConnected') {
        await db.query(
          `INSERT INTO presence (user_id, open_connections) VALUES ($1, ARRAY[$2])
           ON CONFLICT (user_id) DO UPDATE SET open_connections = array_append(array_remove(presence.open_connections, $2), $2)`,
          [data.userId, data.connectionId],
        );
      } else {
        await db.query(
          `INSERT INTO presence (user_id, open_connections, last_seen) VALUES ($1, '{}', $3)
           ON CONFLICT (user_id) DO UPDATE SET
             open_connections = array_remove(presence.open_connections, $2),
             last_seen = CASE WHEN array_remove(presence.open_connections, $2) = '{}' THEN $3::timestamptz ELSE presence.last_seen END`,
          [data.userId, data.connectionId, data.at],
        );
      }
    }
  }
}
