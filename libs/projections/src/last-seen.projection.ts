import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { PresenceEvent } from '../../domain/src/events.js';
import { PRESENCE_CHANNEL } from '../../read-models/src/projection-progress.js';
import { eventsOfType, Projection, ProjectionContext, unnestRows } from './projection.js';


interface UserPresence {
  open: string[];
  lastSeen: string | null;
}

/**
 * Last seen: a user is online while any connection is open; last seen is when the last one
 * closed. A batch is folded in memory per user (connection storms after a restart are thousands
 * of events) and written with one statement per table; the users who went online or offline are
 * announced to query-apis after the commit.
 */
export class LastSeenProjection implements Projection {
  readonly name = 'last-seen';

  async apply(db: EntityManager, events: StoredEvent[], context: ProjectionContext): Promise<void> {
    const connections = eventsOfType<PresenceEvent>(events, 'DeviceConnected', 'DeviceDisconnected');
    if (connections.length === 0) return;
    const userIds = [...new Set(connections.map((e) => e.data.userId))];
    const rows: { user_id: string; open_connections: string[]; last_seen: Date | null }[] = await db.query(
      'SELECT user_id, open_connections, last_seen FROM presence WHERE user_id = ANY($1)',
      [userIds],
    );
    const state = new Map<string, UserPresence>(rows.map((r) => [r.user_id, { open: r.open_connections, lastSeen: r.last_seen?.toISOString() ?? null }]));
    const wasOnline = new Map(userIds.map((id) => [id, (state.get(id)?.open.length ?? 0) > 0]));
    const activity = new Map<string, string>();
    for (const { type, data } of connections) {
      const user = state.get(data.userId) ?? { open: [], lastSeen: null };
      const others = user.open.filter((id) => id !== data.connectionId);
      if (type === 'DeviceConnected') state.set(data.userId, { ...user, open: [...others, data.connectionId] });
      else state.set(data.userId, { open: others, lastSeen: others.length === 0 ? data.at : user.lastSeen });
      if ((activity.get(data.deviceId) ?? '') < data.at) activity.set(data.deviceId, data.at);
    }
    const presence = unnestRows(
      [{ name: 'user_id', type: 'text' }, { name: 'open', type: 'text' }, { name: 'last_seen', type: 'timestamptz' }],
      userIds.map((id) => [id, JSON.stringify(state.get(id)!.open), state.get(id)!.lastSeen]),
    );
    await db.query(
      `INSERT INTO presence (user_id, open_connections, last_seen)
       SELECT user_id, ARRAY(SELECT jsonb_array_elements_text(open::jsonb)), last_seen FROM (${presence.sql}) t
       ON CONFLICT (user_id) DO UPDATE SET open_connections = excluded.open_connections, last_seen = excluded.last_seen`,
      presence.params,
    );
    const devices = unnestRows([{ name: 'device_id', type: 'text' }, { name: 'at', type: 'timestamptz' }], [...activity]);
    await db.query(
      `INSERT INTO device_activity AS d (device_id, last_active_at) ${devices.sql}
       ON CONFLICT (device_id) DO UPDATE SET last_active_at = GREATEST(d.last_active_at, excluded.last_active_at)`,
      devices.params,
    );
    const changes = userIds
      .map((userId) => ({ userId, online: state.get(userId)!.open.length > 0, lastSeen: state.get(userId)!.lastSeen }))
      .filter((change) => change.online !== wasOnline.get(change.userId));
    // NOTIFY payloads are limited to 8,000 bytes: announce in chunks.
    for (let i = 0; context.live && i < changes.length; i += 50) {
      await db.query('SELECT pg_notify($1, $2)', [PRESENCE_CHANNEL, JSON.stringify(changes.slice(i, i + 50))]);
    }
  }
}
