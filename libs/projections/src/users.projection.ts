import type { EntityManager } from 'typeorm';
import type { StoredEvent } from '../../event-store/src/event-store.port.js';
import type { DeviceLoggedIn, UserRegistered } from '../../domain/src/events.js';
import { eventsOfType, Projection, unnestRows } from './projection.js';

export class UsersProjection implements Projection {
  readonly name = 'users';
  readonly tables = ['users', 'devices'] as const;

  async apply(db: EntityManager, events: StoredEvent[]): Promise<void> {
    const registered = eventsOfType<UserRegistered>(events, 'UserRegistered');
    if (registered.length > 0) {
      const rows = unnestRows(
        [{ name: 'user_id', type: 'text' }, { name: 'phone', type: 'text' }, { name: 'registered_at', type: 'timestamptz' }],
        registered.map(({ data }) => [data.userId, data.phone, data.registeredAt]),
      );
      await db.query(`INSERT INTO users (user_id, phone, registered_at) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
    }
    const devices = eventsOfType<DeviceLoggedIn>(events, 'DeviceLoggedIn');
    if (devices.length > 0) {
      const rows = unnestRows(
        [{ name: 'device_id', type: 'text' }, { name: 'user_id', type: 'text' }, { name: 'name', type: 'text' }, { name: 'at', type: 'timestamptz' }],
        devices.map(({ data }) => [data.deviceId, data.userId, data.deviceName, data.at]),
      );
      await db.query(`INSERT INTO devices (device_id, user_id, name, logged_in_at) ${rows.sql} ON CONFLICT DO NOTHING`, rows.params);
    }
  }
}
